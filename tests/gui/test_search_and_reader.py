"""Search options (sort, filters, did-you-mean, syntax help), the reader's match navigation and
passage hits, and the drags they offer."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl

from briefer.core.archive import Archive
from briefer.gui import mime
from briefer.gui.mainwindow import MainWindow
from briefer.gui.search.pane import SearchPane, hit_meta_line
from tests.conftest import write_article
from tests.gui.conftest import status_read
from tests.gui.test_briefing_window import no_dialogs, simulate_drop  # noqa: F401 (a fixture)

HARVEST = (
    "Farmers in the south began the harvest early this year.\n\n"
    "Grain prices fell in Odesa as the harvest came in, and traders said grain exports "
    "would rise.\n\n"
    "Officials did not comment on the weather.\n\n"
    "By the end of the month, grain ships were leaving every port on the coast."
)


def titles(pane: SearchPane) -> list[str]:
    return [pane.model.hit(r).document.title for r in range(pane.model.rowCount())]


def search(pane: SearchPane, qtbot, query: str) -> None:
    pane.query.setText(query)
    pane.search_now()
    qtbot.waitUntil(lambda: not pane.searching)


@pytest.fixture
def pane(qtbot, filled_archive: Archive):
    pane = SearchPane(filled_archive)
    qtbot.addWidget(pane)
    yield pane
    pane.shutdown()


def test_sort_puts_the_newest_or_the_oldest_first(pane, qtbot):
    search(pane, qtbot, "kim")
    pane.options.set_sort("oldest")
    qtbot.waitUntil(lambda: not pane.searching)
    assert titles(pane) == ["The armoured train crosses the border", "Putin and Kim meet at Vostochny"]
    pane.options.set_sort("newest")
    qtbot.waitUntil(lambda: not pane.searching)
    assert titles(pane) == ["Putin and Kim meet at Vostochny", "The armoured train crosses the border"]


def test_the_filter_lists_come_from_the_results_and_narrow_them(pane, qtbot):
    search(pane, qtbot, "kim")
    outlets = pane.options.combos["source"]
    offered = [outlets.itemText(i) for i in range(outlets.count())]
    assert offered == ["Any outlet", "Border Post (1)", "Northern Wire (1)"] or offered == [
        "Any outlet",
        "Northern Wire (1)",
        "Border Post (1)",
    ]
    pane.options.set_filter("source", "Border Post")
    qtbot.waitUntil(lambda: not pane.searching)
    assert titles(pane) == ["The armoured train crosses the border"]
    assert "(filtered)" in pane.summary.text()
    assert pane.options.filters_button.text() == "Filters (1)"
    pane.options.clear_filters()
    qtbot.waitUntil(lambda: not pane.searching)
    assert len(titles(pane)) == 2


def test_did_you_mean_is_a_link_that_searches_the_correction(pane, qtbot):
    search(pane, qtbot, "vostochy")
    assert "Did you mean" in pane.summary.text()
    assert "vostochny" in pane.summary.text()
    pane.summary.linkActivated.emit("suggest:vostochny")
    qtbot.waitUntil(lambda: not pane.searching)
    assert pane.query.text() == "vostochny"
    assert titles(pane) == ["Putin and Kim meet at Vostochny"]


def test_the_syntax_help_lists_the_query_language(pane):
    help_window = pane.options.show_help()
    shown = help_window.layout().itemAt(0).widget().toPlainText()
    assert "published:[2023-09-01 to 2023-09-30]" in shown
    assert "OR" in shown and "title:" in shown
    help_window.close()


def test_a_hit_shows_its_source_type_and_match_count(pane, qtbot):
    search(pane, qtbot, "grain")
    hit = pane.model.hit(0)
    line = hit_meta_line(hit)
    # the page's <h1> repeats its title and is not part of the text: one "grain" in the body
    assert hit.document.text.lower().count("grain") == 1
    assert "1 match" in line and "matches" not in line


# -- the reader -----------------------------------------------------------------------
@pytest.fixture
def harvest_window(make_window, archive: Archive, tmp_path: Path, qtbot, no_dialogs) -> MainWindow:  # noqa: F811
    folder = tmp_path / "harvest"
    write_article(folder, "harvest", HARVEST, title="The harvest", source="Farm Wire")
    archive.import_paths([folder])
    window = make_window()
    window.show()
    window.start()
    qtbot.waitUntil(lambda: status_read(window), timeout=30_000)  # a loaded 2-core CI can take seconds
    window.search.query.setText("grain")
    window.search.search_now()
    qtbot.waitUntil(lambda: window.search.model.rowCount() == 1 and not window.search.searching)
    qtbot.waitUntil(lambda: window.reader.current_document is not None)
    return window


def test_next_and_previous_match_walk_the_highlights_and_wrap(harvest_window):
    window = harvest_window
    reader, view = window.reader, window.reader_view
    text = reader.current_document.text
    assert view.matches.text() == "3 matches"
    seen = []
    for _ in range(4):
        view.next_action.trigger()
        seen.append(reader.textCursor().selectedText())
    assert seen == ["Grain", "grain", "grain", "Grain"]  # the fourth wraps to the first
    assert view.matches.text() == "Match 1 of 3"
    view.previous_action.trigger()
    assert view.matches.text() == "Match 3 of 3"
    start, end = reader.match_spans[2]
    assert reader.selection_span() == (start, end) and text[start:end] == "grain"
    assert view.next_action.shortcut().toString() == "F3"


def test_passage_hits_are_listed_found_and_dragged_as_exact_excerpts(harvest_window):
    window = harvest_window
    view, reader = window.reader_view, window.reader
    document = reader.current_document
    assert view.passages.count() >= 2 and view.passages.isVisibleTo(window)
    first = view.passages.item(0)
    start, end = view.passages.span(first)
    view.passages.itemClicked.emit(first)
    assert reader.selection_span() == (start, end)
    data = view.passages.mimeData([first])
    [excerpt] = mime.excerpts_from_mime(data)
    assert excerpt.quote == document.text[start:end] and "grain" in excerpt.quote.lower()
    model = window.session.model
    assert model.dropMimeData(data, Qt.DropAction.CopyAction, -1, 0, model.index_of("analysis"))
    [block] = model.node_by_id("analysis").blocks  # type: ignore[union-attr]
    assert (block.start, block.end) == (start, end)


def test_a_dragged_result_quotes_its_best_passage_not_the_opening(harvest_window):
    window = harvest_window
    results = window.search.model
    [excerpt] = mime.excerpts_from_mime(results.mimeData([results.index(0)]))
    assert "grain" in excerpt.quote.lower()
    assert not excerpt.quote.startswith("Farmers in the south")  # the lead has no match


def test_several_dropped_folders_are_imported_in_one_run(
    make_window,
    archive,
    fake_sample,
    tmp_path: Path,
    qtbot,
    no_dialogs,  # noqa: F811
):
    window = make_window()  # the first start imports the (fake) sample: 2 documents
    window.show()
    window.start()
    qtbot.waitUntil(lambda: status_read(window) and window.status.documents.text() == "2 documents")
    folders = []
    for name in ("one", "two", "three"):
        folder = tmp_path / name
        write_article(folder, name, f"Report {name} on the summit.", title=f"Report {name}")
        folders.append(folder)
    started: list[str] = []
    window.flow.started.connect(started.append)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(f)) for f in folders])
    assert simulate_drop(window, QPoint(20, 20), data)
    qtbot.waitUntil(
        lambda: status_read(window) and window.status.documents.text() == "5 documents", timeout=20000
    )
    assert started == ["Importing 3 dropped items"]
