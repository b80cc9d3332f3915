"""The full-text index, backed by Whoosh: with `_whoosh_eval` and `_whoosh_open`, the only modules
that import it.

The index is a cache derived from the catalog: it holds the searchable fields
and each document's id, nothing else of value.  It is rebuilt from the catalog
whenever it is missing, of an older schema, or damaged.  An index directory
without our marker file is never opened: Whoosh unpickles its files, so only
an index that Briefer created may be read.

Whoosh stores the postings and parses the query language; `_whoosh_eval`
evaluates the parsed query (see there why).  Searches read one snapshot (a
searcher) at a time and move to the next one after each commit, so a search
never sees half of an import's batch and never waits for a writer.
"""

from __future__ import annotations

import logging
import operator
import sys
import threading
import weakref
from array import array
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import accumulate, chain, islice
from pathlib import Path
from typing import Any, TypeVar

from whoosh import columns, fields, formats, qparser, query, scoring
from whoosh.analysis import RegexTokenizer
from whoosh.analysis.filters import LowercaseFilter
from whoosh.filedb.filestore import RamStorage
from whoosh.qparser import syntax
from whoosh.reading import ReaderClosed, TermNotFound
from whoosh.system import _INT_SIZE, pack_uint
from whoosh.writing import IndexWriter, LockError

from briefer.core.documents import Document
from briefer.core.search import _whoosh_open, spelling
from briefer.core.search import query as querylang
from briefer.core.search._whoosh_eval import (
    DayRange,
    Engine,
    Evaluation,
    Required,
    Scores,
    Snapshot,
    restrict,
)
from briefer.core.search._whoosh_write import (
    BULK_PROCS,
    COMPOUND,
    LIMIT_MB,
    OrphanSafeMpWriter,
    RunsSegmentWriter,
)
from briefer.core.search.analysis import ANALYZER, MatchTerms, indexed_terms, stem, term_counts
from briefer.core.search.engine import IndexHit, IndexResults, Tier
from briefer.core.search.errors import IndexBusy, QueryError, QueryTooBroad
from briefer.core.search.query import (
    FACETS,
    AliasTable,
    FacetCounts,
    PreparedQuery,
    SearchRequest,
    label_key,
    language_key,
)
from briefer.core.search.ranking import DEFAULT as DEFAULT_RANKING
from briefer.core.search.ranking import Factor, Ranking, Reranked, explain, rerank
from briefer.core.textnorm import word_pieces

log = logging.getLogger(__name__)

# 4: segments in separate files (COMPOUND); 5: packed positions; 6: unspaced scripts as pairs of letters
SCHEMA_VERSION = 6
SEARCH_FIELDS = ("title", "body")

_NAMES = RegexTokenizer() | LowercaseFilter()  # outlets and authors: no stemming, no stop words
_URL_WORDS = RegexTokenizer(r"[^\W_]+") | LowercaseFilter()  # url:state.gov is the phrase "state gov"
_VOCABULARY_LIMIT = 300_000  # words a batch remembers having indexed for suggestions
_SHORT_TEXT = 1 << 20  # characters: a longer text's positions are kept in arrays


class _PackedPositions(formats.Positions):
    """Whoosh's Positions format with the positions packed in an array instead of pickled.

    A phrase or proximity search reads the positions of every document that has
    all the words (tens of thousands on a large archive); `array()` decodes a
    list in one C call where unpickling took most of a phrase query's time.  The
    packed form is also smaller: one byte per position when the gaps are short.
    """

    def encode(self, poslist: Sequence[int]) -> bytes:
        # Encoding is a sixth of an index writer's time: the common cases are looked up or built in C.
        count = len(poslist)
        if count == 1 and poslist[0] < len(_ONE_POSITION):  # most words of a document: one occurrence
            return _ONE_POSITION[poslist[0]]
        deltas = list(map(operator.sub, poslist, chain((0,), poslist)))
        biggest = max(deltas, default=0)
        if biggest < 1 << 8:
            return _packed_count(count) + b"B" + bytes(deltas)
        return _encode_wide(deltas, "H" if biggest < 1 << 16 else "I")

    def decode_positions(self, valuestring: bytes) -> list[int]:
        packed = array(chr(valuestring[_INT_SIZE]), valuestring[_INT_SIZE + 1 :])
        if sys.byteorder == "big" and packed.itemsize > 1:
            packed.byteswap()
        return list(accumulate(packed))


def _packed_count(count: int) -> bytes:
    return _COUNTS[count] if count < len(_COUNTS) else bytes(pack_uint(count))


def _encode_wide(deltas: list[int], code: str) -> bytes:
    packed = array(code, deltas)
    if sys.byteorder == "big":
        packed.byteswap()  # stored little-endian
    return _packed_count(len(deltas)) + code.encode("ascii") + packed.tobytes()


_COUNTS = [bytes(pack_uint(n)) for n in range(256)]
# One position, the words of most documents: encoded once (a 4,000-word article's fit).
_ONE_POSITION = [_COUNTS[1] + b"B" + bytes([p]) for p in range(1 << 8)] + [
    _encode_wide([p], "H") for p in range(1 << 8, 1 << 12)
]


class _StemmedText(fields.TEXT):
    """A TEXT field with Briefer's analyzer (analysis.py), indexed about four times faster.

    Whoosh runs every word through its analyzer with a Token object; indexing is
    most of an import's time.  This computes the same postings (stop words and
    one-letter words dropped, positions renumbered the way StopFilter does,
    Porter stems, pairs of unspaced letters) from `indexed_terms`; a test proves
    the postings equal Whoosh's own.  Queries go through the analyzer itself.
    """

    def __init__(self, **kwargs: Any) -> None:
        # A query word that analyzes into several (Jong-un, 中华人民) is searched as a phrase.
        super().__init__(analyzer=ANALYZER, multitoken_query="phrase", **kwargs)
        boost: float = kwargs.get("field_boost", 1.0)
        self.format = _PackedPositions(field_boost=boost)

    def index(self, value: Any, **kwargs: Any) -> Any:
        if kwargs or not isinstance(value, str):
            return super().index(value, **kwargs)
        # Words a piece of the text at a time, and a long text's positions in arrays: a list of
        # every word and an int object per position cost a 200 MB text several GB.
        positions: dict[str, list[int] | array[int]] = {}
        short = len(value) <= _SHORT_TEXT
        pos = -1  # StopFilter keeps the first kept word's raw position, then counts on
        skipped = 0  # words before the first kept one
        for piece in word_pieces(value):
            terms = indexed_terms(piece)
            if pos < 0:
                first = next((at for at, term in enumerate(terms) if term is not None), None)
                if first is None:
                    skipped += len(terms)
                    continue
                pos, terms = skipped + first, terms[first:]
            for term in terms:
                if term is None:
                    continue
                found = positions.get(term)
                if found is None:
                    positions[term] = [pos] if short else array("q", (pos,))
                else:
                    found.append(pos)
                pos += 1
        boost = self.format.field_boost
        encode = self.format.encode
        return [(w.encode("utf-8"), len(p), len(p) * boost, encode(p)) for w, p in positions.items()]


class _Vocabulary(fields.FieldType):
    """The archive's words as written (lower case, not stemmed): what spelling suggestions offer.

    Only the lexicon matters, so `IndexBatch` gives each word to one document
    per batch: a full posting per word and document would double import time.
    """

    def __init__(self) -> None:
        super().__init__(formats.Existence(), _NAMES)

    def index(self, value: Any, **kwargs: Any) -> Any:
        if isinstance(value, list | tuple):
            return [(w.encode("utf-8"), 1, 1.0, b"") for w in value]
        return super().index(value, **kwargs)


class _Published(fields.DATETIME):
    """The publication date, kept as a column only: date filters run on it in `_whoosh_eval`.

    Whoosh would index eight range terms per document and spend about 200 ms
    per query walking them; `query.prepare` turns every date form into a day
    range that `parse_query` reads.
    """

    def __init__(self) -> None:
        super().__init__(sortable=True)
        self.indexed = False

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> Any:
        span = querylang.read_date_token(qstring)
        if span is None:
            first, last = querylang.date_span(qstring, datetime.now(UTC).date())
            span = querylang.read_date_token(querylang.date_token(first, last))
        assert span is not None
        return DayRange(span[0], span[1], boost)

    def parse_range(
        self, fieldname: str, start: str, end: str, startexcl: bool, endexcl: bool, boost: float = 1.0
    ) -> Any:
        expression = f"{'{' if startexcl else '['}{start or ''} to {end or ''}{'}' if endexcl else ']'}"
        return self.parse_query(fieldname, expression, boost)


def _names_field(analyzer: Any) -> Any:
    """A TEXT field for outlet and author names and web addresses: no stemming, packed positions."""
    found = fields.TEXT(analyzer=analyzer, multitoken_query="phrase")
    found.format = _PackedPositions()
    return found


SCHEMA = fields.Schema(
    id=fields.ID(stored=True, unique=True),
    title=_StemmedText(field_boost=2.0),
    # Not stored: snippets and passages are cut from the catalog's normalized
    # text, whose offsets are the ones excerpts cite.
    body=_StemmedText(),
    source=_names_field(_NAMES),
    # Facet fields are also columns (one small number per document): facets read them whole.
    outlet=fields.ID(sortable=columns.RefBytesColumn()),  # the source exactly as written
    author=_names_field(_NAMES),
    published=_Published(),
    url=_names_field(_URL_WORDS),
    language=fields.ID(sortable=columns.RefBytesColumn()),  # primary subtag: en
    type=fields.ID(sortable=columns.RefBytesColumn()),  # source type as a label: wire-service
    tag=fields.KEYWORD(lowercase=True, commas=True),
    spell=_Vocabulary(),
)


class _RequiredNode(syntax.Wrapper):
    """`+clause`, which `query.prepare` leaves in the text: a `Required` clause."""

    qclass = Required


def _required_and(subqueries: list[Any], **kwargs: Any) -> Any:
    return Required(query.And(subqueries, **kwargs))


class _ExplicitAndGroup(syntax.AndGroup):
    """`a AND b` typed with the operator: both sides stay required in the relaxed tier (an implicit
    AND would merge into the query's own and leave no trace of the operator)."""

    qclass = staticmethod(_required_and)


class _FieldsOr(query.Or):
    """A word searched in each of `SEARCH_FIELDS`: (title:w OR body:w).

    Whoosh hashes a compound query as the XOR of its clauses' hashes, and a term's as the
    XOR of its field's and its text's: the text cancels out, so every word's OR hashes
    alike and normalizing a query of n words compared n * n of them (a 1,000-word query
    took seconds).  Hashed in order, they differ.
    """

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.boost, tuple(self.subqueries)))


class _FieldsOrGroup(syntax.OrGroup):
    qclass = _FieldsOr


# `+` right before a word, phrase, field or group (never inside a word: c++, 1+1).
_PLUS = qparser.OperatorsPlugin.OpTagger(
    r"(?:^|(?<=[\s(]))\+(?=[^\s+\-)])", _RequiredNode, syntax.PrefixOperator, memo="required"
)


class _BinaryGroup(syntax.BinaryGroup):
    """Whoosh's BinaryGroup with each side made once: its `query` builds both sides twice, so a
    chain of n ANDNOTs (a ANDNOT b ANDNOT c ...) took 2**n steps (16 of them: 5 s)."""

    def query(self, parser: Any) -> Any:
        first, second = (node.query(parser) for node in self.nodes)
        if first is None or second is None:
            found = second if first is None else first
            return syntax.attach(query.NullQuery if found is None else found, self)
        return syntax.attach(self.qclass(first, second), self)


class _AndNotGroup(_BinaryGroup):
    qclass = query.AndNot


class _AndMaybeGroup(_BinaryGroup):
    qclass = query.AndMaybe


class _RequireGroup(_BinaryGroup):
    qclass = query.Require


# Whoosh's operators as its OperatorsPlugin makes them (patterns, priorities and order, which decide
# how they group), with the binary groups above, after `+`.
_OpTagger = qparser.OperatorsPlugin.OpTagger
_OPERATORS = [
    (_PLUS, 0),
    (_OpTagger(r"(^|(?<=(\s|[()])))NOT(?=\s)", syntax.NotGroup, syntax.PrefixOperator, memo="not"), 0),
    (_OpTagger(r"(?<=\s)AND(?=\s)", _ExplicitAndGroup, memo="and"), 0),
    (_OpTagger(r"(?<=\s)OR(?=\s)", syntax.OrGroup, memo="or"), 0),
    (_OpTagger(r"(?<=\s)ANDNOT(?=\s)", _AndNotGroup, memo="anot"), -5),
    (_OpTagger(r"(?<=\s)ANDMAYBE(?=\s)", _AndMaybeGroup, memo="amaybe"), -5),
    (_OpTagger(r"(^|(?<=\s))REQUIRE(?=\s)", _RequireGroup, memo="req"), 0),
]


class IndexBatch:
    """Documents added or deleted together (the `WriteBatch` of engine.py); see `SearchIndex.batch`."""

    def __init__(self, writer: IndexWriter, reopen: Callable[[], IndexWriter]) -> None:
        self._writer = writer
        self._reopen = reopen
        self._vocabulary: set[str] = set()

    def commit_and_continue(self) -> None:
        """Commit what was added so far and keep going with a fresh writer."""
        self._writer.commit()
        self._writer = self._reopen()

    def commit(self) -> None:
        self._writer.commit()

    def cancel(self) -> None:
        try:
            self._writer.cancel()
        except Exception:  # a writer a failed commit left half-closed: the first error is the one to tell
            log.exception("cancelling the index writer failed")

    def put(self, doc: Document, *, new: bool = False, words: Collection[str] | None = None) -> None:
        """Index `doc`; `new` promises it is not in the index yet, which saves a lookup per document.
        `words`: see `WriteBatch.put`."""
        if words is None:
            words = spelling.words_in(doc.title, doc.text)
        values: dict[str, Any] = {
            "id": doc.id,
            "title": doc.title,
            "body": doc.text,
            "source": doc.source,
            "outlet": doc.source,
            "author": doc.author,
            "url": doc.url,
            "language": language_key(doc.language),
            "type": label_key(doc.source_type),
            "tag": ",".join(label_key(t) for t in doc.tags),
            "spell": self._new_words(words),
        }
        if doc.published is not None:
            published = doc.published
            if published.tzinfo is not None:
                published = published.astimezone(UTC).replace(tzinfo=None)
            values["published"] = published  # Whoosh stores naive UTC
        values = {k: v for k, v in values.items() if v}
        if new:
            self._writer.add_document(**values)
        else:
            self._writer.update_document(**values)

    def _new_words(self, words: Collection[str]) -> list[str]:
        new = set(words) - self._vocabulary
        if len(self._vocabulary) > _VOCABULARY_LIMIT:
            self._vocabulary.clear()  # giving a word again is harmless
        self._vocabulary |= new
        return sorted(new)

    def delete(self, doc_id: str) -> None:
        self._writer.delete_by_term("id", doc_id)


_Result = TypeVar("_Result")


class _OpenSearcher:
    """Holds the current searcher so that a finalizer can close it without holding the index."""

    def __init__(self) -> None:
        self.searcher: Any = None

    def close(self) -> None:
        if self.searcher is not None:
            searcher, self.searcher = self.searcher, None
            searcher.close()


class SearchIndex:
    """The Whoosh index in `path`, or an in-memory one when `path` is None: the desktop's
    `SearchEngine` (see engine.py)."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        aliases: AliasTable | None = None,
        ranking: Ranking = DEFAULT_RANKING,
        texts: Callable[[list[str]], list[str]] | None = None,
    ) -> None:
        """`texts` gives the texts of documents by id, in order, for the ranking's feedback
        factor (the index keeps no text); without it, ranking has no feedback."""
        self.path = path
        self.aliases = aliases if aliases is not None else AliasTable.load(querylang.ALIASES)
        self.texts = texts
        self._lock = threading.RLock()
        # The open searcher (its readers hold the index's files open); a SearchIndex that is
        # dropped without close() still closes it when collected.
        self._open = _OpenSearcher()
        weakref.finalize(self, self._open.close)
        self._engine = Engine(stem=stem, ranking=ranking)
        self._parser: Any = None
        self._parsed: OrderedDict[str, Any] = OrderedDict()
        # Collapsing: each segment's local document number of clustered ids (segments never
        # change), and the last snapshot's document number -> cluster number.
        self._local_docnums: dict[str, dict[str, int | None]] = {}
        self._groups: tuple[Any, Mapping[str, str], dict[int, int]] | None = None
        self.rebuilt_reason = ""  # set when the index had to be recreated empty
        if path is None:
            self._ix = RamStorage().create_index(SCHEMA)
        else:
            self._ix = self._open_or_create(path)

    # -- opening ---------------------------------------------------------------
    def _open_or_create(self, path: Path) -> Any:
        # Retried across other processes' commits and checked for damage: see `_whoosh_open`.
        ix, self.rebuilt_reason = _whoosh_open.open_or_create(path, SCHEMA, SCHEMA_VERSION)
        return ix

    def close(self) -> None:
        with self._lock:
            self._drop_searcher()
            self._ix.close()

    # -- writing ---------------------------------------------------------------
    @contextmanager
    def batch(self, *, bulk: bool = False) -> Iterator[IndexBatch]:
        """Add and delete documents, committed together on success, discarded on error.

        `bulk` spreads indexing over two processes; worth it from a few
        thousand documents on.
        """

        def open_writer(start_now: bool = True) -> IndexWriter:
            try:
                if bulk and self.path is not None:
                    return OrphanSafeMpWriter(
                        self._ix,
                        procs=BULK_PROCS,
                        multisegment=True,
                        batchsize=256,
                        limitmb=LIMIT_MB,
                        compound=COMPOUND,
                        start_now=start_now,
                    )
                return RunsSegmentWriter(self._ix, limitmb=LIMIT_MB, timeout=5.0, compound=COMPOUND)
            except LockError as exc:
                raise IndexBusy("another Briefer process is writing to the search index") from exc

        # After a commit, the next writer's sub-writers start with its first document (see there).
        batch = IndexBatch(open_writer(), lambda: open_writer(start_now=False))
        try:
            yield batch
            batch.commit()
        except BaseException:
            batch.cancel()
            raise

    def reset(self) -> None:
        """Empty the index (before a rebuild from the catalog)."""
        with self._lock:
            self._drop_searcher()
            self._engine.forget()
            if self.path is None:
                self._ix = RamStorage().create_index(SCHEMA)
                return
            self._ix.close()
            self._ix = _whoosh_open.reset(self.path, SCHEMA, SCHEMA_VERSION)

    def optimize(self) -> None:
        self._ix.optimize(compound=COMPOUND)

    # -- reading ---------------------------------------------------------------
    def _current_searcher(self) -> Any:
        searcher = self._open.searcher
        if searcher is not None and not searcher.up_to_date():
            # Not `refresh()`: it crashes when the old reader was an empty index's.
            self._drop_searcher()
        if self._open.searcher is None:
            self._open.searcher = self._ix.searcher(weighting=scoring.BM25F())
        return self._open.searcher

    def _drop_searcher(self) -> None:
        self._open.close()

    def _snapshot_do(self, work: Callable[[Snapshot], _Result]) -> _Result:
        """Run `work` on the newest snapshot; a writer that merged segments away means a retry."""
        with self._lock:
            for attempt in range(3):
                try:
                    return work(self._engine.snapshot(self._current_searcher()))
                except (OSError, ReaderClosed):
                    if attempt == 2:
                        raise
                    log.info("the index changed under a search; reading it again")
                    self._drop_searcher()
                    self._engine.forget()
            raise AssertionError("unreachable")

    def doc_count(self) -> int:
        with self._lock:
            return int(self._current_searcher().doc_count())

    def size_bytes(self) -> int:
        if self.path is None:
            return 0
        return sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())

    def prepare(self, text: str, *, aliases: bool = True, now: datetime | None = None) -> PreparedQuery:
        """`text` checked and rewritten for the parser (dates, labels, aliases); raises QueryError."""
        today = (now or datetime.now(UTC)).date()
        return querylang.prepare(text, aliases=self.aliases if aliases else None, today=today)

    def parse(self, text: str) -> Any:
        """The Whoosh query for prepared `text` (see `prepare`), or QueryError with a plain explanation."""
        with self._lock:
            found = self._parsed.get(text)
            if found is not None:
                self._parsed.move_to_end(text)
                return found
            parser = self._parser
            if parser is None:
                parser = self._parser = qparser.QueryParser(None, SCHEMA, group=qparser.AndGroup)
                parser.add_plugin(qparser.MultifieldPlugin(list(SEARCH_FIELDS), group=_FieldsOrGroup))
                parser.add_plugin(qparser.FuzzyTermPlugin())
                parser.replace_plugin(qparser.OperatorsPlugin(ops=_OPERATORS, clean=True))
            try:
                parsed = parser.parse(text)
            except (IndexError, AssertionError) as exc:  # what Whoosh's parser makes of "NOT AND x"
                raise QueryError(
                    "cannot read the query: an operator (AND, OR, NOT, ANDNOT, ANDMAYBE, REQUIRE) "
                    "has no word on one of its sides"
                ) from exc
            except Exception as exc:  # Whoosh raises bare errors, e.g. for a range it cannot read
                raise QueryError(f"cannot read the query: {exc}") from exc
            error = getattr(parsed, "error", None) or next(
                (leaf.error for leaf in parsed.leaves() if getattr(leaf, "error", None)), None
            )
            if error:
                raise QueryError(str(error))
            if parsed is query.NullQuery or isinstance(parsed, type(query.NullQuery)):
                raise QueryError("the query has no words to search for")
            self._parsed[text] = parsed
            while len(self._parsed) > 256:
                self._parsed.popitem(last=False)
            return parsed

    def query_terms(self, text: str) -> MatchTerms:
        """What `text` matches, found by preparing, parsing and evaluating it over the whole index.

        Not part of `SearchEngine` and not used by the app: a search returns its
        `MatchTerms` with its hits.  Until issue #19 the reader asked for this on
        every opened result; the benchmark times that path against the new one.
        """
        parsed = self.parse(self.prepare(text).text)
        return self._snapshot_do(lambda snap: MatchTerms(frozenset(snap.evaluate(parsed).terms)))

    def search(
        self, request: SearchRequest | str, *, limit: int = 20, clusters: Mapping[str, str] | None = None
    ) -> IndexResults:
        """Evaluate a request (or a plain query): ranked hits, exact total, facets, suggestion.

        With `clusters` (document id -> cluster id, for documents that have
        copies) and `request.collapse`, each cluster gives one hit, its
        best-ranked matching member, and `stories` counts the matches so.
        """
        if isinstance(request, str):
            request = SearchRequest(request, limit=limit)
        prepared = self.prepare(request.query, aliases=request.aliases, now=request.now)
        parsed = self.parse(prepared.text)
        groups = (clusters or {}) if request.collapse else None
        return self._snapshot_do(lambda snap: self._search(snap, request, prepared, parsed, groups))

    def _search(
        self,
        snap: Snapshot,
        request: SearchRequest,
        prepared: PreparedQuery,
        parsed: Any,
        clusters: Mapping[str, str] | None = None,
    ) -> IndexResults:
        allowed = _filter_docs(snap, request.filters)
        evaluation = snap.evaluate(parsed)
        scores = restrict(evaluation.scores, allowed)
        first_pass = scores
        if request.sort == "relevance":
            reranked = self._rerank(snap, scores, evaluation)
        else:
            reranked = Reranked(scores, {})
        scores = reranked.scores
        terms = set(evaluation.terms)
        group_of = self._group_numbers(snap, clusters) if clusters else {}
        most: Scores = {}
        few = len(scores) < request.limit or _stories(scores, group_of, set()) < request.limit
        if request.relax and few:  # less than a page has all the words
            relaxed = snap.most_words(parsed, querylang.most_words_needed)
            if relaxed is not None:
                most = restrict(relaxed.scores, allowed)
                terms |= relaxed.terms
        every = {**most, **scores} if most else scores  # the tiers never share a document
        collapsing = group_of if clusters is not None else None
        page, stories = _tiered_page(snap, (scores, most), request, collapsing)
        ids = snap.doc_ids(d for d, _, _ in page)
        factors = {}
        if request.explain:
            factors = self._factors(snap, parsed, [d for d, _, _ in page], {**most, **first_pass}, reranked)
        return IndexResults(
            hits=[
                IndexHit(doc_id, score, tier, factors.get(docnum, ()))
                for doc_id, (docnum, score, tier) in zip(ids, page, strict=True)
            ],
            total=len(every),
            terms=MatchTerms(frozenset(terms)),
            facets=_first_values(snap.columns.facet_counts(every, FACETS), request.facet_values)
            if request.facets
            else None,
            relaxed=len(most),
            expansions=prepared.expansions,
            suggestion=spelling.suggest(
                snap, request.query, prepared.words, rare_too=len(scores) < spelling.FEW_RESULTS
            ),
            stories=None if stories is None else sum(stories),
            relaxed_stories=None if stories is None else stories[1],
        )

    @property
    def ranking(self) -> Ranking:
        return self._engine.ranking

    @ranking.setter
    def ranking(self, value: Ranking) -> None:
        self._engine.ranking = value

    def _rerank(self, snap: Snapshot, scores: dict[int, float], evaluation: Evaluation) -> Reranked:
        """The first pass's `scores` with the proximity and feedback bonuses (see ranking.py)."""
        words = {word for run in evaluation.terms for word in run}
        texts = self.texts
        feed = None if texts is None else lambda docnums: texts(snap.doc_ids(docnums))
        phrase_only = all(len(run) > 1 for run in evaluation.terms)
        return rerank(
            snap, scores, words, self.ranking, texts=feed, tokenize=term_counts, phrase_only=phrase_only
        )

    @staticmethod
    def _factors(
        snap: Snapshot,
        parsed: Any,
        hits: list[int],
        first_pass: dict[int, float],
        reranked: Reranked,
    ) -> dict[int, tuple[Factor, ...]]:
        """Each hit's score in its factors: its BM25 parts, then its bonuses."""
        parts = snap.breakdown(parsed, hits)
        out = {}
        for docnum in hits:
            base = [Factor("bm25", name, words, score) for name, words, score in parts.get(docnum, [])]
            rest = first_pass[docnum] - sum(f.score for f in base)
            if abs(rest) > 1e-9 * max(1.0, abs(first_pass[docnum])):  # a clause `breakdown` cannot split
                base.append(Factor("other", "", (), rest))
            out[docnum] = tuple(explain(base, reranked.bonuses.get(docnum, ())))
        return out

    def _group_numbers(self, snap: Snapshot, clusters: Mapping[str, str]) -> dict[int, int]:
        """Document number -> cluster number for the clustered documents in this snapshot."""
        cached = self._groups
        if cached is not None and cached[0] is snap and cached[1] is clusters:
            return cached[2]
        numbers: dict[str, int] = {}
        group_of: dict[int, int] = {}
        live = {leaf.segment.segment_id for leaf in snap.leaves}
        for gone in [s for s in self._local_docnums if s not in live]:
            del self._local_docnums[gone]
        for leaf in snap.leaves:
            local = self._local_docnums.setdefault(leaf.segment.segment_id, {})
            for doc_id, cluster in clusters.items():
                if doc_id not in local:
                    local[doc_id] = _local_docnum(leaf.reader, doc_id)
                docnum = local[doc_id]
                if docnum is not None and leaf.offset + docnum not in snap.deleted:
                    group_of[leaf.offset + docnum] = numbers.setdefault(cluster, len(numbers))
        self._groups = (snap, clusters, group_of)
        return group_of

    def more_like(
        self, text: str, *, exclude: Collection[str] = (), limit: int = 10, terms: int = 25
    ) -> IndexResults:
        """Documents about what `text` is about: its most telling words (Bo1, as Whoosh's
        `more_like` weighs them) searched with their weights; `exclude` ids are left out."""
        counts = term_counts(text)

        def find(snap: Snapshot) -> IndexResults:
            best, total, words = snap.more_like(counts, set(exclude), limit=limit, wanted=terms)
            ids = snap.doc_ids(d for d, _ in best)
            hits = [IndexHit(doc_id, score) for doc_id, (_, score) in zip(ids, best, strict=True)]
            return IndexResults(hits=hits, total=total, terms=MatchTerms(frozenset((w,) for w in words)))

        return self._snapshot_do(find)

    def words(self, prefix: str = "", *, limit: int = 100) -> list[str]:
        """The archive's words as written (lower case) that start with `prefix`, in order."""
        return self._snapshot_do(lambda snap: list(islice(snap.words_from(prefix.lower()), limit)))


def _stories(scores: Scores, group_of: Mapping[int, int], seen: set[int]) -> int:
    """How many stories `scores` holds: each cluster once, none already in `seen` (which gains
    the clusters counted)."""
    count = len(scores)
    for docnum, group in group_of.items():
        if docnum in scores:
            if group in seen:
                count -= 1
            else:
                seen.add(group)
    return count


def _tiered_page(
    snap: Snapshot, tiers: Sequence[Scores], request: SearchRequest, group_of: Mapping[int, int] | None
) -> tuple[list[tuple[int, float, Tier]], list[int] | None]:
    """The page of best hits (document number, score, tier): every hit of a tier before the next
    tier's, each tier in the order asked for.  With `group_of` (document number -> cluster
    number; collapsing), one document per cluster, the first in that order, and the number of
    stories in each tier (a cluster shown in a tier is none of a later one's)."""
    wanted = request.offset + request.limit
    page: list[tuple[int, float, Tier]] = []
    seen: set[int] = set()  # clusters counted in a tier so far
    shown: set[int] = set()  # clusters given a hit so far
    stories: list[int] = []
    for tier, scores in zip((Tier.ALL, Tier.MOST), tiers, strict=True):
        if group_of is None:
            page += [
                (d, s, tier) for d, s in snap.columns.top(scores, max(0, wanted - len(page)), request.sort)
            ]
            continue
        counted = _stories(scores, group_of, seen)
        stories.append(counted)
        extra = len(scores) - counted  # at most this many of the best are dropped as copies
        page += _one_per_story(snap, scores, request.sort, (wanted - len(page), extra), group_of, shown, tier)
    return page[request.offset :], stories if group_of is not None else None


def _one_per_story(
    snap: Snapshot,
    scores: Scores,
    sort: str,
    counts: tuple[int, int],
    group_of: Mapping[int, int],
    shown: set[int],
    tier: Tier,
) -> list[tuple[int, float, Tier]]:
    """The best `needed` hits of `scores`, `counts` = (needed, extra), one document per cluster:
    none of a cluster in `shown` (which gains the clusters given a hit here).  They are among
    the best `needed + extra` (`extra`: the copies, at most), ranked a few at a time, as a
    page rarely meets many copies: ranking all of them took 10-30 ms on a large archive.
    `top` ranks in one order, so each longer ranking starts with the shorter one."""
    needed, extra = counts
    found: list[tuple[int, float, Tier]] = []
    most = needed + extra
    done, ask = 0, min(most, 2 * needed + 10)
    while len(found) < needed:
        ranked = snap.columns.top(scores, ask, sort)
        for docnum, score in ranked[done:]:
            if len(found) == needed:
                break
            group = group_of.get(docnum)
            if group is not None:
                if group in shown:  # a copy of a story shown (a tier reached is the previous one's whole)
                    continue
                shown.add(group)
            found.append((docnum, score, tier))
        if len(ranked) < ask or ask >= most:
            break
        done, ask = len(ranked), min(most, 4 * ask)
    return found


def _local_docnum(reader: Any, doc_id: str) -> int | None:
    """The number of the document `doc_id` in one segment, or None when the segment lacks it."""
    try:
        return int(reader.postings("id", doc_id).id())
    except TermNotFound:
        return None


def _filter_docs(snap: Snapshot, filters: tuple[tuple[str, str], ...]) -> set[int] | None:
    """The documents every facet filter allows (values of one facet are alternatives); None: no filter."""
    if not filters:
        return None
    by_facet: dict[str, list[str]] = defaultdict(list)
    for facet, value in filters:
        if facet == "type" or facet == "tag":
            value = label_key(value)
        elif facet == "language":
            value = language_key(value)
        by_facet[facet].append(value)
    allowed: set[int] | None = None
    for facet, values in by_facet.items():
        found = snap.columns.facet_docs(facet, values)
        allowed = found if allowed is None else allowed & found
    return allowed


def _first_values(facets: dict[str, dict[str, int]], wanted: int | None) -> dict[str, FacetCounts]:
    return {facet: FacetCounts.first(counts, wanted) for facet, counts in facets.items()}


__all__ = [
    "IndexBatch",
    "IndexBusy",
    "IndexHit",
    "IndexResults",
    "QueryError",
    "QueryTooBroad",
    "Required",
    "SearchIndex",
]
