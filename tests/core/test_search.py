"""Searching: ranking, operators, fields, dates, snippets, and queries that make no sense."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefer.core.archive import Archive
from briefer.core.index import QueryError


@pytest.fixture
def imported(archive: Archive, articles: Path) -> Archive:
    archive.import_paths([articles])
    return archive


def titles(archive: Archive, query: str) -> list[str]:
    return [hit.document.title for hit in archive.search(query).hits]


def test_words_are_anded_and_stemmed(imported: Archive) -> None:
    assert titles(imported, "artillery shell") == ["Putin and Kim meet at Vostochny"]
    assert titles(imported, "artillery sanctions") == []


def test_boolean_operators_and_phrases(imported: Archive) -> None:
    assert sorted(titles(imported, "Vostochny OR brokers")) == [
        "New sanctions on arms brokers",
        "Putin and Kim meet at Vostochny",
    ]
    assert titles(imported, "arms NOT brokers") == ["Seoul reacts to the summit"]
    assert titles(imported, '"satellite technology"') == ["Putin and Kim meet at Vostochny"]
    assert titles(imported, '"technology satellite"') == []


def test_field_queries(imported: Archive) -> None:
    assert titles(imported, "source:harbour") == ["Seoul reacts to the summit"]
    assert titles(imported, "author:park") == ["Seoul reacts to the summit"]
    assert titles(imported, "title:japan") == ["Analyst notes on Japan"]


def test_date_ranges_on_published(imported: Archive) -> None:
    september = "published:[2023-09-01 to 2023-09-30]"
    assert sorted(titles(imported, september)) == [
        "Putin and Kim meet at Vostochny",
        "Seoul reacts to the summit",
    ]
    assert titles(imported, "published:2023-10") == ["New sanctions on arms brokers"]
    assert titles(imported, "satellite published:[2023-11-01 to 2023-11-30]") == ["Analyst notes on Japan"]


def test_title_matches_rank_first(archive: Archive, tmp_path: Path) -> None:
    from tests.conftest import write_article

    folder = tmp_path / "rank"
    write_article(folder, "a", "Talks covered many things, including drones.", title="Pacific fleet visit")
    write_article(folder, "b", "The visit was short.", title="Drones given as gifts")
    archive.import_paths([folder])
    assert titles(archive, "drones")[0] == "Drones given as gifts"


def test_snippet_highlights_the_query_words(imported: Archive) -> None:
    hit = imported.search("satellite technology").hits[0]
    assert "[satellite] [technology]" in hit.snippet.marked()
    assert "<b>satellite</b>" in hit.snippet.html()
    doc = hit.document
    for start, end in hit.snippet.highlights:  # spans point into the document's own text
        begin = hit.snippet.start + start
        assert doc.text[begin : begin + (end - start)].lower() in {"satellite", "technology"}
    assert hit.matches == 2


def test_hit_json_has_the_public_fields(imported: Archive) -> None:
    record = imported.search("Seoul").hits[0].as_json()
    for key in ("id", "path", "title", "source", "author", "published", "url", "score", "snippet"):
        assert key in record
    assert record["published"] == "2023-09-13T21:00:00Z"
    assert record["path"].endswith("page.html")


@pytest.mark.parametrize(
    ("query", "explanation"),
    [
        ('"unclosed phrase', "quotation mark"),
        ("(kim OR putin", "parenthesis"),
        ("kim)", "parenthesis"),
        ("published:[2023-01-01", "date range"),
        ("   ", "empty"),
        ("published:notadate", "cannot read"),
    ],
)
def test_malformed_queries_are_explained(imported: Archive, query: str, explanation: str) -> None:
    with pytest.raises(QueryError, match=explanation):
        imported.search(query)


def test_total_counts_all_matches_beyond_the_page(imported: Archive) -> None:
    results = imported.search("the OR and OR said OR seoul OR kim", limit=1)
    assert len(results.hits) == 1
    assert results.total >= 2


def test_failed_files_make_results_say_they_may_be_incomplete(archive: Archive, articles: Path) -> None:
    (articles / "empty.html").write_bytes(b"")
    archive.import_paths([articles])
    assert any("could not be imported" in n for n in archive.search("Seoul").notices)
