"""Opening a result shows the highlights its search found (issue #19): the query is not evaluated
again, not for a hit and not for a copy opened with Show Other Copies, and nothing on the GUI
thread asks the search engine anything.  The marks are the ones the old re-query put there."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefer.core.archive import Archive
from briefer.core.documents import Document
from briefer.core.search import SearchIndex
from briefer.gui.mainwindow import MainWindow
from briefer.gui.reader.pane import ReaderPane
from briefer.gui.search.cluster_dialog import ClusterDialog
from tests.core.search.counting import CountingEngine
from tests.core.test_clusters import doc_ids, write_syndicated
from tests.gui.test_mainwindow import highlighted_words, open_window

QUERY = "(wheat convoy) OR fishermen"


@pytest.fixture
def engine(archive: Archive, tmp_path: Path) -> tuple[CountingEngine, SearchIndex, dict[str, str]]:
    """The syndicated story (a wire and two copies) and another one, behind a counting engine."""
    paths = write_syndicated(tmp_path / "news")
    archive.import_paths([tmp_path / "news"])
    real = archive.index
    assert isinstance(real, SearchIndex)
    counting = CountingEngine(real)
    archive.index = counting
    return counting, real, doc_ids(archive, paths)


def old_marks(real: SearchIndex, document: Document) -> list[str]:
    """What the reader marked before: the query prepared, parsed and evaluated again, then found."""
    return [document.text[a:b] for a, b in real.query_terms(QUERY).spans(document.text)]


def shown_marks(reader: ReaderPane) -> list[str]:
    document = reader.current_document
    assert document is not None
    marks = [document.text[a:b] for a, b in reader.match_spans]
    assert highlighted_words(reader) == marks  # what the reader shows on the highlight colour
    return marks


def read_row(window: MainWindow, qtbot, row: int) -> Document:
    expected = window.search.model.hit(row).document
    with qtbot.waitSignal(window.reader.document_shown, timeout=10_000) as shown:
        window.search.results.setCurrentIndex(window.search.model.index(row))
    assert shown.args == [expected.id]
    return expected


def test_opening_results_and_copies_never_queries_the_engine_again(make_window, engine, qtbot) -> None:
    counting, real, ids = engine
    window = open_window(make_window, qtbot)
    with qtbot.waitSignal(window.reader.document_shown, timeout=10_000):
        window.search.query.setText(QUERY)
        window.search.search_now()
    assert window.search.model.rowCount() == 2  # the story (one hit for its three copies), the fishermen
    assert counting.queries() == ["search"]  # the search itself, once
    counting.forget()

    for row in (1, 0):  # another result, then back to the first: read twice, never searched again
        document = read_row(window, qtbot, row)
        assert counting.queries() == [] and counting.on_gui_thread() == []
        assert shown_marks(window.reader) == old_marks(real, document) != []

    window.search.show_copies_action.trigger()
    dialog = window.search._copies_dialog
    assert isinstance(dialog, ClusterDialog)
    qtbot.waitExposed(dialog)
    rows = [dialog.copies.item(r).text() for r in range(dialog.copies.count())]
    row = next(r for r, text in enumerate(rows) if text.startswith("Continental"))  # the tabloid
    with qtbot.waitSignal(window.reader.document_shown, timeout=10_000) as shown:
        dialog.copies.itemActivated.emit(dialog.copies.item(row))  # double-click: read that copy
    assert shown.args == [ids["tabloid"]]
    assert counting.queries() == [] and counting.on_gui_thread() == []
    copy = window.reader.current_document
    assert copy is not None
    assert shown_marks(window.reader) == old_marks(real, copy) != []
    assert window.reader_view.matches.text() == f"{len(window.reader.match_spans)} matches"
    dialog.close()


def test_a_copy_that_cannot_be_read_is_said_in_the_copies_window(
    make_window, engine, qtbot, monkeypatch
) -> None:
    window = open_window(make_window, qtbot)
    with qtbot.waitSignal(window.reader.document_shown, timeout=10_000):
        window.search.query.setText(QUERY)
        window.search.search_now()
    window.search.show_copies_action.trigger()
    dialog = window.search._copies_dialog
    assert isinstance(dialog, ClusterDialog)
    qtbot.waitExposed(dialog)
    shown = window.reader.current_document

    def unreadable(doc_id: str) -> Document:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(window.search._archive, "document", unreadable)  # the catalog's disk failing
    dialog.copies.itemActivated.emit(dialog.copies.item(1))
    qtbot.waitUntil(lambda: "cannot be shown" in dialog.summary.text(), timeout=10_000)
    assert "Input/output error" in dialog.summary.text()
    assert window.reader.current_document is shown and dialog.copies.count() == 3  # nothing else changed
