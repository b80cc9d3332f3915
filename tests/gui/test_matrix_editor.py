"""The implications matrix editor: a list of cells grouped by actor, driven with the keyboard; each cell
opens an editor; every change is one undo step and the current cell stays current through it.

GUI tests fail on any Qt warning (the grid used to log `commitData` after each edit)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDialog

from briefer.core.briefing import edits, templates
from briefer.core.briefing.excerpts import excerpt_from_span
from briefer.core.briefing.matrix import NO_IMPLICATION, CellValues, find_cell
from briefer.core.briefing.model import MatrixCell, Section
from briefer.core.documents import Document
from briefer.gui.briefing.matrix_view import DOMAIN, IMPLICATION, MUTED, MatrixEditor, MatrixModel
from briefer.gui.briefing.model import BriefingModel

TEXT = "Japan will watch launches near its islands more closely after the summit."
DOC = Document(id="doc1", title="Launch watch", text=TEXT, text_hash="h1", source="Pacific Ledger")


@pytest.fixture
def model(qapp) -> BriefingModel:
    briefing = templates.new_briefing(templates.load("assessment"), title="Summit")
    edits.add_block(briefing, "background", excerpt_from_span(DOC, 0, 5))
    return BriefingModel(briefing, QUndoStack())


@pytest.fixture
def editor(qtbot, model: BriefingModel) -> MatrixEditor:
    widget = MatrixEditor(model)
    qtbot.addWidget(widget)
    widget.resize(380, 420)
    widget.show()
    section = model.node_by_id("implications")
    assert isinstance(section, Section)
    widget.show_section(section)
    return widget


def current(editor: MatrixEditor) -> tuple[str, str] | None:
    return editor.matrix.slot(editor.table.currentIndex())


def cell(model: BriefingModel, actor: str, domain: str) -> MatrixCell | None:
    section = model.node_by_id("implications")
    assert isinstance(section, Section)
    return find_cell(section, actor, domain)


def tags_enabled(editor: MatrixEditor) -> bool:
    return all(w.isEnabled() for w in (editor.impact, editor.likelihood, editor.portion, editor.edit_button))


def press(qtbot, editor: MatrixEditor, *keys: Qt.Key) -> None:
    for key in keys:
        qtbot.keyClick(editor.table, key)


def test_the_arrows_move_from_cell_to_cell_over_the_actor_headings(qtbot, editor: MatrixEditor) -> None:
    assert current(editor) == ("us", "military") and tags_enabled(editor)  # a cell is current at once
    press(qtbot, editor, Qt.Key.Key_Up, Qt.Key.Key_Left)
    assert current(editor) == ("us", "military")
    press(qtbot, editor, Qt.Key.Key_Down)
    assert current(editor) == ("us", "deterrence")
    press(qtbot, editor, Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Down)  # past the "NATO" heading
    assert current(editor) == ("nato-europe", "military")
    press(qtbot, editor, Qt.Key.Key_Right)
    assert current(editor) == ("nato-europe", "military")
    press(qtbot, editor, Qt.Key.Key_End)
    assert current(editor) == ("ukraine", "diplomatic")
    press(qtbot, editor, Qt.Key.Key_Home)
    assert current(editor) == ("us", "military")
    editor.select_cell("japan", "sanctions")
    section = editor.matrix.section
    assert section is not None
    editor.show_section(section)  # the outline's selection left the matrix and came back
    assert current(editor) == ("japan", "sanctions")


def test_enter_edits_the_cell_and_the_commit_keeps_it_current(
    qtbot, editor: MatrixEditor, model: BriefingModel
) -> None:
    editor.select_cell("japan", "military")
    press(qtbot, editor, Qt.Key.Key_Return)
    dialog = editor.cell_editor
    assert dialog is not None and dialog.isVisible() and "Japan" in dialog.heading.text()
    qtbot.keyClicks(dialog.text, "Closer watch on launches")
    dialog.impact.setCurrentIndex(dialog.impact.findData("H"))
    dialog.likelihood.setCurrentIndex(dialog.likelihood.findData("very likely"))
    qtbot.keyClick(dialog.text, Qt.Key.Key_Return)  # Enter is OK
    assert dialog.result() == QDialog.DialogCode.Accepted and editor.cell_editor is None
    filled = cell(model, "japan", "military")
    assert filled is not None
    assert (filled.text, filled.impact, filled.likelihood) == ("Closer watch on launches", "H", "very likely")

    # The cell is still current, and its menus are enabled and show its tags.
    assert current(editor) == ("japan", "military") and tags_enabled(editor)
    assert editor.impact.currentData() == "H" and editor.likelihood.currentData() == "very likely"
    index = editor.table.currentIndex()
    assert index.siblingAtColumn(IMPLICATION).data() == "(U) [H] Closer watch on launches \u2014 very likely"

    # One undo step for the whole edit; the cell stays current through undo and redo.
    assert model.undo_stack.count() == 1
    model.undo_stack.undo()
    assert cell(model, "japan", "military") is None
    assert current(editor) == ("japan", "military") and tags_enabled(editor)
    assert editor.impact.currentData() is None
    model.undo_stack.redo()
    assert cell(model, "japan", "military") is not None and current(editor) == ("japan", "military")


def test_escape_cancels_the_cell_editor(qtbot, editor: MatrixEditor, model: BriefingModel) -> None:
    editor.select_cell("rok", "sanctions")
    dialog = editor.edit_cell(editor.current_index())
    assert dialog is not None
    qtbot.keyClicks(dialog.text, "Never saved")
    qtbot.keyClick(dialog.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)  # a line break
    assert dialog.text.toPlainText() == "Never saved\n" and dialog.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert cell(model, "rok", "sanctions") is None and model.undo_stack.count() == 0
    assert current(editor) == ("rok", "sanctions")


def test_the_tag_menus_act_on_the_current_cell_one_undo_step_each(
    qtbot, editor: MatrixEditor, model: BriefingModel
) -> None:
    editor.select_cell("ukraine", "military")
    for combo, value in ((editor.impact, "M"), (editor.likelihood, "likely"), (editor.portion, "CUI")):
        assert tags_enabled(editor)  # before the fix they greyed out after the first change
        combo.setCurrentIndex(combo.findData(value))
        combo.activated.emit(combo.currentIndex())
        assert current(editor) == ("ukraine", "military")
    tagged = cell(model, "ukraine", "military")
    assert tagged is not None and (tagged.text, tagged.impact, tagged.likelihood, tagged.portion) == (
        "",
        "M",
        "likely",
        "CUI",
    )
    assert model.undo_stack.count() == 3
    press(qtbot, editor, Qt.Key.Key_Delete)  # empties the cell: one more step
    assert cell(model, "ukraine", "military") is None and model.undo_stack.count() == 4
    assert current(editor) == ("ukraine", "military") and editor.portion.currentData() == "U"
    model.undo_stack.undo()
    assert cell(model, "ukraine", "military") is not None


def test_the_cell_editor_shows_the_citations_and_removes_one(
    qtbot, editor: MatrixEditor, model: BriefingModel
) -> None:
    section = model.node_by_id("background")
    assert isinstance(section, Section)
    [excerpt] = section.blocks
    model.do(
        edits.AddBlock(
            "implications", -1, MatrixCell("us", "military", "Patrols", cites=[excerpt.id, "gone"])
        )
    )
    editor.select_cell("us", "military")
    editor.edit_button.click()
    dialog = editor.cell_editor
    assert dialog is not None
    shown = [dialog.citations.item(row).text() for row in range(dialog.citations.count())]
    # Each cited excerpt as the picker and the block editor show it: the quote, then its source.
    assert shown == [
        "\u201cJapan\u201d\nPacific Ledger \u00b7 \u201cLaunch watch\u201d",
        "Excerpt gone (no longer in this briefing)",
    ]
    dialog.citations.setCurrentRow(0)
    qtbot.keyClick(dialog.citations, Qt.Key.Key_Delete)
    assert dialog.cited() == ("gone",)
    dialog.remove_citation.click()
    assert dialog.cited() == () and dialog.no_citations.isVisibleTo(dialog)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    edited = cell(model, "us", "military")
    assert edited is not None and edited.cites == [] and edited.text == "Patrols"
    model.undo_stack.undo()
    assert edited.cites == [excerpt.id, "gone"]


def test_empty_boilerplate_and_filled_cells_look_different(
    editor: MatrixEditor, model: BriefingModel
) -> None:
    matrix = editor.matrix
    for domain, text in (("military", "Patrols near the Kurils"), ("deterrence", NO_IMPLICATION)):
        assert matrix.set_values(matrix.cell_index("japan", domain), CellValues(text, "H"))
    looks = {
        domain: (
            matrix.cell_index("japan", domain, IMPLICATION).data(MatrixModel.StateRole),
            str(matrix.cell_index("japan", domain, IMPLICATION).data(MatrixModel.HtmlRole)),
        )
        for domain in ("military", "deterrence", "sanctions")
    }
    assert looks["military"][0] == "filled" and "Patrols near the Kurils" in looks["military"][1]
    assert f"color:{MUTED}'>Patrols" not in looks["military"][1]
    assert looks["deterrence"][0] == "boilerplate"
    assert (
        f"color:{MUTED}'>{NO_IMPLICATION}" in looks["deterrence"][1]
        and "(no implication)" in looks["deterrence"][1]
    )
    assert looks["sanctions"][0] == "empty" and "<i style='color:#7a7a7a'>empty</i>" in looks["sanctions"][1]
    assert "export prints" in matrix.cell_index("japan", "sanctions", IMPLICATION).data(
        Qt.ItemDataRole.ToolTipRole
    )
    heading = matrix.index(2, DOMAIN)  # Japan
    assert heading.data() == "Japan" and "1 of 4 filled" in str(heading.data(MatrixModel.HtmlRole))


def test_a_new_actor_adds_a_row_group_and_the_current_cell_stays(
    editor: MatrixEditor, model: BriefingModel, qtmodeltester
) -> None:
    qtmodeltester.check(editor.matrix)
    editor.select_cell("rok", "deterrence")
    model.do(edits.AddSection("implications", -1, Section("Australia", "actor", actor="Australia", id="au")))
    assert editor.matrix.rowCount() == 6 and current(editor) == ("rok", "deterrence")
    model.do(edits.RenameSection("rok", "South Korea"))
    assert editor.matrix.index(3, DOMAIN).data() == "South Korea" and current(editor) == ("rok", "deterrence")
    model.undo_stack.undo()
    model.undo_stack.undo()
    assert editor.matrix.rowCount() == 5 and current(editor) == ("rok", "deterrence")
    assert editor.matrix.index(3, DOMAIN).data() == "Republic of Korea"


def test_another_briefing_empties_the_matrix(editor: MatrixEditor, model: BriefingModel) -> None:
    model.set_briefing(templates.new_briefing(templates.load("spot")))
    assert editor.matrix.rowCount() == 0 and not tags_enabled(editor)
    assert editor.matrix.first_cell() == QModelIndex()


def test_the_matrix_model_fills_cells_as_undoable_blocks_outside_the_outline(
    model: BriefingModel, qtmodeltester
) -> None:
    """Moved from test_briefing_model.py with the grid that became this list."""
    matrix = MatrixModel(model)
    matrix.set_section("implications")
    qtmodeltester.check(matrix)
    assert matrix.rowCount() == 5 and matrix.rowCount(matrix.index(0, DOMAIN)) == 4
    japan_military = matrix.cell_index("japan", "military", IMPLICATION)
    assert matrix.set_values(japan_military, CellValues("More patrols near the Kurils"))
    assert japan_military.data() == "(U) More patrols near the Kurils"
    assert matrix.retag(japan_military, "impact", "H")
    assert japan_military.data() == "(U) [H] More patrols near the Kurils"
    [block] = [b for b in model.briefing.sections[4].blocks if isinstance(b, MatrixCell)]
    assert (block.actor, block.domain) == ("japan", "military")
    implications = model.index_of("implications")
    assert model.rowCount(implications) == 5  # cells stay out of the outline
    model.undo_stack.undo()
    model.undo_stack.undo()
    assert japan_military.data() == "(empty)"


LONG = "Pressure to reinforce missile defence in the Pacific as DPRK launches grow more accurate"


@pytest.mark.parametrize("size", [(1280, 800), (1680, 1050)])
def test_in_the_window_domains_and_implications_are_readable(make_window, qtbot, size) -> None:
    window = make_window()
    window.session.new()
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    pane = window.briefing
    pane.select("implications")
    assert pane.stack.currentWidget() is pane.matrix
    view, matrix = pane.matrix.table, pane.matrix.matrix
    qtbot.waitUntil(lambda: view.header().sectionSize(IMPLICATION) > 0)
    metrics = view.fontMetrics()
    # The domain titles wrap between words, never inside one ("nonprolif/eration", "litary/securi").
    assert view.header().sectionSize(DOMAIN) - view.indentation() >= metrics.horizontalAdvance(
        "nonproliferation"
    )
    assert view.horizontalScrollBar().maximum() == 0
    # An implication wraps a line of words, not one word per line, and its row holds all of it.
    column = view.header().sectionSize(IMPLICATION)
    assert column >= 20 * metrics.horizontalAdvance("n")
    assert matrix.set_values(matrix.cell_index("us", "military"), CellValues(LONG, "H", "likely"))
    row = view.visualRect(matrix.cell_index("us", "military", IMPLICATION))
    lines = row.height() / metrics.lineSpacing()
    assert 1 <= lines <= 6, lines  # 15 words
    assert row.width() == column
    window.session.undo_stack.setClean()
