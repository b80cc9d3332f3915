"""The full-text index, backed by Whoosh: the only module that imports it.

The index is a cache derived from the catalog: it holds the searchable fields
and each document's id, nothing else of value.  It is rebuilt from the catalog
whenever it is missing, of an older schema, or damaged.  An index directory
without our marker file is never opened: Whoosh unpickles its files, so only
an index that Briefer created may be read.
"""

from __future__ import annotations

import ctypes
import functools
import json
import logging
import os
import re
import shutil
import signal
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import fields, index, qparser, query, scoring
from whoosh.analysis import STOP_WORDS, RegexTokenizer, StemmingAnalyzer
from whoosh.analysis.filters import LowercaseFilter
from whoosh.filedb.filestore import RamStorage
from whoosh.lang import porter
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import IndexWriter, LockError

from briefer.core.documents import Document

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
MARKER = "briefer-index.json"
SEARCH_FIELDS = ("title", "body")

_STEMMING = StemmingAnalyzer()
_NAMES = RegexTokenizer() | LowercaseFilter()  # outlets and authors: no stemming, no stop words
# whoosh.analysis.tokenizers.default_pattern, with its group made non-capturing for findall.
_WORD = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")
_stem = functools.lru_cache(maxsize=200_000)(porter.stem)


class _StemmedText(fields.TEXT):
    """A TEXT field with the StemmingAnalyzer, indexed about four times faster.

    Whoosh runs every word through a chain of generator filters with a Token
    object; indexing is most of an import's time.  This computes the same
    postings (stop words and one-letter words dropped, positions renumbered the
    way StopFilter does, Porter stems) with one regex pass; a test proves the
    postings equal Whoosh's own.  Queries still use Whoosh's analyzer.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(analyzer=_STEMMING, **kwargs)

    def index(self, value: Any, **kwargs: Any) -> Any:
        if kwargs or not isinstance(value, str):
            return super().index(value, **kwargs)
        positions: dict[str, list[int]] = defaultdict(list)
        pos = -1
        first = True
        for raw_pos, word in enumerate(_WORD.findall(value)):
            word = word.lower()
            if len(word) < 2 or word in STOP_WORDS:
                continue
            # StopFilter keeps the first kept word's raw position, then counts on.
            pos = raw_pos if first else pos + 1
            first = False
            positions[_stem(word)].append(pos)
        boost = self.format.field_boost
        encode = self.format.encode
        return [(w.encode("utf-8"), len(p), len(p) * boost, encode(p)) for w, p in positions.items()]


SCHEMA = fields.Schema(
    id=fields.ID(stored=True, unique=True),
    title=_StemmedText(field_boost=2.0),
    # Not stored: snippets and passages are cut from the catalog's normalized
    # text, whose offsets are the ones excerpts cite.
    body=_StemmedText(),
    source=fields.TEXT(analyzer=_NAMES),
    author=fields.TEXT(analyzer=_NAMES),
    published=fields.DATETIME(stored=True, sortable=True),
    url=fields.ID(),
    language=fields.ID(),
    type=fields.ID(),  # source type: government, wire service, ...
    tag=fields.KEYWORD(lowercase=True, commas=True),
)

# Bulk imports use two sub-writer processes and keep their segments as they
# are: the final merge of a multiprocess writer is single-threaded and would
# give back what the second core won.
BULK_PROCS = 2
LIMIT_MB = 32


class QueryError(ValueError):
    """The query cannot be understood; the message says why, in the user's terms."""


class IndexBusy(RuntimeError):
    """Another writer holds the index."""


@dataclass(frozen=True)
class IndexHit:
    doc_id: str
    score: float


@dataclass(frozen=True)
class IndexResults:
    hits: list[IndexHit]
    total: int
    terms: frozenset[str]  # the analyzed query terms, for highlighting


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (a killed import)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        log.warning("cannot tie index workers to their parent process")


class _OrphanSafeTask(SubWriterTask):
    """Whoosh's sub-writer, which otherwise outlives a killed parent and keeps its lock."""

    def run(self) -> None:
        parent = os.getppid()
        _die_with_parent()
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)
        super().run()


class _OrphanSafeMpWriter(MpWriter):
    def _new_task(self) -> Any:
        task = _OrphanSafeTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment
        )
        self.tasks.append(task)
        task.start()
        return task


class IndexBatch:
    """Documents added or deleted together; see `SearchIndex.batch`."""

    def __init__(self, writer: IndexWriter, reopen: Callable[[], IndexWriter]) -> None:
        self._writer = writer
        self._reopen = reopen

    def commit_and_continue(self) -> None:
        """Commit what was added so far and keep going with a fresh writer."""
        self._writer.commit()
        self._writer = self._reopen()

    def commit(self) -> None:
        self._writer.commit()

    def cancel(self) -> None:
        self._writer.cancel()

    def put(self, doc: Document, *, new: bool = False) -> None:
        """Index `doc`; `new` promises it is not in the index yet, which saves a lookup per document."""
        values: dict[str, Any] = {
            "id": doc.id,
            "title": doc.title,
            "body": doc.text,
            "source": doc.source,
            "author": doc.author,
            "url": doc.url,
            "language": doc.language,
            "type": doc.source_type,
            "tag": ",".join(doc.tags),
        }
        if doc.published is not None:
            values["published"] = doc.published.replace(tzinfo=None)  # Whoosh stores naive UTC
        values = {k: v for k, v in values.items() if v != ""}
        if new:
            self._writer.add_document(**values)
        else:
            self._writer.update_document(**values)

    def delete(self, doc_id: str) -> None:
        self._writer.delete_by_term("id", doc_id)


class SearchIndex:
    """The Whoosh index in `path`, or an in-memory one when `path` is None."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._searcher: Any = None
        self.rebuilt_reason = ""  # set when the index had to be recreated empty
        if path is None:
            self._ix = RamStorage().create_index(SCHEMA)
        else:
            self._ix = self._open_or_create(path)

    # -- opening ---------------------------------------------------------------
    def _open_or_create(self, path: Path) -> Any:
        marker = path / MARKER
        if path.is_dir() and any(path.iterdir()):
            if not marker.is_file():
                raise RuntimeError(
                    f"{path} holds files that Briefer did not create; refusing to open it as an index"
                )
            version = json.loads(marker.read_text(encoding="utf-8")).get("schema")
            if version == SCHEMA_VERSION and index.exists_in(str(path)):
                try:
                    ix = index.open_dir(str(path))
                    ix.doc_count()
                    return ix
                except Exception as exc:  # any damage: the catalog can rebuild it
                    self.rebuilt_reason = f"the search index was damaged ({exc}) and is rebuilt"
            else:
                self.rebuilt_reason = "the search index is of another version and is rebuilt"
            log.warning("%s: %s", path, self.rebuilt_reason)
            shutil.rmtree(path)
        path.mkdir(parents=True, exist_ok=True)
        ix = index.create_in(str(path), SCHEMA)
        marker.write_text(json.dumps({"format": "briefer.index", "schema": SCHEMA_VERSION}), encoding="utf-8")
        return ix

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            self._ix.close()

    # -- writing ---------------------------------------------------------------
    @contextmanager
    def batch(self, *, bulk: bool = False) -> Iterator[IndexBatch]:
        """Add and delete documents, committed together on success, discarded on error.

        `bulk` spreads indexing over two processes; worth it from a few
        thousand documents on.
        """

        def open_writer() -> IndexWriter:
            try:
                if bulk and self.path is not None:
                    return _OrphanSafeMpWriter(
                        self._ix, procs=BULK_PROCS, multisegment=True, limitmb=LIMIT_MB, batchsize=256
                    )
                return self._ix.writer(limitmb=LIMIT_MB, timeout=5.0)
            except LockError as exc:
                raise IndexBusy("another Briefer process is writing to the search index") from exc

        batch = IndexBatch(open_writer(), open_writer)
        try:
            yield batch
        except BaseException:
            batch.cancel()
            raise
        batch.commit()

    def reset(self) -> None:
        """Empty the index (before a rebuild from the catalog)."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            if self.path is None:
                self._ix = RamStorage().create_index(SCHEMA)
                return
            self._ix.close()
            shutil.rmtree(self.path, ignore_errors=True)
            self._ix = self._open_or_create(self.path)

    def optimize(self) -> None:
        self._ix.optimize()

    # -- reading ---------------------------------------------------------------
    def _current_searcher(self) -> Any:
        if self._searcher is not None and not self._searcher.up_to_date():
            # Not `refresh()`: it crashes when the old reader was an empty index's.
            self._searcher.close()
            self._searcher = None
        if self._searcher is None:
            self._searcher = self._ix.searcher(weighting=scoring.BM25F())
        return self._searcher

    def doc_count(self) -> int:
        with self._lock:
            return int(self._current_searcher().doc_count())

    def size_bytes(self) -> int:
        if self.path is None:
            return 0
        return sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())

    def parse(self, text: str) -> Any:
        """The Whoosh query for `text`, or QueryError with a plain explanation."""
        problem = _syntax_problem(text)
        if problem:
            raise QueryError(problem)
        parser = qparser.MultifieldParser(list(SEARCH_FIELDS), schema=SCHEMA)
        parser.add_plugin(qparser.GtLtPlugin())
        try:
            parsed = parser.parse(text)
        except Exception as exc:  # Whoosh raises bare ValueErrors, e.g. for a bad date
            raise QueryError(f"cannot read the query: {exc}") from exc
        if parsed is query.NullQuery:
            raise QueryError("the query has no words to search for")
        return parsed

    def query_terms(self, text: str) -> frozenset[str]:
        """The analyzed words of a query, wildcards expanded, as `match_spans` wants them."""
        parsed = self.parse(text)
        with self._lock:
            return self._terms(parsed, self._current_searcher())

    @staticmethod
    def _terms(parsed: Any, searcher: Any) -> frozenset[str]:
        # Not `Query.existing_terms`: its loop variable shadows its `fieldname`
        # argument, so it drops the body terms of a multi-field query.
        reader = searcher.reader()
        found = set()
        for leaf in parsed.leaves():
            if leaf.field() not in SEARCH_FIELDS:
                continue
            for _field, term in leaf.expanded_terms(reader, phrases=True):
                found.add(term.decode("utf-8") if isinstance(term, bytes) else str(term))
        return frozenset(found)

    def search(self, text: str, *, limit: int = 20) -> IndexResults:
        parsed = self.parse(text)
        with self._lock:
            searcher = self._current_searcher()
            results = searcher.search(parsed, limit=limit)
            hits = [IndexHit(hit["id"], float(hit.score or 0.0)) for hit in results]
            terms = self._terms(parsed, searcher)
            # Counting every match is slow (`len(results)`); Whoosh's estimate can
            # overshoot, but never when the page was not filled.
            total = len(hits) if len(hits) < limit else max(len(hits), results.estimated_length())
            return IndexResults(hits=hits, total=total, terms=terms)


def _syntax_problem(text: str) -> str:
    """What is wrong with the query's brackets and quotes, in words; '' when nothing."""
    if not text.strip():
        return "the query is empty"
    if text.count('"') % 2:
        return 'a quotation mark is not closed: add the missing " to end the phrase'
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return "a closing parenthesis ')' has no opening '('"
    if depth:
        return "a parenthesis '(' is not closed"
    if text.count("[") != text.count("]"):
        return "a date range needs both brackets, e.g. published:[2023-09-01 to 2023-09-30]"
    return _field_problem(text)


_FIELD_USE = re.compile(r"(?<![\w/.])([A-Za-z_]\w*):(?!//)(\[[^\]]*\]|\"[^\"]*\"|[<>]=?\S+|\S*)")
_DATE = re.compile(r"\d{4}(-?\d{2}(-?\d{2}([T ]?\d{2}(:?\d{2}(:?\d{2})?)?)?)?)?$")
DATE_HELP = "use 2023, 2023-09, 2023-09-13, published:>2023-09-01 or published:[2023-09-01 to 2023-09-30]"


def _field_problem(text: str) -> str:
    """Whoosh silently drops a clause with an unknown field or an unreadable date: say so."""
    for match in _FIELD_USE.finditer(text):
        name, value = match.group(1), match.group(2)
        if name not in SCHEMA.names():
            known = ", ".join(n for n in SCHEMA.names() if n not in {"id", "path", "body"})
            return f"there is no field '{name}'; fields are {known}"
        if name == "published":
            dates = [d for d in re.split(r"\s*\bto\b\s*", value.strip("[]<>=").strip()) if d]
            bad = next((d for d in dates if not _is_date(d)), None)
            if bad is not None or not dates:
                return f"cannot read the date '{bad or value}' in published:{value}; {DATE_HELP}"
    return ""


def _is_date(value: str) -> bool:
    """A date Whoosh's DATETIME field reads, with a real month and day."""
    if not _DATE.match(value):
        return False
    digits = value.replace("-", "")
    month = int(digits[4:6] or 1)
    day = int(digits[6:8] or 1)
    return 1 <= month <= 12 and 1 <= day <= 31


def match_spans(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """Where the analyzed `terms` occur in `text`, as (start, end) character spans.

    Running the analyzer over a whole long document for every hit costs
    milliseconds; instead a regex finds the words that could stem to a term
    (a stem minus its last letter is a prefix of its words) and only those
    are analyzed.
    """
    if not terms:
        return []
    return [
        match.span()
        for match in _candidate_words(terms).finditer(text)
        if not _word_stems(match.group().lower()).isdisjoint(terms)
    ]


@functools.lru_cache(maxsize=256)
def _candidate_words(terms: frozenset[str]) -> re.Pattern[str]:
    prefixes = sorted({t[: max(1, len(t) - 1)] for t in terms}, key=len, reverse=True)
    alternatives = "|".join(re.escape(p) for p in prefixes)
    return re.compile(rf"(?<!\w)(?:{alternatives})\w*(?:\.\w+)*", re.IGNORECASE)


@functools.lru_cache(maxsize=65536)
def _word_stems(word: str) -> frozenset[str]:
    return frozenset(token.text for token in _STEMMING(word, mode="index"))


__all__ = ["IndexBatch", "IndexBusy", "IndexHit", "IndexResults", "QueryError", "SearchIndex", "match_spans"]
