"""Reading Whoosh's stored segments fast: a term's postings decoded block by block into arrays,
and the field-length, date and label columns read whole (`_whoosh_eval` evaluates queries on them).

Whoosh internals used here (`W3LeafMatcher` blocks, the columns' files) are those of the pinned
whoosh-reloaded 2.7.5; each has a slower fallback through the public API.
"""

from __future__ import annotations

import sys
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate
from operator import attrgetter
from pickle import loads
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.util.numeric import byte_to_length

UNDATED = 2**64 - 1  # Whoosh's column value for a document without a date
_LAST_DAY = date.max.toordinal()
_BYTES_CALL = b"c_codecs\nencode\n"  # in a protocol 2 pickle: the function that makes a bytes object
_KEEP_TEXT = b"cbuiltins\nslice\n"  # a call that keeps its arguments: slice(text, "latin-1")
_TEXT = attrgetter("start")


class PostingsCache:
    """Decoded postings of (segment, field, term), least recently used dropped first."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self._entries: OrderedDict[tuple[str, str, bytes], Postings] = OrderedDict()

    def get(self, key: tuple[str, str, bytes]) -> Postings | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: tuple[str, str, bytes], postings: Postings) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.used -= old.cost
        self._entries[key] = postings
        self.used += postings.cost
        while self.used > self.budget and len(self._entries) > 1:
            _, dropped = self._entries.popitem(last=False)
            self.used -= dropped.cost

    def forget_segments(self, keep: set[str]) -> None:
        for key in [k for k in self._entries if k[0] not in keep]:
            self.used -= self._entries.pop(key).cost


@dataclass
class Postings:
    """A word's postings in one segment: document numbers, weights and, when the field has
    them, each document's encoded positions, one after the other (`ends`: where each ends).

    The positions come in the same blocks as the rest and are always kept: a phrase or the
    proximity bonus would otherwise decode the whole list again.  Kept joined, they cost
    about 14 bytes a posting instead of 50 as bytes objects."""

    ids: array[int]
    weights: array[float]
    values: bytes = b""
    ends: array[int] = field(default_factory=lambda: array("q"))
    keys: Any = None  # every position as a key (see _whoosh_phrase), when a phrase needed them

    def value(self, i: int) -> bytes:
        """The encoded positions of the i-th posting."""
        return self.values[self.ends[i - 1] if i else 0 : self.ends[i]]

    @property
    def cost(self) -> int:
        """What it holds in memory, in units of about 8 bytes."""
        keys = 0 if self.keys is None else len(self.keys)
        return len(self.ids) + len(self.ends) + len(self.values) // 8 + keys


def wanted_postings(
    ids: Sequence[int], weights: Sequence[float], wanted: list[int]
) -> tuple[list[int], list[float]]:
    """Those of `wanted` (ascending) that are in `ids` (ascending), and their weights."""
    found: list[int] = []
    found_weights: list[float] = []
    for local in wanted:
        i = bisect_left(ids, local)
        if i < len(ids) and ids[i] == local:
            found.append(local)
            found_weights.append(weights[i])
    return found, found_weights


def decode(reader: Any, fieldname: str, btext: bytes) -> Postings:
    """All postings of a term in one segment (deleted documents included), with their positions
    when the field has them."""
    ids: array[int] = array("i")
    weights: array[float] = array("f")
    chunks: list[bytes] = []  # each block's values (encoded positions), joined
    sizes: array[int] = array("q")  # each posting's value, in bytes
    if (fieldname, btext) not in reader:
        return Postings(ids, weights)
    fieldobj = reader.schema[fieldname]
    matcher = reader._terms.matcher(fieldname, btext, fieldobj.format)
    if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
        while True:
            block_ids, block_weights, block_values = _block(matcher)
            ids.extend(accumulate(block_ids))  # stored as gaps; Whoosh adds them up in Python
            weights.extend(_weights(block_weights, len(block_ids)))
            if block_values is not None:
                chunks.append(block_values[0])
                sizes.extend(block_values[1])
            if matcher._lastblock:
                break
            matcher._goto(matcher._nextoffset)
    else:  # short posting lists are stored inline: the public API is fast enough
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            if fieldobj.format.supports("positions"):
                value = matcher.value()
                chunks.append(value)
                sizes.append(len(value))
            matcher.next()
    if not chunks:
        return Postings(ids, weights)
    return Postings(ids, weights, b"".join(chunks), array("q", accumulate(sizes)))


def decode_some(
    reader: Any, fieldname: str, btext: bytes, wanted: list[int]
) -> tuple[list[int], list[float]]:
    """Those of `wanted` (local numbers, ascending) that have the term, and their weights, from
    the blocks whose documents may include them (a block's last document is in its header)."""
    if not wanted or (fieldname, btext) not in reader:
        return [], []
    matcher = reader._terms.matcher(fieldname, btext, reader.schema[fieldname].format)
    if not isinstance(matcher, W3LeafMatcher) or matcher._byteids:
        postings = decode(reader, fieldname, btext)
        return wanted_postings(postings.ids, postings.weights, wanted)
    found: list[int] = []
    weights: list[float] = []
    i = 0
    while i < len(wanted):
        last = matcher._maxid
        if wanted[i] <= last:
            block_ids, block_weights, _ = _block(matcher, values=False)
            end = bisect_right(wanted, last, i)
            ids = list(accumulate(block_ids))
            picked = wanted_postings(ids, _weights(block_weights, len(ids)), wanted[i:end])
            found += picked[0]
            weights += picked[1]
            i = end
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    return found, weights


def _weights(stored: Any, count: int) -> Sequence[float]:
    """A block's weights as `W3LeafMatcher` stores them: None when all are 1, one number when all
    are the same, else each."""
    if stored is None or isinstance(stored, float):
        return [1.0 if stored is None else stored] * count
    return stored  # type: ignore[no-any-return]


def _block(matcher: Any, *, values: bool = True) -> tuple[Any, Any, tuple[bytes, Iterable[int]] | None]:
    """The current block's ids (as gaps) and weights, as `W3LeafMatcher` stores them, and its
    values joined with each one's length (None when the field's values have a fixed size: no
    positions, or when `values` is false).

    A block is a pickle.  Ours are protocol 5 (`_whoosh_write.BytesPostingsWriter`), which has
    bytes.  Whoosh's own are protocol 2, which has no bytes type: each value is pickled as a call
    `codecs.encode(text, "latin-1")`, a third of a block's decoding.  Read with `slice` in its
    place, the call only keeps the text, and the block's texts are encoded at once."""
    data = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    if matcher._compression:
        data = zlib.decompress(data)
    if data[1] > 2:  # the protocol, after the PROTO opcode
        ids, weights, found = loads(data)
        if not values or not isinstance(found, tuple):
            return ids, weights, None
        return ids, weights, _joined(found)
    # Before any value's text, the call's name is the first such bytes in the pickle.
    ids, weights, found = loads(data.replace(_BYTES_CALL, _KEEP_TEXT, 1))
    if not values or not isinstance(found, tuple):
        return ids, weights, None
    try:
        texts = list(map(_TEXT, found))
    except AttributeError:  # a value pickled otherwise (an empty one is bytes())
        ids, weights, found = loads(data)
        return ids, weights, _joined(found)
    return ids, weights, ("".join(texts).encode("latin-1"), map(len, texts))


def _joined(values: tuple[bytes, ...]) -> tuple[bytes, Iterable[int]]:
    """A block's values as bytes, one after the other, with each one's length."""
    return b"".join(values), map(len, values)


def field_lengths(reader: Any, fieldname: str) -> list[int]:
    """The length of `fieldname` in each document of a segment, as BM25F reads it."""
    count = reader.doc_count_all()
    try:
        column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
        if column is None:
            return [1] * count
        raw = column._dbfile.get(column._basepos, column._count)
        lengths = list(map(byte_to_length, raw)) + [0] * (count - column._count)
        return [n or 1 for n in lengths]  # Whoosh reads an empty field as length 1
    except AttributeError:
        return [reader.doc_field_length(d, fieldname, 1) or 1 for d in range(count)]


def published_stamps(reader: Any, count: int) -> array[int]:
    """Each document's publication time as Whoosh stores it (microseconds since year 1), or UNDATED."""
    stamps: array[int] = array("Q", [UNDATED]) * count
    if "published" not in reader.schema or not reader.has_column("published"):
        return stamps
    column = reader.column_reader("published", translate=False)
    try:
        found: array[int] = array("Q", column._dbfile.get(column._basepos, column._count * 8))
        if sys.byteorder == "little":
            found.byteswap()
    except AttributeError:
        found = array("Q", column)
    stamps[: min(len(found), count)] = found[:count]
    return stamps


def column_labels(reader: Any, fieldname: str, count: int) -> list[str | None] | None:
    """Each document's value of a field kept in a RefBytesColumn (None when it has none), or None
    when the field is not such a column."""
    if fieldname not in reader.schema or not reader.has_column(fieldname):
        return None
    column = reader.column_reader(fieldname, translate=False)
    try:
        values = [u.decode("utf-8") or None for u in column._uniques]
        refs: array[int] = array(
            column._typecode, column._dbfile.get(column._basepos, count * column._itemsize)
        )
        if sys.byteorder == "little" and column._itemsize > 1:
            refs.byteswap()
        return list(map(values.__getitem__, refs))
    except AttributeError:
        return [(v.decode("utf-8") or None) if isinstance(v, bytes) else None for v in column]


def months(days: array[int]) -> list[str | None]:
    names: dict[int, str | None] = {}
    for day in set(days):
        if day > _LAST_DAY:
            names[day] = None
        else:
            value = date.fromordinal(day)
            names[day] = f"{value.year:04d}-{value.month:02d}"
    return list(map(names.__getitem__, days))
