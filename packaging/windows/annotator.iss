; Inno Setup 6 script: a per-user (or, if chosen, per-machine) installer for the PyInstaller
; one-folder build. On Windows, from the repository root:
;   1. build the folder dist\annotator\ (Annotator.exe + annotator-cli.exe), see packaging\README.md
;   2. "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" packaging\windows\annotator.iss
;      -> dist\installer\Annotator-0.1.0-setup.exe
; Relative paths below are relative to this file's folder. Override the version with
; ISCC /DAppVersion=0.2.0 ...; tests/test_packaging.py checks the default matches annotator.__version__.

#define AppName "Annotator"
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppPublisher "Annotator developers"
#define AppExe "Annotator.exe"
#define BuildDir "..\..\dist\annotator"

[Setup]
; AppId identifies the product to Windows across versions: never change it.
AppId={{EB3AFB4A-3F25-41A6-A7FD-B266CF92B406}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppComments=Tag claims, assessments and figures in briefings, offline
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SetupIconFile=annotator.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
OutputDir=..\..\dist\installer
OutputBaseFilename=Annotator-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; The analyst's database and settings live in the user profile (%LOCALAPPDATA%\annotator,
; platformdirs): they are never part of the installation and survive an uninstall.

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BuildDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Tag claims, assessments and figures in briefings"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Byte-code caches, should Python ever write them next to the migration scripts that alembic
; loads from files (PyInstaller's bootloader normally turns byte-code writing off).
Type: filesandordirs; Name: "{app}\_internal\annotator\core\migrations\__pycache__"
Type: filesandordirs; Name: "{app}\_internal\annotator\core\migrations\versions\__pycache__"
