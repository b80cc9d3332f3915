"""The outline model: drops and moves become undo commands; Qt never removes rows on its own."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QUndoStack

from briefer.core.briefing import edits, templates
from briefer.core.briefing.excerpts import excerpt_from_span
from briefer.core.briefing.model import Briefing, Excerpt, Paragraph, Section
from briefer.core.documents import Document
from briefer.gui import mime
from briefer.gui.briefing.model import BriefingModel

TEXT = "Ports on the Black Sea shipped more grain.\n\nTraders said prices fell.\n\nA third paragraph."
DOC = Document(id="doc1", title="Grain", text=TEXT, text_hash="h1", source="Harbor Wire")


def quote(word: str) -> Excerpt:
    start = TEXT.index(word)
    return excerpt_from_span(DOC, start, start + len(word))


@pytest.fixture
def stack(qapp) -> QUndoStack:
    return QUndoStack()


@pytest.fixture
def model(stack, qtmodeltester) -> BriefingModel:
    briefing = templates.new_briefing(templates.load("assessment"))
    model = BriefingModel(briefing, stack)
    qtmodeltester.check(model)  # and it keeps checking every change below
    return model


def section_index(model: BriefingModel, section_id: str) -> QModelIndex:
    index = model.index_of(section_id)
    assert index.isValid()
    return index


def titles(model: BriefingModel, parent: QModelIndex) -> list[str]:
    return [model.index(row, 0, parent).data() for row in range(model.rowCount(parent))]


def drop(model: BriefingModel, data, row: int, parent: QModelIndex) -> bool:
    action = Qt.DropAction.CopyAction
    assert model.canDropMimeData(data, action, row, 0, parent)
    return model.dropMimeData(data, action, row, 0, parent)


def test_an_excerpt_dropped_on_a_section_is_one_undo_step(model, stack):
    background = section_index(model, "background")
    assert drop(model, mime.excerpts_to_mime([quote("Traders said prices fell.")]), -1, background)
    [label] = titles(model, background)
    assert "Traders said prices fell." in label and "Harbor Wire" in label
    block = model.node(model.index(0, 0, background))
    assert isinstance(block, Excerpt) and block.quote == TEXT[block.start : block.end]
    assert stack.count() == 1
    stack.undo()
    assert titles(model, background) == []
    stack.redo()
    assert model.rowCount(background) == 1


def test_excerpts_go_between_rows_and_never_on_a_block(model):
    analysis = section_index(model, "analysis")
    drop(model, mime.excerpts_to_mime([quote("Ports"), quote("third")]), -1, analysis)
    drop(model, mime.excerpts_to_mime([quote("Traders")]), 1, analysis)
    quotes = [model.node(model.index(r, 0, analysis)).quote for r in range(3)]  # type: ignore[union-attr]
    assert quotes == ["Ports", "Traders", "third"]
    block = model.index(0, 0, analysis)
    data = mime.excerpts_to_mime([quote("Ports")])
    assert not model.canDropMimeData(data, Qt.DropAction.CopyAction, -1, 0, block)
    assert not model.canDropMimeData(data, Qt.DropAction.CopyAction, 0, 0, QModelIndex())  # top level


def test_moving_blocks_within_and_across_sections_undoes_as_one_step(model, stack):
    analysis, background = section_index(model, "analysis"), section_index(model, "background")
    drop(model, mime.excerpts_to_mime([quote(w) for w in ("Ports", "Traders", "third")]), -1, analysis)
    before = titles(model, analysis)
    first_two = model.mimeData([model.index(0, 0, analysis), model.index(1, 0, analysis)])
    count = stack.count()
    assert drop(model, first_two, 3, analysis)  # to the end of the same section
    assert titles(model, analysis) == [before[2], before[0], before[1]]
    assert stack.count() == count + 1
    stack.undo()
    assert titles(model, analysis) == before
    assert drop(model, model.mimeData([model.index(2, 0, analysis)]), -1, background)
    assert titles(model, background) == [before[2]]
    assert titles(model, analysis) == before[:2]
    stack.undo()
    assert titles(model, analysis) == before and titles(model, background) == []


def test_sections_move_but_never_into_themselves(model, stack):
    implications = section_index(model, "implications")
    japan = model.index_of("japan")
    data = model.mimeData([implications])
    assert not model.canDropMimeData(data, Qt.DropAction.CopyAction, -1, 0, japan)
    assert not model.canDropMimeData(data, Qt.DropAction.CopyAction, -1, 0, implications)
    top = [s.id for s in model.briefing.sections]
    assert drop(model, data, 0, QModelIndex())
    assert model.briefing.sections[0].id == "implications"
    stack.undo()
    assert [s.id for s in model.briefing.sections] == top
    assert drop(model, model.mimeData([japan]), -1, section_index(model, "analysis"))
    assert model.briefing.sections[top.index("analysis")].sections[0].id == "japan"
    stack.undo()
    assert model.node(model.index_of("japan")) is not None
    assert model.parent_section("japan").id == "implications"  # type: ignore[union-attr]


def test_drags_only_copy_so_qt_never_removes_rows_itself(model):
    assert model.supportedDragActions() == Qt.DropAction.CopyAction
    assert not model.removeRows(0, 1, QModelIndex())


def test_material_from_another_briefing_is_copied_with_free_ids(model, stack):
    other = Briefing(sections=[Section("Elsewhere", blocks=[Paragraph("We assess", id="p-1")])])
    data = mime.nodes_to_mime(other.id, other.sections[0].blocks)
    analysis = section_index(model, "analysis")
    assert drop(model, data, -1, analysis)
    assert drop(model, data, -1, analysis)  # the id is taken now: the second copy gets a fresh one
    ids = [model.node(model.index(r, 0, analysis)).id for r in range(2)]  # type: ignore[union-attr]
    assert ids[0] == "p-1" and ids[1] != "p-1"
    assert "We assess" in data.text()


def test_refused_edits_never_reach_the_undo_stack(model, stack):
    refused: list[str] = []
    model.refused.connect(refused.append)
    assert not model.do(edits.RemoveBlock("no-such-block"))
    assert not model.do(edits.AddBlock("analysis", 99, Paragraph("x")))
    assert stack.count() == 0 and len(refused) == 2


def test_typing_merges_into_one_undo_step(model, stack):
    paragraph = Paragraph("")
    model.do(edits.AddBlock("analysis", -1, paragraph))
    for text in ("W", "We", "We assess"):
        model.do(edits.EditText(paragraph.id, text))
    assert stack.count() == 2
    stack.undo()
    assert paragraph.text == ""
    stack.redo()
    assert paragraph.text == "We assess"
