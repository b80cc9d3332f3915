"""Query evaluation over Whoosh's segments: the fast half of `briefer.core.search.index`.

Whoosh walks its posting lists one document at a time through a stack of
Python matcher objects; on a newswire archive that is 10-60 ms for a two-word
query and about 200 ms for a date range.  Here the parsed Whoosh query is
evaluated set-wise instead:

- a term's postings are decoded once into two arrays (document numbers and
  weights) and kept in a size-bounded cache per segment; segments never change
  (only their deletions do), so the cache survives commits;
- BM25 is computed per field as Whoosh's `BM25F` computes it (same idf, same
  byte-encoded field lengths, same average), with each field's k1, b and weight
  from the engine's `ranking.Ranking` (with `ranking.PLAIN` the scores are
  Whoosh's own), but over whole arrays, and AND/OR/NOT become dict and set operations;
- dates, source types, outlets, languages and tags are read into per-segment
  arrays once (`_whoosh_columns`): date filters, facet counts and date sorting are lookups.

The result of an evaluation is every matching document with its score: totals
are exact and facets count the whole result, not an estimate.

Whoosh internals used here (`W3LeafMatcher` blocks, the length columns) are
those of the pinned whoosh-reloaded 2.7.5; each has a slower fallback through
the public API (`_whoosh_read` reads the segments).  Whoosh is imported only in this package.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from whoosh import query

from briefer.core.search._whoosh_columns import Columns, Leaf, Segment
from briefer.core.search._whoosh_read import (
    Postings,
    PostingsCache,
    decode,
    decode_some,
    field_lengths,
    wanted_postings,
)
from briefer.core.search.analysis import near
from briefer.core.search.query import (
    MAX_EXPANSION,
    MAX_FUZZY_DISTANCE,
    MAX_LOOKUPS,
    MIN_PREFIX,
    QueryError,
    QueryTooBroad,
)
from briefer.core.search.ranking import DEFAULT, Ranking

TEXT_FIELDS = ("title", "body")  # the fields whose words are highlighted
# Decoded postings kept in memory, in units of about 8 bytes (see Postings.cost): about 100 MB.
POSTINGS_BUDGET = 12_000_000

Scores = dict[int, float]
_Factors = tuple[float, float, float, float]  # see Snapshot.bm25_factors


class DayRange(query.Query):
    """Documents published from day `first` to day `last` (proleptic ordinals, inclusive).

    Evaluated here from the published column, never by Whoosh: its own date
    ranges cost about 200 ms a query (see the field notes).
    """

    def __init__(self, first: int, last: int, boost: float = 1.0) -> None:
        self.first = first
        self.last = last
        self.boost = boost
        self.fieldname = "published"

    def __repr__(self) -> str:
        return f"DayRange({date.fromordinal(self.first)}, {date.fromordinal(self.last)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DayRange) and (other.first, other.last) == (self.first, self.last)

    def __hash__(self) -> int:
        return hash(("DayRange", self.first, self.last))

    def is_leaf(self) -> bool:
        return True

    def field(self) -> str:
        return "published"

    def terms(self, phrases: bool = True) -> Iterator[Any]:
        return iter(())

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        raise QueryError("a date range cannot be combined this way")


class Required(query.WrappingQuery):
    """A clause that must match even in the relaxed tier (`Snapshot.most_words`): one the user
    marked `+word`, and what `query.prepare` and the parser mark so (a phrase typed in quotes, a
    field or date clause, an explicit AND).  It matches as its child does.
    """

    @property
    def boost(self) -> float:
        return float(self.child.boost)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Required) and other.child == self.child

    def __hash__(self) -> int:
        return hash(("Required", self.child))

    def normalize(self) -> Any:
        child = self.child.normalize()
        return child if child is query.NullQuery else Required(child)


class Engine:
    """The caches shared by every snapshot of one index; `stem` is the index's stemmer."""

    def __init__(
        self,
        *,
        stem: Callable[[str], str],
        budget: int = POSTINGS_BUDGET,
        ranking: Ranking = DEFAULT,
    ) -> None:
        self.stem = stem
        self.ranking = ranking
        self.postings = PostingsCache(budget)
        self.segments: dict[str, Segment] = {}
        self._snapshot: Snapshot | None = None

    def snapshot(self, searcher: Any) -> Snapshot:
        """The evaluation state of `searcher`'s generation (made once per searcher)."""
        if self._snapshot is None or self._snapshot.searcher is not searcher:
            leaves = []
            for reader, offset in searcher.reader().leaf_readers():
                if reader.segment() is None:  # an empty index
                    continue
                segment_id = reader.segment().segment_id()
                segment = self.segments.get(segment_id)
                if segment is None:
                    segment = self.segments[segment_id] = Segment(segment_id, reader.doc_count_all())
                leaves.append(Leaf(segment, reader, offset))
            live = {leaf.segment.segment_id for leaf in leaves}
            for gone in [s for s in self.segments if s not in live]:
                del self.segments[gone]
            self.postings.forget_segments(live)
            self._snapshot = Snapshot(self, searcher, leaves)
        return self._snapshot

    def forget(self) -> None:
        self._snapshot = None
        self.segments.clear()
        self.postings = PostingsCache(self.postings.budget)


# What to highlight: runs of analyzed words, each found only whole (one word, or a phrase).
Terms = set[tuple[str, ...]]
# A part of a score: the field, the word (or a phrase's words) and what it adds.
Part = tuple[str, tuple[str, ...], float]


@dataclass
class Evaluation:
    """Every matching document (global document number) with its score, and what to highlight."""

    scores: Scores
    terms: Terms = field(default_factory=set)


class Snapshot:
    """One generation of the index: evaluates queries, filters, facets and sorts against it."""

    def __init__(self, engine: Engine, searcher: Any, leaves: list[Leaf]) -> None:
        self.engine = engine
        self.searcher = searcher
        self.reader = searcher.reader()
        self.schema = searcher.schema
        self.leaves = leaves
        self.doc_count_all = int(searcher.doc_count_all())
        self.deleted: set[int] = set()
        for leaf in leaves:
            if leaf.reader.has_deletions():
                self.deleted.update(leaf.offset + d for d in leaf.reader.deleted_docs_set)
        self.columns = Columns(leaves, self.schema, self.deleted, self.postings)
        self._doc_frequency: dict[tuple[str, bytes], int] = {}
        self._looked_up: set[str] | None = None  # the words the current evaluation looked up

    # -- evaluation ------------------------------------------------------------------
    def evaluate(self, q: Any) -> Evaluation:
        """Every document `q` matches, with its score; QueryTooBroad when `q` stands for more
        than MAX_LOOKUPS different words (its alias variants, wildcards and fuzzy words counted)."""
        terms: Terms = set()
        self._looked_up = set()
        try:
            scores = self._eval(q, terms, positive=True)
        finally:
            self._looked_up = None
        if self.deleted:
            for docnum in self.deleted.intersection(scores):
                del scores[docnum]
        return Evaluation(scores, terms)

    def _eval(self, q: Any, terms: Terms, *, positive: bool) -> Scores:
        if isinstance(q, query.Term):
            self._look_up([q.text])
            if positive and q.fieldname in TEXT_FIELDS:
                terms.add((str(q.text),))
            return self.term(q.fieldname, q.text, q.boost)
        if isinstance(q, query.And):
            return self._and(q.subqueries, terms, positive, q.boost)
        if isinstance(q, Required):
            return self._eval(q.child, terms, positive=positive)
        if isinstance(q, query.DisjunctionMax):
            return self._or(q.subqueries, terms, positive, q.boost, combine=max)
        if isinstance(q, query.Or):
            if getattr(q, "scale", None):
                raise QueryError("a scaled OR is not supported here")
            return self._or(q.subqueries, terms, positive, q.boost)
        if isinstance(q, query.Phrase):
            self._look_up(q.words)
            if positive and q.fieldname in TEXT_FIELDS:
                terms.update(_highlighted(q))
            return self.phrase(q.fieldname, list(q.words), q.slop, q.boost)
        if isinstance(q, DayRange):
            return dict.fromkeys(self.columns.day_docs(q.first, q.last), 0.0)
        if isinstance(q, query.Not):
            excluded = self._eval(q.query, terms, positive=not positive)
            return {d: q.boost for d in self.all_docs() if d not in excluded}
        if isinstance(q, query.AndNot):
            kept = self._eval(q.a, terms, positive=positive)
            removed = self._eval(q.b, terms, positive=not positive)
            return {d: s for d, s in kept.items() if d not in removed}
        if isinstance(q, query.AndMaybe):
            required = self._eval(q.a, terms, positive=positive)
            optional = self._eval(q.b, terms, positive=positive)
            return {d: s + optional.get(d, 0.0) for d, s in required.items()}
        if isinstance(q, query.Require):
            required = self._eval(q.a, terms, positive=positive)
            also = self._eval(q.b, terms, positive=positive)
            return {d: s for d, s in required.items() if d in also}
        if isinstance(q, query.Every):
            return dict.fromkeys(self.all_docs(), q.boost)
        if isinstance(q, query.MultiTerm):  # Prefix, Wildcard, FuzzyTerm, TermRange, ...
            expanded = self.expand(q)
            self._look_up(expanded)
            if positive and q.fieldname in TEXT_FIELDS:
                terms.update((t.decode("utf-8"),) for t in expanded)
            return self._union(self.term(q.fieldname, t, q.boost) for t in expanded)
        if q is query.NullQuery or isinstance(q, query.qcore._NullQuery):
            return {}
        return self._whoosh(q)

    # -- explaining a score ----------------------------------------------------------
    def breakdown(self, q: Any, docs: Collection[int]) -> dict[int, list[Part]]:
        """The parts of each of `docs`' scores under `q`, which they match: one per word and field
        (a phrase is one part), as `_eval` adds them up.  A clause that scores every match alike
        (NOT alone, everything) is a part of its own."""
        wanted = set(docs)
        if isinstance(q, query.Term):
            found = self.term(q.fieldname, q.text, q.boost)
            word = (str(q.text),)
            return {d: [(q.fieldname, word, found[d])] for d in wanted.intersection(found)}
        if isinstance(q, Required):
            return self.breakdown(q.child, wanted)
        if isinstance(q, query.DisjunctionMax):
            best: dict[int, list[Part]] = {}
            for child in q.subqueries:
                for d, parts in self.breakdown(child, wanted).items():
                    if sum(p[2] for p in parts) > sum(p[2] for p in best.get(d, [])):
                        best[d] = parts
            return _scaled(best, q.boost)
        if isinstance(q, query.And | query.Or):
            children = [c for c in q.subqueries if not isinstance(c, query.Not)]
            return _scaled(self._breakdowns(children, wanted), q.boost)
        if isinstance(q, query.Phrase):
            found = self.phrase(q.fieldname, list(q.words), q.slop, q.boost)
            words = tuple(str(w) for w in q.words)
            return {d: [(q.fieldname, words, found[d])] for d in wanted.intersection(found)}
        if isinstance(q, query.AndNot | query.Require):
            return self.breakdown(q.a, wanted)
        if isinstance(q, query.AndMaybe):
            return self._breakdowns([q.a, q.b], wanted)
        if isinstance(q, query.MultiTerm):
            expanded = [query.Term(q.fieldname, t.decode("utf-8"), boost=q.boost) for t in self.expand(q)]
            return self._breakdowns(expanded, wanted)
        if isinstance(q, query.Not | query.Every):
            return {d: [("", (), float(q.boost))] for d in wanted}
        return {}

    def _breakdowns(self, children: Iterable[Any], docs: set[int]) -> dict[int, list[Part]]:
        out: dict[int, list[Part]] = {}
        for child in children:
            for d, parts in self.breakdown(child, docs).items():
                out.setdefault(d, []).extend(parts)
        return out

    def _look_up(self, words: Iterable[Any]) -> None:
        """Count the different words an evaluation looks up (in any field), up to MAX_LOOKUPS:
        each costs a posting list, and expansions multiply them."""
        seen = self._looked_up
        if seen is None:
            return
        seen.update(w.decode("utf-8", "replace") if isinstance(w, bytes) else str(w) for w in words)
        if len(seen) > MAX_LOOKUPS:
            raise QueryTooBroad(
                f"the query stands for more than {MAX_LOOKUPS:,} different words (name variants, "
                "wildcards and fuzzy words included); use fewer words, or more letters before a * or ?"
            )

    def _and(self, children: list[Any], terms: Terms, positive: bool, boost: float) -> Scores:
        wanted = [c for c in children if not isinstance(c, query.Not)]
        unwanted = [c.query for c in children if isinstance(c, query.Not)]
        if not wanted:
            base: Scores = dict.fromkeys(self.all_docs(), 0.0)
        else:
            parts = sorted((self._eval(c, terms, positive=positive) for c in wanted), key=len)
            base = parts[0] if len(parts) == 1 else {d: sum(p[d] for p in parts) for d in _common(parts)}
        for child in unwanted:
            excluded = self._eval(child, terms, positive=not positive)
            base = {d: s for d, s in base.items() if d not in excluded}
        return _boosted(base, boost)

    def _or(
        self,
        children: list[Any],
        terms: Terms,
        positive: bool,
        boost: float,
        combine: Callable[[float, float], float] | None = None,
    ) -> Scores:
        parts = [self._eval(c, terms, positive=positive) for c in children]
        if combine is None:
            return _boosted(self._union(parts), boost)
        merged: Scores = {}
        for part in parts:
            for d, s in part.items():
                merged[d] = combine(merged[d], s) if d in merged else s
        return _boosted(merged, boost)

    @staticmethod
    def _union(parts: Iterable[Scores]) -> Scores:
        """Every document of any part, with the sum of its scores (the largest part is copied whole)."""
        ordered = sorted(parts, key=len, reverse=True)
        if not ordered:
            return {}
        merged = dict(ordered[0])
        get = merged.get
        for part in ordered[1:]:
            for d, s in part.items():
                merged[d] = get(d, 0.0) + s
        return merged

    def _whoosh(self, q: Any) -> Scores:
        """Anything else the parser may produce: let Whoosh's own matchers find it."""
        try:
            results = self.searcher.search(q, limit=None)
            return {hit.docnum: float(hit.score or 0.0) for hit in results}
        except Exception as exc:  # Whoosh raises bare errors for queries it cannot run
            raise QueryError(f"cannot run this part of the query: {q}") from exc

    # -- the relaxed tier ---------------------------------------------------------------
    def most_words(self, q: Any, needed: Callable[[int], int | None]) -> Evaluation | None:
        """The documents that match most but not all of `q`'s free words (at least `needed(n)` of
        n, see `is_free_word`) and every other clause as `q` does (`Required` ones match, NOT ones
        exclude): the relaxed tier, below `evaluate(q)`'s documents, which match them all.  Scores
        add up as an AND's do, over the clauses matched.  None when `q` has no relaxed tier."""
        children = list(q.subqueries) if isinstance(q, query.And) else [q]
        free = [c for c in children if is_free_word(c)]
        least = needed(len(free))
        if least is None:
            return None
        terms: Terms = set()
        self._looked_up = set()
        try:
            counts: Counter[int] = Counter()
            found: Scores = {}
            for part in [self._eval(c, terms, positive=True) for c in free]:
                counts.update(part.keys())
                for d, s in part.items():
                    found[d] = found.get(d, 0.0) + s
            found = {d: s for d, s in found.items() if least <= counts[d] < len(free)}
            for child in children:
                if isinstance(child, query.Not):
                    excluded = self._eval(child.query, terms, positive=False)
                    found = {d: s for d, s in found.items() if d not in excluded}
                elif not is_free_word(child):
                    kept = self._eval(child, terms, positive=True)
                    found = {d: s + kept[d] for d, s in found.items() if d in kept}
        finally:
            self._looked_up = None
        for docnum in self.deleted.intersection(found):
            del found[docnum]
        return Evaluation(_boosted(found, q.boost) if isinstance(q, query.And) else found, terms)

    # -- terms -----------------------------------------------------------------------
    def term(
        self, fieldname: str, text: Any, boost: float = 1.0, *, docs: Collection[int] | None = None
    ) -> Scores:
        """BM25 scores of one term with its field's parameters (see `ranking.Ranking.fields`), in
        every document that has it, or only in those of `docs` (looked up, not walked: feedback
        scores a few candidates for words found in thousands of documents)."""
        if fieldname not in self.schema:
            return {}
        fieldobj = self.schema[fieldname]
        btext = text if isinstance(text, bytes) else fieldobj.to_bytes(text)
        out: Scores = {}
        scorable = fieldobj.scorable
        factors: _Factors | None = None
        for leaf in self.leaves:
            ids: Sequence[int]
            weights: Sequence[float]
            if docs is None:
                postings = self.postings(leaf, fieldname, btext)
                ids, weights = postings.ids, postings.weights
            else:
                ids, weights = self._some(leaf, fieldname, btext, docs)
            if not ids:
                continue
            if scorable:
                if factors is None:
                    factors = self.bm25_factors(fieldname, btext, boost)
                idf, k1p1, norm, per_length = factors
                lengths = self.lengths(leaf, fieldname)
                scores: Iterable[float] = [
                    idf * w * k1p1 / (w + norm + per_length * lengths[d])
                    for d, w in zip(ids, weights, strict=True)
                ]
            else:
                scores = [w * boost for w in weights]
            out.update(zip(map(leaf.offset.__add__, ids) if leaf.offset else ids, scores, strict=True))
        return out

    def bm25_factors(self, fieldname: str, btext: bytes, boost: float) -> _Factors:
        """What a word's BM25 score in a document needs besides its weight there and the field's
        length: the weighted idf, k1 + 1, k1 * (1 - b) and k1 * b / the average length."""
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        model = self.engine.ranking.field(fieldname)
        k1, b = model.k1, model.b
        idf = self.idf(fieldname, btext) * boost * model.weight
        return (idf, k1 + 1, k1 * (1 - b), k1 * b / avgfl)

    def idf(self, fieldname: str, btext: bytes) -> float:
        """The word's idf in the field, by the ranking's formula."""
        return self.engine.ranking.idf(self.doc_count_all, self.doc_frequency(fieldname, btext))

    def doc_frequency(self, fieldname: str, btext: bytes) -> int:
        """How many documents have the word in the field (deleted ones too, as Whoosh counts)."""
        key = (fieldname, btext)
        found = self._doc_frequency.get(key)
        if found is None:
            found = self._doc_frequency[key] = int(self.reader.doc_frequency(fieldname, btext))
        return found

    def postings(self, leaf: Leaf, fieldname: str, btext: bytes) -> Postings:
        key = (leaf.segment.segment_id, fieldname, btext)
        cached = self.engine.postings.get(key)
        if cached is not None:
            return cached
        decoded = decode(leaf.reader, fieldname, btext)
        self.engine.postings.put(key, decoded)
        return decoded

    def _some(
        self, leaf: Leaf, fieldname: str, btext: bytes, docs: Collection[int]
    ) -> tuple[list[int], list[float]]:
        """The local numbers and weights of the word's postings in those of `docs` (global
        numbers) that have it.  Unless its postings are decoded already, only the blocks that
        may hold them are read: feedback weighs ten words in a hundred candidates each."""
        offset, size = leaf.offset, leaf.segment.doc_count
        wanted = sorted(d - offset for d in docs if 0 <= d - offset < size)
        cached = self.engine.postings.get((leaf.segment.segment_id, fieldname, btext))
        if cached is not None:
            return wanted_postings(cached.ids, cached.weights, wanted)
        return decode_some(leaf.reader, fieldname, btext, wanted)

    def lengths(self, leaf: Leaf, fieldname: str) -> list[int]:
        found = leaf.segment.lengths.get(fieldname)
        if found is None:
            found = leaf.segment.lengths[fieldname] = field_lengths(leaf.reader, fieldname)
        return found

    def expand(self, q: Any) -> list[bytes]:
        """The words a wildcard, fuzzy word or range stands for, guarded against runaway expansion."""
        shown = _pattern(q)
        if isinstance(q, query.Prefix | query.Wildcard):
            text = str(q.text)
            literal = (
                len(text)
                if isinstance(q, query.Prefix)
                else min((i for i in (text.find("*"), text.find("?")) if i >= 0), default=len(text))
            )
            if literal < MIN_PREFIX:
                raise QueryTooBroad(
                    f"'{shown}' is too broad: put at least {MIN_PREFIX} letters before a * or ?", word=shown
                )
        if isinstance(q, query.FuzzyTerm):
            if q.maxdist > MAX_FUZZY_DISTANCE:
                raise QueryTooBroad(
                    f"'{shown}' allows {q.maxdist} typing errors; at most {MAX_FUZZY_DISTANCE} are searched",
                    word=shown,
                )
            if q.prefixlength < 1:  # the first letter is taken as typed: a lexicon scan per letter
                q = q.copy()
                q.prefixlength = 1
        found: list[bytes] = []
        for btext in q._btexts(self.reader):
            found.append(btext if isinstance(btext, bytes) else str(btext).encode("utf-8"))
            if len(found) > MAX_EXPANSION:
                examples = ", ".join(t.decode("utf-8", "replace") for t in found[:4])
                raise QueryTooBroad(
                    f"'{shown}' stands for more than {MAX_EXPANSION} different words ({examples}, ...); "
                    "type more letters or search for whole words",
                    word=shown,
                )
        return found

    # -- phrases ---------------------------------------------------------------------
    def phrase(self, fieldname: str, words: list[Any], slop: int, boost: float) -> Scores:
        """Documents with the words next to each other (slop 1), or within `slop` words in any order.

        The score is the sum of the words' scores, as in Whoosh.
        """
        if fieldname not in self.schema:
            return {}
        fieldobj = self.schema[fieldname]
        if len(words) == 1:
            return self.term(fieldname, words[0], boost)
        if not words:
            return {}
        if not fieldobj.format or not fieldobj.format.supports("positions"):
            raise QueryError(f"the field '{fieldname}' has no word positions: search it for single words")
        from briefer.core.search import _whoosh_phrase as fast  # numpy: loaded by phrases only

        btexts = [w if isinstance(w, bytes) else fieldobj.to_bytes(w) for w in words]
        out: Scores = {}
        factors: dict[bytes, _Factors] = {}
        for leaf in self.leaves:
            found = [self.postings(leaf, fieldname, t) for t in btexts]
            if not all(postings.ids for postings in found):
                continue
            docs = self._phrase_docs(leaf, fieldname, btexts, found, slop)
            if not len(docs):
                continue
            # The sum of the words' scores, added in the phrase's order as Whoosh adds them.
            total: Any = 0.0
            for btext, postings in zip(btexts, found, strict=True):
                if fieldobj.scorable:
                    if btext not in factors:
                        factors[btext] = self.bm25_factors(fieldname, btext, boost)
                    lengths = self._length_array(leaf, fieldname)
                    total = total + fast.bm25(postings.ids, postings.weights, docs, lengths, factors[btext])
                else:
                    total = total + fast.plain_scores(postings.weights, postings.ids, docs, boost)
            out.update(zip((docs + leaf.offset).tolist(), total.tolist(), strict=True))
        return out

    def _phrase_docs(
        self, leaf: Leaf, fieldname: str, btexts: list[bytes], found: list[Postings], slop: int
    ) -> Any:
        """The segment's documents (local numbers, ascending, a numpy array) where the words
        (their postings with positions in `found`) make the phrase, or come within `slop`."""
        from briefer.core.search import _whoosh_phrase as fast

        decode = self.schema[fieldname].format.decode_positions
        keys = []
        for btext, postings in zip(btexts, found, strict=True):
            if postings.keys is None:
                postings.keys = fast.position_keys(postings.ids, postings.values, postings.ends, decode)
                key = (leaf.segment.segment_id, fieldname, btext)
                self.engine.postings.put(key, postings)  # counted again, with its keys
            keys.append(postings.keys)
        docs = fast.phrase_docs(keys, slop)
        if docs is not None:
            return docs
        # Three words or more within `slop`, in any order: one candidate at a time.
        matched = []
        for docnum in fast.candidates([postings.ids for postings in found]):
            lists = []
            for postings in found:
                lists.append(decode(postings.value(bisect_left(postings.ids, docnum))))
            if near(lists, slop):
                matched.append(docnum)
        return fast.as_array(matched)

    def _length_array(self, leaf: Leaf, fieldname: str) -> Any:
        from briefer.core.search import _whoosh_phrase as fast

        arrays = leaf.segment.length_arrays
        if fieldname not in arrays:
            arrays[fieldname] = fast.as_array(self.lengths(leaf, fieldname))
        return arrays[fieldname]

    def positions(self, fieldname: str, text: Any, docs: Collection[int]) -> dict[int, list[int]]:
        """The positions of a word in each of `docs` that has it (for the proximity bonus)."""
        fieldobj = self.schema[fieldname]
        btext = text if isinstance(text, bytes) else fieldobj.to_bytes(text)
        decode = fieldobj.format.decode_positions
        out: dict[int, list[int]] = {}
        for leaf in self.leaves:
            offset, size = leaf.offset, leaf.segment.doc_count
            local = sorted(d - offset for d in docs if 0 <= d - offset < size)
            if not local:
                continue
            postings = self.postings(leaf, fieldname, btext)
            ids = postings.ids
            for docnum in local:  # a few candidates, looked up: the word may be in thousands
                i = bisect_left(ids, docnum)
                if i < len(ids) and ids[i] == docnum:
                    out[docnum + offset] = decode(postings.value(i))
        return out

    def all_docs(self) -> Iterator[int]:
        deleted = self.deleted
        return (d for d in range(self.doc_count_all) if d not in deleted)

    def doc_ids(self, docnums: Iterable[int]) -> list[str]:
        stored = self.searcher.stored_fields
        return [str(stored(d)["id"]) for d in docnums]

    # -- more like this ------------------------------------------------------------------
    def more_like(
        self, counts: Counter[str], exclude: set[str], *, limit: int, wanted: int
    ) -> tuple[list[tuple[int, float]], int, frozenset[str]]:
        """The best documents for the `wanted` most telling words of a text (their counts in
        `counts`), weighed as Whoosh's `more_like` weighs them (Bo1); `exclude` are document ids.
        Returns the hits, how many documents matched, and the words."""
        documents = max(1, self.doc_count_all)
        weighted = []
        for term, in_text in counts.items():
            found_in = self.reader.doc_frequency("body", term)
            if found_in < 2 or found_in > documents // 2:  # one document's own word, or everybody's
                continue
            share = self.reader.frequency("body", term) / documents
            weighted.append((in_text * math.log2((1 + share) / share) + math.log2(1 + share), term))
        best = sorted(weighted, reverse=True)[:wanted]
        if not best:
            return [], 0, frozenset()
        top = best[0][0]
        clauses = [query.Term(f, term, boost=weight / top) for weight, term in best for f in TEXT_FIELDS]
        scores = self.evaluate(query.Or(clauses)).scores
        for doc_id in exclude:
            for docnum in self.term("id", doc_id):
                scores.pop(docnum, None)
        return self.columns.top(scores, limit, "relevance"), len(scores), frozenset(term for _, term in best)

    # -- the vocabulary, for spelling suggestions (see briefer.core.search.spelling) ------------------
    def has_word(self, word: str) -> bool:
        return "spell" in self.schema and ("spell", word.encode("utf-8")) in self.reader

    def words_from(self, prefix: str) -> Iterator[str]:
        if "spell" in self.schema:
            for btext in self.reader.expand_prefix("spell", prefix):
                yield btext.decode("utf-8")

    def spelled_like(self, word: str) -> Iterator[str]:
        # Words that start as typed: a typo in the first two letters goes uncorrected, the price of
        # reading a slice of the vocabulary instead of all of it.
        return self.words_from(word[:2])

    def popularity(self, word: str) -> int:
        stem = self.engine.stem(word.lower())
        return int(self.reader.doc_frequency("body", stem) + self.reader.doc_frequency("title", stem))

    def docs_with(self, word: str) -> set[int]:
        stem = self.engine.stem(word.lower())
        return set(self.term("body", stem)) | set(self.term("title", stem))


# -- helpers ----------------------------------------------------------------------------
def _highlighted(q: Any) -> Terms:
    """What a phrase marks in a text: the whole phrase, never its words alone (the Republic of
    Korea is not the Democratic People's Republic of Korea); a proximity search (slop > 1) marks
    its words, as they may come in any order."""
    words = tuple(str(w) for w in q.words)
    if q.slop > 1:
        return {(w,) for w in words}
    return {words} if words else set()


def is_free_word(q: Any) -> bool:
    """Whether a clause of a query's top level is a free word, which the relaxed tier may leave
    out: a word searched in titles and text, or alternatives of such words (`oil OR gas`, a
    name's variants).  A `Required` clause never is (`+word`, a phrase typed in quotes, a field
    or date clause, an explicit AND: see `query.prepare`), nor a NOT, a group or a field."""
    return isinstance(q, query.Or) and _text_alternatives(q)


def _text_alternatives(q: Any) -> bool:
    if isinstance(q, query.Or):
        return all(_text_alternatives(sub) for sub in q.subqueries)
    return not isinstance(q, DayRange) and q.is_leaf() and getattr(q, "fieldname", None) in TEXT_FIELDS


def restrict(scores: Scores, allowed: set[int] | None) -> Scores:
    """`scores` of the documents in `allowed` only (all of them when it is None)."""
    if allowed is None:
        return scores
    if len(allowed) < len(scores):
        return {d: scores[d] for d in allowed if d in scores}
    return {d: s for d, s in scores.items() if d in allowed}


def _common(parts: list[Scores]) -> Iterable[int]:
    """The documents in every part; `parts` smallest first (a key view intersection walks the smaller)."""
    keys: Any = parts[0].keys()
    for part in parts[1:]:
        keys = keys & part.keys()
    return keys  # type: ignore[no-any-return]


def _scaled(parts: dict[int, list[Part]], boost: float) -> dict[int, list[Part]]:
    if boost == 1.0:
        return parts
    return {d: [(f, w, s * boost) for f, w, s in found] for d, found in parts.items()}


def _boosted(scores: Scores, boost: float) -> Scores:
    if boost == 1.0:
        return scores
    return {d: s * boost for d, s in scores.items()}


def _pattern(q: Any) -> str:
    if isinstance(q, query.FuzzyTerm):
        return f"{q.text}~{q.maxdist}"
    if isinstance(q, query.Prefix):
        return f"{q.text}*"
    return str(getattr(q, "text", q))


__all__ = [
    "TEXT_FIELDS",
    "DayRange",
    "Engine",
    "Evaluation",
    "Part",
    "Required",
    "Snapshot",
    "Terms",
    "is_free_word",
    "restrict",
]
