"""ICD 206-style source citations: the text of a citation, and numbering by first appearance.

A citation is a list of `Piece`s so a writer can turn the URL into a real
hyperlink; `plain()` joins them for text output.  Every element that is
missing is spelled out ("n.a.", "n.d.") instead of being left blank, so a
reader can tell "unknown" from "forgotten".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from briefer.core.briefing.matrix import CellState, cell_state
from briefer.core.briefing.model import (
    Block,
    Briefing,
    Citation,
    Excerpt,
    KeyJudgment,
    MatrixCell,
    excerpts,
    reading_order,
    walk_sections,
)
from briefer.core.textnorm import strip_bidi

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MISSING_NOTE = "(source no longer in archive)"
UNVERIFIED_NOTE = "(unverified)"  # a quote that no longer matches its source, exported anyway


@dataclass(frozen=True)
class Piece:
    text: str
    url: str | None = None  # set: the text is a link to this URL


def plain(pieces: Iterable[Piece]) -> str:
    return "".join(piece.text for piece in pieces)


def format_time(value: datetime | None, raw: str = "") -> str:
    """ "13 Sep 2023 1000Z", or "13 Sep 2023" when no time of day is known; locale-independent."""
    if value is None:
        return raw.strip() or "n.d."
    value = value.astimezone(UTC) if value.tzinfo else value
    day = f"{value.day:02d} {_MONTHS[value.month - 1]} {value.year}"
    return day if (value.hour, value.minute) == (0, 0) else f"{day} {value:%H%M}Z"


def _field(text: str) -> str:
    """A metadata field as a citation prints it: without bidirectional controls (a U+202E in an
    author's name would print the rest of the citation backwards), trimmed."""
    return strip_bidi(text).strip()


def _isolate(text: str) -> str:
    """Wrap right-to-left text in Unicode isolates so it cannot reorder the citation around it."""
    if any(unicodedata.bidirectional(char) in ("R", "AL") for char in text):
        return f"\u2068{text}\u2069"
    return text


def citation_pieces(
    citation: Citation,
    *,
    portion: str = "",
    page: int | None = None,
    missing: bool = False,
    unverified: bool = False,
    full: bool = False,
    provenance: bool = True,
) -> list[Piece]:
    """One citation: outlet; author; "title"; date; source type; URL; archive id and short hash.

    `portion` is the mark to print first ("(U) ") or "".  `full` adds the capture
    time, language and the overall source classification, for the reference list.
    Without `provenance` the citation is what a reader needs: no archive id, hash
    or capture time (an export's provenance annex and manifest carry them).
    """
    title_mark = " (U)" if full and portion else ""
    parts = [
        _isolate(_field(citation.outlet)) or "[outlet unknown]",
        _isolate(_field(citation.author)) or "n.a.",
        f"\u201c{_isolate(_field(citation.title)) or 'untitled'}\u201d{title_mark}",
        format_time(citation.published, _field(citation.published_raw)),
        _field(citation.source_type) or "source type not recorded",
    ]
    pieces = [Piece(portion + "; ".join(parts) + "; ")]
    url = _field(citation.url)
    if url:
        # Only web and mail addresses become links; anything else (javascript:, file:) stays text.
        linkable = url.split(":", 1)[0].lower() in ("http", "https", "mailto", "ftp")
        pieces += [Piece(url, url=url if linkable else None), Piece("; ")]
    locators = [provenance_locator(citation)] if provenance else []
    if page is not None:
        locators.append(f"p. {page}")
    tail = [", ".join(locators)] if locators else []
    if citation.also_carried_by > 0:  # syndicated copies: one source, however many outlets ran it
        others = citation.also_carried_by
        tail.append(f"also carried by {others} outlet{'' if others == 1 else 's'}")
    if full:
        if provenance and citation.captured_at is not None:
            tail.append(f"captured {format_time(citation.captured_at)}")
        tail.append(_field(citation.language) or "language not recorded")
    text = "; ".join(tail) + "." if tail else ""
    if not tail and not url:  # the fields' "; " ends in a full stop
        pieces = [Piece(pieces[0].text[: -len("; ")] + ".")]
    elif not tail:
        pieces[-1] = Piece(".")
    if unverified:
        text += f" {UNVERIFIED_NOTE}"
    if missing:
        text += f" {MISSING_NOTE}"
    if full:
        text += " Overall source classification: UNCLASSIFIED."
    return [*pieces, Piece(text)] if text else pieces


def provenance_locator(citation: Citation) -> str:
    """ "Briefer dc19b4ca38f1d4df sha256:eeb3bd036f23": which archived text was quoted."""
    locator = f"Briefer {citation.doc_id}"
    if citation.text_hash:
        locator += f" sha256:{citation.text_hash[:12]}"
    return locator


def block_citations(block: Block, by_id: dict[str, Excerpt]) -> list[Citation]:
    """The sources a block rests on, once each, in the order it names them."""
    if isinstance(block, Excerpt):
        return [block.citation]
    found: dict[str, Citation] = {}
    for excerpt_id in block.cites:
        excerpt = by_id.get(excerpt_id)
        if excerpt is not None:
            found.setdefault(excerpt.doc_id, excerpt.citation)
    return list(found.values())


class SourceNumbers:
    """Numbers sources by first appearance; a source cited again keeps its number (ICD 206, no "ibid.")."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._citations: list[Citation] = []

    def cite(self, citation: Citation) -> tuple[int, bool]:
        """The source's number, and whether this is its first appearance."""
        number = self._numbers.get(citation.doc_id)
        if number is not None:
            return number, False
        self._citations.append(citation)
        self._numbers[citation.doc_id] = len(self._citations)
        return len(self._citations), True

    def number(self, doc_id: str) -> int | None:
        return self._numbers.get(doc_id)

    def ordered(self) -> list[tuple[int, Citation]]:
        return list(enumerate(self._citations, start=1))

    def __len__(self) -> int:
        return len(self._citations)


def cites_no_source(block: Block, by_id: Mapping[str, Excerpt]) -> bool:
    """A key judgment, or a matrix cell holding an implication (not empty, not boilerplate), that
    rests on no excerpt of the briefing (none cited, or only excerpts no longer in it): what the
    Source Summary reports of judgments and the outline and the matrix mark."""
    if isinstance(block, MatrixCell) and cell_state(block) is not CellState.FILLED:
        return False
    return isinstance(block, KeyJudgment | MatrixCell) and not block_citations(block, dict(by_id))


def number_sources(briefing: Briefing) -> SourceNumbers:
    """The numbering an export will use: reading order, first appearance."""
    numbers = SourceNumbers()
    by_id = excerpts(briefing)
    for _, block in reading_order(briefing):
        for citation in block_citations(block, by_id):
            numbers.cite(citation)
    return numbers


def source_summary(
    briefing: Briefing,
    missing: Collection[str] = (),
    *,
    cluster_of: Callable[[str], str] | None = None,
) -> str:
    """A draft ICD 206 source summary statement computed from the citations (the analyst may rewrite it).

    Number of sources, outlets and excerpts; with `cluster_of` (document id ->
    near-duplicate cluster id) how many are independent once syndicated copies
    count once; the share of each source type; the date span; key judgments
    that rest on a single (independent) source, only on state media, or on
    none; sources no longer in the archive (`missing` document ids); the
    information cutoff.
    """
    numbers = number_sources(briefing)
    meta = briefing.metadata
    noun = (meta.product_line.split() or ["product"])[-1].lower()
    cutoff = format_time(meta.info_cutoff) if meta.info_cutoff else None
    cutoff_line = (
        f" It uses information available as of {cutoff}." if cutoff else " No information cutoff is set."
    )
    if not len(numbers):
        return f"This {noun} cites no archived sources yet.{cutoff_line}"
    citations = [c for _, c in numbers.ordered()]
    quoted = len(excerpts(briefing))
    outlets = {c.outlet.strip().casefold() for c in citations if c.outlet.strip()}
    sentences = [
        f"This {noun} cites {_count(len(citations), 'source')} from {_count(len(outlets), 'outlet')}"
        f" ({_count(quoted, 'quoted excerpt')})" + _span([c.published for c in citations]) + "."
    ]
    clusters = {c.doc_id: (cluster_of or _itself)(c.doc_id) for c in citations}
    if cluster_of is not None:
        sentences.append(_independence_line(len(citations), len(set(clusters.values()))))
    sentences.append(_types_line(citations))
    sentences += _judgment_support(briefing, clusters)
    gone = [n for n, c in numbers.ordered() if c.doc_id in missing]
    if gone:
        sentences.append(f"No longer in the archive: source(s) {', '.join(map(str, gone))}.")
    return " ".join(sentences) + cutoff_line


def _itself(doc_id: str) -> str:
    return doc_id


def _independence_line(sources: int, independent: int) -> str:
    if sources == 1:
        return "It is a single source."
    if independent == sources:
        return f"No source is a syndicated copy of another: all {sources} are independent."
    return (
        f"Counting syndicated and near-duplicate copies once, {independent} of the {sources} sources "
        f"{'is' if independent == 1 else 'are'} independent."
    )


def _types_line(citations: list[Citation]) -> str:
    types: dict[str, int] = {}
    for c in citations:
        if c.source_type.strip():
            types[c.source_type.strip()] = types.get(c.source_type.strip(), 0) + 1
    unknown = len(citations) - sum(types.values())
    if not types:
        return "The archive records no source types for them."
    total = len(citations)
    ranked = sorted(types.items(), key=lambda item: (-item[1], item[0]))
    listed = ", ".join(f"{label} {n} ({_share(n, total)})" for label, n in ranked)
    return f"By type: {listed}" + (
        f", not recorded {unknown} ({_share(unknown, total)})." if unknown else "."
    )


def _share(n: int, total: int) -> str:
    return f"{round(100 * n / total)}%"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _span(dates: list[datetime | None]) -> str:
    known = sorted(d for d in dates if d is not None)
    if not known:
        return ", none of them dated"
    first, last = (format_time(d.astimezone(UTC).replace(hour=0, minute=0)) for d in (known[0], known[-1]))
    return f", published {first}" if first == last else f", published between {first} and {last}"


def _judgment_support(briefing: Briefing, clusters: dict[str, str]) -> list[str]:
    by_id = excerpts(briefing)
    judgments = [b for _, b in reading_order(briefing) if isinstance(b, KeyJudgment)]
    single, copies, state_only, unsourced = [], False, [], []
    for number, kj in enumerate(judgments, 1):
        cited = block_citations(kj, by_id)
        independent = {clusters.get(c.doc_id, c.doc_id) for c in cited}
        if not cited:
            unsourced.append(number)
            continue
        if len(independent) == 1:
            single.append(number)
            copies |= len(cited) > 1
        if all(c.source_type.strip().casefold() == "state media" for c in cited):
            state_only.append(number)
    lines = []
    if single:
        counted = " (syndicated copies counted once)" if copies else ""
        lines.append(f"Key judgment(s) {', '.join(map(str, single))} rest on a single source{counted}.")
    if state_only:
        lines.append(f"Key judgment(s) {', '.join(map(str, state_only))} rest only on state media.")
    if unsourced:
        lines.append(f"Key judgment(s) {', '.join(map(str, unsourced))} cite no source.")
    return lines + _cell_support(briefing, by_id)


def _cell_support(briefing: Briefing, by_id: dict[str, Excerpt]) -> list[str]:
    """The matrix cells that state an implication and cite no source, named "actor / domain"."""
    names: dict[str, str] = {}
    for _, section in walk_sections(briefing):
        names[section.id] = section.title
        names.update((d.id, d.title) for d in section.domains)
    cells = [b for _, b in reading_order(briefing) if isinstance(b, MatrixCell) and cites_no_source(b, by_id)]
    if not cells:
        return []
    named = "; ".join(f"{names.get(c.actor, c.actor)} / {names.get(c.domain, c.domain)}" for c in cells)
    verb = "cites" if len(cells) == 1 else "cite"
    return [f"{_count(len(cells), 'matrix cell')} {verb} no source: {named}."]
