"""Quote verification: does every excerpt still quote its source exactly?

Each excerpt is checked on its own against the archive:

- **ok**: the document's current text holds the quote at the excerpt's span;
- **moved**: the current text holds the quote at another place; the check
  carries the new span, and `UpdateSpan` edits (`Verification.span_edits`)
  record it in the briefing;
- **missing**: the document is no longer in the archive; the briefing cites it
  from its snapshot.  The quote is still checked against the captured text
  version when the catalog kept it;
- **changed**: the document changed since the quote was captured and today's
  text no longer holds the quote, which the captured version (the catalog keeps
  every version) does: `diff` shows what changed around it;
- **mismatch**: the quote is in neither, or its text no longer has the SHA-256
  stored with it (the .briefing was edited by hand).

*changed* and *mismatch* are failures: the quote no longer matches its source,
and the export refuses it unless told to mark it "(unverified)".

Before any quote is checked, `ArchiveLookups.archive_match` asks whether the
open archive is the one the briefing was built on (each citation records the
archive it was quoted from); checked against another archive every quote would
pass as "missing", so `ArchiveLookups.verify` refuses with `WrongArchive`.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from briefer.core.briefing.citations import format_time
from briefer.core.briefing.edits import UpdateSpan
from briefer.core.briefing.excerpts import Lookup, SourceCheck, TextVersion, sha256_text
from briefer.core.briefing.model import Briefing, BriefingError, Excerpt, excerpts
from briefer.core.documents import ArchiveIdentity, Document
from briefer.core.progress import raise_if_cancelled

if TYPE_CHECKING:
    from briefer.core.archive import Archive

STATUSES = ("ok", "moved", "missing", "changed", "mismatch")  # best to worst
FAILING = frozenset({"changed", "mismatch"})
LABELS = {
    "ok": "verified",
    "moved": "moved in the source",
    "missing": "source no longer in archive",
    "changed": "source changed",
    "mismatch": "does not match its source",
}
DIFF_CONTEXT = 1  # paragraphs of context around a change
DIFF_MAX_LINES = 40

ClusterOf = Callable[[str], str]


def same_cluster(doc_id: str) -> str:
    """Every document is its own cluster: no near-duplicate grouping."""
    return doc_id


@dataclass(frozen=True)
class ArchiveMatch:
    """Whether the open archive is the one a briefing's quotes come from (`ArchiveLookups.archive_match`)."""

    open: ArchiveIdentity | None  # the archive the quotes are checked against (None: not known)
    built_on: tuple[ArchiveIdentity, ...]  # the archives its excerpts were quoted from, most quoted first
    quoted: int  # documents the briefing quotes
    holds_any: bool  # the open archive holds at least one of them

    @property
    def same(self) -> bool:
        """The open archive is one the briefing was built on."""
        return self.open is not None and any(a.id == self.open.id for a in self.built_on)

    @property
    def wrong(self) -> bool:
        """Checking here is pointless: the briefing quotes documents and the open archive holds none
        of them, nor is it an archive the briefing was built on (whose documents may all be gone).
        A briefing saved before archives had an id is judged by its documents alone."""
        return self.quoted > 0 and not self.holds_any and not self.same

    @property
    def across(self) -> bool:
        """The briefing quotes documents from more than one archive."""
        return len(self.built_on) > 1

    def notice(self) -> str:
        """What a reader should know when the check goes on ("" when nothing): the briefing spans
        archives, or was built on another archive that holds some of its documents."""
        if self.across:
            names = ", ".join(describe_archive(a) for a in self.built_on)
            return (
                f"this briefing quotes documents from {len(self.built_on)} archives ({names}); sources not "
                "in the open archive are cited from the briefing's snapshot"
            )
        if self.built_on and not self.same and self.quoted:
            return (
                f"this briefing was built on {describe_archive(self.built_on[0])}; the quotes are checked "
                f"against {describe_archive(self.open)}, which holds some of its documents"
            )
        return ""


def none_of_the_documents(match: ArchiveMatch, briefing: str) -> str:
    """ "none of the 3 documents BRIEFING quotes is in" (or "the one document ... is not in")."""
    if match.quoted == 1:
        return f"the one document {briefing} quotes is not in"
    return f"none of the {match.quoted} documents {briefing} quotes is in"


def describe_archive(archive: ArchiveIdentity | None) -> str:
    """ "the archive at /home/a/briefer (id 3f0c9b5e)", in the words of every front end."""
    if archive is None:
        return "an archive of unknown identity"
    where = f" at {archive.path}" if archive.path else ""
    return f"the archive{where} (id {archive.short_id})"


class WrongArchive(BriefingError):
    """A briefing checked against an archive that holds none of the documents it quotes."""

    def __init__(self, match: ArchiveMatch) -> None:
        self.match = match
        built = (
            f"it was built on {describe_archive(match.built_on[0])}"
            if match.built_on
            else "it does not record the archive it was built on"
        )
        super().__init__(
            f"{none_of_the_documents(match, 'this briefing')} {describe_archive(match.open)}; {built}"
        )


def archives_of(quoted: Iterable[Excerpt]) -> tuple[ArchiveIdentity, ...]:
    """The archives the excerpts were quoted from, most quoted first (the latest path of each)."""
    counts: dict[str, int] = {}
    latest: dict[str, ArchiveIdentity] = {}
    for excerpt in quoted:
        archive = excerpt.citation.archive
        if archive is not None:
            counts[archive.id] = counts.get(archive.id, 0) + 1
            latest[archive.id] = archive
    return tuple(latest[i] for i in sorted(counts, key=lambda i: -counts[i]))


@dataclass(frozen=True)
class ArchiveLookups:
    """What verification and drafting ask the archive, as plain functions (thread-safe reads)."""

    document: Lookup
    text_version: TextVersion | None = None
    cluster_of: ClusterOf | None = None  # None: the archive cannot tell syndicated copies apart
    identity: ArchiveIdentity | None = None  # None: quotes are matched to the archive by document alone

    @classmethod
    def of(cls, archive: Archive) -> ArchiveLookups:
        """The one place that wires an Archive into verification and the source summary."""
        return cls(archive.document, archive.catalog.text_version, archive.cluster_of, archive.identity)

    def archive_match(self, quoted: Iterable[Excerpt]) -> ArchiveMatch:
        """Is this the archive these excerpts were quoted from?  (The one place that decides.)"""
        quoted = list(quoted)
        doc_ids = list(dict.fromkeys(e.doc_id for e in quoted))
        holds_any = any(self.document(doc_id) is not None for doc_id in doc_ids)  # stops at the first
        return ArchiveMatch(self.identity, archives_of(quoted), len(doc_ids), holds_any)

    def verify(
        self,
        quoted: Iterable[Excerpt],
        cancel: threading.Event | None = None,
        *,
        archive_check: bool = True,
    ) -> Verification:
        """Every excerpt checked, with the archive match attached; raises WrongArchive first when
        the archive holds none of the quoted documents (unless `archive_check` is False)."""
        quoted = list(quoted)
        match = self.archive_match(quoted)
        if archive_check and match.wrong:
            raise WrongArchive(match)
        checks = verify_excerpts(quoted, self.document, self.text_version, cancel)
        return replace(checks, archive=match)

    def clusters(self, doc_ids: Iterable[str]) -> ClusterOf | None:
        """`cluster_of` answered now for `doc_ids`, usable after the archive is closed (or on
        another thread); None when the archive has no clustering."""
        if self.cluster_of is None:
            return None
        found = {doc_id: self.cluster_of(doc_id) for doc_id in set(doc_ids)}
        return lambda doc_id: found.get(doc_id, doc_id)

    def export_checks(
        self, briefing: Briefing, cancel: threading.Event | None = None
    ) -> tuple[Verification, ClusterOf | None]:
        """What an export (and a send) asks first: every quote verified, with the archive match
        attached (the release gate, gate.run_gate, refuses the wrong archive), and the clusters of
        the quoted documents for the source summary."""
        quoted = list(excerpts(briefing).values())
        checks = self.verify(quoted, cancel, archive_check=False)
        return checks, self.clusters(e.doc_id for e in quoted)

    def missing(self, doc_ids: Iterable[str]) -> set[str]:
        """Which of `doc_ids` are no longer in the archive."""
        return {doc_id for doc_id in set(doc_ids) if self.document(doc_id) is None}


def excerpt_key(excerpt: Excerpt) -> tuple[str, int, int, str, str]:
    """What a check depends on: a check of an excerpt whose key has changed since is stale."""
    return (excerpt.doc_id, excerpt.start, excerpt.end, excerpt.citation.text_hash, excerpt.quote_sha256)


@dataclass(frozen=True)
class ExcerptCheck:
    excerpt_id: str
    doc_id: str
    status: str  # one of STATUSES
    detail: str = ""
    start: int = 0  # where the quote is: the new span when moved, else the excerpt's own
    end: int = 0
    page: int | None = None
    text_hash: str = ""  # the text version start:end points into
    diff: str = ""  # changed: unified diff, captured version -> today's, around the quote
    key: tuple[str, int, int, str, str] = ("", 0, 0, "", "")  # excerpt_key() when checked

    @property
    def failed(self) -> bool:
        return self.status in FAILING

    @property
    def label(self) -> str:
        return LABELS[self.status]

    def span_edit(self) -> UpdateSpan | None:
        """For a moved quote, the edit that points the excerpt at its new place."""
        if self.status != "moved":
            return None
        return UpdateSpan(self.excerpt_id, self.start, self.end, self.page, self.text_hash)

    def as_dict(self) -> dict[str, object]:
        return {
            "excerpt_id": self.excerpt_id,
            "doc_id": self.doc_id,
            "status": self.status,
            "detail": self.detail,
            "start": self.start,
            "end": self.end,
            "page": self.page,
            "text_hash": self.text_hash,
            "diff": self.diff,
        }


@dataclass(frozen=True)
class Verification:
    """The checks of a set of excerpts, by excerpt id in outline order."""

    checks: Mapping[str, ExcerptCheck]
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    archive: ArchiveMatch | None = None  # the open archive against the briefing's (see ArchiveLookups)

    def get(self, excerpt_id: str) -> ExcerptCheck | None:
        return self.checks.get(excerpt_id)

    def __len__(self) -> int:
        return len(self.checks)

    def of(self, *statuses: str) -> list[ExcerptCheck]:
        return [c for c in self.checks.values() if c.status in statuses]

    @property
    def failures(self) -> list[ExcerptCheck]:
        return [c for c in self.checks.values() if c.failed]

    @property
    def ok(self) -> bool:
        """No quote fails (moved quotes and sources that left the archive do not fail)."""
        return not self.failures

    def counts(self) -> dict[str, int]:
        return {status: len(self.of(status)) for status in STATUSES}

    def summary(self) -> str:
        """ "5 quotes: 3 verified, 1 moved in the source, 1 source changed"."""
        total = len(self.checks)
        noun = "quote" if total == 1 else "quotes"
        parts = [f"{n} {LABELS[status]}" for status, n in self.counts().items() if n]
        return f"{total} {noun}: " + ", ".join(parts) if parts else f"no {noun} to verify"

    def by_source(self) -> dict[str, SourceCheck]:
        """The state of every quoted document (its worst excerpt wins)."""
        out: dict[str, SourceCheck] = {}
        for check in self.checks.values():
            previous = out.get(check.doc_id)
            if previous is None or STATUSES.index(check.status) > STATUSES.index(previous.status):
                out[check.doc_id] = SourceCheck(check.doc_id, check.status, check.detail)
        return out

    def span_edits(self) -> list[UpdateSpan]:
        return [edit for c in self.checks.values() if (edit := c.span_edit()) is not None]


# -- checking -------------------------------------------------------------------------
def verify_briefing(
    briefing: Briefing,
    lookup: Lookup,
    text_version: TextVersion | None = None,
    cancel: threading.Event | None = None,
) -> Verification:
    return verify_excerpts(excerpts(briefing).values(), lookup, text_version, cancel)


def verify_excerpts(
    quoted: Iterable[Excerpt],
    lookup: Lookup,
    text_version: TextVersion | None = None,
    cancel: threading.Event | None = None,
) -> Verification:
    """Check every excerpt (each document and text version is fetched once)."""
    documents: dict[str, Document | None] = {}
    versions: dict[str, str | None] = {}

    def version(text_hash: str) -> str | None:
        if text_version is None or not text_hash:
            return None
        if text_hash not in versions:
            versions[text_hash] = text_version(text_hash)
        return versions[text_hash]

    checks: dict[str, ExcerptCheck] = {}
    for excerpt in quoted:
        raise_if_cancelled(cancel)
        if excerpt.doc_id not in documents:
            documents[excerpt.doc_id] = lookup(excerpt.doc_id)
        checks[excerpt.id] = verify_excerpt(
            excerpt, documents[excerpt.doc_id], version if text_version else None
        )
    return Verification(checks)


def verify_excerpt(
    excerpt: Excerpt, document: Document | None, text_version: TextVersion | None = None
) -> ExcerptCheck:
    """The state of one excerpt, given its document (None: not in the archive)."""
    quote, start, end = excerpt.quote, excerpt.start, excerpt.end
    captured_hash = excerpt.citation.text_hash

    def result(
        status: str,
        detail: str,
        *,
        at: tuple[int, int] = (start, end),
        page: int | None = excerpt.page,
        text_hash: str = captured_hash,
        diff: str = "",
    ) -> ExcerptCheck:
        return ExcerptCheck(
            excerpt.id, excerpt.doc_id, status, detail, *at, page, text_hash, diff, excerpt_key(excerpt)
        )

    if excerpt.quote_sha256 and sha256_text(quote) != excerpt.quote_sha256:
        return result(
            "mismatch",
            "the quoted text no longer has the SHA-256 stored with it: the briefing file was edited",
        )
    captured = (
        text_version(captured_hash)
        if text_version and captured_hash and (document is None or captured_hash != document.text_hash)
        else None
    )
    if document is None:
        if captured is None:
            return result("missing", "source no longer in archive; cited from the briefing's snapshot")
        if captured[start:end] == quote or quote in captured:
            return result(
                "missing",
                "source no longer in archive; the quote matches the text captured when it was quoted",
            )
        return result(
            "mismatch", "source no longer in archive, and the captured text does not hold the quote"
        )
    if document.text[start:end] == quote:
        same = captured_hash in ("", document.text_hash)
        return result(
            "ok",
            "" if same else "the document changed since the quote was captured; the quote did not",
            text_hash=document.text_hash,
        )
    found = _nearest(document.text, quote, start)
    if found >= 0:
        new_end = found + len(quote)
        return result(
            "moved",
            f"the quote is now at {found}:{new_end} of the current text (was {start}:{end})",
            at=(found, new_end),
            page=document.page_at(found) if document.pages else excerpt.page,
            text_hash=document.text_hash,
        )
    if captured is not None and (captured[start:end] == quote or quote in captured):
        at = start if captured[start:end] == quote else captured.find(quote)
        return result(
            "changed",
            f"today's text no longer holds the quote; the version captured{_when(excerpt)} does",
            diff=quote_diff(
                captured,
                document.text,
                at,
                at + len(quote),
                old_label=f"captured{_when(excerpt)} (sha256 {captured_hash[:12]})",
                new_label=f"archive today (sha256 {document.text_hash[:12]})",
            ),
        )
    if captured_hash and captured_hash != document.text_hash and text_version is not None:
        why = "the text captured when it was quoted is not in this archive"
    elif captured_hash == document.text_hash:
        why = "the span no longer holds it in the same text: the briefing file was edited"
    else:
        why = "the captured text version could not be looked up"
    return result("mismatch", f"the quote is not in the document's current text; {why}")


def _when(excerpt: Excerpt) -> str:
    """ " 24 Jun 2024 1200Z" (with its leading space), or "" when the capture time is unknown."""
    captured = excerpt.citation.captured_at
    return f" {format_time(captured)}" if captured else ""


def _nearest(text: str, quote: str, start: int) -> int:
    """The occurrence of `quote` in `text` closest to `start`, or -1."""
    best, at = -1, text.find(quote)
    while at >= 0:
        if best < 0 or abs(at - start) < abs(best - start):
            best = at
        if at > start:
            break
        at = text.find(quote, at + 1)
    return best


# -- the difference around a quote ---------------------------------------------------------
def quote_diff(
    old: str,
    new: str,
    start: int,
    end: int,
    *,
    old_label: str = "captured",
    new_label: str = "today",
    context: int = DIFF_CONTEXT,
    max_lines: int = DIFF_MAX_LINES,
) -> str:
    """A unified diff, by paragraph, of the changes that touch `old[start:end]`.

    Normalized texts hold one paragraph per line with a blank line between, so
    the diff compares paragraphs; hunks that do not touch the quote's
    paragraphs are left out.
    """
    old_paras, new_paras = old.split("\n\n"), new.split("\n\n")
    first = old.count("\n\n", 0, start)
    last = old.count("\n\n", 0, max(start, end - 1))
    matcher = difflib.SequenceMatcher(None, old_paras, new_paras, autojunk=False)
    groups = list(matcher.get_grouped_opcodes(context))
    touching = [g for g in groups if g[0][1] <= last and g[-1][2] > first]
    lines = [f"--- {old_label}", f"+++ {new_label}"]
    for group in touching or groups[:1]:
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        lines.append(f"@@ -{_range(i1, i2)} +{_range(j1, j2)} @@")
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                lines += [" " + p for p in old_paras[a1:a2]]
                continue
            lines += ["-" + p for p in old_paras[a1:a2]]
            lines += ["+" + p for p in new_paras[b1:b2]]
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"\u2026 ({len(lines) - max_lines} more lines)"]
    return "\n".join(lines)


def _range(start: int, stop: int) -> str:
    """A unified diff range, 1-based (as difflib writes it)."""
    length = stop - start
    if length == 1:
        return f"{start + 1}"
    return f"{start + 1 if length else start},{length}"
