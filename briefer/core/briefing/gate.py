"""The release gate: what stands between a briefing and its readers, as findings.

Export, send, `briefer check` and the window's *Check Briefing…* all ask `run_gate` and get
the same findings, each with a stable code, a severity and the block (or section) concerned:

- blocking (export and send refuse): `unverified-quote` (a quote no longer matches its
  source; the export's `allow_unverified` overrides it and marks the citation), `invalid-marking`
  (markings.validate), `wrong-archive` (the open archive holds none of the quoted documents and
  is not the briefing's, see verify.ArchiveMatch);
- warnings (listed, never stop a release): `unsourced-judgment`, `unsourced-cell`,
  `after-cutoff`, `empty-section`, `boilerplate-cell`, `estimative-conflict`.

The gate only reads: the checks it reports are computed where they live (quote verification,
the markings validator, citations.cites_no_source, matrix.cell_state) and passed in or called.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from briefer.core.briefing import markings
from briefer.core.briefing.citations import cites_no_source, format_time
from briefer.core.briefing.evidence import unsourced_cells
from briefer.core.briefing.matrix import NO_IMPLICATION, CellState, cell_state, find_cell, matrices
from briefer.core.briefing.model import (
    Briefing,
    BriefingError,
    Excerpt,
    KeyJudgment,
    MatrixCell,
    Section,
    excerpts,
    reading_order,
    section_path,
    walk_blocks,
)
from briefer.core.briefing.verify import ArchiveMatch, ExcerptCheck, Verification, WrongArchive

BLOCK, WARNING = "block", "warning"
CODES: dict[str, str] = {  # every code and its severity; the codes are stable (scripts read them)
    "unverified-quote": BLOCK,
    "invalid-marking": BLOCK,
    "wrong-archive": BLOCK,
    "unsourced-judgment": WARNING,
    "unsourced-cell": WARNING,
    "after-cutoff": WARNING,
    "empty-section": WARNING,
    "boilerplate-cell": WARNING,
    "estimative-conflict": WARNING,
}
OVERRIDABLE = frozenset({"unverified-quote"})  # what `allow_unverified` lets through, marked

# ICD 203's expressions of likelihood: each term of the scale with the words that say the same.
ESTIMATIVE_WORDS: dict[str, tuple[str, ...]] = {
    "almost no chance": ("almost no chance", "remote chance", "remote possibility", "remotely possible"),
    "very unlikely": ("very unlikely", "highly unlikely", "highly improbable"),
    "unlikely": ("unlikely", "improbable", "improbably"),
    "roughly even chance": ("roughly even chance", "roughly even odds", "even chance", "even odds"),
    "likely": ("likely", "probable", "probably"),
    "very likely": ("very likely", "highly likely", "highly probable"),
    "almost certain": ("almost certain", "almost certainly", "nearly certain", "nearly certainly"),
}
_TERM_OF = {word: term for term, words in ESTIMATIVE_WORDS.items() for word in words}
# Longest first, so "very likely" is one term, not "likely" inside it.
_LIKELIHOOD = re.compile(
    r"\b(" + "|".join(re.escape(w) for w in sorted(_TERM_OF, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_CONFIDENCE = re.compile(
    r"\b(?:(?:low|moderate|medium|high)[- ]confidence|(?:highly |moderately )?confident)\b", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


@dataclass(frozen=True)
class Finding:
    code: str  # one of CODES
    severity: str  # "block" | "warning"
    block: str | None  # the id of the block (or section) concerned; None: the briefing as a whole
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "severity": self.severity, "block": self.block, "message": self.message}


def finding(code: str, block: str | None, message: str) -> Finding:
    return Finding(code, CODES[code], block, message)


@dataclass(frozen=True)
class GateResult:
    """The gate's findings, in the order a reader meets them (blocking ones first)."""

    findings: tuple[Finding, ...]
    archive: ArchiveMatch | None = None  # the archive checked against (for a wrong-archive refusal)
    failures: tuple[ExcerptCheck, ...] = ()  # the quotes behind the unverified-quote findings

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCK]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    def refusals(self, *, allow_unverified: bool = False) -> list[Finding]:
        """The blocking findings that stop a release (`allow_unverified` lets unverified quotes by)."""
        return [f for f in self.blocking if not (allow_unverified and f.code in OVERRIDABLE)]

    def ensure_releasable(self, *, allow_unverified: bool = False) -> None:
        """Raise ReleaseBlocked when a blocking finding stops the release."""
        refused = self.refusals(allow_unverified=allow_unverified)
        if refused:
            raise ReleaseBlocked(self, refused)


class ReleaseBlocked(BriefingError):
    """The gate refused a release: `findings` are the blocking findings that stopped it, `result`
    everything the gate found (warnings included).  Nothing was written."""

    def __init__(self, result: GateResult, findings: list[Finding]) -> None:
        self.result = result
        self.findings = findings
        listed = "\n".join(f"  - [{f.code}] {f.message}" for f in findings)
        super().__init__(
            f"the briefing is not ready for release ({len(findings)} blocking finding(s)):\n{listed}"
        )

    @property
    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    @property
    def overridable(self) -> bool:
        """Only unverified quotes stop it: exporting them marked "(unverified)" would go on."""
        return self.codes <= OVERRIDABLE

    @property
    def wrong_archive(self) -> WrongArchive | None:
        """The wrong-archive refusal, with the archives' facts, when that is one of the reasons."""
        match = self.result.archive
        return WrongArchive(match) if "wrong-archive" in self.codes and match is not None else None


def run_gate(briefing: Briefing, verification: Verification | None = None) -> GateResult:
    """Every finding for `briefing`; `verification` (ArchiveLookups.verify or export_checks, with
    its archive match) supplies the quote and archive findings, which are left out without it."""
    failures = tuple(verification.failures) if verification is not None else ()
    archive = verification.archive if verification is not None else None
    found = [
        *_archive(archive),
        *(finding("unverified-quote", c.excerpt_id, describe_failure(briefing, c)) for c in failures),
        *_markings(briefing),
        *_unsourced(briefing),
        *_after_cutoff(briefing),
        *_empty_sections(briefing),
        *_boilerplate(briefing),
        *_estimative(briefing),
    ]
    ordered = sorted(found, key=lambda f: f.severity != BLOCK)  # stable: blocking first
    return GateResult(tuple(ordered), archive, failures)


def describe_failure(briefing: Briefing, check: ExcerptCheck) -> str:
    """ "Background: “assistance without delay” (Harbor Wire, d0738c5a0a2314bf): source changed: ..." """
    block = excerpts(briefing).get(check.excerpt_id)
    if block is None:
        return f"excerpt {check.excerpt_id} ({check.doc_id}): {check.label}: {check.detail}"
    where, quote = _where(briefing, block), _clip(block.quote, 60)
    return f"{where}: \u201c{quote}\u201d ({_source(block)}, {check.doc_id}): {check.label}: {check.detail}"


# -- blocking ---------------------------------------------------------------------------------
def _archive(match: ArchiveMatch | None) -> Iterator[Finding]:
    if match is not None and match.wrong:
        yield finding("wrong-archive", None, str(WrongArchive(match)))


def _markings(briefing: Briefing) -> Iterator[Finding]:
    for problem in markings.validate(briefing):
        yield finding("invalid-marking", problem.block_id, str(problem))


# -- warnings ---------------------------------------------------------------------------------
def _unsourced(briefing: Briefing) -> Iterator[Finding]:
    by_id = excerpts(briefing)
    for _, block in reading_order(briefing):
        if isinstance(block, KeyJudgment) and cites_no_source(block, by_id):
            yield finding(
                "unsourced-judgment",
                block.id,
                f"{_where(briefing, block)}: \u201c{_clip(block.text)}\u201d cites no source",
            )
    for section in matrices(briefing):
        for cell in unsourced_cells(section, by_id):
            yield finding(
                "unsourced-cell", cell.id, f"{_cell_name(section, cell)}: the implication cites no source"
            )


def _after_cutoff(briefing: Briefing) -> Iterator[Finding]:
    cutoff = briefing.metadata.info_cutoff
    if cutoff is None:
        return
    for excerpt in excerpts(briefing).values():
        published = excerpt.citation.published
        if published is not None and _later(published, cutoff):
            yield finding(
                "after-cutoff",
                excerpt.id,
                f"{_where(briefing, excerpt)}: {_source(excerpt)} was published {format_time(published)}, "
                f"after the information cutoff ({format_time(cutoff)})",
            )


def _later(published: datetime, cutoff: datetime) -> bool:
    """Published after the cutoff; a cutoff without a time of day ("as of 1 Mar 2024") takes in
    that whole day.  Times without a zone are UTC, as the model stores them."""
    published, cutoff = _utc(published), _utc(cutoff)
    if (cutoff.hour, cutoff.minute, cutoff.second) == (0, 0, 0):
        return published >= cutoff + timedelta(days=1)
    return published > cutoff


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _empty_sections(briefing: Briefing) -> Iterator[Finding]:
    """Sections the export leaves out because nothing is in them (the topmost of each empty branch).
    The source summary is drafted when empty and the source list is written from the citations."""

    def visit(sections: list[Section]) -> Iterator[Finding]:
        for section in sections:
            if section.kind in ("source_summary", "sources"):
                continue
            if not _has_blocks(section):
                yield finding(
                    "empty-section",
                    section.id,
                    f"{section_path(briefing, section.id)}: the section is empty; the document leaves it out",
                )
            else:
                yield from visit(section.sections)

    yield from visit(briefing.sections)


def _has_blocks(section: Section) -> bool:
    return bool(section.blocks) or any(_has_blocks(child) for child in section.sections)


def _boilerplate(briefing: Briefing) -> Iterator[Finding]:
    """Cells that say nothing: filler text, and the slots of a started matrix that nobody filled
    (the export prints NO_IMPLICATION in them)."""
    for section in matrices(briefing):
        cells = [b for b in section.blocks if isinstance(b, MatrixCell)]
        for cell in cells:
            if cell_state(cell) is CellState.BOILERPLATE:
                yield finding(
                    "boilerplate-cell",
                    cell.id,
                    f"{_cell_name(section, cell)}: \u201c{_clip(cell.text, 50)}\u201d states no implication",
                )
        if not cells:
            continue  # an untouched matrix is not printed at all
        for actor in section.sections:
            for domain in section.domains:
                if find_cell(section, actor.id, domain.id) is None:
                    yield finding(
                        "boilerplate-cell",
                        section.id,
                        f"{section.title} > {actor.title} / {domain.title}: the empty cell prints "
                        f"\u201c{NO_IMPLICATION}\u201d",
                    )


def _estimative(briefing: Briefing) -> Iterator[Finding]:
    for section, block in reading_order(briefing):
        if isinstance(block, KeyJudgment | MatrixCell):
            where = _cell_name(section, block) if isinstance(block, MatrixCell) else _where(briefing, block)
            for problem in estimative_problems(block.text, block.likelihood):
                yield finding("estimative-conflict", block.id, f"{where}: {problem}")


def estimative_problems(text: str, likelihood: str | None) -> list[str]:
    """What ICD 203 objects to in a judgment's words: two likelihood terms, a term that disagrees with
    the structured likelihood, a confidence level and a likelihood in the same sentence."""
    problems = []
    words = list(dict.fromkeys(m.group(0).casefold() for m in _LIKELIHOOD.finditer(text)))
    if len(words) > 1:
        problems.append(f"uses {len(words)} likelihood terms ({_listed(words)}); use one")
    if likelihood is not None:
        wrong = [w for w in words if _TERM_OF[w] != likelihood]
        if wrong:
            problems.append(
                f"the text says {_listed(wrong)} but the likelihood is set to \u201c{likelihood}\u201d"
            )
    for sentence in _SENTENCE_END.split(text):
        term, confidence = _LIKELIHOOD.search(sentence), _CONFIDENCE.search(sentence)
        if term and confidence:
            problems.append(
                f"\u201c{confidence.group(0)}\u201d and \u201c{term.group(0)}\u201d in one sentence: "
                "state confidence and likelihood separately"
            )
    return problems


# -- wording ----------------------------------------------------------------------------------
def _where(briefing: Briefing, block: object) -> str:
    return next((section_path(briefing, s.id) for s, b in walk_blocks(briefing) if b is block), "")


def _cell_name(section: Section, cell: MatrixCell) -> str:
    actors = {s.id: s.title for s in section.sections}
    domains = {d.id: d.title for d in section.domains}
    return f"{section.title} > {actors.get(cell.actor, cell.actor)} / {domains.get(cell.domain, cell.domain)}"


def _source(excerpt: Excerpt) -> str:
    return excerpt.citation.outlet or excerpt.citation.title or "source"


def _clip(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _listed(words: list[str]) -> str:
    return ", ".join(f"\u201c{w}\u201d" for w in words)


__all__ = [
    "CODES",
    "Finding",
    "GateResult",
    "ReleaseBlocked",
    "describe_failure",
    "estimative_problems",
    "run_gate",
]
