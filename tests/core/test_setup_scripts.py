"""scripts/_env.sh (shared by scripts/run and scripts/test) says what it installs and why, shows apt's
and pip's progress, and says when it waits for another package manager.

The real functions run in bash; apt-get, dpkg-query, fuser, ps, sleep and the venv's python are
small stand-ins on PATH that print what the real ones print and record how they were called.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
from pathlib import Path

import pytest

from tests.fault_support import REPO

LOCKED = "Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process"
APT_INSTALL_OUTPUT = f"""\
Reading package lists...
{LOCKED} 4343 (apt-get)...
{LOCKED} 4343 (apt-get)... 5s
The following NEW packages will be installed:
  libxcb-cursor0 libxcb-icccm4
0 upgraded, 2 newly installed, 0 to remove and 0 not upgraded.
Need to get 40.1 kB of archives.
Get:1 http://deb.debian.org/debian bookworm/main amd64 libxcb-cursor0 amd64 0.1.4-1 [14.1 kB]
Get:2 http://deb.debian.org/debian bookworm/main amd64 libxcb-icccm4 amd64 0.4.1-1.1 [26.0 kB]
Fetched 40.1 kB in 0s (401 kB/s)
Selecting previously unselected package libxcb-cursor0:amd64.
Unpacking libxcb-cursor0:amd64 (0.1.4-1) ...
Setting up libxcb-cursor0:amd64 (0.1.4-1) ...
Setting up libxcb-icccm4:amd64 (0.4.1-1.1) ...
"""

STUBS = {
    # Nothing is installed.
    "dpkg-query": "exit 1",
    # Another package manager (pid 4242) holds the lock for the first two looks, then lets go.
    "fuser": 'n=$(cat "$CALLS/fuser" 2>/dev/null || echo 0); echo $((n + 1)) > "$CALLS/fuser"\n'
    '[ "$n" -lt 2 ] && echo " 4242"; exit 0',
    "ps": 'echo "unattended-upgr"',
    "sleep": 'echo "$*" >> "$CALLS/sleep"',
    "apt-get": 'echo "$*" >> "$CALLS/apt-get"\n'
    'case "$1" in update) echo "Hit:1 http://deb.debian.org/debian bookworm InRelease";;\n'
    '*) cat "$CALLS/apt-install-output";; esac',
}


def stub_path(tmp_path: Path) -> dict[str, str]:
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir()
    calls.mkdir()
    (calls / "apt-install-output").write_text(APT_INSTALL_OUTPUT, encoding="utf-8")
    for name, body in STUBS.items():
        (bin_dir / name).write_text(f"#!/bin/bash\n{body}\n", encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "CALLS": str(calls)}


def run_env_sh(script: str, env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f"set -Eeuo pipefail; source scripts/_env.sh; {script}"],
        cwd=REPO,
        env=env,
        text=True,
        timeout=60,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="the stand-ins replace apt, not sudo")
def test_apt_install_says_what_and_why_shows_progress_and_says_when_it_waits(tmp_path: Path) -> None:
    env = stub_path(tmp_path)
    result = run_env_sh(
        'apt_install "the system libraries Qt needs to open a window" libxcb-cursor0 libxcb-icccm4',
        {**env, "CI": "true"},
        capture_output=True,
    )
    assert result.returncode == 0, result.stderr
    said = [re.sub(r"^\[briefer +\d+s\] ", "", line) for line in result.stderr.splitlines()]
    assert said == [
        "installing the system libraries Qt needs to open a window: libxcb-cursor0 libxcb-icccm4 (apt-get)",
        "reading the package lists (apt-get update)",
        "waiting for another package manager (pid 4242, unattended-upgr) to finish...",
        "waiting for another package manager (pid 4343, apt-get) to finish...",  # apt's own wait, once
        "  0 upgraded, 2 newly installed, 0 to remove and 0 not upgraded.",
        "  Need to get 40.1 kB of archives.",
        "  Get:1 http://deb.debian.org/debian bookworm/main amd64 libxcb-cursor0 amd64 0.1.4-1 [14.1 kB]",
        "  Get:2 http://deb.debian.org/debian bookworm/main amd64 libxcb-icccm4 amd64 0.4.1-1.1 [26.0 kB]",
        "  Fetched 40.1 kB in 0s (401 kB/s)",
        "  Setting up libxcb-cursor0:amd64 (0.1.4-1) ...",
        "  Setting up libxcb-icccm4:amd64 (0.4.1-1.1) ...",
    ]
    calls = (tmp_path / "calls" / "apt-get").read_text(encoding="utf-8").splitlines()
    assert calls[0].startswith("update -q ") and calls[1].startswith("install -y -q ")  # not -qq: progress
    assert "\x1b" not in result.stderr and "\r" not in result.stderr


def fake_venv(tmp_path: Path) -> Path:
    """A venv whose python records its arguments and answers as pip does."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(
        '#!/bin/bash\necho "$*" >> "$CALLS/pip"\n'
        'echo "Collecting whoosh-reloaded==2.7.5"\n'
        'echo "  Downloading whoosh_reloaded-2.7.5-py2.py3-none-any.whl (551 kB)"\n'
        "echo \"WARNING: Location '/opt/wheels' is ignored: it is neither a file nor a directory.\" >&2\n"
        '[ -t 1 ] && echo "stdout is a terminal"; exit 0\n',
        encoding="utf-8",
    )
    python.chmod(0o755)
    return venv


def test_pip_shows_plain_progress_lines_in_ci(tmp_path: Path) -> None:
    env = {**stub_path(tmp_path), "CI": "true", "VENV": str(fake_venv(tmp_path))}
    result = run_env_sh('ensure_venv "[test]"', env, capture_output=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # `scripts/run search ...` prints only what briefer prints
    assert "installing Briefer[test], its dependencies and the test tools into" in result.stderr
    assert "Collecting whoosh-reloaded==2.7.5\n  Downloading whoosh_reloaded" in result.stderr
    assert "is ignored" not in result.stderr
    for call in (tmp_path / "calls" / "pip").read_text(encoding="utf-8").splitlines():
        assert "--progress-bar off" in call and " -q" not in call
    assert (tmp_path / "venv" / ".briefer-installed[test]").exists()


def test_pip_draws_its_bar_on_a_terminal(tmp_path: Path) -> None:
    env = {**stub_path(tmp_path), "VENV": str(fake_venv(tmp_path))}
    env.pop("CI", None)
    controller, terminal = pty.openpty()
    try:
        result = run_env_sh('ensure_venv ""', env, stdout=subprocess.PIPE, stderr=terminal)
    finally:
        os.close(terminal)
    shown = b""
    try:
        while chunk := os.read(controller, 65536):
            shown += chunk
    except OSError:  # the terminal was closed and everything read
        pass
    os.close(controller)
    assert result.returncode == 0 and result.stdout == ""
    assert b"stdout is a terminal" in shown  # pip's output (and its bar) reach the terminal itself
    for call in (tmp_path / "calls" / "pip").read_text(encoding="utf-8").splitlines():
        assert "--progress-bar on" in call
