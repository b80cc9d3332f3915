"""Near-duplicate signatures and clusters (`signatures`, `signature_bands`, `clusters`): what the
algorithms in `core/archive/clusters.py` store and read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from briefer.core.archive.catalog.store import CatalogStore, from_iso, writes

_BANDS_FROM = "cluster_bands_from"  # setting: the first signature whose band rows wait


def _pack_keys(keys: list[int]) -> bytes:
    """Band keys (31-bit, see clusters.py) packed 4 bytes each."""
    return b"".join(k.to_bytes(4, "little") for k in keys)


def _unpack_keys(packed: bytes) -> list[int]:
    return [int.from_bytes(packed[i : i + 4], "little") for i in range(0, len(packed), 4)]


@dataclass(frozen=True)
class DocumentFacts:
    """What choosing a cluster's representative and naming its outlets need of a document."""

    id: str
    title: str
    source: str
    source_type: str
    published: datetime | None
    imported_at: datetime | None


class SignatureTables(CatalogStore):
    """One signature per document, its band keys, and the clusters of copies they lead to."""

    def unsigned_ids(self) -> list[str]:
        """Documents with no signature of their current text (new, changed, or from before clusters)."""
        rows = self._read().execute(
            "SELECT d.id FROM documents d LEFT JOIN signatures s ON s.doc_id = d.id "
            "WHERE s.doc_id IS NULL OR s.text_hash != d.text_hash ORDER BY d.rowid"
        )
        return [str(row[0]) for row in rows]

    def orphaned_cluster_ids(self) -> list[str]:
        """Ids with a signature or a cluster row but no document any more."""
        rows = self._read().execute(
            "SELECT doc_id FROM signatures WHERE doc_id NOT IN (SELECT id FROM documents) "
            "UNION SELECT doc_id FROM clusters WHERE doc_id NOT IN (SELECT id FROM documents)"
        )
        return [str(row[0]) for row in rows]

    def titles_and_texts(self, doc_ids: list[str]) -> dict[str, tuple[str, str, str]]:
        """(title, text, text hash) of each document's current version, by id."""
        rows = self._read_in(
            "SELECT d.id, d.title, t.text, d.text_hash FROM documents d "
            "JOIN texts t ON t.hash = d.text_hash WHERE d.id IN ({marks})",
            doc_ids,
        )
        return {str(r[0]): (str(r[1]), str(r[2]), str(r[3])) for r in rows}

    def document_facts(self, doc_ids: list[str]) -> list[DocumentFacts]:
        """Outlet, source type and dates of these documents, in the same order; unknown ids left out."""
        rows = self._read_in(
            "SELECT id, title, source, source_type, published, imported_at FROM documents "
            "WHERE id IN ({marks})",
            doc_ids,
        )
        found: dict[str, DocumentFacts] = {}
        for r in rows:
            found[str(r[0])] = DocumentFacts(
                str(r[0]), str(r[1]), str(r[2]), str(r[3]), from_iso(r[4]), from_iso(r[5])
            )
        return [found[i] for i in doc_ids if i in found]

    # -- signatures and their band keys --------------------------------------------
    @writes
    def put_signatures(
        self, rows: list[tuple[str, str, bytes, list[int], bytes]], *, defer_bands: bool = False
    ) -> None:
        """Store (document id, text hash, minhash, band keys, shingle filter or b"") of documents
        that have none.

        With `defer_bands`, their rows of `signature_bands` wait for `write_deferred_bands` (the
        catalog remembers from which signature on, so that a killed import's are written by the
        next): 16 rows a document land at random in a table of millions, and a transaction that
        writes them for a few hundred documents rewrites most of its pages.
        """
        if not rows:
            return
        first = int(self._db.execute("SELECT coalesce(max(n), 0) + 1 FROM signatures").fetchone()[0])
        self._db.executemany(
            "INSERT INTO signatures (n, doc_id, text_hash, minhash, bands, shingle_filter) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            ((first + i, d, h, m, _pack_keys(k), f or None) for i, (d, h, m, k, f) in enumerate(rows)),
        )
        if defer_bands:
            waiting = self.setting(_BANDS_FROM)
            if waiting is None or first < int(waiting):
                self.set_setting(_BANDS_FROM, str(first))
            return
        bands = sorted((key, first + i) for i, (_, _, _, keys, _) in enumerate(rows) for key in keys)
        self._db.executemany("INSERT OR IGNORE INTO signature_bands VALUES (?, ?)", bands)

    @writes
    def write_deferred_bands(self) -> int:
        """Write the band rows `put_signatures(defer_bands=True)` left waiting, sorted, in one go;
        returns for how many documents."""
        waiting = self.setting(_BANDS_FROM)
        if waiting is None:
            return 0
        rows = self._db.execute("SELECT n, bands FROM signatures WHERE n >= ?", (int(waiting),)).fetchall()
        bands = sorted((key, int(n)) for n, packed in rows for key in _unpack_keys(bytes(packed)))
        self._db.executemany("INSERT OR IGNORE INTO signature_bands VALUES (?, ?)", bands)
        self._db.execute("DELETE FROM meta WHERE key=?", ("setting." + _BANDS_FROM,))
        return len(rows)

    @writes
    def delete_signature(self, doc_id: str) -> None:
        row = self._db.execute("SELECT n, bands FROM signatures WHERE doc_id=?", (doc_id,)).fetchone()
        if row is None:
            return
        n, bands = row
        self._db.executemany(
            "DELETE FROM signature_bands WHERE key=? AND n=?", ((k, n) for k in _unpack_keys(bands))
        )
        self._db.execute("DELETE FROM signatures WHERE n=?", (n,))

    def band_neighbours(
        self, keys: list[int], *, limit: int = 256, per_key: int = 64
    ) -> list[tuple[str, str | None, int]]:
        """(id, cluster id or None, band keys shared) of the `limit` documents sharing the most of
        `keys` (at least one), counting at most the `per_key` newest documents of each key: a key
        hundreds of documents share (a big cluster, a form letter) costs no more than a rare one."""
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        db = self._read()
        found = db.execute(
            f"SELECT n FROM signature_bands WHERE key IN ({marks}) LIMIT ?", [*keys, per_key + 1]
        )
        numbers = [int(r[0]) for r in found]
        if not numbers:  # the usual answer: one quick look
            return []
        if len(numbers) <= per_key:
            shared: dict[int, int] = {}
            for n in numbers:
                shared[n] = shared.get(n, 0) + 1
            best = sorted(shared, key=lambda n: -shared[n])[:limit]
            rows = db.execute(
                f"SELECT s.n, s.doc_id, c.cluster FROM signatures s "
                f"LEFT JOIN clusters c ON c.doc_id = s.doc_id WHERE s.n IN ({','.join('?' * len(best))})",
                best,
            )
            return [(str(r[1]), str(r[2]) if r[2] is not None else None, shared[int(r[0])]) for r in rows]
        per = " UNION ALL ".join(
            "SELECT * FROM (SELECT n FROM signature_bands WHERE key=? ORDER BY n DESC LIMIT ?)" for _ in keys
        )
        rows = db.execute(
            f"SELECT s.doc_id, c.cluster, b.shared FROM "
            f"(SELECT n, count(*) AS shared FROM ({per}) GROUP BY n ORDER BY shared DESC LIMIT ?) b "
            f"JOIN signatures s ON s.n = b.n LEFT JOIN clusters c ON c.doc_id = s.doc_id",
            [*(v for k in keys for v in (k, per_key)), limit],
        )
        return [(str(r[0]), str(r[1]) if r[1] is not None else None, int(r[2])) for r in rows]

    def known_band_keys(self, keys: list[int]) -> set[int]:
        """Those of `keys` some signed document has."""
        rows = self._read_in(
            "SELECT DISTINCT key FROM signature_bands WHERE key IN ({marks})", sorted(set(keys))
        )
        return {int(r[0]) for r in rows}

    def minhashes(self, doc_ids: list[str] | None = None) -> dict[str, bytes]:
        """The stored minhash of each document (every signed document when `doc_ids` is None)."""
        rows: Iterable[Any]
        if doc_ids is None:
            rows = self._read().execute("SELECT doc_id, minhash FROM signatures")
        else:
            rows = self._read_in("SELECT doc_id, minhash FROM signatures WHERE doc_id IN ({marks})", doc_ids)
        return {str(r[0]): bytes(r[1]) for r in rows}

    def shingle_filters(self, doc_ids: list[str]) -> dict[str, bytes]:
        """The stored shingle filter (`clusters.shingle_filter`) of each of `doc_ids` that has one
        (signed before filters were kept, or too long: none)."""
        rows = self._read_in(
            "SELECT doc_id, shingle_filter FROM signatures WHERE shingle_filter IS NOT NULL "
            "AND doc_id IN ({marks})",
            doc_ids,
        )
        return {str(r[0]): bytes(r[1]) for r in rows}

    def signature_keys(self) -> list[tuple[str, bytes, list[int]]]:
        """(id, minhash, band keys) of every signed document, in the order they were signed."""
        rows = self._read().execute("SELECT doc_id, minhash, bands FROM signatures ORDER BY n")
        return [(str(r[0]), bytes(r[1]), _unpack_keys(bytes(r[2]))) for r in rows]

    def count_signed(self) -> int:
        return int(self._read().execute("SELECT count(*) FROM signatures").fetchone()[0])

    # -- clusters ------------------------------------------------------------------
    def cluster_id(self, doc_id: str) -> str | None:
        """The cluster (its representative's id) of a document in a cluster of two or more, else None."""
        row = self._read().execute("SELECT cluster FROM clusters WHERE doc_id=?", (doc_id,)).fetchone()
        return str(row[0]) if row else None

    def cluster_member_ids(self, cluster: str) -> list[str]:
        rows = self._read().execute("SELECT doc_id FROM clusters WHERE cluster=? ORDER BY doc_id", (cluster,))
        return [str(row[0]) for row in rows]

    def clusters_of(self, doc_ids: list[str]) -> dict[str, str]:
        """Document id -> cluster id, for those of `doc_ids` in a cluster of two or more."""
        rows = self._read_in("SELECT doc_id, cluster FROM clusters WHERE doc_id IN ({marks})", doc_ids)
        return {str(d): str(c) for d, c in rows}

    def cluster_members(self, clusters: list[str]) -> dict[str, list[str]]:
        """Cluster id -> the ids of its documents, by id."""
        members: dict[str, list[str]] = {}
        rows = self._read_in(
            "SELECT cluster, doc_id FROM clusters WHERE cluster IN ({marks}) ORDER BY doc_id", clusters
        )
        for cluster, doc_id in rows:
            members.setdefault(str(cluster), []).append(str(doc_id))
        return members

    def cluster_map(self) -> dict[str, str]:
        """Document id -> cluster id, for every document in a cluster of two or more."""
        return {str(d): str(c) for d, c in self._read().execute("SELECT doc_id, cluster FROM clusters")}

    @writes
    def set_cluster(self, cluster: str, members: Iterable[str]) -> None:
        """Make `members` one cluster named `cluster` (a lone document gets no row)."""
        members = list(dict.fromkeys(members))
        self.uncluster(members)
        if len(members) > 1:
            self._db.executemany("INSERT INTO clusters VALUES (?, ?)", ((m, cluster) for m in members))

    @writes
    def merge_clusters(self, cluster: str, clusters: Iterable[str], documents: Iterable[str]) -> None:
        """Make `clusters` and the lone `documents` one cluster named `cluster` (its representative)."""
        self._db.executemany(
            "UPDATE clusters SET cluster=? WHERE cluster=?", ((cluster, c) for c in clusters)
        )
        self._db.executemany(
            "INSERT OR REPLACE INTO clusters VALUES (?, ?)", ((d, cluster) for d in documents)
        )

    @writes
    def uncluster(self, doc_ids: Iterable[str]) -> None:
        """Take documents out of their clusters (each becomes a lone document)."""
        self._db.executemany("DELETE FROM clusters WHERE doc_id=?", ((d,) for d in doc_ids))

    @writes
    def clear_clusters(self) -> None:
        self._db.execute("DELETE FROM clusters")

    def count_clusters(self) -> tuple[int, int]:
        """(clusters of two or more documents, documents in them)."""
        row = self._read().execute("SELECT count(DISTINCT cluster), count(*) FROM clusters").fetchone()
        return int(row[0]), int(row[1])
