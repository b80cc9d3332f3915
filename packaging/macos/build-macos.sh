#!/usr/bin/env bash
# Build Briefer.app and a .dmg on macOS 12 or newer (arm64 or x86_64: the Mac that builds).
#
# NOT RUN YET: Briefer's build machines are Linux.  Every step is standard PyInstaller and
# hdiutil usage; run it on a Mac and check the self-test line before shipping.
#
#   bash packaging/macos/build-macos.sh                     unsigned (for testing)
#   SIGN_ID="Developer ID Application: Org (TEAMID)" bash packaging/macos/build-macos.sh
#       signs with the hardened runtime; then notarize the .dmg:
#       xcrun notarytool submit dist/Briefer-*.dmg --keychain-profile PROFILE --wait
#       xcrun stapler staple dist/Briefer-*.dmg
set -Eeuo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3.11}
VENV=.venv-macos

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[packaging]"
VERSION=$("$VENV/bin/python" -c 'import briefer; print(briefer.__version__)')

rm -rf dist/Briefer dist/Briefer.app
"$VENV/bin/pyinstaller" --noconfirm --clean --distpath dist --workpath build/pyinstaller-macos packaging/briefer.spec

# The built app must pass its own end-to-end check (offscreen) before anything is shipped.
QT_QPA_PLATFORM=offscreen dist/Briefer.app/Contents/MacOS/Briefer --self-test

if [ -n "${SIGN_ID:-}" ]; then
  codesign --deep --force --timestamp --options runtime --sign "$SIGN_ID" dist/Briefer.app
  codesign --verify --deep --strict --verbose=2 dist/Briefer.app
fi

DMG=dist/Briefer-$VERSION-macos-$(uname -m).dmg
rm -f "$DMG"
STAGE=$(mktemp -d)
cp -R dist/Briefer.app "$STAGE/"
ln -s /Applications "$STAGE/Applications"  # drag Briefer onto Applications to install
hdiutil create -volname "Briefer $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
rm -rf "$STAGE"
echo "built dist/Briefer.app ($(du -sh dist/Briefer.app | cut -f1)) and $DMG ($(du -h "$DMG" | cut -f1))"
