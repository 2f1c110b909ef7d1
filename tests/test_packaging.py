"""Packaging: the wheel and what it ships, a fresh install, and the desktop/installer files.

The wheel test builds from a copy of the tracked sources (no stale `build/lib`, no race with a
second test run), installs the wheel into a fresh venv and runs the `annotator` command of that
venv. To stay fast and offline, the fresh venv gets the wheel with `--no-deps --no-index` and
borrows the dependencies from the venv running the tests through a `.pth` path line: the path
is appended after the fresh venv's own site-packages, and the `.pth` files inside it (such as
the project's editable-install hook) are not executed, so `annotator` itself can only come from
the wheel. A test checks that it does.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import os
import plistlib
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import annotator
from annotator.core.store import HEAD_REVISION
from tests.conftest import REPO_ROOT

APP_ID = "io.github.annotator.Annotator"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
LINUX = REPO_ROOT / "packaging" / "linux"
DESKTOP_FILE = LINUX / f"{APP_ID}.desktop"
METAINFO_FILE = LINUX / f"{APP_ID}.metainfo.xml"
SPEC_FILE = REPO_ROOT / "packaging" / "pyinstaller" / "annotator.spec"
ISS_FILE = REPO_ROOT / "packaging" / "windows" / "annotator.iss"
PLIST_FILE = REPO_ROOT / "packaging" / "macos" / "Info.plist"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Taken before the autouse fixture points HOME at a temporary folder: the wheel build may fetch
# setuptools into pip's cache, and re-downloading it on every run would only cost time.
PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
SOURCES = ("pyproject.toml", "README.md", "annotator", "resources")


def _run(args: list[str | Path], *, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kwargs
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))} exited {result.returncode}\n"
        f"stdout: {result.stdout}\nstderr: {result.stderr}"
    )
    return result


def _offline_build_backend() -> bool:
    """True when this venv can build the wheel without fetching the build requirements."""
    try:
        setuptools_version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return False
    major, minor = (int(part) for part in setuptools_version.split(".")[:2])
    if major < 69:  # pyproject.toml [build-system] requires setuptools>=69
        return False
    # setuptools < 70.1 builds wheels through the separate `wheel` package.
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


def _source_files() -> list[Path]:
    """The files a wheel is built from (caches and build leftovers excluded)."""
    found = []
    for name in SOURCES:
        path = REPO_ROOT / name
        if path.is_file():
            found.append(path)
            continue
        for item in sorted(path.rglob("*")):
            if item.is_file() and "__pycache__" not in item.parts and item.suffix != ".pyc":
                found.append(item)
    return found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for path in _source_files():
        target = source / path.relative_to(REPO_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    out = tmp_path_factory.mktemp("wheel")
    args: list[str | Path] = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out]
    if _offline_build_backend():
        args.append("--no-build-isolation")
    env = {**os.environ, "PIP_CACHE_DIR": PIP_CACHE, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    _run([*args, source], env=env, timeout=180)
    wheels = list(out.glob("annotator-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


# -- the wheel ---------------------------------------------------------------------------------


def test_wheel_is_named_for_this_version(wheel: Path) -> None:
    assert wheel.name == f"annotator-{annotator.__version__}-py3-none-any.whl"


def test_wheel_ships_every_resource(wheel_names: set[str]) -> None:
    resources = REPO_ROOT / "resources"
    expected = {
        "annotator/resources/" + path.relative_to(resources).as_posix()
        for path in _source_files()
        if path.is_relative_to(resources)
    }
    assert "annotator/resources/sample-briefing.txt" in expected
    assert "annotator/resources/icons/annotator.svg" in expected
    expected |= {f"annotator/resources/icons/annotator-{size}.png" for size in ICON_SIZES}
    assert sorted(expected - wheel_names) == []


def test_wheel_ships_the_migration_scripts(wheel_names: set[str]) -> None:
    migrations = REPO_ROOT / "annotator" / "core" / "migrations"
    versions = sorted(p.name for p in (migrations / "versions").glob("*.py"))
    assert len(versions) >= 2, versions
    expected = {
        "annotator/core/migrations/env.py",
        "annotator/core/migrations/script.py.mako",
        *(f"annotator/core/migrations/versions/{name}" for name in versions),
    }
    assert sorted(expected - wheel_names) == []


def test_wheel_ships_every_module(wheel_names: set[str]) -> None:
    modules = {
        path.relative_to(REPO_ROOT).as_posix()
        for path in _source_files()
        if path.suffix == ".py" and path.is_relative_to(REPO_ROOT / "annotator")
    }
    assert sorted(modules - wheel_names) == [], "a package missing from pyproject.toml?"


def test_wheel_declares_the_command(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        entry_points = archive.read(
            f"annotator-{annotator.__version__}.dist-info/entry_points.txt"
        ).decode()
    assert re.search(r"^annotator\s*=\s*annotator\.cli:main$", entry_points, re.MULTILINE)


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_imports_the_sample(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    site_packages = Path(
        _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
        .stdout.strip()
    )
    borrowed = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site_packages / "zz_borrowed_dependencies.pth").write_text("\n".join(borrowed) + "\n")
    _run([
        sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
        "--no-index", "--disable-pip-version-check", wheel,
    ])
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    env["QT_QPA_PLATFORM"] = "offscreen"
    work = tmp_path / "work"
    work.mkdir()

    def run_in_venv(*args: str | Path) -> subprocess.CompletedProcess:
        return _run(list(args), cwd=work, env=env)

    command = venv / "bin" / "annotator"
    assert run_in_venv(command, "--version").stdout.strip() == (
        f"annotator {annotator.__version__}"
    )
    where = run_in_venv(python, "-c", "import annotator; print(annotator.__file__)").stdout
    assert Path(where.strip()).is_relative_to(site_packages), "annotator not from the wheel"

    sample = work / "sample-briefing.txt"
    run_in_venv(
        python, "-c",
        "import sys; from importlib.resources import files; "
        "open(sys.argv[1], 'wb').write("
        "files('annotator.resources').joinpath('sample-briefing.txt').read_bytes())",
        sample,
    )
    db = tmp_path / "fresh.sqlite3"
    imported = run_in_venv(command, "import", sample, "--db", db)
    assert "imported sample-briefing.txt as document 1" in imported.stdout
    listed = json.loads(run_in_venv(command, "list", "--json", "--db", db).stdout)
    assert [d["title"] for d in listed] == ["Northern Corridor Security Outlook"]
    assert listed[0]["units"] > 10
    with sqlite3.connect(db) as conn:  # created by the migrations shipped in the wheel
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            HEAD_REVISION,
        )

    sizes = run_in_venv(
        python, "-c",
        "from annotator.gui.app import application; "
        "print(sorted(s.width() for s in application().windowIcon().availableSizes()))",
    )
    assert json.loads(sizes.stdout) == list(ICON_SIZES)


# -- icons -------------------------------------------------------------------------------------


def test_icon_renders_are_up_to_date_with_the_svg() -> None:
    result = subprocess.run(
        [sys.executable, REPO_ROOT / "packaging" / "make_icons.py", "--check"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, (
        f"run packaging/make_icons.py after editing the SVG\n{result.stderr}"
    )


def test_icon_pngs_have_their_sizes() -> None:
    for size in ICON_SIZES:
        data = (REPO_ROOT / "resources" / "icons" / f"annotator-{size}.png").read_bytes()
        assert data[:8] == PNG_MAGIC
        width, height = struct.unpack(">II", data[16:24])  # IHDR
        assert (width, height) == (size, size)


def test_windows_icon_holds_png_images_up_to_256() -> None:
    data = (REPO_ROOT / "packaging" / "windows" / "annotator.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for index in range(count):
        width, height, _c, _r, planes, bits, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index : 22 + 16 * index]
        )
        assert (planes, bits) == (1, 32)
        payload = data[offset : offset + length]
        assert payload[:8] == PNG_MAGIC and len(payload) == length
        assert struct.unpack(">II", payload[16:24]) == (width or 256, height or 256)
        sizes.append(width or 256)
    assert {16, 32, 48, 256} <= set(sizes)


def test_macos_icon_is_an_icns_container_of_pngs() -> None:
    data = (REPO_ROOT / "packaging" / "macos" / "annotator.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    position, kinds = 8, []
    while position < len(data):
        kind, length = data[position : position + 4], struct.unpack(
            ">I", data[position + 4 : position + 8]
        )[0]
        assert data[position + 8 : position + 16] == PNG_MAGIC
        kinds.append(kind)
        position += length
    assert position == len(data)
    assert {b"icp4", b"ic07", b"ic08", b"ic09", b"ic10"} <= set(kinds)


def test_application_and_about_box_use_the_icon(qtbot) -> None:
    from PySide6.QtWidgets import QWidget

    from annotator.gui.app import application
    from annotator.gui.dialogs import show_about

    app = application()
    sizes = sorted(s.width() for s in app.windowIcon().availableSizes())
    assert sizes == list(ICON_SIZES)
    parent = QWidget()
    qtbot.addWidget(parent)
    box = show_about(parent, Path("/tmp/example.sqlite3"))
    qtbot.addWidget(box)
    assert not box.iconPixmap().isNull()
    assert box.iconPixmap().width() == 64 * box.iconPixmap().devicePixelRatio()
    assert annotator.__version__ in box.text()
    box.close()


# -- Linux desktop integration -----------------------------------------------------------------


def _desktop_entry() -> dict[str, str]:
    entry = {}
    for line in DESKTOP_FILE.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            entry[key] = value
    return entry


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (apt-get install {package})")
    return path


def test_desktop_file_passes_desktop_file_validate() -> None:
    result = _run([_tool("desktop-file-validate", "desktop-file-utils"), DESKTOP_FILE])
    assert result.stdout.strip() == "", result.stdout  # not even a hint


def test_metainfo_passes_appstreamcli_validate() -> None:
    result = subprocess.run(
        [_tool("appstreamcli", "appstream"), "validate", "--no-net", METAINFO_FILE],
        capture_output=True, text=True, timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Infos and pedantic notes are allowed (they differ between appstream versions).
    assert not re.search(r"^\s*[EW]: ", output, re.MULTILINE), output


def test_desktop_file_and_metainfo_agree() -> None:
    entry = _desktop_entry()
    assert entry["Icon"] == APP_ID
    assert entry["Exec"].split()[0] == "annotator"
    metainfo = METAINFO_FILE.read_text(encoding="utf-8")
    assert f"<id>{APP_ID}</id>" in metainfo
    assert f'<launchable type="desktop-id">{APP_ID}.desktop</launchable>' in metainfo
    assert f'<release version="{annotator.__version__}"' in metainfo
    for mime in entry["MimeType"].rstrip(";").split(";"):
        assert f"<mediatype>{mime}</mediatype>" in metainfo


def test_install_script_installs_a_valid_tree(tmp_path: Path) -> None:
    prefix = tmp_path / "prefix with space"
    program = tmp_path / "bin dir" / "annotator"
    _run(["bash", LINUX / "install.sh", "--prefix", prefix, "--exec", program])
    share = prefix / "share"
    installed = share / "applications" / f"{APP_ID}.desktop"
    text = installed.read_text(encoding="utf-8")
    assert f'Exec="{program}" %F' in text and f"TryExec={program}" in text
    assert (share / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    for size in ICON_SIZES:
        assert (share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    if shutil.which("desktop-file-validate"):
        _run(["desktop-file-validate", installed])
    if shutil.which("appstreamcli"):
        _run(["appstreamcli", "validate-tree", "--no-net", prefix])
    _run(["bash", LINUX / "install.sh", "--uninstall", "--prefix", prefix])
    assert not installed.exists()
    assert not list(share.rglob(f"{APP_ID}*"))


# -- PyInstaller, Windows, macOS ---------------------------------------------------------------


def test_macos_info_plist() -> None:
    with PLIST_FILE.open("rb") as handle:
        info = plistlib.load(handle)
    assert info["CFBundleIdentifier"] == APP_ID
    assert info["CFBundleName"] == "Annotator"
    assert info["CFBundlePackageType"] == "APPL"
    assert info["CFBundleShortVersionString"] == annotator.__version__
    assert info["CFBundleVersion"] == annotator.__version__
    assert info["NSHighResolutionCapable"] is True
    assert tuple(int(p) for p in info["LSMinimumSystemVersion"].split(".")) >= (11,)
    assert (PLIST_FILE.parent / info["CFBundleIconFile"]).is_file()


def _iss_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    for raw in ISS_FILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        if match := re.fullmatch(r"\[(\w+)\]", line):
            current = sections.setdefault(match.group(1), [])
        elif current is not None:
            current.append(line)
    return sections


def test_inno_setup_script() -> None:
    text = ISS_FILE.read_text(encoding="utf-8")
    defines = dict(re.findall(r'^\s*#define\s+(\w+)\s+"([^"]*)"', text, re.MULTILINE))
    assert defines["AppVersion"] == annotator.__version__
    sections = _iss_sections()
    assert {"Setup", "Files", "Icons", "Languages"} <= set(sections)
    setup = dict(line.split("=", 1) for line in sections["Setup"])
    assert re.fullmatch(r"\{\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", setup["AppId"])
    for key in ("AppName", "AppVersion", "DefaultDirName", "OutputBaseFilename"):
        assert setup.get(key), key
    assert (ISS_FILE.parent / setup["SetupIconFile"]).is_file()
    build_dir = (ISS_FILE.parent / defines["BuildDir"].replace("\\", "/")).resolve()
    assert build_dir == REPO_ROOT / "dist" / "annotator"  # where build.sh puts the folder
    assert any(line.startswith('Source: "{#BuildDir}\\*"') for line in sections["Files"])
    # The installer starts the windowed executable that the spec builds on Windows.
    assert defines["AppExe"] == "Annotator.exe"
    assert 'executable("Annotator", False' in SPEC_FILE.read_text(encoding="utf-8")


def test_pyinstaller_spec_references_existing_files() -> None:
    source = SPEC_FILE.read_text(encoding="utf-8")
    tree = ast.parse(source)  # the spec is Python
    roots = {"REPO": REPO_ROOT, "SPEC_DIR": SPEC_FILE.parent}
    referenced = []
    for node in ast.walk(tree):
        # REPO / "a" / "b" and SPEC_DIR / "x": every such path must exist.
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            parts = []
            while isinstance(node, ast.BinOp) and isinstance(node.right, ast.Constant):
                parts.append(node.right.value)
                node = node.left
            if isinstance(node, ast.Name) and node.id in roots and parts:
                referenced.append(roots[node.id].joinpath(*reversed(parts)))
    referenced = [p for p in referenced if p != REPO_ROOT / "annotator"]
    names = {p.relative_to(REPO_ROOT).as_posix() for p in referenced}
    assert {
        "packaging/pyinstaller/annotator_entry.py",
        "packaging/windows/annotator.ico",
        "packaging/macos/annotator.icns",
        "packaging/macos/Info.plist",
    } <= names
    assert [p for p in referenced if not p.exists()] == []
    # Data the frozen app reads from files, and the modules the migration scripts import.
    assert 'collect_data_files("annotator.resources")' in source
    assert 'collect_data_files("annotator.core.migrations", include_py_files=True)' in source
    hidden = re.findall(r'^\s*"((?:alembic|sqlalchemy)\.[\w.]+)",$', source, re.MULTILINE)
    assert "alembic.op" in hidden
    assert [m for m in hidden if importlib.util.find_spec(m) is None] == []


def test_build_scripts_are_valid_bash() -> None:
    for script in (
        LINUX / "install.sh",
        REPO_ROOT / "packaging" / "pyinstaller" / "build.sh",
        REPO_ROOT / "packaging" / "macos" / "build.sh",
    ):
        _run(["bash", "-n", script])
        assert os.access(script, os.X_OK), f"chmod +x {script}"


def test_user_guide_links_exist() -> None:
    guide = REPO_ROOT / "docs" / "user-guide.md"
    targets = re.findall(r"\]\(([^)#\s]+)\)", guide.read_text(encoding="utf-8"))
    local = [t for t in targets if "://" not in t]
    assert "screenshot-workspace.png" in local
    assert [t for t in local if not (guide.parent / t).exists()] == []
    # In-page links: GitHub's heading anchors (lower case, punctuation dropped, spaces -> -).
    text = guide.read_text(encoding="utf-8")
    anchors = {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", text, re.MULTILINE)
    }
    assert sorted(set(re.findall(r"\]\(#([^)]+)\)", text)) - anchors) == []


def test_frozen_app_when_given(tmp_path: Path) -> None:
    """ANNOTATOR_FROZEN_APP=dist/annotator/annotator checks a PyInstaller build (release CI)."""
    frozen = os.environ.get("ANNOTATOR_FROZEN_APP")
    if not frozen:
        pytest.skip("set ANNOTATOR_FROZEN_APP to a built executable to check it")
    version = _run([frozen, "--version"]).stdout.strip()
    assert version == f"annotator {annotator.__version__}"
    db = tmp_path / "frozen.sqlite3"
    _run([frozen, "import", REPO_ROOT / "resources" / "sample-briefing.txt", "--db", db])
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            HEAD_REVISION,
        )
