"""Each briefing edit says what it changed: which node went in, out or elsewhere, and where.

A view of the briefing (the outline) follows these reports instead of working the
change out for itself, so a report must be exact: replaying the reports on a copy of
the structure gives the briefing's structure after any sequence of edits.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from briefer.core.briefing import edits, templates
from briefer.core.briefing.excerpts import excerpt_from_span
from briefer.core.briefing.model import (
    Briefing,
    BriefingError,
    KeyJudgment,
    MatrixCell,
    Paragraph,
    Section,
    walk_sections,
)
from briefer.core.documents import Document

DOC = Document(id="doc1", title="Grain", text="Ports shipped more grain.", text_hash="h1", source="Wire")


def briefing() -> Briefing:
    """The assessment template with three paragraphs in Analysis and a matrix cell in Implications."""
    b = templates.new_briefing(templates.load("assessment"), title="T")
    for name in ("p1", "p2", "p3"):
        edits.add_block(b, "analysis", Paragraph(name, id=name))
    edits.add_block(b, "implications", MatrixCell("japan", "military", "Patrols", id="cell"))
    edits.add_block(b, "background", excerpt_from_span(DOC, 0, 5))
    return b


Structure = dict[tuple[str | None, str], list[str]]


def structure(b: Briefing) -> Structure:
    """Every list that places a node, by (owner section id or None, "blocks"/"sections")."""
    out: Structure = {(None, "sections"): [s.id for s in b.sections]}
    for _, section in walk_sections(b):
        out[(section.id, "blocks")] = [block.id for block in section.blocks]
        out[(section.id, "sections")] = [s.id for s in section.sections]
    return out


def replay(copy: Structure, changes: tuple[edits.Change, ...], b: Briefing) -> None:
    """Follow reported changes on `copy`, knowing nothing else about the edit that made them."""
    for change in changes:
        match change:
            case edits.Inserted():
                copy[(change.parent_id, change.place)].insert(change.index, change.node_id)
                if change.place == "sections":  # a section arrives with everything inside it
                    inside = {
                        s.id for _, s in walk_sections(Briefing(sections=[_section(b, change.node_id)]))
                    }
                    copy.update({k: v for k, v in structure(b).items() if k[0] in inside})
            case edits.Removed():
                assert copy[(change.parent_id, change.place)].pop(change.index) == change.node_id
            case edits.Moved():
                taken = copy[(change.from_parent, change.place)].pop(change.from_index)
                assert taken == change.node_id
                copy[(change.to_parent, change.place)].insert(change.to_index, taken)


def listed(copy: Structure) -> Structure:
    """The lists still reachable from the top (a removed section's own lists are left behind)."""
    out: Structure = {}

    def visit(owner: str | None) -> None:
        out[(owner, "sections")] = copy[(owner, "sections")]
        if owner is not None:
            out[(owner, "blocks")] = copy[(owner, "blocks")]
        for child in copy[(owner, "sections")]:
            visit(child)

    visit(None)
    return out


@pytest.mark.parametrize(
    ("edit", "report"),
    [
        (
            edits.AddBlock("analysis", 1, Paragraph("new", id="new")),
            edits.Inserted("new", "analysis", "blocks", 1),
        ),
        (
            edits.AddBlock("analysis", -1, Paragraph("new", id="new")),
            edits.Inserted("new", "analysis", "blocks", 3),
        ),
        (edits.RemoveBlock("p2"), edits.Removed("p2", "analysis", "blocks", 1)),
        (edits.MoveBlock("p1", "analysis", 2), edits.Moved("p1", "blocks", "analysis", 0, "analysis", 2)),
        (edits.MoveBlock("p3", "japan", 0), edits.Moved("p3", "blocks", "analysis", 2, "japan", 0)),
        (
            edits.AddSection("implications", 1, Section("Australia", id="au")),
            edits.Inserted("au", "implications", "sections", 1),
        ),
        (
            edits.AddSection(None, -1, Section("Annex", id="annex")),
            edits.Inserted("annex", None, "sections", 8),
        ),
        (edits.RemoveSection("japan"), edits.Removed("japan", "implications", "sections", 2)),
        (edits.MoveSection("sources", None, 0), edits.Moved("sources", "sections", None, 7, None, 0)),
        (
            edits.MoveSection("japan", "analysis", 0),
            edits.Moved("japan", "sections", "implications", 2, "analysis", 0),
        ),
        (edits.EditText("p1", "We assess"), edits.Changed("p1", ("text",))),
        (edits.EditText("cell", "More patrols"), edits.Changed("cell", ("text",))),
        (edits.Retag("p1", "portion", "CUI"), edits.Changed("p1", ("portion",))),
        (edits.SetCites("p1", ("x",)), edits.Changed("p1", ("cites",))),
        (edits.RenameSection("analysis", "Assessment"), edits.Changed("analysis", ("title",))),
        (edits.SetMetadata("title", "Grain"), edits.MetadataChanged("title")),
    ],
    ids=lambda value: type(value).__name__,
)
def test_each_edit_reports_the_one_thing_it_changed(edit: edits.Edit, report: edits.Change) -> None:
    b = briefing()
    before = structure(b)
    applied = edits.perform(b, edit)
    assert applied.changes == (report,)
    copy = {key: list(ids) for key, ids in before.items()}
    replay(copy, applied.changes, b)
    assert listed(copy) == structure(b)
    undone = edits.perform(b, applied.inverse)  # the undo reports the way back
    replay(copy, undone.changes, b)
    assert listed(copy) == structure(b) == before


def test_citation_and_span_edits_report_the_excerpt() -> None:
    b = briefing()
    excerpt = b.sections[2].blocks[0]
    fixed = edits.perform(b, edits.SetCitation(excerpt.id, (("author", "M. Park"),)))
    assert fixed.changes == (edits.Changed(excerpt.id, ("citation",)),)
    comment = edits.perform(b, edits.EditText(excerpt.id, "a note"))
    assert comment.changes == (edits.Changed(excerpt.id, ("comment",)),)
    moved = edits.perform(b, edits.UpdateSpan(excerpt.id, 10, 15, None, "h2"))
    assert moved.changes == (edits.Changed(excerpt.id, ("start", "end", "page", "citation")),)


def test_a_move_to_where_the_node_already_is_reports_nothing() -> None:
    b = briefing()
    before = structure(b)
    assert edits.perform(b, edits.MoveBlock("p2", "analysis", 1)).changes == ()
    assert edits.perform(b, edits.MoveSection("analysis", None, 3)).changes == ()
    assert structure(b) == before


def test_a_refused_edit_reports_nothing_because_it_raises_before_changing_anything() -> None:
    b = briefing()
    before = structure(b)
    with pytest.raises(BriefingError):
        edits.perform(b, edits.MoveSection("implications", "japan", 0))
    assert structure(b) == before


def test_apply_is_perform_without_the_report() -> None:
    b, other = briefing(), briefing()
    when = datetime(2024, 6, 24, tzinfo=UTC)
    inverse = edits.apply(b, edits.SetMetadata("date", when))
    assert inverse == edits.perform(other, edits.SetMetadata("date", when)).inverse


@hs.composite
def _edit_for(draw: hs.DrawFn, b: Briefing) -> edits.Edit:
    sections = [s.id for _, s in walk_sections(b)]
    blocks = [blk.id for _, s in walk_sections(b) for blk in s.blocks]
    kind = draw(hs.sampled_from(["add", "remove", "move", "add section", "remove section", "move section"]))
    if kind == "add" or (not blocks and kind in ("remove", "move")):
        section = draw(hs.sampled_from(sections))
        index = draw(hs.integers(-1, len(_section(b, section).blocks)))
        return edits.AddBlock(section, index, draw(hs.sampled_from([Paragraph("x"), KeyJudgment("y")])))
    if kind == "remove":
        return edits.RemoveBlock(draw(hs.sampled_from(blocks)))
    if kind == "move":
        target = draw(hs.sampled_from(sections))
        return edits.MoveBlock(draw(hs.sampled_from(blocks)), target, draw(hs.integers(-1, 4)))
    parent = draw(hs.sampled_from([None, *sections]))
    if kind == "add section":
        return edits.AddSection(parent, draw(hs.integers(-1, 2)), Section("New", blocks=[Paragraph("in")]))
    if kind == "remove section":
        return edits.RemoveSection(draw(hs.sampled_from(sections)))
    return edits.MoveSection(draw(hs.sampled_from(sections)), parent, draw(hs.integers(-1, 3)))


def _section(b: Briefing, section_id: str) -> Section:
    return next(s for _, s in walk_sections(b) if s.id == section_id)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hs.data())
def test_replaying_the_reports_of_any_edits_gives_the_briefings_structure(data: hs.DataObject) -> None:
    b = briefing()
    copy = structure(b)
    for _ in range(data.draw(hs.integers(1, 15))):
        edit = data.draw(_edit_for(b))
        try:
            applied = edits.perform(b, edit)
        except BriefingError:
            continue
        assert len(applied.changes) <= 1
        replay(copy, applied.changes, b)
        assert listed(copy) == structure(b)
