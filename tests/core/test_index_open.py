"""Opening the index folder: damage is rebuilt, another process's commit is waited out, and nothing is
deleted while another process holds Whoosh's write lock (`briefer.core.search._whoosh_open`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh.filedb.filestore import FileStorage
from whoosh.util.filelock import FileLock

from briefer.core.documents import Document
from briefer.core.search import _whoosh_open
from briefer.core.search.index import IndexBusy, SearchIndex


@pytest.fixture
def index_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(_whoosh_open, "FIRST_WAIT", 0.01)  # the retries take 0.3 s instead of 1.5 s
    monkeypatch.setattr(_whoosh_open, "LOCK_TIMEOUT", 0.3)
    path = tmp_path / "whoosh"
    index = SearchIndex(path)
    with index.batch() as batch:
        for number in range(3):
            text = f"Kim met Putin at the cosmodrome, meeting {number}."
            batch.put(Document(id=f"d{number}", title="Summit", text=text, text_hash="h", source="Wire"))
    index.close()
    return path


@pytest.fixture
def other_writer(index_dir: Path) -> Iterator[Any]:
    """Whoosh's write lock, held as another process's writer holds it (flock: per open file)."""
    lock = FileLock(str(index_dir / _whoosh_open.LOCK_FILE))
    assert lock.acquire(blocking=False)
    yield lock
    lock.release()


def _files(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_a_damaged_index_is_rebuilt_under_the_write_lock_whose_file_stays(index_dir: Path) -> None:
    lock_file = index_dir / _whoosh_open.LOCK_FILE
    inode = lock_file.stat().st_ino
    for toc in index_dir.glob("*.toc"):
        toc.write_bytes(toc.read_bytes()[:40])
    index = SearchIndex(index_dir)
    assert "damaged" in index.rebuilt_reason and "EOFError" in index.rebuilt_reason
    assert index.doc_count() == 0
    assert lock_file.stat().st_ino == inode  # other processes still wait on the same lock
    index.close()
    assert SearchIndex(index_dir).rebuilt_reason == ""


def test_a_damaged_index_another_process_writes_to_is_left_alone(index_dir: Path, other_writer: Any) -> None:
    (index_dir / "briefer-index.json").write_text("{not json", encoding="utf-8")
    before = _files(index_dir)
    with pytest.raises(IndexBusy, match="another Briefer process writes to it"):
        SearchIndex(index_dir)
    assert _files(index_dir) == before


def test_a_commit_of_another_process_during_the_open_is_waited_out(
    index_dir: Path, other_writer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TOC this process listed is gone twice (two commits), then the open succeeds."""
    real_open = FileStorage.open_file
    raced: list[str] = []

    def open_file(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        if name.endswith(".toc") and len(raced) < 2:
            raced.append(name)
            raise FileNotFoundError(2, "No such file or directory", str(index_dir / name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(FileStorage, "open_file", open_file)
    before = _files(index_dir)
    index = SearchIndex(index_dir)
    assert len(raced) == 2 and index.rebuilt_reason == "" and index.doc_count() == 3
    assert _files(index_dir) == before
    index.close()


def test_reset_waits_for_another_writer_and_then_says_it_is_busy(index_dir: Path) -> None:
    index = SearchIndex(index_dir)
    lock = FileLock(str(index_dir / _whoosh_open.LOCK_FILE))
    assert lock.acquire(blocking=False)
    try:
        with pytest.raises(IndexBusy):
            index.reset()
        assert (index_dir / "briefer-index.json").is_file() and list(index_dir.glob("*.toc"))
    finally:
        lock.release()
    index.reset()
    assert index.doc_count() == 0 and index.rebuilt_reason == ""
    index.close()


@pytest.mark.parametrize("suffix", [".trm", ".pst", "_stored.col", ".outlet.col"])
@pytest.mark.parametrize("how", ["zeroed", "truncated", "emptied"])
def test_damage_to_a_segment_file_is_found_when_opening(index_dir: Path, suffix: str, how: str) -> None:
    (part,) = index_dir.glob("*" + suffix)
    data = part.read_bytes()
    part.write_bytes({"zeroed": b"\0" * len(data), "truncated": data[: len(data) // 2], "emptied": b""}[how])
    index = SearchIndex(index_dir)
    assert index.rebuilt_reason.startswith("the search index was damaged")
    index.close()


def test_a_folder_that_only_holds_the_lock_file_is_not_foreign(tmp_path: Path) -> None:
    path = tmp_path / "whoosh"
    path.mkdir()
    (path / _whoosh_open.LOCK_FILE).touch()  # left by a process that died while creating the index
    index = SearchIndex(path)
    assert index.rebuilt_reason == "" and index.doc_count() == 0
    index.close()
