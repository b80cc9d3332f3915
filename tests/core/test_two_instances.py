"""Two Briefers on one archive: while one imports, the other waits, reads, or says that it is busy.

The first Briefer is a real `briefer index` process; this test process is the second one.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from briefer import cli
from briefer.core.archive import Archive, ArchiveBusy
from briefer.core.search.index import SearchIndex
from tests.fault_support import (
    STRESS_ONLY,
    briefer_command,
    inspect_archive,
    make_import_folder,
    paused_import,
)

BUSY = "another Briefer is importing into this archive; try again when it is done"


def run_cli(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = cli.main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "LockError" not in err
    return status, out, err


@pytest.mark.slow  # an 800-file import held in another process
@pytest.mark.timeout(120)
def test_a_second_briefer_during_an_import_reads_waits_or_says_it_is_busy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, other, data = tmp_path / "first", tmp_path / "other", tmp_path / "data"
    total = make_import_folder(first, 800)
    make_import_folder(other, 5, word="other")
    with paused_import(data, first):
        status, _, err = run_cli(capsys, data, "index", str(other))
        assert (status, err.strip().splitlines()[-1]) == (1, f"briefer: {BUSY}")
        status, _, err = run_cli(capsys, data, "reindex")
        assert (status, err.strip().splitlines()[-1]) == (1, f"briefer: {BUSY}")
        status, out, err = run_cli(capsys, data, "search", "marker1")  # read-only work goes on
        assert status == 0 and "an import is running" in err, err
        assert run_cli(capsys, data, "stats")[0] == 0
        with Archive(data) as second:  # a second window on the same archive
            with pytest.raises(ArchiveBusy, match="another Briefer is importing"):
                second.import_paths([other])
            assert second.import_running()
    found = inspect_archive(data)
    assert found.problems == [] and found.documents == total == found.in_index
    status, out, _ = run_cli(capsys, data, "index", str(other))  # now it is free
    assert status == 0 and "5 imported" in out
    with Archive(data) as archive:
        assert archive.search("marker799").total == 1


@pytest.mark.timeout(120)
def test_a_tag_added_while_another_briefer_imports_is_searchable_afterwards(
    tmp_path: Path, short_index_wait: None
) -> None:
    folder, data = tmp_path / "first", tmp_path / "data"
    make_import_folder(folder, 600)
    with paused_import(data, folder), Archive(data) as second:
        (latest,) = second.catalog._read().execute("SELECT id FROM documents ORDER BY rowid DESC LIMIT 1")
        change = second.tag(latest[0], ["checked"])  # waits for the index, then leaves it to the import
        assert not change.indexed
    with Archive(data) as archive:
        archive.import_paths([folder])  # another import: it indexes whatever waits
        assert archive.search("tag:checked").total == 1


@STRESS_ONLY
def test_two_imports_started_together_one_waits_for_none_and_nothing_breaks(tmp_path: Path) -> None:
    folder, data = tmp_path / "articles", tmp_path / "data"
    make_import_folder(folder, 300)
    commands = [briefer_command(data, "index", str(folder)) for _ in range(2)]
    runs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands]
    results = [(r.wait(timeout=120), *r.communicate()) for r in runs]
    statuses = sorted(status for status, _, _ in results)
    for status, _, err in results:
        assert "Traceback" not in err and "LockError" not in err
        if status == 1:
            assert BUSY in err or "another Briefer process is writing to the search index" in err
    assert statuses in ([0, 0], [0, 1])
    found = inspect_archive(data)
    assert found.problems == [] and found.documents == 300 == found.in_index


def test_opening_the_index_while_another_process_commits_leaves_it_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race, made deterministic: the first TOC this process opens is gone, replaced by a newer one."""
    from whoosh.filedb.filestore import FileStorage

    path = tmp_path / "whoosh"
    SearchIndex(path).close()
    marker = (path / "briefer-index.json").read_bytes()
    real_open = FileStorage.open_file
    raced: list[str] = []

    def open_file(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        if name.endswith(".toc") and not raced:
            raced.append(name)  # the other process committed: its new TOC replaced this one
            raise FileNotFoundError(2, "No such file or directory", str(path / name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(FileStorage, "open_file", open_file)
    index = SearchIndex(path)
    assert raced and index.rebuilt_reason == ""
    assert (path / "briefer-index.json").read_bytes() == marker
