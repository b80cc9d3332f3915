"""Briefer's analyzer: the words the index reads from a text, and where a query's words are in one.

The index reads a text as runs of words (`WORD`), drops one-letter and stop
words, and keeps each word's Porter stem; a query's words go through the same
steps.  Scripts written without spaces between words (Chinese, Japanese, Thai,
Lao, Khmer, Myanmar: `UNSPACED`) have no words to find: a run of their letters
is read as its overlapping pairs of characters (東京都: 東京, 京都), and a
letter standing alone as itself, so that any two letters of a run are found
wherever they occur, and a longer query (中华人民) is the phrase of its pairs.
`analyzed` reads a text so, for the index and for queries alike.

What a search matched is kept as `MatchTerms`, runs of such terms, and
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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from whoosh.analysis import STOP_WORDS, Analyzer, StemmingAnalyzer, Token
from whoosh.lang import porter

from briefer.core.scripts import UNSPACED
from briefer.core.textnorm import word_pieces

Span = tuple[int, int]
# Runs of analyzed (stemmed) words: one word, or a phrase found only whole.
Terms = frozenset[tuple[str, ...]]

STEMMING = StemmingAnalyzer()
# whoosh.analysis.tokenizers.default_pattern, with its group made non-capturing for findall.
WORD = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")
stem = functools.lru_cache(maxsize=200_000)(porter.stem)

_UNSPACED_CHAR = re.compile(f"[{UNSPACED}]")
_UNSPACED_TERM = re.compile(f"[{UNSPACED}]{{1,2}}")
# WORD with runs of unspaced letters apart (group 1): the pattern for a text that has any.
_MIXED = re.compile(rf"([{UNSPACED}]+)|(?:[^\W{UNSPACED}]|\*)+(?:\.?(?:[^\W{UNSPACED}]|\*)+)*")
_LETTER = f"[^\\W{UNSPACED}]"  # a letter of a spaced script, in a pattern


def words(text: str, start: int = 0, *, mixed: bool | None = None) -> Iterator[tuple[str, int, int]]:
    """Each word of `text` from `start` on, as the index reads it before dropping any: a word of a
    spaced script lower-cased, a pair of unspaced letters, or a lone unspaced letter; with its span.

    Started inside a run of unspaced letters, the pairs start at `start` (and its last letter, read
    in a pair already, is not read alone).  `mixed` says whether the text has unspaced letters
    (None: look); WORD reads a text without any faster.
    """
    if mixed is None:
        mixed = _UNSPACED_CHAR.search(text, start) is not None
    if not mixed:
        for found in WORD.finditer(text, start):
            yield found.group().lower(), found.start(), found.end()
        return
    for found in _MIXED.finditer(text, start):
        first, end = found.span()
        run = found.group(1)
        if run is None:
            yield found.group().lower(), first, end
        elif len(run) == 1 and first == start and first and _UNSPACED_CHAR.match(text, first - 1):
            continue  # the end of a run that started before `start`
        else:
            for at, pair in enumerate(_pairs(run), first):
                yield pair, at, at + len(pair)


def _pairs(run: str) -> list[str]:
    """What the index reads in a run of unspaced letters: its overlapping pairs, or the lone letter."""
    return [run[at : at + 2] for at in range(len(run) - 1)] or [run]


def analyzed(
    text: str, start: int = 0, *, mixed: bool | None = None
) -> Iterator[tuple[str | None, int, int]]:
    """What the index reads in `text` from `start` on, word by word with its span: the term it
    indexes (a Porter stem, a pair or lone unspaced letter), or None for a word it skips (one
    letter or a stop word).  `mixed` as for `words`."""
    if mixed is None:
        mixed = _UNSPACED_CHAR.search(text, start) is not None
    for word, first, end in words(text, start, mixed=mixed):
        yield (word if mixed and _UNSPACED_CHAR.match(word) else _term(word)), first, end


def _term(word: str) -> str | None:
    """The term the index keeps for a (lower-case) word of a spaced script; None: none."""
    return None if len(word) < 2 or word in STOP_WORDS else stem(word)


class _TermsOfWords(dict[str, str | None]):
    """The term of each word as written (`_term` of it lower-cased), remembered: indexing looks
    every word up here in one C call (`map`), where lower-casing, the stop list and the stemmer's
    cache cost several Python steps per word, a fifth of an index writer's time.

    Bounded, and started afresh when full: an archive's words as written keep growing (numbers,
    names), and the common ones are back within a few documents.  The stemmer's own cache is
    left to queries: filled by indexing too, it held 6 MB after 30,000 articles."""

    def __missing__(self, word: str) -> str | None:
        if len(self) >= _TERM_CACHE:
            self.clear()
        lowered = word.lower()
        term = self[word] = None if len(lowered) < 2 or lowered in STOP_WORDS else porter.stem(lowered)
        return term


_TERM_CACHE = 40_000  # words as written: about 6 MB
_terms_of_words = _TermsOfWords()


def indexed_terms(text: str) -> list[str | None]:
    """The terms of `analyzed(text)` without their spans, read faster: what indexing a text costs.

    Keep `text` to a piece of a long text (textnorm.word_pieces): the list holds all its words.
    """
    if not _UNSPACED_CHAR.search(text):  # most of an import's analysis
        return list(map(_terms_of_words.__getitem__, WORD.findall(text)))
    terms: list[str | None] = []
    for found in _MIXED.finditer(text):
        run = found.group(1)
        if run is None:
            terms.append(_term(found.group().lower()))
        else:
            terms += _pairs(run)
    return terms


class ScriptAnalyzer(Analyzer):
    """`analyzed` as a Whoosh analyzer: the title and body fields' analyzer, hence the queries'.

    Positions are numbered as Whoosh's StopFilter numbers them (the first kept word keeps its
    place among all words, the next ones follow it); the fast indexing in index.py does the same.
    """

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Any]:
        if not tokenize:  # a wildcard's or a range's text: read whole, as Whoosh's analyzer reads it
            yield from STEMMING(
                value,
                positions=positions,
                chars=chars,
                keeporiginal=keeporiginal,
                removestops=removestops,
                start_pos=start_pos,
                start_char=start_char,
                tokenize=False,
                mode=mode,
                **kwargs,
            )
            return
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos: int | None = None
        for raw_pos, (term, first, end) in enumerate(analyzed(value)):
            token.stopped = term is None
            if term is None:
                if removestops:
                    continue
                term = value[first:end].lower()
            elif positions:
                pos = start_pos + raw_pos if pos is None else pos + 1
            token.text = term
            token.boost = 1.0
            if keeporiginal:
                token.original = value[first:end]
            if positions:
                token.pos = start_pos + raw_pos if token.stopped else pos
            if chars:
                token.startchar, token.endchar = start_char + first, start_char + end
            yield token


ANALYZER = ScriptAnalyzer()


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
    for piece in word_pieces(text):
        counts.update(term for term in indexed_terms(piece) if term is not None)
    return counts


def match_spans(text: str, terms: Terms) -> list[Span]:
    """Where the analyzed `terms` occur in `text`, as (start, end) character spans in reading order.

    A phrase is marked whole, and only where its words follow each other as the
    index reads them (stop words and punctuation between them skipped): one
    span, one match.  A word inside a marked phrase is not marked again.  A pair
    of unspaced letters is marked wherever it occurs, a lone one only where it
    stands alone, as the index reads them.

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
    mixed = _UNSPACED_CHAR.search(text) is not None  # else the faster patterns of spaced words will do
    for start, end, stems, after in _candidates(text, firsts, mixed):
        if not stems.isdisjoint(words):
            spans.append((start, end))
        for rest in (r for first in stems if first in phrases for r in phrases[first]):
            phrase_end = _phrase_end(text, after, rest, mixed)
            if phrase_end is not None:
                spans.append((start, phrase_end))
    return _without_overlaps(spans)


def _candidates(
    text: str, firsts: frozenset[str], mixed: bool
) -> Iterator[tuple[int, int, frozenset[str], int]]:
    """The words of `text` that may be read as one of the terms `firsts`: each one's span, the terms
    it may be, and where the words after it start (the next pair of a run starts inside a pair).
    `mixed`: whether `text` has unspaced letters."""
    unspaced = frozenset(t for t in firsts if _UNSPACED_TERM.fullmatch(t))
    spaced = firsts - unspaced
    if spaced:
        for found in _candidate_words(spaced, _LETTER if mixed else r"\w").finditer(text):
            yield found.start(), found.end(), _word_stems(found.group().lower()), found.end()
    if unspaced and mixed:
        for found in _candidate_letters(unspaced).finditer(text):
            start = found.start()
            yield start, found.end(1), frozenset((found.group(1),)), start + 1


def _phrase_end(text: str, start: int, rest: tuple[str, ...], mixed: bool) -> int | None:
    """Where a phrase ends whose first word is read before `start`, when the next words the index
    reads from there (as `analyzed` reads them) are `rest`; None when they are not.  `mixed`:
    whether `text` has unspaced letters (not looked for again for each phrase found)."""
    wanted = iter(rest)
    expected = next(wanted, None)
    for term, _, end in analyzed(text, start, mixed=mixed):
        if term is None:
            continue
        if term != expected:
            return None
        expected = next(wanted, None)
        if expected is None:
            return end
    return None


def _without_overlaps(spans: list[Span]) -> list[Span]:
    """`spans` in order, a span that overlaps an earlier (or, at the same start, longer) one left out."""
    kept: list[Span] = []
    for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


@functools.lru_cache(maxsize=256)
def _candidate_words(terms: frozenset[str], letter: str) -> re.Pattern[str]:
    """The words that may stem to one of `terms`; `letter`: what a letter of a word is (\\w is
    faster; `_LETTER` keeps the unspaced letters out of words)."""
    prefixes = sorted({t[: max(1, len(t) - 1)] for t in terms}, key=len, reverse=True)
    alternatives = "|".join(re.escape(p) for p in prefixes)
    return re.compile(rf"(?<!{letter})(?:{alternatives}){letter}*(?:\.{letter}+)*", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def _candidate_letters(terms: frozenset[str]) -> re.Pattern[str]:
    """Each pair of unspaced letters among `terms` (overlapping ones too: 日日日 holds 日日 twice), and
    each lone letter where no other unspaced letter touches it."""
    alone = rf"(?<![{UNSPACED}])(?:{{}})(?![{UNSPACED}])"
    pairs = [re.escape(t) for t in terms if len(t) == 2]
    singles = [alone.format(re.escape(t)) for t in terms if len(t) == 1]
    return re.compile(f"(?=({'|'.join(pairs + singles)}))")


@functools.lru_cache(maxsize=65536)
def _word_stems(word: str) -> frozenset[str]:
    return frozenset(token.text for token in STEMMING(word, mode="index"))


def near(lists: list[list[int]], slop: int) -> bool:
    """Whether the positions of each word (in order) form a phrase (slop 1) or a cluster within
    `slop` (each next word 1..slop words outside the span of those before, in any order): how both
    engines read a phrase or a proximity search."""
    if slop <= 1:
        starts = set(lists[0])
        for shift, positions in enumerate(lists[1:], start=1):
            starts.intersection_update(map((-shift).__add__, positions))
            if not starts:
                return False
        return True
    spans = {(p, p) for p in lists[0]}
    for positions in lists[1:]:
        grown = set()
        for start, end in spans:
            for p in positions:
                gap = start - p if p < start else p - end if p > end else 0
                if 1 <= gap <= slop:
                    grown.add((min(start, p), max(end, p)))
        if not grown:
            return False
        spans = set(sorted(grown)[:1000])
    return True


__all__ = [
    "ANALYZER",
    "NO_TERMS",
    "STEMMING",
    "UNSPACED",
    "WORD",
    "MatchTerms",
    "ScriptAnalyzer",
    "Span",
    "Terms",
    "analyzed",
    "indexed_terms",
    "match_spans",
    "near",
    "stem",
    "term_counts",
    "words",
]
