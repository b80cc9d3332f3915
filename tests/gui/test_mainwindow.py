"""The main window over a real on-disk archive: search, read, keyboard, accessibility, settings."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QLineEdit,
    QProgressBar,
    QTextEdit,
    QWidget,
)

from briefer.gui.mainwindow import MainWindow
from briefer.gui.reader.pane import HIGHLIGHT_BACKGROUND, HIGHLIGHT_STYLE, ReaderPane
from tests.gui.conftest import status_read

HIGHLIGHT_COLOR = QColor(HIGHLIGHT_BACKGROUND)


def open_window(make_window, qtbot) -> MainWindow:
    window = make_window()
    window.show()
    window.start()
    qtbot.waitUntil(lambda: status_read(window), timeout=30_000)  # a loaded 2-core CI can take seconds
    return window


def search(window: MainWindow, qtbot, query: str, rows: int) -> None:
    qtbot.keyClicks(window.search.query, query)
    qtbot.waitUntil(lambda: window.search.model.rowCount() == rows and not window.search.searching)


def highlighted_words(reader: ReaderPane) -> list[str]:
    """The runs of text the reader shows on the highlight colour, as a person would see them."""
    words, run = [], ""
    block = reader.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().background().color() == HIGHLIGHT_COLOR:
                run += fragment.text()  # Qt may split one highlighted word into fragments
            elif run:
                words, run = [*words, run], ""
            it += 1
        block = block.next()
    return [*words, run] if run else words


def marked_up(reader: ReaderPane, word: str) -> bool:
    """Whether the reader's HTML wraps `word` in the highlight markup."""
    return f'<span style="{HIGHLIGHT_STYLE}">{word}</span>' in reader.source_html


def test_the_window_opens_and_shows_the_archive_size(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    assert window.status.documents.text() == "3 documents"
    assert not window.banner.isVisible()  # no sample, not empty
    assert window.search.query.placeholderText()


def test_typing_a_query_lists_hits_from_the_archive(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    search(window, qtbot, "vostochny", rows=1)
    hit = window.search.model.hit(0)
    assert hit.document.title == "Putin and Kim meet at Vostochny"
    assert hit.document.source == "Northern Wire"
    assert window.search.summary.text() == "1 result"


def test_the_current_hit_is_read_with_the_query_highlighted(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    search(window, qtbot, "artillery", rows=1)
    qtbot.waitUntil(lambda: window.reader.current_document is not None)
    reader = window.reader
    assert reader.current_document is not None
    assert reader.current_document.title == "Putin and Kim meet at Vostochny"
    assert marked_up(reader, "artillery"), reader.source_html
    assert highlighted_words(reader) == ["artillery"]
    text = reader.toPlainText()
    assert "Northern Wire" in text and "13 September 2023" in text and "A. Writer" in text
    assert '<a href="https://wire.example/summit">' in reader.toHtml()
    assert "The leaders discussed artillery shells" in text


def test_choosing_another_hit_reads_that_one(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    search(window, qtbot, "kim", rows=2)
    second = window.search.model.hit(1).document
    with qtbot.waitSignal(window.reader.document_shown) as shown:
        window.search.results.setCurrentIndex(window.search.model.index(1))
    assert shown.args == [second.id]
    assert marked_up(window.reader, "Kim")
    assert "Kim" in highlighted_words(window.reader)


def test_a_malformed_query_explains_itself_in_the_pane(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    search(window, qtbot, "vostochny", rows=1)
    window.search.query.clear()
    qtbot.keyClicks(window.search.query, '"unclosed')
    qtbot.waitUntil(lambda: "quotation mark" in window.search.summary.text())
    assert window.search.model.rowCount() == 0
    assert window.search.summary.text().startswith("<b>Cannot search:</b>")
    assert window.reader.current_document is None  # no stale article beside an error


def test_no_results_says_so(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    qtbot.keyClicks(window.search.query, "zeppelin")
    qtbot.waitUntil(lambda: "No results" in window.search.summary.text())


def test_enter_in_the_results_opens_the_reader(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    search(window, qtbot, "kim", rows=2)
    qtbot.keyClick(window.search.query, Qt.Key.Key_Down)
    assert window.search.results.hasFocus()
    with qtbot.waitSignal(window.search.hit_activated):
        qtbot.keyClick(window.search.results, Qt.Key.Key_Return)
    assert window.reader.hasFocus()


def test_ctrl_f_focuses_the_search_box(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search.query.hasFocus()


def test_every_control_has_an_accessible_name(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    controls = (QAbstractButton, QLineEdit, QAbstractItemView, QTextEdit, QProgressBar)
    unnamed = [
        w
        for w in window.findChildren(QWidget)
        if isinstance(w, controls)
        and not isinstance(w.parent(), QLineEdit)  # Qt's own clear button inside the query box
        and not w.objectName().startswith("qt_")  # Qt's own parts, e.g. the menu bar's overflow button
        and not w.accessibleName()
    ]
    assert unnamed == []


def test_shortcuts(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    assert window.add_folder_action.shortcut().toString() == "Ctrl+O"
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    assert window.find_action.shortcut().toString() == "Ctrl+F"


def test_quit_closes_the_window_and_stops_background_work(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    qtbot.keyClicks(window.search.query, "kim")
    window.quit_action.trigger()
    assert not window.isVisible()
    assert not window.search.searching


def test_geometry_and_splitter_persist(make_window, filled_archive, settings, qtbot):
    first = open_window(make_window, qtbot)
    first.resize(700, 500)  # within the offscreen screen (800x600): restoring clamps to the screen
    first.splitter.setSizes([200, 250, 250 - 2 * first.splitter.handleWidth()])
    sizes = first.splitter.sizes()
    first.close()

    second = make_window()
    second.show()
    assert (second.width(), second.height()) == (700, 500)
    assert second.splitter.sizes() == sizes


def test_first_window_has_the_default_size_and_proportions(make_window, filled_archive, qtbot):
    window = make_window()
    window.show()
    assert (window.width(), window.height()) == (1280, 800)
    results, reader, briefing = window.splitter.sizes()
    total = results + reader + briefing
    assert 0.25 < results / total < 0.35  # search : reader : briefing = 3 : 4 : 3
    assert 0.35 < reader / total < 0.45


def test_every_feature_is_in_a_menu(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    menus = {
        menu.title().replace("&", ""): [a.text().replace("&", "") for a in menu.actions() if a.text()]
        for menu in (a.menu() for a in window.menuBar().actions())
        if menu is not None
    }
    assert list(menus) == ["File", "Edit", "Search", "Document", "Briefing", "Archive", "Settings", "Help"]
    assert {"Save Search\u2026", "Saved Searches\u2026", "More Like This", "Use Aliases"} <= set(
        menus["Search"]
    )
    assert {"Tag\u2026", "Show Other Copies\u2026"} <= set(menus["Document"])
    assert "Export to Word\u2026" in menus["File"]
    assert {"Briefing Properties\u2026", "Edit Citation\u2026", "Send\u2026"} <= set(menus["Briefing"])
    assert {"Accounts\u2026", "Feeds\u2026"} <= set(menus["Settings"])
    assert {"Add Folder\u2026", "Cancel Import"} <= set(menus["Archive"])
    assert {"Import Report", "Statistics", "Rebuild Index\u2026"} <= set(menus["Archive"])
    assert menus["Help"] == ["Query Language", "Keyboard Shortcuts", "Open Log Folder", "About Briefer"]


def test_entries_a_feed_fetch_imported_show_in_the_archive_size(make_window, archive, articles_dir, qtbot):
    archive.import_paths([articles_dir / "grain.html"])
    window = open_window(make_window, qtbot)
    assert window.status.documents.text() == "1 document"
    archive.import_paths([articles_dir])  # as a feed fetch does, beside the window's own imports
    window.distribution.archive_changed.emit()
    qtbot.waitUntil(lambda: window.status.documents.text() == "3 documents")
