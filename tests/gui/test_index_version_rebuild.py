"""An index made by an older analyzer (issue #21: 日本の経済 read as one word) is rebuilt when the
window starts, in the background with the status bar's progress, and then finds 日本, which the
reader marks at its exact letters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefer.core.archive import Archive
from briefer.core.search.index import SCHEMA_VERSION
from briefer.gui import indexing
from tests.conftest import write_article
from tests.gui.conftest import status_read
from tests.gui.test_mainwindow import highlighted_words


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An archive of one Japanese article whose index marker names the previous index version."""
    monkeypatch.setattr(indexing, "sample_available", lambda: False)
    data = tmp_path / "data"
    write_article(
        tmp_path / "files", "tokyo", "日本の経済は回復した。\n\nThe economy recovered.", title="Tokyo"
    )
    with Archive(data) as archive:
        archive.import_paths([tmp_path / "files"])
    marker = data / "whoosh" / "briefer-index.json"
    marker.write_text(json.dumps({"format": "briefer.index", "schema": SCHEMA_VERSION - 1}), encoding="utf-8")
    return data


def test_an_index_of_another_version_is_rebuilt_with_progress_on_start(make_window, qtbot, archive) -> None:
    assert archive.notices == ["the search index is of another version and is rebuilt"]
    window = make_window()
    tasks: list[tuple[str, str, bool]] = []  # each task as it starts: its name, the progress shown, Cancel

    def seen(label: str) -> None:
        tasks.append((label, window.status.task_label.text(), window.status.cancel.isVisible()))

    window.flow.started.connect(seen)  # after the status bar's own slot
    window.show()
    window.start()
    qtbot.waitUntil(lambda: bool(tasks), timeout=30_000)
    assert tasks == [("Indexing the archive", "Indexing the archive…", True)]
    qtbot.waitUntil(lambda: status_read(window), timeout=60_000)
    assert "Indexed 1 document(s)" in window.status.currentMessage()
    with qtbot.waitSignal(window.reader.document_shown, timeout=10_000):
        window.search.query.setText("日本")
        window.search.search_now()
    assert window.search.model.rowCount() == 1
    document = window.reader.current_document
    assert document is not None and [document.text[a:b] for a, b in window.reader.match_spans] == ["日本"]
    assert highlighted_words(window.reader) == ["日本"]  # the reader marks exactly those two letters
