"""How hits are ranked: BM25 per field, then a proximity bonus and pseudo-relevance feedback.

Ranking runs in two stages.

1. Every matching document gets its BM25 score, computed per field (title and
   body) with that field's k1, b and weight (`Ranking.fields`), by the index's evaluator.
   This score decides which documents are candidates.
2. The best `Ranking.depth` candidates get two bonuses, both never negative, so
   a candidate never falls below a document outside the candidates and pages
   stay consistent:

   - proximity: query words close to each other in the body (a pair at distance
     d adds 1/d², saturated per pair and weighted by the rarer word's idf);
   - feedback (RM3-style, bounded): the words that stand out in the first
     pass's top `feedback_docs` body texts, weighted by how much of those texts
     they make up and by their idf, add a BM25 score for the candidates that
     contain them.  It never adds documents: the set of matches stays the
     query's own.  Off for phrase-only queries, whose user asked for exact words.

Parameters were chosen with benchmarks/tune_ranking.py on one half of
Cranfield's queries and checked on the other (see docs/search.md).  `explain`
lists the same factors for one document; they add up to its score.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import Protocol

Scores = dict[int, float]
# A feedback text's analyzed words and how often each occurs (`analysis.term_counts`).
Tokenize = Callable[[str], Counter[str]]


@dataclass(frozen=True)
class FieldModel:
    """BM25 for one field: saturation `k1`, length normalisation `b`, and the field's weight."""

    k1: float = 1.2
    b: float = 0.75
    weight: float = 1.0


@dataclass(frozen=True)
class Ranking:
    fields: Mapping[str, FieldModel] = field(default_factory=dict)
    proximity: float = 0.0  # weight of the proximity bonus; 0 turns it off
    window: int = 5  # words apart, at most, for a pair to count as near
    depth: int = 100  # first-pass hits that get the bonuses
    feedback_docs: int = 0  # top first-pass hits whose words feed back; 0 turns feedback off
    feedback_terms: int = 10
    feedback_weight: float = 0.0  # the feedback words' weight, all together, per query word
    feedback_min_docs: int = 1  # top texts a feedback word must be in (2: one text's quirks do not count)
    # Queries with fewer words get no feedback: the top documents of one or two words say too
    # little about what is wanted (on Reuters, feedback then lifted off-topic stories to the top).
    feedback_min_words: int = 1
    feedback_chars: int = 5000  # of each feedback text, from its start: long reports cost no more
    max_words: int = 12  # queries with more words (wildcards, aliases) get no proximity bonus
    # "whoosh": log(N / (df + 1)) + 1, Whoosh's; "bm25": log(1 + (N - df + 0.5) / (df + 0.5)),
    # Robertson's, which gives a word found in most documents almost nothing.
    idf_formula: str = "whoosh"

    def idf(self, documents: int, found_in: int) -> float:
        """How telling a word found in `found_in` of `documents` documents is."""
        if self.idf_formula == "bm25":
            return math.log(1 + (documents - found_in + 0.5) / (found_in + 0.5))
        return math.log(documents / (found_in + 1)) + 1

    def field(self, name: str) -> FieldModel:
        return self.fields.get(name, _WHOOSH)

    def with_(self, **changes: object) -> Ranking:
        return replace(self, **changes)  # type: ignore[arg-type]


_WHOOSH = FieldModel()
_SHORTLIST = 10  # feedback candidates weighed per feedback word kept
# Whoosh's own BM25F, as Briefer ranked before issue #21 (the title's weight of 2 is in the index).
PLAIN = Ranking()
# Chosen with benchmarks/tune_ranking.py (see docs/search.md "How results are ranked").
DEFAULT = Ranking(
    proximity=0.5,
    feedback_docs=5,
    feedback_terms=10,
    feedback_weight=0.5,
    feedback_min_docs=1,
    feedback_min_words=3,
)


@dataclass(frozen=True)
class Factor:
    """One part of a hit's score: `kind` is "bm25", "proximity" or "feedback"."""

    kind: str
    field: str
    words: tuple[str, ...]
    score: float


class Evidence(Protocol):
    """What ranking reads from the index (the evaluator's `Snapshot`)."""

    doc_count_all: int

    def term(
        self, fieldname: str, text: str, boost: float = 1.0, *, docs: Collection[int] | None = None
    ) -> Scores: ...

    def idf(self, fieldname: str, btext: bytes) -> float: ...

    def doc_frequency(self, fieldname: str, btext: bytes) -> int: ...

    def positions(self, fieldname: str, text: str, docs: Collection[int]) -> dict[int, list[int]]: ...


@dataclass(frozen=True)
class Reranked:
    scores: Scores
    bonuses: dict[int, list[Factor]]  # candidate -> its bonus factors (none when it got none)


def rerank(
    snap: Evidence,
    scores: Scores,
    words: Collection[str],
    ranking: Ranking,
    *,
    texts: Callable[[list[int]], list[str]] | None = None,
    tokenize: Tokenize | None = None,
    phrase_only: bool = False,
) -> Reranked:
    """`scores` with the bonuses of the best `ranking.depth` documents added.

    `words` are the query's analyzed words; `texts` gives the body texts of
    documents (for feedback) and `tokenize` cuts them into analyzed words.
    """
    if not scores or not words or ranking.depth <= 0:
        return Reranked(scores, {})
    candidates = [d for d, _ in heapq.nlargest(ranking.depth, scores.items(), key=itemgetter(1))]
    bonuses: dict[int, list[Factor]] = {}
    if ranking.proximity > 0 and 1 < len(words) <= ranking.max_words:
        for docnum, bonus in proximity(snap, candidates, sorted(words), ranking).items():
            bonuses.setdefault(docnum, []).append(Factor("proximity", "body", tuple(sorted(words)), bonus))
    wants_feedback = ranking.feedback_docs > 0 and ranking.feedback_weight > 0 and not phrase_only
    # Feedback learns from the best few documents to reorder the others: with hardly more
    # matches than that, each would only be lifted by its own words.
    enough = len(words) >= ranking.feedback_min_words and len(scores) > 2 * ranking.feedback_docs
    if wants_feedback and texts and tokenize and enough:
        top = [(d, scores[d]) for d in candidates[: ranking.feedback_docs]]
        for docnum, factors in feedback(snap, candidates, top, words, ranking, texts, tokenize).items():
            bonuses.setdefault(docnum, []).extend(factors)
    if not bonuses:
        return Reranked(scores, {})
    out = dict(scores)
    for docnum, factors in bonuses.items():
        out[docnum] += sum(f.score for f in factors)
    return Reranked(out, bonuses)


# -- proximity ------------------------------------------------------------------------
def proximity(snap: Evidence, docs: list[int], words: list[str], ranking: Ranking) -> Scores:
    """Each document's bonus for pairs of different query words at most `window` words apart."""
    wanted = set(docs)
    where = [snap.positions("body", w, wanted) for w in words]
    idfs = [snap.idf("body", w.encode("utf-8")) for w in words]
    out: Scores = {}
    for docnum in docs:
        merged = sorted((p, i) for i, found in enumerate(where) for p in found.get(docnum, ()))
        near = _near_pairs(merged, ranking.window)
        bonus = sum(min(idfs[i], idfs[j]) * acc / (acc + 1.0) for (i, j), acc in near.items())
        if bonus:
            out[docnum] = ranking.proximity * bonus
    return out


def _near_pairs(merged: list[tuple[int, int]], window: int) -> dict[tuple[int, int], float]:
    """For each pair of words (by index), the sum of 1/d² over their occurrences d <= window apart."""
    acc: dict[tuple[int, int], float] = defaultdict(float)
    for a, (pos_a, word_a) in enumerate(merged):
        for pos_b, word_b in merged[a + 1 :]:
            gap = pos_b - pos_a
            if gap > window:
                break
            if word_a != word_b and gap > 0:
                acc[(min(word_a, word_b), max(word_a, word_b))] += 1.0 / (gap * gap)
    return acc


# -- feedback -------------------------------------------------------------------------
def feedback(
    snap: Evidence,
    candidates: list[int],
    top: list[tuple[int, float]],
    words: Collection[str],
    ranking: Ranking,
    texts: Callable[[list[int]], list[str]],
    tokenize: Tokenize,
) -> dict[int, list[Factor]]:
    """The feedback factors of the candidates: the expansion words' BM25 scores, weighted."""
    expansion = expansion_words(snap, top, words, ranking, texts, tokenize)
    out: dict[int, list[Factor]] = {}
    # As RM3 mixes the feedback model with the query's: a one-word query is not drowned by ten words.
    scale = ranking.feedback_weight * len(words)
    for word, weight in expansion:
        for docnum, found in snap.term("body", word, docs=candidates).items():
            score = scale * weight * found
            out.setdefault(docnum, []).append(Factor("feedback", "body", (word,), score))
    return out


def expansion_words(
    snap: Evidence,
    top: list[tuple[int, float]],
    words: Collection[str],
    ranking: Ranking,
    texts: Callable[[list[int]], list[str]],
    tokenize: Tokenize,
) -> list[tuple[str, float]]:
    """The `feedback_terms` words that best describe the top documents, with weights summing to 1.

    A word's weight is its share of each top text, the texts weighted by their
    first-pass scores (a relevance model), times its idf so that words common
    everywhere do not win; the query's own words are left out (they count already).
    """
    relevance: dict[str, float] = defaultdict(float)
    found_in: Counter[str] = Counter()
    top_score = max((score for _, score in top), default=0.0) or 1.0
    for (_, score), text in zip(top, texts([d for d, _ in top]), strict=True):
        counted = tokenize(text[: ranking.feedback_chars])
        length = sum(counted.values()) or 1
        found_in.update(counted.keys())
        for word, count in counted.items():
            relevance[word] += score / top_score * count / length
    least = min(ranking.feedback_min_docs, len(top))
    query_words = set(words)
    weighted = []
    # Only the likeliest words are looked up in the index (a lookup per word of five texts cost
    # more than the rest of a search); rarer ones rank low anyway.
    likeliest = heapq.nlargest(_SHORTLIST * ranking.feedback_terms, relevance.items(), key=itemgetter(1))
    for word, share in likeliest:
        if found_in[word] < least or word in query_words:
            continue
        btext = word.encode("utf-8")
        if snap.doc_frequency("body", btext) * 2 < snap.doc_count_all:
            weighted.append((share * snap.idf("body", btext), word))
    best = heapq.nlargest(ranking.feedback_terms, weighted)
    total = sum(w for w, _ in best) or 1.0
    return [(word, w / total) for w, word in best]


def explain(base: Iterable[Factor], bonuses: Iterable[Factor]) -> list[Factor]:
    """A hit's factors: its BM25 parts, then its bonuses, the largest first within each."""
    return sorted(base, key=lambda f: -f.score) + sorted(bonuses, key=lambda f: -f.score)


__all__ = [
    "DEFAULT",
    "PLAIN",
    "Factor",
    "FieldModel",
    "Ranking",
    "Reranked",
    "explain",
    "rerank",
]
