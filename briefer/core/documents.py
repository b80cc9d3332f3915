"""What an importer extracts from a file, and what the catalog keeps of a document."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Extracted:
    """The clean text and metadata of one file, before it enters the catalog.

    `text` is normalized (see `textnorm.normalize`): paragraphs separated by one
    blank line, so character offsets into it are stable and meaningful.
    """

    text: str
    title: str = ""
    author: str = ""
    source: str = ""  # outlet or site name
    published: datetime | None = None  # UTC
    published_raw: str = ""  # the date as the file gave it
    url: str = ""
    language: str = ""
    format: str = ""  # "html", "markdown", "text", ...
    pages: tuple[int, ...] = ()  # offset where each page starts, when the format has pages
    source_type: str = ""  # government, state media, wire service, think tank, news, other ("" unknown)
    flags: tuple[str, ...] = ()  # e.g. "ocr": some text was read from page images, not a text layer


@dataclass(frozen=True)
class ArchiveIdentity:
    """Which archive a document was read from: the catalog's id, made once with the catalog and
    kept by every copy of its data folder, and that folder (for messages; it may move)."""

    id: str
    path: str = ""

    @property
    def short_id(self) -> str:
        return self.id[:8]


@dataclass(frozen=True)
class Document:
    """A document in the archive: its current text version and where its files are."""

    id: str
    title: str
    text: str
    text_hash: str
    author: str = ""
    source: str = ""
    published: datetime | None = None
    published_raw: str = ""
    url: str = ""
    language: str = ""
    format: str = ""
    source_type: str = ""
    paths: tuple[str, ...] = field(default_factory=tuple)
    tags: tuple[str, ...] = ()
    imported_at: datetime | None = None
    updated_at: datetime | None = None
    pages: tuple[int, ...] = ()  # offset where each page starts (PDFs), for "p. 7" citations
    parent_id: str | None = None  # the document this one came with (an e-mail's attachment)
    flags: tuple[str, ...] = ()
    archive: ArchiveIdentity | None = None  # the archive the catalog read it from

    def page_at(self, offset: int) -> int | None:
        """The 1-based page that holds character `offset`, or None when the text has no pages."""
        if not self.pages:
            return None
        return bisect.bisect_right(self.pages, offset) or 1

    @property
    def path(self) -> str:
        return self.paths[0] if self.paths else ""
