"""Evidence links in the window: a judgment, paragraph or matrix cell cites excerpts by a drop or
through the Cite Evidence picker; the block editor lists and removes citations; the outline marks
unsourced judgments and cells; each change is one undo step; the export uses what the window cited.

Drops are real drag events delivered to the outline's and the matrix's viewports, carrying the
mime data the reader and the outline produce.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QUndoStack
from PySide6.QtWidgets import QStyleOptionViewItem

from briefer.core.briefing import edits, evidence, templates
from briefer.core.briefing.excerpts import excerpt_from_span
from briefer.core.briefing.matrix import CellValues
from briefer.core.briefing.model import Excerpt, KeyJudgment, MatrixCell, Paragraph, Section, excerpts
from briefer.core.documents import Document
from briefer.gui.briefing.cite_picker import CitePicker
from briefer.gui.briefing.matrix_view import IMPLICATION, MatrixModel
from briefer.gui.briefing.model import UNSOURCED_COLOUR, BriefingModel
from briefer.gui.briefing.outline_view import BadgeDelegate, OutlineView
from briefer.gui.distribution import export_dialog
from briefer.gui.mainwindow import MainWindow
from tests.gui.test_briefing_window import (
    no_dialogs,
    open_window,
    read_first_hit,
    select_in_reader,
    simulate_drop,
)

__all__ = ["no_dialogs"]  # a fixture, used by name

JUDGMENT = "We assess the shipments will continue."


def blocks(window: MainWindow, section_id: str) -> list:
    section = window.session.model.node_by_id(section_id)
    assert isinstance(section, Section)
    return list(section.blocks)


def add_judgment(window: MainWindow) -> KeyJudgment:
    judgment = KeyJudgment(JUDGMENT, likelihood="likely")
    assert window.session.model.do(edits.AddBlock("key-judgments", -1, judgment))
    window.briefing.outline.expandAll()
    return judgment


def row_centre(outline: OutlineView, node_id: str) -> QPoint:
    index = outline.briefing_model.index_of(node_id)
    outline.scrollTo(index)
    return outline.visualRect(index).center()


def unsourced(window: MainWindow, node_id: str) -> tuple[int, str, str]:
    """The row's badge count, and its accessible text and tooltip (where the words are)."""
    model = window.session.model
    index = model.index_of(node_id)
    return (
        index.data(BriefingModel.UnsourcedRole),
        index.data(Qt.ItemDataRole.AccessibleTextRole),
        index.data(Qt.ItemDataRole.ToolTipRole),
    )


def badge_pixels(outline: OutlineView, node_id: str) -> int:
    """How many pixels of the badge's orange the outline shows at the end of the row."""
    index = outline.briefing_model.index_of(node_id)
    option = QStyleOptionViewItem()
    option.rect = outline.visualRect(index)
    area = BadgeDelegate.badge_rect(option)
    image = outline.viewport().grab().toImage()
    orange = QColor(UNSOURCED_COLOUR)
    return sum(
        1
        for x in range(area.left(), area.right() + 1)
        for y in range(area.top(), area.bottom() + 1)
        if _close(image.pixelColor(x, y), orange)
    )


def _close(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 40


def quote_in_reader(window: MainWindow, qtbot, words: str):
    read_first_hit(window, qtbot, "artillery")
    select_in_reader(window, words)
    return window.reader.createMimeDataFromSelection()


# -- drops ------------------------------------------------------------------------------------
def test_a_reader_selection_dropped_on_a_key_judgment_is_quoted_and_cited_in_one_undo_step(
    make_window, filled_archive, qtbot, no_dialogs
):
    window = open_window(make_window, qtbot)
    judgment = add_judgment(window)
    outline = window.briefing.outline
    count, accessible, tooltip = unsourced(window, judgment.id)
    assert count == 1 and "Cites no source" in accessible and "Cite Evidence" in tooltip
    qtbot.waitUntil(lambda: badge_pixels(outline, judgment.id) > 20)  # the badge is painted
    data = quote_in_reader(window, qtbot, "The leaders discussed artillery shells")
    steps = window.session.undo_stack.count()

    assert simulate_drop(outline.viewport(), row_centre(outline, judgment.id), data)
    [excerpt] = blocks(window, "background")  # quoted where evidence belongs, not among the judgments
    assert isinstance(excerpt, Excerpt) and excerpt.quote == "The leaders discussed artillery shells"
    assert judgment.cites == [excerpt.id]
    assert blocks(window, "key-judgments") == [judgment]
    assert (
        unsourced(window, judgment.id)[0] == 0 and "Cites no source" not in unsourced(window, judgment.id)[1]
    )
    qtbot.waitUntil(lambda: badge_pixels(outline, judgment.id) == 0)
    assert window.session.undo_stack.count() == steps + 1
    assert window.status.currentMessage() == "Cited 1 excerpt; quoted in \u201cBackground\u201d"

    window.undo_action.trigger()  # the quote and the citation go together
    assert judgment.cites == [] and blocks(window, "background") == []
    assert unsourced(window, judgment.id)[0] == 1
    window.redo_action.trigger()
    assert judgment.cites == [blocks(window, "background")[0].id]


def test_an_outline_excerpt_dropped_on_a_paragraph_is_cited_and_other_rows_still_move_beside_it(
    make_window, filled_archive, qtbot, no_dialogs
):
    window = open_window(make_window, qtbot)
    model, outline = window.session.model, window.briefing.outline
    data = quote_in_reader(window, qtbot, "satellite technology")
    assert model.dropMimeData(data, Qt.DropAction.CopyAction, -1, 0, model.index_of("analysis"))
    [excerpt] = blocks(window, "analysis")
    first, second = Paragraph("Moscow pays in technology.", id="first"), Paragraph("Second.", id="second")
    model.do(edits.AddBlock("analysis", -1, first))
    model.do(edits.AddBlock("analysis", -1, second))
    dragged = model.mimeData([model.index_of(excerpt.id)])  # what dragging the outline row carries
    steps = window.session.undo_stack.count()

    assert simulate_drop(outline.viewport(), row_centre(outline, first.id), dragged)
    assert first.cites == [excerpt.id]
    assert [b.id for b in blocks(window, "analysis")] == [excerpt.id, first.id, second.id]  # nothing moved
    assert window.session.undo_stack.count() == steps + 1
    # Dropped again: it cites it already, and nothing changes.
    assert not simulate_drop(outline.viewport(), row_centre(outline, first.id), dragged)
    assert first.cites == [excerpt.id] and window.session.undo_stack.count() == steps + 1

    # A paragraph dragged onto the upper half of another row still goes above it, as before.
    rect = outline.visualRect(model.index_of(first.id))
    upper = QPoint(rect.center().x(), rect.center().y() - 1)  # the middle of the row, upper half
    assert simulate_drop(outline.viewport(), upper, model.mimeData([model.index_of(second.id)]))
    assert [b.id for b in blocks(window, "analysis")] == [excerpt.id, second.id, first.id]
    assert second.cites == []
    assert model.flags(model.index_of(first.id)) & Qt.ItemFlag.ItemIsDropEnabled  # the drag is over

    window.undo_action.trigger()
    window.undo_action.trigger()
    assert first.cites == [] and [b.id for b in blocks(window, "analysis")] == [
        excerpt.id,
        first.id,
        second.id,
    ]


def test_evidence_dropped_on_a_matrix_cell_is_cited_and_its_badge_goes(
    make_window, filled_archive, qtbot, no_dialogs
):
    window = open_window(make_window, qtbot)
    pane = window.briefing
    data = quote_in_reader(window, qtbot, "Kim Jong Un met Vladimir Putin")
    pane.select("implications")
    assert pane.stack.currentWidget() is pane.matrix
    view, grid = pane.matrix.table, pane.matrix.matrix
    assert grid.set_values(
        grid.cell_index("japan", "military"), CellValues("Closer watch on launches near Japan")
    )
    [cell] = [b for b in blocks(window, "implications") if isinstance(b, MatrixCell)]
    row = grid.cell_index("japan", "military", IMPLICATION)
    assert "no source" in row.data(MatrixModel.HtmlRole)  # the cell's badge
    assert "cites no source" in row.data(Qt.ItemDataRole.AccessibleTextRole)
    assert "1 matrix cell cites no source" in unsourced(window, "implications")[1]
    pane.matrix.select_cell("japan", "military")
    assert pane.cite_action.isEnabled()  # Cite Evidence\u2026 is for the current cell
    view.scrollTo(row)

    assert simulate_drop(view.viewport(), view.visualRect(row).center(), data)
    [excerpt] = blocks(window, "japan")  # the cell's quote goes to its actor's subsection
    assert cell.cites == [excerpt.id]
    row = grid.cell_index("japan", "military", IMPLICATION)
    assert "no source" not in row.data(MatrixModel.HtmlRole) and "1 citation" in row.data(
        MatrixModel.HtmlRole
    )
    assert unsourced(window, "implications")[0] == 0
    empty = grid.cell_index("us", "military", IMPLICATION)
    view.scrollTo(empty)
    assert not simulate_drop(view.viewport(), view.visualRect(empty).center(), data)  # nothing to cite yet

    window.undo_action.trigger()
    assert cell.cites == [] and blocks(window, "japan") == []
    assert unsourced(window, "implications")[0] == 1


def drafted_summary(window: MainWindow, qtbot) -> str:
    """Briefing → Draft Source Summary, and the drafted paragraph's text."""
    pane, stack = window.briefing, window.session.undo_stack
    steps = stack.count()
    pane.draft_summary_action.trigger()
    qtbot.waitUntil(lambda: stack.count() > steps, timeout=20_000)
    [draft] = [b for b in blocks(window, "source-summary") if isinstance(b, Paragraph)]
    return draft.text


def test_the_drafted_source_summary_names_the_unsourced_matrix_cell_until_it_cites_one(
    make_window, filled_archive, qtbot, no_dialogs
):
    window = open_window(make_window, qtbot)
    pane = window.briefing
    [excerpt] = two_quotes(window, qtbot)[:1]
    pane.select("implications")
    grid = pane.matrix.matrix
    assert grid.set_values(grid.cell_index("japan", "military"), CellValues("Closer watch on launches"))
    assert grid.set_values(grid.cell_index("us", "military"), CellValues("", impact="H"))  # no implication
    summary = drafted_summary(window, qtbot)
    assert "1 matrix cell cites no source: Japan / Military/security." in summary
    assert "United States" not in summary  # a cell without text states nothing to source

    [cell] = [b for b in blocks(window, "implications") if isinstance(b, MatrixCell) and b.text]
    citing = evidence.cite_edits(window.session.briefing, cell.id, [excerpt.id])
    assert window.session.model.do_all(citing, "Cite evidence")
    assert "matrix cell" not in drafted_summary(window, qtbot)  # the untouched draft is redrafted


def test_the_cell_editor_picks_evidence_and_applies_it_with_the_cell_on_ok(
    make_window, filled_archive, qtbot, no_dialogs
):
    window = open_window(make_window, qtbot)
    shells, satellite = two_quotes(window, qtbot)
    pane = window.briefing
    pane.select("implications")
    pane.matrix.select_cell("ukraine", "sanctions")
    editor = pane.matrix.edit_cell(pane.matrix.current_index())
    assert editor is not None
    qtbot.keyClicks(editor.text, "Fewer shells for Ukraine's front")
    steps = window.session.undo_stack.count()
    picker = editor.pick_evidence()
    qtbot.waitUntil(picker.filter.hasFocus)
    qtbot.keyClicks(picker.filter, "satellite")
    qtbot.keyClick(picker.filter, Qt.Key.Key_Return)  # the highlighted one
    assert editor.cited() == (satellite.id,) and window.session.undo_stack.count() == steps  # not yet
    editor.accept()
    [cell] = [b for b in blocks(window, "implications") if isinstance(b, MatrixCell)]
    assert cell.text == "Fewer shells for Ukraine's front" and cell.cites == [satellite.id]
    assert window.session.undo_stack.count() == steps + 1  # the text and the citation: one step
    window.undo_action.trigger()
    assert [b for b in blocks(window, "implications") if isinstance(b, MatrixCell)] == []
    assert shells.id not in cell.cites


# -- the picker ------------------------------------------------------------------------------------
def two_quotes(window: MainWindow, qtbot) -> list[Excerpt]:
    model = window.session.model
    for words in ("The leaders discussed artillery shells", "satellite technology"):
        data = quote_in_reader(window, qtbot, words)
        assert model.dropMimeData(data, Qt.DropAction.CopyAction, -1, 0, model.index_of("background"))
    return [b for b in blocks(window, "background") if isinstance(b, Excerpt)]


def open_picker(window: MainWindow, qtbot) -> CitePicker:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.briefing.outline.setFocus()
    qtbot.keyClick(
        window.briefing.outline,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    picker = window.briefing.evidence.picker
    assert picker is not None and picker.isVisible()
    qtbot.waitUntil(picker.filter.hasFocus)  # typing filters at once
    return picker


def test_the_picker_cites_by_keyboard_as_one_undo_step_and_escape_changes_nothing(
    make_window, filled_archive, qtbot, no_dialogs
):
    window = open_window(make_window, qtbot)
    shells, satellite = two_quotes(window, qtbot)
    judgment = add_judgment(window)
    window.briefing.select(judgment.id)
    steps = window.session.undo_stack.count()

    picker = open_picker(window, qtbot)
    assert picker.list.count() == 2 and "Northern Wire" in picker.list.item(0).text()
    qtbot.keyClicks(picker.filter, "satellite")  # filter as you type
    assert [picker.list.item(r).isHidden() for r in range(2)] == [True, False]
    qtbot.keyClick(picker.filter, Qt.Key.Key_Escape)
    assert not picker.isVisible()
    assert judgment.cites == [] and window.session.undo_stack.count() == steps  # Cancel changed nothing

    picker = open_picker(window, qtbot)
    qtbot.keyClick(picker.filter, Qt.Key.Key_Down)  # into the list, on its first excerpt
    assert picker.list.hasFocus()
    qtbot.keyClick(picker.list, Qt.Key.Key_Space)  # check it
    qtbot.keyClick(picker.list, Qt.Key.Key_Down)
    qtbot.keyClick(picker.list, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)  # and this one
    assert picker.checked_ids() == [shells.id, satellite.id]
    qtbot.keyClick(picker.list, Qt.Key.Key_Return)
    assert not picker.isVisible()
    assert judgment.cites == [shells.id, satellite.id]
    assert window.session.undo_stack.count() == steps + 1
    assert unsourced(window, judgment.id)[0] == 0

    window.undo_action.trigger()
    assert judgment.cites == []
    window.redo_action.trigger()
    assert judgment.cites == [shells.id, satellite.id]

    picker = open_picker(window, qtbot)  # what it cites is checked; unchecking one drops it
    assert picker.checked_ids() == [shells.id, satellite.id]
    qtbot.keyClicks(picker.filter, "shells")
    qtbot.keyClick(picker.filter, Qt.Key.Key_Down)
    qtbot.keyClick(picker.list, Qt.Key.Key_Space)
    qtbot.keyClick(picker.list, Qt.Key.Key_Enter)
    assert judgment.cites == [satellite.id]


def test_enter_on_a_highlighted_excerpt_cites_it(make_window, filled_archive, qtbot, no_dialogs):
    window = open_window(make_window, qtbot)
    _, satellite = two_quotes(window, qtbot)
    judgment = add_judgment(window)
    window.briefing.select(judgment.id)
    picker = open_picker(window, qtbot)
    qtbot.keyClicks(picker.filter, "satel")
    qtbot.keyClick(picker.filter, Qt.Key.Key_Return)
    assert judgment.cites == [satellite.id]


# -- the block editor -------------------------------------------------------------------------------
def test_the_editor_lists_citations_with_source_and_state_and_removes_one_undoably(
    make_window, filled_archive, qtbot, no_dialogs
):
    window = open_window(make_window, qtbot)
    shells, satellite = two_quotes(window, qtbot)
    judgment = add_judgment(window)
    model = window.session.model
    assert model.set_cites(judgment.id, [shells.id, satellite.id], "Cite evidence")
    qtbot.waitUntil(lambda: all(model.check_of(e) is not None for e in (shells, satellite)), timeout=20_000)
    window.briefing.select(judgment.id)
    field = window.briefing.editor.cites
    assert field.isVisible() and field.cite_button.isVisible()
    rows = [field.list.item(r) for r in range(field.list.count())]
    assert ["Northern Wire" in row.text() for row in rows] == [True, True]
    assert all(
        "Quote verified against the archive" in row.data(Qt.ItemDataRole.AccessibleTextRole) for row in rows
    )
    assert not field.badge.isVisible()

    field.list.setCurrentRow(0)
    steps = window.session.undo_stack.count()
    field.remove_button.click()
    assert judgment.cites == [satellite.id] and field.cited_ids() == [satellite.id]
    assert window.session.undo_stack.count() == steps + 1
    qtbot.keyClick(field.list, Qt.Key.Key_Delete)  # the last one, from the keyboard
    assert judgment.cites == [] and field.badge.isVisible()
    assert "Cites no source" in field.empty.text()
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert judgment.cites == [shells.id, satellite.id] and field.cited_ids() == [shells.id, satellite.id]

    # A cited excerpt deleted from the briefing: named as gone, and the judgment is unsourced again.
    model.do(edits.RemoveBlock(shells.id))
    model.do(edits.RemoveBlock(satellite.id))
    assert "no longer in the briefing" in field.list.item(0).text()
    assert unsourced(window, judgment.id)[0] == 1
    field.cite_button.click()  # the editor's button opens the picker for this block
    picker = window.briefing.evidence.picker
    assert picker is not None and picker.block_id == judgment.id and not picker.cite_button.isEnabled()
    picker.reject()


# -- the export ---------------------------------------------------------------------------------------
def export(window: MainWindow, qtbot, out: Path) -> str:
    dialog = window.show_export_dialog()
    dialog.output.setText(str(out))
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.running)
    dialog.done(0)
    document = docx.Document(str(out))
    return "\n".join(p.text for p in document.paragraphs) + "\n".join(
        c.text for t in document.tables for row in t.rows for c in row.cells
    )


def test_the_export_uses_a_citation_made_in_the_window(
    make_window, filled_archive, qtbot, no_dialogs, monkeypatch, tmp_path
):
    monkeypatch.setattr(export_dialog, "open_folder", lambda folder: None)
    window = open_window(make_window, qtbot)
    model, outline = window.session.model, window.briefing.outline
    data = quote_in_reader(window, qtbot, "The leaders discussed artillery shells")
    assert model.dropMimeData(data, Qt.DropAction.CopyAction, -1, 0, model.index_of("background"))
    [excerpt] = blocks(window, "background")
    judgment = add_judgment(window)
    before = export(window, qtbot, tmp_path / "before.docx")
    assert "Key judgment(s) 1 cite no source" in before

    dragged = model.mimeData([model.index_of(excerpt.id)])  # the outline's excerpt, dragged onto it
    assert simulate_drop(outline.viewport(), row_centre(outline, judgment.id), dragged)
    after = export(window, qtbot, tmp_path / "after.docx")
    assert "cite no source" not in after
    assert "Key judgment(s) 1 rest on a single source" in after
    document = docx.Document(str(tmp_path / "after.docx"))
    [paragraph] = [p for p in document.paragraphs if JUDGMENT in p.text]
    assert paragraph._p.xpath(".//w:footnoteReference")  # the judgment carries its source's footnote


# -- the parts on their own ---------------------------------------------------------------------------
TEXT = "Ports on the Black Sea shipped more grain.\n\nTraders said prices fell."
DOC = Document(id="doc1", title="Grain", text=TEXT, text_hash="h1", source="Harbor Wire")


@pytest.fixture
def model(qapp, qtmodeltester) -> BriefingModel:
    briefing = templates.new_briefing(templates.load("assessment"))
    edits.add_block(briefing, "key-judgments", KeyJudgment("Exports grow.", id="kj"))
    model = BriefingModel(briefing, QUndoStack())
    qtmodeltester.check(model)
    return model


def test_only_excerpts_are_cited_and_only_by_blocks_that_cite(model: BriefingModel) -> None:
    quote = excerpt_from_span(DOC, 0, 5)
    model.do(edits.AddBlock("background", -1, quote))
    kj, excerpt_row = model.index_of("kj"), model.index_of(quote.id)
    copy = Qt.DropAction.CopyAction
    assert model.canDropMimeData(model.mimeData([excerpt_row]), copy, -1, 0, kj)
    assert not model.canDropMimeData(model.mimeData([model.index_of("background")]), copy, -1, 0, kj)
    assert not model.canDropMimeData(
        model.mimeData([kj]), copy, -1, 0, excerpt_row
    )  # an excerpt cites nothing
    assert not model.dropMimeData(model.mimeData([kj]), copy, -1, 0, excerpt_row)
    assert model.briefing.sections[0].blocks[0].cites == []  # type: ignore[union-attr]
    assert excerpts(model.briefing) == {quote.id: quote}
