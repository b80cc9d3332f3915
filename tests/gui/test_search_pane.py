"""The results model and the search pane on their own."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt

from briefer.gui import mime
from briefer.gui.search.pane import HINT, ResultsModel, SearchPane


def test_the_results_model_is_a_well_behaved_list(qtmodeltester, filled_archive):
    model = ResultsModel(filled_archive.carried_by_count)
    qtmodeltester.check(model)
    results = filled_archive.search("kim")
    model.set_hits(results.hits)
    assert model.rowCount() == 2
    first = model.index(0)
    assert model.data(first) == results.hits[0].document.title
    assert model.data(first, ResultsModel.HitRole) is results.hits[0]
    assert model.row_of(results.hits[1].id) == 1
    assert model.row_of("no-such-id") == -1
    qtmodeltester.check(model)


def test_each_hit_has_an_accessible_description(filled_archive):
    model = ResultsModel(filled_archive.carried_by_count)
    model.set_hits(filled_archive.search("artillery").hits)
    description = model.data(model.index(0), Qt.ItemDataRole.AccessibleTextRole)
    assert description.startswith("Putin and Kim meet at Vostochny. Northern Wire")
    assert "artillery" in description


def test_clearing_the_query_clears_the_results(qtbot, filled_archive):
    pane = SearchPane(filled_archive)
    qtbot.addWidget(pane)
    qtbot.keyClicks(pane.query, "kim")
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2)
    with qtbot.waitSignal(pane.selection_cleared):
        pane.query.clear()
        pane.search_now()
    assert pane.model.rowCount() == 0
    assert pane.summary.text() == html.escape(HINT)
    pane.shutdown()


def test_enter_searches_without_waiting_for_the_pause(qtbot, filled_archive):
    pane = SearchPane(filled_archive)
    qtbot.addWidget(pane)
    pane.query.setText("grain")
    qtbot.keyClick(pane.query, Qt.Key.Key_Return)
    assert not pane._debounce.isActive()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1, timeout=1000)
    pane.shutdown()


def test_the_newest_query_wins(qtbot, filled_archive):
    pane = SearchPane(filled_archive)
    qtbot.addWidget(pane)
    for query in ("kim", "grain", "artillery"):
        pane.query.setText(query)
        pane.search_now()
    qtbot.waitUntil(lambda: not pane.searching)
    assert [pane.model.hit(r).document.title for r in range(pane.model.rowCount())] == [
        "Putin and Kim meet at Vostochny"
    ]
    pane.shutdown()


def test_the_alias_notice_states_the_expansion_and_names_the_switch_beside_the_help(qtbot, filled_archive):
    """Issue #17: the notice said "switch aliases off" while the window had no such switch.  Issue #20
    put the switch beside "?": the notice names it as it is labelled (and its menu item, which
    test_named_controls checks exists)."""
    pane = SearchPane(filled_archive)
    qtbot.addWidget(pane)
    pane.query.setText("DPRK")
    pane.search_now()
    qtbot.waitUntil(lambda: not pane.searching and "variants" in pane.summary.text())
    summary = html.unescape(pane.summary.text())
    assert "also searched for variants: DPRK = North Korea" in summary
    switch = pane.options.aliases_button
    assert switch.isChecked() and switch.text() == "Aliases"
    assert f"Switch {switch.text()} off (beside ?)" in summary
    assert pane.options.help_button.text() == "?"
    pane.shutdown()


def test_a_separator_row_comes_before_the_hits_with_most_of_the_words(qtbot, filled_archive):
    """Issue #21: "kim train" finds the train article with both words, then the summit with one of
    them, below a row that says so; that row is never current, selected, dragged or stepped on."""
    pane = SearchPane(filled_archive)
    qtbot.addWidget(pane)
    pane.resize(500, 700)
    pane.show()
    qtbot.waitExposed(pane)
    pane.query.setText("kim train")
    pane.search_now()
    qtbot.waitUntil(lambda: not pane.searching and pane.model.rowCount() == 3)
    model, view = pane.model, pane.results
    assert [model.data(model.index(row)) for row in range(3)] == [
        "The armoured train crosses the border",
        "1 more matches most of your words",
        "Putin and Kim meet at Vostochny",
    ]
    assert "1 with all your words" in pane.summary.text()
    separator = model.index(1)
    assert model.flags(separator) == Qt.ItemFlag.NoItemFlags
    assert view.visualRect(separator).height() < view.visualRect(model.index(0)).height()

    view.setFocus()
    assert view.currentIndex().row() == 0
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().row() == 2 and pane.current_hit().document.title.startswith("Putin")
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert view.currentIndex().row() == 0
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(separator).center())
    assert view.currentIndex().row() == 0  # a click on the separator selects nothing

    view.selectAll()
    assert [hit.document.title for hit in pane.selected_hits()] == [
        "The armoured train crosses the border",
        "Putin and Kim meet at Vostochny",
    ]
    dragged = mime.excerpts_from_mime(model.mimeData([model.index(row) for row in range(3)]))
    assert len(dragged) == 2  # the separator quotes nothing
    pane.shutdown()


def test_when_no_result_has_all_the_words_the_separator_comes_first(qtbot, filled_archive):
    pane = SearchPane(filled_archive)
    qtbot.addWidget(pane)
    pane.query.setText("vostochny grain")
    pane.search_now()
    qtbot.waitUntil(lambda: not pane.searching and pane.model.rowCount() == 3)
    assert pane.model.data(pane.model.index(0)) == "No result has all your words; 2 match most of them"
    assert pane.results.currentIndex().row() == 1 and pane.current_hit() is not None
    pane.shutdown()
