"""The index's segment files are byte for byte those Whoosh's own field writer makes: the faster
writing of postings (`BlockFieldWriter`) changes no search result, score or file."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime
from pathlib import Path

import pytest
from whoosh.codec.whoosh3 import W3FieldWriter
from whoosh.filedb.filestore import FileStorage

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


def segment_files(folder: Path, docs: list[Document]) -> dict[str, str]:
    """Index `docs` in one segment written by our segment writer; its files' digests by kind (the
    segment's name is random)."""
    folder.mkdir()
    ix = FileStorage(str(folder)).create_index(SCHEMA)
    # 1 MB of postings: the pool spills several sorted runs that the segment's writing merges.
    writer = _whoosh_write.RunsSegmentWriter(ix, limitmb=1, compound=False)
    batch = IndexBatch(writer, lambda: writer)
    for doc in docs:
        batch.put(doc, new=True)
    writer.commit()
    return {
        f.name.split(".", 1)[1]: hashlib.sha256(f.read_bytes()).hexdigest()
        for f in folder.iterdir()
        if f.name.startswith("MAIN_") and "." in f.name
    }


def test_segments_are_written_byte_for_byte_as_whoosh_writes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = odd_documents()
    ours = segment_files(tmp_path / "ours", docs)
    with monkeypatch.context() as patch:
        patch.setattr(_whoosh_write.BlockFieldWriter, "add_postings", W3FieldWriter.add_postings)
        whoosh = segment_files(tmp_path / "whoosh", docs)
    assert {"trm", "pst", "_body_len.col"} <= ours.keys()
    assert ours == whoosh
