#!/usr/bin/env bash
# One-folder PyInstaller build of Annotator for this OS (Linux; macOS: packaging/macos/build.sh).
#   packaging/pyinstaller/build.sh            -> dist/annotator/annotator
# Environment: PYTHON (default python3, >= 3.11), BUILD_DIR (default build/pyinstaller),
# DIST_DIR (default dist). Needs PyPI (or a pip index/cache) for the build venv.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${PYTHON:-python3}
BUILD_DIR=$(mkdir -p "${BUILD_DIR:-$REPO/build/pyinstaller}" && cd "${BUILD_DIR:-$REPO/build/pyinstaller}" && pwd)
DIST_DIR=$(mkdir -p "${DIST_DIR:-$REPO/dist}" && cd "${DIST_DIR:-$REPO/dist}" && pwd)
VENV="$BUILD_DIR/venv"

# A throwaway venv: the app installed NON-editably (annotator.resources is only a real package
# in an installed copy) plus the pinned PyInstaller.
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
# pip builds a local folder in place, and setuptools' build/lib keeps files deleted from the
# sources: start from an empty one.
rm -rf "$REPO/build/lib" "$REPO"/build/bdist.*
"$VENV/bin/python" -m pip install -q -r "$REPO/packaging/pyinstaller/requirements.txt" "$REPO"
"$VENV/bin/python" -m pip install -q --no-deps --force-reinstall "$REPO"  # this checkout, always

# Run from the build folder: the source tree must not shadow the installed package.
cd "$BUILD_DIR"
"$VENV/bin/pyinstaller" --noconfirm --clean \
  --distpath "$DIST_DIR" --workpath "$BUILD_DIR/work" \
  "$REPO/packaging/pyinstaller/annotator.spec"

if [ "$(uname -s)" = "Linux" ]; then
  # Smoke test: the frozen app starts, and a fresh database is created through the migrations.
  exe="$DIST_DIR/annotator/annotator"
  "$exe" --version
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  sample=$("$VENV/bin/python" -c \
    'from importlib.resources import files; print(files("annotator.resources") / "sample-briefing.txt")')
  "$exe" import "$sample" --db "$tmp/smoke.sqlite3"
  "$exe" list --db "$tmp/smoke.sqlite3"
  echo "built $DIST_DIR/annotator ($(du -sh "$DIST_DIR/annotator" | cut -f1))"
fi
