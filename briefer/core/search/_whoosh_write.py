"""The search index's writers: a posting pool that spills marshalled runs, the segment writer that
uses it, and the multi-process writer of bulk imports, whose sub-writers are spawned, die with their
parent, and are watched (a dead one fails the batch instead of hanging it or losing its share).

Private to the search package: index.py is the only module that uses it.
"""

from __future__ import annotations

import marshal
import multiprocessing
import os
import pickle
import queue
import struct
import zlib
from array import array
from collections.abc import Iterator
from typing import Any

from whoosh.codec.base import OutOfOrderError
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3FieldWriter,
    W3PerDocReader,
    W3PostingsWriter,
)
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import PostingPool, SegmentWriter

from briefer.core.processes import die_with_parent, release_free_memory
from briefer.core.search.errors import IndexWriterDied

# Bulk imports use two sub-writer processes and keep their segments as they
# are: the final merge of a multiprocess writer is single-threaded and would
# give back what the second core won.
BULK_PROCS = 2
# Each writer's posting pool (by Whoosh's estimate; Python holds about 1.2 times as much) before it
# spills a sorted run to disk.  Runs are cheap since MarshalPool; a bulk import runs three
# processes, and at 16 MB the Reuters import's peak (all processes) went from 312 MB (24 MB)
# and 330 MB (32 MB) to 292 MB.
LIMIT_MB = 16
# Whoosh's default packs a segment into one compound file, which readers map whole and then
# copy sub-file by sub-file into memory: a 250 MB index made every searching process 500 MB.
# Plain files are read piece by piece, as the postings are needed.
COMPOUND = False


_SPAWN = multiprocessing.get_context("spawn")
_LIVENESS_POLL_S = 0.5  # how often a waiting parent checks that its sub-writers are alive
_CHUNK_SIZE = struct.Struct("<I")


class MarshalPool(PostingPool):
    """Whoosh's posting pool, holding postings grouped by term and writing its runs marshalled.

    A pool that outgrows `limitmb` writes a sorted run to a temporary file, and
    the runs are merged when the segment is written.  Whoosh keeps each posting
    as a tuple, sorts them all for every run (the tuples compared field by
    field) and pickles them one by one both ways: most of a sub-writer's time
    went there.  Documents come in document-number order, so a term's postings
    are in order as they arrive: here each term keeps a flat list of its
    postings, and only the terms are sorted.  A run is a sequence of
    (field name, term bytes, [document number, weight, value, ...]) groups,
    written a chunk at a time with marshal; `iter_postings` gives `TermGroups`,
    which the block field writer takes whole and anything else reads one
    posting at a time, as from Whoosh's pool.
    """

    # The merge holds one chunk of every run at once, and a writer makes a run per LIMIT_MB of
    # postings: at 4,096 postings a chunk the merge of a 50,000-document sub-writer's runs took
    # 45 MB more than the writing, growing with the archive.  Small chunks read as fast.
    CHUNK = 512  # postings, in whole terms

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._terms: dict[str, dict[bytes, list[Any]]] = {}  # field -> term -> flat postings

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Whoosh's `add` (every posting of a segment passes here) without its type checks: its
        estimate of the posting's size in memory, fixed overheads and all, in one sum."""
        fieldname, text, docnum, weight, value = item
        terms = self._terms.get(fieldname)
        if terms is None:
            terms = self._terms[fieldname] = {}
            self.fieldnames.add(fieldname)
        self.currentsize += 150 + len(fieldname) + 2 * len(text) + len(value or b"")
        if self.currentsize > self.limit:
            self.save()
            terms = self._terms[fieldname] = {}
        postings = terms.get(text)
        if postings is None:
            terms[text] = [docnum, weight, value]
        else:
            postings += (docnum, weight, value)

    def _groups(self) -> Iterator[tuple[str, bytes, list[Any]]]:
        """What the pool holds, in (field, term) order."""
        for fieldname in sorted(self._terms):
            terms = self._terms[fieldname]
            for text in sorted(terms):
                yield fieldname, text, terms[text]

    def save(self) -> None:
        if self._terms:
            path, f = self._new_run()
            self._write_run(f, self._groups())
            self._add_run(path)
            self._terms = {}
        self.currentsize = 0

    def items(self, maxfiles: int = 128) -> TermGroups:
        if not self.runs:
            return TermGroups(self._groups())
        return TermGroups(super().items(maxfiles))  # saves what it holds, merges the runs

    def iter_postings(self) -> TermGroups:
        return self.items()

    def _write_run(self, f: Any, groups: Any) -> None:
        chunk: list[Any] = []
        size = 0
        for group in groups:
            chunk.append(group)
            size += len(group[2])
            if size >= 3 * self.CHUNK:
                self._write_chunk(f, chunk)
                chunk, size = [], 0
        if chunk:
            self._write_chunk(f, chunk)
        f.close()

    @staticmethod
    def _write_chunk(f: Any, chunk: list[Any]) -> None:
        blob = marshal.dumps(chunk)
        f.write(_CHUNK_SIZE.pack(len(blob)))
        f.write(blob)

    def _read_run(self, path: str) -> Iterator[Any]:
        f = self._open_run(path)
        try:
            while True:
                head = f.read(_CHUNK_SIZE.size)
                if not head:
                    return
                # marshal.load on a file reads piece by piece; loads on the whole chunk is ~7x faster
                yield from marshal.loads(f.read(_CHUNK_SIZE.unpack(head)[0]))
        finally:
            f.close()
            self._remove_run(path)


class TermGroups:
    """A pool's postings in order, as (field name, term bytes, [document number, weight, value,
    ...]) groups; a term may come in several groups in a row (one from each run).  Iterated, the
    postings one at a time, as Whoosh's own pool gives them."""

    def __init__(self, groups: Iterator[tuple[str, bytes, list[Any]]]) -> None:
        self.groups = groups
        self._postings: Iterator[tuple[str, bytes, int, float, bytes | None]] | None = None

    def __iter__(self) -> TermGroups:
        return self

    def __next__(self) -> tuple[str, bytes, int, float, bytes | None]:
        if self._postings is None:
            self._postings = (
                (fieldname, text, flat[i], flat[i + 1], flat[i + 2])
                for fieldname, text, flat in self.groups
                for i in range(0, len(flat), 3)
            )
        return next(self._postings)


# A field length as Whoosh reads it back for a posting: none for a zero byte.
_LENGTH_OF_BYTE: list[int | None] = [None] + [byte_to_length(b) for b in range(1, 256)]


BLOCK_PICKLE_PROTOCOL = 5  # of a postings block's data (Whoosh's own writer: 2)


class BytesPostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer, pickling each block's data with protocol 5 instead of 2.

    Protocol 2 has no bytes type: every posting's value (its positions) is pickled as a call
    `codecs.encode(text, "latin-1")`, and unpickled as one.  Protocol 5 stores bytes as they
    are: on the 100,000 articles a frequent word's blocks are 47% smaller compressed, and
    decoding them (zlib, then unpickling) takes 40% of the time.  Whoosh reads any protocol
    (`pickle.loads`), so readers, older Briefers included, need nothing new.  Whoosh's
    `_write_block` with the one change, since the protocol is not a setting of it.
    """

    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = (self._mini_ids(), self._mini_weights(), self._mini_values())
        databytes = pickle.dumps(data, BLOCK_PICKLE_PROTOCOL)
        comp = self._compression  # Whoosh compresses every block, a short one too
        if comp:
            databytes = zlib.compress(databytes, comp)
        ids = self._ids
        infobytes = pickle.dumps(
            (
                len(ids),
                ids[-1],
                self._maxweight,
                comp,
                length_to_byte(self._minlength),
                length_to_byte(self._maxlength),
            ),
            2,
        )
        blocklength = len(infobytes) + len(databytes)
        self._postfile.write_int(-blocklength if last else blocklength)
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


class BlockFieldWriter(W3FieldWriter):
    """Whoosh's W3 field writer, writing the same bytes with less Python work per posting (and
    its postings writer made a `BytesPostingsWriter`, whichever way postings come).

    Writing a segment walks every posting once: Whoosh reads each one's field length back from
    the length column (a seek and a read per posting) and checks and appends it in several calls;
    that was half of a sub-writer's time.  Here a field's lengths are read whole, a term's
    postings are gathered in lists, and each block of them is handed to Whoosh's postings writer
    whole, with the statistics its own `add_posting` would have kept (a test compares the files).
    """

    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        super().start_field(fieldname, fieldobj)
        if type(self._postwriter) is W3PostingsWriter:  # the same object, its blocks pickled faster
            self._postwriter.__class__ = BytesPostingsWriter

    def add_postings(self, schema: Any, lengths: Any, items: Any) -> None:
        if not isinstance(items, TermGroups) or (
            lengths is not None and not isinstance(lengths, W3PerDocReader)  # lengths it cannot read whole
        ):
            super().add_postings(schema, lengths, items)  # TermGroups read one posting at a time
            return
        field = term = None
        table, count = b"", 0  # the field's length bytes, by document number
        ids: list[int] = []
        weights: list[float] = []
        values: list[bytes] = []
        for fieldname, btext, flat in items.groups:
            if fieldname != field:
                if field is not None and fieldname < field:
                    raise OutOfOrderError(f"Field {field!r} .. {fieldname!r}")
                if term is not None:
                    self._write_term(ids, weights, values, table, count)
                    ids, weights, values = [], [], []
                if field is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                field, term = fieldname, None
                table = _length_bytes(lengths, fieldname)
                count = len(table)
            flat = _without_markers(flat)
            if not flat:
                continue
            if btext != term:
                if term is not None:
                    if btext < term:
                        raise OutOfOrderError(f"Term {field}:{term!r} .. {field}:{btext!r}")
                    self._write_term(ids, weights, values, table, count)
                    ids, weights, values = [], [], []
                self.start_term(btext)
                term = btext
            ids += flat[0::3]
            weights += flat[1::3]
            term_values = flat[2::3]
            values += [v or b"" for v in term_values] if None in term_values else term_values
        if term is not None:
            self._write_term(ids, weights, values, table, count)
        if field is not None:
            self.finish_field()

    def _write_term(
        self, ids: list[int], weights: list[float], values: list[bytes], table: bytes, count: int
    ) -> None:
        """The postings of the current term, a block at a time, then its terminfo row."""
        writer: W3PostingsWriter = self._postwriter
        limit = writer._blocklimit
        for start in range(0, len(ids), limit):
            if start:  # the block before is full and more come: Whoosh writes it now
                writer._write_block()
            block = ids[start : start + limit]
            writer._ids = array("I", block)
            block_weights = weights[start : start + limit]
            writer._weights = array("f", block_weights)
            heaviest = max(block_weights)
            writer._maxweight = heaviest if heaviest > 0 else 0
            writer._values = [v for v in values[start : start + limit] if v]
            known = [n for n in (_LENGTH_OF_BYTE[table[d]] if d < count else None for d in block) if n]
            writer._minlength = min(known) if known else None
            writer._maxlength = max(known) if known else 0
        self.finish_term()


class CompactTermsWriter(OrderedHashWriter):
    """Whoosh's writer of a segment's terms table, keeping where each term went in arrays.

    Whoosh remembers each key's hash and file position as a tuple of two ints in
    one of 256 lists (about 128 bytes a term) until it writes the hash tables at
    the end: the 180,000 terms of a 50,000-article segment were 23 MB of a
    sub-writer's peak.  Here each list is an array of 8-byte pairs, and the
    tables are written slot for slot as Whoosh writes them.
    """

    @classmethod
    def adopt(cls, writer: OrderedHashWriter) -> None:
        """Make a new, still empty, writer of Whoosh's one of these."""
        if type(writer) is OrderedHashWriter and not any(writer.buckets):
            writer.__class__ = cls
            writer.buckets = [array("Q") for _ in range(256)]

    def add(self, key: bytes, value: bytes) -> None:
        # OrderedHashWriter.add and HashWriter.add in one.
        last: bytes = self.lastkey  # type: ignore[has-type]
        if key <= last:
            raise ValueError(f"Keys must increase: {last!r}..{key!r}")
        dbfile = self.dbfile
        position = dbfile.tell()
        self.index.append(position)
        dbfile.write(_KEY_VALUE_LENGTHS.pack(len(key), len(value)))
        dbfile.write(key)
        dbfile.write(value)
        hashed = self.hashfn(key)
        bucket = self.buckets[hashed & 255]
        bucket.append(hashed)
        bucket.append(position)
        self.lastkey = key

    def _write_hashes(self) -> None:
        # HashWriter._write_hashes: each bucket's open-addressing table, twice as many slots as keys.
        dbfile = self.dbfile
        for entries in self.buckets:
            slots = len(entries)  # two per key
            self.directory.append((dbfile.tell(), slots))
            table = array("Q", bytes(8 * 2 * slots))  # hash, position per slot; (0, 0) is empty
            for at in range(0, slots, 2):
                hashed = entries[at]
                slot = (hashed >> 8) % slots
                while table[2 * slot] or table[2 * slot + 1]:
                    slot = (slot + 1) % slots
                table[2 * slot] = hashed
                table[2 * slot + 1] = entries[at + 1]
            dbfile.write(b"".join(_SLOT.pack(table[i], table[i + 1]) for i in range(0, len(table), 2)))


_KEY_VALUE_LENGTHS = struct.Struct("!ii")  # whoosh.filedb.filetables' formats
_SLOT = struct.Struct("!Iq")


def _without_markers(flat: list[Any]) -> list[Any]:
    """A term's flat postings without Whoosh's markers of spelling words (document number -1)."""
    if -1 not in flat[0::3]:
        return flat
    return [x for i in range(0, len(flat), 3) if flat[i] != -1 for x in flat[i : i + 3]]


def _length_bytes(lengths: Any, fieldname: str) -> bytes:
    """The length column of `fieldname` (a byte per document, the documents after its end have
    none), read whole; empty when the segment keeps none (or no lengths at all)."""
    if lengths is None:
        return b""
    reader = lengths._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    if reader is None:
        return b""
    return bytes(reader._dbfile.get(reader._basepos, reader._count))


class RunsSegmentWriter(SegmentWriter):
    """Whoosh's segment writer with the marshalling pool and the block field writer: every writer
    of ours, sub-writers too."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self.pool = MarshalPool(self._tempstorage, self.newsegment, limitmb=kwargs.get("limitmb", 128))
        if type(self.fieldwriter) is W3FieldWriter:  # the same object and files, a faster method
            self.fieldwriter.__class__ = BlockFieldWriter
            CompactTermsWriter.adopt(self.fieldwriter._tindex)


class OrphanSafeTask(SubWriterTask):
    """Whoosh's sub-writer, started with "spawn" and tied to its parent.

    Forked, each sub-writer would carry a copy-on-write image of everything the
    importing process had loaded (the CLI, parsers, numpy: 60-100 MB counted in
    each process's resident memory); a spawned one loads Whoosh and this module.
    Whoosh's own sub-writer also outlives a killed parent and keeps its lock.
    """

    @staticmethod
    def _Popen(process_obj: Any) -> Any:  # multiprocessing's name
        return _SPAWN.Process._Popen(process_obj)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.parent_pid = os.getpid()  # read here: a spawned process may start after its parent died

    def run(self) -> None:
        die_with_parent()
        if os.getppid() != self.parent_pid:  # the parent died before prctl took effect
            os._exit(1)
        # Whoosh's SubWriterTask.run for a multisegment writer, with our segment writer.
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = RunsSegmentWriter(ix, _lk=False, **self.kwargs)
        while True:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
            release_free_memory()  # the job's documents
        segment = writer._finalize_segment()
        self.resultqueue.put((None, writer.pool.fieldnames, segment), timeout=5)


class OrphanSafeMpWriter(MpWriter):
    """Whoosh's multi-process writer with our sub-writers, started when documents come.

    `start_now` starts them at once, so that they load while an import reads its first files;
    otherwise (the writer that follows a commit) the first document starts them: started for a
    batch that then ended without a document, they were never told to finish, started after the
    parent had let go of their queue (FileNotFoundError tracebacks), and once held the exit up.
    """

    def __init__(self, *args: Any, start_now: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert self.multisegment, "sub-writers keep their segments (see OrphanSafeTask.run)"
        # Queues that spawned processes can share.
        self.jobqueue = _SPAWN.Queue(self.procs * 4)
        self.resultqueue = _SPAWN.Queue()
        if start_now:
            self._start_tasks()

    def _start_tasks(self) -> None:
        while len(self.tasks) < self.procs:
            self._new_task()

    def add_document(self, **fields: Any) -> None:
        if not self.tasks:
            self._start_tasks()
        super().add_document(**fields)

    def commit(self, mergetype: Any = None, optimize: Any = None, merge: Any = None) -> None:
        if not self._added_sub:  # Whoosh then commits alone: sub-writers given nothing must not wait
            self._stop_tasks()
        super().commit(mergetype=mergetype, optimize=optimize, merge=merge)

    def _new_task(self) -> Any:
        task = OrphanSafeTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment
        )
        self.tasks.append(task)
        task.start()
        return task

    # Whoosh's parent puts jobs with a blocking put and, at commit, takes each sub-writer's segment
    # with a one-second wait that skips a missing one: a sub-writer that dies makes the parent hang
    # on a full queue, or commit without that sub-writer's documents.  Ours check the sub-writers.
    def _enqueue(self) -> None:
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as f:
            for item in self.docbuffer:
                pickle.dump(item, f, 2)
        self._put_job((filename, len(self.docbuffer)))
        self.docbuffer: list[Any] = []

    def _put_job(self, job: Any) -> None:
        while True:
            self._raise_if_a_writer_died()
            try:
                self.jobqueue.put(job, timeout=_LIVENESS_POLL_S)
                return
            except queue.Full:
                continue

    def _raise_if_a_writer_died(self) -> None:
        for task in self.tasks:
            if task.exitcode not in (None, 0):  # 0: it was told to finish, and did
                raise IndexWriterDied(task.exitcode)

    def _commit(self, mergetype: Any, optimize: Any, merge: Any) -> None:
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self._put_job(None)
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        finalsegments += [segment for _, _, segment in self._sub_results()]
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()

    def _sub_results(self) -> list[Any]:
        """Each sub-writer's (run, field names, segment), or IndexWriterDied if one never sent it."""
        results: list[Any] = []
        while len(results) < len(self.tasks):
            try:
                results.append(self.resultqueue.get(timeout=_LIVENESS_POLL_S))
            except queue.Empty:
                # A finished sub-writer has put its result before it exits: check once more.
                dead = [t for t in self.tasks if t.exitcode not in (None, 0)]
                if dead and self.resultqueue.empty():
                    raise IndexWriterDied(dead[0].exitcode) from None
        for task in self.tasks:
            task.join()
        return results

    def cancel(self) -> None:
        # Whoosh's cancel only flags its own copy of each task: they would wait for jobs forever.
        try:
            self._stop_tasks()
        finally:
            super().cancel()

    def _stop_tasks(self) -> None:
        """End the sub-writers without their work (they hold no lock and have committed nothing)."""
        for task in self.tasks:
            task.kill()
        for task in self.tasks:
            task.join(timeout=5)
        self.tasks: list[OrphanSafeTask] = []
