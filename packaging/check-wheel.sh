#!/usr/bin/env bash
# `make check-wheel`: Briefer installs as a plain Python package, with `pip install .` and
# `pipx install .`, in throwaway environments; each install prints its version and passes the
# self-test (so the resources, the sample archive included, are inside the wheel).
set -Eeuo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/_env.sh
source scripts/_env.sh

VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' briefer/__init__.py)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
apt_install "${QT_APT[@]}"
PIP=(-m pip install --disable-pip-version-check -q)

check() {  # check NAME BRIEFER: --version, then --self-test from outside the checkout
  local out
  out=$(cd "$WORK" && "$2" --version)
  [ "$out" = "briefer $VERSION" ] || { log "FAILED: $1: briefer --version printed '$out'"; return 1; }
  (cd "$WORK" && QT_QPA_PLATFORM=offscreen "$2" --self-test >"$WORK/$1.log") \
    || { cat "$WORK/$1.log" >&2; log "FAILED: $1: briefer --self-test"; return 1; }
  log "$1: $out; $(tail -n 1 "$WORK/$1.log")"
}

log "pip install . into a new venv"
"$PYTHON" -m venv "$WORK/pip"
"$WORK/pip/bin/python" "${PIP[@]}" . >"$WORK/pip.log" 2>&1 || { tail -n 30 "$WORK/pip.log" >&2; exit 1; }
check pip "$WORK/pip/bin/briefer"

log "pipx install . (pipx itself from PyPI into its own venv when it is missing)"
PIPX=$(command -v pipx || true)
if [ -z "$PIPX" ]; then
  "$PYTHON" -m venv "$WORK/pipx-tool"
  "$WORK/pipx-tool/bin/python" "${PIP[@]}" pipx >"$WORK/pipx-tool.log" 2>&1 || { tail -n 30 "$WORK/pipx-tool.log" >&2; exit 1; }
  PIPX=$WORK/pipx-tool/bin/pipx
fi
PIPX_HOME=$WORK/pipx-home PIPX_BIN_DIR=$WORK/pipx-bin "$PIPX" install --python "$PYTHON" . \
  >"$WORK/pipx.log" 2>&1 || { tail -n 30 "$WORK/pipx.log" >&2; exit 1; }
check pipx "$WORK/pipx-bin/briefer"
log "check-wheel: pip and pipx installs work"
