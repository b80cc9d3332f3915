"""A search-index sub-writer that dies is noticed within seconds: the batch fails with a reason,
nothing of it is committed, the lock is freed, and the next import indexes everything."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from briefer.core.archive import Archive, importer
from briefer.core.documents import Document
from briefer.core.search import IndexWriterDied, SearchIndex, SearchRequest
from briefer.core.search import _whoosh_write as search_index

pytestmark = pytest.mark.timeout(120)  # a regression hangs for ever: fail instead


def doc(n: int) -> Document:
    return Document(
        id=f"d{n}", title=f"Report {n}", text=f"marker{n} convoy artillery shells", text_hash=f"h{n}"
    )


def kill_first_subwriter(batch: object) -> None:
    task = batch._writer.tasks[0]  # type: ignore[attr-defined]
    task.join(timeout=0)  # started: it has a pid
    os.kill(task.pid, signal.SIGKILL)
    task.join(timeout=10)


def test_a_subwriter_killed_while_jobs_are_queued_fails_the_batch_and_commits_nothing(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "index")
    with pytest.raises(IndexWriterDied, match="signal 9") as caught, index.batch(bulk=True) as batch:
        kill_first_subwriter(batch)
        for n in range(5000):  # many more jobs than the queue holds: Whoosh's put blocked for ever
            batch.put(doc(n), new=True)
    assert caught.value.exit_code == -signal.SIGKILL
    assert "next import" in str(caught.value)
    assert index.doc_count() == 0  # nothing half-written
    with index.batch() as batch:  # the lock was freed
        batch.put(doc(1), new=True)
    assert index.doc_count() == 1
    index.close()


def test_a_subwriter_dead_at_commit_fails_it_instead_of_dropping_its_documents(
    tmp_path: Path,
) -> None:
    index = SearchIndex(tmp_path / "index")
    with pytest.raises(IndexWriterDied), index.batch(bulk=True) as batch:
        for n in range(600):  # two jobs of 256 handed out, the rest still buffered
            batch.put(doc(n), new=True)
        kill_first_subwriter(batch)
    assert index.doc_count() == 0  # Whoosh would have committed the other sub-writer's half
    index.close()


def test_the_import_fails_with_the_reason_and_the_next_import_indexes_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for n in range(40):
        (folder / f"a{n:03}.txt").write_text(
            f"Title: Report {n}\n\nmarker{n} convoy shells.\n", encoding="utf-8"
        )
    monkeypatch.setattr(importer, "BULK_THRESHOLD", 10)  # the two-process writer for 40 files
    started = search_index.OrphanSafeMpWriter.__init__

    def dies_at_start_up(self: search_index.OrphanSafeMpWriter, *args: object, **kwargs: object) -> None:
        started(self, *args, **kwargs)
        os.kill(self.tasks[0].pid, signal.SIGKILL)

    data = tmp_path / "data"
    with monkeypatch.context() as patch:
        patch.setattr(search_index.OrphanSafeMpWriter, "__init__", dies_at_start_up)
        with Archive(data) as archive, pytest.raises(IndexWriterDied):
            archive.import_paths([folder])
    with Archive(data) as archive:
        archive.import_paths([folder])
        hits = archive.search(SearchRequest("convoy", limit=100))
        assert hits.total == 40
