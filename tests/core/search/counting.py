"""A `SearchEngine` that counts what is asked of the real engine behind it, and from which thread."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from briefer.core.search import AliasTable, IndexResults, SearchEngine, SearchRequest, WriteBatch

# What evaluates a query against the index (anything outside the protocol counts too: the old
# reader asked the Whoosh engine for `query_terms`, which prepared, parsed and evaluated the query).
QUERYING = frozenset({"search", "more_like", "words"})


class CountingEngine:
    """Implements `SearchEngine` by passing every call on to `engine`, recording (name, thread)."""

    def __init__(self, engine: SearchEngine) -> None:
        self._engine = engine
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def _count(self, name: str) -> None:
        with self._lock:
            self.calls.append((name, threading.current_thread().name))

    def forget(self) -> None:
        with self._lock:
            self.calls.clear()

    def queries(self) -> list[str]:
        """The calls that evaluated a query (or reached past the protocol), in order."""
        return [name for name, _ in self.calls if name in QUERYING or name.startswith("other:")]

    def on_gui_thread(self) -> list[str]:
        """Every call made on the main (GUI) thread."""
        main = threading.main_thread().name
        return [name for name, thread in self.calls if thread == main]

    # -- the protocol ---------------------------------------------------------------------------
    @property
    def aliases(self) -> AliasTable:
        return self._engine.aliases

    @aliases.setter
    def aliases(self, table: AliasTable) -> None:
        self._engine.aliases = table

    @property
    def rebuilt_reason(self) -> str:
        return self._engine.rebuilt_reason

    @contextmanager
    def batch(self, *, bulk: bool = False) -> Iterator[WriteBatch]:
        self._count("batch")
        with self._engine.batch(bulk=bulk) as batch:
            yield batch

    def reset(self) -> None:
        self._count("reset")
        self._engine.reset()

    def close(self) -> None:
        self._count("close")
        self._engine.close()

    def doc_count(self) -> int:
        self._count("doc_count")
        return self._engine.doc_count()

    def size_bytes(self) -> int:
        self._count("size_bytes")
        return self._engine.size_bytes()

    def search(self, request: SearchRequest, *, clusters: Mapping[str, str] | None = None) -> IndexResults:
        self._count("search")
        return self._engine.search(request, clusters=clusters)

    def more_like(self, text: str, *, exclude: Collection[str] = (), limit: int = 10) -> IndexResults:
        self._count("more_like")
        return self._engine.more_like(text, exclude=exclude, limit=limit)

    def words(self, prefix: str = "", *, limit: int = 100) -> list[str]:
        self._count("words")
        return self._engine.words(prefix, limit=limit)

    def __getattr__(self, name: str) -> Any:
        """Anything the protocol does not offer is passed on too, and counted as "other:NAME"."""
        if name.startswith("_"):
            raise AttributeError(name)
        self._count(f"other:{name}")
        return getattr(self._engine, name)
