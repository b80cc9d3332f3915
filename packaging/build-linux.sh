#!/usr/bin/env bash
# `make dist`: build the Linux app, dist/Briefer/, and its archive dist/Briefer-VERSION-linux-ARCH.tar.gz.
#
# Installs what is missing (PyInstaller through the `packaging` extra, binutils for `strip`),
# runs PyInstaller on packaging/briefer.spec, adds the desktop entry, AppStream metadata, icons
# and install.sh, and packs the folder.  Check the result with `make check-dist`.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/_env.sh
source scripts/_env.sh

APP_ID=org.briefer.Briefer
DIST=${DIST:-dist}
APP=$DIST/Briefer

apt_install "${QT_APT[@]}" binutils  # binutils: PyInstaller reads libraries with objdump
ensure_venv "[packaging]"
VERSION=$("$VENV/bin/python" -c 'import briefer; print(briefer.__version__)')
ARCH=$(uname -m)
ARCHIVE=$DIST/Briefer-$VERSION-linux-$ARCH.tar.gz

log "PyInstaller: building $APP (about a minute)"
started=$SECONDS
rm -rf "$APP" "$ARCHIVE"
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath build/pyinstaller packaging/briefer.spec >"$LOGDIR/pyinstaller.log" 2>&1 || {
  tail -n 40 "$LOGDIR/pyinstaller.log" >&2; log "ERROR: PyInstaller failed"; exit 1; }
log "PyInstaller done in $((SECONDS - started)) s"
# Strip only what this machine's Python built (libpython carries debug symbols: 23 MB -> 5 MB).
# Libraries from wheels stay as they are: stripping numpy's OpenBLAS breaks it.
find "$APP/_internal" -maxdepth 1 -name 'libpython3*.so*' -type f -exec strip --strip-unneeded {} +
find "$APP/_internal" -path '*/lib-dynload/*.so' -type f -exec strip --strip-unneeded {} +

# Desktop integration, installed by install.sh (or by a distribution package) from share/.
mkdir -p "$APP/share/applications" "$APP/share/metainfo" "$APP/share/icons"
cp packaging/linux/$APP_ID.desktop "$APP/share/applications/"
cp packaging/linux/$APP_ID.metainfo.xml "$APP/share/metainfo/"
cp -R packaging/icons/hicolor "$APP/share/icons/"
cp packaging/linux/install.sh "$APP/install.sh"
cp packaging/linux/README.txt "$APP/README.txt"
chmod +x "$APP/install.sh"

tar -C "$DIST" -czf "$ARCHIVE" Briefer
log "built $APP ($(du -sh "$APP" | cut -f1)) and $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1))"
