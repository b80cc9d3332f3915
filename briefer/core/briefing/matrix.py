"""The implications matrix: its cells by actor and domain, what a cell says, and the edits that set one.

An implications section with domains is a matrix: its subsections (the actors) are the rows,
its domains the columns, and a cell is a MatrixCell block of the section naming both.  The
window's matrix editor and the command line set a cell the same way: they say what the cell
should hold (`CellValues`) and `cell_edits` returns the edits that make it so, to be applied
as one step (nothing, a new cell, the cell's removal once everything is cleared, or just the
fields that change).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from briefer.core.briefing import edits
from briefer.core.briefing.model import (
    IMPACT_LEVELS,
    LIKELIHOOD_TERMS,
    PORTIONS,
    Briefing,
    BriefingError,
    Domain,
    MatrixCell,
    Section,
    UnknownName,
    excerpts,
    find_section,
    resolve_section,
    walk_sections,
)

# What the export prints in a cell nobody filled.
NO_IMPLICATION = "No significant near-term implication identified."


class CellState(Enum):
    EMPTY = "empty"  # nothing written: the export prints NO_IMPLICATION
    BOILERPLATE = "boilerplate"  # text that says no more than an empty cell (filler, a placeholder)
    FILLED = "filled"  # an implication


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w/]+", " ", text.casefold()).split())


_FILLER = {
    _plain(text)
    for text in (
        NO_IMPLICATION,
        "none",
        "n/a",
        "n a",
        "nil",
        "no implication",
        "no implications",
        "no significant implication",
        "no significant implications",
        "nothing significant",
        "no change",
        "tbd",
        "to be determined",
    )
}


def cell_state(cell: MatrixCell | None) -> CellState:
    """Whether a cell is empty, says nothing (filler, a placeholder, punctuation), or holds an implication."""
    if cell is None or not cell.text.strip():
        return CellState.EMPTY
    plain = _plain(cell.text)
    return CellState.BOILERPLATE if not plain or plain in _FILLER else CellState.FILLED


def is_matrix(section: Section) -> bool:
    return section.kind == "implications" and bool(section.domains)


def matrices(briefing: Briefing) -> list[Section]:
    return [s for _, s in walk_sections(briefing) if is_matrix(s)]


def find_cell(section: Section, actor_id: str, domain_id: str) -> MatrixCell | None:
    """The section's cell for that actor and domain (the first, should a file hold two)."""
    return next(
        (
            b
            for b in section.blocks
            if isinstance(b, MatrixCell) and b.actor == actor_id and b.domain == domain_id
        ),
        None,
    )


# -- naming a cell ------------------------------------------------------------------------
@dataclass(frozen=True)
class Slot:
    """Where a cell goes: an implications section, one of its actors and one of its domains."""

    section: Section
    actor: Section
    domain: Domain


def _same(ref: str, *names: str) -> bool:
    wanted = " ".join(ref.split()).casefold()
    return any(" ".join(name.split()).casefold() == wanted for name in names if name)


def find_slot(briefing: Briefing, actor: str, domain: str, section: str | None = None) -> Slot:
    """The cell an actor and a domain name (each by id or title, case-insensitive), in the
    implications section `section` (id or title) or in whichever matrix has that actor."""
    if section is not None:
        owner = resolve_section(briefing, section)
        if not is_matrix(owner):
            known = tuple((s.id, s.title) for s in matrices(briefing))
            raise UnknownName(f"section {owner.title!r} has no implications matrix", "matrix", section, known)
        candidates = [owner]
    else:
        candidates = matrices(briefing)
        if not candidates:
            raise UnknownName("this briefing has no implications matrix", "matrix", "", ())
    found = [(m, a) for m in candidates for a in m.sections if _same(actor, a.id, a.title, a.actor)]
    if not found:
        known = tuple((a.id, a.title) for m in candidates for a in m.sections)
        listed = ", ".join(f"{id_} ({title})" for id_, title in known) or "none"
        raise UnknownName(
            f"no actor {actor!r} in the implications matrix; actors: {listed}", "actor", actor, known
        )
    if len(found) > 1:
        where = "; ".join(f"{m.id} ({m.title})" for m, _ in found)
        raise BriefingError(f"actor {actor!r} is a row of {len(found)} implications matrices: {where}")
    owner, row = found[0]
    column = next((d for d in owner.domains if _same(domain, d.id, d.title)), None)
    if column is None:
        known = tuple((d.id, d.title) for d in owner.domains)
        listed = ", ".join(f"{id_} ({title})" for id_, title in known)
        raise UnknownName(
            f"no domain {domain!r} in the matrix of {owner.title!r}; domains: {listed}",
            "domain",
            domain,
            known,
        )
    return Slot(owner, row, column)


# -- setting a cell -------------------------------------------------------------------------
@dataclass(frozen=True)
class CellValues:
    """Everything a cell holds but its place."""

    text: str = ""
    impact: str | None = None  # H, M or L
    likelihood: str | None = None
    portion: str | None = "U"
    cites: tuple[str, ...] = ()  # ids of excerpts

    def is_empty(self) -> bool:
        """Nothing to keep: no text, no tag but the portion mark, no citation."""
        return not self.text.strip() and self.impact is None and self.likelihood is None and not self.cites


def values_of(cell: MatrixCell | None) -> CellValues:
    if cell is None:
        return CellValues()
    return CellValues(cell.text, cell.impact, cell.likelihood, cell.portion, tuple(cell.cites))


def _check(briefing: Briefing, values: CellValues, old: CellValues) -> None:
    for name, value, allowed in (
        ("impact", values.impact, IMPACT_LEVELS),
        ("likelihood", values.likelihood, LIKELIHOOD_TERMS),
        ("portion", values.portion, PORTIONS),
    ):
        if value is not None and value not in allowed:
            raise BriefingError(f"{name} must be one of {', '.join(allowed)} (got {value!r})")
    known = excerpts(briefing)
    unknown = [c for c in values.cites if c not in known and c not in old.cites]  # old ones may dangle
    if unknown:
        raise BriefingError(f"no excerpt {', '.join(map(repr, unknown))} in this briefing")


def cell_edits(
    briefing: Briefing, section_id: str, actor_id: str, domain_id: str, values: CellValues
) -> list[edits.Edit]:
    """The edits that make the cell (`actor_id` x `domain_id` of `section_id`) hold `values`.

    No cell yet: one AddBlock (none when `values` is empty).  A cell whose values are all
    cleared: its RemoveBlock.  Otherwise one edit per field that changes.  Refused values
    (an unknown tag value, an unknown excerpt) raise BriefingError before anything is done.
    """
    section = find_section(briefing, section_id)
    if actor_id not in {a.id for a in section.sections} or domain_id not in {d.id for d in section.domains}:
        raise BriefingError(f"{actor_id!r} x {domain_id!r} is not a cell of the matrix of {section.title!r}")
    cell = find_cell(section, actor_id, domain_id)
    values = CellValues(values.text.strip(), values.impact, values.likelihood, values.portion, values.cites)
    _check(briefing, values, values_of(cell))
    if cell is None:
        if values.is_empty():
            return []
        new = MatrixCell(
            actor_id,
            domain_id,
            values.text,
            values.impact,
            values.likelihood,
            values.portion,
            list(values.cites),
        )
        return [edits.AddBlock(section.id, -1, new)]
    if values.is_empty():
        return [edits.RemoveBlock(cell.id)]
    out: list[edits.Edit] = []
    if cell.text != values.text:
        out.append(edits.EditText(cell.id, values.text))
    for tag in ("impact", "likelihood", "portion"):
        if getattr(cell, tag) != getattr(values, tag):
            out.append(edits.Retag(cell.id, tag, getattr(values, tag)))
    if tuple(cell.cites) != values.cites:
        out.append(edits.SetCites(cell.id, values.cites))
    return out
