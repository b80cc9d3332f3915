"""`-word` excludes and `+word` requires, as people type them in web search engines; hyphens inside
words (kim-putin, al-Qaeda, dates) keep their meaning."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefer.core.archive import Archive
from briefer.core.search.index import QueryError, Required
from briefer.core.search.query import SearchRequest
from tests.conftest import write_article


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    folder = tmp_path_factory.mktemp("signs") / "articles"
    write_article(folder, "summit", "Kim Jong Un met Vladimir Putin at the Vostochny Cosmodrome.")
    write_article(folder, "border", "Kim and Trump met at Panmunjom.", title="Meeting at the border")
    write_article(folder, "beijing", "Putin visited Beijing for talks.", title="Putin in Beijing")
    write_article(folder, "brokers", "Sanctions hit the arms brokers of Kim.", title="Sanctions on brokers")
    write_article(folder, "pact", "The Kim-Putin pact was signed at night.", title="A pact")
    write_article(folder, "claim", "An al-Qaeda affiliate claimed the attack of 2023-09-13.", title="Claim")
    write_article(folder, "launch", "North Korea launched a satellite.", title="Satellite launch")
    archive = Archive(tmp_path_factory.mktemp("signs-data") / "data")
    assert archive.import_paths([folder]).counts["imported"] == 7
    return archive


def found(archive: Archive, query: str, **options: Any) -> set[str]:
    """What `query` finds with all its words (the relaxed tier only when asked for)."""
    options.setdefault("relax", False)
    results = archive.search(SearchRequest(query, limit=50, **options))
    return {hit.document.path.rsplit("/", 1)[-1].removesuffix(".txt") for hit in results.hits}


def test_minus_excludes_a_word_a_phrase_a_field_and_a_group(desk: Archive) -> None:
    assert found(desk, "kim putin") == {"summit", "pact"}
    assert found(desk, "kim -putin") == {"border", "brokers"}  # not "kim putin" any more
    assert found(desk, 'kim -"Vladimir Putin"') == {"border", "brokers", "pact"}
    assert found(desk, "kim -title:sanctions") == {"summit", "border", "pact"}
    assert found(desk, "kim -(trump OR pact)") == {"summit", "brokers"}
    assert found(desk, "putin -kim") == {"beijing"}


def test_minus_excludes_every_variant_of_an_alias(desk: Archive) -> None:
    assert found(desk, "satellite") == {"launch"}
    assert found(desk, "satellite -DPRK", relax=False) == set()  # the text says North Korea


def test_excluded_words_stay_excluded_in_the_relaxed_tier(desk: Archive) -> None:
    # No document has kim and zeppelin: those with one of the two must still leave putin out.
    results = desk.search(SearchRequest("kim zeppelin -putin", limit=50))
    assert results.relaxed == results.total == 2
    assert {h.document.title for h in results.hits} == {"Meeting at the border", "Sanctions on brokers"}
    for hit in results.hits:  # and putin is never marked
        assert "putin" not in hit.snippet.marked().lower()


def test_plus_requires_a_word_and_the_parsed_query_says_so(desk: Archive) -> None:
    plain = desk.search(SearchRequest("kim putin", limit=50, relax=False))
    required = desk.search(SearchRequest("+kim putin", limit=50, relax=False))
    assert [(h.id, h.score) for h in required.hits] == [(h.id, h.score) for h in plain.hits]
    index = desk.index
    parsed = index.parse(index.prepare("+kim putin").text)
    marked = [q for q in parsed.children() if isinstance(q, Required)]
    assert len(marked) == 1 and "kim" in str(marked[0])
    assert not any(isinstance(q, Required) for q in index.parse(index.prepare("kim putin").text).children())


def test_a_required_word_stays_required_in_the_relaxed_tier(desk: Archive) -> None:
    results = desk.search(SearchRequest("+putin kim zeppelin", limit=50))
    assert results.relaxed == results.total == 2  # none has zeppelin: kim or zeppelin, with putin
    assert found(desk, "+putin kim zeppelin", relax=True) == {"summit", "pact"}  # never Kim alone
    assert found(desk, "putin kim zeppelin", relax=True) == {"summit", "pact"}
    assert found(desk, "putin +kim zeppelin", relax=True) == {"summit", "pact"}


def test_hyphens_inside_words_and_dates_keep_working(desk: Archive) -> None:
    assert found(desk, "kim-putin") == {"pact"}  # the words side by side
    assert found(desk, "al-Qaeda") == {"claim"}
    assert found(desk, "2023-09-13 attack") == {"claim"}
    assert found(desk, "claim published:2023-09-13") == {"claim"}
    assert found(desk, "pact published:>2023-09-01") == {"pact"}


def test_a_misspelled_excluded_word_is_corrected_in_place(desk: Archive) -> None:
    assert desk.search(SearchRequest("kim -putn")).suggestion == "kim -putin"


def test_a_sign_that_marks_nothing_is_no_operator(desk: Archive) -> None:
    assert found(desk, "kim - putin") == found(desk, "kim putin")
    assert found(desk, "c++ kim", relax=False) == found(desk, "kim", relax=False)


SIGNED = ["-", "+", "kim", "putin", '"', "title:", "(", ")", "OR", "NOT", "DPRK", "2023-09", "published:"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(SIGNED), st.sampled_from(["", " "])), max_size=8))
def test_signed_queries_get_results_or_an_explanation(desk: Archive, pieces: list[tuple[str, str]]) -> None:
    text = "".join(piece + gap for piece, gap in pieces)
    try:
        results = desk.search(SearchRequest(text))
    except QueryError as exc:
        assert str(exc)
    else:
        assert results.total >= len(results.hits)
