"""The PostgreSQL engine's searches (see postgres.py): one search in one snapshot, counted and
faceted by the server, its page scored here (_pg_rank.py); more like this; the vocabulary."""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import psycopg
from psycopg import sql

from briefer.core.search import query as querylang
from briefer.core.search import spelling
from briefer.core.search._pg_query import Compiled, Compiler, Expand, Where, like_pattern, required_words
from briefer.core.search._pg_rank import Candidate, Candidates, Part, Statistics, candidate
from briefer.core.search._pg_write import quote_lexeme
from briefer.core.search.analysis import MatchTerms, stem, term_counts
from briefer.core.search.engine import IndexHit, IndexResults, Tier
from briefer.core.search.query import (
    FacetCounts,
    PreparedQuery,
    SearchRequest,
    calendar_span,
    label_key,
    language_key,
)
from briefer.core.search.ranking import Factor, Ranking, Reranked, explain, rerank

RERANK_POOL = 500  # candidates scored with BM25F when more documents match


class Ranked(Protocol):
    """What a search reads of its engine: how to rank, and the texts for the feedback factor."""

    ranking: Ranking
    texts: Callable[[list[str]], list[str]] | None


def statistics(cursor: psycopg.Cursor[Any]) -> Statistics:
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
    found: dict[tuple[int, str], list[int]] = {}
    several: set[tuple[int, str]] = set()  # in more than one part: the overlaps are read twice
    for seq, term, start, positions in cursor.fetchall():
        shifted = [start + p - 1 for p in positions]
        key = (seq, term)
        if key in found:
            found[key] += shifted
            several.add(key)
        else:
            found[key] = shifted
    for key in several:
        found[key] = sorted(set(found[key]))
    return found


def _expander(cursor: psycopg.Cursor[Any]) -> Expand:
    from briefer.core.search.query import MAX_EXPANSION

    def expand(fieldname: str, kind: str, text: str, lengths: tuple[int, int] | None) -> list[str]:
        """The field's terms like `text` (a prefix or a wildcard): for a fuzzy word (`lengths`)
        all those of a length that can be near, else one more than may be searched."""
        query = "SELECT term FROM search_terms WHERE field = %s AND term LIKE %s"
        params: list[Any] = [fieldname, like_pattern(kind, text)]
        if lengths is not None:
            query += " AND char_length(term) BETWEEN %s AND %s ORDER BY term"
            params += lengths
        else:
            query += " ORDER BY term LIMIT %s"
            params.append(MAX_EXPANSION + 1)
        cursor.execute(query, params)
        return [str(row[0]) for row in cursor.fetchall()]

    return expand


@dataclass
class _Tier:
    tier: Tier
    where: Where
    total: int
    clustered: dict[str, str]  # its clustered documents (id -> cluster)


class Search:
    """One search, in one snapshot: counts, facets and the page, scored (see the module docstring)."""

    def __init__(
        self,
        engine: Ranked,
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
        self.stats = statistics(cursor)
        self._frequencies: dict[tuple[str, str], int] | None = None

    def run(self) -> IndexResults:
        request = self.request
        filters = _filters(request.filters)
        strict = self.tier(Tier.ALL, self.compiler.matches(self.parsed).narrowed(filters))
        tiers = [strict]
        few = strict.total < request.limit or _stories(strict.total, strict.clustered, set()) < request.limit
        relaxed = None
        if request.relax and few:
            condition = self.compiler.relaxed(self.parsed, querylang.most_words_needed)
            if condition is not None:
                relaxed = self.tier(Tier.MOST, condition.narrowed(filters))
                tiers.append(relaxed)
        compiled = self.compiler.found
        page, stories = self._page(tiers, compiled)
        facets = None
        if request.facets:
            where = strict.where if relaxed is None else strict.where.either(relaxed.where)
            facets = _facets(self.cursor, where, request.facet_values)
        return IndexResults(
            hits=page,
            total=sum(t.total for t in tiers),
            terms=MatchTerms(frozenset(compiled.terms)),
            facets=facets,
            relaxed=relaxed.total if relaxed else 0,
            expansions=self.prepared.expansions,
            suggestion=spelling.suggest(
                Vocabulary(self.cursor, [w.lower() for _, _, w in self.prepared.words]),
                request.query,
                self.prepared.words,
                rare_too=strict.total < spelling.FEW_RESULTS,
            ),
            stories=None if stories is None else sum(stories),
            relaxed_stories=None if stories is None else stories[1],
        )

    def tier(self, tier: Tier, where: Where) -> _Tier:
        total = self._scalar(where.count())
        clustered: dict[str, str] = {}
        if self.clusters and total:
            self.cursor.execute(
                where.narrowed(sql.SQL("d.doc_id = ANY(%(ids)s)")).rows(sql.SQL("d.doc_id")),
                {"ids": list(self.clusters)},
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
        proximity and feedback bonuses for the first tier, unless `bonuses` is false).  Every
        `count` gives the first hits of one list, so that pages never overlap nor skip: by
        relevance, the re-rank pool in BM25F order, then the rest in the server's order."""
        sort = self.request.sort
        if sort == "relevance":
            pool, rest = self._relevance_candidates(tier, count, compiled)
        else:
            pool, rest = self._dated_candidates(tier, count), []
        seqs = pool + rest
        if not seqs:
            return []
        scoring = self._candidates(seqs, compiled)
        if tier.tier is Tier.ALL:
            first = {s: self._score(scoring, s) for s in seqs}
        else:
            first = {s: scoring.relaxed_score(self.parsed, s) for s in seqs}
        pooled = {s: first[s] for s in pool}
        reranked = Reranked(pooled, {})
        if sort == "relevance" and tier.tier is Tier.ALL and bonuses:
            reranked = self._rerank(scoring, pooled, compiled)
        scores = {**first, **reranked.scores}
        if sort == "relevance":
            order = sorted(pool, key=lambda s: (-scores[s], s)) + rest
        else:
            order = _by_date(pool, scores, self._stamps, newest=sort == "newest")
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

    def _relevance_candidates(
        self, tier: _Tier, count: int, compiled: Compiled
    ) -> tuple[list[int], list[int]]:
        """The tier's documents BM25F re-scores (all of them when they are few, else the
        RERANK_POOL best by the server's rough rank, ties by seq) and, when `count` reaches past
        that pool, the next ones in the server's order.  The pool never depends on `count`."""
        columns: sql.Composable = sql.SQL("d.seq")
        listed_columns: sql.Composable | None = None
        order = sql.SQL("seq")
        if tier.total > RERANK_POOL:
            frequencies = self.frequencies(compiled)
            # The words every listed match has count the same for each: no word list is read for them.
            have = required_words(self.parsed) if tier.tier is Tier.ALL else set()
            rank = functools.partial(_rough_rank, compiled, self.stats, frequencies, self.engine.ranking)
            columns, listed_columns = (sql.SQL("d.seq, {} AS rank").format(rank(k)) for k in ((), have))
            order = sql.SQL("rank DESC, seq")
        query = sql.SQL("SELECT seq FROM ({}) m ORDER BY {} LIMIT {}").format(
            tier.where.rows(columns, listed_columns), order, max(count, RERANK_POOL)
        )
        self.cursor.execute(query)
        seqs = [int(row[0]) for row in self.cursor.fetchall()]
        return seqs[:RERANK_POOL], seqs[RERANK_POOL:count]

    def _dated_candidates(self, tier: _Tier, count: int) -> list[int]:
        """The tier's `count` newest or oldest documents and every other one of the last one's
        date (undated last): dates tie often, and ties go to the higher score (`_by_date`), so
        the server's order cannot cut among them."""
        direction = sql.SQL("DESC" if self.request.sort == "newest" else "ASC")
        columns = sql.SQL("d.seq, d.published")
        query = sql.SQL("SELECT seq, published FROM ({}) m ORDER BY published {} NULLS LAST, seq LIMIT {}")
        rows = self.cursor.execute(query.format(tier.where.rows(columns), direction, count)).fetchall()
        if rows and len(rows) == count < tier.total:
            edge = rows[-1][1]
            same_date = (
                sql.SQL("d.published IS NULL")
                if edge is None
                else sql.SQL("d.published = {}").format(sql.Literal(edge))
            )
            rows += self.cursor.execute(tier.where.narrowed(same_date).rows(columns)).fetchall()
        self._stamps = {int(seq): published for seq, published in rows}
        return list(self._stamps)

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

        def tokenize(text: str) -> Counter[str]:
            counts = term_counts(text)
            scoring.read_frequencies("body", counts)  # the feedback words are looked up next
            return counts

        return rerank(
            scoring,
            scores,
            words,
            self.engine.ranking,
            texts=feed,
            tokenize=tokenize,
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
    compiled: Compiled,
    stats: Statistics,
    frequencies: dict[tuple[str, str], int],
    ranking: Ranking,
    listed: Collection[str] = (),
) -> sql.Composable:
    """A rank the server computes for every match to pick the candidates BM25F then scores: the
    idf of each query word the document has (in its title, twice), from its word list; the words
    `listed` are known to be in every match's list (the list is not read for them)."""
    terms = sorted(compiled.scored)
    if not terms:
        return sql.SQL("0")
    parts = []
    for fieldname, term in terms:
        idf = sql.SQL("{}::numeric").format(
            sql.Literal(round(ranking.idf(max(1, stats.docs), frequencies.get((fieldname, term), 0)), 4))
        )
        if fieldname == "body" and term in listed:
            parts.append(idf)
            continue
        column = sql.SQL("d.title" if fieldname == "title" else "d.words")
        parts.append(
            sql.SQL("CASE WHEN {} @@ {}::tsquery THEN {} ELSE 0 END").format(
                column, sql.Literal(quote_lexeme(term)), idf
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
            spans = [calendar_span(v) for v in values]
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


def _facets(cursor: psycopg.Cursor[Any], where: Where, wanted: int | None) -> dict[str, FacetCounts]:
    """How many matches have each value of each facet, as the Whoosh engine orders them."""
    cursor.execute(
        sql.SQL(
            """WITH m AS MATERIALIZED ({})
               SELECT 'source', outlet, count(*) FROM m WHERE outlet IS NOT NULL GROUP BY outlet
               UNION ALL SELECT 'type', type, count(*) FROM m WHERE type IS NOT NULL GROUP BY type
               UNION ALL SELECT 'language', language, count(*) FROM m WHERE language IS NOT NULL
                   GROUP BY language
               UNION ALL SELECT 'tag', t, count(*) FROM m, unnest(m.tags) t GROUP BY t
               UNION ALL SELECT 'day', day::text, count(*) FROM m WHERE day IS NOT NULL GROUP BY day"""
        ).format(where.rows(sql.SQL("d.outlet, d.type, d.language, d.tags, d.day")))
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


def more_like(
    engine: Ranked,
    cursor: psycopg.Cursor[Any],
    counts: Counter[str],
    exclude: set[str],
    limit: int,
    wanted: int,
) -> IndexResults:
    from whoosh import query

    stats = statistics(cursor)
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
    search = Search(engine, cursor, request, PreparedQuery(""), clauses, None)
    where = search.compiler.matches(clauses)
    if exclude:
        where = where.narrowed(sql.SQL("NOT d.doc_id = ANY({})").format(sql.Literal(sorted(exclude))))
    tier = search.tier(Tier.ALL, where)
    compiled = search.compiler.found
    hits = [IndexHit(h.doc_id, h.score) for h in search.ranked(tier, limit, compiled, bonuses=False)]
    return IndexResults(hits=hits, total=tier.total, terms=MatchTerms(frozenset((t,) for _, t in best)))


class Vocabulary:
    """The archive's words (search_words) and their use, for spelling suggestions (`spelling.Vocabulary`)."""

    def __init__(self, cursor: psycopg.Cursor[Any], query_words: Collection[str] = ()) -> None:
        self.cursor = cursor
        self._known: dict[str, bool] = {}
        self._unread_neighbours = set(query_words)  # the words whose corrections may be asked for
        self._read(sorted(self._unread_neighbours))  # the query's words, in one look-up

    def has_word(self, word: str) -> bool:
        if word not in self._known:
            self._read([word])
        elif not self._known[word] and word in self._unread_neighbours:
            # A query word the archive lacks: its corrections one edit away are asked for next.
            self._unread_neighbours.discard(word)
            self._read(sorted(spelling.one_edit(word) - self._known.keys()))
        return self._known[word]

    def _read(self, words: list[str]) -> None:
        if not words:
            return
        # One key look-up per word: as `word = ANY(...)`, the planner took the trigram index (its
        # `=` too) for a misspelt word's ~400 variants: 0.9 s at 300,000 documents, 0.6 ms so.
        self.cursor.execute(
            "SELECT s.word FROM unnest(%s::text[]) AS w(word) JOIN search_words s ON s.word = w.word",
            (words,),
        )
        present = {row[0] for row in self.cursor.fetchall()}
        for word in words:
            self._known[word] = word in present

    def spelled_like(self, word: str) -> list[str]:
        # pg_trgm's index finds the words sharing enough letter triples with `word`, wherever the typo
        # is, without reading the vocabulary; the threshold is low enough for two edits in a short word.
        self.cursor.execute("SET LOCAL pg_trgm.similarity_threshold = 0.2")
        self.cursor.execute(
            "SELECT word FROM search_words"
            " WHERE word %% %(w)s AND length(word) BETWEEN %(short)s AND %(long)s",
            {"w": word, "short": len(word) - spelling.MAX_EDITS, "long": len(word) + spelling.MAX_EDITS},
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


__all__ = ["RERANK_POOL", "Ranked", "Search", "Vocabulary", "more_like", "statistics"]
