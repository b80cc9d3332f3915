"""Scores for the PostgreSQL engine's candidates: the Whoosh engine's BM25F, from statistics kept in
the database.

`ts_rank` has no idf, so the engine keeps each word's document frequency per field and the
fields' total lengths (search_terms, search_stats), and scores its candidates here: their word
positions are read from their tsvectors, the parsed query is evaluated over them as
the Whoosh engine evaluates it (an AND adds its parts, a phrase its words, NOT excludes), and
`Candidates` is the `ranking.Evidence` that `ranking.rerank` reads for the proximity and
feedback bonuses, so both engines rank with one formula.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from whoosh import query
from whoosh.util.numeric import byte_to_length, length_to_byte

from briefer.core.search._pg_query import NAME_FIELDS, TEXT_FIELDS
from briefer.core.search._pg_write import name_words
from briefer.core.search.analysis import near
from briefer.core.search.index import DayRange, Required
from briefer.core.search.ranking import Ranking

TITLE_BOOST = 2.0  # a title word weighs twice a body word, as in the Whoosh index's schema

Scores = dict[int, float]
# A part of a score: the field, the word (or a phrase's words) and what it adds (`ranking.Factor`).
Part = tuple[str, tuple[str, ...], float]


@dataclass
class Candidate:
    """One document's facts that scoring reads; `positions[(field, term)]` are global positions."""

    seq: int
    doc_id: str
    title_length: int
    body_length: int
    names: dict[str, list[str]]
    labels: dict[str, Any]  # type, language, tags, day
    positions: dict[tuple[str, str], list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Statistics:
    docs: int
    title_length: int
    body_length: int

    def average(self, fieldname: str) -> float:
        total = self.title_length if fieldname == "title" else self.body_length
        return (total / self.docs if self.docs else 0.0) or 1.0


# Reads more positions for candidates: (the candidates' seqs, field, terms or None for all of them)
# -> their positions.
FetchPositions = Callable[[list[int], str, list[str] | None], dict[tuple[int, str], list[int]]]
FetchFrequencies = Callable[[list[tuple[str, str]]], dict[tuple[str, str], int]]


class Candidates:
    """The candidates of one search, and the statistics to score them (a `ranking.Evidence`)."""

    def __init__(
        self,
        found: dict[int, Candidate],
        stats: Statistics,
        ranking: Ranking,
        frequencies: dict[tuple[str, str], int],
        *,
        fetch_positions: FetchPositions,
        fetch_frequencies: FetchFrequencies,
        expansions: dict[int, list[str]],
    ) -> None:
        self.found = found
        self.stats = stats
        self.ranking = ranking
        self.doc_count_all = stats.docs
        self._frequencies = dict(frequencies)
        self._fetch_positions = fetch_positions
        self._fetch_frequencies = fetch_frequencies
        self._expansions = expansions
        self._whole: set[tuple[str, int]] = set()  # (field, candidate) whose words are all read
        self._factors: dict[tuple[str, str], tuple[float, float, float, float]] = {}

    # -- ranking.Evidence ---------------------------------------------------------------
    def term(
        self, fieldname: str, text: str, boost: float = 1.0, *, docs: Collection[int] | None = None
    ) -> Scores:
        wanted = self.found.keys() if docs is None else [d for d in docs if d in self.found]
        self._have(fieldname, [text], list(wanted))
        out: Scores = {}
        for seq in wanted:
            score = self._bm25(self.found[seq], fieldname, text, boost)
            if score is not None:
                out[seq] = score
        return out

    def idf(self, fieldname: str, btext: bytes) -> float:
        return self.ranking.idf(self.stats.docs, self.doc_frequency(fieldname, btext))

    def doc_frequency(self, fieldname: str, btext: bytes) -> int:
        key = (fieldname, btext.decode("utf-8"))
        if key not in self._frequencies:
            self._frequencies.update(self._fetch_frequencies([key]))
            self._frequencies.setdefault(key, 0)
        return self._frequencies[key]

    def read_frequencies(self, fieldname: str, terms: Collection[str]) -> None:
        """Read the document frequencies of `terms` at once (feedback asks for a hundred words)."""
        missing = [(fieldname, t) for t in terms if (fieldname, t) not in self._frequencies]
        if missing:
            self._frequencies.update(self._fetch_frequencies(missing))

    def positions(self, fieldname: str, text: str, docs: Collection[int]) -> dict[int, list[int]]:
        wanted = [d for d in docs if d in self.found]
        self._have(fieldname, [text], wanted)
        out = {}
        for seq in wanted:
            found = self.found[seq].positions.get((fieldname, text))
            if found:
                out[seq] = found
        return out

    def _have(self, fieldname: str, terms: list[str], docs: list[int]) -> None:
        """Read the positions of `terms` in `docs` from the database when not read yet: all the
        words of those documents' field at once (feedback asks for ten words, one at a time)."""
        missing = [
            d
            for d in docs
            if (fieldname, d) not in self._whole
            and any((fieldname, t) not in self.found[d].positions for t in terms)
        ]
        if not missing:
            return
        fetched = self._fetch_positions(missing, fieldname, None)
        for seq in missing:
            self._whole.add((fieldname, seq))
            for key in [k for k in self.found[seq].positions if k[0] == fieldname]:
                self.found[seq].positions[key] = []
        for (seq, term), positions in fetched.items():
            self.found[seq].positions[(fieldname, term)] = positions

    def _bm25(self, doc: Candidate, fieldname: str, text: str, boost: float) -> float | None:
        found = doc.positions.get((fieldname, text))
        if not found:
            return None
        key = (fieldname, text)
        factors = self._factors.get(key)
        if factors is None:
            model = self.ranking.field(fieldname)
            idf = self.idf(fieldname, text.encode("utf-8")) * model.weight
            per_length = model.k1 * model.b / self.stats.average(fieldname)
            factors = self._factors[key] = (idf, model.k1 + 1, model.k1 * (1 - model.b), per_length)
        idf, k1p1, norm, per_length = factors
        weight = len(found) * (TITLE_BOOST if fieldname == "title" else 1.0)
        length = doc.title_length if fieldname == "title" else doc.body_length
        length = _stored_length(length)  # as Whoosh stores a field's length
        return float(idf * boost * weight * k1p1 / (weight + norm + per_length * length))

    # -- evaluating the query ---------------------------------------------------------------
    def score(self, q: Any, seq: int, parts: list[Part] | None = None) -> float | None:
        """`q`'s score for the candidate `seq`, None when it does not match; `parts` collects
        the score's parts (for `explain`)."""
        doc = self.found[seq]
        if isinstance(q, Required):
            return self.score(q.child, seq, parts)
        if isinstance(q, query.Term):
            if q.fieldname in TEXT_FIELDS:
                found = self._bm25(doc, q.fieldname, str(q.text), q.boost)
                if found is not None and parts is not None:
                    parts.append((q.fieldname, (str(q.text),), found))
                return found
            if not self._label_match(doc, q.fieldname, [str(q.text)], 1):
                return None
            # Labels and tags count as one, as the Whoosh index scores them; names add nothing.
            return 0.0 if q.fieldname in NAME_FIELDS else float(q.boost)
        if isinstance(q, query.Phrase):
            return self._phrase(doc, q, parts)
        if isinstance(q, query.And):
            return self._and(q.subqueries, seq, q.boost, parts)
        if isinstance(q, query.Or):
            return self._or(q.subqueries, seq, q.boost, parts, best=isinstance(q, query.DisjunctionMax))
        if isinstance(q, query.Not):
            return None if self.score(q.query, seq) is not None else float(q.boost)
        if isinstance(q, query.AndNot):
            return None if self.score(q.b, seq) is not None else self.score(q.a, seq, parts)
        if isinstance(q, query.AndMaybe):
            base = self.score(q.a, seq, parts)
            return None if base is None else base + (self.score(q.b, seq, parts) or 0.0)
        if isinstance(q, query.Require):
            return self.score(q.a, seq, parts) if self.score(q.b, seq) is not None else None
        if isinstance(q, DayRange):
            day = doc.labels.get("day")
            return 0.0 if day is not None and q.first <= day <= q.last else None
        if isinstance(q, query.Every):
            return float(q.boost)
        if isinstance(q, query.MultiTerm):
            terms = [query.Term(q.fieldname, t, boost=q.boost) for t in self._expansions.get(id(q), [])]
            return self._or(terms, seq, 1.0, parts)
        return None

    def relaxed_score(self, q: Any, seq: int) -> float:
        """The score of a relaxed-tier candidate: the free words it has and every other clause."""
        children = list(q.subqueries) if isinstance(q, query.And) else [q]
        total = 0.0
        for child in children:
            if isinstance(child, query.Not):
                continue
            total += self.score(child, seq) or 0.0
        return total * (q.boost if isinstance(q, query.And) else 1.0)

    def _and(self, children: list[Any], seq: int, boost: float, parts: list[Part] | None) -> float | None:
        total = 0.0
        for child in children:
            if isinstance(child, query.Not):
                if self.score(child.query, seq) is not None:
                    return None
                continue
            found = self.score(child, seq, parts)
            if found is None:
                return None
            total += found
        return total * boost

    def _or(
        self, children: list[Any], seq: int, boost: float, parts: list[Part] | None, *, best: bool = False
    ) -> float | None:
        found = [s for s in (self.score(c, seq, parts) for c in children) if s is not None]
        if not found:
            return None
        return (max(found) if best else sum(found)) * boost

    def _phrase(self, doc: Candidate, q: Any, parts: list[Part] | None) -> float | None:
        words = [str(w) for w in q.words]
        if q.fieldname not in TEXT_FIELDS:
            return 0.0 if self._label_match(doc, q.fieldname, words, q.slop) else None
        lists = [doc.positions.get((q.fieldname, w), []) for w in words]
        if not words or not all(lists) or not near(lists, q.slop):
            return None
        total = sum(self._bm25(doc, q.fieldname, w, q.boost) or 0.0 for w in words)
        if parts is not None:
            parts.append((q.fieldname, tuple(words), total))
        return total

    @staticmethod
    def _label_match(doc: Candidate, fieldname: str, words: list[str], slop: int) -> bool:
        if fieldname in NAME_FIELDS:
            found = doc.names.get(fieldname, [])
            at: dict[str, list[int]] = {}
            for position, word in enumerate(found):
                at.setdefault(word, []).append(position)
            lists = [at.get(w, []) for w in words]
            return all(lists) and near(lists, slop)
        if fieldname == "tag":
            return words[0] in doc.labels.get("tags", ())
        return bool(doc.labels.get(fieldname) == words[0])


@functools.lru_cache(maxsize=4096)
def _stored_length(length: int) -> int:
    return byte_to_length(length_to_byte(length)) or 1


def candidate(row: tuple[Any, ...]) -> Candidate:
    """A candidate from (seq, doc_id, title_length, body_length, source, author, url, type,
    language, tags, day)."""
    seq, doc_id, title_length, body_length, source, author, url, kind, language, tags, day = row
    names = {f: name_words(f, v or "") for f, v in zip(NAME_FIELDS, (source, author, url), strict=True)}
    labels = {"type": kind, "language": language, "tags": tuple(tags or ()), "day": day}
    return Candidate(seq, doc_id, title_length, body_length, names, labels)


__all__ = ["Candidate", "Candidates", "Part", "Statistics", "candidate", "near"]
