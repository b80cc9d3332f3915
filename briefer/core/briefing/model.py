"""The briefing: metadata plus a tree of sections that hold typed blocks.

Everything is addressed by id, never by position, so edits can be replayed for
undo/redo and carried in drag payloads.  The edits themselves live in
`edits.py`; this module holds the data and the read-only queries over it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formataddr
from typing import ClassVar

from briefer.core.documents import ArchiveIdentity
from briefer.core.errors import BrieferError

# ICD 203's likelihood vocabulary, in increasing order, with its probability bands.
LIKELIHOOD_BANDS: dict[str, str] = {
    "almost no chance": "01-05%",
    "very unlikely": "05-20%",
    "unlikely": "20-45%",
    "roughly even chance": "45-55%",
    "likely": "55-80%",
    "very likely": "80-95%",
    "almost certain": "95-99%",
}
LIKELIHOOD_TERMS = tuple(LIKELIHOOD_BANDS)
CONFIDENCE_LEVELS = ("low", "moderate", "high")
IMPACT_LEVELS = ("H", "M", "L")
PORTIONS = ("U", "CUI")  # unclassified open-source work only: no classified marks


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def slug(text: str) -> str:
    """A readable id made from a title: "NATO and European allies" -> "nato-and-european-allies"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "section"


class BriefingError(BrieferError, ValueError):
    """A request the briefing cannot satisfy (unknown id, bad value); nothing was changed."""


class UnknownName(BriefingError):
    """A section, matrix actor or matrix domain that the briefing does not have.

    The message states the fact; `what` ("section", "actor", "domain"), `ref` (the name
    asked for) and `known` (the `(id, title)` pairs there are) let a front end word it.
    """

    def __init__(self, message: str, what: str, ref: str, known: tuple[tuple[str, str], ...]) -> None:
        super().__init__(message)
        self.what = what
        self.ref = ref
        self.known = known


@dataclass(frozen=True)
class Citation:
    """What the archive said about a source when it was quoted.

    Kept in the briefing so the briefing can still be cited, exported and
    checked after the document leaves the archive.
    """

    doc_id: str
    title: str = ""
    author: str = ""
    outlet: str = ""
    published: datetime | None = None  # UTC
    published_raw: str = ""
    url: str = ""
    source_type: str = ""
    language: str = ""
    text_hash: str = ""  # SHA-256 of the normalized text version the span points into
    captured_at: datetime | None = None  # when this snapshot was taken
    also_carried_by: int = 0  # how many other outlets carried the same story (near-duplicate copies)
    archive: ArchiveIdentity | None = None  # the archive it was quoted from (None: saved before identities)


@dataclass
class Paragraph:
    text: str
    portion: str | None = "U"
    cites: list[str] = field(default_factory=list)  # ids of excerpts this paragraph rests on
    id: str = field(default_factory=new_id)
    # Set on text Briefer drafted (the source summary): the SHA-256 of the text as drafted.
    # While the text still hashes to it the analyst has not touched it, and a new draft may
    # replace it; once they differ it is the analyst's text and is never overwritten.
    drafted_sha256: str = ""
    kind: ClassVar[str] = "paragraph"


@dataclass
class Excerpt:
    """An exact quotation: `quote == text[start:end]` of the document version `citation.text_hash`."""

    quote: str
    doc_id: str
    start: int
    end: int
    quote_sha256: str
    citation: Citation
    page: int | None = None
    comment: str = ""  # the analyst's note on the quote; never part of the quote
    portion: str | None = "U"
    id: str = field(default_factory=new_id)
    kind: ClassVar[str] = "excerpt"


@dataclass
class KeyJudgment:
    text: str
    likelihood: str | None = None  # one of LIKELIHOOD_TERMS
    confidence: str | None = None  # one of CONFIDENCE_LEVELS
    portion: str | None = "U"
    cites: list[str] = field(default_factory=list)
    id: str = field(default_factory=new_id)
    kind: ClassVar[str] = "key_judgment"


def judgment_lead(kj: KeyJudgment) -> tuple[str, str]:
    """The lead of a key judgment, from its structured likelihood and confidence only:
    ("Likely (55-80%)" with an en dash, "Moderate confidence"); either may be ""."""
    likelihood = ""
    if kj.likelihood:
        likelihood = (
            f"{kj.likelihood.capitalize()} ({LIKELIHOOD_BANDS[kj.likelihood].replace('-', chr(0x2013))})"
        )
    confidence = f"{kj.confidence.capitalize()} confidence" if kj.confidence else ""
    return likelihood, confidence


def judgment_line(kj: KeyJudgment) -> str:
    """A key judgment as one line of plain text, led as the export leads it:
    "Likely (55-80%) · Moderate confidence: We assess ..." (en dash)."""
    lead = " \u00b7 ".join(part for part in judgment_lead(kj) if part)
    return f"{lead}: {kj.text}" if lead else kj.text


@dataclass
class MatrixCell:
    """One cell of an implications matrix: an actor section id x a domain id."""

    actor: str
    domain: str
    text: str
    impact: str | None = None  # H, M or L
    likelihood: str | None = None
    portion: str | None = "U"
    cites: list[str] = field(default_factory=list)
    id: str = field(default_factory=new_id)
    kind: ClassVar[str] = "matrix_cell"


@dataclass
class BulletList:
    items: list[str]
    portion: str | None = "U"
    cites: list[str] = field(default_factory=list)
    id: str = field(default_factory=new_id)
    kind: ClassVar[str] = "bullet_list"

    def __post_init__(self) -> None:
        # Non-blank, one line per item: then "\n".join(items) is an exact, reversible text form.
        self.items = [item.replace("\r", " ").replace("\n", " ") for item in self.items if item.strip()]


Block = Paragraph | Excerpt | KeyJudgment | MatrixCell | BulletList
BLOCK_TYPES: dict[str, type[Block]] = {
    cls.kind: cls for cls in (Paragraph, Excerpt, KeyJudgment, MatrixCell, BulletList)
}


@dataclass(frozen=True)
class Domain:
    """A column of an implications matrix."""

    id: str
    title: str


@dataclass
class Section:
    title: str
    kind: str = "text"  # text | key_judgments | source_summary | implications | actor | sources
    blocks: list[Block] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    actor: str = ""  # actor sections: who the implications are for
    domains: list[Domain] = field(default_factory=list)  # implications sections: matrix columns
    guidance: str = ""  # what belongs here (from the template); shown while editing, never exported
    id: str = field(default_factory=new_id)


@dataclass(frozen=True)
class CuiDesignation:
    """The CUI designation indicator block (page 1) required once any portion is CUI."""

    controlled_by: str = ""  # organisation
    office: str = ""
    categories: tuple[str, ...] = ()
    dissemination: str = ""  # limited dissemination control or distribution statement
    poc: str = ""

    def missing(self) -> list[str]:
        required = {
            "controlled by (organisation)": self.controlled_by,
            "controlling office": self.office,
            "CUI category": ", ".join(self.categories),
            "POC": self.poc,
        }
        return [name for name, value in required.items() if not value.strip()]


@dataclass(frozen=True)
class Recipient:
    """One entry of a briefing's distribution list."""

    name: str
    address: str  # an e-mail address (checked when the briefing is sent)

    def __str__(self) -> str:
        return formataddr((self.name, self.address)) if self.name else self.address


@dataclass
class Metadata:
    title: str = "Untitled briefing"
    subtitle: str = ""
    product_line: str = "Briefer Assessment"
    product_number: str = ""
    edition: int = 1
    date: datetime | None = None  # UTC
    info_cutoff: datetime | None = None  # UTC: "uses information available as of ..."
    author: str = ""
    office: str = ""
    audience: str = ""
    scope_note: str = ""  # what the product covers and leaves out: page 2 of the export
    contact: str = ""  # whom to ask: the contact block under the scope note (one item a line)
    marking_profile: str = "nara"  # see markings.PROFILES
    tlp: str | None = None  # TLP 2.0 label without the prefix: CLEAR, GREEN, AMBER, AMBER+STRICT, RED
    title_portion: str | None = "U"
    keywords: list[str] = field(default_factory=list)
    cui: CuiDesignation = field(default_factory=CuiDesignation)
    distribution: list[Recipient] = field(default_factory=list)  # who receives the briefing


@dataclass
class Briefing:
    metadata: Metadata = field(default_factory=Metadata)
    sections: list[Section] = field(default_factory=list)
    template: str = ""
    estimative_key: bool = True  # print the ICD 203 estimative-language box
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_at: datetime | None = None


# -- queries ------------------------------------------------------------------
def walk_sections(briefing: Briefing) -> Iterator[tuple[int, Section]]:
    """Every section, depth-first in document order, with its depth (1 = top level)."""

    def visit(sections: list[Section], depth: int) -> Iterator[tuple[int, Section]]:
        for section in sections:
            yield depth, section
            yield from visit(section.sections, depth + 1)

    yield from visit(briefing.sections, 1)


def walk_blocks(briefing: Briefing) -> Iterator[tuple[Section, Block]]:
    for _, section in walk_sections(briefing):
        for block in section.blocks:
            yield section, block


def find_section(briefing: Briefing, section_id: str) -> Section:
    for _, section in walk_sections(briefing):
        if section.id == section_id:
            return section
    raise BriefingError(f"no section with id {section_id!r}")


def section_parent(briefing: Briefing, section_id: str) -> tuple[Section | None, list[Section], int]:
    """The parent (None at the top level), the sibling list holding the section, and its index."""

    def search(parent: Section | None, siblings: list[Section]) -> tuple[Section | None, list[Section], int]:
        for index, section in enumerate(siblings):
            if section.id == section_id:
                return parent, siblings, index
            try:
                return search(section, section.sections)
            except LookupError:
                continue
        raise LookupError(section_id)

    try:
        return search(None, briefing.sections)
    except LookupError:
        raise BriefingError(f"no section with id {section_id!r}") from None


def find_block(briefing: Briefing, block_id: str) -> tuple[Section, int]:
    """The section holding the block, and the block's index in it."""
    for _, section in walk_sections(briefing):
        for index, block in enumerate(section.blocks):
            if block.id == block_id:
                return section, index
    raise BriefingError(f"no block with id {block_id!r}")


def get_block(briefing: Briefing, block_id: str) -> Block:
    section, index = find_block(briefing, block_id)
    return section.blocks[index]


def excerpts(briefing: Briefing) -> dict[str, Excerpt]:
    return {block.id: block for _, block in walk_blocks(briefing) if isinstance(block, Excerpt)}


def section_path(briefing: Briefing, section_id: str) -> str:
    """ "Implications for the United States and Allies > Japan": how a person finds a section."""
    parent, siblings, index = section_parent(briefing, section_id)
    title = siblings[index].title
    return title if parent is None else f"{section_path(briefing, parent.id)} > {title}"


def resolve_section(briefing: Briefing, ref: str) -> Section:
    """A section named by id, or by title (case-insensitive); an ambiguous title is an error listing them."""
    for _, section in walk_sections(briefing):
        if section.id == ref:
            return section
    wanted = " ".join(ref.split()).casefold()
    matches = [s for _, s in walk_sections(briefing) if " ".join(s.title.split()).casefold() == wanted]
    if len(matches) == 1:
        return matches[0]
    if matches:
        choices = "; ".join(f"{s.id} ({section_path(briefing, s.id)})" for s in matches)
        raise BriefingError(f"section title {ref!r} matches {len(matches)} sections; use an id: {choices}")
    known = tuple((s.id, s.title) for _, s in walk_sections(briefing))
    listed = ", ".join(f"{id_} ({title})" for id_, title in known)
    raise UnknownName(f"no section {ref!r} in this briefing; sections: {listed}", "section", ref, known)


def key_judgments_section(briefing: Briefing) -> Section | None:
    """Where key judgments go: the first section of kind key_judgments (None: the briefing has none)."""
    return next((s for _, s in walk_sections(briefing) if s.kind == "key_judgments"), None)


def unique_section_id(briefing: Briefing, title: str) -> str:
    taken = {s.id for _, s in walk_sections(briefing)}
    base = slug(title)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def matrix_cells(section: Section) -> list[MatrixCell]:
    """The section's matrix cells in reading order: actor rows, then domain columns."""
    rows = {s.id: i for i, s in enumerate(section.sections)}
    cols = {d.id: i for i, d in enumerate(section.domains)}
    cells = [b for b in section.blocks if isinstance(b, MatrixCell)]
    return sorted(cells, key=lambda c: (rows.get(c.actor, len(rows)), cols.get(c.domain, len(cols))))


def reading_order(briefing: Briefing) -> Iterator[tuple[Section, Block]]:
    """Blocks in the order a reader meets them in the export (matrix cells after their section's text)."""
    for _, section in walk_sections(briefing):
        yield from ((section, b) for b in section.blocks if not isinstance(b, MatrixCell))
        yield from ((section, c) for c in matrix_cells(section))
