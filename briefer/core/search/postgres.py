"""The team archive's search engine: a `SearchEngine` (engine.py) over PostgreSQL.

It indexes the `Document`s it is given, as the Whoosh engine does, into its own tables of the team
archive's schema (migration 2 of core/team/schema.py), beside the team's documents but not
reading them:

- `search_docs`: one row per document: the title's words as a tsvector, the outlet's, author's
  and address's words (`names`), the facets (outlet, language, type, tags, publication day);
- `search_parts`: the body's words, in parts of at most 16,000 positions that overlap (see
  _pg_write.py), so that phrases still match past PostgreSQL's position limit;
- `search_terms`, `search_stats`: each word's document frequency per field and the fields'
  lengths, changed in the same transaction as the rows, for BM25 (ts_rank has no idf);
- `search_words`: the vocabulary, words as written, for did-you-mean and `words()` (with a
  trigram index, as `search_terms` has for wildcards and fuzzy words).

A query is parsed by the Whoosh engine's parser (the same syntax and messages), compiled to SQL
(_pg_query.py), counted, faceted and ordered by the server; the best candidates are scored with
the Whoosh engine's BM25F and bonuses (_pg_rank.py, ranking.py).  Searches run in one read-only
snapshot (REPEATABLE READ) under `statement_timeout`; one that runs out is a `QueryTooBroad`.
Writers are one at a time (an advisory lock; another gets IndexBusy); a batch is a transaction,
so a writer killed mid-batch leaves what it committed.

The package exports `PostgresIndex` lazily: psycopg loads with this module, never in the desktop.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from psycopg import sql

from briefer.core.documents import Document
from briefer.core.search import query as querylang
from briefer.core.search import spelling
from briefer.core.search._pg_query import Compiled, Compiler, like_pattern
from briefer.core.search._pg_rank import Candidate, Candidates, Part, Statistics, candidate
from briefer.core.search._pg_write import COLUMNS, DocumentRows, document_rows, quote_lexeme
from briefer.core.search.analysis import MatchTerms, stem, term_counts
from briefer.core.search.engine import IndexHit, IndexResults, Tier
from briefer.core.search.errors import IndexBusy, QueryError, QueryTooBroad
from briefer.core.search.query import (
    AliasTable,
    FacetCounts,
    PreparedQuery,
    SearchRequest,
    label_key,
    language_key,
)
from briefer.core.search.ranking import DEFAULT as DEFAULT_RANKING
from briefer.core.search.ranking import Factor, Ranking, Reranked, explain, rerank

if TYPE_CHECKING:
    from briefer.core.team.connection import PasswordSource

log = logging.getLogger(__name__)

WRITER_LOCK = 0x42736561  # "Bsea": the advisory lock a writer holds (per database)
WRITER_WAIT_MS = 3000  # how long a writer waits for another to finish before IndexBusy
RERANK_POOL = 500  # candidates scored with BM25F when more documents match
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
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true)", (str(self.statement_timeout_ms),)
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
        return self._read(lambda cursor: _statistics(cursor).docs)

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
        return self._read(lambda cursor: _Vocabulary(cursor).starting(prefix.lower(), limit))

    # -- searching -------------------------------------------------------------------------
    def search(self, request: SearchRequest, *, clusters: Mapping[str, str] | None = None) -> IndexResults:
        """See `SearchEngine.search`."""
        prepared = querylang.prepare(
            request.query, aliases=self.aliases if request.aliases else None, today=request.today()
        )
        parsed = self._parser.parse(prepared.text)
        groups = (clusters or {}) if request.collapse else None
        return self._read(lambda cursor: _Search(self, cursor, request, prepared, parsed, groups).run())

    def more_like(
        self, text: str, *, exclude: Collection[str] = (), limit: int = 10, terms: int = 25
    ) -> IndexResults:
        """Documents about what `text` is about: its most telling words (Bo1, as the Whoosh engine
        weighs them) searched with their weights; `exclude` ids are left out."""
        counts = term_counts(text)
        return self._read(lambda cursor: _more_like(self, cursor, counts, set(exclude), limit, terms))


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

    def put(self, doc: Document, *, new: bool = False) -> None:
        """Index `doc`, replacing the document of the same id; `new` promises there is none (its
        look-up is saved: a broken promise is an error of the database's unique key)."""
        if new and doc.id not in self._pending and doc.id not in self._deleted:
            self._promised_new.add(doc.id)
        elif not new or doc.id in self._deleted:  # a deletion not sent yet: this replaces the row
            self._promised_new.discard(doc.id)
        self._deleted.discard(doc.id)
        self._pending[doc.id] = document_rows(doc)
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
        self._flush_statistics()
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

    def _flush_statistics(self) -> None:
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


# -- reading ---------------------------------------------------------------------------------
def _statistics(cursor: psycopg.Cursor[Any]) -> Statistics:
    row = cursor.execute("SELECT docs, title_length, body_length FROM search_stats").fetchone()
    return Statistics(*(int(v) for v in row)) if row else Statistics(0, 0, 0)


def _frequencies(
    cursor: psycopg.Cursor[Any], keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    if not keys:
        return {}
    cursor.execute(
        """SELECT t.field, t.term, t.docs FROM search_terms t
           JOIN unnest(%s::text[], %s::text[]) AS g(f, w) ON t.field = g.f AND t.term = g.w""",
        ([k[0] for k in keys], [k[1] for k in keys]),
    )
    found = {(f, t): int(n) for f, t, n in cursor.fetchall()}
    return {key: found.get(key, 0) for key in keys}


def _positions(
    cursor: psycopg.Cursor[Any], seqs: list[int], fieldname: str, terms: list[str] | None
) -> dict[tuple[int, str], list[int]]:
    """Where each of `terms` (None: every word) is in `fieldname` of the documents `seqs`: global
    positions (0-based; the overlap of parts read once)."""
    if not seqs or terms == []:
        return {}
    column: sql.Composable = sql.SQL("d.title" if fieldname == "title" else "p.body")
    if terms is not None:  # only those words: marked, then kept, in C (unnesting every word cost most)
        column = sql.SQL("ts_filter(setweight({}, 'A', {}), '{{a}}')").format(column, sql.Literal(terms))
    if fieldname == "title":
        query = sql.SQL(
            "SELECT d.seq, u.lexeme, 0, u.positions FROM search_docs d, unnest({}) u WHERE d.seq = ANY(%s)"
        )
    else:
        query = sql.SQL(
            "SELECT d.seq, u.lexeme, p.start, u.positions"
            " FROM search_docs d JOIN search_parts p ON p.doc_id = d.doc_id, unnest({}) u"
            " WHERE d.seq = ANY(%s)"
        )
    cursor.execute(query.format(column), (seqs,))
    found: dict[tuple[int, str], set[int]] = {}
    for seq, term, start, positions in cursor.fetchall():
        found.setdefault((seq, term), set()).update(start + p - 1 for p in positions)
    return {key: sorted(value) for key, value in found.items()}


def _expander(cursor: psycopg.Cursor[Any]) -> Callable[[str, str, str], list[str]]:
    from briefer.core.search.query import MAX_EXPANSION

    def expand(fieldname: str, kind: str, text: str) -> list[str]:
        cursor.execute(
            "SELECT term FROM search_terms WHERE field = %s AND term LIKE %s ORDER BY term LIMIT %s",
            (fieldname, like_pattern(kind, text), MAX_EXPANSION * 20),
        )
        return [str(row[0]) for row in cursor.fetchall()]

    return expand


@dataclass
class _Tier:
    tier: Tier
    where: sql.Composable
    total: int
    clustered: dict[str, str]  # its clustered documents (id -> cluster)


class _Search:
    """One search, in one snapshot: counts, facets and the page, scored (see the module docstring)."""

    def __init__(
        self,
        engine: PostgresIndex,
        cursor: psycopg.Cursor[Any],
        request: SearchRequest,
        prepared: PreparedQuery,
        parsed: Any,
        clusters: Mapping[str, str] | None,
    ) -> None:
        self.engine = engine
        self.cursor = cursor
        self.request = request
        self.prepared = prepared
        self.parsed = parsed
        self.clusters = clusters
        self.compiler = Compiler(_expander(cursor))
        self.stats = _statistics(cursor)
        self._frequencies: dict[tuple[str, str], int] | None = None

    def run(self) -> IndexResults:
        request = self.request
        filters = _filters(request.filters)
        strict = self.tier(Tier.ALL, sql.SQL("({} AND {})").format(self.compiler.where(self.parsed), filters))
        tiers = [strict]
        few = strict.total < request.limit or _stories(strict.total, strict.clustered, set()) < request.limit
        relaxed = None
        if request.relax and few:
            condition = self.compiler.relaxed(self.parsed, querylang.most_words_needed)
            if condition is not None:
                relaxed = self.tier(Tier.MOST, sql.SQL("({} AND {})").format(condition, filters))
                tiers.append(relaxed)
        compiled = self.compiler.found
        page, stories = self._page(tiers, compiled)
        facets = None
        if request.facets:
            where = sql.SQL(" OR ").join(t.where for t in tiers)
            facets = _facets(self.cursor, where, request.facet_values)
        return IndexResults(
            hits=page,
            total=sum(t.total for t in tiers),
            terms=MatchTerms(frozenset(compiled.terms)),
            facets=facets,
            relaxed=relaxed.total if relaxed else 0,
            expansions=self.prepared.expansions,
            suggestion=spelling.suggest(
                _Vocabulary(self.cursor, [w.lower() for _, _, w in self.prepared.words]),
                request.query,
                self.prepared.words,
                rare_too=strict.total < spelling.FEW_RESULTS,
            ),
            stories=None if stories is None else sum(stories),
            relaxed_stories=None if stories is None else stories[1],
        )

    def tier(self, tier: Tier, where: sql.Composable) -> _Tier:
        total = self._scalar(sql.SQL("SELECT count(*) FROM search_docs d WHERE {}").format(where))
        clustered: dict[str, str] = {}
        if self.clusters and total:
            self.cursor.execute(
                sql.SQL("SELECT d.doc_id FROM search_docs d WHERE {} AND d.doc_id = ANY(%s)").format(where),
                (list(self.clusters),),
            )
            clustered = {row[0]: self.clusters[row[0]] for row in self.cursor.fetchall()}
        return _Tier(tier, where, total, clustered)

    def _scalar(self, query: sql.Composed, params: Sequence[Any] = ()) -> int:
        row = self.cursor.execute(query, params).fetchone()
        return int(row[0]) if row else 0

    def _page(self, tiers: list[_Tier], compiled: Compiled) -> tuple[list[IndexHit], list[int] | None]:
        """The page of hits across the tiers (as the Whoosh engine's `_tiered_page` makes it) and,
        when collapsing, each tier's number of stories."""
        request = self.request
        wanted = request.offset + request.limit
        collapsing = self.clusters is not None
        page: list[IndexHit] = []
        seen: set[str] = set()  # clusters counted in a tier so far
        shown: set[str] = set()  # clusters given a hit so far
        stories: list[int] = []
        for tier in tiers:
            extra = 0
            if collapsing:
                counted = _stories(tier.total, tier.clustered, seen)
                stories.append(counted)
                extra = tier.total - counted
            need = max(0, wanted - len(page))
            if not need:
                continue
            for hit in self.ranked(tier, need + extra, compiled):
                if len(page) == wanted:
                    break
                group = tier.clustered.get(hit.doc_id)
                if group is not None:
                    if group in shown:
                        continue
                    shown.add(group)
                page.append(hit)
        if collapsing and len(stories) == 1:
            stories.append(0)
        return page[request.offset :], stories if collapsing else None

    def ranked(self, tier: _Tier, count: int, compiled: Compiled, *, bonuses: bool = True) -> list[IndexHit]:
        """The tier's best `count` hits in the order asked for, scored (with the ranking's
        proximity and feedback bonuses for the first tier, unless `bonuses` is false)."""
        sort = self.request.sort
        pool = max(count, RERANK_POOL) if sort == "relevance" else count
        seqs = self._candidate_seqs(tier, pool, compiled)
        if not seqs:
            return []
        scoring = self._candidates(seqs, compiled)
        if tier.tier is Tier.ALL:
            first = {s: self._score(scoring, s) for s in seqs}
        else:
            first = {s: scoring.relaxed_score(self.parsed, s) for s in seqs}
        reranked = Reranked(first, {})
        if sort == "relevance" and tier.tier is Tier.ALL and bonuses:
            reranked = self._rerank(scoring, first, compiled)
        scores = reranked.scores
        if sort == "relevance":
            order = sorted(seqs, key=lambda s: (-scores[s], s))
        else:
            order = _by_date(seqs, scores, self._stamps, newest=sort == "newest")
        hits = []
        for seq in order[:count]:
            factors: tuple[Factor, ...] = ()
            if self.request.explain:
                factors = self._factors(scoring, seq, first[seq], reranked, tier.tier)
            hits.append(IndexHit(scoring.found[seq].doc_id, scores[seq], tier.tier, factors))
        return hits

    def _score(self, scoring: Candidates, seq: int) -> float:
        found = scoring.score(self.parsed, seq)
        return 0.0 if found is None else found

    def _candidate_seqs(self, tier: _Tier, pool: int, compiled: Compiled) -> list[int]:
        """The tier's documents to score: all of them when they are few, else the `pool` best by
        `ts_rank` (relevance) or by date."""
        sort = self.request.sort
        if sort == "relevance":
            order: sql.Composable = sql.SQL("d.seq")
            if tier.total > pool:
                frequencies = self.frequencies(compiled)
                order = sql.SQL("{} DESC, d.seq").format(
                    _rough_rank(compiled, self.stats, frequencies, self.engine.ranking)
                )
            query = sql.SQL("SELECT d.seq, d.published FROM search_docs d WHERE {} ORDER BY {} LIMIT {}")
            self.cursor.execute(query.format(tier.where, order, pool))
        else:
            direction = sql.SQL("DESC" if sort == "newest" else "ASC")
            query = sql.SQL(
                "SELECT d.seq, d.published FROM search_docs d WHERE {} "
                "ORDER BY d.published {} NULLS LAST, d.seq LIMIT {}"
            )
            self.cursor.execute(query.format(tier.where, direction, pool))
        rows = self.cursor.fetchall()
        self._stamps = {int(seq): published for seq, published in rows}
        return [int(seq) for seq, _ in rows]

    def _candidates(self, seqs: list[int], compiled: Compiled) -> Candidates:
        self.cursor.execute(
            """SELECT seq, doc_id, title_length, body_length, source, author, url, type, language, tags, day
               FROM search_docs WHERE seq = ANY(%s)""",
            (seqs,),
        )
        found: dict[int, Candidate] = {}
        for row in self.cursor.fetchall():
            doc = candidate(row)
            found[doc.seq] = doc
        for fieldname in ("title", "body"):
            terms = sorted({t for f, t in compiled.scored if f == fieldname})
            positions = _positions(self.cursor, seqs, fieldname, terms)
            for seq, doc in found.items():
                for term in terms:
                    doc.positions[(fieldname, term)] = positions.get((seq, term), [])
        cursor = self.cursor
        return Candidates(
            found,
            self.stats,
            self.engine.ranking,
            self.frequencies(compiled),
            fetch_positions=lambda s, f, t: _positions(cursor, s, f, t),
            fetch_frequencies=lambda keys: _frequencies(cursor, keys),
            expansions=compiled.expansions,
        )

    def frequencies(self, compiled: Compiled) -> dict[tuple[str, str], int]:
        """The document frequencies of the words the query scores (read once)."""
        if self._frequencies is None:
            self._frequencies = _frequencies(self.cursor, compiled.scored)
        return self._frequencies

    def _rerank(self, scoring: Candidates, scores: dict[int, float], compiled: Compiled) -> Reranked:
        words = {word for run in compiled.terms for word in run}
        texts = self.engine.texts
        feed = None
        if texts is not None:
            feed = lambda seqs: texts([scoring.found[s].doc_id for s in seqs])  # noqa: E731
        phrase_only = all(len(run) > 1 for run in compiled.terms)
        return rerank(
            scoring,
            scores,
            words,
            self.engine.ranking,
            texts=feed,
            tokenize=term_counts,
            phrase_only=phrase_only,
        )

    def _factors(
        self, scoring: Candidates, seq: int, first: float, reranked: Reranked, tier: Tier
    ) -> tuple[Factor, ...]:
        parts: list[Part] = []
        if tier is Tier.ALL:
            scoring.score(self.parsed, seq, parts)
        base = [Factor("bm25", name, words, score) for name, words, score in parts]
        rest = first - sum(f.score for f in base)
        if abs(rest) > 1e-9 * max(1.0, abs(first)):
            base.append(Factor("other", "", (), rest))
        return tuple(explain(base, reranked.bonuses.get(seq, ())))

    _stamps: dict[int, Any]


def _by_date(seqs: list[int], scores: dict[int, float], stamps: dict[int, Any], *, newest: bool) -> list[int]:
    """`seqs` newest or oldest first (undated last), ties by score, then by order of indexing."""
    dated = [s for s in seqs if stamps.get(s) is not None]
    undated = [s for s in seqs if stamps.get(s) is None]
    dated.sort(key=lambda s: (-scores[s], s))
    dated.sort(key=lambda s: stamps[s], reverse=newest)
    undated.sort(key=lambda s: (-scores[s], s))
    return dated + undated


def _rough_rank(
    compiled: Compiled, stats: Statistics, frequencies: dict[tuple[str, str], int], ranking: Ranking
) -> sql.Composable:
    """A rank the server computes for every match to pick the candidates BM25F then scores: the
    idf of each query word the document has (in its title, twice), from its word list."""
    terms = sorted(compiled.scored)
    if not terms:
        return sql.SQL("0")
    parts = []
    for fieldname, term in terms:
        idf = ranking.idf(max(1, stats.docs), frequencies.get((fieldname, term), 0))
        column = sql.SQL("d.title" if fieldname == "title" else "d.words")
        parts.append(
            sql.SQL("CASE WHEN {} @@ {}::tsquery THEN {} ELSE 0 END").format(
                column, sql.Literal(quote_lexeme(term)), sql.Literal(round(idf, 4))
            )
        )
    return sql.SQL("({})").format(sql.SQL(" + ").join(parts))


def _stories(total: int, clustered: Mapping[str, str], seen: set[str]) -> int:
    """How many stories a tier of `total` documents holds: each cluster once, none in `seen`
    (which gains the clusters counted)."""
    count = total
    for group in clustered.values():
        if group in seen:
            count -= 1
        else:
            seen.add(group)
    return count


def _filters(filters: tuple[tuple[str, str], ...]) -> sql.Composable:
    """The condition of the facet filters (values of one facet are alternatives)."""
    by_facet: dict[str, list[str]] = {}
    for facet, value in filters:
        if facet in ("type", "tag"):
            value = label_key(value)
        elif facet == "language":
            value = language_key(value)
        by_facet.setdefault(facet, []).append(value)
    conditions = []
    for facet, values in by_facet.items():
        if facet == "source":
            conditions.append(sql.SQL("d.outlet = ANY({})").format(sql.Literal(values)))
        elif facet in ("type", "language"):
            conditions.append(sql.SQL("d.{} = ANY({})").format(sql.Identifier(facet), sql.Literal(values)))
        elif facet == "tag":
            conditions.append(sql.SQL("d.tags && {}::text[]").format(sql.Literal(values)))
        else:  # year, month
            spans = [_calendar_span(v) for v in values]
            conditions.append(
                sql.SQL("({})").format(
                    sql.SQL(" OR ").join(
                        sql.SQL("d.day BETWEEN {} AND {}").format(first, last) for first, last in spans
                    )
                )
            )
    if not conditions:
        return sql.SQL("true")
    return sql.SQL("({})").format(sql.SQL(" AND ").join(conditions))


def _calendar_span(value: str) -> tuple[int, int]:
    """The days of a year ('1987') or month ('1987-03') facet value."""
    try:
        if len(value) == 4:
            year = int(value)
            return date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        year, month = int(value[:4]), int(value[5:7])
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1)
        return start.toordinal(), end.toordinal() - 1
    except ValueError:
        raise QueryError(f"'{value}' is not a year (1987) or a month (1987-03)") from None


def _facets(cursor: psycopg.Cursor[Any], where: sql.Composable, wanted: int | None) -> dict[str, FacetCounts]:
    """How many matches have each value of each facet, as the Whoosh engine orders them."""
    cursor.execute(
        sql.SQL(
            """WITH m AS MATERIALIZED (SELECT d.outlet, d.type, d.language, d.tags, d.day
                                        FROM search_docs d WHERE {})
               SELECT 'source', outlet, count(*) FROM m WHERE outlet IS NOT NULL GROUP BY outlet
               UNION ALL SELECT 'type', type, count(*) FROM m WHERE type IS NOT NULL GROUP BY type
               UNION ALL SELECT 'language', language, count(*) FROM m WHERE language IS NOT NULL
                   GROUP BY language
               UNION ALL SELECT 'tag', t, count(*) FROM m, unnest(m.tags) t GROUP BY t
               UNION ALL SELECT 'day', day::text, count(*) FROM m WHERE day IS NOT NULL GROUP BY day"""
        ).format(where)
    )
    counts: dict[str, Counter[str]] = {facet: Counter() for facet in querylang.FACETS}
    for facet, value, count in cursor.fetchall():
        if facet == "day":
            day = date.fromordinal(int(value))
            counts["year"][f"{day.year:04d}"] += count
            counts["month"][f"{day.year:04d}-{day.month:02d}"] += count
        elif facet == "type":
            counts["type"][value.replace("-", " ")] += count
        else:
            counts[facet][value] += count
    out = {}
    for facet in querylang.FACETS:
        found = counts[facet]
        if facet in ("year", "month"):
            ordered = dict(sorted(found.items(), reverse=True))
        else:
            ordered = dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))
        out[facet] = FacetCounts.first(ordered, wanted)
    return out


def _more_like(
    engine: PostgresIndex,
    cursor: psycopg.Cursor[Any],
    counts: Counter[str],
    exclude: set[str],
    limit: int,
    wanted: int,
) -> IndexResults:
    from whoosh import query

    stats = _statistics(cursor)
    documents = max(1, stats.docs)
    cursor.execute(
        "SELECT term, docs, occurrences FROM search_terms WHERE field = 'body' AND term = ANY(%s)",
        (list(counts),),
    )
    weighted = []
    for term, found_in, occurrences in cursor.fetchall():
        if found_in < 2 or found_in > documents // 2:  # one document's own word, or everybody's
            continue
        share = occurrences / documents
        weighted.append((counts[term] * math.log2((1 + share) / share) + math.log2(1 + share), term))
    best = sorted(weighted, reverse=True)[:wanted]
    if not best:
        return IndexResults(hits=[], total=0)
    top = best[0][0]
    clauses = query.Or([query.Term(f, term, boost=w / top) for w, term in best for f in ("title", "body")])
    request = SearchRequest("*", limit=limit, relax=False, collapse=False)
    search = _Search(engine, cursor, request, PreparedQuery(""), clauses, None)
    where = search.compiler.where(clauses)
    if exclude:
        where = sql.SQL("({} AND NOT d.doc_id = ANY({}))").format(where, sql.Literal(sorted(exclude)))
    tier = search.tier(Tier.ALL, where)
    compiled = search.compiler.found
    hits = [IndexHit(h.doc_id, h.score) for h in search.ranked(tier, limit, compiled, bonuses=False)]
    return IndexResults(hits=hits, total=tier.total, terms=MatchTerms(frozenset((t,) for _, t in best)))


class _Vocabulary:
    """The archive's words (search_words) and their use, for spelling suggestions (`spelling.Vocabulary`)."""

    def __init__(self, cursor: psycopg.Cursor[Any], query_words: Collection[str] = ()) -> None:
        self.cursor = cursor
        self._known: dict[str, bool] = {}
        self._neighbours_read: set[str] = set()
        self._read(sorted(set(query_words)))  # the query's words, in one look-up

    def has_word(self, word: str) -> bool:
        if word not in self._known:
            self._read([word])
        elif not self._known[word] and word not in self._neighbours_read:
            # An unknown word: its corrections one edit away are asked for next, all at once.
            self._neighbours_read.add(word)
            self._read(sorted(spelling.one_edit(word) - self._known.keys()))
        return self._known[word]

    def _read(self, words: list[str]) -> None:
        if not words:
            return
        self.cursor.execute("SELECT word FROM search_words WHERE word = ANY(%s)", (words,))
        present = {row[0] for row in self.cursor.fetchall()}
        for word in words:
            self._known[word] = word in present

    def words_from(self, prefix: str) -> Iterator[str]:
        pattern = like_pattern("prefix", prefix)
        rows = self._words("word LIKE %s", (pattern,))
        while rows:
            yield from rows
            if len(rows) < 500:
                return
            rows = self._words("word LIKE %s AND word > %s", (pattern, rows[-1]))

    def _words(self, condition: str, params: tuple[str, ...]) -> list[str]:
        self.cursor.execute(
            f"SELECT word FROM search_words WHERE {condition} ORDER BY word LIMIT 500", params
        )
        return [str(row[0]) for row in self.cursor.fetchall()]

    def starting(self, prefix: str, limit: int) -> list[str]:
        self.cursor.execute(
            "SELECT word FROM search_words WHERE word LIKE %s ORDER BY word LIMIT %s",
            (like_pattern("prefix", prefix), limit),
        )
        return [str(row[0]) for row in self.cursor.fetchall()]

    def popularity(self, word: str) -> int:
        term = stem(word.lower())
        found = _frequencies(self.cursor, [("body", term), ("title", term)])
        return sum(found.values())

    def docs_with(self, word: str) -> set[int]:
        tsquery = quote_lexeme(stem(word.lower()))
        self.cursor.execute(
            """SELECT d.seq FROM search_docs d WHERE d.words @@ %(q)s::tsquery
               UNION SELECT d.seq FROM search_docs d WHERE d.words IS NULL AND d.title @@ %(q)s::tsquery
               UNION SELECT d.seq FROM search_docs d JOIN search_parts p ON p.doc_id = d.doc_id
               WHERE d.words IS NULL AND p.body @@ %(q)s::tsquery""",
            {"q": tsquery},
        )
        return {int(row[0]) for row in self.cursor.fetchall()}


__all__ = ["PostgresBatch", "PostgresIndex"]
