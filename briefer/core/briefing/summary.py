"""Drafting the Source Summary section from the citations, without ever overwriting the analyst.

A draft is a paragraph whose `drafted_sha256` is the SHA-256 of the text as
Briefer drafted it.  While the text still has that hash the analyst has not
touched it; once it differs, the text is theirs.  Re-drafting therefore:

- replaces an untouched draft (same block id, same portion mark);
- keeps an edited draft, or text the analyst wrote, and adds the new draft
  after it, saying so, so the two can be compared;
- adds the draft to an empty section.

The result is a list of ordinary edits (`edits.apply`), so the CLI saves them
and the GUI pushes them as one undo step.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from briefer.core.briefing import edits
from briefer.core.briefing.citations import source_summary
from briefer.core.briefing.excerpts import sha256_text
from briefer.core.briefing.model import Block, Briefing, BriefingError, Paragraph, Section, walk_sections
from briefer.core.briefing.verify import ClusterOf

SECTION_KIND = "source_summary"


def is_draft(block: Block) -> bool:
    return isinstance(block, Paragraph) and bool(block.drafted_sha256)


def untouched(block: Block) -> bool:
    """A draft whose text is still exactly what Briefer drafted."""
    return (
        isinstance(block, Paragraph)
        and bool(block.drafted_sha256)
        and (sha256_text(block.text) == block.drafted_sha256)
    )


def draft_text(
    briefing: Briefing, *, cluster_of: ClusterOf | None = None, missing: Collection[str] = ()
) -> str:
    return source_summary(briefing, missing, cluster_of=cluster_of)


def summary_section(briefing: Briefing, ref: str | None = None) -> Section:
    """The section named `ref` (id), else the briefing's first source summary section."""
    for _, section in walk_sections(briefing):
        if (ref is not None and section.id == ref) or (ref is None and section.kind == SECTION_KIND):
            return section
    if ref is not None:
        raise BriefingError(f"no section with id {ref!r}")
    raise BriefingError(
        "this briefing has no Source Summary section (a section of kind source_summary); "
        "add one or name a section"
    )


@dataclass
class Redraft:
    """What re-drafting will do: the edits, and a sentence saying what happened."""

    section_id: str
    text: str
    outcome: str  # added | replaced | unchanged | kept
    message: str
    edits: list[edits.Edit] = field(default_factory=list)
    block_id: str = ""  # the draft paragraph's id


def redraft(
    briefing: Briefing,
    section_id: str | None = None,
    *,
    cluster_of: ClusterOf | None = None,
    missing: Collection[str] = (),
) -> Redraft:
    """The edits that put a fresh draft into the source summary section (nothing is applied)."""
    section = summary_section(briefing, section_id)
    text = draft_text(briefing, cluster_of=cluster_of, missing=missing)
    digest = sha256_text(text)
    fresh = [b for b in section.blocks if untouched(b)]
    if fresh:
        old = fresh[0]
        assert isinstance(old, Paragraph)
        if old.text == text:
            return Redraft(
                section.id, text, "unchanged", "The source summary draft is up to date.", [], old.id
            )
        index = section.blocks.index(old)
        draft = Paragraph(text, portion=old.portion, cites=list(old.cites), id=old.id, drafted_sha256=digest)
        todo: list[edits.Edit] = [edits.RemoveBlock(old.id), edits.AddBlock(section.id, index, draft)]
        return Redraft(
            section.id,
            text,
            "replaced",
            "Re-drafted the source summary (the previous draft had not been edited).",
            todo,
            draft.id,
        )
    draft = Paragraph(text, drafted_sha256=digest)
    theirs = [b for b in section.blocks if isinstance(b, Paragraph)]
    if not section.blocks:
        return Redraft(
            section.id,
            text,
            "added",
            "Drafted the source summary from the citations; edit it as you see fit.",
            [edits.AddBlock(section.id, -1, draft)],
            draft.id,
        )
    after = section.blocks.index(theirs[-1]) + 1 if theirs else len(section.blocks)
    edited = any(is_draft(b) for b in theirs)
    what = "Your edited source summary was kept" if edited else "The section's text was kept"
    return Redraft(
        section.id,
        text,
        "kept",
        f"{what}; the new draft was added after it. Compare the two and delete the one you do not want.",
        [edits.AddBlock(section.id, after, draft)],
        draft.id,
    )
