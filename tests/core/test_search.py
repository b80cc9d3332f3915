"""Searching: the query language, results (snippets, passages, facets, sorting, pages),
aliases, dates, guards, suggestions, tags, saved searches and the CLI's JSON."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefer import cli
from briefer.core.archive import Archive
from briefer.core.archive.saved_searches import SavedSearch, SavedSearchError
from briefer.core.search.engine import Tier
from briefer.core.search.index import QueryError, SearchIndex
from briefer.core.search.query import FACETS, MAX_EXPANSION, QueryTooBroad, SearchRequest, date_span
from briefer.core.search.results import make_passages, make_snippet
from tests.conftest import write_article

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)


def write(folder: Path, name: str, body: str, **meta: str) -> None:
    """A .txt article with a `Key: value` header (Title, Source, Published, URL, Language)."""
    folder.mkdir(parents=True, exist_ok=True)
    header = {"Title": name, "Source": "Test Wire", "URL": f"https://wire.example/{name}"} | meta
    lines = [f"{key}: {value}" for key, value in header.items() if value]
    (folder / f"{name}.txt").write_text("\n".join(lines) + "\n\n" + body + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """A dozen articles on Korea, Russia and Japan, with varied outlets, dates and languages."""
    folder = tmp_path_factory.mktemp("desk") / "articles"
    sep13, nov22 = "2023-09-13T08:00:00+00:00", "2023-11-22T09:00:00+00:00"
    write(
        folder,
        "summit",
        "Kim Jong Un met Vladimir Putin at the Vostochny Cosmodrome.\n\n"
        "The leaders discussed artillery shells and satellite technology.",
        Title="Putin and Kim meet at Vostochny",
        Source="Northern Wire Service",
        Published=sep13,
        URL="https://northernwire.example/summit",
        Language="en",
    )
    write(
        folder,
        "launch",
        "North Korea launched a reconnaissance satellite from Sohae.\n\n"
        "The launch drew condemnation from Seoul and Tokyo.",
        Title="Satellite launch",
        Source="Seoul Harbour Times",
        Published=nov22,
        Language="en",
    )
    write(
        folder,
        "statement",
        "Pyongyang said the satellite launch was its sovereign right.",
        Title="Statement on the launch",
        Source="Eurasia State Radio",
        Published="2023-11-23T06:00:00+00:00",
        Language="en",
    )
    write(
        folder,
        "alert",
        "South Korea raised its alert level after the launch.",
        Title="Seoul raises alert",
        Source="Seoul Harbour Times",
        Published=nov22,
        Language="en",
    )
    write(
        folder,
        "minister",
        "Russian defence minister Sergei Shoygu toured an arms exhibition.",
        Title="Minister visits arms fair",
        Source="Northern Wire Service",
        Published="2023-07-27T10:00:00+00:00",
        Language="en",
    )
    write(
        folder,
        "brokers",
        "Washington announced new sanctions on arms brokers.\n\nOfficials cited shipments by rail.",
        Title="New sanctions on arms brokers",
        Source="Department Notes",
        Published="2023-10-13T15:00:00+00:00",
        URL="https://departmentnotes.example/brokers",
        Language="en",
    )
    write(
        folder,
        "tokyo",
        "Tokyo protested the reconnaissance satellite launch.",
        Title="Analyst notes on Japan",
        Source="Tokyo Strategic Review",
        Published="2023-11-21T00:00:00+00:00",
        Language="en",
    )
    write(
        folder,
        "grain",
        "Grain exports recover\n\nPorts shipped more grain in February than in any month "
        "since the war began. Traders expect grain prices to fall.",
        Title="Grain exports recover",
        Source="Kyiv Evening Ledger",
        Published="2024-02-10T08:00:00+00:00",
        Language="en",
    )
    write(
        folder,
        "welcome",
        "Putin welcomed Kim warmly at the gate.",
        Title="A warm welcome",
        Published="2023-09-14T08:00:00+00:00",
        Language="en",
    )
    write(
        folder,
        "sommet",
        "Le sommet de Vostochny a réuni les deux dirigeants.",
        Title="Le sommet",
        Source="Continental Review",
        Published="2023-09-14T09:00:00+00:00",
        Language="fr",
    )
    write(
        folder,
        "panmunjom",
        "Kim and Trump met at Panmunjom in a surprise meeting.",
        Title="Meeting at the border",
        Source="Northern Wire Service",
        Published="2019-06-30T05:00:00+00:00",
        Language="en",
    )
    archive = Archive(tmp_path_factory.mktemp("desk-data") / "data")
    summary = archive.import_paths([folder])
    assert summary.counts["imported"] == 11 and summary.counts["failed"] == 0
    return archive


def titles(archive: Archive, query: str | SearchRequest, **options: object) -> list[str]:
    """The titles `query` finds with all its words (the relaxed tier only when asked for)."""
    options.setdefault("relax", False)
    request = query if isinstance(query, SearchRequest) else SearchRequest(query, now=NOW, **options)  # type: ignore[arg-type]
    return [hit.document.title for hit in archive.search(request).hits]


def ids_for(archive: Archive, query: str, **options: object) -> set[str]:
    options.setdefault("relax", False)
    results = archive.search(SearchRequest(query, limit=100, now=NOW, **options))  # type: ignore[arg-type]
    return {hit.document.id for hit in results.hits}


# -- the query language -------------------------------------------------------------------
def test_words_are_anded_and_stemmed(desk: Archive) -> None:
    assert titles(desk, "artillery shell") == ["Putin and Kim meet at Vostochny"]
    assert titles(desk, "shells Vostochny leaders") == ["Putin and Kim meet at Vostochny"]


def test_when_no_document_has_all_the_words_those_with_most_of_them_are_offered(desk: Archive) -> None:
    results = desk.search(SearchRequest("artillery brokers", now=NOW))
    assert {(h.document.title, h.match) for h in results.hits} == {
        ("Putin and Kim meet at Vostochny", Tier.MOST),
        ("New sanctions on arms brokers", Tier.MOST),
    }
    assert (results.total, results.relaxed) == (2, 2)
    assert results.most_words_note() == "No result has all your words; 2 match most of them"
    strict = desk.search(SearchRequest("artillery brokers", relax=False))
    assert strict.hits == [] and strict.relaxed == 0


def test_boolean_operators_grouping_and_phrases(desk: Archive) -> None:
    assert sorted(titles(desk, "Vostochny OR brokers")) == [
        "Le sommet",
        "New sanctions on arms brokers",
        "Putin and Kim meet at Vostochny",
    ]
    assert titles(desk, "arms NOT brokers") == ["Minister visits arms fair"]
    assert titles(desk, "arms ANDNOT sanctions") == ["Minister visits arms fair"]
    assert sorted(titles(desk, "(sanctions OR Shoygu) AND arms", aliases=False)) == [
        "Minister visits arms fair",
        "New sanctions on arms brokers",
    ]
    assert titles(desk, '"satellite technology"') == ["Putin and Kim meet at Vostochny"]
    assert titles(desk, '"technology satellite"', relax=False) == []


def test_proximity_finds_words_near_each_other_in_any_order(desk: Archive) -> None:
    assert titles(desk, '"kim putin"', relax=False) == []
    near = set(titles(desk, '"kim putin"~3'))
    assert near == {"A warm welcome", "Putin and Kim meet at Vostochny"}  # "Putin welcomed Kim"
    assert titles(desk, '"kim cosmodrome"~2', relax=False) == []  # 7 words apart
    assert titles(desk, '"kim cosmodrome"~8') == ["Putin and Kim meet at Vostochny"]


def test_fields(desk: Archive) -> None:
    assert titles(desk, "title:japan") == ["Analyst notes on Japan"]
    assert sorted(titles(desk, "source:harbour")) == ["Satellite launch", "Seoul raises alert"]
    assert titles(desk, 'source:"state radio"') == ["Statement on the launch"]
    assert titles(desk, "url:departmentnotes.example") == ["New sanctions on arms brokers"]
    assert titles(desk, "lang:fr") == ["Le sommet"]
    assert titles(desk, "language:FR") == ["Le sommet"]
    assert titles(desk, "body:sovereign") == ["Statement on the launch"]


def test_author_field(archive: Archive, tmp_path: Path) -> None:
    write_article(tmp_path / "a", "by-park", "Seoul watches.", author="Min Park")
    write_article(tmp_path / "a", "by-lee", "Tokyo watches.", author="Lee Soo")
    archive.import_paths([tmp_path / "a"])
    assert titles(archive, "author:park") == ["by-park"]
    assert titles(archive, 'author:"lee soo"') == ["by-lee"]


def test_source_type_field_and_facet_follow_the_catalog(desk: Archive) -> None:
    """`type:` works whatever the importer assigns (the field may be empty)."""
    docs = desk.catalog.documents(desk.catalog.all_ids())
    for kind in {d.source_type for d in docs if d.source_type}:
        expected = {d.id for d in docs if d.source_type == kind}
        assert ids_for(desk, f'type:"{kind}"') == expected
        assert ids_for(desk, "type:" + kind.replace(" ", "-")) == expected
    facets = desk.search(SearchRequest("*", facets=True)).facets or {}
    assert sum(facets["type"].values()) == sum(1 for d in docs if d.source_type)


def test_source_type_is_indexed_and_searched_as_a_label() -> None:
    from briefer.core.documents import Document

    index = SearchIndex(None)
    with index.batch() as batch:
        batch.put(Document(id="a", title="t", text="grain", text_hash="", source_type="Wire Service"))
        batch.put(Document(id="b", title="t", text="grain", text_hash="", source_type="news"))
    assert [h.doc_id for h in index.search('type:"wire service" grain').hits] == ["a"]
    assert [h.doc_id for h in index.search("type:Wire-Service").hits] == ["a"]
    facets = index.search(SearchRequest("grain", facets=True)).facets or {}
    assert facets["type"] == {"news": 1, "wire service": 1}


# -- dates ---------------------------------------------------------------------------------
def test_absolute_date_ranges(desk: Archive) -> None:
    september = {"Putin and Kim meet at Vostochny", "A warm welcome", "Le sommet"}
    assert set(titles(desk, "published:[2023-09-01 to 2023-09-30]")) == september
    assert set(titles(desk, "published:2023-09")) == september
    assert set(titles(desk, "published:[20230901 to 20230930]")) == september
    assert set(titles(desk, 'published:"September 2023"')) == september
    assert titles(desk, "published:{2023-09-13 to 2023-09-14]", sort="oldest") == [
        "A warm welcome",
        "Le sommet",
    ]
    assert titles(desk, "published:<2020") == ["Meeting at the border"]
    assert titles(desk, "published:>2023-11") == ["Grain exports recover"]
    assert len(titles(desk, "published:>=2023-11")) == 5
    assert titles(desk, "satellite published:[2023-11-21 to 2023-11-21]") == ["Analyst notes on Japan"]
    assert titles(desk, "published:2023-09-14 Vostochny") == ["Le sommet"]


def test_relative_dates_count_back_from_today(desk: Archive) -> None:
    assert titles(desk, 'published:"last 30 days"') == ["Grain exports recover"]
    assert titles(desk, 'published:"past 2 weeks"') == []
    year = set(titles(desk, "published:[2023-03-01 to 2024-03-01]", limit=50))
    assert set(titles(desk, 'published:"last year"', limit=50)) == year and len(year) == 10
    assert titles(desk, 'published:"since 1 February 2024"') == ["Grain exports recover"]
    assert titles(desk, 'published:"previous month"') == ["Grain exports recover"]
    assert date_span("last 30 days", NOW.date()) == (datetime(2024, 1, 31).date(), NOW.date())


@pytest.mark.parametrize(
    ("query", "explanation"),
    [
        ("published:notadate", "cannot read the date"),
        ("published:2023-13", "not a real date"),
        ("published:[2023-10-01 to 2023-09-01]", "ends before it starts"),
        ("published:[2023-01-01", "both brackets"),
        ("published:(2023 OR 2024)", "one date or range"),
    ],
)
def test_dates_that_cannot_be_read_are_explained(desk: Archive, query: str, explanation: str) -> None:
    with pytest.raises(QueryError, match=explanation):
        desk.search(query)


# -- aliases ------------------------------------------------------------------------------
def test_aliases_expand_well_known_variants_and_say_so(desk: Archive) -> None:
    results = desk.search(SearchRequest("DPRK satellite", now=NOW, relax=False))
    assert {h.document.title for h in results.hits} == {"Satellite launch", "Statement on the launch"}
    assert results.expansions and results.expansions[0].written == "DPRK"
    assert "North Korea" in results.expansions[0].variants
    assert any("also searched for variants" in n and "Pyongyang" in n for n in results.notices)
    assert titles(desk, "Shoigu") == ["Minister visits arms fair"]  # the text says Shoygu
    assert titles(desk, '"Kim Jong-un"') == ["Putin and Kim meet at Vostochny"]


def test_aliases_can_be_switched_off_per_query(desk: Archive) -> None:
    off = desk.search(SearchRequest("DPRK satellite", aliases=False, relax=False))
    assert off.hits == [] and off.expansions == ()
    assert titles(desk, "Shoigu", aliases=False, relax=False) == []


def test_an_alias_file_in_the_data_folder_adds_variants(desk: Archive) -> None:
    extra = desk.data_dir / "aliases.tsv"
    extra.write_text("Sohae\tWest Sea Satellite Launching Ground\n", encoding="utf-8")
    try:
        results = desk.search(SearchRequest('"West Sea Satellite Launching Ground"', now=NOW))
        assert [h.document.title for h in results.hits] == ["Satellite launch"]
    finally:
        extra.unlink()


# -- guards and malformed queries ------------------------------------------------------------
def test_wildcards_and_fuzzy_words_work_within_their_limits(desk: Archive) -> None:
    assert set(titles(desk, "satell*")) == set(titles(desk, "satellite"))
    assert titles(desk, "sover?ign") == ["Statement on the launch"]
    assert titles(desk, "cosmodrom~") == ["Putin and Kim meet at Vostochny"]
    assert titles(desk, "sanctons~2") == ["New sanctions on arms brokers"]


def test_too_broad_wildcards_explain_why_quickly(archive: Archive, tmp_path: Path) -> None:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = [f"pr{a}{b}{c}x" for a in letters[:10] for b in letters for c in "ab"][: MAX_EXPANSION + 60]
    write_article(tmp_path / "w", "many", " ".join(words))
    archive.import_paths([tmp_path / "w"])
    started = time.perf_counter()
    with pytest.raises(QueryTooBroad, match=f"more than {MAX_EXPANSION} different words"):
        archive.search("pr*")
    with pytest.raises(QueryTooBroad, match="at least 2 letters"):
        archive.search("p*")
    with pytest.raises(QueryTooBroad, match="at least 2 letters"):
        archive.search("*ing")
    with pytest.raises(QueryTooBroad, match="typing errors"):
        archive.search("grain~3")
    assert time.perf_counter() - started < 2.0
    assert len(archive.search("pra*").hits) == 1  # narrower: fine


@pytest.mark.parametrize(
    ("query", "explanation"),
    [
        ('"unclosed phrase', "quotation mark"),
        ("(kim OR putin", "parenthesis"),
        ("kim)", "parenthesis"),
        ("   ", "empty"),
        ("colour:red", "there is no field 'colour'"),
        ("the of", "no words"),
    ],
)
def test_malformed_queries_are_explained(desk: Archive, query: str, explanation: str) -> None:
    with pytest.raises(QueryError, match=explanation):
        desk.search(query)


PIECES = [
    "kim",
    "launch",
    "DPRK",
    "AND",
    "OR",
    "NOT",
    "(",
    ")",
    '"',
    "title:",
    "published:",
    "2023",
    "[",
    "]",
    "to",
    "satell*",
    "?",
    "~",
    "^2",
    ":",
    "lang:",
    "type:",
    "tag:",
    ">",
    "<=",
    "-",
    "{",
    "}",
    "p*",
    "x:",
    "last 30 days",
    "'",
    "Kim Jong-un",
    "\u2019",
    "2023-09",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8).map(" ".join))
def test_any_query_gets_results_or_an_explanation(desk: Archive, text: str) -> None:
    try:
        results = desk.search(SearchRequest(text, now=NOW))
    except QueryError as exc:
        assert str(exc)
    else:
        assert results.total >= len(results.hits)


def test_a_colon_inside_a_phrase_is_not_a_field(desk: Archive) -> None:
    assert desk.search('"note: nothing"').hits == []


# -- results ---------------------------------------------------------------------------------
def test_title_matches_rank_first(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "rank"
    write_article(folder, "a", "Talks covered many things, including drones.", title="Pacific fleet visit")
    write_article(folder, "b", "The visit was short.", title="Drones given as gifts")
    archive.import_paths([folder])
    assert titles(archive, "drones")[0] == "Drones given as gifts"


def test_scores_are_whoosh_bm25f(desk: Archive) -> None:
    """With the plain ranking (no bonuses, Whoosh's parameters), the fast evaluation ranks and scores
    exactly as Whoosh's own BM25F matchers do: its first pass is Whoosh's formula."""
    from briefer.core.search import SearchIndex
    from briefer.core.search.ranking import PLAIN

    index = SearchIndex(desk.index.path, ranking=PLAIN)  # type: ignore[attr-defined]
    for text in ("launch", "satellite launch", '"satellite launch"', "kim OR putin OR seoul", "title:launch"):
        parsed = index.parse(index.prepare(text, aliases=False).text)
        ours = {
            h.doc_id: round(h.score, 5)
            for h in index.search(SearchRequest(text, limit=50, aliases=False, relax=False)).hits
        }

        def whoosh(snap: object, parsed: object = parsed) -> dict[str, float]:
            found = snap.searcher.search(parsed, limit=None)  # type: ignore[attr-defined]
            return {snap.doc_ids([h.docnum])[0]: round(h.score, 5) for h in found}  # type: ignore[attr-defined]

        assert ours == index._snapshot_do(whoosh), text
    index.close()


@pytest.mark.parametrize("long_text", [False, True], ids=["short text", "long text (positions in arrays)"])
def test_fast_indexing_gives_whoosh_own_postings(long_text: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The body field's one-pass indexing and packed positions equal Whoosh's analyzer and format."""
    from whoosh import fields
    from whoosh.analysis import StemmingAnalyzer

    from briefer.core.search import index
    from briefer.core.search.index import SCHEMA

    if long_text:
        monkeypatch.setattr(index, "_SHORT_TEXT", 0)
    # Long: read in pieces (textnorm.PIECE_CHARS), the first of which has no word the index keeps.
    text = ("a " * 600_000 if long_text else "") + (
        "The a of U.S. and the E.U. said: shells, shelling and a shell! I met Kim Jong-un in 2023; "
        "e-mail me at kim@example.org. " * 3 + "gap " * 300 + "shells again, ÉLYSÉE Élysée 3.14 x y z "
        "and a word far out " + "filler " * 70_000 + "shells"
    )
    body, reference = SCHEMA["body"], fields.TEXT(analyzer=StemmingAnalyzer())

    def postings(field: object) -> dict[bytes, tuple[int, float, list[int]]]:
        return {
            term: (freq, weight, field.format.decode_positions(value))  # type: ignore[attr-defined]
            for term, freq, weight, value in field.index(text)  # type: ignore[attr-defined]
        }

    assert postings(body) == postings(reference)
    assert len(body.format.encode([0, 1, 2, 900, 100_000])) < len(
        reference.format.encode([0, 1, 2, 900, 100_000])
    )


def test_sorting_and_pages(desk: Archive) -> None:
    newest = titles(desk, "launch OR Vostochny OR Panmunjom", sort="newest", limit=50)
    oldest = titles(desk, "launch OR Vostochny OR Panmunjom", sort="oldest", limit=50)
    assert newest[0] == "Statement on the launch" and newest[-1] == "Meeting at the border"
    assert oldest == newest[::-1] or oldest[0] == "Meeting at the border"
    request = SearchRequest("launch OR Vostochny OR Panmunjom", sort="newest", limit=2)
    pages = [titles(desk, SearchRequest(request.query, sort="newest", limit=2, page=p)) for p in (1, 2, 3)]
    assert [t for page in pages for t in page] == newest[:6]
    everything = desk.search(SearchRequest(request.query, limit=2))
    assert everything.total == len(newest) and len(everything.hits) == 2


def test_snippet_highlights_the_query_words(desk: Archive) -> None:
    hit = desk.search("satellite technology").hits[0]
    assert "[satellite] [technology]" in hit.snippet.marked()
    assert "<b>satellite</b>" in hit.snippet.html()
    for start, end in hit.snippet.highlights:  # spans point into the document's own text
        begin = hit.snippet.start + start
        assert hit.document.text[begin : begin + (end - start)].lower() in {"satellite", "technology"}
    assert hit.matches == 2


def test_snippets_prefer_the_body_to_a_repeated_title() -> None:
    text = "Grain exports recover\n\nPorts shipped more grain in February. Prices fell."
    spans = [(0, 5), (36, 41)]
    assert make_snippet(text, spans, title="Grain exports recover").text.startswith("Ports shipped")
    assert make_snippet(text, [(0, 5)], title="Grain exports recover").text.startswith("Grain exports")
    assert make_snippet(text, [], title="Grain exports recover").text.startswith("Ports")
    assert make_snippet(text, spans).text.startswith("Grain exports")  # no title given: as before


def test_passages_are_the_best_paragraphs_with_exact_spans(desk: Archive) -> None:
    hit = desk.search("launch condemnation Tokyo").hits[0]
    assert hit.document.title == "Satellite launch"
    best = hit.passages[0]
    assert hit.document.text[best.start : best.end] == best.text
    assert "condemnation" in best.text  # all three words' paragraph first
    for passage in hit.passages:
        assert hit.document.text[passage.start : passage.end] == passage.text
        for a, b in passage.highlights:
            assert passage.text[a:b].lower() in {"launch", "launched", "condemnation", "tokyo"}
    record = hit.as_json()["passages"][0]
    assert hit.document.text[record["start"] : record["end"]] == record["text"]


def test_long_paragraphs_are_cut_to_their_best_sentences() -> None:
    filler = "Nothing happened on this quiet day at all. " * 40
    text = filler + "The grain corridor reopened and grain ships sailed. " + filler
    start = text.index("The grain")
    spans = [(start + 4, start + 9), (start + 35, start + 40)]
    (passage,) = make_passages(text, spans, width=300)
    assert passage.end - passage.start <= 300 and "grain corridor" in passage.text
    assert text[passage.start : passage.end] == passage.text


def test_a_title_paragraph_is_a_passage_only_when_nothing_else_matches() -> None:
    title = "Grain ships sail"
    text = f"{title}\n\nThe grain corridor reopened.\n\nNothing else happened."
    spans = [(0, 5), (text.index("grain"), text.index("grain") + 5)]
    assert [p.text for p in make_passages(text, spans, title=title)] == ["The grain corridor reopened."]
    assert [p.text for p in make_passages(text, [(0, 5)], title=title)] == [title]


def test_facet_counts_equal_the_filtered_result_counts(desk: Archive) -> None:
    query = "launch OR Kim OR arms OR grain OR sommet"
    results = desk.search(SearchRequest(query, facets=True, limit=1))
    assert results.facets is not None and set(results.facets) == set(FACETS)
    assert results.facets["source"]["Northern Wire Service"] == 3
    assert results.facets["year"] == {"2024": 1, "2023": 8, "2019": 1} or sum(results.facets["year"].values())
    checked = 0
    for facet, counts in results.facets.items():
        for value, count in counts.items():
            narrowed = desk.search(SearchRequest(query, filters=((facet, value),), limit=1))
            assert narrowed.total == count, (facet, value)
            checked += 1
    assert checked >= 12
    both = desk.search(
        SearchRequest(query, filters=(("source", "Seoul Harbour Times"), ("month", "2023-11")))
    )
    assert both.total == 2
    either = desk.search(SearchRequest(query, filters=(("language", "fr"), ("language", "en"))))
    assert either.total == results.total


def test_suggestions_come_from_the_words_as_written(desk: Archive) -> None:
    assert desk.search("satelite launch").suggestion == "satellite launch"
    assert desk.search("Vostochy").suggestion == "Vostochny"
    assert desk.search("sanctions").suggestion == ""


def test_more_like_a_document_and_a_passage(desk: Archive) -> None:
    launch = next(h.document for h in desk.search("Sohae").hits)
    similar = [h.document.title for h in desk.more_like(launch.id).hits]
    assert launch.title not in similar and similar[0] in {"Statement on the launch", "Analyst notes on Japan"}
    start = launch.text.index("The launch drew")
    passage = desk.more_like(launch.id, span=(start, len(launch.text))).hits
    assert passage and launch.id not in {h.document.id for h in passage}
    with pytest.raises(ValueError, match="not inside"):
        desk.more_like(launch.id, span=(0, 10**6))


# -- tags, saved searches, incomplete results ------------------------------------------------------
def test_tags_are_searched_and_counted(archive: Archive, articles: Path) -> None:
    archive.import_paths([articles])
    summit = archive.search("Vostochny").hits[0].document.id
    change = archive.tag(summit, ["Key Judgment", "nk-russia"])
    assert change.tags == ("key-judgment", "nk-russia") and change.indexed
    assert [h.document.id for h in archive.search('tag:"key judgment"').hits] == [summit]
    assert archive.search("tag:nk-russia Vostochny").hits[0].document.tags == ("key-judgment", "nk-russia")
    facets = archive.search(SearchRequest("*", facets=True)).facets or {}
    assert facets["tag"] == {"key-judgment": 1, "nk-russia": 1}
    assert archive.search(SearchRequest("*", filters=(("tag", "nk-russia"),))).total == 1
    archive.untag(summit, ["key-judgment"])
    assert archive.search("tag:key-judgment").hits == []
    assert archive.tags() == {"nk-russia": 1}
    with pytest.raises(ValueError, match="no document"):
        archive.tag("nope", ["x"])


def test_saved_searches_round_trip(desk: Archive) -> None:
    store = desk.saved_searches
    saved = SavedSearch("launches", "launch", filters=(("source", "Seoul Harbour Times"),), sort="newest")
    store.save(saved)
    again = desk.saved_searches.get("launches")
    assert (again.query, again.filters, again.sort, again.aliases) == (
        saved.query,
        saved.filters,
        "newest",
        True,
    )
    assert [s.name for s in store.all()] == ["launches"]
    assert titles(desk, again.request()) == titles(desk, SearchRequest("launch", filters=saved.filters))
    with pytest.raises(SavedSearchError, match="already saved"):
        store.save(saved)
    store.save(SavedSearch("launches", "satellite"), replace=True)
    assert store.get("launches").query == "satellite"
    with pytest.raises(SavedSearchError, match="cannot sort by"):
        store.save(SavedSearch("bad", "x", sort="sideways"))
    store.delete("launches")
    with pytest.raises(SavedSearchError, match="no saved search"):
        store.get("launches")


def test_a_saved_search_is_renamed_in_place_and_a_taken_name_is_refused(desk: Archive) -> None:
    store = desk.saved_searches
    store.save(SavedSearch("launches", "launch", filters=(("year", "2023"),), sort="newest", aliases=False))
    store.save(SavedSearch("ports", "grain"))
    with pytest.raises(SavedSearchError, match="already saved"):
        store.rename_search("launches", "ports")
    with pytest.raises(SavedSearchError, match="needs a name"):
        store.rename_search("launches", "  ")
    with pytest.raises(SavedSearchError, match="no saved search"):
        store.rename_search("nothing", "else")
    before = store.get("launches")
    renamed = store.rename_search("launches", " Seoul launches ")
    assert [s.name for s in store.all()] == ["ports", "Seoul launches"]
    assert renamed == store.get("Seoul launches")
    assert (renamed.query, renamed.filters, renamed.sort, renamed.aliases, renamed.created) == (
        before.query, before.filters, before.sort, before.aliases, before.created
    )  # fmt: skip
    store.rename_search("Seoul launches", "ports", replace=True)
    assert [(s.name, s.query) for s in store.all()] == [("ports", "launch")]


def test_failed_files_make_results_say_they_may_be_incomplete(archive: Archive, articles: Path) -> None:
    (articles / "empty.html").write_bytes(b"")
    archive.import_paths([articles])
    results = archive.search("Seoul")
    assert results.incomplete and any("could not be imported" in n for n in results.notices)


def test_a_running_import_makes_results_say_so(archive: Archive, articles: Path) -> None:
    import fcntl

    from briefer.core.archive.import_status import StatusFile

    archive.import_paths([articles])
    assert not archive.import_running() and not archive.search("Seoul").incomplete
    with open(archive.data_dir / "import.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        StatusFile(archive.data_dir, "import").write(2, 4)  # as the importer does once it holds the lock
        results = archive.search("Seoul")
        assert archive.import_running() and results.incomplete
        assert any("import is running" in n for n in results.notices)
    assert not archive.import_running()  # an import that died holds no lock


# -- the command line --------------------------------------------------------------------------
def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    status = cli.main(list(args))
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def test_cli_json_prints_hits_and_facets_on_stdout_and_notes_on_stderr(
    desk: Archive, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(desk.data_dir)
    status, lines, err = run_cli(
        capsys, "--data-dir", data, "search", "DPRK", "satelite", "--json", "--facets"
    )
    records = [json.loads(line) for line in lines]
    assert status == 0 and records and "facets" in records[-1] and records[-1]["total"] == len(records) - 1
    for hit in records[:-1]:
        assert {"id", "path", "title", "source", "author", "published", "url", "score", "snippet"} <= set(hit)
    assert "also searched for variants" in err and "did you mean: DPRK satellite" in err
    assert "--no-aliases searches the words only as typed" in err  # the CLI's own switch, named


def test_cli_batch_keeps_each_line_and_reports_per_query(
    desk: Archive, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    batch = tmp_path / "queries.txt"
    batch.write_text("launch  \n(broken\n\nsatelite\nDPRK\n", encoding="utf-8")
    status, lines, _ = run_cli(
        capsys, "--data-dir", str(desk.data_dir), "search", "--batch", str(batch), "--facets"
    )
    records = [json.loads(line) for line in lines]
    assert status == 0 and [r["query"] for r in records] == ["launch  ", "(broken", "", "satelite", "DPRK"]
    assert records[0]["hits"] and "facets" in records[0]
    assert "error" in records[1] and records[1]["hits"] == []
    assert records[3]["suggestion"] == "satellite" and "notices" not in records[3]
    assert "Pyongyang" in records[4]["notices"][0]


def test_cli_filters_sort_saved_searches_and_tags(desk: Archive, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(desk.data_dir)]
    status, lines, _ = run_cli(
        capsys, *data, "search", "launch", "--filter", "source=Seoul Harbour Times", "--json"
    )
    assert status == 0 and {json.loads(line)["source"] for line in lines} == {"Seoul Harbour Times"}
    assert run_cli(capsys, *data, "saved", "save", "seoul", "launch", "--filter", "year=2023")[0] == 0
    status, lines, _ = run_cli(capsys, *data, "search", "--saved", "seoul", "--json", "--sort", "oldest")
    assert status == 0 and len(lines) == 4
    status, lines, _ = run_cli(capsys, *data, "saved", "list", "--json")
    assert json.loads(lines[0])["filters"] == [["year", "2023"]]
    assert run_cli(capsys, *data, "saved", "delete", "seoul")[0] == 0
    assert run_cli(capsys, *data, "search", "--saved", "seoul")[0] == 1
    doc = json.loads(run_cli(capsys, *data, "search", "Sohae", "--json")[1][0])["id"]
    assert run_cli(capsys, *data, "tag", doc, "watch")[0] == 0
    status, lines, _ = run_cli(capsys, *data, "search", "tag:watch", "--json")
    assert [json.loads(line)["id"] for line in lines] == [doc]
    assert run_cli(capsys, *data, "untag", doc, "watch")[0] == 0
    status, lines, err = run_cli(capsys, *data, "search", "kim)", "--json")
    assert status == 2 and lines == [] and "parenthesis" in err
    status, lines, _ = run_cli(capsys, *data, "search", "--like", doc, "--json", "--limit", "2")
    assert status == 0 and doc not in {json.loads(line)["id"] for line in lines}
