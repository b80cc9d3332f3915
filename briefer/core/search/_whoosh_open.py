"""Opening the index folder (private to `index.py`): checked for damage, safe against other processes.

Another Briefer process may commit while this one opens the index: Whoosh then
replaces the table of contents (TOC) atomically and deletes the old one and the
segments it merged away, so a file this process listed can be gone a moment
later.  Such a failure is a race, not damage: the open is tried again after a
short wait, and the index is only ever deleted (as damaged, outdated, or on
`reset`) while this process holds Whoosh's write lock.  With the lock held no
other process can be writing, so a failure that persists then is real damage.
Files are deleted one by one and the lock file is kept, so the lock stays the
one other processes wait on.

Damage is found when opening, cheaply: besides the marker and the TOC, every
segment is opened and the start and end of each of its files read (the terms
table; the postings file's length, which must be where the terms table says
its last list ends, and the tags that start its first and last lists; the
stored ids and every column of the first and last document).  That is a few
small reads per segment, whatever the index's size, and it catches truncated,
emptied and zeroed files (what a full disk or a crash leaves).  Corruption in
the middle of a file is not looked for: it would take reading the whole index.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, FileIndex
from whoosh.reading import SegmentReader

from briefer.core.search.errors import ForeignIndexFolder, IndexBusy

log = logging.getLogger(__name__)

MARKER = "briefer-index.json"
INDEX_NAME = "MAIN"  # Whoosh's default index name
LOCK_FILE = f"{INDEX_NAME}_WRITELOCK"  # what Whoosh's writers lock: FileIndex.lock("WRITELOCK")
OPEN_ATTEMPTS = 6
FIRST_WAIT = 0.05  # seconds before the second attempt, doubled each time: 1.55 s in all
_TERMS_LOOKED_AT = 1000  # from the end of a terms table, for the last list in the postings file
LOCK_TIMEOUT = 5.0  # `reset` waits this long for a writer, like `SearchIndex.batch`
OTHER_VERSION = "it is of another version"


class _ClosingStorage(FileStorage):
    """A FileStorage that remembers the files it opens until `forget`, so that a check that fails
    half-way (Whoosh leaves the files of a failed read open) can close them."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.opened: list[Any] | None = []

    def open_file(self, name: str, **kwargs: Any) -> Any:
        opened = super().open_file(name, **kwargs)
        if self.opened is not None:
            self.opened.append(opened)
        return opened

    def close_opened(self) -> None:
        for opened in self.opened or ():
            if not opened.is_closed:
                opened.close()
        self.opened = None

    def forget(self) -> None:
        self.opened = None


def open_or_create(path: Path, schema: Any, version: int) -> tuple[Any, str]:
    """The index in `path`, and "" — or a new empty one, and why the old one was dropped.

    Raises ForeignIndexFolder for a folder Briefer did not create, and IndexBusy when
    the index cannot be read while another process keeps writing to it.
    """
    path.mkdir(parents=True, exist_ok=True)
    wait = FIRST_WAIT
    problem = ""
    for attempt in range(OPEN_ATTEMPTS):
        if attempt:
            time.sleep(wait)
            wait *= 2
        found = _try_open(path, schema, version)
        if not isinstance(found, str | None):
            return found, ""
        problem = found or "it is being created"
        lock = FileStorage(str(path)).lock(LOCK_FILE)
        if not lock.acquire(blocking=False):
            log.info("%s: unreadable while another process writes to it (%s); trying again", path, problem)
            continue
        try:
            # Nobody writes now: what still fails is not another process's commit.
            found = _try_open(path, schema, version)
            if not isinstance(found, str | None):
                return found, ""
            reason = ""
            if found == OTHER_VERSION:
                reason = "the search index is of another version and is rebuilt"
            elif found:
                reason = f"the search index was damaged ({found}) and is rebuilt"
            if reason:
                log.warning("%s: %s", path, reason)
            return _recreate(path, schema, version), reason
        finally:
            lock.release()
    raise IndexBusy(
        f"the search index cannot be read while another Briefer process writes to it ({problem}); "
        "try again when it is done"
    )


def reset(path: Path, schema: Any, version: int) -> Any:
    """An empty index in `path` in place of what was there, once no other process writes to it."""
    path.mkdir(parents=True, exist_ok=True)
    lock = FileStorage(str(path)).lock(LOCK_FILE)
    deadline = time.monotonic() + LOCK_TIMEOUT
    while not lock.acquire(blocking=False):
        if time.monotonic() > deadline:
            raise IndexBusy("another Briefer process is writing to the search index")
        time.sleep(0.1)
    try:
        return _recreate(path, schema, version)
    finally:
        lock.release()


def _try_open(path: Path, schema: Any, version: int) -> Any:
    """The checked index; or why it cannot be used (OTHER_VERSION or what is damaged); or None when
    the folder is empty."""
    names = {entry.name for entry in path.iterdir()} - {LOCK_FILE}
    if not names:
        return None
    if MARKER not in names:
        raise ForeignIndexFolder(
            f"{path} holds files that Briefer did not create; refusing to open it as an index", folder=path
        )
    try:
        marker = json.loads((path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # ValueError: not UTF-8, not JSON
        return f"its marker file cannot be read: {exc}"
    if not isinstance(marker, dict) or marker.get("schema") != version:
        return OTHER_VERSION
    storage = _ClosingStorage(str(path))
    try:
        ix = FileIndex(storage, indexname=INDEX_NAME)
        _check(ix, schema)
    except EmptyIndexError:
        storage.close_opened()
        return "its table of contents is missing"
    except Exception as exc:  # anything Whoosh raises reading damaged files (EOFError, struct, zlib...)
        storage.close_opened()
        kind = type(exc).__name__
        if kind == "error":  # zlib.error, struct.error
            kind = f"{type(exc).__module__}.{kind}"
        return f"{kind}: {exc}"
    storage.forget()
    return ix


def _check(ix: Any, schema: Any) -> None:
    """Raise if a file of a segment of `ix` is visibly damaged (see the module's docstring)."""
    reader = ix.reader()  # opens each segment's terms table: its header and its directory at the end
    try:
        for leaf, _ in reader.leaf_readers():
            if isinstance(leaf, SegmentReader):
                _check_segment(leaf, schema)
    finally:
        reader.close()


def _check_segment(leaf: Any, schema: Any) -> None:
    segment = leaf.segment()
    last = segment.doc_count_all() - 1
    if last < 0:
        return
    _check_postings(leaf)
    for docnum in sorted({0, last}):
        leaf.stored_fields(docnum)
        for name, field in schema.items():
            if field.column_type is not None and leaf.has_column(name):
                leaf.column_reader(name, translate=False)[docnum]
            if field.scorable:
                leaf.doc_field_length(docnum, name)


def _check_postings(leaf: Any) -> None:
    """The postings file is as long as its terms table says, and its first and last lists start right.

    Posting lists are written in the order of the terms table (whose keys must increase), so the
    last term whose list is not inlined in the table ends where the file ends.
    """
    segment = leaf.segment()
    name = segment.make_filename(W3Codec.POSTS_EXT)
    storage = leaf.storage()
    size = storage.file_length(name)
    table = leaf._terms._tindex  # an OrderedHashReader: its index array holds each key's position
    last: tuple[int, int] | None = None
    for number in range(table.indexlen - 1, max(table.indexlen - 1 - _TERMS_LOOKED_AT, -1), -1):
        _, start, length = table.key_and_range_at(table._get_pos(table.indexbase + number * table.indexsize))
        info = W3TermInfo.from_bytes(table.dbfile.get(start, length))
        if not info.is_inlined():
            offset, length = info.extent()
            # W3TermInfo.from_bytes leaves the length in a 1-tuple (unpack_int(...) without [0]).
            last = offset, length[0] if isinstance(length, tuple) else length
            break
    if last is None:
        if size and table.indexlen <= _TERMS_LOOKED_AT:  # every list inlined: the file is empty
            raise ValueError(f"{name} holds {size} bytes, its terms table expects none")
        starts = [0] if size else []
    else:
        expected = last[0] + last[1]
        if size != expected:
            raise ValueError(f"{name} holds {size} bytes, its terms table expects {expected}")
        starts = sorted({0, last[0]})
    opened = storage.open_file(name)
    try:
        for start in starts:
            if opened.get(start, len(WHOOSH3_HEADER_MAGIC)) != WHOOSH3_HEADER_MAGIC:
                raise ValueError(f"{name} has no postings where its terms table expects them")
    finally:
        opened.close()


def _recreate(path: Path, schema: Any, version: int) -> Any:
    """An empty index in `path`; the caller holds the write lock, whose file is kept."""
    for entry in path.iterdir():
        if entry.name in (LOCK_FILE, MARKER):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    # The marker first: a folder with index files and no marker would look foreign to other processes
    # (one that reads it half-written takes the index for damaged, finds the lock taken and retries).
    (path / MARKER).write_text(json.dumps({"format": "briefer.index", "schema": version}), encoding="utf-8")
    return FileIndex.create(FileStorage(str(path)), schema, INDEX_NAME)
