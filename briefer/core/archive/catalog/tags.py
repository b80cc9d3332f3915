"""The analyst's tags on documents (`tags`)."""

from __future__ import annotations

from collections.abc import Iterable

from briefer.core.archive.catalog.store import CatalogStore, writes


class TagTables(CatalogStore):
    """Tags, each change making its document wait for the index again (a new revision)."""

    @writes
    def add_tags(self, doc_id: str, tags: Iterable[str]) -> None:
        self._db.executemany("INSERT OR IGNORE INTO tags VALUES (?, ?)", ((doc_id, t) for t in tags))
        self._db.execute("UPDATE documents SET indexed=0, revision=revision+1 WHERE id=?", (doc_id,))

    @writes
    def remove_tags(self, doc_id: str, tags: Iterable[str]) -> None:
        self._db.executemany("DELETE FROM tags WHERE doc_id=? AND tag=?", ((doc_id, t) for t in tags))
        self._db.execute("UPDATE documents SET indexed=0, revision=revision+1 WHERE id=?", (doc_id,))

    def tags_of(self, doc_ids: list[str]) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        rows = self._read_in("SELECT doc_id, tag FROM tags WHERE doc_id IN ({marks}) ORDER BY tag", doc_ids)
        for doc_id, tag in rows:
            found.setdefault(doc_id, []).append(tag)
        return {k: tuple(v) for k, v in found.items()}

    def all_tags(self) -> dict[str, int]:
        rows = self._read().execute("SELECT tag, count(*) FROM tags GROUP BY tag ORDER BY tag")
        return {str(tag): int(count) for tag, count in rows}
