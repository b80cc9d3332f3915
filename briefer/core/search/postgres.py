"""The team archive's search engine: a `SearchEngine` (engine.py) over PostgreSQL.

It indexes the `Document`s it is given, as the Whoosh engine does, into its own tables of the team
archive's schema (migration 2 of core/team/schema.py), beside the team's documents but not
reading them:

- `search_docs`: one row per document: the title's words as a tsvector, the outlet's, author's
  and address's words (`names`), the list of all its words (`words`, no positions: a query's
  words are one look-up), the facets (outlet, language, type, tags, publication day);
- `search_parts`: the body's words, in parts of at most 16,000 positions that overlap (see
  _pg_write.py), so that phrases still match past PostgreSQL's position limit;
- `search_terms`, `search_stats`: each word's document frequency per field and the fields'
  lengths, changed in the same transaction as the rows, for BM25 (ts_rank has no idf);
- `search_words`: the vocabulary, words as written, for did-you-mean and `words()`.

A query is parsed by the Whoosh engine's parser (the same syntax and messages), compiled to SQL
(_pg_query.py), counted, faceted and ordered by the server (_pg_search.py); the best candidates
are scored with the Whoosh engine's BM25F and bonuses (_pg_rank.py, ranking.py).  Searches run in
one read-only snapshot (REPEATABLE READ) under `statement_timeout`; one that runs out is a
`QueryTooBroad`.
Writers are one at a time (an advisory lock; another gets IndexBusy); a batch is a transaction,
so a writer killed mid-batch leaves what it committed.

The package exports `PostgresIndex` lazily: psycopg loads with this module, never in the desktop.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg

from briefer.core.documents import Document
from briefer.core.search import query as querylang
from briefer.core.search._pg_search import Search, Vocabulary, more_like, statistics
from briefer.core.search._pg_write import COLUMNS, DocumentRows, document_rows
from briefer.core.search.analysis import term_counts
from briefer.core.search.engine import IndexResults
from briefer.core.search.errors import IndexBusy, QueryTooBroad
from briefer.core.search.query import (
    AliasTable,
    SearchRequest,
)
from briefer.core.search.ranking import DEFAULT as DEFAULT_RANKING
from briefer.core.search.ranking import Ranking

if TYPE_CHECKING:
    from briefer.core.team.connection import PasswordSource

log = logging.getLogger(__name__)

WRITER_LOCK = 0x42736561  # "Bsea": the advisory lock a writer holds (per database)
WRITER_WAIT_MS = 3000  # how long a writer waits for another to finish before IndexBusy
FLUSH_EVERY = 500  # documents a batch sends together
_VOCABULARY_LIMIT = 300_000  # words a batch remembers having sent

_Result = TypeVar("_Result")


class PostgresIndex:
    """The search index kept in the team archive at `location` (a URL, connection string or
    service name, as `--team` takes it); `password` gives the keychain's password for a credential
    account (core/team/connection.py).  `statement_timeout_ms` bounds each search."""

    def __init__(
        self,
        location: str,
        *,
        password: PasswordSource | None = None,
        statement_timeout_ms: int = 5000,
        aliases: AliasTable | None = None,
        ranking: Ranking = DEFAULT_RANKING,
        texts: Callable[[list[str]], list[str]] | None = None,
    ) -> None:
        """`texts` gives the texts of documents by id, in order, for the ranking's feedback factor
        (the index keeps no text); without it, ranking has no feedback."""
        from briefer.core.search.index import SearchIndex
        from briefer.core.team.connection import TeamLocation

        self.location = TeamLocation.parse(location)
        self.aliases = aliases if aliases is not None else AliasTable.load(querylang.ALIASES)
        self.ranking = ranking
        self.texts = texts
        self.statement_timeout_ms = statement_timeout_ms
        self.rebuilt_reason = ""  # the database is never recreated behind the user's back
        self._password = password
        self._lock = threading.RLock()
        self._parser = SearchIndex(None, aliases=self.aliases)  # Whoosh's parser, as configured there
        self._reader: psycopg.Connection[Any] | None = None
        self._reader = self._connect()

    # -- connections -----------------------------------------------------------------------
    def _connect(self) -> psycopg.Connection[Any]:
        from briefer.core.team.connection import connect
        from briefer.core.team.schema import require_current

        connection = connect(self.location, password=self._password, autocommit=True)
        try:
            require_current(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    def close(self) -> None:
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def _read(self, work: Callable[[psycopg.Cursor[Any]], _Result]) -> _Result:
        """Run `work` in one read-only snapshot, within the statement timeout; a connection the
        server dropped (a restart, an administrator) is made again once."""
        from briefer.core.team.errors import TeamConnectionLost

        with self._lock:
            for attempt in (1, 2):
                if self._reader is None or self._reader.closed:
                    self._reader = self._connect()
                try:
                    return self._snapshot(self._reader, work)
                except psycopg.errors.QueryCanceled:
                    seconds = self.statement_timeout_ms / 1000
                    raise QueryTooBroad(
                        f"the search took longer than {seconds:g} s, the team archive's limit for a search; "
                        "add words, a date range or a filter to narrow it"
                    ) from None
                except psycopg.OperationalError as exc:
                    self._reader.close()
                    if attempt == 2:
                        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                        raise TeamConnectionLost(self.location.display, reason, attempt) from None
                    log.info("the connection to the team archive was lost; connecting again")
            raise AssertionError("unreachable")

    def _snapshot(
        self, connection: psycopg.Connection[Any], work: Callable[[psycopg.Cursor[Any]], _Result]
    ) -> _Result:
        with connection.transaction(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # Searches are index-driven: the planner does not price unpacking each row's word list
            # (kept out of line) that a sequential scan's filter does, and chose one for common
            # words: 0.6-0.7 s where the word list's index took 0.17 s (300,000 documents).
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true), set_config('enable_seqscan', 'off', true)",
                (str(self.statement_timeout_ms),),
            )
            return work(cursor)

    # -- writing ---------------------------------------------------------------------------
    @contextmanager
    def batch(self, *, bulk: bool = False) -> Iterator[PostgresBatch]:
        """Add and delete documents in one transaction: committed on success, rolled back on an
        error (all since the last `commit_and_continue`).  IndexBusy while another writes."""
        connection = self._connect()
        try:
            _require_writer(connection)
            # A writer that was killed a moment ago may hold the lock until the server notices.
            connection.execute("SELECT set_config('lock_timeout', %s, false)", (str(WRITER_WAIT_MS),))
            try:
                connection.execute("SELECT pg_advisory_lock(%s)", (WRITER_LOCK,))
            except psycopg.errors.LockNotAvailable:
                raise IndexBusy(
                    "another Briefer process is writing to the team archive's search index"
                ) from None
            connection.execute("SELECT set_config('lock_timeout', '0', false)")
            connection.autocommit = False
            batch = PostgresBatch(connection)
            try:
                yield batch
                batch.commit_and_continue()
            except BaseException:
                connection.rollback()
                raise
        finally:
            connection.close()  # the server releases the lock with the session

    def reset(self) -> None:
        """Empty the index (before a rebuild from the archive)."""
        with self.batch() as batch:
            batch.clear()

    # -- facts -----------------------------------------------------------------------------
    def doc_count(self) -> int:
        return self._read(lambda cursor: statistics(cursor).docs)

    def size_bytes(self) -> int:
        def size(cursor: psycopg.Cursor[Any]) -> int:
            tables = ("search_docs", "search_parts", "search_terms", "search_words", "search_stats")
            row = cursor.execute(
                "SELECT sum(pg_total_relation_size(t::regclass)) FROM unnest(%s::text[]) t", (list(tables),)
            ).fetchone()
            return int(row[0] or 0) if row else 0

        return self._read(size)

    def words(self, prefix: str = "", *, limit: int = 100) -> list[str]:
        """The archive's words as written (lower case) that start with `prefix`, in order."""
        return self._read(lambda cursor: Vocabulary(cursor).starting(prefix.lower(), limit))

    # -- searching -------------------------------------------------------------------------
    def search(self, request: SearchRequest, *, clusters: Mapping[str, str] | None = None) -> IndexResults:
        """See `SearchEngine.search`."""
        prepared = querylang.prepare(
            request.query, aliases=self.aliases if request.aliases else None, today=request.today()
        )
        parsed = self._parser.parse(prepared.text)
        groups = (clusters or {}) if request.collapse else None
        return self._read(lambda cursor: Search(self, cursor, request, prepared, parsed, groups).run())

    def more_like(
        self, text: str, *, exclude: Collection[str] = (), limit: int = 10, terms: int = 25
    ) -> IndexResults:
        """Documents about what `text` is about: its most telling words (Bo1, as the Whoosh engine
        weighs them) searched with their weights; `exclude` ids are left out."""
        counts = term_counts(text)
        return self._read(lambda cursor: more_like(self, cursor, counts, set(exclude), limit, terms))


# -- writing ---------------------------------------------------------------------------------
def _require_writer(connection: psycopg.Connection[Any]) -> None:
    """TeamPermissionDenied, before anything is written, for a role that may not index."""
    from briefer.core.team.errors import TeamPermissionDenied

    row = connection.execute("SELECT has_table_privilege('search_docs', 'INSERT')").fetchone()
    if not row or not row[0]:
        raise TeamPermissionDenied(
            "writing to the team archive's search index needs the analyst role", needed="analyst"
        )


class PostgresBatch:
    """Documents added, replaced and deleted in one transaction (the `WriteBatch` of engine.py)."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection
        self._pending: dict[str, DocumentRows] = {}
        self._deleted: set[str] = set()
        self._terms: Counter[tuple[str, str]] = Counter()  # (field, term) -> documents gained
        self._occurrences: Counter[tuple[str, str]] = Counter()
        self._stats = [0, 0, 0]  # documents, title length, body length gained
        self._words_sent: set[str] = set()
        self._promised_new: set[str] = set()  # pending ids the caller said are not indexed yet

    def put(self, doc: Document, *, new: bool = False, words: Collection[str] | None = None) -> None:
        """Index `doc`, replacing the document of the same id; `new` promises there is none (its
        look-up is saved: a broken promise is an error of the database's unique key).  `words`:
        see `WriteBatch.put`."""
        if new and doc.id not in self._pending and doc.id not in self._deleted:
            self._promised_new.add(doc.id)
        elif not new or doc.id in self._deleted:  # a deletion not sent yet: this replaces the row
            self._promised_new.discard(doc.id)
        self._deleted.discard(doc.id)
        self._pending[doc.id] = document_rows(doc, words)
        if len(self._pending) >= FLUSH_EVERY:
            self._flush()

    def delete(self, doc_id: str) -> None:
        self._pending.pop(doc_id, None)
        self._promised_new.discard(doc_id)
        self._deleted.add(doc_id)
        if len(self._deleted) >= FLUSH_EVERY:
            self._flush()

    def commit_and_continue(self) -> None:
        self._flush()
        self._flushstatistics()
        self._connection.commit()

    def clear(self) -> None:
        self._pending.clear()
        self._deleted.clear()
        self._promised_new.clear()
        self._terms.clear()
        self._occurrences.clear()
        self._stats = [0, 0, 0]
        with self._connection.cursor() as cursor:
            for table in ("search_parts", "search_docs", "search_terms", "search_words"):
                cursor.execute(f"DELETE FROM {table}")
            cursor.execute("UPDATE search_stats SET docs = 0, title_length = 0, body_length = 0")

    def _flush(self) -> None:
        if not self._pending and not self._deleted:
            return
        replaced = [doc_id for doc_id in self._pending if doc_id not in self._promised_new]
        with self._connection.cursor() as cursor:
            self._remove(cursor, [*replaced, *self._deleted])
            self._insert(cursor, list(self._pending.values()))
        self._pending.clear()
        self._deleted.clear()
        self._promised_new.clear()

    def _remove(self, cursor: psycopg.Cursor[Any], ids: list[str]) -> None:
        """Delete the documents `ids` that are there, taking their words out of the statistics."""
        if not ids:
            return
        row = cursor.execute(
            "SELECT count(*), coalesce(sum(title_length), 0), coalesce(sum(body_length), 0)"
            " FROM search_docs WHERE doc_id = ANY(%s)",
            (ids,),
        ).fetchone()
        if not row or not row[0]:
            return
        for i, value in enumerate(row):
            self._stats[i] -= int(value)
        cursor.execute(
            """SELECT 'title', u.lexeme, count(*), 0 FROM search_docs d, unnest(d.title) u
               WHERE d.doc_id = ANY(%(ids)s) GROUP BY u.lexeme
               UNION ALL
               SELECT 'body', u.lexeme, count(DISTINCT p.doc_id), count(DISTINCT (p.doc_id, p.start + at))
               FROM search_parts p, unnest(p.body) u, unnest(u.positions) at
               WHERE p.doc_id = ANY(%(ids)s) GROUP BY u.lexeme""",
            {"ids": ids},
        )
        for fieldname, term, docs, occurrences in cursor.fetchall():
            self._terms[(fieldname, term)] -= int(docs)
            self._occurrences[(fieldname, term)] -= int(occurrences)
        cursor.execute("DELETE FROM search_docs WHERE doc_id = ANY(%s)", (ids,))

    def _insert(self, cursor: psycopg.Cursor[Any], documents: list[DocumentRows]) -> None:
        if not documents:
            return
        with cursor.copy(f"COPY search_docs ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for rows in documents:
                copy.write_row(rows.row)
        with cursor.copy("COPY search_parts (doc_id, part, start, body) FROM STDIN") as copy:
            for rows in documents:
                for part in rows.parts:
                    copy.write_row(part)
        words: set[str] = set()
        for rows in documents:
            self._stats[0] += 1
            self._stats[1] += rows.title_length
            self._stats[2] += rows.body_length
            for term in rows.title_terms:
                self._terms[("title", term)] += 1
            for term, count in rows.body_terms.items():
                self._terms[("body", term)] += 1
                self._occurrences[("body", term)] += count
            words |= rows.words
        new = sorted(words - self._words_sent)
        if len(self._words_sent) > _VOCABULARY_LIMIT:
            self._words_sent.clear()  # sending a word again is harmless
        self._words_sent.update(new)
        if new:
            cursor.execute(
                "INSERT INTO search_words (word) SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING", (new,)
            )

    def _flushstatistics(self) -> None:
        changed = [key for key in self._terms.keys() | self._occurrences.keys()]
        with self._connection.cursor() as cursor:
            if changed:
                fields, terms = [k[0] for k in changed], [k[1] for k in changed]
                cursor.execute(
                    """INSERT INTO search_terms (field, term, docs, occurrences)
                       SELECT * FROM unnest(%s::text[], %s::text[], %s::int[], %s::bigint[])
                       ON CONFLICT (field, term) DO UPDATE SET docs = search_terms.docs + excluded.docs,
                           occurrences = search_terms.occurrences + excluded.occurrences""",
                    (
                        fields,
                        terms,
                        [self._terms[k] for k in changed],
                        [self._occurrences[k] for k in changed],
                    ),
                )
                fewer = [k for k in changed if self._terms[k] < 0]
                if fewer:
                    cursor.execute(
                        """DELETE FROM search_terms t USING unnest(%s::text[], %s::text[]) AS g(f, w)
                           WHERE t.field = g.f AND t.term = g.w AND t.docs <= 0""",
                        ([k[0] for k in fewer], [k[1] for k in fewer]),
                    )
            if any(self._stats):
                cursor.execute(
                    "UPDATE search_stats SET docs = docs + %s, title_length = title_length + %s,"
                    " body_length = body_length + %s",
                    self._stats,
                )
        self._terms.clear()
        self._occurrences.clear()
        self._stats = [0, 0, 0]


__all__ = ["PostgresBatch", "PostgresIndex"]
