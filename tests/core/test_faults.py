"""Reliability under faults: imports and saves killed with SIGKILL, a damaged index, full disks, no rights.

Small versions of the runs in tests/stress/run.py (`make stress`), which kill and fuzz far more.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from briefer import cli
from briefer.core.archive import Archive
from briefer.core.briefing import storage
from tests.fault_support import (
    REPO,
    STRESS_ONLY,
    briefer_command,
    exported_docx_check,
    inspect_archive,
    kill_import,
    make_import_folder,
    run_kills,
    saved_briefing_check,
    searchable_sample,
    without_file_rights,
)

SEED = int(os.environ.get("BRIEFER_FAULT_SEED", "0")) or random.randrange(1 << 30)
AS_ROOT = os.geteuid() == 0


@pytest.fixture
def rng() -> random.Random:
    print(f"random seed: BRIEFER_FAULT_SEED={SEED}")
    return random.Random(SEED)


# -- kill during import ------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_an_import_killed_three_times_loses_nothing_and_finishes(tmp_path: Path, rng: random.Random) -> None:
    """Killed while parsing, at an index commit and during the final commit and merge, then resumed."""
    folder = tmp_path / "articles"
    total = make_import_folder(folder, 800, pages=8)
    data = tmp_path / "data"
    for trigger in ("time:0.5-1.2", "catalog:+500", "complete"):
        kill = kill_import(data, folder, trigger, rng)
        assert not kill.survivors, f"{trigger}: processes outlived the killed import: {kill.survivors}"
        found = inspect_archive(data)
        where = found.phase(total)
        assert found.problems == [], f"{trigger} after {kill.seconds:.1f} s ({where}): {found.problems}"
        assert searchable_sample(data, rng) == []
    result = subprocess.run(briefer_command(data, "index", str(folder)), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    found = inspect_archive(data)
    assert found.problems == [] and found.documents == total == found.in_index == found.marked_indexed
    assert searchable_sample(data, rng) == []


def test_a_write_lock_file_left_by_a_killed_writer_is_no_obstacle(tmp_path: Path) -> None:
    """Whoosh's write lock is an flock: the file stays after a kill, the lock does not."""
    data = tmp_path / "data"
    folder = tmp_path / "articles"
    make_import_folder(folder, 20)
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from briefer.core.search.index import SearchIndex\n"
        f"index = SearchIndex(Path({str(data / 'whoosh')!r}))\n"
        "batch = index.batch().__enter__()\n"
        "print('locked', flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    (data).mkdir()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == -signal.SIGKILL and "locked" in result.stdout
    assert [p.name for p in (data / "whoosh").glob("*LOCK*")], "the killed writer left its lock file"
    with Archive(data) as archive:
        assert archive.import_paths([folder]).counts["imported"] == 20
        assert len(archive.search("marker7").hits) == 1


@STRESS_ONLY
def test_a_live_writer_elsewhere_is_named_not_a_lock_error(tmp_path: Path) -> None:
    """A process that holds the index's write lock (say an orphaned sub-writer of an old Briefer)."""
    data = tmp_path / "data"
    with Archive(data):
        pass
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from briefer.core.search.index import SearchIndex\n"
        f"index = SearchIndex(Path({str(data / 'whoosh')!r}))\n"
        "with index.batch():\n"
        "    print('locked', flush=True)\n"
        "    sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        folder = tmp_path / "articles"
        make_import_folder(folder, 3)
        result = subprocess.run(
            briefer_command(data, "index", str(folder)), capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 1
        assert "another Briefer process is writing to the search index" in result.stderr
        assert "Traceback" not in result.stderr and "LockError" not in result.stderr
    finally:
        holder.kill()
        holder.communicate()


# -- a damaged index is rebuilt from the catalog -------------------------------------------------------
def _damage(index_dir: Path, how: str) -> None:
    if how == "old schema":
        (index_dir / "briefer-index.json").write_text('{"format": "briefer.index", "schema": 1}')
    elif how == "toc deleted":
        for toc in index_dir.glob("*.toc"):
            toc.unlink()
    elif how == "toc truncated":
        for toc in index_dir.glob("*.toc"):
            toc.write_bytes(toc.read_bytes()[:40])
    elif how == "marker garbled":
        (index_dir / "briefer-index.json").write_text("{not json", encoding="utf-8")
    elif how == "segment file deleted":
        for part in index_dir.glob("*.trm"):
            part.unlink()
    else:  # "<suffix> zeroed": a segment file's bytes overwritten
        for part in index_dir.glob("*" + how.split()[0]):
            part.write_bytes(b"\0" * part.stat().st_size)


def _search_after(
    archive: Archive, articles: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> subprocess.CompletedProcess[str]:
    """`briefer search` (in this process) on the archive after `how` damaged its index."""
    archive.import_paths([articles])
    data = archive.data_dir
    archive.close()
    _damage(data / "whoosh", how)
    capsys.readouterr()
    try:
        status = cli.main(["--data-dir", str(data), "search", "cosmodrome"])
    except Exception:
        status = 99
        traceback.print_exc()
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess([], status, out, err)


@pytest.mark.parametrize("how", ["toc deleted", ".trm zeroed"])
def test_a_damaged_index_is_rebuilt_from_the_catalog_and_says_so(
    archive: Archive, articles: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = _search_after(archive, articles, how, capsys)
    assert result.returncode == 0, result.stderr
    assert "Putin and Kim meet at Vostochny" in result.stdout
    assert "rebuilt" in result.stderr and "Traceback" not in result.stderr
    assert inspect_archive(archive.data_dir).problems == []


@pytest.mark.parametrize("how", ["toc truncated", "marker garbled", ".pst zeroed", "_stored.col zeroed"])
def test_any_damage_to_the_index_is_rebuilt_from_the_catalog(
    archive: Archive, articles: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = _search_after(archive, articles, how, capsys)
    assert result.returncode == 0, result.stderr
    assert "Putin and Kim meet at Vostochny" in result.stdout
    assert "rebuilt" in result.stderr


# -- kill during save and export ---------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_briefing_save_killed_at_random_moments_leaves_the_old_or_the_new_version(
    tmp_path: Path, rng: random.Random
) -> None:
    target = tmp_path / "b.briefing"
    assert run_kills("save_loop", target, 3, rng, saved_briefing_check(target), (0.2, 0.8)) == []
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    # Each next save removed what the kill before it left: what is left comes from the last kill,
    # its temporary file and the backup's staging link at most, both named after the briefing.
    assert len(leftovers) <= 2 and all(name.startswith(".b.briefing.") for name in leftovers), leftovers
    # The next save removes them, their writer being dead; another file's temporary file is not touched.
    other = tmp_path / ".c.briefing.host-1.abcdefgh.tmp"
    other.write_bytes(b"someone else's")
    storage.save(storage.load(target), target)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == [other.name]


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_docx_export_killed_at_random_moments_leaves_the_old_or_the_new_document(
    tmp_path: Path, rng: random.Random
) -> None:
    target = tmp_path / "b.docx"
    assert run_kills("export_loop", target, 3, rng, exported_docx_check(target), (0.4, 1.0)) == []


# -- full disk, no rights ------------------------------------------------------------------------------
FSIZE_RUN = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, like a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
from briefer.cli import main
sys.exit(main({argv!r}))
"""


def run_with_file_size_limit(limit: int, argv: list[str]) -> subprocess.CompletedProcess[str]:
    code = FSIZE_RUN.format(limit=limit, argv=argv)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_full_disk_during_an_import_says_so_and_loses_nothing(tmp_path: Path, limit_kb: int = 40) -> None:
    """RLIMIT_FSIZE makes every write that grows a file past the limit fail (EFBIG) in the importer's
    own process: the catalog's WAL, a segment file, a TOC; the tail of the import cannot be written."""
    data = tmp_path / "data"
    first, second = tmp_path / "first", tmp_path / "second"
    make_import_folder(first, 50)
    make_import_folder(second, 300, word="extra")
    assert subprocess.run(briefer_command(data, "index", str(first)), capture_output=True).returncode == 0
    result = run_with_file_size_limit(limit_kb * 1024, ["--data-dir", str(data), "index", str(second)])
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "File too large" in result.stderr or "full" in result.stderr, result.stderr
    found = inspect_archive(data)
    assert found.problems == []
    with Archive(data) as archive:
        assert len(archive.search("marker7").hits) == 1  # what was there stays
    again = subprocess.run(briefer_command(data, "index", str(second)), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    found = inspect_archive(data)
    assert found.problems == [] and found.documents == 350 == found.in_index


def test_a_full_disk_during_a_briefing_save_and_an_export_keeps_the_old_files(tmp_path: Path) -> None:
    brief, out = tmp_path / "b.briefing", tmp_path / "b.docx"
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tests.fault_support import briefing_version\n"
        "from briefer.core.briefing import storage\n"
        "from briefer.core.export.docx_export import export_docx\n"
        f"storage.save(briefing_version(int(sys.argv[1])), Path({str(brief)!r}))\n"
        f"export_docx(briefing_version(int(sys.argv[1])), Path({str(out)!r}))\n"
    )
    assert subprocess.run([sys.executable, "-c", code, "1"], cwd=REPO).returncode == 0
    before = brief.read_bytes(), out.read_bytes()
    limited = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({len(before[0]) + 100}, {len(before[0]) + 100}))\n"
        "sys.argv[1:] = ['30']\n" + code.replace("import sys\n", "", 1)
    )
    result = subprocess.run([sys.executable, "-c", limited], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 1 and "File too large" in result.stderr
    assert (brief.read_bytes(), out.read_bytes()) == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_the_cli_says_a_disk_is_full_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    brief = tmp_path / "b.briefing"
    assert (
        subprocess.run(
            briefer_command(data, "brief", "new", "-o", str(brief)), capture_output=True
        ).returncode
        == 0
    )
    size = brief.stat().st_size
    result = run_with_file_size_limit(
        size + 10,
        ["--data-dir", str(data), "brief", "add-text", str(brief), "--section", "analysis", "x" * 5000],
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1 and "File too large" in result.stderr
    assert "Traceback" not in result.stderr
    assert "x" * 5000 not in brief.read_text(encoding="utf-8")


@pytest.fixture
def unprivileged(tmp_path: Path) -> tuple[Path, dict[str, object]]:
    """A folder, and the keyword arguments that run a subprocess bound by file permissions: as root,
    chmod restricts nothing, so the child gives up the capabilities that override it (still root)."""
    return tmp_path, ({"preexec_fn": without_file_rights} if AS_ROOT else {})


def _as_user(args: list[str], rights: dict[str, object]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload,no-any-return]
        args, capture_output=True, text=True, cwd=REPO, timeout=120, **rights
    )


@pytest.mark.slow
def test_a_read_only_data_folder_is_explained_and_left_as_it_was(
    unprivileged: tuple[Path, dict[str, object]], articles: Path
) -> None:
    folder, rights = unprivileged
    data = folder / "data"
    with Archive(data) as archive:
        archive.import_paths([articles])
    for path in [data, *data.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    before = {p: p.read_bytes() for p in data.rglob("*") if p.is_file()}
    search = _as_user(briefer_command(data, "search", "cosmodrome"), rights)
    index = _as_user(briefer_command(data, "index", str(articles)), rights)
    for result in (search, index):
        assert "Traceback" not in result.stderr, result.stderr
    assert index.returncode == 1 and str(data) in index.stderr
    assert "read-only" in index.stderr or "readonly" in index.stderr or "Permission denied" in index.stderr
    assert search.returncode in (0, 1)
    if search.returncode == 1:
        assert str(data) in search.stderr
    assert {p: p.read_bytes() for p in data.rglob("*") if p.is_file()} == before


def test_saving_over_a_read_only_briefing_is_refused_with_a_clear_message(
    unprivileged: tuple[Path, dict[str, object]],
) -> None:
    folder, rights = unprivileged
    os.chmod(folder, 0o777)
    brief = folder / "b.briefing"
    assert (
        _as_user(briefer_command(folder / "data", "brief", "new", "-o", str(brief)), rights).returncode == 0
    )
    brief.chmod(0o444)
    before = brief.read_bytes()
    result = _as_user(
        briefer_command(folder / "data", "brief", "add-text", str(brief), "--section", "analysis", "more"),
        rights,
    )
    assert result.returncode == 1 and "read-only" in result.stderr and str(brief) in result.stderr
    assert "Traceback" not in result.stderr
    assert brief.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir() if p.name != "data") == ["b.briefing"]  # no temp, no .bak


def test_saving_into_a_folder_without_rights_says_which_folder(
    unprivileged: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    folder, rights = unprivileged
    os.chmod(folder, 0o777)
    locked = folder / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    brief = locked / "b.briefing"
    result = _as_user(briefer_command(folder / "data", "brief", "new", "-o", str(brief)), rights)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Permission denied" in result.stderr and str(locked) in result.stderr
    assert not brief.exists() and list(locked.iterdir()) == []
    export = _as_user(
        [
            sys.executable,
            "-c",
            "import sys\nfrom pathlib import Path\n"
            "from tests.fault_support import briefing_version\n"
            "from briefer.core.export.docx_export import ExportError, export_docx\n"
            f"try:\n    export_docx(briefing_version(2), Path({str(locked / 'out.docx')!r}))\n"
            "except ExportError as exc:\n    print(exc)\n",
        ],
        rights,
    )
    assert export.returncode == 0 and "cannot write in" in export.stdout and str(locked) in export.stdout


# -- logs ------------------------------------------------------------------------------------------------
def test_logs_hold_titles_at_most_never_document_text(tmp_path: Path) -> None:
    """Everything an import, a failed import, a search, a briefing and an export log, at DEBUG."""
    folder = tmp_path / "articles"
    folder.mkdir()
    body = "SECRETBODYTEXT appears only in bodies."
    (folder / "a.txt").write_text(f"Title: Visible title\n\n{body}\n", encoding="utf-8")
    (folder / "b.html").write_text(
        f"<html><title>Page</title><body><p>{body}</p></body></html>", encoding="utf-8"
    )
    (folder / "c.eml").write_bytes(f"Subject: Mail\nContent-Type: text/plain\n\n{body}\n".encode())
    (folder / "d.rss").write_text(
        f"<rss><channel><item><title>E</title><description>{body}</description></item></channel></rss>",
        encoding="utf-8",
    )
    (folder / "broken.docx").write_bytes(b"PK\x03\x04" + body.encode() * 20)
    (folder / "broken.xml").write_text(f"<rss><channel><item>{body}", encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n" + body.encode() * 20)
    data = tmp_path / "data"
    code = (
        "import logging, sys\n"
        "from briefer.cli import main\n"
        "logging.basicConfig(filename=sys.argv[1], level=logging.DEBUG, force=True)\n"
        "logging.basicConfig = lambda **k: None\n"
        "for argv in sys.argv[2:]:\n"
        "    main(argv.split('|'))\n"
    )
    brief = tmp_path / "b.briefing"
    log_file = tmp_path / "briefer.log"
    runs = [
        f"--data-dir|{data}|-v|index|{folder}",
        f"--data-dir|{data}|-v|search|SECRETBODYTEXT",
        f"--data-dir|{data}|-v|brief|new|-o|{brief}",
        f"--data-dir|{data}|-v|export|{brief}|-o|{tmp_path / 'b.docx'}",
        f"--data-dir|{data}|-v|reindex",
    ]
    result = subprocess.run(
        [sys.executable, "-c", code, str(log_file), *runs], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    logged = log_file.read_text(encoding="utf-8")
    assert "import failed" in logged  # the failures were logged ...
    assert "SECRETBODYTEXT" not in logged  # ... without what the files hold
    with sqlite3.connect(data / "catalog.sqlite3") as db:
        reasons = [r[0] for r in db.execute("SELECT reason FROM locations WHERE status='failed'")]
    assert reasons and not [r for r in reasons if "SECRETBODYTEXT" in r]
    assert json.dumps(reasons)  # reasons are one-liners shown to the user
