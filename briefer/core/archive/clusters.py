"""Near-duplicate and syndicated documents: one story, carried by several outlets.

A wire story runs in many papers, each with its own headline, a paragraph added
or cut, a dateline changed.  Such copies form a *cluster*; search shows one
result per cluster ("also carried by 3 outlets") and citations name the
cluster's *representative*.

How copies are found:

- **Shingles.**  The document's title and normalized text, case-folded, cut
  into words (`\\w+`); every run of `SHINGLE_WORDS` consecutive words is hashed
  to 64 bits.  Two texts are as alike as the Jaccard similarity of their
  shingle sets (shared / all).  A title paragraph that repeats the title is
  read once.
- **MinHash signature** of `PERMUTATIONS` values: for each of that many hash
  functions, the smallest hash of any shingle.  Two signatures agree at a
  position with a probability equal to the Jaccard similarity.
- **LSH banding**: the signature is cut into `BANDS` bands of `ROWS` values and
  each band is hashed to a key stored in the catalog (`signature_bands`).  Two
  documents are *candidates* when they share a key: a new document is matched
  by looking its `BANDS` keys up, never by comparing it with every document,
  so clustering an archive is about linear.  With 16 bands of 4 rows, a pair
  of similarity 0.8 becomes a candidate with probability 0.9998, of 0.6 with
  0.89, and of 0.3 with 0.12.
- **Confirmation**: a candidate whose signature agrees at a rate of at least
  the threshold minus `ESTIMATE_MARGIN` is compared exactly (the Jaccard
  similarity of the two shingle sets, computed from the catalog's texts); at
  or above the threshold (default 0.8) the two are copies.
- **Shingle filters**: each signature is stored with a Bloom filter of the
  document's shingles and their count (`shingle_filter`).  The new document's
  shingles that pass a candidate's filter are at least as many as the two
  share, which bounds their similarity from above (`similarity_bound`); a
  candidate whose bound is below the threshold is no copy, exactly as the
  full comparison would find, without its text being read back and cut into
  shingles again.  Most candidates end there (on generated news, 87% of the
  candidates compared were alike at 0.5-0.8, and the filters turn away 96%
  of those).
- **Clusters** are the connected groups of copies (union-find; copies of copies
  belong together).  The representative is the earliest published member;
  among equally dated ones a wire service's; then the earliest imported.
  Undated documents come after dated ones.  A cluster's id is its
  representative's document id; a lone document is its own cluster.

Texts shorter than `MIN_SHINGLES` shingles (about a dozen words) are never
clustered: so little text cannot tell a copy from a form letter.  Languages
written without spaces between words produce few shingles and are rarely
clustered.

Why not `datasketch`: its MinHash does the same numpy arithmetic as
`sign_many` below, but its LSH keeps its bands in memory (or Redis/Cassandra)
while ours must live in the SQLite catalog, to be matched incrementally across
imports and to survive a killed one; what would remain of it is a dozen lines.
The hash constants here are derived from SHA-256 so that signatures stored in a
catalog stay comparable across numpy versions (numpy's random streams may
change between releases).

Changing any of the constants above changes every signature: bump
`SIGNATURE_VERSION`, and the next `sync` signs every document again.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from typing import Protocol

import numpy as np

from briefer.core.archive.catalog import Catalog, DocumentFacts, sha256_hex
from briefer.core.progress import Progress, no_progress, raise_if_cancelled
from briefer.core.textnorm import title_paragraph_end, word_pieces

SIGNATURE_VERSION = 1
SHINGLE_WORDS = 5
PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
MIN_SHINGLES = 10
ESTIMATE_MARGIN = 0.2  # 4 standard deviations of a 64-value estimate near 0.8
DEFAULT_THRESHOLD = 0.8
MIN_THRESHOLD = 0.5  # below this, banding misses many pairs and "copies" stop being copies
OFF = 0.0
THRESHOLD_SETTING = "cluster_threshold"
VERSION_SETTING = "cluster_signature_version"
WIRE_SERVICE = "wire service"
CHUNK = 500
# A cluster that loses a member is checked pair by pair for falling apart up to this size; a
# bigger one only gets its representative chosen again (`recluster` checks everything).
REGROUP_LIMIT = 64
# A new document is compared with at most this many members of each cluster it shares band keys
# with (those sharing the most keys): one confirmed copy is enough to join the cluster.
TRIES_PER_CLUSTER = 3
DEFERRED_DOCS = 2500  # documents whose band rows wait, in memory, within `deferring_bands`
MAX_LONE = 24
RECENT_SHINGLE_BYTES = 32 << 20  # see `_RecentShingles`
# Shingle filters: bits per distinct shingle, each shingle setting FILTER_PROBES of them.  At 6 and
# 2, 96% of the candidates alike at 0.5-0.8 (3,800 pairs of generated news) were turned away by
# the bound; at 4 bits 91%, at 8 bits 98%.  A text of more distinct shingles than
# FILTER_MAX_SHINGLES (a long report: its filter would pass nearly everything) has none.
FILTER_BITS = 6
FILTER_PROBES = 2
FILTER_MAX_SHINGLES = 1 << 16

_WORD = re.compile(r"\w+")
_U64 = np.uint64


def _constants(label: str, count: int, *, odd: bool = False) -> np.ndarray:
    """`count` 64-bit constants derived from SHA-256 (the same in every version of everything)."""
    values = []
    for i in range(count):
        value = int.from_bytes(hashlib.sha256(f"briefer-minhash-{label}-{i}".encode()).digest()[:8], "little")
        values.append(value | 1 if odd else value)
    return np.array(values, dtype=_U64)


_SHINGLE_MUL = _constants("shingle", SHINGLE_WORDS, odd=True)
_PERM_MUL = _constants("multiply", PERMUTATIONS, odd=True).astype(np.uint32).reshape(PERMUTATIONS, 1)
_PERM_ADD = _constants("add", PERMUTATIONS).astype(np.uint32).reshape(PERMUTATIONS, 1)
_MIX = _constants("mix", 1, odd=True)[0]
_BAND_MUL = _constants("band", ROWS, odd=True)
_BAND_SALT = _constants("salt", BANDS)
_FILTER_MUL = _constants("filter", FILTER_PROBES, odd=True)
_EMPTY = np.zeros(0, dtype=_U64)


class _WordHashes(dict[str, int]):
    """crc32 of each word, remembered (a few hundred thousand words at most: a text of millions of
    distinct words starts it afresh)."""

    def __missing__(self, word: str) -> int:
        if len(self) >= _WORD_CACHE:
            self.clear()
        value = self[word] = zlib.crc32(word.encode("utf-8", "surrogatepass"))
        return value


_word_hashes = _WordHashes()
_WORD_CACHE = 500_000
_HASH_BLOCK = 1 << 20  # shingles hashed at a time: numpy temporaries of a long text stay small


def _word_ids(title: str, text: str) -> np.ndarray:
    """The crc32 of each word (`\\w+`) of the title and the text, case-folded, in order; the text's
    first paragraph is skipped when it only repeats the title.  The text is read a piece at a time:
    a list of every word of a 200 MB text is several GB."""
    skip = title_paragraph_end(text, title)
    # A list of words a piece at a time, hashed by `map` in C: a generator yielding word by word
    # cost as much as the hashing.
    parts = [_hashed(_WORD.findall(title.casefold()))] if title else []
    dropped = skip
    for piece in word_pieces(text):
        if dropped:
            piece, dropped = piece[dropped:], max(0, dropped - len(piece))
        parts.append(_hashed(_WORD.findall(piece.casefold())))
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else _EMPTY


def _hashed(words: list[str]) -> np.ndarray:
    return np.fromiter(map(_word_hashes.__getitem__, words), _U64, len(words))


def _shingle_runs_many(documents: Sequence[tuple[str, str]]) -> list[np.ndarray]:
    """For each (title, text), the 64-bit hash of every run of `SHINGLE_WORDS` words, in text
    order, repeats included (a minimum does not need them removed).  One pass over the words of
    all the documents: numpy's cost is per call, not per word."""
    each = [_word_ids(title, text) for title, text in documents]
    lengths = [len(ids) for ids in each]
    ids = each[0] if len(each) == 1 else np.concatenate(each) if each else _EMPTY
    del each
    total = len(ids)
    hashed = _EMPTY
    with np.errstate(over="ignore"):
        if total >= SHINGLE_WORDS:
            count = total - SHINGLE_WORDS + 1
            hashed = np.empty(count, dtype=_U64)
            for start in range(0, count, _HASH_BLOCK):
                stop = min(count, start + _HASH_BLOCK)
                block = ids[start:stop] * _SHINGLE_MUL[0]
                for j in range(1, SHINGLE_WORDS):
                    block += ids[start + j : stop + j] * _SHINGLE_MUL[j]
                hashed[start:stop] = block
        runs = []
        start = 0
        for n in lengths:
            if n >= SHINGLE_WORDS:  # the runs that start and end inside this document
                runs.append(hashed[start : start + n - SHINGLE_WORDS + 1])
            else:  # a text shorter than one run is one run
                piece = ids[start : start + n] * _SHINGLE_MUL[:n]
                runs.append(np.array([piece.sum()], dtype=_U64) if n else _EMPTY)
            start += n
    return runs


def shingles(title: str, text: str) -> np.ndarray:
    """The sorted, distinct 64-bit hashes of the word `SHINGLE_WORDS`-grams of a document."""
    return np.unique(_shingle_runs_many([(title, text)])[0])


@dataclass(frozen=True, eq=False)
class Signature:
    """A document's shingles (kept in memory only), its MinHash and band keys (stored)."""

    runs: np.ndarray | None  # the shingle hashes in text order, repeats included (None: `distinct` sent)
    minhash: bytes  # PERMUTATIONS little-endian uint16; b"" when the text is too short
    keys: list[int]
    distinct: np.ndarray | None = None  # `words()`, when a parser worker sent them or once computed
    sent_filter: bytes | None = None  # `filter()`, when a parser worker sent it

    @classmethod
    def sent(cls, minhash: bytes, keys: list[int], distinct: bytes, shingle_filter: bytes) -> Signature:
        """A signature a parser worker made and sent (`workers.Signed`): the shingles and their
        filter as they came."""
        return cls(None, minhash, keys, np.frombuffer(distinct, dtype=_U64), shingle_filter)

    def words(self) -> np.ndarray:
        """The distinct shingles, for an exact comparison (`jaccard`): computed on the first call
        only (a new document is compared with each of its candidates; on a large archive of
        syndicated stories that is several a document, and computing them was most of the
        parent's clustering time)."""
        found = self.distinct
        if found is None:
            found = np.unique(self.runs) if self.runs is not None else _EMPTY
            object.__setattr__(self, "distinct", found)  # a cache: frozen for everyone else
        return found

    def filter(self) -> bytes:
        """`shingle_filter` of the distinct shingles: b"" for a text too short to sign, and for one
        of more shingles than a filter takes (they are not made distinct just to find that out)."""
        if self.sent_filter is not None:
            return self.sent_filter
        if not self.minhash:
            return b""
        if self.distinct is None and self.runs is not None and len(self.runs) > FILTER_MAX_SHINGLES:
            return b""
        return shingle_filter(self.words())


_BLOCK = 4096  # shingles per hash matrix in `sign_many` (64 x 4096 x 4 bytes: stays in the cache)


def sign_many(documents: Sequence[tuple[str, str]]) -> list[Signature]:
    """The signatures of (title, text) pairs, computed together.

    Hash function i maps a shingle's top 32 bits x to a_i * x + b_i mod 2**32
    (a_i odd: a permutation); its minimum over the document is position i of
    the MinHash.  Measured against exact Jaccard similarities of Reuters texts,
    these estimates are as unbiased and as spread as those of 64-bit
    multiply-shift hashing, at a quarter of the cost.
    """
    runs = _shingle_runs_many(documents)
    signable = [i for i, r in enumerate(runs) if len(r) >= MIN_SHINGLES]
    minhashes: dict[int, np.ndarray] = {}
    start = 0
    while start < len(signable):
        block, size = [signable[start]], len(runs[signable[start]])
        start += 1
        while start < len(signable) and size + len(runs[signable[start]]) <= _BLOCK:
            block.append(signable[start])
            size += len(runs[signable[start]])
            start += 1
        mins = _minima(runs[block[0]]) if size > _BLOCK else _block_minima([runs[i] for i in block])
        # Each minimum is kept as 16 bits of a hash of it (a minimum is a small number: its own top
        # bits would often agree by chance): two different minima agree once in 65,536 times,
        # which leaves the estimates as they were, at half the catalog space.
        with np.errstate(over="ignore"):
            short = ((mins.astype(_U64) * _MIX) >> _U64(48)).astype(np.uint16)
        minhashes.update(zip(block, short, strict=True))
    keys: dict[int, list[int]] = {}
    if minhashes:
        order = sorted(minhashes)
        stacked = np.stack([minhashes[i] for i in order]).reshape(len(order), BANDS, ROWS).astype(_U64)
        with np.errstate(over="ignore"):
            banded = ((stacked * _BAND_MUL).sum(axis=2) + _BAND_SALT) >> _U64(33)  # 31 bits: 4 bytes
        keys = dict(zip(order, banded.tolist(), strict=True))
    return [
        Signature(r, minhashes[i].astype("<u2").tobytes(), keys[i])
        if i in minhashes
        else Signature(r, b"", [])
        for i, r in enumerate(runs)
    ]


def _block_minima(runs: list[np.ndarray]) -> np.ndarray:
    """The minimum of each hash function over each document's shingles: a row per document."""
    top = (np.concatenate(runs) >> _U64(32)).astype(np.uint32)
    offsets = np.cumsum([0] + [len(r) for r in runs[:-1]])
    with np.errstate(over="ignore"):
        values = _PERM_MUL * top[None, :]
        values += _PERM_ADD
    return np.minimum.reduceat(values, offsets, axis=1).T


def _minima(runs: np.ndarray) -> np.ndarray:
    """`_block_minima` of one long document, `_BLOCK` shingles at a time (all of them at once
    would be a matrix of 64 x 4 bytes a shingle: 8 GB for a 200 MB text)."""
    chunks = [_block_minima([runs[at : at + _BLOCK]]) for at in range(0, len(runs), _BLOCK)]
    return np.asarray(np.minimum.reduce(chunks))


def sign(title: str, text: str) -> Signature:
    """The signature of one document (see `sign_many`)."""
    return sign_many([(title, text)])[0]


def estimate(a: bytes, b: bytes) -> float:
    """The share of signature positions two minhashes agree on: an estimate of their Jaccard similarity."""
    if not a or not b:
        return 0.0
    return float((np.frombuffer(a, dtype="<u2") == np.frombuffer(b, dtype="<u2")).mean())


def estimates(minhash: bytes, others: list[bytes]) -> list[float]:
    """`estimate` of one minhash against several at once (an empty one estimates 0)."""
    if not minhash or not others:
        return [0.0] * len(others)
    empty = bytes(len(minhash))
    rows = np.frombuffer(b"".join(o if len(o) == len(minhash) else empty for o in others), dtype="<u2")
    agree = rows.reshape(len(others), -1) == np.frombuffer(minhash, dtype="<u2")
    return [float(x) if o else 0.0 for x, o in zip(agree.mean(axis=1), others, strict=True)]


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The exact Jaccard similarity of two sets of shingle hashes (sorted, distinct)."""
    if not len(a) or not len(b):
        return 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared)


def shingle_filter(distinct: np.ndarray) -> bytes:
    """A Bloom filter of a document's distinct shingles, after their count (4 bytes, little-endian);
    b"" for a text with none or more than FILTER_MAX_SHINGLES.  Written by hand: a Bloom filter
    library keeps its own serialized form and hashes each item in Python; this is a few numpy
    calls over the whole array, and its layout is ours to keep stable in the catalog."""
    count = len(distinct)
    if not count or count > FILTER_MAX_SHINGLES:
        return b""
    size = 64 * -(-count * FILTER_BITS // 64)  # whole 64-bit words
    flags = np.zeros(size, dtype=bool)
    for probe in _probes(distinct, size):
        flags[probe] = True
    return count.to_bytes(4, "little") + np.packbits(flags, bitorder="little").tobytes()


def similarity_bound(own: np.ndarray, other_filter: bytes) -> float:
    """An upper bound of the Jaccard similarity of the shingles `own` (sorted, distinct) and those
    of the document whose `shingle_filter` is `other_filter`: every shingle the two share passes
    the filter, so the shingles that pass are at least as many as they share."""
    other_count = int.from_bytes(other_filter[:4], "little")
    flags = np.unpackbits(np.frombuffer(other_filter, dtype=np.uint8, offset=4), bitorder="little")
    passing = np.ones(len(own), dtype=bool)
    for probe in _probes(own, len(flags)):
        passing &= flags[probe].astype(bool)
    shared_at_most = int(passing.sum())
    union_at_least = len(own) + other_count - shared_at_most
    return shared_at_most / union_at_least if union_at_least > 0 else 0.0


def _probes(hashes: np.ndarray, size: int) -> list[np.ndarray]:
    """The filter positions (below `size`) of each shingle: a multiply-shift hash of it per probe,
    its top 32 bits scaled to the filter's size (no modulo)."""
    with np.errstate(over="ignore"):
        return [((hashes * mul) >> _U64(32)) * _U64(size) >> _U64(32) for mul in _FILTER_MUL]


def check_threshold(threshold: float) -> float:
    """`threshold` if it is usable: 0 (clustering off) or from MIN_THRESHOLD to 1."""
    if threshold == OFF or MIN_THRESHOLD <= threshold <= 1.0:
        return float(threshold)
    raise ValueError(
        f"the cluster threshold must be between {MIN_THRESHOLD:g} and 1 (or 0 to switch clustering off), "
        f"not {threshold:g}"
    )


_NEVER = datetime.max.replace(tzinfo=UTC)


def _utc(value: datetime | None) -> datetime:
    if value is None:
        return _NEVER
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def precedence(facts: DocumentFacts) -> tuple[bool, datetime, bool, datetime, str]:
    """Sort key of cluster members: the representative first (earliest published; a wire
    service's among equals; then the earliest imported; undated documents last)."""
    return (
        facts.published is None,
        _utc(facts.published),
        facts.source_type.strip().casefold() != WIRE_SERVICE,
        _utc(facts.imported_at),
        facts.id,
    )


@dataclass(frozen=True)
class ClusterStats:
    threshold: float  # 0: clustering is off
    documents: int
    signed: int  # documents with a signature
    clusters: int  # clusters of two or more documents
    clustered: int  # documents in them

    def line(self) -> str:
        if not self.threshold:
            return "clustering is off"
        return (
            f"{self.clusters} clusters of near-duplicates holding {self.clustered} of "
            f"{self.documents} documents (threshold {self.threshold:g})"
        )

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


class Signable(Protocol):
    """What signing needs of a document (a `Document` has it)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def text_hash(self) -> str: ...  # "" when not known: computed


class Clusters:
    """Signatures and clusters of the documents of `catalog`, kept up to date incrementally.

    Writing methods run inside the caller's catalog transaction (or their own),
    so a document and its signature are committed together.
    """

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._recent = _RecentShingles()
        self._pending: dict[str, Signature] = {}  # signed by the running `add`, not yet stored
        self._pending_keys: dict[int, list[str]] = {}  # their band keys
        # Within `deferring_bands`: documents stored whose band rows wait, by key and by id.
        self._deferring = False
        self._deferred_keys: dict[int, list[str]] = {}
        self._deferred_docs: dict[str, list[int]] = {}

    @property
    def threshold(self) -> float:
        stored = self._catalog.setting(THRESHOLD_SETTING)
        try:
            return check_threshold(float(stored)) if stored is not None else DEFAULT_THRESHOLD
        except ValueError:
            return DEFAULT_THRESHOLD

    # -- keeping clusters up to date -------------------------------------------------
    @contextmanager
    def deferring_bands(self) -> Iterator[None]:
        """Within: documents' band rows are written DEFERRED_DOCS documents at a time, sorted, and
        on leaving (an import's run: written with each chunk, they made each chunk's transaction
        rewrite most of the band table, a cost that grew with the archive).  Until then the
        documents are matched from memory.  A killed run's rows are written by the next
        `deferring_bands` or `sync`."""
        self._catalog.write_deferred_bands()
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False
            self._write_deferred()

    def _write_deferred(self) -> None:
        self._catalog.write_deferred_bands()
        self._deferred_keys, self._deferred_docs = {}, {}

    def _defer(self, doc_id: str, keys: list[int]) -> None:
        self._deferred_docs[doc_id] = keys
        for key in keys:
            self._deferred_keys.setdefault(key, []).append(doc_id)

    def _undefer(self, doc_id: str) -> None:
        for key in self._deferred_docs.pop(doc_id, ()):
            others = self._deferred_keys[key]
            others.remove(doc_id)
            if not others:
                del self._deferred_keys[key]

    def add(
        self,
        docs: Iterable[Signable],
        *,
        match: bool = True,
        new: bool = False,
        signed: Mapping[str, tuple[bytes, list[int], bytes, bytes]] | None = None,
    ) -> int:
        """Sign documents and join each to the clusters of its copies; returns how many were
        signed (none when clustering is off).

        A document signed before is first taken out of its cluster (its text may
        have changed); `new` promises none of `docs` was, which saves the looking.
        `signed` has (minhash, band keys, distinct shingles as uint64 bytes, shingle
        filter) of documents already signed (by a parser worker): they are matched,
        not signed again, and their shingles are compared and remembered as they came.
        """
        docs = list({doc.id: doc for doc in docs}.values())  # a document twice: its last version
        threshold = self.threshold
        catalog = self._catalog
        with catalog.transaction():
            if not new:
                self.remove([doc.id for doc in docs])
            if not threshold or not docs:
                return 0
            # Signatures are written together at the end; until then documents of this batch
            # find each other here.
            self._pending = {}
            self._pending_keys = {}
            rows = []
            signed = signed or {}
            unsigned = [d for d in docs if d.id not in signed]
            made = dict(
                zip((d.id for d in unsigned), sign_many([(d.title, d.text) for d in unsigned]), strict=True)
            )
            signatures = [made.get(d.id) or Signature.sent(*signed[d.id]) for d in docs]
            # One look for the keys of the whole batch: most documents share none with anything.
            known = catalog.known_band_keys([k for s in signatures for k in s.keys]) if match else set()
            try:
                for doc, signature in zip(docs, signatures, strict=True):
                    copies = []
                    if match and any(
                        k in known or k in self._pending_keys or k in self._deferred_keys
                        for k in signature.keys
                    ):
                        own = functools.partial(self._compared, doc.id, signature)
                        copies = self._copies(doc.id, signature.minhash, signature.keys, own, threshold)
                    if copies:
                        self._join(doc.id, copies)
                    self._pending[doc.id] = signature
                    for key in signature.keys:
                        self._pending_keys.setdefault(key, []).append(doc.id)
                    text_hash = doc.text_hash or sha256_hex(doc.text.encode("utf-8", "surrogatepass"))
                    rows.append((doc.id, text_hash, signature.minhash, signature.keys, signature.filter()))
                catalog.put_signatures(rows, defer_bands=self._deferring)
                if self._deferring:
                    for doc_id, _, _, keys, _ in rows:
                        self._defer(doc_id, keys)
                    if len(self._deferred_docs) >= DEFERRED_DOCS:
                        self._write_deferred()
            finally:
                self._pending = {}
                self._pending_keys = {}
        return len(docs)

    def remove(self, doc_ids: Iterable[str]) -> None:
        """Forget the signatures of deleted (or changed) documents; their clusters promote another
        representative, or fall apart when only a removed document held them together."""
        catalog = self._catalog
        with catalog.transaction():
            affected: dict[str, None] = {}
            for doc_id in doc_ids:
                self._recent.pop(doc_id)
                self._undefer(doc_id)
                catalog.delete_signature(doc_id)
                cluster = catalog.cluster_id(doc_id)
                if cluster is not None:
                    catalog.uncluster([doc_id])
                    affected[cluster] = None
            for cluster in affected:
                self._regroup(catalog.cluster_member_ids(cluster))

    def sync(self, *, progress: Progress = no_progress, cancel: threading.Event | None = None) -> int:
        """Catch up: forget deleted documents, sign every document without a signature of its
        current text (an archive from before clusters, a killed import); returns how many."""
        self._tidy()
        if not self.threshold:
            return 0
        return self._sign_unsigned(match=True, progress=progress, cancel=cancel)

    def _tidy(self) -> None:
        """Drop signatures of another version and rows of documents that are gone; write the band
        rows a killed import left waiting."""
        self._catalog.write_deferred_bands()
        version = self._catalog.setting(VERSION_SETTING)
        if version is None:  # the first catch-up: what is signed is of this version
            self._catalog.set_setting(VERSION_SETTING, str(SIGNATURE_VERSION))
        elif version != str(SIGNATURE_VERSION):
            with self._catalog.transaction():  # signatures of another kind: sign everything again
                for doc_id in list(self._catalog.minhashes()):
                    self._catalog.delete_signature(doc_id)
                self._catalog.set_setting(VERSION_SETTING, str(SIGNATURE_VERSION))
        orphans = self._catalog.orphaned_cluster_ids()
        if orphans:
            self.remove(orphans)

    def _sign_unsigned(self, *, match: bool, progress: Progress, cancel: threading.Event | None) -> int:
        todo = self._catalog.unsigned_ids()
        for start in range(0, len(todo), CHUNK):
            raise_if_cancelled(cancel)
            self.add(self._documents(todo[start : start + CHUNK]), match=match)
            progress(min(start + CHUNK, len(todo)), len(todo))
        return len(todo)

    def recluster(
        self, threshold: float, *, progress: Progress = no_progress, cancel: threading.Event | None = None
    ) -> ClusterStats:
        """Store a new threshold and cluster the whole archive again with it (0: clustering off).

        Every document is signed first if it has no signature yet; then each is
        matched through the stored band keys, as an import matches a new one.
        """
        threshold = check_threshold(threshold)
        catalog = self._catalog
        catalog.set_setting(THRESHOLD_SETTING, repr(threshold))
        self._tidy()
        if not threshold:
            catalog.clear_clusters()
            return self.stats()
        self._sign_unsigned(match=False, progress=progress, cancel=cancel)
        signatures = catalog.signature_keys()
        minhashes = {doc_id: minhash for doc_id, minhash, _ in signatures}
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            root = x
            while parent.get(root, root) != root:
                root = parent[root]
            while x != root:
                parent[x], x = root, parent[x]
            return root

        def group(doc_id: str, _cluster: str | None) -> str | None:
            return find(doc_id) if doc_id in parent else None  # None: alone so far

        for done, (doc_id, minhash, keys) in enumerate(signatures):
            if done % CHUNK == 0:
                raise_if_cancelled(cancel)
                progress(done, len(signatures))
            if not minhash:
                continue
            own = functools.partial(self._shingles_of, doc_id)
            for other, _ in self._copies(doc_id, minhash, keys, own, threshold, group, minhashes):
                a, b = find(doc_id), find(other)
                if a != b:
                    parent[a] = b
                    parent.setdefault(b, b)
        components: dict[str, list[str]] = {}
        for doc_id in parent:
            components.setdefault(find(doc_id), []).append(doc_id)
        with catalog.transaction():
            catalog.clear_clusters()
            for members in components.values():
                if len(members) > 1:
                    self._write(members)
        progress(len(signatures), len(signatures))
        return self.stats()

    def stats(self) -> ClusterStats:
        clusters, clustered = self._catalog.count_clusters()
        return ClusterStats(
            threshold=self.threshold,
            documents=self._catalog.count_documents(),
            signed=self._catalog.count_signed(),
            clusters=clusters,
            clustered=clustered,
        )

    # -- the pieces --------------------------------------------------------------------
    def _documents(self, doc_ids: list[str]) -> list[_Text]:
        found = self._catalog.titles_and_texts(doc_ids)
        return [_Text(i, *found[i]) for i in doc_ids if i in found]

    def _compared(self, doc_id: str, signature: Signature) -> np.ndarray:
        """The shingles of a document being added, for an exact comparison: remembered, since the
        copies that follow it will likely meet it too.  One that met no alike text is not: it is
        most likely alone, and keeping it would push out those that did (on 30,000 generated
        articles, remembering every document left 23% more texts to read back and cut)."""
        words = signature.words()
        self._recent.put(doc_id, words)
        return words

    def _shingles_of(self, doc_id: str) -> np.ndarray:
        found = self._recent.get(doc_id)
        if found is None and doc_id in self._pending:
            found = self._pending[doc_id].words()
            self._recent.put(doc_id, found)
        if found is None:
            title, text, _ = self._catalog.titles_and_texts([doc_id]).get(doc_id, ("", "", ""))
            found = shingles(title, text)
            self._recent.put(doc_id, found)
        return found

    def _copies(
        self,
        doc_id: str,
        minhash: bytes,
        keys: list[int],
        own: Callable[[], np.ndarray],
        threshold: float,
        group: Callable[[str, str | None], str | None] | None = None,
        minhashes: dict[str, bytes] | None = None,
    ) -> list[tuple[str, str | None]]:
        """(id, group) of documents whose text is at least `threshold` alike, confirmed exactly.

        Candidates share band keys with `keys`; those sharing the most come first
        (true copies share about 6 of 16 at 0.8, unrelated texts rarely 1).  One
        confirmed copy per cluster is enough, so at most TRIES_PER_CLUSTER members
        of a cluster are tried, and at most MAX_LONE documents in no cluster:
        thousands of form letters alike at 0.6 cost no more than a few.  `group`
        names a candidate's cluster (default: the catalog's), `own` gives this
        document's shingles when a comparison needs them.
        """
        found = self._catalog.band_neighbours(keys)
        if self._pending_keys or self._deferred_keys:  # of the running `add`; with band rows waiting
            shared_keys: dict[str, int] = {}
            for band in keys:
                for other in chain(self._pending_keys.get(band, ()), self._deferred_keys.get(band, ())):
                    shared_keys[other] = shared_keys.get(other, 0) + 1
            found += [(o, self._catalog.cluster_id(o), n) for o, n in shared_keys.items()]
        neighbours = sorted((-shared, other, cluster) for other, cluster, shared in found if other != doc_id)
        tries: dict[str, int] = {}
        lone = 0
        chosen: list[tuple[str, str | None]] = []
        for _, other, cluster in neighbours:
            name = group(other, cluster) if group is not None else cluster
            if name is None:
                lone += 1
                if lone > MAX_LONE:
                    continue
            else:
                tries[name] = tries.get(name, 0) + 1
                if tries[name] > TRIES_PER_CLUSTER:
                    continue
            chosen.append((other, name))
        if not chosen:
            return []
        if minhashes is None:
            minhashes = self._catalog.minhashes([other for other, _ in chosen if other not in self._pending])
            minhashes.update((o, self._pending[o].minhash) for o, _ in chosen if o in self._pending)
        likeness = estimates(minhash, [minhashes.get(other, b"") for other, _ in chosen])
        close = [c for c, alike in zip(chosen, likeness, strict=True) if alike >= threshold - ESTIMATE_MARGIN]
        filters = self._filters_of([other for other, _ in close])
        copies: list[tuple[str, str | None]] = []
        joined: set[str] = set()
        for other, name in close:
            if name is not None and name in joined:
                continue
            if self._alike(own, other, filters.get(other), threshold):
                copies.append((other, name))
                if name is not None:
                    joined.add(name)
        return copies

    def _filters_of(self, doc_ids: list[str]) -> dict[str, bytes]:
        """The stored shingle filters of those of `doc_ids` that are stored (not of the running
        `add`).  Those of remembered documents too: the bound costs no more than comparing their
        shingles, and a document remembered now may be pushed out before its turn comes."""
        stored = [d for d in doc_ids if d not in self._pending]
        return self._catalog.shingle_filters(stored) if stored else {}

    def _alike(
        self, own: Callable[[], np.ndarray], other: str, other_filter: bytes | None, threshold: float
    ) -> bool:
        """Whether `other` is at least `threshold` alike, exactly.  Its filter's bound turns most
        candidates away; only the others' texts are read back and cut into shingles (129 us a news
        article: at 100,000 articles, a fifth of the importing process's time before filters)."""
        if other_filter and similarity_bound(own(), other_filter) < threshold:
            return False
        return jaccard(own(), self._shingles_of(other)) >= threshold

    def _similar(self, a: str, minhash_a: bytes, b: str, minhash_b: bytes, threshold: float) -> bool:
        if estimate(minhash_a, minhash_b) < threshold - ESTIMATE_MARGIN:
            return False
        return jaccard(self._shingles_of(a), self._shingles_of(b)) >= threshold

    def _join(self, doc_id: str, copies: Sequence[tuple[str, str | None]]) -> None:
        """Put a new document and its copies' clusters together.  Each cluster's id is its
        representative, the first of its members: the merged cluster's is the first of those
        representatives, the lone copies and the new document."""
        clusters = list(dict.fromkeys(c for _, c in copies if c is not None))
        lone = [other for other, cluster in copies if cluster is None]
        facts = self._catalog.document_facts([doc_id, *lone, *clusters])
        first = min(facts, key=precedence).id
        self._catalog.merge_clusters(first, clusters, [doc_id, *lone])

    def _write(self, members: list[str]) -> None:
        facts = sorted(self._catalog.document_facts(members), key=precedence)
        if facts:
            self._catalog.set_cluster(facts[0].id, [f.id for f in facts])

    def _regroup(self, members: list[str]) -> None:
        """Cluster what is left of a cluster again: the member that linked the others may be gone."""
        if len(members) > REGROUP_LIMIT:
            self._write(members)  # only the representative is chosen again
            return
        self._catalog.uncluster(members)
        if len(members) < 2:
            return
        threshold = self.threshold or DEFAULT_THRESHOLD
        minhashes = self._catalog.minhashes(members)
        parent = {m: m for m in members}

        def find(x: str) -> str:
            while parent[x] != x:
                x = parent[x]
            return x

        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if find(a) != find(b) and self._similar(
                    a, minhashes.get(a, b""), b, minhashes.get(b, b""), threshold
                ):
                    parent[find(a)] = find(b)
        groups: dict[str, list[str]] = {}
        for m in members:
            groups.setdefault(find(m), []).append(m)
        for group in groups.values():
            if len(group) > 1:
                self._write(group)


class _RecentShingles:
    """The shingles of the documents signed or compared last, so that the copies that follow them
    do not cut their texts again: the last 2 * CHUNK documents' at most, in at most
    RECENT_SHINGLE_BYTES (a few MB of news articles; long reports are cut again instead)."""

    def __init__(self) -> None:
        self._of: OrderedDict[str, np.ndarray] = OrderedDict()
        self._bytes = 0

    def get(self, doc_id: str) -> np.ndarray | None:
        return self._of.get(doc_id)

    def put(self, doc_id: str, hashes: np.ndarray) -> None:
        self.pop(doc_id)
        self._of[doc_id] = hashes
        self._bytes += hashes.nbytes
        while len(self._of) > 2 * CHUNK or (self._bytes > RECENT_SHINGLE_BYTES and len(self._of) > 1):
            self._bytes -= self._of.popitem(last=False)[1].nbytes

    def pop(self, doc_id: str) -> None:
        hashes = self._of.pop(doc_id, None)
        if hashes is not None:
            self._bytes -= hashes.nbytes


@dataclass(frozen=True)
class _Text:
    """What signing needs of a document read back from the catalog."""

    id: str
    title: str
    text: str
    text_hash: str


__all__ = [
    "DEFAULT_THRESHOLD",
    "ClusterStats",
    "Clusters",
    "check_threshold",
    "jaccard",
    "precedence",
    "sign",
]
