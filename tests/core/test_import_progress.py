"""While an import runs, every other Briefer says so and how far it is; a killed one is recognised.

The import is a real one in another process, held once its first chunk of
files is in the catalog (nothing committed to the index yet, as in the first
minutes of a first import).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefer import cli
from briefer.core.archive import Archive
from briefer.core.archive.import_status import STATUS_FILES
from tests.fault_support import REPO, inspect_archive, make_import_folder

# Held in its progress callback once the first chunk (500 files) is in the catalog.  The chunk is
# written by size only: on a loaded machine the 2 s flush would write a smaller one first.
PAUSED_IMPORT = """
import sys
from pathlib import Path
from briefer.core.archive import Archive, importer
importer.FLUSH_SECONDS = 1e9

def pause_once(done, total, paused=[]):
    if done and not paused:
        paused.append(done)
        print(f"paused {done} {total}", flush=True)
        sys.stdin.readline()

with Archive(Path(sys.argv[1])) as archive:
    print(archive.import_paths([Path(sys.argv[2])], progress=pause_once).line(), flush=True)
"""

RUNNING = "an import is running (500 of 800 files)"


@contextlib.contextmanager
def import_held_at_500(data: Path, folder: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", PAUSED_IMPORT, str(data), str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        line = process.stdout.readline()
        if line.strip() != "paused 500 800":
            process.kill()  # before reading its stderr, which a held import never closes
            _, err = process.communicate()
            pytest.fail(f"the import did not pause at 500 of 800 files: {line!r}\n{err[-2000:]}")
        yield process
        if process.poll() is None:
            process.stdin.write("\n")
            process.stdin.flush()
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, err[-2000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def run_cli(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = cli.main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    make_import_folder(tmp_path / "first", 800)
    return tmp_path / "first"


@pytest.mark.timeout(120)
def test_while_the_first_import_runs_other_commands_say_so_and_how_far_it_is(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    with import_held_at_500(data, folder):
        status, out, err = run_cli(capsys, data, "search", "marker1")
        assert status == 0
        assert f"note: {RUNNING}; results so far may be incomplete" in err
        assert "missing" not in err and "rebuilt" not in err
        assert out.startswith("No documents match 'marker1' in what is searchable now")

        status, out, err = run_cli(capsys, data, "stats")
        assert status == 0 and err == ""
        assert f"Running:      {RUNNING}; the figures below are what it has done so far" in out
        assert "Documents:    500" in out
        assert "Not indexed:  500 (the running import indexes them)" in out
        assert "briefer reindex" not in out and "(running)" in out

        status, out, _ = run_cli(capsys, data, "stats", "--json")
        progress = json.loads(out)["import_progress"]
        assert (progress["done"], progress["total"], progress["running"]) == (500, 800, True)

        status, _, err = run_cli(capsys, data, "tags")  # any other command
        assert status == 0
        until = "until it finishes, Briefer sees only what it has done so far"
        assert err == f"briefer: note: {RUNNING}; {until}\n"

        with Archive(data) as window:  # a window opened now: no index to rebuild, an import to wait for
            assert window.notices == [] and window.import_running()
            assert window.catalog.count_unindexed() == 500
    found = inspect_archive(data)
    assert found.problems == [] and found.documents == 800 == found.in_index
    assert not [p for p in data.iterdir() if "status" in p.name]
    status, out, err = run_cli(capsys, data, "stats")
    assert "Running:" not in out and "Interrupted:" not in out and "Not indexed" not in out
    assert "(800 imported, 0 failed in " in out


@pytest.mark.slow  # an 800-file import killed in another process
@pytest.mark.timeout(120)
def test_a_killed_import_is_recognised_and_said_to_be_interrupted(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    with import_held_at_500(data, folder) as first:
        first.kill()
        first.communicate()  # reaped, its pipes closed
        with Archive(data) as archive:
            (run,) = archive.recorded_runs()
            assert not run.running and archive.import_progress() is None and not archive.import_running()
        status, out, err = run_cli(capsys, data, "search", "marker1")
        assert status == 0 and "import is running" not in err
        assert "marker1" in out  # the reader found the index empty and filled it from the catalog
        status, out, _ = run_cli(capsys, data, "stats")
        assert "Running:" not in out
        assert (
            "Interrupted:  the last import was interrupted (500 of 800 files); "
            "run the same `briefer index` again to finish it" in out
        )
    status, out, _ = run_cli(capsys, data, "index", str(folder))
    assert status == 0 and out.startswith("300 imported, 500 unchanged")
    assert not [p for p in data.iterdir() if "status" in p.name]
    assert "Interrupted" not in run_cli(capsys, data, "stats")[1]


def test_a_status_file_whose_process_holds_no_import_lock_is_not_a_running_import(
    archive: Archive, tmp_path: Path
) -> None:
    """The pid may live on in another program (reused): only the import lock says it imports."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    status = archive.data_dir / STATUS_FILES["import"]
    for pid in (int(ended.stdout), os.getpid()):  # a process that is gone; one that lives, without the lock
        record = {"pid": pid, "done": 4210, "total": 21578, "started": "2024-01-01T00:00:00Z"}
        status.write_text(json.dumps(record), encoding="utf-8")
        (run,) = archive.recorded_runs()
        assert not run.running and run.describe() == "the last import was interrupted (4,210 of 21,578 files)"
        assert archive.import_progress() is None and not archive.import_running()
        assert archive.stats().interrupted == (run,)
    status.write_text("{not json", encoding="utf-8")
    assert archive.recorded_runs() == []


@pytest.mark.slow  # 1,200 files imported, then indexed again
def test_a_search_during_a_rebuild_of_the_index_says_how_far_it_is(archive: Archive, tmp_path: Path) -> None:
    make_import_folder(tmp_path / "articles", 1200)
    archive.import_paths([tmp_path / "articles"])
    seen: list[tuple[str, ...]] = []
    with Archive(archive.data_dir) as other:  # another window on the same archive

        def progress(done: int, total: int) -> None:
            if 0 < done < total and not seen:
                seen.append(other.search("marker1").notices)

        assert archive.reindex(progress=progress) == 1200
        rebuilding = "the search index is being rebuilt (500 of 1,200 documents)"
        assert seen == [(f"{rebuilding}; results so far may be incomplete",)]
        assert other.search("marker1").notices == ()
