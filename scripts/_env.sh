# Shared by scripts/run and scripts/test: system libraries, the virtual environment, the project.
# Sourced, not run.  Knobs: VENV (default .venv), PYTHON (default python3), BRIEFER_EXTRAS.
# Everything said goes to stderr: what is installed and why, apt's and pip's progress, and any wait
# for another package manager.  On a terminal pip draws its progress bar; anywhere else (CI=true,
# a log file) every line is plain text.

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
LOGDIR=$(mktemp -d)
t0=$SECONDS
log() { printf '[briefer %4ss] %s\n' "$((SECONDS - t0))" "$*" >&2; }

on_terminal() { [ -t 2 ] && [ "${CI:-}" != true ]; }

# Libraries PySide6-Essentials loads (all present on a desktop; a bare server may lack them).
QT_APT=(libegl1 libgl1 libx11-6 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6
        libdbus-1-3 libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 fonts-dejavu-core)
DPKG_LOCKS=(/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock)
LOCK_WAIT_LIMIT=${LOCK_WAIT_LIMIT:-600}  # seconds; then apt is tried anyway (it waits 300 s more)

missing_pkgs() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || printf '%s\n' "$p"
  done
}

lock_holder() {  # the pid holding apt's or dpkg's lock, if fuser can tell
  command -v fuser >/dev/null || return 0
  "${SUDO[@]}" fuser "${DPKG_LOCKS[@]}" 2>/dev/null | tr -s ' \t' '\n\n' | grep -m1 -E '^[0-9]+$' || true
}

waiting_for() {  # waiting_for PID [NAME]: say so, once per process
  [ "$1" = "${WAITED_FOR:-}" ] && return 0
  WAITED_FOR=$1
  local name=${2:-$(ps -o comm= -p "$1" 2>/dev/null || true)}
  log "waiting for another package manager (pid $1${name:+, $name}) to finish..."
}

wait_for_package_manager() {  # until no other apt/dpkg holds the lock (unattended-upgrades, say)
  local pid waited=0
  while pid=$(lock_holder) && [ -n "$pid" ]; do
    waiting_for "$pid"
    if ((waited >= LOCK_WAIT_LIMIT)); then
      log "still locked after ${waited}s; trying anyway"
      return 0
    fi
    sleep 2
    waited=$((waited + 2))
  done
}

apt_progress() {  # apt's output: kept in a log, its progress lines shown, its lock waits said our way
  local line pid
  while IFS= read -r line; do
    printf '%s\n' "$line" >>"$LOGDIR/apt.log"
    case $line in
      *"It is held by process "*)
        pid=${line##*It is held by process }
        waiting_for "${pid%% *}" "$(sed -n 's/^[0-9]* (\([^)]*\)).*/\1/p' <<<"${pid}")" ;;
      Get:* | Fetched* | "Need to get"* | *" newly installed"* | "Setting up"* | E:* | W:* | Err:*)
        printf '  %s\n' "$line" >&2 ;;
    esac
  done
}

APT_UPDATED=0
apt_install() {  # apt_install WHY PKG...: installs only what is missing, saying what and why; retried
  local why=$1
  shift
  command -v dpkg-query >/dev/null || return 0  # not Debian/Ubuntu: the user installs them
  local need=() i
  SUDO=()
  mapfile -t need < <(missing_pkgs "$@")
  ((${#need[@]})) || return 0
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { log "please install ${need[*]} ($why)"; return 1; }
    SUDO=(sudo)
  fi
  log "installing $why: ${need[*]} (apt-get${SUDO:+, with sudo})"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$APT_UPDATED" = 0 ]; then
    log "reading the package lists (apt-get update)"
    for i in 1 2 3; do
      wait_for_package_manager
      "${SUDO[@]}" apt-get update -q -o DPkg::Lock::Timeout=300 2>&1 | apt_progress && APT_UPDATED=1 && break
      log "apt-get update failed (attempt $i of 3)"
      sleep $((i * 5))
    done
    [ "$APT_UPDATED" = 1 ] || { tail -n 20 "$LOGDIR/apt.log" >&2; return 1; }
  fi
  for i in 1 2 3; do
    wait_for_package_manager
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 \
      "${need[@]}" 2>&1 | apt_progress && return 0
    log "apt-get install failed (attempt $i of 3)"
    sleep $((i * 5))
  done
  tail -n 30 "$LOGDIR/apt.log" >&2
  return 1
}

pip_install() {  # pip_install ARGS...: pip's own progress; a bar on a terminal, plain lines elsewhere
  local bar=off
  on_terminal && bar=on
  # stdout joins stderr (a terminal, or the log), so `scripts/run search ...` prints only results.
  "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar "$bar" "$@" \
    >&2 2> >(grep -v --line-buffered "is ignored: it is neither a file nor a directory" >&2)
}

ensure_venv() {  # ensure_venv EXTRAS: a venv with the project installed (editable)
  local extras=$1
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || {
    log "ERROR: Briefer needs Python 3.11 or newer ($PYTHON is $("$PYTHON" --version 2>&1))"; return 1; }
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating the virtual environment $VENV ($("$PYTHON" --version 2>&1))"
    "$PYTHON" -m venv "$VENV" 2>"$LOGDIR/venv.log" || {
      apt_install "python3-venv, to create $VENV" python3-venv && "$PYTHON" -m venv "$VENV"; } || {
      cat "$LOGDIR/venv.log" >&2; log "ERROR: cannot create $VENV"; return 1; }
  fi
  local stamp="$VENV/.briefer-installed$extras"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    log "upgrading pip in $VENV (older pips install trafilatura without a module it needs)"
    pip_install --upgrade pip || log "WARNING: pip could not be upgraded; going on with $("$VENV/bin/python" -m pip --version)"
    local what="Briefer and its dependencies (Qt, Whoosh, trafilatura, ...)"
    [ -z "$extras" ] || what="Briefer$extras, its dependencies and the test tools"
    log "installing $what into $VENV (first time, or pyproject.toml changed: a few minutes, several hundred MB)"
    if ! pip_install -e ".$extras"; then
      log "ERROR: pip install failed (see its messages above)"
      return 1
    fi
    touch "$stamp"
    log "installed into $VENV"
  fi
}
