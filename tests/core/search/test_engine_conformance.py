"""What any search engine behind the archive must do: the conformance suite of `SearchEngine`.

Written only against the protocol (briefer/core/search/engine.py) and the package's value types:
each test runs once per engine in ENGINES, on a real index on disk made from small hand-made
documents.  Today that is Whoosh (`SearchIndex`); a second engine (the team archive's PostgreSQL)
joins by adding an `EngineKind` below and passing every test here:

- the query language: words (ANDed, stemmed), OR, NOT, -word, +word, parentheses, phrases,
  fields, dates (absolute, open, relative), aliases; malformed queries raise QueryError;
- highlights: `IndexResults.terms.spans(text)` at the exact character offsets of the text;
- facets and facet filters, sort (relevance, newest, oldest), pages, collapsed copies;
- more like this, spelling suggestions, the vocabulary;
- writing: updates and deletes by id, a batch that fails leaves nothing, another writer is
  refused, and a writer process killed mid-batch leaves the index usable, holding what was
  committed before.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefer.core.documents import Document
from briefer.core.errors import BrieferError
from briefer.core.search import (
    AliasTable,
    IndexBusy,
    IndexResults,
    QueryError,
    SearchEngine,
    SearchIndex,
    SearchRequest,
    Tier,
)

REPO = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class EngineKind:
    """How to open one engine on the index kept in a folder, here and in another process."""

    name: str
    open: Callable[[Path], SearchEngine]
    child_code: str  # Python that binds `engine`, opened on the index in `folder` (a Path)
    server: str = ""  # the fixture of the server it needs, if any


def _postgres(folder: Path) -> SearchEngine:
    from briefer.core.search import PostgresIndex
    from tests.postgres_server import database_for

    return PostgresIndex(database_for(folder))


ENGINES = [
    EngineKind(
        "whoosh",
        lambda folder: SearchIndex(folder),
        "from briefer.core.search import SearchIndex\nengine = SearchIndex(folder)",
    ),
    # The team archive's engine: each index folder stands for a database on the session's server.
    EngineKind(
        "postgres",
        _postgres,
        "from briefer.core.search import PostgresIndex\n"
        "engine = PostgresIndex((folder / 'postgres-url').read_text())",
        server="postgres_server",
    ),
]

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)  # "today" for relative dates
ROCKET = "Crowds cheered \U0001f680 as the rocket launched; the launch was the third this year."


def doc(doc_id: str, title: str, text: str, published: datetime | None = None, **facts: object) -> Document:
    return Document(id=doc_id, title=title, text=text, text_hash="", published=published, **facts)  # type: ignore[arg-type]


DESK = [
    doc(
        "summit",
        "Putin and Kim meet at Vostochny",
        "Kim Jong Un met Vladimir Putin at the Vostochny Cosmodrome.\n\n"
        "The leaders discussed artillery shells and satellite technology.",
        datetime(2023, 9, 13, 8, tzinfo=UTC),
        author="Min Park",
        source="Northern Wire",
        url="https://northernwire.example/summit",
        language="en",
        source_type="wire service",
        tags=("korea",),
    ),
    doc(
        "launch",
        "Satellite launch",
        "North Korea launched a reconnaissance satellite from Sohae.\n\n"
        "The launch drew condemnation from Seoul and Tokyo.",
        datetime(2023, 11, 22, 9, tzinfo=UTC),
        source="Seoul Harbour Times",
        language="en",
        source_type="news",
    ),
    doc(
        "sanctions",
        "New sanctions on arms brokers",
        "Washington announced new sanctions on arms brokers.\n\n"
        "Officials cited shipments of artillery shells by rail.",
        datetime(2023, 10, 13, 15, tzinfo=UTC),
        author="Lee Soo",
        source="Department Notes",
        url="https://departmentnotes.example/brokers",
        language="en",
        source_type="government",
    ),
    doc(
        "grain",
        "Grain exports recover",
        "Ports shipped more grain in February than in any month since the war began.",
        datetime(2024, 2, 10, 8, tzinfo=UTC),
        source="Kyiv Ledger",
        language="en",
        source_type="news",
    ),
    doc(
        "sommet",
        "Le sommet",
        "Kim et Poutine se sont rencontrés à Vostochny.",
        datetime(2023, 9, 14, 6, tzinfo=UTC),
        source="Agence Est",
        language="fr",
        source_type="news",
    ),
    doc(
        "border",
        "Meeting at the border",
        "Officials met at the border crossing.",
        datetime(1999, 6, 1, tzinfo=UTC),
        source="Border Post",
        language="en",
    ),
    doc("rocket", "Rocket day", ROCKET, None, source="Space Desk", language="en"),
]
TEXT = {d.id: d.text for d in DESK}


@pytest.fixture(params=ENGINES, ids=lambda kind: kind.name)
def kind(request: pytest.FixtureRequest) -> EngineKind:
    return _started(request, request.param)


def _started(request: pytest.FixtureRequest, kind: EngineKind) -> EngineKind:
    """`kind`, with the server it needs started (or the test skipped, saying why)."""
    if kind.server:
        request.getfixturevalue(kind.server)
    return kind


@pytest.fixture
def engine(kind: EngineKind, tmp_path: Path) -> Iterator[SearchEngine]:
    """An empty engine of each kind, its index in a folder of its own."""
    opened = kind.open(tmp_path / "index")
    yield opened
    opened.close()


@pytest.fixture(scope="module", params=ENGINES, ids=lambda kind: kind.name)
def desk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchEngine]:
    """The DESK documents, indexed once per engine (read-only: tests that write use `engine`)."""
    kind = _started(request, request.param)
    opened = kind.open(tmp_path_factory.mktemp("desk") / "index")
    with opened.batch() as batch:
        for document in DESK:
            batch.put(document, new=True)
    yield opened
    opened.close()


def found(engine: SearchEngine, query: str, **options: object) -> IndexResults:
    """The results of `query`; with all the words only, unless a test asks for the relaxed tier."""
    options.setdefault("limit", 50)
    options.setdefault("relax", False)
    options.setdefault("now", NOW)
    return engine.search(SearchRequest(query, **options))  # type: ignore[arg-type]


def ids(engine: SearchEngine, query: str, **options: object) -> set[str]:
    return {hit.doc_id for hit in found(engine, query, **options).hits}


def ranked(engine: SearchEngine, query: str, **options: object) -> list[str]:
    return [hit.doc_id for hit in found(engine, query, **options).hits]


def marked(doc_id: str, results: IndexResults) -> list[tuple[int, int, str]]:
    text = TEXT[doc_id]
    return [(a, b, text[a:b]) for a, b in results.terms.spans(text)]


def at(doc_id: str, word: str, nth: int = 0) -> tuple[int, int, str]:
    """The span of the `nth` occurrence of `word` in the document's text."""
    text, start = TEXT[doc_id], -1
    for _ in range(nth + 1):
        start = text.index(word, start + 1)
    return start, start + len(word), word


# -- the query language ---------------------------------------------------------------------
def test_words_are_all_required_and_stemmed(desk: SearchEngine) -> None:
    assert ids(desk, "kim putin") == {"summit"}
    assert ids(desk, "shells") == ids(desk, "shell") == {"summit", "sanctions"}
    assert ids(desk, "launching") == {"launch", "rocket"}  # launched, launch
    results = found(desk, "artillery", relax=True)  # one word: no relaxed tier
    assert results.total == 2 and results.relaxed == 0
    assert {h.match for h in results.hits} == {Tier.ALL}


def test_boolean_operators_signs_and_groups(desk: SearchEngine) -> None:
    assert ids(desk, "vostochny OR sohae") == {"summit", "launch", "sommet"}
    assert ids(desk, "artillery NOT sanctions") == ids(desk, "artillery -sanctions") == {"summit"}
    assert ids(desk, "(grain OR satellite) -korea") == {"grain", "summit"}
    assert ids(desk, "officials -(border OR sanctions)") == set()
    assert ids(desk, 'artillery -"arms brokers"') == {"summit"}


def tiers(engine: SearchEngine, query: str, **options: object) -> list[tuple[str, str]]:
    """Each hit's document id and `match` ("all" or "most"), in the order listed."""
    return [(h.doc_id, h.match.value) for h in found(engine, query, relax=True, **options).hits]


# -- the relaxed tier: most of the words, after the documents with all of them --------------
def test_documents_with_most_of_the_words_follow_those_with_all(desk: SearchEngine) -> None:
    # "Le sommet" has Kim and Vostochny, not Putin: 2 of 3 words, listed after the summit.
    assert tiers(desk, "kim vostochny putin") == [("summit", "all"), ("sommet", "most")]
    assert tiers(desk, "kim vostochny putin", sort="newest") == [("summit", "all"), ("sommet", "most")]
    results = found(desk, "kim vostochny putin", relax=True)
    assert (results.total, results.relaxed) == (2, 1)
    assert ids(desk, "kim vostochny putin") == {"summit"}  # relax=False: all the words only
    assert tiers(desk, "kim putin sohae") == [("summit", "most")]  # none has all three
    assert set(tiers(desk, "kim sohae")) == {("summit", "most"), ("launch", "most"), ("sommet", "most")}


def test_the_relaxed_tier_relaxes_free_words_only(desk: SearchEngine) -> None:
    assert tiers(desk, "kim sohae launch") == [("launch", "most")]
    assert tiers(desk, "+kim sohae launch") == []  # + keeps kim required
    assert tiers(desk, "kim AND vostochny putin") == [("summit", "all")]  # an explicit AND too
    assert tiers(desk, "kim putin vostochny cosmodrome") == [("summit", "all")]
    assert tiers(desk, '"kim putin" vostochny cosmodrome') == []  # and quotes: nobody has the phrase
    assert tiers(desk, "kim vostochny putin -poutine") == [("summit", "all")]  # NOT still excludes
    # Field and date clauses always hold: the border meeting (1999) has two of the words, but not the date.
    assert set(tiers(desk, "officials border rail")) == {("border", "most"), ("sanctions", "most")}
    assert tiers(desk, "officials border rail published:>=2020") == [("sanctions", "most")]
    assert tiers(desk, "officials border rail source:border") == [("border", "most")]
    assert tiers(desk, "officials border rail", filters=(("year", "2023"),)) == [("sanctions", "most")]


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
@pytest.mark.parametrize(
    "query",
    ["kim vostochny putin", "officials shells", "launch satellite korea", "artillery shells officials rail",
     '"arms brokers" officials shells', "kim OR putin sohae", "shells -sanctions vostochny kim"],
)  # fmt: skip
def test_the_relaxed_tier_only_adds_below_what_all_the_words_find(
    desk: SearchEngine, query: str, sort: str
) -> None:
    strict = found(desk, query, sort=sort)
    relaxed = found(desk, query, sort=sort, relax=True)
    tiers_listed = [h.match for h in relaxed.hits]
    assert tiers_listed == sorted(tiers_listed, key=[Tier.ALL, Tier.MOST].index)  # never a "most" first
    assert [(h.doc_id, h.score) for h in relaxed.hits if h.match is Tier.ALL] == [
        (h.doc_id, h.score) for h in strict.hits
    ]
    assert relaxed.total - relaxed.relaxed == strict.total


def test_pages_totals_and_facets_run_across_both_tiers(desk: SearchEngine) -> None:
    first = found(desk, "kim vostochny putin", relax=True, limit=2, facets=True)
    assert first.facets is not None and first.facets["language"] == {"en": 1, "fr": 1}
    # A full page with all the words has no relaxed tier: fewer than a page is what asks for it.
    assert tiers(desk, "kim vostochny putin", limit=1) == [("summit", "all")]
    # The arms brokers have officials and shells; the summit has shells, the border meeting officials.
    pages = [found(desk, "officials shells", relax=True, limit=2, page=p) for p in (1, 2)]
    assert [(p.total, p.relaxed) for p in pages] == [(3, 2), (3, 2)]
    listed = [(h.doc_id, h.match.value) for p in pages for h in p.hits]
    assert listed[0] == ("sanctions", "all") and {*listed[1:]} == {("summit", "most"), ("border", "most")}


def test_phrases_match_words_in_order(desk: SearchEngine) -> None:
    assert ids(desk, '"artillery shells"') == {"summit", "sanctions"}
    assert ids(desk, '"shells artillery"') == set()
    assert ids(desk, '"vostochny cosmodrome"') == {"summit"}
    assert ids(desk, '"new sanctions arms"') == {"sanctions"}  # the stop word "on" between, as indexed


def test_fields(desk: SearchEngine) -> None:
    assert ids(desk, "title:sanctions") == {"sanctions"}
    assert ids(desk, "title:launch") == {"launch"}  # the rocket's "launch" is in its text only
    assert ids(desk, "body:sohae") == {"launch"}
    assert ids(desk, "author:park") == {"summit"}
    assert ids(desk, 'author:"lee soo"') == {"sanctions"}
    assert ids(desk, 'source:"harbour times"') == {"launch"}
    assert ids(desk, "source:harbour") == {"launch"}
    assert ids(desk, "url:departmentnotes.example") == {"sanctions"}
    assert ids(desk, "tag:korea") == {"summit"}
    assert ids(desk, 'type:"wire service"') == ids(desk, "type:wire-service") == {"summit"}
    assert ids(desk, "lang:fr") == ids(desk, "language:FR") == {"sommet"}


def test_dates(desk: SearchEngine) -> None:
    september = {"summit", "sommet"}
    assert ids(desk, "published:2023-09") == september
    assert ids(desk, "published:[2023-09-01 to 2023-09-30]") == september
    assert ids(desk, "published:[20230901 to 20230930]") == september
    assert ids(desk, 'published:"September 2023"') == september
    assert ids(desk, "published:[2023-09-01 to 2023-10-31]") == september | {"sanctions"}
    assert ids(desk, "published:{2023-09-13 to 2023-09-14]") == {"sommet"}
    assert ids(desk, "published:>2023-11") == {"grain"}
    assert ids(desk, "published:>=2023-11") == {"launch", "grain"}
    assert ids(desk, "published:<2000") == {"border"}
    assert ids(desk, "published:[2023-11-01 to]") == {"launch", "grain"}
    assert ids(desk, 'published:"last 30 days"') == {"grain"}  # NOW is 1 March 2024
    assert ids(desk, "vostochny published:2023-09-14") == {"sommet"}


def test_aliases_expand_a_name_to_its_variants(engine: SearchEngine) -> None:
    engine.aliases = AliasTable.parse("DPRK\tNorth Korea\tPyongyang\n")
    with engine.batch() as batch:
        for document in DESK:
            batch.put(document)
    results = found(engine, "dprk")
    assert {h.doc_id for h in results.hits} == {"launch"}  # "North Korea", as a phrase
    assert results.expansions and "North Korea" in results.expansions[0].describe()
    assert marked("launch", results) == [at("launch", "North Korea")]
    assert ids(engine, "dprk", aliases=False) == set()


@pytest.mark.parametrize(
    "query",
    ['"unclosed phrase', "(kim OR putin", "colour:red", "published:notadate", "AND", "NOT"],
)
def test_a_malformed_query_is_a_query_error(desk: SearchEngine, query: str) -> None:
    with pytest.raises(QueryError) as refused:
        found(desk, query)
    assert isinstance(refused.value, BrieferError) and str(refused.value)


# -- highlights ------------------------------------------------------------------------------
def test_highlights_are_character_spans_of_the_text(desk: SearchEngine) -> None:
    results = found(desk, "shells satellite")
    assert marked("summit", results) == [at("summit", "shells"), at("summit", "satellite")]
    launches = found(desk, "launch")
    assert marked("rocket", launches) == [at("rocket", "launched"), at("rocket", "launch", 1)]
    # Offsets count characters, whatever comes before: the rocket emoji is one.
    assert ROCKET[slice(*marked("rocket", launches)[0][:2])] == "launched"
    assert marked("launch", launches) == [at("launch", "launched"), at("launch", "launch", 1)]


def test_a_phrase_is_marked_whole_and_its_words_not_again(desk: SearchEngine) -> None:
    results = found(desk, '"artillery shells" shells')
    assert marked("sanctions", results) == [at("sanctions", "artillery shells")]
    stopped = found(desk, '"new sanctions arms"')
    assert marked("sanctions", stopped) == [at("sanctions", "new sanctions on arms")]


def test_excluded_words_are_not_marked(desk: SearchEngine) -> None:
    results = found(desk, "artillery -sanctions")
    assert marked("sanctions", results) == [at("sanctions", "artillery")]
    assert marked("summit", found(desk, "rail -shells")) == []


def test_more_like_this_marks_its_words_too(desk: SearchEngine) -> None:
    similar = desk.more_like(TEXT["summit"], exclude={"summit"}, limit=5)
    assert "summit" not in {h.doc_id for h in similar.hits}
    assert {"sanctions", "launch"} <= {h.doc_id for h in similar.hits}
    assert similar.total >= 2 and similar.hits[0].score >= similar.hits[-1].score
    assert at("sanctions", "artillery") in marked("sanctions", similar)


# -- facets, filters, sort, pages, copies -----------------------------------------------------
WIDE = "artillery OR satellite OR grain"  # summit, sanctions, launch, grain


def test_facets_count_every_match(desk: SearchEngine) -> None:
    facets = found(desk, WIDE, facets=True).facets
    assert facets is not None
    assert facets["source"] == {
        "Northern Wire": 1,
        "Department Notes": 1,
        "Seoul Harbour Times": 1,
        "Kyiv Ledger": 1,
    }
    assert facets["type"] == {"news": 2, "wire service": 1, "government": 1}
    assert facets["year"] == {"2024": 1, "2023": 3}
    assert facets["month"] == {"2024-02": 1, "2023-11": 1, "2023-10": 1, "2023-09": 1}
    assert facets["language"] == {"en": 4}
    assert facets["tag"] == {"korea": 1}
    assert found(desk, WIDE).facets is None  # only when asked for


def test_filters_narrow_to_facet_values(desk: SearchEngine) -> None:
    assert ids(desk, WIDE, filters=(("type", "news"),)) == {"launch", "grain"}
    either = (("source", "Kyiv Ledger"), ("source", "Northern Wire"))
    assert ids(desk, WIDE, filters=either) == {"grain", "summit"}
    both = (("type", "news"), ("year", "2023"))
    assert ids(desk, WIDE, filters=both) == {"launch"}
    assert ids(desk, WIDE, filters=(("month", "2023-10"),)) == {"sanctions"}
    assert ids(desk, "vostochny", filters=(("language", "fr"),)) == {"sommet"}
    assert found(desk, WIDE, filters=(("type", "news"),)).total == 2


def test_sort_orders(desk: SearchEngine) -> None:
    assert ranked(desk, WIDE, sort="newest") == ["grain", "launch", "sanctions", "summit"]
    assert ranked(desk, WIDE, sort="oldest") == ["summit", "sanctions", "launch", "grain"]
    best = found(desk, "satellite OR shells")
    assert best.hits[0].doc_id == "launch"  # in its title too: a title weighs more
    scores = [h.score for h in best.hits]
    assert scores == sorted(scores, reverse=True) and len(scores) == 3


def test_pages(desk: SearchEngine) -> None:
    every = ranked(desk, WIDE, sort="oldest")
    pages = [found(desk, WIDE, sort="oldest", limit=3, page=n) for n in (1, 2, 3)]
    assert [[h.doc_id for h in p.hits] for p in pages] == [every[:3], every[3:], []]
    assert {p.total for p in pages} == {4}


def test_copies_collapse_into_one_hit(desk: SearchEngine) -> None:
    clusters = {"summit": "summit", "sanctions": "summit"}  # as if the two were copies of one story
    results = desk.search(SearchRequest("artillery"), clusters=clusters)
    assert len(results.hits) == 1 and results.total == 2 and results.stories == 1
    apart = desk.search(SearchRequest("artillery", collapse=False), clusters=clusters)
    assert len(apart.hits) == 2 and apart.stories is None


# -- suggestions and vocabulary ---------------------------------------------------------------
def test_a_misspelled_word_gets_a_suggestion(desk: SearchEngine) -> None:
    assert found(desk, "artilery shells").suggestion == "artillery shells"
    assert found(desk, "Sanctons").suggestion == "Sanctions"
    assert found(desk, "artillery shells").suggestion == ""


def test_the_vocabulary_holds_the_words_as_written(desk: SearchEngine) -> None:
    assert desk.words("sat") == ["satellite"]
    assert desk.words("cosmo") == ["cosmodrome"]  # lower case, not stemmed
    assert "launched" in desk.words("launch") and "launch" in desk.words("launch")
    assert desk.words("zzz") == []
    assert len(desk.words("", limit=5)) == 5


# -- writing ----------------------------------------------------------------------------------
def test_updates_and_deletes_by_id(engine: SearchEngine) -> None:
    with engine.batch() as batch:
        batch.put(doc("a", "Harbour", "The ferry left the harbour."), new=True)
        batch.put(doc("b", "Mill", "The mill ground wheat."), new=True)
    assert engine.doc_count() == 2 and ids(engine, "ferry") == {"a"}
    with engine.batch() as batch:
        batch.put(doc("a", "Harbour", "The tug left the harbour."))  # the same id: replaced
    assert ids(engine, "ferry") == set() and ids(engine, "tug") == {"a"} and engine.doc_count() == 2
    with engine.batch() as batch:
        batch.delete("b")
        batch.delete("never-indexed")
    assert ids(engine, "wheat") == set() and engine.doc_count() == 1
    engine.reset()
    assert engine.doc_count() == 0 and ids(engine, "tug") == set()


def test_a_failed_batch_leaves_nothing_and_a_committed_part_stays(engine: SearchEngine) -> None:
    with pytest.raises(RuntimeError), engine.batch() as batch:
        batch.put(doc("a", "Harbour", "The ferry left."), new=True)
        raise RuntimeError("the import failed")
    assert engine.doc_count() == 0
    with pytest.raises(RuntimeError), engine.batch() as batch:
        batch.put(doc("a", "Harbour", "The ferry left."), new=True)
        batch.commit_and_continue()
        batch.put(doc("b", "Mill", "The mill ground wheat."), new=True)
        raise RuntimeError("the import failed")
    assert engine.doc_count() == 1 and ids(engine, "ferry") == {"a"} and ids(engine, "wheat") == set()


WRITER = """
import sys, time
from pathlib import Path
from briefer.core.documents import Document
folder, bulk = Path(sys.argv[1]), sys.argv[2] == "bulk"
{open}
def doc(doc_id, text):
    return Document(id=doc_id, title=doc_id, text=text, text_hash="")
with engine.batch() as batch:
    batch.put(doc("before", "committed in a batch of its own"), new=True)
with engine.batch(bulk=bulk) as batch:
    batch.put(doc("early", "committed half-way through the batch"), new=True)
    batch.commit_and_continue()
    for n in range(300):
        batch.put(doc(f"lost{{n}}", f"never committed uncommitted {{n}}"), new=True)
    print("mid-batch", flush=True)
    time.sleep(600)
"""


@pytest.mark.parametrize("mode", ["single", "bulk"])
def test_a_writer_killed_mid_batch_leaves_what_it_committed(
    kind: EngineKind, tmp_path: Path, mode: str
) -> None:
    folder = tmp_path / "index"
    kind.open(folder).close()  # the index exists before the writer starts
    code = WRITER.format(open=kind.child_code)
    writer = subprocess.Popen(
        [sys.executable, "-c", code, str(folder), mode],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        line = writer.stdout.readline()
        assert line.strip() == "mid-batch", line or writer.communicate()[1]  # its traceback if it died
        reader = kind.open(folder)
        assert ids(reader, "committed") == {"before", "early"}  # a search never sees half a batch
        if mode == "single":
            started = time.monotonic()
            with pytest.raises(IndexBusy), reader.batch() as batch:
                batch.put(doc("late", "Late", "waits for the other writer"))
            assert time.monotonic() - started < 30
        reader.close()
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.communicate(timeout=30)
    after = kind.open(folder)
    try:
        assert after.rebuilt_reason == ""
        assert ids(after, "committed") == {"before", "early"}
        assert ids(after, "uncommitted") == set() and after.doc_count() == 2
        with after.batch() as batch:  # usable: no stale lock, no half-written segment in the way
            batch.put(doc("later", "Later", "written after the kill"), new=True)
        assert ids(after, "written") == {"later"} and after.doc_count() == 3
    finally:
        after.close()
