"""The archive tools in the window (issue #20): tags, saved searches, More Like This, the aliases switch.

Each is driven through the window's own actions and dialogs over a real archive on disk, and what
it did is checked where a user sees it: the results, the tag facet, the summary line, and the
command line (`briefer tags`, `briefer saved list`), which shares the archive's files.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCursor
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit

from briefer.core.archive import Archive, SavedSearch
from briefer.core.search import Tier
from briefer.gui.formatting import tag_colour
from briefer.gui.mainwindow import MainWindow
from briefer.gui.search import saved_searches_dialog
from briefer.gui.search.actions import NOTHING_LIKE
from briefer.gui.search.saved_searches_dialog import SavedSearchesDialog, SaveSearchDialog
from briefer.gui.search.tag_dialog import TagDialog
from tests.conftest import write_article
from tests.core.cli_support import Cli
from tests.gui.conftest import status_read


@pytest.fixture
def cli(archive: Archive, capsys, monkeypatch) -> Cli:
    """`briefer --data-dir DATA ...` on the window's archive, as a user would type it beside it."""
    return Cli(archive.data_dir, capsys, monkeypatch)


def open_window(make_window, qtbot) -> MainWindow:
    window = make_window()
    window.show()
    window.start()
    qtbot.waitUntil(lambda: status_read(window), timeout=30_000)
    return window


def search(window: MainWindow, qtbot, query: str) -> None:
    window.search.query.setText(query)
    window.search.search_now()
    qtbot.waitUntil(lambda: not window.search.searching)


def titles(window: MainWindow) -> list[str]:
    model = window.search.model
    return [model.hit(row).document.title for row in range(model.rowCount()) if not model.is_separator(row)]


def all_words(window: MainWindow) -> list[str]:
    """The titles of the results that have all the words (not those listed for most of them)."""
    model = window.search.model
    rows = (row for row in range(model.rowCount()) if not model.is_separator(row))
    return [hit.document.title for hit in map(model.hit, rows) if hit.match is Tier.ALL]


def summary(window: MainWindow) -> str:
    return html.unescape(window.search.summary.text())


def tag_facet(window: MainWindow) -> dict[str, str]:
    combo = window.search.options.combos["tag"]
    return {str(combo.itemData(i)): combo.itemText(i) for i in range(1, combo.count())}


def open_tag_dialog(window: MainWindow, qtbot) -> TagDialog:
    window.search_actions.tag_action.trigger()
    qtbot.waitUntil(lambda: window.search_actions.tag_dialog is not None)
    dialog = window.search_actions.tag_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def tag_item(dialog: TagDialog, tag: str):
    found = [dialog.list.item(r) for r in range(dialog.list.count())]
    return next(item for item in found if item.text().split(" (")[0] == tag)


def click(buttons: QDialogButtonBox, which: QDialogButtonBox.StandardButton, qtbot) -> None:
    button = buttons.button(which)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


# -- tags ---------------------------------------------------------------------------------------------
def test_tagging_the_selected_results_updates_the_tag_facet_and_the_cli_sees_it(
    make_window, filled_archive, qtbot, cli
):
    window = open_window(make_window, qtbot)
    search(window, qtbot, "kim")
    assert len(titles(window)) == 2 and tag_facet(window) == {}
    window.search.results.setFocus()
    window.search.results.selectAll()

    dialog = open_tag_dialog(window, qtbot)
    assert dialog.windowTitle() == "Tag Documents" and len(dialog.documents) == 2
    qtbot.keyClicks(dialog.new_tag, "Priority")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert tag_item(dialog, "Priority").checkState() == Qt.CheckState.Checked
    click(dialog.buttons, QDialogButtonBox.StandardButton.Ok, qtbot)

    qtbot.waitUntil(lambda: tag_facet(window) == {"priority": "priority (2)"}, timeout=10_000)
    assert window.status.currentMessage() == "Tags of 2 documents: added priority"
    assert all(window.search.model.hit(r).document.tags == ("priority",) for r in range(2))
    assert cli("tags") == 0 and cli.out == "priority\t2\n"
    search(window, qtbot, "tag:priority")
    assert sorted(titles(window)) == [
        "Putin and Kim meet at Vostochny",
        "The armoured train crosses the border",
    ]


def test_the_tag_dialog_untags_the_document_in_the_reader_and_cancel_changes_nothing(
    make_window, filled_archive, qtbot, cli
):
    summit = filled_archive.search("Vostochny").hits[0].id
    train = filled_archive.search("Khasan").hits[0].id
    filled_archive.tag(summit, ["priority", "russia"])
    filled_archive.tag(train, ["priority"])
    window = open_window(make_window, qtbot)
    search(window, qtbot, "Vostochny")
    qtbot.waitUntil(lambda: getattr(window.reader.current_document, "id", "") == summit)
    window.reader.setFocus()  # Tag… works on the document being read

    dialog = open_tag_dialog(window, qtbot)
    assert [d.id for d in dialog.documents] == [summit]
    assert tag_item(dialog, "priority").text() == "priority (2)"
    assert tag_item(dialog, "russia").checkState() == Qt.CheckState.Checked
    tag_item(dialog, "russia").setCheckState(Qt.CheckState.Unchecked)
    click(dialog.buttons, QDialogButtonBox.StandardButton.Cancel, qtbot)
    qtbot.waitUntil(lambda: window.search_actions.tag_dialog is None)
    assert filled_archive.tags() == {"priority": 2, "russia": 1}  # Cancel: nothing changed

    dialog = open_tag_dialog(window, qtbot)
    tag_item(dialog, "russia").setCheckState(Qt.CheckState.Unchecked)
    tag_item(dialog, "priority").setCheckState(Qt.CheckState.Unchecked)
    click(dialog.buttons, QDialogButtonBox.StandardButton.Ok, qtbot)
    qtbot.waitUntil(lambda: window.status.currentMessage().startswith("Tags of"), timeout=10_000)
    assert window.status.currentMessage() == (
        "Tags of \u201cPutin and Kim meet at Vostochny\u201d: removed priority, russia"
    )
    assert cli("tags") == 0 and cli.out == "priority\t1\n"  # the train keeps its tag
    qtbot.waitUntil(lambda: tag_facet(window) == {}, timeout=10_000)  # the summit has no tag now


def test_a_tag_only_some_selected_documents_have_stays_as_it_is(make_window, filled_archive, qtbot):
    summit = filled_archive.search("Vostochny").hits[0].id
    filled_archive.tag(summit, ["priority"])
    window = open_window(make_window, qtbot)
    search(window, qtbot, "kim")
    window.search.results.setFocus()
    window.search.results.selectAll()
    dialog = open_tag_dialog(window, qtbot)
    assert tag_item(dialog, "priority").checkState() == Qt.CheckState.PartiallyChecked
    qtbot.keyClicks(dialog.new_tag, "nk russia")
    click(dialog.buttons, QDialogButtonBox.StandardButton.Ok, qtbot)  # a typed tag is added by OK
    qtbot.waitUntil(lambda: "nk-russia" in tag_facet(window), timeout=10_000)
    assert filled_archive.tags() == {"priority": 1, "nk-russia": 2}


def colour_pixels(widget, colour: QColor) -> int:
    image, rgb = widget.grab().toImage(), colour.rgb()
    pixels = ((x, y) for x in range(image.width()) for y in range(0, image.height(), 2))
    return sum(1 for x, y in pixels if image.pixel(x, y) == rgb)


def test_tags_show_in_their_colours_in_the_results_and_the_tag_dialog(make_window, filled_archive, qtbot):
    assert tag_colour("priority") == tag_colour("priority") != tag_colour("follow-up")  # a tag, a colour
    summit = filled_archive.search("Vostochny").hits[0].id
    window = open_window(make_window, qtbot)
    search(window, qtbot, "Vostochny")
    qtbot.waitUntil(lambda: getattr(window.reader.current_document, "id", "") == summit)
    results, priority = window.search.results.viewport(), tag_colour("priority")
    assert colour_pixels(results, priority) == 0

    filled_archive.tag(summit, ["priority"])  # as Document → Tag… does, then the results refresh
    search(window, qtbot, "Vostochny")
    qtbot.waitUntil(lambda: window.search.model.hit(0).document.tags == ("priority",))
    assert colour_pixels(results, priority) > 100  # the chip on the result's meta line
    index = window.search.model.index(0)
    assert "Tagged priority." in index.data(Qt.ItemDataRole.AccessibleTextRole)

    window.search.results.setFocus()
    dialog = open_tag_dialog(window, qtbot)
    assert tag_item(dialog, "priority").data(Qt.ItemDataRole.DecorationRole) == priority
    dialog.reject()


def test_a_tag_needs_a_letter_or_digit(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    search(window, qtbot, "grain")
    dialog = open_tag_dialog(window, qtbot)
    qtbot.keyClicks(dialog.new_tag, " -- ")
    click(dialog.buttons, QDialogButtonBox.StandardButton.Ok, qtbot)
    assert dialog.isVisible() and dialog.problem.text() == "A tag needs at least one letter or digit."
    dialog.reject()
    assert filled_archive.tags() == {}


# -- saved searches -------------------------------------------------------------------------------------
def save_current_search(window: MainWindow, qtbot, name: str) -> SaveSearchDialog:
    window.search_actions.save_search_action.trigger()
    dialog = window.search_actions.save_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.name.selectAll()
    qtbot.keyClicks(dialog.name, name)
    return dialog


def test_save_search_keeps_the_query_filters_sort_and_aliases_for_the_cli(
    make_window, filled_archive, qtbot, cli
):
    window = open_window(make_window, qtbot)
    search(window, qtbot, "kim")
    window.search.options.set_sort("newest")
    window.search.options.set_filter("source", "Northern Wire")
    window.search.options.aliases_action.setChecked(False)
    qtbot.waitUntil(
        lambda: not window.search.searching and titles(window) == ["Putin and Kim meet at Vostochny"]
    )

    dialog = save_current_search(window, qtbot, "")
    assert dialog.name.text() == "kim"  # offered: the query
    dialog.name.clear()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.problem.text() == "Type a name for the search."
    qtbot.keyClicks(dialog.name, "summit wire")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert window.status.currentMessage() == "Saved the search \u201csummit wire\u201d"

    assert cli("saved", "list") == 0
    assert cli.out == "summit wire: kim source=Northern Wire sort=newest aliases=off\n"
    assert cli("search", "--saved", "summit wire", "--ids") == 0
    assert len(cli.out.split()) == 1


def test_a_name_in_use_is_refused_with_an_offer_to_replace(make_window, filled_archive, qtbot):
    filled_archive.saved_searches.save(SavedSearch("ports", "grain"))
    window = open_window(make_window, qtbot)
    search(window, qtbot, "harbour OR ports")
    dialog = save_current_search(window, qtbot, "ports")
    problem = html.unescape(dialog.problem.text())
    assert problem.startswith("A search named \u201cports\u201d is already saved: <i>grain</i>.")
    assert problem.endswith(" Replace it, or type another name.")
    assert dialog.save_button.text().replace("&", "") == "Replace"
    qtbot.keyClicks(dialog.name, " 2")
    assert dialog.problem.isHidden() and dialog.save_button.text().replace("&", "") == "Save"
    dialog.name.setText("ports")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert [(s.name, s.query) for s in filled_archive.saved_searches.all()] == [("ports", "harbour OR ports")]


def test_save_search_without_a_query_says_what_to_do(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    window.search_actions.save_search_action.trigger()
    assert window.search_actions.save_dialog is None
    assert window.status.currentMessage().startswith("Type a query first")


def open_saved_searches(window: MainWindow) -> SavedSearchesDialog:
    window.search_actions.saved_searches_action.trigger()
    dialog = window.search_actions.saved_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def listed(dialog: SavedSearchesDialog) -> list[tuple[str, str, str]]:
    items = (dialog.list.topLevelItem(r) for r in range(dialog.list.topLevelItemCount()))
    return [(i.text(0), i.text(1), i.text(2)) for i in items if i is not None]


def test_a_search_saved_by_the_cli_is_listed_and_runs_with_its_options(
    make_window, filled_archive, qtbot, cli
):
    assert cli("saved", "save", "grain", "grain OR train", "--sort", "oldest", "--no-aliases") == 0
    window = open_window(make_window, qtbot)
    dialog = open_saved_searches(window)
    assert listed(dialog) == [("grain", "grain OR train", "oldest first, aliases off")]

    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: not window.search.searching and len(titles(window)) == 2)
    assert window.search.query.text() == "grain OR train"
    assert window.search.options.sort_order() == "oldest" and not window.search.options.aliases()
    assert not window.search_actions.aliases_action.isChecked()  # Search → Use Aliases, unticked
    assert titles(window) == ["The armoured train crosses the border", "Grain exports recover"]


def test_saved_searches_are_renamed_and_deleted_after_asking(make_window, filled_archive, qtbot, monkeypatch):
    store = filled_archive.saved_searches
    store.save(SavedSearch("grain", "grain"))
    store.save(SavedSearch("summit", "Vostochny", filters=(("year", "2023"), ("month", "2023-09"))))
    window = open_window(make_window, qtbot)
    dialog = open_saved_searches(window)
    assert listed(dialog)[1] == ("summit", "Vostochny", "year = 2023, month = 2023-09")

    summit = dialog.list.topLevelItem(1)
    assert summit is not None
    summit.setText(0, "grain")  # as if typed in place: the name is taken
    assert "not renamed" in dialog.problem.text().lower() and "already saved" in dialog.problem.text()
    assert [s.name for s in store.all()] == ["grain", "summit"]
    assert listed(dialog)[1][0] == "summit"  # the refused name is not shown either

    dialog.activateWindow()  # F2 edits the name in place; Enter keeps it (and runs nothing)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.list.setCurrentItem(dialog.list.topLevelItem(1))
    dialog.list.setFocus()
    qtbot.keyClick(dialog.list, Qt.Key.Key_F2)
    editor = dialog.list.findChild(QLineEdit)
    assert editor is not None and editor.text() == "summit"
    editor.selectAll()
    qtbot.keyClicks(editor, "Vostochny summit")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: [s.name for s in store.all()] == ["grain", "Vostochny summit"])
    assert dialog.isVisible() and window.search.query.text() == ""
    assert listed(dialog)[1][0] == "Vostochny summit"
    assert (
        window.status.currentMessage()
        == "Renamed the saved search \u201csummit\u201d to \u201cVostochny summit\u201d"
    )

    asked: list[str] = []
    answer = False
    monkeypatch.setattr(
        saved_searches_dialog.ConfirmDelete,
        "ask",
        classmethod(lambda cls, p, s: asked.append(s.name) or answer),
    )
    dialog.list.setCurrentItem(dialog.list.topLevelItem(0))
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert asked == ["grain"] and [s.name for s in store.all()] == ["grain", "Vostochny summit"]  # declined
    answer = True
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert [s.name for s in store.all()] == ["Vostochny summit"]
    assert [row[0] for row in listed(dialog)] == ["Vostochny summit"]

    dialog.list.setCurrentItem(dialog.list.topLevelItem(0))
    assert dialog.delete_button.hasFocus()  # clicked last: Enter still runs, never deletes
    qtbot.keyClick(dialog.list, Qt.Key.Key_Return)  # Enter runs the saved search
    qtbot.waitUntil(lambda: not window.search.searching and window.search.query.text() == "Vostochny")
    assert window.search.options.filters() == (("year", "2023"), ("month", "2023-09"))
    assert window.search.options.extra_label.text() == "Also filtered by month = 2023-09"
    assert titles(window) == ["Putin and Kim meet at Vostochny"]


# -- More Like This ------------------------------------------------------------------------------------
TOPICS = {
    "rail": (
        "Shells go north by rail",
        "Artillery shells and rockets went north by rail to Russian munitions depots. "
        "The munitions trains carried shells every night.",
    ),
    "port": (
        "Ships load shells at the port",
        "Russian ships loaded artillery shells and rockets at the port; "
        "the munitions reached depots near the front.",
    ),
    "wheat": (
        "Wheat exports rise",
        "Wheat harvest and grain exports rose; grain freighters left the ports with wheat for Egypt.",
    ),
    "silos": (
        "Silos fill with grain",
        "Grain silos filled with wheat as the harvest came in; grain prices fell.",
    ),
    "mixed": (
        "A week at the border",
        "Trains of artillery shells crossed the border at night.\n\n"
        "Meanwhile wheat and grain freighters queued at the ports for the harvest exports.",
    ),
}
SHELLS = {"Shells go north by rail", "Ships load shells at the port"}
GRAIN = {"Wheat exports rise", "Silos fill with grain"}


def write_topics(folder: Path) -> Path:
    for name, (title, text) in TOPICS.items():
        write_article(folder, name, text, title=title)
    return folder


@pytest.fixture
def topics(archive: Archive, tmp_path: Path) -> Archive:
    archive.import_paths([write_topics(tmp_path / "topics")])
    return archive


def test_more_like_this_lists_documents_like_the_selected_result(make_window, topics, qtbot):
    window = open_window(make_window, qtbot)
    search(window, qtbot, "rail")
    assert titles(window) == ["Shells go north by rail"]
    window.search.results.setFocus()
    window.search_actions.more_like_action.trigger()
    qtbot.waitUntil(lambda: not window.search.searching and summary(window).startswith("More like"))
    assert summary(window).startswith("More like \u201cShells go north by rail\u201d: ")
    found = titles(window)
    assert found[0] == "Ships load shells at the port"
    assert "Shells go north by rail" not in found and not GRAIN & set(found)  # not itself, nor grain
    assert "Back to \u201crail\u201d" in summary(window)
    window.search_actions.save_search_action.trigger()  # a list like a document is no query to keep
    assert window.search_actions.save_dialog is None
    assert window.status.currentMessage().startswith("More Like This lists are not saved")
    window.search.use_suggestion("rail")  # typing again goes back to the query
    qtbot.waitUntil(lambda: not window.search.searching and titles(window) == ["Shells go north by rail"])


def test_more_like_this_for_a_reader_selection_searches_like_the_passage(make_window, topics, qtbot):
    window = open_window(make_window, qtbot)
    search(window, qtbot, "border")
    qtbot.waitUntil(lambda: getattr(window.reader.current_document, "title", "") == "A week at the border")
    window.reader.setFocus()
    doc = window.reader.document()
    found = doc.find("Meanwhile wheat and grain freighters queued at the ports for the harvest exports.")
    cursor = QTextCursor(doc)
    cursor.setPosition(found.selectionStart())
    cursor.setPosition(found.selectionEnd(), QTextCursor.MoveMode.KeepAnchor)
    window.reader.setTextCursor(cursor)
    assert window.search.current_hit() is not None  # a result is current: the selection still wins

    window.search_actions.more_like_action.trigger()
    qtbot.waitUntil(lambda: not window.search.searching and summary(window).startswith("More like"))
    assert summary(window).startswith("More like the passage selected in \u201cA week at the border\u201d")
    found = titles(window)
    assert found[0] == "Wheat exports rise"  # like the passage: grain freighters and exports
    assert "A week at the border" not in found and not SHELLS & set(found)


def test_more_like_this_with_nothing_chosen_says_what_to_choose(make_window, topics, qtbot):
    window = open_window(make_window, qtbot)
    window.search_actions.more_like_action.trigger()
    assert window.status.currentMessage() == NOTHING_LIKE
    assert NOTHING_LIKE == "Select a search result, or text in the reader, to find more like it"


# -- the aliases switch ---------------------------------------------------------------------------------
def test_the_aliases_switch_beside_the_help_changes_the_results(make_window, archive, tmp_path, qtbot):
    folder = tmp_path / "korea"
    write_article(folder, "nk", "North Korea launched a satellite on Tuesday.", title="North Korea launches")
    write_article(folder, "dprk", "The DPRK said the satellite reached orbit.", title="DPRK statement")
    archive.import_paths([folder])
    window = open_window(make_window, qtbot)
    search(window, qtbot, "DPRK satellite")
    assert sorted(titles(window)) == ["DPRK statement", "North Korea launches"]
    assert "Switch Aliases off (beside ?)" in summary(window)

    options = window.search.options
    assert options.aliases_button.defaultAction() is window.search_actions.aliases_action
    qtbot.mouseClick(options.aliases_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.search.searching and all_words(window) == ["DPRK statement"])
    assert titles(window) == ["DPRK statement", "North Korea launches"]  # with one of the two words
    assert "variants" not in summary(window) and "Aliases" not in summary(window)
    assert not window.search_actions.aliases_action.isChecked()  # the menu item follows the switch

    window.search_actions.aliases_action.trigger()  # Search → Use Aliases
    qtbot.waitUntil(lambda: not window.search.searching and len(all_words(window)) == 2)
    assert options.aliases_button.isChecked()
