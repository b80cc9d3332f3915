"""What a multi-document file yields: one `Part` per document (or per failure) inside it.

A file that is one document (a page, a PDF) yields one part whose `member` is
"".  A container (a zip archive, an mbox, a feed) yields one part per member,
and an e-mail yields its own message ("") followed by its attachments, which
name the message as their `parent`.  A part that could not be read carries no
`extracted` but a status ("failed" or "skipped") and a one-line reason, so the
importer can report every member instead of swallowing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from briefer.core.archive.limits import DEFAULT_MAX_BYTES as DEFAULT_MAX_BYTES  # re-exported
from briefer.core.archive.limits import (
    DEFAULT_MAX_EXPANSION,
    DEFAULT_MAX_MEMBERS,
    MAX_RATIO,
    MIN_RATIO_BYTES,
    ImportLimits,
    expansion_reason,
    members_reason,
    ratio_reason,
)
from briefer.core.documents import Extracted


@dataclass(frozen=True)
class Part:
    """One document found in a file, or the reason one could not be read."""

    member: str  # "" for the file itself; else a name inside it ("report.pdf", "3", an entry id)
    extracted: Extracted | None = None
    status: str = ""  # "" when extracted; "failed" or "skipped" otherwise
    reason: str = ""
    # What the document is known by: the hash of the member's bytes, or of what it says when the same
    # document comes in different bytes (an e-mail: see mail.message_hash).  "" for the file itself:
    # the importer hashes the file.
    content_hash: str = ""
    key: str = ""  # an identity that holds across files while the content changes: a feed entry's id
    parent: str | None = None  # the member whose document this one belongs to ("" = the file's own)


class Unpacked:
    """What the members of one file have cost so far, at every depth: the tree under a top-level
    file (a zip holding e-mails with zips attached) is bounded as a whole, not container by
    container (a 1.3 MB zip once became a 793 MB catalog)."""

    def __init__(self, file_size: int) -> None:
        self.file_size = file_size
        self.members = 0
        self.bytes = 0
        self.stopped = ""  # the bound hit, once one is: every container stops at its next member

    def take(self, size: int, limits: Limits) -> str:
        """Count one more member of `size` bytes unpacked; "" if it may be read, else why not."""
        unpacked = self.bytes + size
        if self.stopped:
            pass
        elif self.members >= limits.max_members:
            self.stopped = members_reason(limits.max_members)
        elif unpacked > limits.max_expansion:
            self.stopped = expansion_reason(limits.max_expansion)
        elif unpacked >= MIN_RATIO_BYTES and unpacked > limits.max_ratio * self.file_size:
            self.stopped = ratio_reason(limits.max_ratio)
        else:
            self.members, self.bytes = self.members + 1, unpacked
        return self.stopped


@dataclass(frozen=True)
class Limits:
    """Bounds on what one file may make an extractor do."""

    max_bytes: int = DEFAULT_MAX_BYTES  # for any member unpacked in memory
    max_ratio: float = MAX_RATIO  # unpacked/packed size of an archive member, and of the whole file
    max_members: int = DEFAULT_MAX_MEMBERS  # members read from the file, at every depth
    max_expansion: int = DEFAULT_MAX_EXPANSION  # bytes unpacked from the file, at every depth
    depth: int = 0  # how deep inside containers this file sits
    prefix: str = ""  # the member name of the container being read ("" for the file itself)
    skip: frozenset[str] = frozenset()  # members (full names) not to read: they hung a parser
    # The file's members so far; `extract_parts` starts a count for each top-level file.
    unpacked: Unpacked = field(default_factory=lambda: Unpacked(0), compare=False, repr=False)

    @classmethod
    def of(cls, limits: ImportLimits) -> Limits:
        """What an import's limits bound inside a file."""
        return cls(
            max_bytes=limits.max_size, max_members=limits.max_members, max_expansion=limits.max_expansion
        )

    def skips(self, member: str) -> bool:
        """Whether `member`, named relative to the container being read, is not to be read."""
        return bool(self.skip) and (f"{self.prefix}/{member}" if self.prefix else member) in self.skip

    def take(self, size: int) -> str:
        """Count a member of `size` bytes, about to be read; "" when it may be, else the bound hit."""
        return self.unpacked.take(size, self)


Begin = Callable[[str], None]  # told the member an extractor starts on, so a hang can be blamed


def no_begin(member: str) -> None:
    """A Begin callback that ignores the news."""


def failed(member: str, reason: str, **kwargs: object) -> Part:
    return Part(member=member, status="failed", reason=reason, **kwargs)  # type: ignore[arg-type]


def skipped(member: str, reason: str, **kwargs: object) -> Part:
    return Part(member=member, status="skipped", reason=reason, **kwargs)  # type: ignore[arg-type]
