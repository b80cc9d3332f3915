"""Search results as the user sees them: hits with metadata, snippets, passages, facets, notices.

Snippets and passages are cut from the catalog's normalized text, so every
highlight and every passage is a span of the same text that excerpts cite.
A hit carries the spans of every match in its document, found once while
searching; the results carry what the query matched (`MatchTerms`), which
marks the matches in any other text (a copy of the story) without a new query.
"""

from __future__ import annotations

import functools
import html
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from briefer.core.documents import Document
from briefer.core.scripts import UNSPACED
from briefer.core.search.analysis import NO_TERMS, MatchTerms, Span
from briefer.core.search.engine import Tier
from briefer.core.search.query import AliasExpansion, FacetCounts
from briefer.core.search.ranking import Factor
from briefer.core.textnorm import paragraphs, title_paragraph_end

SNIPPET_CHARS = 240
PASSAGES = 3  # per hit
PASSAGE_CHARS = 1200  # a longer paragraph is cut to its best sentences
_UNSPACED = re.compile(f"[{UNSPACED}]")
# A sentence ends after its punctuation (group 1 is the gap after it; Chinese and Japanese put no
# space after theirs: group 2 follows the stop and its closing brackets) or at a paragraph break.
_SENTENCE_END = re.compile(
    r"[.!?\u3002]([\"'\u201d\u2019)]*\s+)|[\u3002\uff01\uff1f][\u300d\u300f\uff09]*()|\n\n"
)


@dataclass(frozen=True)
class Snippet:
    """A short piece of a document's text around the best matches.

    `start` is where the piece begins in the document's normalized text;
    `highlights` are spans relative to `text`.
    """

    text: str
    start: int
    highlights: tuple[tuple[int, int], ...] = ()
    leading_ellipsis: bool = False
    trailing_ellipsis: bool = False

    def marked(self, before: str = "[", after: str = "]") -> str:
        """The snippet with each highlight wrapped in `before` and `after`."""
        return self._render(lambda s: s, before, after)

    def html(self) -> str:
        return self._render(html.escape, "<b>", "</b>")

    def _render(self, escape: Any, before: str, after: str) -> str:
        out, pos = [], 0
        for start, end in self.highlights:
            out += [escape(self.text[pos:start]), before, escape(self.text[start:end]), after]
            pos = end
        out.append(escape(self.text[pos:]))
        # Paragraph breaks read as spaces in a one-line snippet.
        return (
            ("\u2026 " if self.leading_ellipsis else "")
            + "".join(out).replace("\n\n", " ")
            + (" \u2026" if self.trailing_ellipsis else "")
        )


@dataclass(frozen=True)
class Passage:
    """A paragraph that matches the query (or the best sentences of a long one): what an analyst quotes.

    `start` and `end` are offsets in the document's normalized text, so that
    `document.text[start:end] == text`; `highlights` are relative to `start`.
    """

    start: int
    end: int
    text: str
    matches: int
    highlights: tuple[tuple[int, int], ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "matches": self.matches,
            "highlights": [list(span) for span in self.highlights],
        }


@dataclass(frozen=True)
class Hit:
    """One result.  When the document has near-duplicate copies (a cluster, see clusters.py), the
    hit stands for the whole cluster: `document` is the best-ranked member that matched, and
    `representative` the member citations should name when that is another one."""

    document: Document
    score: float
    snippet: Snippet
    matches: int  # occurrences of the query terms in the document
    passages: tuple[Passage, ...] = ()
    cluster: str = ""  # the cluster's id (its representative's document id); "" for a lone document
    cluster_size: int = 1  # documents in the cluster, this one included
    # The other outlets that carried the story, earliest first: `Archive.also_carried_by(document.id)`.
    also_carried_by: tuple[str, ...] = ()
    representative: Document | None = None  # set when `document` is a copy, not the representative
    spans: tuple[Span, ...] = ()  # every match in `document.text`, in reading order: the reader's highlights
    match: Tier = Tier.ALL  # all the words, or most of them (the relaxed tier, listed after the others)
    factors: tuple[Factor, ...] = ()  # the parts of `score`, when the search was asked to explain it

    @classmethod
    def found(cls, document: Document, score: float, terms: MatchTerms, match: Tier = Tier.ALL) -> Hit:
        """The hit for `document`, with its matches (what `terms` marks in its text), the snippet
        and the passages around them: computed once, here, for the results list and the reader."""
        spans = terms.spans(document.text)
        snippet = make_snippet(document.text, spans, title=document.title)
        passages = make_passages(document.text, spans, title=document.title)
        return cls(document, score, snippet, len(spans), passages, spans=tuple(spans), match=match)

    @property
    def id(self) -> str:
        return self.document.id

    @property
    def cluster_id(self) -> str:
        return self.cluster or self.document.id

    def quotable(self) -> tuple[Document, list[tuple[int, int]]]:
        """What quoting this hit should cite, and the passages to quote there: the representative
        when the hit's passages (or, without passages, its lead) are in its text too, else the
        document found.  Analysts cite the original, whichever copy matched."""
        spans = [(p.start, p.end) for p in self.passages]
        original = self.representative
        if original is None:
            return self.document, spans
        moved = []
        for start, end in spans:
            at = original.text.find(self.document.text[start:end])
            if at >= 0:
                moved.append((at, at + end - start))
        if moved or not spans:
            return original, moved
        return self.document, spans

    def copies_note(self) -> str:
        """ "also carried by 3 outlets", or "1 more copy" when the copies are all from its own outlet."""
        outlets = len(self.also_carried_by)
        if outlets:
            return f"also carried by {outlets} outlet{'' if outlets == 1 else 's'}"
        more = self.cluster_size - 1
        return f"{more} more cop{'y' if more == 1 else 'ies'}" if more > 0 else ""

    def as_json(self) -> dict[str, Any]:
        doc = self.document
        return {
            "id": doc.id,
            "path": doc.path,
            "title": doc.title,
            "source": doc.source,
            "author": doc.author,
            "published": doc.published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if doc.published
            else None,
            "url": doc.url,
            "language": doc.language,
            "type": doc.source_type,
            "tags": list(doc.tags),
            "score": round(self.score, 4),
            "snippet": self.snippet.marked("", "").strip(),
            "snippet_marked": self.snippet.marked(),
            "snippet_start": self.snippet.start,
            "highlights": [list(span) for span in self.snippet.highlights],
            "matches": self.matches,
            "passages": [p.as_json() for p in self.passages],
            "cluster": self.cluster_id,
            "cluster_size": self.cluster_size,
            "also_carried_by": list(self.also_carried_by),
            "match": self.match.value,
        }


@dataclass(frozen=True)
class SearchResults:
    """One page of results.  `total` counts every matching document exactly; `stories` counts them
    with each cluster of near-duplicate copies once (None when results are not collapsed), and
    pages are pages of stories then.  Of these, `relaxed` (and `relaxed_stories`) match most of
    the words, not all: the relaxed tier, listed after the hits with all the words (each hit's
    `match` says which).  `notices` say what the user should know (alias expansions, why results
    may be incomplete).  `facets` (of both tiers) hold the first values of each facet and how
    many were left out."""

    query: str
    hits: list[Hit]
    total: int
    notices: tuple[str, ...] = ()
    page: int = 1
    facets: dict[str, FacetCounts] | None = None
    suggestion: str = ""  # "did you mean": the query with misspellings corrected
    expansions: tuple[AliasExpansion, ...] = ()
    relaxed: int = 0  # documents in `total` that match most of the words, not all
    incomplete: bool = False  # an import is running, files failed, or documents wait for indexing
    failed_files: int = 0  # files that could not be imported (a notice says so; front ends say where to look)
    stories: int | None = None
    limit: int = 20  # hits per page
    terms: MatchTerms = NO_TERMS  # what the query matched: marks it in any text, e.g. a copy's (`Hit.found`)
    relaxed_stories: int | None = None  # with collapsing: the relaxed tier's stories

    @property
    def counted(self) -> int:
        """What the pages count: stories when collapsed, else documents."""
        return self.total if self.stories is None else self.stories

    @property
    def relaxed_counted(self) -> int:
        """The relaxed tier as the pages count it: stories when collapsed, else documents."""
        return self.relaxed if self.relaxed_stories is None else self.relaxed_stories

    def most_words_note(self) -> str:
        """What separates the relaxed tier from the hits with all the words (the line before its
        first hit): "12 more match most of your words"."""
        count = self.relaxed_counted
        if count == self.counted:  # nothing has them all
            return f"No result has all your words; {count:,} match most of them"
        return f"{count:,} more match{'es' if count == 1 else ''} most of your words"

    @property
    def pages(self) -> int:
        """How many pages the results fill; 1 when there are none."""
        return max(1, -(-self.counted // self.limit))

    @property
    def past_last_page(self) -> bool:
        """Whether there are results, but the page asked for is beyond the last of them."""
        return self.counted > 0 and self.page > self.pages


@functools.lru_cache(maxsize=8)  # the snippet and the passages of a hit read the same text
def _sentences(text: str) -> tuple[tuple[int, int], ...]:
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        end = next((match.start(group) for group in (1, 2) if match.group(group) is not None), match.start())
        spans.append((start, end))
        start = match.end()
    spans.append((start, len(text)))
    return tuple(s for s in spans if s[1] > s[0])


def make_snippet(
    text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS, *, title: str = ""
) -> Snippet:
    """The best sentence(s) of `text` for the matches at `spans`, at most about `width` chars.

    Sentences of an opening paragraph that repeats `title` are chosen only when
    no other sentence matches: the title is shown beside the snippet anyway.
    """
    skip = title_paragraph_end(text, title)
    if not spans:
        body = skip + 2 if skip and skip < len(text) else 0
        return _window(text, body, min(len(text), body + width), [])
    sentences = _sentences(text)
    if skip and any(a >= skip for a, _ in spans):
        spans_scored = [span for span in spans if span[0] >= skip]
    else:
        spans_scored = spans
    # Only sentences with a match can be the best one: find each match's sentence.
    firsts = [a for a, _ in sentences]
    holding = sorted({max(0, bisect_left(firsts, a + 1) - 1) for a, _ in spans_scored})
    starts = [a for a, _ in spans_scored]
    best = max(
        (sentences[i] for i in holding),
        key=lambda s: _sentence_score(text, s, spans_scored, starts),
        default=sentences[0] if sentences else (0, len(text)),
    )
    start, end = best
    if end - start > width:  # a long sentence: centre on its first match
        first = next((a for a, _ in spans if a >= start), start)
        start = max(start, first - width // 3)
        end = min(end, start + width)
    else:  # room to spare: add the following sentences while they fit
        for s_start, s_end in sentences:
            if s_start >= end and s_end - start <= width:
                end = s_end
            elif s_start >= end:
                break
    return _window(text, start, end, spans)


def _sentence_score(
    text: str, sentence: tuple[int, int], spans: list[tuple[int, int]], starts: list[int]
) -> tuple[int, int]:
    """More distinct query words first, then more matches (`starts`: the spans' starts, sorted)."""
    found = spans[bisect_left(starts, sentence[0]) : bisect_left(starts, sentence[1])]
    inside = [(a, b) for a, b in found if b <= sentence[1]]
    return len({text[a:b].lower() for a, b in inside}), len(inside)


def _window(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> Snippet:
    # Never cut inside a word.
    while start > 0 and _inside_word(text, start):
        start -= 1
    while end < len(text) and _inside_word(text, end):
        end += 1
    piece = text[start:end]
    stripped = len(piece) - len(piece.lstrip())
    piece = piece.strip()
    start += stripped
    highlights = tuple((a - start, b - start) for a, b in spans if a >= start and b <= start + len(piece))
    return Snippet(
        text=piece,
        start=start,
        highlights=highlights,
        leading_ellipsis=start > 0,
        trailing_ellipsis=start + len(piece) < len(text),
    )


def _inside_word(text: str, at: int) -> bool:
    """Whether cutting `text` at `at` would cut a word in two.  Chinese, Japanese or Thai letters
    make no words (a run of them can be a whole paragraph): a cut next to one cuts none."""
    before, after = text[at - 1], text[at]
    return before.isalnum() and after.isalnum() and not (_UNSPACED.match(before) or _UNSPACED.match(after))


def make_passages(
    text: str,
    spans: list[tuple[int, int]],
    *,
    title: str = "",
    count: int = PASSAGES,
    width: int = PASSAGE_CHARS,
) -> tuple[Passage, ...]:
    """The `count` paragraphs of `text` that match best (more distinct query words, then more
    matches), best first.  A paragraph longer than `width` is cut to its best run of sentences;
    a title paragraph counts only when nothing else matches."""
    if not spans:
        return ()
    skip = title_paragraph_end(text, title)
    starts = [a for a, _ in spans]
    ranked = []
    for start, end in paragraphs(text):
        inside = spans[bisect_left(starts, start) : bisect_left(starts, end)]
        inside = [(a, b) for a, b in inside if b <= end]
        if not inside:
            continue
        if end - start > width:
            start, end = _best_window(text, start, end, inside, width)
            inside = [(a, b) for a, b in inside if a >= start and b <= end]
        score = (len({text[a:b].lower() for a, b in inside}), len(inside))
        ranked.append((start >= skip or not skip, score, -start, start, end, inside))
    ranked.sort(reverse=True)
    if ranked and ranked[0][0]:  # the title paragraph only stands in when nothing else matches
        ranked = [r for r in ranked if r[0]]
    return tuple(
        Passage(start, end, text[start:end], len(inside), tuple((a - start, b - start) for a, b in inside))
        for _, _, _, start, end, inside in ranked[:count]
    )


def _best_window(
    text: str, start: int, end: int, spans: list[tuple[int, int]], width: int
) -> tuple[int, int]:
    """The run of whole sentences of text[start:end], at most `width` long, with the best matches
    (more distinct words, then more matches); one pass with a sliding window."""
    every = _sentences(text)  # paragraph breaks end sentences: the paragraph's are a slice
    firsts = [a for a, _ in every]
    sentences = list(every[bisect_left(firsts, start) : bisect_left(firsts, end)])
    words: list[list[str]] = [[] for _ in sentences]
    firsts = firsts[bisect_left(firsts, start) : bisect_left(firsts, end)]
    for a, b in spans:
        words[max(0, bisect_left(firsts, a + 1) - 1)].append(text[a:b].lower())
    best = ((-1, -1), start, min(end, start + width))
    seen: Counter[str] = Counter()
    j = 0
    for i, (first, _) in enumerate(sentences):
        j = max(j, i)
        while j < len(sentences) and (sentences[j][1] - first <= width or j == i):
            seen.update(words[j])
            j += 1
        score = (len(seen), sum(seen.values()))
        if score > best[0]:
            best = (score, first, min(sentences[j - 1][1], first + width))
        seen.subtract(words[i])
        seen += Counter()  # drop the words that left the window
    return best[1], best[2]
