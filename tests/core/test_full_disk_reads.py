"""While the disk is full the archive can still be read: search, stats, tags, cluster, verify and
extract need no free space (issue #18).

Opening the catalog wrote a row every time (the schema version), and SQLite's WAL mode makes and
grows a shared-memory file (-shm) beside the catalog: on a full disk both failed, and every command
said "cannot open the archive catalog: disk I/O error".  The disk is filled in two ways: RLIMIT_FSIZE
in the command's process (every write to a file fails, as on a full disk) and, where this machine
allows a mount, a full tmpfs in a mount namespace of the test's own.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefer.core.archive import CATALOG_FILE, Archive
from tests.core.cli_support import Cli
from tests.fault_support import REPO

FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails with EFBIG instead of killing us
resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # no file may grow by a byte: a full disk
from briefer.cli import main
sys.exit(main(sys.argv[1:]))
"""


def on_a_full_disk(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", FULL_DISK, "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def contents(folder: Path) -> dict[str, bytes]:
    """Every file in `folder` that holds something (SQLite may leave an empty -wal or -shm behind)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.stat().st_size
    }


@pytest.fixture
def archived(
    articles: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path, str]:
    """An archive of the sample articles, a briefing quoting one of them, and that document's id."""
    data = tmp_path / "data"
    with Archive(data) as archive:
        archive.import_paths([articles])
        doc = archive.search("cosmodrome").hits[0].id
        archive.tag(doc, ["summit"])
    brief = tmp_path / "summit.briefing"
    cli = Cli(data, capsys, monkeypatch)
    assert cli("brief", "new", "-o", str(brief)) == 0
    assert (
        cli(
            "brief",
            "add-excerpt",
            str(brief),
            "--section",
            "Background",
            "--doc",
            doc,
            "--quote",
            "Vostochny",
        )
        == 0
    )
    return data, brief, doc


@pytest.mark.slow  # seven briefer processes, about 20 s
def test_read_only_commands_work_on_a_full_disk_and_write_nothing(
    archived: tuple[Path, Path, str], articles: Path
) -> None:
    data, brief, doc = archived
    before = contents(data)
    runs = {
        "search": on_a_full_disk(data, "search", "cosmodrome"),
        "json": on_a_full_disk(data, "search", "--json", "--facets", "cosmodrome"),
        "stats": on_a_full_disk(data, "stats", "--failures"),
        "tags": on_a_full_disk(data, "tags"),
        "cluster": on_a_full_disk(data, "cluster", doc),
        "verify": on_a_full_disk(data, "verify", str(brief)),
        "extract": on_a_full_disk(data, "extract", "--json", str(articles / "notes.md")),
    }
    for name, run in runs.items():
        assert run.returncode == 0, (name, run.stderr)
        assert "Traceback" not in run.stderr and "disk I/O error" not in run.stderr, (name, run.stderr)
    assert "Putin and Kim meet at Vostochny" in runs["search"].stdout
    assert json.loads(runs["json"].stdout.splitlines()[0])["id"] == doc
    assert "Documents:    4" in runs["stats"].stdout
    assert "summit\t1" in runs["tags"].stdout
    assert doc in runs["cluster"].stdout
    assert "1 quote: 1 verified" in runs["verify"].stdout
    assert json.loads(runs["extract"].stdout.splitlines()[0])["title"]
    assert contents(data) == before


def test_commits_still_in_the_write_ahead_log_are_read_on_a_full_disk(
    archived: tuple[Path, Path, str],
) -> None:
    """A commit the last process left in the WAL (killed before it could fold it into the catalog), and
    no shared-memory file to find it with: the catalog is read with the WAL's index in memory."""
    data, _brief, doc = archived
    catalog = data / CATALOG_FILE
    leave_in_wal = (
        "import os, sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('PRAGMA wal_autocheckpoint=0')\n"
        "db.execute('INSERT INTO tags VALUES (?, ?)', (sys.argv[2], 'late-tag'))\n"
        "os._exit(0)  # no checkpoint: the row stays in the -wal file\n"
    )
    subprocess.run([sys.executable, "-c", leave_in_wal, str(catalog), doc], check=True, timeout=60)
    assert Path(f"{catalog}-wal").stat().st_size > 0
    Path(f"{catalog}-shm").unlink()
    found = on_a_full_disk(data, "tags")
    assert found.returncode == 0, found.stderr
    assert "late-tag\t1" in found.stdout


def test_the_archive_opens_at_once_while_another_process_holds_the_write_lock(
    archived: tuple[Path, Path, str],
) -> None:
    """Opening rewrote the schema version each time: a write, which waited for the lock an import
    holds while it commits (30 s, then 'database is locked') and which a full disk refuses."""
    writer = sqlite3.connect(archived[0] / CATALOG_FILE, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # what an import holds while it writes a chunk
    try:
        started = time.monotonic()
        with Archive(archived[0]) as archive:
            assert archive.search("cosmodrome").total >= 1
            assert archive.stats().documents == 4
        assert time.monotonic() - started < 10
    finally:
        writer.execute("ROLLBACK")
        writer.close()


TMPFS_RUN = r"""
set -u
mount -t tmpfs -o size=4m tmpfs "$MOUNT" 2>/dev/null || exit 77
cp -r "$DATA" "$MOUNT/data" || exit 78
dd if=/dev/zero of="$MOUNT/filler" bs=64k 2>/dev/null
free=$(df --output=avail -k "$MOUNT" | tail -1 | tr -d ' ')
[ "$free" = 0 ] || { echo "the tmpfs still has $free KB free" >&2; exit 79; }
"$PYTHON" -m briefer --data-dir "$MOUNT/data" search cosmodrome || exit 1
"$PYTHON" -m briefer --data-dir "$MOUNT/data" stats || exit 1
"""


def test_read_only_commands_work_on_a_full_tmpfs(archived: tuple[Path, Path, str], tmp_path: Path) -> None:
    """A real full file system (ENOSPC), mounted in a mount namespace of this test's own."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed: no mount namespace to mount a tmpfs in")
    mount = tmp_path / "full"
    mount.mkdir()
    environment = {**os.environ, "MOUNT": str(mount), "DATA": str(archived[0]), "PYTHON": sys.executable}
    run = subprocess.run(
        ["unshare", "-m", "sh", "-c", TMPFS_RUN],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=environment,
        timeout=120,
    )
    if (
        run.returncode in (77, 78)
        or "unshare failed" in run.stderr
        or "Operation not permitted" in run.stderr
    ):
        pytest.skip(
            f"cannot mount a tmpfs here (mounting needs root in a mount namespace): {run.stderr.strip()}"
        )
    assert run.returncode == 0, run.stderr
    assert "Putin and Kim meet at Vostochny" in run.stdout and "Documents:    4" in run.stdout
    assert "disk I/O error" not in run.stderr
