"""The documents, their text versions (`documents`, `texts`, `document_versions`) and what the
index holds of them.

Texts are content-addressed (`texts`, keyed by the SHA-256 of the normalized
text) and never rewritten: a document that changes gets a new text version and
keeps the old ones, so spans captured against an earlier version stay valid.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Protocol

from briefer.core.archive.catalog.locations import LocationTables
from briefer.core.archive.catalog.store import from_iso, iso, now_iso, sha256_hex, writes
from briefer.core.archive.catalog.tags import TagTables
from briefer.core.documents import Document, Extracted
from briefer.core.textnorm import NORMALIZATION_VERSION


class RevisionPairs(Protocol):
    """(document id, revision) pairs, as a mapping's `items()` gives them."""

    def items(self) -> Iterable[tuple[str, int]]: ...


def new_document_id() -> str:
    return "d" + uuid.uuid4().hex[:15]


class DocumentTables(TagTables, LocationTables):
    """Documents as they are read whole: their text, tags and file paths."""

    def document_by_content(self, content_hash: str) -> str | None:
        query = "SELECT id FROM documents WHERE content_hash=?"
        row = self._read().execute(query, (content_hash,)).fetchone()
        return row[0] if row else None

    def _store_text(self, text: str) -> str:
        text_hash = sha256_hex(text.encode("utf-8", "surrogatepass"))
        self._db.execute(
            "INSERT OR IGNORE INTO texts VALUES (?, ?, ?, ?)",
            (text_hash, text, NORMALIZATION_VERSION, now_iso()),
        )
        return text_hash

    @writes
    def put_document(
        self,
        doc_id: str | None,
        content_hash: str,
        extracted: Extracted,
        *,
        entry_key: str = "",
        parent_id: str | None = None,
    ) -> str:
        """Insert a new document (doc_id None) or a new version of one; returns its id."""
        text_hash = self._store_text(extracted.text)
        stamp = now_iso()
        values = (
            content_hash,
            text_hash,
            extracted.title,
            extracted.author,
            extracted.source,
            iso(extracted.published),
            extracted.published_raw,
            extracted.url,
            extracted.language,
            extracted.format,
            extracted.source_type,
            ",".join(map(str, extracted.pages)),
            ",".join(extracted.flags),
            entry_key,
            parent_id,
        )
        if doc_id is None:
            doc_id = new_document_id()
            self._db.execute(
                "INSERT INTO documents (content_hash, text_hash, title, author, source, published, "
                "published_raw, url, language, format, source_type, pages, flags, entry_key, parent_id, "
                "id, imported_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, doc_id, stamp, stamp),
            )
        else:
            self._db.execute(
                "UPDATE documents SET content_hash=?, text_hash=?, title=?, author=?, source=?, "
                "published=?, published_raw=?, url=?, language=?, format=?, source_type=?, pages=?, "
                "flags=?, entry_key=?, parent_id=?, updated_at=?, indexed=0, revision=revision+1 WHERE id=?",
                (*values, stamp, doc_id),
            )
        self._db.execute(
            "INSERT OR IGNORE INTO document_versions VALUES (?, ?, ?)", (doc_id, text_hash, stamp)
        )
        return doc_id

    @writes
    def delete_document(self, doc_id: str) -> None:
        """Forget a document and its locations; its text versions stay for verification."""
        self._db.execute("DELETE FROM locations WHERE doc_id=?", (doc_id,))
        self._db.execute("DELETE FROM tags WHERE doc_id=?", (doc_id,))
        self._db.execute("DELETE FROM documents WHERE id=?", (doc_id,))

    # -- what the index holds ----------------------------------------------------
    def mark_indexed(self, revisions: Mapping[str, int] | RevisionPairs) -> None:
        """The index has committed these documents as of these revisions (see `indexable`).

        A document changed since (a tag added by another process while an import held the index)
        has a newer revision and stays unindexed: whoever indexes next picks it up, nothing that
        read it earlier can mark the change as indexed.
        """
        with self.transaction():
            self._db.executemany(
                "UPDATE documents SET indexed=1 WHERE id=? AND revision=?", revisions.items()
            )

    @writes
    def mark_all_unindexed(self) -> None:
        self._db.execute("UPDATE documents SET indexed=0")

    def unindexed_ids(self) -> list[str]:
        return [row[0] for row in self._read().execute("SELECT id FROM documents WHERE indexed=0")]

    def revisions(self, doc_ids: list[str]) -> dict[str, int]:
        """The current revision of each document, by id (unknown ids left out)."""
        rows = self._read_in("SELECT id, revision FROM documents WHERE id IN ({marks})", doc_ids)
        return {str(r[0]): int(r[1]) for r in rows}

    def indexable(self, doc_ids: list[str]) -> tuple[list[Document], dict[str, int]]:
        """The documents with these ids (as `documents`) and the revisions to mark them indexed with.

        The revisions are read first: a change committed between the two reads gives a document
        newer than its revision, which `mark_indexed` then leaves unindexed (indexed once more
        later), never an older document marked as the newer revision.
        """
        revisions = self.revisions(doc_ids)
        return self.documents(doc_ids), revisions

    # -- reading -------------------------------------------------------------------
    def all_ids(self) -> list[str]:
        return [row[0] for row in self._read().execute("SELECT id FROM documents ORDER BY rowid")]

    def document(self, doc_id: str) -> Document | None:
        docs = self.documents([doc_id])
        return docs[0] if docs else None

    def documents(self, doc_ids: list[str]) -> list[Document]:
        """The documents with these ids, in the same order; unknown ids are left out."""
        rows = list(
            self._read_in(
                "SELECT d.id, d.title, t.text, d.text_hash, d.author, d.source, d.published, "
                "d.published_raw, d.url, d.language, d.format, d.source_type, d.imported_at, "
                "d.updated_at, d.pages, d.parent_id, d.flags FROM documents d "
                "JOIN texts t ON t.hash = d.text_hash WHERE d.id IN ({marks})",
                doc_ids,
            )
        )
        tags = self.tags_of([str(row[0]) for row in rows])
        found: dict[str, Document] = {}
        for row in rows:
            doc = self._document_from_row(row)
            found[doc.id] = replace(doc, tags=tags.get(doc.id, ()))
        return [found[i] for i in doc_ids if i in found]

    def _document_from_row(self, row: tuple[object, ...]) -> Document:
        doc_id = str(row[0])
        return Document(
            id=doc_id,
            title=str(row[1]),
            text=str(row[2]),
            text_hash=str(row[3]),
            author=str(row[4]),
            source=str(row[5]),
            published=from_iso(row[6] if isinstance(row[6], str) else None),
            published_raw=str(row[7]),
            url=str(row[8]),
            language=str(row[9]),
            format=str(row[10]),
            source_type=str(row[11]),
            paths=tuple(self.paths_of(doc_id)),
            imported_at=from_iso(str(row[12])),
            updated_at=from_iso(str(row[13])),
            pages=tuple(int(p) for p in str(row[14] or "").split(",") if p),
            parent_id=str(row[15]) if row[15] else None,
            flags=tuple(f for f in str(row[16] or "").split(",") if f),
            archive=self.identity,
        )

    def document_by_key(self, entry_key: str) -> tuple[str, str] | None:
        """(id, content hash) of the document with this entry key (a feed entry's id), if any."""
        row = (
            self._read()
            .execute("SELECT id, content_hash FROM documents WHERE entry_key=? LIMIT 1", (entry_key,))
            .fetchone()
        )
        return (str(row[0]), str(row[1])) if row else None

    def attachments_of(self, doc_id: str) -> list[str]:
        """Ids of the documents that came with `doc_id` (an e-mail's attachments)."""
        rows = self._read().execute("SELECT id FROM documents WHERE parent_id=? ORDER BY rowid", (doc_id,))
        return [str(row[0]) for row in rows]

    def text_version(self, text_hash: str) -> str | None:
        row = self._read().execute("SELECT text FROM texts WHERE hash=?", (text_hash,)).fetchone()
        return str(row[0]) if row else None

    def texts(self, doc_ids: list[str]) -> dict[str, str]:
        """The current text of each document (for snippets), by id."""
        rows = self._read_in(
            "SELECT d.id, t.text FROM documents d JOIN texts t ON t.hash = d.text_hash "
            "WHERE d.id IN ({marks})",
            doc_ids,
        )
        return {str(r[0]): str(r[1]) for r in rows}

    def content_and_versions(self, doc_ids: list[str]) -> dict[str, tuple[str, list[tuple[str, str]]]]:
        """Each document's content hash (its file's bytes) and every text version it had, as
        (text hash, text), oldest first: what copying the document to another archive takes."""
        contents = {
            str(r[0]): str(r[1])
            for r in self._read_in("SELECT id, content_hash FROM documents WHERE id IN ({marks})", doc_ids)
        }
        versions: dict[str, list[tuple[str, str]]] = {doc_id: [] for doc_id in contents}
        rows = self._read_in(
            "SELECT v.doc_id, v.text_hash, t.text FROM document_versions v "
            "JOIN texts t ON t.hash = v.text_hash "
            "WHERE v.doc_id IN ({marks}) ORDER BY v.captured_at, v.rowid",
            doc_ids,
        )
        for doc_id, text_hash, text in rows:
            versions[str(doc_id)].append((str(text_hash), str(text)))
        return {doc_id: (contents[doc_id], versions[doc_id]) for doc_id in contents}

    # -- statistics --------------------------------------------------------------
    def count_documents(self) -> int:
        return int(self._read().execute("SELECT count(*) FROM documents").fetchone()[0])

    def count_unindexed(self) -> int:
        return int(self._read().execute("SELECT count(*) FROM documents WHERE indexed=0").fetchone()[0])

    def count_kinds(self) -> list[tuple[str, str, str, str, int]]:
        """(outlet, source type, language, year, documents) for each combination the documents
        have, in one pass over the table ("" where not known)."""
        rows = self._read().execute(
            "SELECT source, source_type, language, coalesce(substr(published, 1, 4), ''), count(*) "
            "FROM documents GROUP BY 1, 2, 3, 4"
        )
        return [(str(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4])) for r in rows]
