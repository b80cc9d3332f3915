"""Add Key Judgment (Ctrl+Shift+K) puts the judgment under Key Judgments, whatever is selected: after the
selected judgment, else at the section's end."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QKeySequence, QUndoStack

from briefer.core.briefing import edits, templates
from briefer.core.briefing.model import Briefing, KeyJudgment, Paragraph, Section
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.briefing.outline_actions import OutlineActions
from briefer.gui.briefing.outline_view import OutlineView


@pytest.fixture
def model(qapp) -> BriefingModel:
    briefing = templates.new_briefing(templates.load("assessment"), title="Summit")
    for text in ("first", "second"):
        edits.add_block(briefing, "key-judgments", KeyJudgment(f"We assess the {text}.", id=text))
    edits.add_block(briefing, "analysis", Paragraph("Shells went east.", id="para"))
    return BriefingModel(briefing, QUndoStack())


@pytest.fixture
def actions(qtbot, model: BriefingModel) -> OutlineActions:
    view = OutlineView(model)
    qtbot.addWidget(view)
    return OutlineActions(model, view)


def add_judgment_with(actions: OutlineActions, selected: str) -> tuple[str, list[str]]:
    """Select `selected`, press Add Key Judgment; the new judgment's id and the section's block ids."""
    actions.outline.select(selected)
    actions.add_judgment_action.trigger()
    new = actions.outline.current_node()
    assert isinstance(new, KeyJudgment) and new.text == ""  # selected, its text to be typed next
    home = actions.model.node_by_id("key-judgments")
    assert isinstance(home, Section)
    return new.id, [b.id for b in home.blocks]


@pytest.mark.parametrize("selected", ["japan", "implications", "para", "key-judgments", "second"])
def test_a_judgment_goes_to_the_end_of_key_judgments_from_anywhere_else(
    actions: OutlineActions, selected: str
) -> None:
    new, order = add_judgment_with(actions, selected)
    assert order == ["first", "second", new]
    japan = actions.model.node_by_id("japan")
    assert isinstance(japan, Section) and japan.blocks == []  # not inside the selected actor section
    actions.model.undo_stack.undo()  # one undo step
    assert [b.id for b in actions.model.briefing.sections[0].blocks] == ["first", "second"]


def test_a_judgment_goes_after_the_selected_judgment(actions: OutlineActions) -> None:
    new, order = add_judgment_with(actions, "first")
    assert order == ["first", new, "second"]
    assert actions.add_judgment_action.shortcut() == QKeySequence("Ctrl+Shift+K")


def test_without_a_key_judgments_section_it_goes_where_other_blocks_go(qtbot) -> None:
    briefing = Briefing(sections=[Section("Assessment", id="assessment")])
    model = BriefingModel(briefing, QUndoStack())
    view = OutlineView(model)
    qtbot.addWidget(view)
    actions = OutlineActions(model, view)
    view.select("assessment")
    actions.add_judgment()
    [judgment] = briefing.sections[0].blocks
    assert isinstance(judgment, KeyJudgment)
