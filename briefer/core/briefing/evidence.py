"""Citing evidence: which blocks cite excerpts, which rest on no source, and where a quote
brought in to be cited is kept.

A block cites excerpts of its own briefing by id (`cites`); the export footnotes their
sources and the Source Summary counts them.  The edit is `edits.SetCites`: everything
here only works out what it should be.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from briefer.core.briefing.citations import cites_no_source
from briefer.core.briefing.edits import AddBlock, Edit, SetCites
from briefer.core.briefing.model import (
    Briefing,
    BriefingError,
    BulletList,
    Excerpt,
    KeyJudgment,
    MatrixCell,
    Paragraph,
    Section,
    excerpts,
    find_block,
    get_block,
    walk_sections,
)

CitingBlock = KeyJudgment | Paragraph | MatrixCell | BulletList
# Sections whose blocks are the analyst's own prose: a quote may stand among them.
_PROSE_KINDS = ("text", "actor")


def can_cite(block: object) -> bool:
    """Whether `block` cites evidence (an excerpt is evidence: it cites its own source)."""
    return isinstance(block, KeyJudgment | Paragraph | MatrixCell | BulletList)


def unsourced_cells(section: Section, by_id: Mapping[str, Excerpt]) -> list[MatrixCell]:
    return [b for b in section.blocks if isinstance(b, MatrixCell) and cites_no_source(b, by_id)]


def cite_edits(
    briefing: Briefing, block_id: str, excerpt_ids: Iterable[str] = (), new: Sequence[Excerpt] = ()
) -> list[Edit]:
    """The edits that make block `block_id` also cite the briefing's excerpts `excerpt_ids` and
    the `new` excerpts (material from the archive, with ids free in the briefing), after what it
    cites already, each once: the new excerpts are added where `evidence_place` says, then one
    SetCites.  Empty when there is nothing to change.  Refused unless the block can cite and each
    id is an excerpt of the briefing.
    """
    block = _citing(briefing, block_id)
    known = excerpts(briefing)
    wanted = list(dict.fromkeys(excerpt_ids))
    unknown = [i for i in wanted if i not in known]
    if unknown:
        raise BriefingError(f"no excerpt {', '.join(unknown)} in this briefing to cite")
    cites = tuple(dict.fromkeys([*block.cites, *wanted, *(e.id for e in new)]))
    if cites == tuple(block.cites):
        return []
    section_id, index = evidence_place(briefing, block_id) if new else ("", -1)
    additions: list[Edit] = [
        AddBlock(section_id, index + i if index >= 0 else -1, excerpt) for i, excerpt in enumerate(new)
    ]
    return [*additions, SetCites(block.id, cites)]


def uncite_edit(briefing: Briefing, block_id: str, excerpt_id: str) -> SetCites:
    """The edit that takes one citation off block `block_id` (it may name an excerpt that is gone)."""
    block = _citing(briefing, block_id)
    if excerpt_id not in block.cites:
        raise BriefingError(f"the {block.kind.replace('_', ' ')} does not cite {excerpt_id}")
    return SetCites(block.id, tuple(c for c in block.cites if c != excerpt_id))


def _citing(briefing: Briefing, block_id: str) -> CitingBlock:
    block = get_block(briefing, block_id)
    if not isinstance(block, KeyJudgment | Paragraph | MatrixCell | BulletList):
        raise BriefingError(f"a {block.kind.replace('_', ' ')} cites no evidence: it is evidence")
    return block


def evidence_place(briefing: Briefing, block_id: str) -> tuple[str, int]:
    """Where a new quote that block `block_id` is to cite goes: (section id, block index; -1 = at
    the end).

    Beside prose (a paragraph in Analysis, an actor's paragraph): right after the block and the
    quotes already following it, so the quote reads as its support.  A matrix cell's quote goes
    to its actor's subsection; a key judgment's (or another block outside prose) to the first
    text section after its own (Background in the templates): quotes never land among the key
    judgments, in the source summary or the reference list.
    """
    section, index = find_block(briefing, block_id)
    block = section.blocks[index]
    if isinstance(block, MatrixCell):
        actor = next((s for s in section.sections if s.id == block.actor), None)
        return (actor.id, -1) if actor is not None else (section.id, -1)
    if section.kind in _PROSE_KINDS:
        after = index + 1
        while after < len(section.blocks) and isinstance(section.blocks[after], Excerpt):
            after += 1
        return section.id, after
    home = _first_text_section(briefing, after=section.id)
    return (home.id, -1) if home is not None else (section.id, index + 1)


def _first_text_section(briefing: Briefing, *, after: str) -> Section | None:
    """The first "text" section following section `after` in document order, else the first one."""
    ordered = [s for _, s in walk_sections(briefing)]
    start = next(i for i, s in enumerate(ordered) if s.id == after)
    for section in [*ordered[start + 1 :], *ordered[:start]]:
        if section.kind == "text":
            return section
    return None
