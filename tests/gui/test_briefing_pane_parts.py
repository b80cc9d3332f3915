"""The briefing pane's parts work on their own: each is given the model (and the outline), and
the pane only composes them."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QUndoStack

from briefer.core.briefing import edits, templates
from briefer.core.briefing.excerpts import excerpt_from_span
from briefer.core.briefing.model import Paragraph, Section
from briefer.core.documents import Document
from briefer.gui.briefing.editor_host import EditorHost
from briefer.gui.briefing.heading import BriefingHeading
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.briefing.outline_actions import OutlineActions
from briefer.gui.briefing.outline_view import OutlineView


@pytest.fixture
def model(qapp) -> BriefingModel:
    briefing = templates.new_briefing(templates.load("assessment"), title="Grain exports")
    for text in ("First", "Second"):
        edits.add_block(briefing, "analysis", Paragraph(text, id=text.lower()))
    return BriefingModel(briefing, QUndoStack())


@pytest.fixture
def outline(qtbot, model: BriefingModel) -> OutlineView:
    view = OutlineView(model)
    qtbot.addWidget(view)
    return view


def children(model: BriefingModel, section_id: str) -> list[str]:
    section = model.node_by_id(section_id)
    assert isinstance(section, Section)
    return [node.id for node in model.outline_children(section)]


def test_outline_actions_edit_the_selection_and_keep_it_on_what_they_moved(
    model: BriefingModel, outline: OutlineView
) -> None:
    actions = OutlineActions(model, outline)
    added: list[str] = []
    actions.block_added.connect(added.append)
    outline.select("first")
    assert actions.delete_action.isEnabled() and not actions.rename_action.isEnabled()
    actions.add_paragraph()
    assert children(model, "analysis") == ["first", added[0], "second"]
    assert outline.current_node() is model.node_by_id(added[0])  # the new block is selected
    actions.move_down()
    assert children(model, "analysis") == ["first", "second", added[0]]
    assert outline.current_node() is model.node_by_id(added[0])  # the selection followed the move
    outline.select("second")
    actions.cut()
    assert children(model, "analysis") == ["first", added[0]]
    model.undo_stack.undo()
    model.undo_stack.undo()
    assert children(model, "analysis") == ["first", added[0], "second"]


def test_added_excerpts_are_selected_and_their_section_offered_next(
    model: BriefingModel, outline: OutlineView
) -> None:
    actions = OutlineActions(model, outline)
    messages: list[str] = []
    actions.message.connect(messages.append)
    doc = Document(id="d1", title="Ports", text="Ports shipped more grain.", text_hash="h1", source="Wire")
    quotes = [excerpt_from_span(doc, 0, 5), excerpt_from_span(doc, 6, 13)]
    assert actions.add_excerpts(quotes, "background")
    current = outline.current_node()
    assert current is not None and current.id == quotes[0].id and actions.last_section == "background"
    assert messages == ["Added to \u201cBackground\u201d"]
    assert model.undo_stack.count() == 1


def test_the_heading_follows_the_title_and_the_editor_host_the_selection(
    qtbot, model: BriefingModel, outline: OutlineView
) -> None:
    heading = BriefingHeading(model)
    qtbot.addWidget(heading)
    requested: list[bool] = []
    heading.properties_requested.connect(lambda: requested.append(True))
    model.do(edits.SetMetadata("title", "Grain & ports"))
    assert "Grain &amp; ports" in heading.text() and "0 excerpts" in heading.text()
    heading.linkActivated.emit("properties")
    assert requested == [True]
    host = EditorHost(model)
    qtbot.addWidget(host)
    host.show_node(model.node_by_id("implications"))
    assert host.currentWidget() is host.matrix
    host.show_node(model.node_by_id("first"))
    assert host.currentWidget() is host.editor
