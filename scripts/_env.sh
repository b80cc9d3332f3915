# Shared by scripts/run and scripts/test: system libraries, the virtual environment, the project.
# Sourced, not run.  Knobs: VENV (default .venv), PYTHON (default python3), BRIEFER_EXTRAS.

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
LOGDIR=$(mktemp -d)
t0=$SECONDS
log() { printf '[briefer %4ss] %s\n' "$((SECONDS - t0))" "$*" >&2; }

# Libraries PySide6-Essentials loads (all present on a desktop; a bare server may lack them).
QT_APT=(libegl1 libgl1 libx11-6 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6
        libdbus-1-3 libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 fonts-dejavu-core)

missing_pkgs() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || printf '%s\n' "$p"
  done
}

APT_UPDATED=0
apt_install() {  # apt_install PKG...: installs only what is missing; quiet; retried
  command -v dpkg-query >/dev/null || return 0  # not Debian/Ubuntu: the user installs them
  local need=() sudo=() i
  mapfile -t need < <(missing_pkgs "$@")
  ((${#need[@]})) || return 0
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { log "please install: ${need[*]}"; return 1; }
    sudo=(sudo)
  fi
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$APT_UPDATED" = 0 ]; then
    for i in 1 2 3; do
      "${sudo[@]}" apt-get update -qq >"$LOGDIR/apt-update.log" 2>&1 && APT_UPDATED=1 && break
      sleep $((i * 5))
    done
    [ "$APT_UPDATED" = 1 ] || { tail -n 20 "$LOGDIR/apt-update.log" >&2; return 1; }
  fi
  for i in 1 2 3; do
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 \
      "${need[@]}" >"$LOGDIR/apt-install.log" 2>&1 && return 0
    sleep $((i * 5))
  done
  tail -n 30 "$LOGDIR/apt-install.log" >&2
  return 1
}

ensure_venv() {  # ensure_venv EXTRAS: a venv with the project installed (editable)
  local extras=$1
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || {
    log "ERROR: Briefer needs Python 3.11 or newer ($PYTHON is $("$PYTHON" --version 2>&1))"; return 1; }
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV" 2>"$LOGDIR/venv.log" || {
      apt_install python3-venv && "$PYTHON" -m venv "$VENV"; } || {
      cat "$LOGDIR/venv.log" >&2; log "ERROR: cannot create $VENV"; return 1; }
    log "created $VENV ($("$VENV/bin/python" --version))"
  fi
  local stamp="$VENV/.briefer-installed$extras"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    log "installing Briefer$extras and its dependencies into $VENV"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip >"$LOGDIR/pip.log" 2>&1 || true
    if ! "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e ".$extras" >>"$LOGDIR/pip.log" 2>&1; then
      grep -v "is ignored: it is neither a file nor a directory" "$LOGDIR/pip.log" | tail -n 40 >&2
      log "ERROR: pip install failed"
      return 1
    fi
    touch "$stamp"
  fi
}
