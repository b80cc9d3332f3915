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
from dataclasses import dataclass

from briefer.core.documents import Extracted
from briefer.core.limits import DEFAULT_MAX_BYTES as DEFAULT_MAX_BYTES  # re-exported


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


@dataclass(frozen=True)
class Limits:
    """Bounds on what one file may make an extractor do."""

    max_bytes: int = DEFAULT_MAX_BYTES  # for any member unpacked in memory
    max_ratio: float = 200.0  # uncompressed/compressed size of an archive member
    depth: int = 0  # how deep inside containers this file sits
    prefix: str = ""  # the member name of the container being read ("" for the file itself)
    skip: frozenset[str] = frozenset()  # members (full names) not to read: they hung a parser

    def skips(self, member: str) -> bool:
        """Whether `member`, named relative to the container being read, is not to be read."""
        return bool(self.skip) and (f"{self.prefix}/{member}" if self.prefix else member) in self.skip


Begin = Callable[[str], None]  # told the member an extractor starts on, so a hang can be blamed


def no_begin(member: str) -> None:
    """A Begin callback that ignores the news."""


def failed(member: str, reason: str, **kwargs: object) -> Part:
    return Part(member=member, status="failed", reason=reason, **kwargs)  # type: ignore[arg-type]


def skipped(member: str, reason: str, **kwargs: object) -> Part:
    return Part(member=member, status="skipped", reason=reason, **kwargs)  # type: ignore[arg-type]
