#!/usr/bin/env bash
# Desktop integration for a pip-installed Annotator: menu entry, file associations, icons and
# AppStream metadata, installed for the current user (default) or into a prefix.
#
#   packaging/linux/install.sh                     into ~/.local/share
#   packaging/linux/install.sh --prefix /usr/local into /usr/local/share (run as root)
#   packaging/linux/install.sh --exec /opt/annotator/dist/annotator/annotator
#                                                  the menu entry starts this program
#   packaging/linux/install.sh --uninstall [--prefix DIR]
#
# The menu entry must be able to find the `annotator` command. A desktop session does not see
# a virtual environment activated in a shell, so unless the prefix is /usr or /usr/local, the
# entry gets the absolute path of the `annotator` found on PATH now (or the one --exec gives).
set -euo pipefail

APP_ID=io.github.annotator.Annotator
HERE=$(cd "$(dirname "$0")" && pwd)
ICONS=$(cd "$HERE/../../resources/icons" && pwd)
SIZES=(16 32 48 64 128 256 512)

prefix="$HOME/.local"
exec_path=""
uninstall=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?--prefix needs a folder}; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --exec) exec_path=${2:?--exec needs a program}; shift 2 ;;
    --exec=*) exec_path=${1#--exec=}; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
share="$prefix/share"

targets=(
  "$share/applications/$APP_ID.desktop"
  "$share/metainfo/$APP_ID.metainfo.xml"
  "$share/icons/hicolor/scalable/apps/$APP_ID.svg"
)
for size in "${SIZES[@]}"; do
  targets+=("$share/icons/hicolor/${size}x${size}/apps/$APP_ID.png")
done

refresh_caches() {
  # Menus and icon themes pick the files up without these too, only later.
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$share/applications" || true
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$share/icons/hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t -f "$share/icons/hicolor" || true
  fi
}

if [ "$uninstall" = 1 ]; then
  rm -f "${targets[@]}"
  refresh_caches
  echo "removed Annotator's desktop files from $share"
  exit 0
fi

if [ -z "$exec_path" ]; then
  case "$prefix" in
    /usr|/usr/local) exec_path=annotator ;;
    *)
      exec_path=$(command -v annotator || true)
      if [ -z "$exec_path" ]; then
        echo "install.sh: no 'annotator' command on PATH. Install the app first" \
          "(pip install --user . or pipx install .), or give --exec /path/to/annotator" >&2
        exit 1
      fi
      exec_path=$(cd "$(dirname "$exec_path")" && pwd)/$(basename "$exec_path") ;;
  esac
fi
if [[ "$exec_path" == *[\"\`\$\\]* ]]; then
  echo "install.sh: --exec path contains a character a .desktop file cannot hold: $exec_path" >&2
  exit 2
fi
quoted=$exec_path
[[ "$exec_path" == *" "* ]] && quoted="\"$exec_path\""

mkdir -p "$share/applications"
desktop_tmp="$share/applications/.$APP_ID.desktop.tmp"
while IFS= read -r line; do
  case "$line" in
    Exec=*) printf 'Exec=%s %%F\n' "$quoted" ;;
    TryExec=*) printf 'TryExec=%s\n' "$exec_path" ;;
    *) printf '%s\n' "$line" ;;
  esac
done < "$HERE/$APP_ID.desktop" > "$desktop_tmp"
chmod 644 "$desktop_tmp"
mv -f "$desktop_tmp" "$share/applications/$APP_ID.desktop"

install -Dm644 "$HERE/$APP_ID.metainfo.xml" "$share/metainfo/$APP_ID.metainfo.xml"
install -Dm644 "$ICONS/annotator.svg" "$share/icons/hicolor/scalable/apps/$APP_ID.svg"
for size in "${SIZES[@]}"; do
  install -Dm644 "$ICONS/annotator-$size.png" \
    "$share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done
refresh_caches
echo "installed Annotator's menu entry, icons and metadata into $share (starts: $exec_path)"
