#!/bin/sh
# Install Briefer from this folder, like any desktop program (nothing is downloaded).
#
#   ./install.sh               for you: ~/.local/opt/briefer, `briefer` in ~/.local/bin, menu entry
#   sudo ./install.sh --system for everyone: /opt/briefer, /usr/local/bin, /usr/local/share
#   ./install.sh --uninstall   (add --system for a system-wide install) removes the program;
#                              your archive, briefings and settings stay where they are.
set -eu

APP_ID=org.briefer.Briefer
HERE=$(cd "$(dirname "$0")" && pwd)
system=0
uninstall=0
for arg in "$@"; do
  case $arg in
    --system) system=1 ;;
    --uninstall) uninstall=1 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

if [ "$system" = 1 ]; then
  APP_DIR=/opt/briefer BIN_DIR=/usr/local/bin SHARE=/usr/local/share
else
  SHARE=${XDG_DATA_HOME:-$HOME/.local/share}
  APP_DIR=$HOME/.local/opt/briefer BIN_DIR=$HOME/.local/bin
fi

refresh() {  # let menus and icon caches see the change; harmless where the tools are missing
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$SHARE/applications" || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" || true
}

rm -f "$BIN_DIR/briefer" "$SHARE/applications/$APP_ID.desktop" "$SHARE/metainfo/$APP_ID.metainfo.xml"
find "$SHARE/icons/hicolor" -path "*/apps/$APP_ID.*" -delete 2>/dev/null || true
if [ "$uninstall" = 1 ]; then
  rm -rf "$APP_DIR"
  refresh
  echo "Briefer removed (your data is in ~/.local/share/Briefer unless you chose another folder)."
  exit 0
fi

[ -x "$HERE/briefer" ] || { echo "install.sh: run it from the unpacked Briefer folder" >&2; exit 1; }
if [ "$HERE" != "$APP_DIR" ]; then
  rm -rf "$APP_DIR"
  mkdir -p "$(dirname "$APP_DIR")"
  cp -R "$HERE" "$APP_DIR"
fi
mkdir -p "$BIN_DIR" "$SHARE/applications" "$SHARE/metainfo"
ln -s "$APP_DIR/briefer" "$BIN_DIR/briefer"
# The menu entry names the program by its full path: it works even when BIN_DIR is not on PATH.
sed -e "s|^Exec=briefer|Exec=$APP_DIR/briefer|" -e "s|^TryExec=briefer|TryExec=$APP_DIR/briefer|" \
  "$APP_DIR/share/applications/$APP_ID.desktop" >"$SHARE/applications/$APP_ID.desktop"
cp "$APP_DIR/share/metainfo/$APP_ID.metainfo.xml" "$SHARE/metainfo/"
(cd "$APP_DIR/share/icons" && find hicolor -type f) | while read -r icon; do
  mkdir -p "$SHARE/icons/$(dirname "$icon")"
  cp "$APP_DIR/share/icons/$icon" "$SHARE/icons/$icon"
done
refresh
echo "Briefer installed in $APP_DIR; start it from the menu or with: $BIN_DIR/briefer"
case ":$PATH:" in *":$BIN_DIR:"*) ;; *) echo "(add $BIN_DIR to your PATH to type just 'briefer')" ;; esac
