"""What removing documents from the archive takes away from briefings.

A briefing keeps a snapshot of each source it quotes, so it can still be exported
after the source leaves the archive, but then every such quote is printed "(source
no longer in archive)" and can no longer be verified.  Before documents are
removed, the front ends ask, naming how many of them the open briefing and the
recent briefings quote; a quoted document is removed only when the user says so
(`Archive.remove_sample(keep=...)` keeps the others).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from briefer.core.briefing import storage
from briefer.core.briefing.model import Briefing, BriefingError, excerpts

log = logging.getLogger(__name__)


def quoted_documents(briefings: Iterable[Briefing]) -> frozenset[str]:
    """The ids of the archive documents the briefings quote."""
    return frozenset(
        doc_id
        for briefing in briefings
        for excerpt in excerpts(briefing).values()
        for doc_id in (excerpt.doc_id, excerpt.citation.doc_id)
        if doc_id
    )


def quoted_in_files(paths: Iterable[Path]) -> tuple[frozenset[str], tuple[Path, ...]]:
    """`quoted_documents` of the briefing files, and the files that exist but cannot be read (what
    they quote is unknown).  A file that is gone quotes nothing any more and is skipped."""
    briefings: list[Briefing] = []
    unreadable: list[Path] = []
    for path in paths:
        if not path.exists():
            continue
        try:
            briefings.append(storage.load(path))
        except (BriefingError, OSError) as exc:
            log.warning("cannot read %s to count its quotes: %s", path, exc)
            unreadable.append(path)
    return quoted_documents(briefings), tuple(unreadable)


@dataclass(frozen=True)
class RemovalPlan:
    """Documents a removal would take, and which of them briefings quote.  The front ends word it."""

    documents: frozenset[str]
    quoted_by_open: frozenset[str]  # of `documents`, those the open briefing quotes
    quoted_by_recent: frozenset[str]  # of `documents`, those only other recent briefings quote
    unreadable: tuple[Path, ...] = ()  # recent briefings that could not be read

    @classmethod
    def of(
        cls,
        documents: Iterable[str],
        *,
        open_briefing: Iterable[str] = (),
        recent: Iterable[str] = (),
        unreadable: Iterable[Path] = (),
    ) -> RemovalPlan:
        """`documents` to remove; `open_briefing` and `recent`: the documents those briefings quote."""
        docs = frozenset(documents)
        by_open = docs & frozenset(open_briefing)
        return cls(docs, by_open, (docs & frozenset(recent)) - by_open, tuple(unreadable))

    @property
    def quoted(self) -> frozenset[str]:
        """The documents some briefing quotes: what "keep the quoted ones" keeps."""
        return self.quoted_by_open | self.quoted_by_recent

    @property
    def unquoted(self) -> int:
        """How many documents go when the quoted ones are kept."""
        return len(self.documents - self.quoted)
