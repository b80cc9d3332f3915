"""The implications matrix in the core: what a cell says, and the edits that set one (the window and the CLI
both use them)."""

from __future__ import annotations

import copy

import pytest

from briefer.core.briefing import codec, edits, templates
from briefer.core.briefing.excerpts import excerpt_from_span
from briefer.core.briefing.matrix import (
    CellState,
    CellValues,
    cell_edits,
    cell_state,
    find_cell,
    values_of,
)
from briefer.core.briefing.model import Briefing, BriefingError, MatrixCell, find_section
from briefer.core.documents import Document

STATES = {
    "": CellState.EMPTY,
    "   ": CellState.EMPTY,
    "No significant near-term implication identified.": CellState.BOILERPLATE,
    "  no significant near term implication identified  ": CellState.BOILERPLATE,
    "N/A": CellState.BOILERPLATE,
    "None.": CellState.BOILERPLATE,
    "TBD": CellState.BOILERPLATE,
    "\u2014": CellState.BOILERPLATE,
    "...": CellState.BOILERPLATE,
    "None of the allies will change course.": CellState.FILLED,
    "More patrols near the Kurils": CellState.FILLED,
}


@pytest.mark.parametrize(("text", "state"), STATES.items())
def test_a_cell_is_empty_boilerplate_or_filled(text: str, state: CellState) -> None:
    assert cell_state(MatrixCell("japan", "military", text)) is state
    assert cell_state(None) is CellState.EMPTY


@pytest.fixture
def briefing() -> Briefing:
    briefing = templates.new_briefing(templates.load("assessment"))
    doc = Document(id="d1", title="t", text="Ports shipped more grain.", text_hash="h1", source="Wire")
    edits.add_block(briefing, "background", excerpt_from_span(doc, 0, 5))
    return briefing


def apply_all(briefing: Briefing, todo: list[edits.Edit]) -> list[edits.Edit]:
    return [edits.apply(briefing, edit) for edit in todo]


def test_setting_a_cell_adds_changes_or_removes_it_and_undoes_exactly(briefing: Briefing) -> None:
    [excerpt] = find_section(briefing, "background").blocks
    original = codec.dumps(briefing)
    section = find_section(briefing, "implications")
    wanted = CellValues("  Closer watch  ", "H", "likely", "CUI", (excerpt.id,))
    [add] = cell_edits(briefing, "implications", "japan", "military", wanted)
    assert isinstance(add, edits.AddBlock)
    inverses = apply_all(briefing, [add])
    cell = find_cell(section, "japan", "military")
    assert values_of(cell) == CellValues("Closer watch", "H", "likely", "CUI", (excerpt.id,))

    changed = CellValues("Closer watch", None, "likely", "U", ())
    todo = cell_edits(briefing, "implications", "japan", "military", changed)
    assert [type(e) for e in todo] == [edits.Retag, edits.Retag, edits.SetCites]  # only what changes
    inverses += apply_all(briefing, todo)
    assert values_of(find_cell(section, "japan", "military")) == changed

    [remove] = cell_edits(briefing, "implications", "japan", "military", CellValues(portion="U"))
    assert isinstance(remove, edits.RemoveBlock)
    inverses += apply_all(briefing, [remove])
    for inverse in reversed(inverses):
        edits.apply(briefing, inverse)
    assert codec.dumps(briefing) == original
    assert cell_edits(briefing, "implications", "japan", "military", CellValues()) == []


@pytest.mark.parametrize(
    ("actor", "domain", "values", "refusal"),
    [
        ("japan", "military", CellValues("x", impact="X"), "impact must be one of H, M, L"),
        ("japan", "military", CellValues("x", likelihood="maybe"), "likelihood must be one of"),
        ("japan", "military", CellValues("x", portion="SECRET"), "portion must be one of U, CUI"),
        ("japan", "military", CellValues("x", cites=("nope",)), "no excerpt 'nope' in this briefing"),
        ("germany", "military", CellValues("x"), "'germany' x 'military' is not a cell of the matrix"),
    ],
)
def test_refused_values_change_nothing(
    briefing: Briefing, actor: str, domain: str, values: CellValues, refusal: str
) -> None:
    before = copy.deepcopy(briefing)
    with pytest.raises(BriefingError, match=refusal):
        cell_edits(briefing, "implications", actor, domain, values)
    assert briefing == before
