"""The results model and the search pane on their own."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt

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
