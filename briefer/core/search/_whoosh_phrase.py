"""Phrases and proximity searches matched over a segment's whole posting lists at once.

A phrase used to be checked one candidate document at a time: each word's positions
decoded into a list and compared in Python, about 10 µs a document, and `"united states"`
has 28,000 candidates in 100,000 news articles.  Here each occurrence of a word in a
segment is one integer key, document number * 2**32 + position, and a word's keys are
one sorted numpy array, decoded in a few array operations from the packed positions
(`index._PackedPositions`) and kept with the word's postings.  A phrase is then a few
sorted look-ups over those arrays: its start keys are those of its rarest word moved
back to where the phrase would start, kept when every other word is found at its place.

What matches is exactly what `near` (one document's positions, the plain evaluation)
says, which still answers proximity searches of three words or more: their in-any-order
clustering has no such array form.

Only phrases load numpy (about 0.1 s at a process's first phrase): a search without
one never imports this module.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any

import numpy as np

_SHIFT = 32  # a key is docnum << _SHIFT | position: positions stay far below 2**32
_CODES = {ord("B"): 1, ord("H"): 2, ord("I"): 4}  # the packed deltas' array types and sizes
_HEADER = 5  # the number of positions (4 bytes, big-endian), then the array type


def position_keys(
    ids: array[int], values: bytes, ends: array[int], decode: Callable[[bytes], list[int]]
) -> Any:
    """The sorted keys (docnum << 32 | position) of every position of a word in a segment, from
    its postings: document numbers `ids` and their encoded positions, joined in `values`, each
    ending at `ends`.  Packed positions are decoded together; `decode` reads one posting's at a
    time those of a field that has another format (the names of url:, source: and author:)."""
    docnums = np.frombuffer(ids, dtype=np.int32).astype(np.int64)
    stops = np.frombuffer(ends, dtype=np.int64)
    found = _packed(values, stops)
    if found is None:
        lists = [decode(values[a:b]) for a, b in zip(chain((0,), ends), ends, strict=False)]
        counts = np.fromiter(map(len, lists), np.int64, len(lists))
        positions = np.fromiter(chain.from_iterable(lists), np.int64, int(counts.sum()))
        found = counts, positions
    counts, positions = found
    keys = (np.repeat(docnums, counts) << _SHIFT) + positions
    if keys.size > 1 and not bool(np.all(keys[1:] > keys[:-1])):
        keys = np.unique(keys)  # positions out of order (not written by Briefer): sorted, once
    return keys


def _packed(values: bytes, ends: Any) -> tuple[Any, Any] | None:
    """Each posting's number of positions and all the positions, decoded together from
    `_PackedPositions`' encoding (count, array type, little-endian deltas); None when a value
    is not in that encoding."""
    n = len(ends)
    if not n:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    raw = np.frombuffer(values + bytes(_HEADER), dtype=np.uint8)
    starts = np.concatenate((np.zeros(1, np.int64), ends[:-1]))
    sizes = ends - starts
    if int(sizes.min()) < _HEADER:
        return None
    head = raw[starts[:, None] + np.arange(4)].astype(np.int64)
    counts = (head[:, 0] << 24) | (head[:, 1] << 16) | (head[:, 2] << 8) | head[:, 3]
    width = np.zeros(256, np.int64)
    for code, size in _CODES.items():
        width[code] = size
    item = width[raw[starts + 4]]
    if not bool(np.all(item > 0)) or not bool(np.all(_HEADER + counts * item == sizes)):
        return None
    if bool(np.all(item == 1)):  # every gap under 256 (most words): the bytes after the headers
        payload = np.ones(len(values), bool)
        payload[(starts[:, None] + np.arange(_HEADER)).ravel()] = False
        deltas = raw[: len(values)][payload].astype(np.int64)
    else:
        deltas = _wide_deltas(raw, starts, counts, item)
    running = np.cumsum(deltas)
    first = (np.cumsum(counts) - counts)[counts > 0]  # each posting's first position in `deltas`
    before = running[first] - deltas[first]  # the sum of the earlier postings' deltas
    return counts, running - np.repeat(before, counts[counts > 0])


def _wide_deltas(raw: Any, starts: Any, counts: Any, item: Any) -> Any:
    """The deltas of postings packed in 1, 2 or 4 bytes each (`item`), little-endian."""
    owner = np.repeat(np.arange(len(counts)), counts)
    first = np.cumsum(counts) - counts
    nth = np.arange(int(counts.sum())) - first[owner]
    itemsize = item[owner]
    at = starts[owner] + _HEADER + nth * itemsize
    deltas = raw[at].astype(np.int64)
    for byte in (1, 2, 3):  # the higher bytes of the wider types
        wide = itemsize > byte
        if bool(wide.any()):
            deltas[wide] |= raw[at[wide] + byte].astype(np.int64) << (8 * byte)
    return deltas


def phrase_docs(keys: Sequence[Any], slop: int) -> Any | None:
    """The document numbers (ascending) where the words, whose keys are given in the phrase's
    order, are next to each other in that order (slop 1), or, for two words, within `slop` words
    of each other in either order: as `near` decides it.  None for three words or more within
    `slop`: ask `near` for each candidate."""
    if slop <= 1:
        order = sorted(range(len(keys)), key=lambda i: len(keys[i]))
        rarest = order[0]
        starts = keys[rarest] - rarest  # where the phrase would start, from its rarest word
        for i in order[1:]:
            starts = starts[_found(keys[i], starts + i)]
            if not starts.size:
                break
        return _distinct(starts >> _SHIFT)
    if len(keys) == 2:
        first, second = keys
        low = np.searchsorted(first, second - slop, "left")
        high = np.searchsorted(first, second + slop, "right")
        near_ones = high - low - _found(first, second)  # the same position is no gap
        return _distinct(second[near_ones > 0] >> _SHIFT)
    return None


def _distinct(ascending: Any) -> Any:
    """The different values of a sorted array (np.unique sorts it again)."""
    if ascending.size < 2:
        return ascending
    return ascending[np.concatenate(([True], ascending[1:] != ascending[:-1]))]


def _found(keys: Any, wanted: Any) -> Any:
    """Whether each of `wanted` is in the sorted `keys`."""
    if not keys.size:
        return np.zeros(len(wanted), bool)
    at = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
    return keys[at] == wanted


def bm25(
    ids: array[int],
    weights: array[float],
    docs: Any,
    lengths: Any,
    factors: tuple[float, float, float, float],
) -> Any:
    """A word's BM25 score in each of `docs` (which all have it), operation for operation as
    `Snapshot.term` computes it in Python, so that the floats are the same."""
    at = np.searchsorted(np.frombuffer(ids, dtype=np.int32), docs)
    w = np.frombuffer(weights, dtype=np.float32)[at].astype(np.float64)
    idf, k1p1, norm, per_length = factors
    return idf * w * k1p1 / (w + norm + per_length * lengths[docs])


def plain_scores(weights: array[float], ids: array[int], docs: Any, boost: float) -> Any:
    """A word's score in `docs` in a field that is not scored by BM25: its weight times `boost`."""
    at = np.searchsorted(np.frombuffer(ids, dtype=np.int32), docs)
    return np.frombuffer(weights, dtype=np.float32)[at].astype(np.float64) * boost


def as_array(values: Sequence[int]) -> Any:
    return np.asarray(values, dtype=np.int64)


def candidates(ids: Sequence[array[int]]) -> list[int]:
    """The document numbers in every one of `ids` (sorted), ascending."""
    common = np.frombuffer(ids[0], dtype=np.int32)
    for more in ids[1:]:
        common = np.intersect1d(common, np.frombuffer(more, dtype=np.int32), assume_unique=True)
    return [int(d) for d in common]


__all__ = ["as_array", "bm25", "candidates", "phrase_docs", "plain_scores", "position_keys"]
