"""Pages with one hit per story (collapsed copies) are ranked a few hits at a time rather than
all the copies at once (index._one_per_story): every page is still the one the full ranking
gives, by relevance, newest and oldest first, on an archive where most matches are copies."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from briefer.core.documents import Document
from briefer.core.search import SearchIndex, SearchRequest

WORDS = ["grain", "convoy", "harbour", "missile", "envoy", "talks", "border", "customs", "oil", "prices"]


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> tuple[SearchIndex, dict[str, str]]:
    """300 articles, 240 of them copies in 12 stories of 20 (same words, in another order)."""
    rng = random.Random(3)
    index = SearchIndex(tmp_path_factory.mktemp("copies"))
    cluster_of: dict[str, str] = {}
    start = datetime(2023, 1, 1, tzinfo=UTC)
    with index.batch() as batch:
        for n in range(300):
            story = n % 15 if n < 240 else None
            words = [rng.choice(WORDS) for _ in range(rng.randint(10, 60))]
            doc_id = f"a{n:03}"
            if story is not None:
                cluster_of[doc_id] = f"story{story}"
                words = [WORDS[story % len(WORDS)]] * (story + 1) + words
            published = start + timedelta(days=rng.randrange(60))
            batch.put(Document(id=doc_id, title="", text=" ".join(words), text_hash="", published=published))
    return index, cluster_of


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_collapsed_pages_are_those_of_the_full_ranking(
    copies: tuple[SearchIndex, dict[str, str]], sort: str
) -> None:
    index, cluster_of = copies
    for query in ("grain", "grain OR convoy OR harbour", "oil prices"):
        every = index.search(SearchRequest(query, limit=1000, sort=sort, collapse=False, relax=False))
        shown: set[str] = set()
        expected = []
        for hit in every.hits:  # the full ranking, each story's first document
            story = cluster_of.get(hit.doc_id, hit.doc_id)
            if story not in shown:
                shown.add(story)
                expected.append((hit.doc_id, hit.score))
        got = []
        for page in range(1, 8):
            found = index.search(
                SearchRequest(query, limit=10, page=page, sort=sort, relax=False), clusters=cluster_of
            )
            got += [(hit.doc_id, hit.score) for hit in found.hits]
        assert got == expected[:70], query
        assert len(expected) > 20
