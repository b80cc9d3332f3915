"""A snapshot's per-document columns: publication dates, facet labels and tags, read into
arrays once per segment (segments never change), and the filters, facet counts and sorting done
with them (`_whoosh_eval.Snapshot.columns`)."""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import repeat
from operator import add, floordiv, itemgetter
from typing import Any

from briefer.core.search._whoosh_read import (
    UNDATED,
    Postings,
    column_labels,
    decode,
    months,
    published_stamps,
)
from briefer.core.search.query import calendar_span

LABEL_FIELDS = {"source": "outlet", "type": "type", "language": "language"}  # facet -> index field
_USEC_PER_DAY = 86_400_000_000

Scores = dict[int, float]


@dataclass
class Segment:
    """What is read once per segment: field lengths, dates, facet labels."""

    segment_id: str
    doc_count: int
    lengths: dict[str, list[int]] = field(default_factory=dict)
    stamps: array[int] | None = None  # publication time in microseconds (Whoosh's); UNDATED
    days: array[int] | None = None
    day_order: tuple[array[int], array[int]] | None = None  # days sorted, and their documents
    labels: dict[str, list[str | None]] = field(default_factory=dict)
    tags: dict[str, array[int]] | None = None
    length_arrays: dict[str, Any] = field(default_factory=dict)  # `lengths` as numpy arrays, for phrases


@dataclass(frozen=True)
class Leaf:
    """A segment as one searcher sees it: its reader, and the global number of its first document."""

    segment: Segment
    reader: Any
    offset: int


class Columns:
    """The columns of one generation of the index (its `leaves`, with `deleted` documents), and
    what is filtered, counted and sorted by them.  `postings` reads a word's postings in a leaf
    through the snapshot's cache (tags and labels are words of their fields)."""

    def __init__(
        self,
        leaves: list[Leaf],
        schema: Any,
        deleted: set[int],
        postings: Callable[[Leaf, str, bytes], Postings],
    ) -> None:
        self.leaves = leaves
        self.schema = schema
        self.deleted = deleted
        self.postings = postings
        self._globals: dict[str, list[Any]] = {}
        self._tag_docs: dict[str, set[int]] | None = None

    def stamps(self, leaf: Leaf) -> array[int]:
        segment = leaf.segment
        if segment.stamps is None:
            segment.stamps = published_stamps(leaf.reader, segment.doc_count)
        return segment.stamps

    def days(self, leaf: Leaf) -> array[int]:
        """The proleptic ordinal of each document's publication day; above any real day when undated."""
        segment = leaf.segment
        if segment.days is None:
            stamps = self.stamps(leaf)
            segment.days = array("q", map(add, map(floordiv, stamps, repeat(_USEC_PER_DAY)), repeat(1)))
        return segment.days

    def day_docs(self, first: int, last: int) -> list[int]:
        """Global numbers of the documents published from day `first` to `last`."""
        out: list[int] = []
        for leaf in self.leaves:
            segment = leaf.segment
            if segment.day_order is None:
                days = self.days(leaf)
                order = sorted(range(segment.doc_count), key=days.__getitem__)
                segment.day_order = (array("q", map(days.__getitem__, order)), array("i", order))
            sorted_days, docs = segment.day_order
            low, high = bisect_left(sorted_days, first), bisect_right(sorted_days, last)
            out += map(leaf.offset.__add__, docs[low:high]) if leaf.offset else docs[low:high]
        return out

    def global_array(self, name: str) -> list[Any]:
        """One value per global document number: 'day', 'month', or a label field."""
        found = self._globals.get(name)
        if found is None:
            found = []
            for leaf in self.leaves:
                if name == "stamp_or_never":  # oldest first: undated last
                    found += self.stamps(leaf)
                elif name == "stamp":  # newest first: undated last
                    found += [0 if s == UNDATED else s for s in self.stamps(leaf)]
                elif name == "month":
                    found += months(self.days(leaf))
                else:
                    found += self._labels(leaf, name)
            self._globals[name] = found
        return found

    def _labels(self, leaf: Leaf, fieldname: str) -> list[str | None]:
        segment = leaf.segment
        found = segment.labels.get(fieldname)
        if found is None:
            found = column_labels(leaf.reader, fieldname, segment.doc_count)
            if found is None:  # not a column: walk the field's postings
                found = [None] * segment.doc_count
                if fieldname in self.schema:
                    for btext in leaf.reader.lexicon(fieldname):
                        value = btext.decode("utf-8")
                        for docnum in decode(leaf.reader, fieldname, btext).ids:
                            found[docnum] = value
            segment.labels[fieldname] = found
        return found

    def tag_docs(self) -> dict[str, set[int]]:
        if self._tag_docs is None:
            docs: dict[str, set[int]] = {}
            for leaf in self.leaves:
                for btext in leaf.reader.lexicon("tag") if "tag" in self.schema else ():
                    ids = self.postings(leaf, "tag", btext).ids
                    docs.setdefault(btext.decode("utf-8"), set()).update(map(leaf.offset.__add__, ids))
            self._tag_docs = {tag: found - self.deleted for tag, found in docs.items()}
        return self._tag_docs

    # -- filters, facets, sorting -----------------------------------------------------------
    def facet_docs(self, facet: str, values: Iterable[str]) -> set[int]:
        """Documents having any of `values` in `facet` (values as `facet_counts` shows them)."""
        found: set[int] = set()
        for value in values:
            if facet == "tag":
                found |= self.tag_docs().get(value, set())
            elif facet in ("year", "month"):
                first, last = calendar_span(value)
                found.update(self.day_docs(first, last))
            else:
                fieldname = LABEL_FIELDS[facet]
                btext = value.encode("utf-8")
                for leaf in self.leaves:
                    ids = self.postings(leaf, fieldname, btext).ids
                    found.update(map(leaf.offset.__add__, ids) if leaf.offset else ids)
        return found

    def facet_counts(self, docs: Iterable[int], facets: Iterable[str]) -> dict[str, dict[str, int]]:
        """How many of `docs` have each value of each facet; most frequent first (dates newest first)."""
        docs = docs if isinstance(docs, set | dict) else set(docs)
        out: dict[str, dict[str, int]] = {}
        months: Counter[str] | None = None
        for facet in facets:
            if facet in ("year", "month"):
                if months is None:
                    months = Counter(map(self.global_array("month").__getitem__, docs))
                    months.pop(None, None)  # type: ignore[call-overload]
                counts: Counter[str] = Counter()
                for month, count in months.items():
                    counts[month[:4] if facet == "year" else month] += count
                out[facet] = dict(sorted(counts.items(), reverse=True))
            elif facet == "tag":
                tagged = {tag: len(found.intersection(docs)) for tag, found in self.tag_docs().items()}
                out[facet] = _by_count({t: n for t, n in tagged.items() if n})
            else:
                counts = Counter(map(self.global_array(LABEL_FIELDS[facet]).__getitem__, docs))
                counts.pop(None, None)  # type: ignore[call-overload]
                if facet == "type":  # indexed as labels: wire-service
                    counts = Counter({value.replace("-", " "): n for value, n in counts.items()})
                out[facet] = _by_count(counts)
        return out

    def top(self, scores: Scores, count: int, sort: str) -> list[tuple[int, float]]:
        """The best `count` documents: by score, or newest or oldest first; ties go to the higher
        score, then to the lower document number, so that pages never overlap."""
        if sort == "relevance":
            best = heapq.nlargest(count, scores.items(), key=itemgetter(1))
            if best and len(best) < len(scores):  # documents tied with the last one compete by number
                edge = best[-1][1]
                above = [(d, s) for d, s in best if s > edge]
                tied = heapq.nsmallest(count - len(above), (d for d, s in scores.items() if s == edge))
                best = above + [(d, edge) for d in tied]
            best.sort(key=lambda item: (-item[1], item[0]))
            return best
        stamps = self.global_array("stamp" if sort == "newest" else "stamp_or_never")  # undated last
        pick = heapq.nlargest if sort == "newest" else heapq.nsmallest
        docs = pick(count, scores, key=stamps.__getitem__)
        if docs and len(docs) < len(scores):
            edge = stamps[docs[-1]]
            docs = [d for d in docs if stamps[d] != edge] + [d for d in scores if stamps[d] == edge]
        sign = -1 if sort == "newest" else 1
        docs.sort(key=lambda d: (sign * stamps[d], -scores[d], d))
        return [(d, scores[d]) for d in docs[:count]]


def _by_count(counts: Counter[str] | dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
