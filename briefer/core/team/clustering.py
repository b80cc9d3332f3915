"""`briefer --team URL cluster --threshold T`: the team archive's documents clustered again.

The personal archive's algorithm (`core/archive/clusters.py`, `Clusters.recluster`) runs as it is,
over a workspace in memory (`_Workspace`) that reads the team's documents and keeps the
signatures, band keys and clusters of this one run; the result replaces the team's `clusters`
rows in one transaction at the end.  A cancelled run writes nothing.  The team tables keep no band
keys (a push sends each machine's clusters, not its signatures), so every document is signed
again: copies sent from different machines find each other only here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import cast

from briefer.core.archive.catalog import Catalog, DocumentFacts
from briefer.core.archive.clusters import (
    SIGNATURE_VERSION,
    THRESHOLD_SETTING,
    VERSION_SETTING,
    Clusters,
    ClusterStats,
    check_threshold,
)
from briefer.core.progress import Progress, no_progress
from briefer.core.team.catalog import TeamCatalog


def recluster(
    catalog: TeamCatalog,
    threshold: float,
    *,
    progress: Progress = no_progress,
    cancel: threading.Event | None = None,
) -> ClusterStats:
    """Cluster the team's documents again at `threshold` (0: none) and store the clusters; the
    figures `briefer cluster` prints for them.  ValueError for a threshold `check_threshold` refuses."""
    threshold = check_threshold(threshold)
    workspace = _Workspace(catalog)
    Clusters(cast(Catalog, workspace)).recluster(threshold, progress=progress, cancel=cancel)
    kept = {THRESHOLD_SETTING: repr(threshold)}  # what every analyst's imports follow from now on
    catalog.replace_clusters(workspace.ids, workspace.clusters, kept)
    clusters, clustered = catalog.count_clusters()  # as the team archive holds them now
    return ClusterStats(threshold, catalog.count_documents(), catalog.count_signed(), clusters, clustered)


class _Workspace:
    """The catalog methods `Clusters.recluster` uses: documents read from the team archive,
    signatures and clusters kept in memory (`ids`: the documents there were when it started)."""

    def __init__(self, team: TeamCatalog) -> None:
        self._team = team
        self.ids = team.all_ids()
        self.clusters: dict[str, str] = {}  # document -> cluster (representative), two or more
        self._settings = {VERSION_SETTING: str(SIGNATURE_VERSION)}
        self._signed: dict[str, tuple[bytes, list[int]]] = {}  # in the order they were signed
        self._bands: dict[int, list[str]] = {}  # band key -> documents, in the order they were signed
        self._filters: dict[str, bytes] = {}  # document -> its shingle filter, when it has one

    @contextmanager
    def transaction(self) -> Iterator[None]:
        yield

    def setting(self, key: str) -> str | None:
        return self._settings.get(key)

    def set_setting(self, key: str, value: str) -> None:
        self._settings[key] = value

    # -- documents: read from the team archive ------------------------------------------------
    def unsigned_ids(self) -> list[str]:
        return [i for i in self.ids if i not in self._signed]

    def orphaned_cluster_ids(self) -> list[str]:
        return []

    def titles_and_texts(self, doc_ids: list[str]) -> dict[str, tuple[str, str, str]]:
        return self._team.titles_and_texts(doc_ids)

    def document_facts(self, doc_ids: list[str]) -> list[DocumentFacts]:
        return self._team.document_facts(doc_ids)

    def count_documents(self) -> int:
        return len(self.ids)

    # -- signatures and band keys ---------------------------------------------------------------
    def put_signatures(
        self, rows: list[tuple[str, str, bytes, list[int], bytes]], *, defer_bands: bool = False
    ) -> None:
        for doc_id, _, minhash, keys, shingle_filter in rows:
            self._signed[doc_id] = (minhash, keys)
            if shingle_filter:
                self._filters[doc_id] = shingle_filter
            for key in keys:
                self._bands.setdefault(key, []).append(doc_id)

    def write_deferred_bands(self) -> int:
        return 0

    def delete_signature(self, doc_id: str) -> None:
        _, keys = self._signed.pop(doc_id, (b"", []))
        self._filters.pop(doc_id, None)
        for key in keys:
            self._bands[key].remove(doc_id)

    def band_neighbours(
        self, keys: list[int], *, limit: int = 256, per_key: int = 64
    ) -> list[tuple[str, str | None, int]]:
        """As the personal catalog's: the documents sharing the most of `keys`, counting at most
        the `per_key` newest of each key once more than `per_key` share them."""
        holders = [self._bands.get(key, []) for key in keys]
        if sum(len(h) for h in holders) > per_key:
            holders = [h[-per_key:] for h in holders]
        shared: dict[str, int] = {}
        for held in holders:
            for doc_id in held:
                shared[doc_id] = shared.get(doc_id, 0) + 1
        best = sorted(shared, key=lambda d: -shared[d])[:limit]
        return [(d, self.clusters.get(d), shared[d]) for d in best]

    def known_band_keys(self, keys: list[int]) -> set[int]:
        return {key for key in keys if self._bands.get(key)}

    def minhashes(self, doc_ids: list[str] | None = None) -> dict[str, bytes]:
        wanted = self._signed if doc_ids is None else [d for d in doc_ids if d in self._signed]
        return {d: self._signed[d][0] for d in wanted}

    def shingle_filters(self, doc_ids: list[str]) -> dict[str, bytes]:
        return {d: self._filters[d] for d in doc_ids if d in self._filters}

    def signature_keys(self) -> list[tuple[str, bytes, list[int]]]:
        return [(d, minhash, keys) for d, (minhash, keys) in self._signed.items()]

    def count_signed(self) -> int:
        return len(self._signed)

    # -- clusters ------------------------------------------------------------------------------
    def cluster_id(self, doc_id: str) -> str | None:
        return self.clusters.get(doc_id)

    def cluster_member_ids(self, cluster: str) -> list[str]:
        return sorted(d for d, c in self.clusters.items() if c == cluster)

    def set_cluster(self, cluster: str, members: Iterable[str]) -> None:
        members = list(dict.fromkeys(members))
        self.uncluster(members)
        if len(members) > 1:
            self.clusters.update((m, cluster) for m in members)

    def merge_clusters(self, cluster: str, clusters: Iterable[str], documents: Iterable[str]) -> None:
        merged = set(clusters)
        for doc_id, current in self.clusters.items():
            if current in merged:
                self.clusters[doc_id] = cluster
        self.clusters.update((d, cluster) for d in documents)

    def uncluster(self, doc_ids: Iterable[str]) -> None:
        for doc_id in doc_ids:
            self.clusters.pop(doc_id, None)

    def clear_clusters(self) -> None:
        self.clusters.clear()

    def count_clusters(self) -> tuple[int, int]:
        return len(set(self.clusters.values())), len(self.clusters)
