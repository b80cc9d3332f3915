"""Phrases and proximity searches matched over whole posting lists (`_whoosh_phrase`) find what
the plain evaluation finds: each candidate document's positions read through Whoosh's own
postings API and compared one document at a time (the evaluation in place before #24, kept
here as the reference).  Same documents, same scores to the last bit, same totals, same facets,
same highlights, on a generated archive with several segments, a deleted document, stop
words inside phrases, repeated words, far-apart occurrences (positions packed in 1, 2 and 4
bytes) and phrases in fields whose positions are not packed (source:).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from briefer.core.documents import Document
from briefer.core.search import SearchIndex, SearchRequest
from briefer.core.search._whoosh_eval import Scores, Snapshot
from briefer.core.search.analysis import near

WORDS = (  # noqa: SIM905 - a sentence of words reads better than quoted strings
    "united states nations security council crude oil prices rail convoy human rights abuses "
    "grain exports harbour port missile defence talks envoy summit border customs the of and in"
).split()
OUTLETS = ("Harbor Wire", "Border Post", "State Radio of the North")
QUERIES = (
    '"united states"',
    '"United Nations" Security Council',
    '"crude oil" prices',
    '"Bank of England"',  # a stop word inside: the words on either side are next to each other
    '"the united states"',  # a stop word first
    '"oil oil"',  # a repeated word
    '"states states states"',
    '"rail convoy border"',
    '"human rights abuses"',
    '"oil prices"~3',
    '"prices oil"~5',
    '"convoy rail"~2',
    '"oil oil"~3',
    '"grain exports harbour"~4',  # three words within a distance: one candidate at a time
    '"missile defence talks"~6',
    'title:"united states"',
    'title:"oil prices"~4',
    '"united states" NOT envoy',
    '"crude oil" OR "rail convoy"',
    '"human rights" -summit',
    '"united states" published:[2023-01-01 to 2023-06-30]',
    '"oil prices"~3 published:[2023-03-01 to 2023-12-31] NOT customs',
    '+"border customs" grain',
    'source:"state radio"',  # a field whose positions are pickled lists, not packed
    'source:"radio north"~3',
    '"far away"',
    '"far away"~2',
)


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _documents(seed: int) -> Iterator[Document]:
    rng = random.Random(seed)
    start = datetime(2023, 1, 1, 9, tzinfo=UTC)
    for n in range(240):
        body = _text(rng, rng.randint(20, 200))
        if n % 40 == 7:  # Bank of England, with its stop word
            body += " the bank of england said"
        if n % 50 == 3:  # occurrences thousands of words apart: deltas in 2 and 4 bytes
            filler = " ".join(f"w{i}" for i in range(rng.choice((400, 70_000))))
            body = f"far {body} {filler} away far away {filler} united states"
        yield Document(
            id=f"d{n:03}",
            title=_text(rng, rng.randint(2, 6)).capitalize(),
            text=body,
            text_hash="",
            source=rng.choice(OUTLETS),
            published=start + timedelta(days=rng.randrange(365)),
        )


@pytest.fixture(scope="module")
def index_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("phrases")
    index = SearchIndex(folder)
    docs = list(_documents(24))
    for part in (docs[:150], docs[150:200], docs[200:]):  # three segments (offsets); blocks of 128
        with index.batch() as batch:
            for doc in part:
                batch.put(doc)
    with index.batch() as batch:
        batch.delete("d157")  # deleted documents never count
    index.close()
    return folder


def plain_phrase(snap: Snapshot, fieldname: str, words: list[Any], slop: int, boost: float) -> Scores:
    """The plain evaluation: every document that has all the words, its positions read one
    document at a time through Whoosh's postings API, checked by `near`, scored as the sum of
    its words' scores."""
    if fieldname not in snap.schema:
        return {}
    fieldobj = snap.schema[fieldname]
    if len(words) == 1:
        return snap.term(fieldname, words[0], boost)
    if not words:
        return {}
    btexts = [w if isinstance(w, bytes) else fieldobj.to_bytes(w) for w in words]
    parts = [snap.term(fieldname, t, boost) for t in btexts]
    out: Scores = {}
    for leaf in snap.leaves:
        where = []
        for btext in btexts:
            positions: dict[int, list[int]] = {}
            if (fieldname, btext) in leaf.reader:
                matcher = leaf.reader.postings(fieldname, btext)
                while matcher.is_active():
                    positions[matcher.id()] = list(matcher.value_as("positions"))
                    matcher.next()
            where.append(positions)
        for docnum in sorted(set.intersection(*(set(found) for found in where))):
            if near([found[docnum] for found in where], slop):
                gdoc = docnum + leaf.offset
                out[gdoc] = sum(part[gdoc] for part in parts)
    return out


def _results(folder: Path, query: str) -> dict[str, Any]:
    index = SearchIndex(folder)  # a fresh engine: nothing cached from the other evaluation
    try:
        found = index.search(SearchRequest(query, limit=1000, facets=True, facet_values=None))
        parsed = index.parse(index.prepare(query).text)
        every = index._snapshot_do(lambda snap: snap.evaluate(parsed).scores)
    finally:
        index.close()
    return {
        "every": every,
        "hits": [(hit.doc_id, hit.score, hit.match) for hit in found.hits],
        "total": found.total,
        "relaxed": found.relaxed,
        "facets": found.facets,
        "terms": found.terms,
    }


@pytest.mark.parametrize("query", QUERIES)
def test_phrases_match_as_the_plain_evaluation_does(
    index_folder: Path, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _results(index_folder, query)
    with monkeypatch.context() as patched:
        patched.setattr(Snapshot, "phrase", plain_phrase)
        plain = _results(index_folder, query)
    assert fast["every"] == plain["every"]  # every match, its score to the last bit
    assert fast == plain
    if query.startswith('"united states"') or query.startswith('"oil prices"~3'):
        assert fast["total"] > 0  # the archive has what these queries look for


def test_the_generated_archive_exercises_every_path(index_folder: Path) -> None:
    """Phrases found across a stop word, far apart (wide deltas), in an unpacked field."""
    index = SearchIndex(index_folder)
    try:
        for query in ('"Bank of England"', '"far away"', 'source:"state radio"', '"grain exports harbour"~4'):
            assert index.search(SearchRequest(query, limit=5)).total > 0, query
        far = index.search(SearchRequest('"far away"', limit=50))
        assert all(hit.doc_id in {f"d{n:03}" for n in range(3, 240, 50)} for hit in far.hits)
    finally:
        index.close()


def test_scores_of_a_few_candidates_read_from_their_blocks_equal_the_whole_lists(index_folder: Path) -> None:
    """Feedback scores its words in a hundred candidates: read from the blocks that hold them
    (nothing cached), they are the scores the whole posting lists give."""
    rng = random.Random(7)
    words = ["oil", "state", "unit", "border", "talk"]
    whole = _scores(index_folder, words, None)
    for size in (1, 5, 60, 239):
        docs = set(rng.sample(range(240), size))
        some = _scores(index_folder, words, docs)  # a fresh index: nothing cached
        for word in words:
            assert some[word] == {d: s for d, s in whole[word].items() if d in docs}
            assert size < 5 or some[word], word


def _scores(folder: Path, words: list[str], docs: set[int] | None) -> dict[str, Scores]:
    index = SearchIndex(folder)
    try:
        return {w: index._snapshot_do(lambda snap, w=w: snap.term("body", w, docs=docs)) for w in words}
    finally:
        index.close()
