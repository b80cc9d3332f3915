"""A real archive: 1,337 State Department press releases saved as web pages."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from briefer.core.archive import Archive
from briefer.core.search.query import SearchRequest
from tests.conftest import ArchiveTemplate, corpus_path

pytestmark = [pytest.mark.corpus, pytest.mark.slow]  # the whole corpus imported (once a session)


@pytest.fixture(scope="module")
def state_dept(
    tmp_path_factory: pytest.TempPathFactory, state_dept_template: ArchiveTemplate
) -> tuple[Archive, dict[str, dict[str, str]]]:
    html = corpus_path("state-dept", "html")
    truth = {}
    for record in (html.parent / "articles").glob("*.json"):
        article = json.loads(record.read_text(encoding="utf-8"))
        truth[str((html.parent / article["html_file"]).resolve())] = article
    archive = Archive(state_dept_template.copy_to(tmp_path_factory.mktemp("state") / "data"))
    summary = state_dept_template.summary
    assert summary.counts["failed"] == 0
    assert summary.counts["imported"] + summary.counts["duplicate"] == len(truth)
    return archive, truth


def top_path(archive: Archive, query: str) -> str:
    return archive.search(query, limit=1).hits[0].document.path


@pytest.mark.parametrize(
    "title",
    [
        "United States Bid to Host Expo 2027",
        "Secretary Blinken’s Travel to Panama",
        "Additional Visa Restrictions for Undermining the Democratic Process in Somalia",
        "ASEAN Regional Forum Senior Officials’ Meeting",
    ],
)
def test_a_release_is_found_by_the_words_of_its_title(state_dept, title: str) -> None:
    archive, truth = state_dept
    words = " ".join(w.strip("’'") for w in title.split() if len(w) > 3)
    assert truth[top_path(archive, words)]["title"].strip() == title


def test_metadata_matches_the_publisher(state_dept) -> None:
    archive, truth = state_dept
    for hit in archive.search("Ukraine sanctions", limit=20).hits:
        expected = truth[hit.document.path]
        assert hit.document.title == expected["title"].strip()
        assert hit.document.published == datetime.fromisoformat(expected["date"])
        assert hit.document.url == expected["url"]
        assert hit.document.source == "U.S. Department of State"


def test_a_date_range_finds_exactly_the_releases_of_that_month(state_dept) -> None:
    archive, truth = state_dept
    march = {p for p, a in truth.items() if a["date"].startswith("2022-03")}
    # Every release, near-duplicate copies too (search shows a story once: see test_clusters).
    request = SearchRequest("published:[2022-03-01 to 2022-03-31]", limit=2000, collapse=False)
    found = archive.search(request).hits
    found_paths = {path for hit in found for path in hit.document.paths}
    assert found_paths == march


def test_phrase_and_field_queries_on_real_pages(state_dept) -> None:
    archive, truth = state_dept
    hits = archive.search('"Nord Stream 2"', limit=50).hits
    assert hits and all("nord stream 2" in h.document.text.lower() for h in hits)
    titled = archive.search("title:Greenland", limit=50).hits
    assert titled and all("greenland" in truth[h.document.path]["title"].lower() for h in titled)
