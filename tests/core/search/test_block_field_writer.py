"""The index's segment files are byte for byte those Whoosh's own field writer makes with the same
postings writer, and hold what its own posting pool gives: the faster pooling (`MarshalPool`,
postings grouped by term), writing of postings (`BlockFieldWriter`) and of the terms table
(`CompactTermsWriter`) change no search result, score or file.  Blocks pickled with protocol 5
(`BytesPostingsWriter`) hold what Whoosh's protocol 2 blocks hold, for Whoosh and for us."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime
from pathlib import Path

import pytest
from whoosh.codec.whoosh3 import W3FieldWriter
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import PostingPool

from briefer.core.documents import Document
from briefer.core.search import _whoosh_write
from briefer.core.search.index import SCHEMA, IndexBatch

WORDS = ["convoy", "artillery", "shells", "Moskva", "naïve", "Straße", "中华人民", "oil", "x", "café"]


def odd_documents() -> list[Document]:
    """Terms in every document (many postings blocks), in a few, in one; a long text (large
    lengths), empty titles, missing fields, tags and dates."""
    rng = random.Random(24)
    docs = []
    for n in range(700):
        words = [rng.choice(WORDS) for _ in range(rng.choice([1, 5, 40, 300]))]
        if n == 7:
            words = words * 200  # a long text: lengths past what a byte tells exactly
        docs.append(
            Document(
                id=f"d{n}",
                title="" if n % 5 == 0 else f"Report {n} {rng.choice(WORDS)}",
                text=f"marker{n} common " + " ".join(words),
                text_hash="",
                source="" if n % 3 else "Reuters",
                author=f"Author {n % 11}" if n % 2 else "",
                url=f"https://example.org/{n}" if n % 4 else "",
                published=datetime(1990 + n % 30, 1 + n % 12, 1) if n % 6 else None,
                tags=("sanctions",) if n % 9 == 0 else (),
            )
        )
    return docs


def segment_files(folder: Path, docs: list[Document], pool_bytes: int = 2**20) -> dict[str, str]:
    """Index `docs` in one segment written by our segment writer; its files' digests by kind (the
    segment's name is random)."""
    folder.mkdir()
    ix = FileStorage(str(folder)).create_index(SCHEMA)
    writer = _whoosh_write.RunsSegmentWriter(ix, limitmb=1, compound=False)
    # A small pool spills sorted runs that the segment's writing merges (past 128, in two steps).
    writer.pool.limit = pool_bytes
    batch = IndexBatch(writer, lambda: writer)
    for doc in docs:
        batch.put(doc, new=True)
    writer.commit()
    return {
        f.name.split(".", 1)[1]: hashlib.sha256(f.read_bytes()).hexdigest()
        for f in folder.iterdir()
        if f.name.startswith("MAIN_") and "." in f.name
    }


@pytest.mark.parametrize("pool_bytes", [2**20, 12_000], ids=["a few runs", "hundreds of runs"])
def test_segments_are_written_byte_for_byte_as_whoosh_writes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pool_bytes: int
) -> None:
    docs = odd_documents()
    ours = segment_files(tmp_path / "ours", docs, pool_bytes)
    with monkeypatch.context() as patch:
        patch.setattr(_whoosh_write.BlockFieldWriter, "add_postings", W3FieldWriter.add_postings)
        patch.setattr(_whoosh_write.CompactTermsWriter, "adopt", lambda writer: None)
        whoosh = segment_files(tmp_path / "whoosh", docs, pool_bytes)
    assert {"trm", "pst", "_body_len.col"} <= ours.keys()
    assert ours == whoosh


def index_contents(folder: Path) -> list[tuple[object, ...]]:
    """Every term of the index with its statistics and every posting (document, weight, value)."""
    ix = FileStorage(str(folder)).open_index()
    with ix.reader() as reader:
        contents: list[tuple[object, ...]] = []
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            stats = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length())
            postings = reader.postings(fieldname, text)
            weights = []
            while postings.is_active():
                weights.append((postings.id(), postings.weight(), postings.value()))
                postings.next()
            contents.append((fieldname, text, stats, info.max_weight(), weights))
    return contents


def test_the_pool_that_groups_postings_by_term_indexes_what_whoosh_pool_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoosh's own pool and field writer against ours, with hundreds of runs merged in two steps.
    (Not byte for byte: Whoosh pickles each block of postings, and a value object that two postings
    share after a run's marshalling is pickled once.)"""
    docs = odd_documents()
    segment_files(tmp_path / "ours", docs, 12_000)
    with monkeypatch.context() as patch:
        patch.setattr(_whoosh_write, "MarshalPool", PostingPool)
        patch.setattr(_whoosh_write.BlockFieldWriter, "add_postings", W3FieldWriter.add_postings)
        segment_files(tmp_path / "whoosh", docs, 12_000)
    ours = index_contents(tmp_path / "ours")
    assert len(ours) > 1000
    assert ours == index_contents(tmp_path / "whoosh")


def test_blocks_pickled_with_protocol_5_hold_what_whoosh_s_own_blocks_hold_and_both_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoosh reads our blocks as its own (an older Briefer too: it reads through Whoosh when its
    fast path does not know them), our fast reader reads both kinds alike (an index written
    before this change), and ours are smaller."""
    from whoosh.codec.whoosh3 import W3PostingsWriter

    from briefer.core.search import _whoosh_read

    docs = odd_documents()
    segment_files(tmp_path / "ours", docs)
    with monkeypatch.context() as patch:
        patch.setattr(_whoosh_write.BytesPostingsWriter, "_write_block", W3PostingsWriter._write_block)
        segment_files(tmp_path / "whoosh", docs)
    ours = index_contents(tmp_path / "ours")
    assert len(ours) > 1000
    assert ours == index_contents(tmp_path / "whoosh")

    def decoded(folder: Path) -> list[tuple[object, ...]]:
        ix = FileStorage(str(folder)).open_index()
        with ix.reader() as reader:
            found = []
            for fieldname, text in reader.all_terms():
                postings = _whoosh_read.decode(reader, fieldname, text)
                found.append((fieldname, text, list(postings.ids), list(postings.weights), postings.values))
                found.append(tuple(postings.value(i) for i in range(len(postings.ends))))
            return found

    fast = decoded(tmp_path / "ours")
    assert fast == decoded(tmp_path / "whoosh")
    common = next(row for row in fast[::2] if row[:2] == ("body", b"common"))
    assert common[2] == list(range(len(docs))) and common[4]  # every document, with its positions
    sizes = {
        folder: sum(f.stat().st_size for f in (tmp_path / folder).glob("MAIN_*.pst"))
        for folder in ("ours", "whoosh")
    }
    assert sizes["ours"] < 0.8 * sizes["whoosh"]
