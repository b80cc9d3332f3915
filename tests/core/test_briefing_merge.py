"""The three-way merge of a briefing by block and section id (briefer/core/briefing/merge.py)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as hs

from briefer.core.briefing import codec, edits, templates
from briefer.core.briefing.merge import Conflict, merge
from briefer.core.briefing.model import (
    Briefing,
    BriefingError,
    Paragraph,
    Section,
    find_section,
    get_block,
    walk_blocks,
    walk_sections,
)


def base_briefing() -> Briefing:
    briefing = templates.new_briefing(templates.load("assessment"), title="Base title")
    for n in range(3):
        edits.add_block(briefing, "analysis", Paragraph(f"Analysis {n}.", id=f"a{n}"))
    edits.add_block(briefing, "background", Paragraph("Background.", id="bg"))
    return briefing


def copies() -> tuple[Briefing, Briefing, Briefing]:
    base = base_briefing()
    return base, copy.deepcopy(base), copy.deepcopy(base)


def texts(briefing: Briefing, section: str = "analysis") -> list[str]:
    return [b.text for b in find_section(briefing, section).blocks if isinstance(b, Paragraph)]


def test_changes_on_either_side_are_all_kept_without_asking() -> None:
    base, ours, theirs = copies()
    edits.edit_text(ours, "a1", "Analysis 1, edited here.")
    edits.add_block(theirs, "analysis", Paragraph("Added in the file."))
    edits.remove_block(theirs, "bg")
    edits.apply(theirs, edits.SetMetadata("author", "The other analyst"))
    edits.apply(ours, edits.SetMetadata("title", "New title"))
    merged = merge(base, ours, theirs)
    assert merged.conflicts == []
    assert texts(merged.briefing) == [
        "Analysis 0.",
        "Analysis 1, edited here.",
        "Analysis 2.",
        "Added in the file.",
    ]
    assert texts(merged.briefing, "background") == []
    assert (merged.briefing.metadata.title, merged.briefing.metadata.author) == (
        "New title",
        "The other analyst",
    )
    assert merged.from_theirs == 3
    assert merge(base, ours, base).from_theirs == 0


def test_both_sides_adding_at_the_end_keep_both() -> None:
    base, ours, theirs = copies()
    edits.add_block(ours, "analysis", Paragraph("Mine."))
    edits.add_block(theirs, "analysis", Paragraph("Theirs."))
    merged = merge(base, ours, theirs)
    assert merged.conflicts == [] and texts(merged.briefing)[-2:] == ["Mine.", "Theirs."]


def test_the_same_block_changed_on_both_sides_is_a_conflict_settled_by_choice() -> None:
    base, ours, theirs = copies()
    edits.edit_text(ours, "a1", "Mine.")
    edits.edit_text(theirs, "a1", "Theirs.")
    edits.edit_text(theirs, "a2", "Only theirs.")
    merged = merge(base, ours, theirs)
    assert merged.conflicts == [
        Conflict(
            "block:a1", "the paragraph \u201cAnalysis 1.\u201d in \u201cAnalysis\u201d", "changed", "changed"
        )
    ]
    assert texts(merged.briefing)[1:] == ["Mine.", "Only theirs."]  # default: ours
    chosen = merge(base, ours, theirs, {"block:a1": "theirs"})
    assert texts(chosen.briefing)[1:] == ["Theirs.", "Only theirs."]
    assert merge(base, ours, theirs, default="theirs").conflicts == merged.conflicts


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    base, ours, theirs = copies()
    for side in (ours, theirs):
        edits.edit_text(side, "a0", "Same words.")
        edits.apply(side, edits.SetMetadata("title", "Same title"))
    merged = merge(base, ours, theirs)
    assert merged.conflicts == [] and texts(merged.briefing)[0] == "Same words."


def test_removed_on_one_side_changed_on_the_other_asks() -> None:
    base, ours, theirs = copies()
    edits.remove_block(ours, "a1")
    edits.edit_text(theirs, "a1", "Improved in the file.")
    merged = merge(base, ours, theirs)
    assert [(c.key, c.ours, c.theirs) for c in merged.conflicts] == [("block:a1", "removed", "changed")]
    assert texts(merged.briefing) == ["Analysis 0.", "Analysis 2."]
    kept = merge(base, ours, theirs, {"block:a1": "theirs"})
    assert texts(kept.briefing) == ["Analysis 0.", "Improved in the file.", "Analysis 2."]


def test_a_removed_section_that_the_other_side_added_to_is_one_conflict_on_the_section() -> None:
    base, ours, theirs = copies()
    edits.apply(ours, edits.RemoveSection("background"))
    edits.add_block(theirs, "background", Paragraph("New background.", id="nb"))
    merged = merge(base, ours, theirs)
    assert [(c.key, c.what, c.ours, c.theirs) for c in merged.conflicts] == [
        ("section:background", "the section \u201cBackground\u201d", "removed", "changed inside")
    ]
    assert "background" not in {s.id for _, s in walk_sections(merged.briefing)}
    kept = merge(base, ours, theirs, {"section:background": "theirs"})
    assert texts(kept.briefing, "background") == ["Background.", "New background."]


def test_an_untouched_section_removed_on_one_side_is_removed() -> None:
    base, ours, theirs = copies()
    edits.apply(theirs, edits.RemoveSection("background"))
    edits.edit_text(ours, "a0", "Elsewhere.")
    merged = merge(base, ours, theirs)
    assert merged.conflicts == [] and "background" not in {s.id for _, s in walk_sections(merged.briefing)}


def test_a_reorder_on_one_side_and_edits_on_the_other_both_stand() -> None:
    base, ours, theirs = copies()
    edits.move_block(theirs, "a2", "analysis", 0)
    edits.edit_text(ours, "a0", "Edited.")
    edits.add_block(ours, "analysis", Paragraph("Mine at the end."))
    merged = merge(base, ours, theirs)
    assert merged.conflicts == []
    assert texts(merged.briefing) == ["Analysis 2.", "Edited.", "Analysis 1.", "Mine at the end."]


def test_a_block_moved_on_one_side_and_edited_on_the_other_is_both() -> None:
    base, ours, theirs = copies()
    edits.move_block(ours, "a1", "background", 0)
    edits.edit_text(theirs, "a1", "Edited in the file.")
    merged = merge(base, ours, theirs)
    assert merged.conflicts == []
    assert texts(merged.briefing, "background") == ["Edited in the file.", "Background."]


def test_sections_moved_into_each_other_do_not_make_a_loop() -> None:
    base, ours, theirs = copies()
    edits.apply(ours, edits.MoveSection("background", "analysis", 0))
    edits.apply(theirs, edits.MoveSection("analysis", "background", 0))
    merged = merge(base, ours, theirs)
    ids = [s.id for _, s in walk_sections(merged.briefing)]
    assert sorted(ids) == sorted(s.id for _, s in walk_sections(base)) and len(ids) == len(set(ids))


def test_metadata_changed_on_both_sides_names_the_property() -> None:
    base, ours, theirs = copies()
    edits.apply(ours, edits.SetMetadata("title", "Ours"))
    edits.apply(theirs, edits.SetMetadata("title", "Theirs"))
    merged = merge(base, ours, theirs, {"field:metadata.title": "theirs"})
    assert [(c.key, c.what) for c in merged.conflicts] == [("field:metadata.title", "the title")]
    assert merged.briefing.metadata.title == "Theirs"


# -- any edits on two sides ------------------------------------------------------------------------
EDIT_KINDS = ["add", "edit", "remove", "move", "add_section", "remove_section", "title"]


def apply_random_edit(briefing: Briefing, draw: Any, tag: str) -> None:
    blocks = [b.id for _, b in walk_blocks(briefing)]
    sections = [s.id for _, s in walk_sections(briefing)]
    kind = draw(hs.sampled_from(EDIT_KINDS))
    try:
        if kind == "add" and sections:
            edits.add_block(
                briefing, draw(hs.sampled_from(sections)), Paragraph(f"{tag} added"), draw(hs.integers(-1, 4))
            )
        elif kind == "edit" and blocks:
            edits.edit_text(briefing, draw(hs.sampled_from(blocks)), f"{tag} edited")
        elif kind == "remove" and blocks:
            edits.remove_block(briefing, draw(hs.sampled_from(blocks)))
        elif kind == "move" and blocks and sections:
            edits.move_block(
                briefing,
                draw(hs.sampled_from(blocks)),
                draw(hs.sampled_from(sections)),
                draw(hs.integers(0, 3)),
            )
        elif kind == "add_section":
            parent = draw(hs.sampled_from([None, *sections]))
            edits.apply(briefing, edits.AddSection(parent, -1, Section(f"{tag} section")))
        elif kind == "remove_section" and sections:
            edits.apply(briefing, edits.RemoveSection(draw(hs.sampled_from(sections))))
        elif kind == "title":
            edits.apply(briefing, edits.SetMetadata("title", f"{tag} title"))
    except BriefingError:
        pass  # e.g. a section moved into itself: the edit is refused, the briefing unchanged


def edited(base: Briefing, side: Briefing) -> set[str]:
    """Blocks of `base` whose text `side` changed (and kept)."""
    before = {b.id: b for _, b in walk_blocks(base)}
    return {b.id for _, b in walk_blocks(side) if b.id in before and b.text != before[b.id].text}  # type: ignore[union-attr]


@settings(max_examples=150, deadline=None)
@given(hs.data())
def test_any_two_edit_histories_merge_into_a_valid_briefing_that_keeps_one_sided_changes(data: Any) -> None:
    base, ours, theirs = copies()
    for _ in range(data.draw(hs.integers(0, 6))):
        apply_random_edit(ours, data.draw, "ours")
    for _ in range(data.draw(hs.integers(0, 6))):
        apply_random_edit(theirs, data.draw, "theirs")
    for default in ("ours", "theirs"):
        merged = merge(base, ours, theirs, default=default)  # type: ignore[arg-type]
        result = codec.from_dict(codec.to_dict(merged.briefing))  # valid: unique ids, every field
        assert codec.to_dict(result) == codec.to_dict(merged.briefing)
        if not merged.conflicts:  # nothing asked: every block added on either side is there
            added = {b.id for side in (ours, theirs) for _, b in walk_blocks(side)} - {
                b.id for _, b in walk_blocks(base)
            }
            kept = {b.id for _, b in walk_blocks(merged.briefing)}
            assert added <= kept
            for side, other in ((ours, theirs), (theirs, ours)):  # ...and every one-sided edit
                for block_id in edited(base, side) - edited(base, other):
                    assert get_block(merged.briefing, block_id).text == get_block(side, block_id).text  # type: ignore[union-attr]
    assert merge(base, ours, ours).conflicts == []
    assert codec.to_dict(merge(base, ours, base).briefing) == codec.to_dict(ours)
    assert codec.to_dict(merge(base, base, theirs).briefing) == codec.to_dict(theirs)
    assert get_block(merge(base, base, base).briefing, "a0").id == "a0"
