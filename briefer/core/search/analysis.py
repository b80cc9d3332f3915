"""Briefer's analyzer: the words the index reads from a text, and where a query's words are in one.

The index reads a text as runs of words (`WORD`), drops one-letter and stop
words, and keeps each word's Porter stem; a query's words go through the same
steps.  What a search matched is kept as `MatchTerms`, runs of such stems, and
`MatchTerms.spans` finds them in any text without the index: the text of a hit,
of its copies, of a document shown later.  Spans are character offsets of the
text given, which is the catalog's normalized text (core/textnorm.py) that
excerpts cite.  An engine that stores its words with this analyzer (the
PostgreSQL engine builds its tsvectors from it) highlights at the same offsets.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from whoosh.analysis import STOP_WORDS, StemmingAnalyzer
from whoosh.lang import porter

Span = tuple[int, int]
# Runs of analyzed (stemmed) words: one word, or a phrase found only whole.
Terms = frozenset[tuple[str, ...]]

STEMMING = StemmingAnalyzer()
# whoosh.analysis.tokenizers.default_pattern, with its group made non-capturing for findall.
WORD = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")
stem = functools.lru_cache(maxsize=200_000)(porter.stem)


@dataclass(frozen=True)
class MatchTerms:
    """What a query matched, as the analyzer reads text: stemmed words and phrases.

    A search returns them beside its hits, computed once while it evaluated the
    query; `spans` then marks the matches in any text with no second look at
    the query or the index.
    """

    terms: Terms = frozenset()

    def spans(self, text: str) -> list[Span]:
        """Where the matched words and phrases occur in `text`, in reading order (see `match_spans`)."""
        return match_spans(text, self.terms)


NO_TERMS = MatchTerms()


def term_counts(text: str) -> Counter[str]:
    """How often each indexed (stemmed) word occurs in `text`, computed as the body field indexes it."""
    counts: Counter[str] = Counter()
    for word in WORD.findall(text):
        word = word.lower()
        if len(word) >= 2 and word not in STOP_WORDS:
            counts[stem(word)] += 1
    return counts


def match_spans(text: str, terms: Terms) -> list[Span]:
    """Where the analyzed `terms` occur in `text`, as (start, end) character spans in reading order.

    A phrase is marked whole, and only where its words follow each other as the
    index reads them (stop words and punctuation between them skipped): one
    span, one match.  A word inside a marked phrase is not marked again.

    Running the analyzer over a whole long document for every hit costs
    milliseconds; instead a regex finds the words that could stem to a term's
    first word (a stem minus its last letter is a prefix of its words), and
    only those, and the words after them for a phrase, are analyzed.
    """
    words = {t[0] for t in terms if len(t) == 1}
    phrases: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for term in terms:
        if len(term) > 1:
            phrases[term[0]].append(term[1:])
    firsts = frozenset(t[0] for t in terms if t)
    if not firsts:
        return []
    spans = []
    for match in _candidate_words(firsts).finditer(text):
        stems = _word_stems(match.group().lower())
        if not stems.isdisjoint(words):
            spans.append(match.span())
        for rest in (r for first in stems if first in phrases for r in phrases[first]):
            end = _phrase_end(text, match.end(), rest)
            if end is not None:
                spans.append((match.start(), end))
    return _without_overlaps(spans)


def _phrase_end(text: str, start: int, rest: tuple[str, ...]) -> int | None:
    """Where a phrase ends whose first word ends at `start`, when the next words the index reads
    from there (as index.py's `_StemmedText.index` reads them) are `rest`; None when they are not."""
    wanted = iter(rest)
    expected = next(wanted, None)
    for token in WORD.finditer(text, start):
        word = token.group().lower()
        if len(word) < 2 or word in STOP_WORDS:
            continue
        if stem(word) != expected:
            return None
        expected = next(wanted, None)
        if expected is None:
            return token.end()
    return None


def _without_overlaps(spans: list[Span]) -> list[Span]:
    """`spans` in order, a span that overlaps an earlier (or, at the same start, longer) one left out."""
    kept: list[Span] = []
    for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


@functools.lru_cache(maxsize=256)
def _candidate_words(terms: frozenset[str]) -> re.Pattern[str]:
    prefixes = sorted({t[: max(1, len(t) - 1)] for t in terms}, key=len, reverse=True)
    alternatives = "|".join(re.escape(p) for p in prefixes)
    return re.compile(rf"(?<!\w)(?:{alternatives})\w*(?:\.\w+)*", re.IGNORECASE)


@functools.lru_cache(maxsize=65536)
def _word_stems(word: str) -> frozenset[str]:
    return frozenset(token.text for token in STEMMING(word, mode="index"))


__all__ = [
    "NO_TERMS",
    "STEMMING",
    "WORD",
    "MatchTerms",
    "Span",
    "Terms",
    "match_spans",
    "stem",
    "term_counts",
]
