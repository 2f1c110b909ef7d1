#!/usr/bin/env bash
# macOS: Annotator.app from the PyInstaller spec, with an .icns made by Apple's iconutil.
#   packaging/macos/build.sh      -> dist/Annotator.app (and dist/annotator/, the bare folder)
# Needs macOS 12+ with Xcode command line tools (iconutil) and Python >= 3.11 (PYTHON=...).
# The spec builds the macOS executable windowed (console=False, the spec's equivalent of
# PyInstaller's --windowed: a spec file takes no --windowed flag) and wraps it in a BUNDLE
# whose Info.plist is packaging/macos/Info.plist.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${PYTHON:-python3}
BUILD_DIR=${BUILD_DIR:-$REPO/build/pyinstaller}
[ "$(uname -s)" = "Darwin" ] || { echo "macos/build.sh: run this on macOS" >&2; exit 1; }

# 1. The icon: render an .iconset from the SVG (Qt, in the build venv) and let iconutil pack it.
#    Without iconutil, the spec falls back to the committed packaging/macos/annotator.icns.
ICON_DIR="$BUILD_DIR/macos"
mkdir -p "$ICON_DIR"
if command -v iconutil >/dev/null 2>&1; then
  [ -x "$BUILD_DIR/venv/bin/python" ] || "$PYTHON" -m venv "$BUILD_DIR/venv"
  "$BUILD_DIR/venv/bin/python" -m pip install -q "PySide6-Essentials>=6.8"
  rm -rf "$ICON_DIR/annotator.iconset"
  "$BUILD_DIR/venv/bin/python" "$REPO/packaging/make_icons.py" --iconset "$ICON_DIR/annotator.iconset"
  iconutil -c icns "$ICON_DIR/annotator.iconset" -o "$ICON_DIR/annotator.icns"
  export ANNOTATOR_ICNS="$ICON_DIR/annotator.icns"
fi

# 2. PyInstaller (same venv, spec and checks as on Linux).
BUILD_DIR="$BUILD_DIR" PYTHON="$PYTHON" "$REPO/packaging/pyinstaller/build.sh"

# 3. Smoke test: the bundle's executable answers on the command line.
APP="$REPO/dist/Annotator.app"
"$APP/Contents/MacOS/Annotator" --version
plutil -lint "$APP/Contents/Info.plist"

# 4. Distribution (outline; needs an Apple Developer ID, not automated here):
#   codesign --deep --force --options runtime --timestamp \
#     --sign "Developer ID Application: NAME (TEAMID)" "$APP"
#   hdiutil create -volname Annotator -srcfolder "$APP" -ov -format UDZO dist/Annotator-0.1.0.dmg
#   xcrun notarytool submit dist/Annotator-0.1.0.dmg --keychain-profile NOTARY --wait
#   xcrun stapler staple dist/Annotator-0.1.0.dmg
echo "built $APP"
