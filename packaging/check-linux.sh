#!/usr/bin/env bash
# `make check-dist`: check the Linux app that `make dist` built.  Fails when any check fails.
#
#  1. the desktop entry and AppStream metadata pass desktop-file-validate and appstreamcli validate;
#  2. the archive unpacks into a fresh folder, and the app there, in a bare environment (no venv,
#     an empty HOME, offscreen), prints its version and passes `briefer --self-test`;
#  3. install.sh installs it for a user (menu entry valid, icons, `briefer` on PATH) and removes it;
#  4. the folder and archive sizes and the start-up times are printed.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/_env.sh
source scripts/_env.sh

APP_ID=org.briefer.Briefer
DIST=${DIST:-dist}
VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' briefer/__init__.py)
ARCHIVE=$DIST/Briefer-$VERSION-linux-$(uname -m).tar.gz
failures=0
fail() { log "FAILED: $*"; failures=$((failures + 1)); }

[ -x "$DIST/Briefer/briefer" ] && [ -f "$ARCHIVE" ] || { log "ERROR: no build in $DIST: run make dist first"; exit 1; }
apt_install "${QT_APT[@]}" desktop-file-utils appstream

log "1. desktop entry and AppStream metadata"
desktop-file-validate packaging/linux/$APP_ID.desktop || fail "desktop-file-validate"
appstreamcli validate --no-net --pedantic packaging/linux/$APP_ID.metainfo.xml || fail "appstreamcli validate"
cmp -s packaging/linux/$APP_ID.desktop "$DIST/Briefer/share/applications/$APP_ID.desktop" \
  || fail "the built folder's desktop entry is out of date"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home"
tar -C "$WORK" -xzf "$ARCHIVE"
APP=$WORK/Briefer
# A bare environment: nothing from the build venv, the checkout or this user's settings.
bare() { env -i PATH=/usr/bin:/bin HOME="$WORK/home" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen "$@"; }

log "2. the unpacked app: --version and --self-test"
best=999
for _ in 1 2 3; do
  t=$EPOCHREALTIME
  out=$(bare "$APP/briefer" --version) || fail "briefer --version"
  t=$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
done
[ "$out" = "briefer $VERSION" ] || fail "briefer --version printed '$out'"
echo "$out (best of 3: $best s)"
t=$EPOCHREALTIME
if bare "$APP/briefer" --self-test | tee "$WORK/self-test.log"; then :; else fail "briefer --self-test"; fi
selftest_seconds=$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
window=$(sed -n 's/.*main window: .*, \([0-9.]*\) s after the process started.*/\1/p' "$WORK/self-test.log")

log "3. install.sh for a user, then --uninstall"
home=$WORK/home
if bare "$APP/install.sh" >/dev/null; then
  desktop-file-validate "$home/.local/share/applications/$APP_ID.desktop" || fail "installed desktop entry"
  grep -q "^Exec=$home/.local/opt/briefer/briefer$" "$home/.local/share/applications/$APP_ID.desktop" \
    || fail "installed desktop entry does not name the installed program"
  [ -f "$home/.local/share/icons/hicolor/256x256/apps/$APP_ID.png" ] || fail "icons not installed"
  [ -f "$home/.local/share/icons/hicolor/scalable/apps/$APP_ID.svg" ] || fail "scalable icon not installed"
  [ -f "$home/.local/share/metainfo/$APP_ID.metainfo.xml" ] || fail "metainfo not installed"
  [ "$(bare "$home/.local/bin/briefer" --version)" = "briefer $VERSION" ] || fail "installed briefer --version"
  bare "$APP/install.sh" --uninstall >/dev/null || fail "install.sh --uninstall"
  left=$(find "$home/.local" -name "*briefer*" -o -name "$APP_ID*" | grep -v '/share/Briefer' || true)
  [ -z "$left" ] || fail "left after --uninstall: $left"
else
  fail "install.sh"
fi

log "4. figures"
folder_mb=$(du -sm "$DIST/Briefer" | cut -f1)
archive_mb=$(du -m "$ARCHIVE" | cut -f1)
files=$(find "$DIST/Briefer" -type f | wc -l)
echo "dist/Briefer/:            $folder_mb MB, $files files"
echo "$ARCHIVE: $archive_mb MB"
echo "briefer --version:        $best s (best of 3)"
echo "self-test window shown:   ${window:-?} s after the process started; whole self-test $selftest_seconds s"
if [ "$failures" -gt 0 ]; then
  log "check-dist: $failures check(s) FAILED"
  exit 1
fi
log "check-dist: all checks passed"
