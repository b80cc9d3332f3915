"""The PostgreSQL engine beyond the conformance suite: what PostgreSQL's limits and its lack of idf
could break (positions past 16,383, 256 positions per word, proximity expansions, statistics kept
by hand), the same scores as the Whoosh engine, and the statement timeout on searches.

Against the session's real server (tests/postgres_server.py); skipped with the reason without one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from briefer.core.documents import Document
from briefer.core.search import PostgresIndex, QueryTooBroad, SearchIndex, SearchRequest
from briefer.core.search._pg_search import RERANK_POOL
from briefer.core.search._pg_write import PART_POSITIONS
from briefer.core.team.schema import migrate
from tests.core.search.test_engine_conformance import DESK, NOW
from tests.postgres_server import create_database, drop_database


@pytest.fixture
def database(postgres_server: str) -> Iterator[str]:
    """A fresh database with the team schema; its URL."""
    name = f"s_{uuid.uuid4().hex[:12]}"
    url = create_database(postgres_server, name)
    with psycopg.connect(url) as connection:
        migrate(connection)
    yield url
    drop_database(postgres_server, name)


@pytest.fixture
def engine(database: str) -> Iterator[PostgresIndex]:
    opened = PostgresIndex(database)
    yield opened
    opened.close()


def doc(doc_id: str, title: str, text: str, **facts: object) -> Document:
    facts.setdefault("published", datetime(2024, 1, 5, tzinfo=UTC))
    return Document(id=doc_id, title=title, text=text, text_hash="", **facts)  # type: ignore[arg-type]


def hits(engine: PostgresIndex | SearchIndex, query: str, **options: object) -> list[tuple[str, float]]:
    options.setdefault("limit", 50)
    options.setdefault("now", NOW)
    found = engine.search(SearchRequest(query, **options))  # type: ignore[arg-type]
    return [(h.doc_id, h.score) for h in found.hits]


def filler(count: int, start: int = 0) -> list[str]:
    """`count` different words (w0, w1, ...): a long text whose words each occur once."""
    return [f"w{n}" for n in range(start, start + count)]


# A body of 40,000 words: "golden harbour" at words 20,000-20,001 (past PostgreSQL's last position,
# 16,383), "silver lantern" across the first cut between parts (words 15,999 and 16,000).
LONG = [*filler(PART_POSITIONS - 1), "silver", "lantern", *filler(4000, 20_000), "golden", "harbour"]
LONG += filler(20_000, 30_000)
# "rocket" 400 times before "rocket landing": PostgreSQL keeps 256 positions of a word per tsvector.
REPEATED = "rocket launch " * 400 + "rocket landing at dawn"


def long_documents() -> list[Document]:
    return [
        doc("long", "A long report", " ".join(LONG)),
        doc("repeated", "Launch log", REPEATED),
        doc("short", "Silver", "Lantern light over the golden bay; the harbour was quiet."),
    ]


def test_phrases_match_past_the_position_limit_and_across_parts_once(engine: PostgresIndex) -> None:
    with engine.batch() as batch:
        for document in long_documents():
            batch.put(document, new=True)
    assert hits_ids(engine, '"golden harbour"') == ["long"]
    results = engine.search(SearchRequest('"silver lantern"', now=NOW))
    assert [h.doc_id for h in results.hits] == ["long"] and results.total == 1  # counted once
    # "Silver" is the short one's title and "Lantern" its text's first word: no phrase across fields.
    assert set(hits_ids(engine, "silver lantern")) == {"long", "short"}
    assert hits_ids(engine, '"silver lantern"') == ["long"]
    assert hits_ids(engine, '"rocket landing"') == ["repeated"]
    text = " ".join(LONG)
    start = text.index("golden harbour")
    assert results.terms.spans(text) == [(text.index("silver lantern"), text.index("silver lantern") + 14)]
    assert engine.search(SearchRequest('"golden harbour"', now=NOW)).terms.spans(text) == [
        (start, start + 14)
    ]


def hits_ids(engine: PostgresIndex, query: str) -> list[str]:
    return [doc_id for doc_id, _ in hits(engine, query)]


def test_scores_are_the_whoosh_engines(engine: PostgresIndex) -> None:
    """Both engines rank with one BM25F: the same documents give the same scores, whatever their
    length (long texts in parts, words past 256 positions) and the same explained factors."""
    whoosh = SearchIndex(None)
    documents = [*DESK, *long_documents()]
    for index in (engine, whoosh):
        with index.batch() as batch:
            for document in documents:
                batch.put(document, new=True)
    queries = [
        "kim putin",
        "satellite OR shells",
        '"artillery shells" officials',
        "rocket launch",
        "golden harbour w20001",
        "kim vostochny putin",
        "launch*",
        "title:launch rocket",
        "harbour -silver",
        "vostochny lang:fr",  # labels and tags count one, as in the Whoosh index
        "tag:korea shells",
    ]
    for query in queries:
        ours, theirs = hits(engine, query, relax=True), hits(whoosh, query, relax=True)
        assert [d for d, _ in ours] == [d for d, _ in theirs], query
        assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], rel=1e-9), query
    explained = [
        engine.search(SearchRequest("kim putin", explain=True)).hits[0].factors for engine in (engine, whoosh)
    ]
    assert [(f.kind, f.field, f.words) for f in explained[0]] == [
        (f.kind, f.field, f.words) for f in explained[1]
    ]
    assert [f.score for f in explained[0]] == pytest.approx([f.score for f in explained[1]], rel=1e-9)


def test_proximity_is_expanded_in_both_orders_and_capped(engine: PostgresIndex) -> None:
    whoosh = SearchIndex(None)
    documents = [
        doc("near", "Talks", "Putin later met Kim in the east."),  # putin .. kim: 3 apart
        doc("far", "Talks", "Kim arrived; officials said that many weeks later Putin came."),
        doc("close", "Talks", "Kim Putin summit."),
    ]
    for index in (engine, whoosh):
        with index.batch() as batch:
            for document in documents:
                batch.put(document, new=True)
    for query in ['"kim putin"~1', '"kim putin"~2', '"kim putin"~3', '"putin kim"~3', '"kim putin"~8',
                  '"kim later putin"~2']:  # fmt: skip
        assert {d for d, _ in hits(engine, query)} == {d for d, _ in hits(whoosh, query)}, query
    assert {d for d, _ in hits(engine, '"kim putin"~3')} == {"near", "close"}
    with pytest.raises(QueryTooBroad) as refused:
        hits(engine, '"kim putin met east summit"~9')
    assert "arrangements" in str(refused.value) and "~" in str(refused.value)


def test_statistics_after_updates_and_deletes_are_those_of_a_fresh_index(
    engine: PostgresIndex, database: str, postgres_server: str
) -> None:
    """Document frequencies and lengths are kept by the writer: a replaced or deleted document
    must leave them as if it had never been there."""
    with engine.batch() as batch:
        for document in [*DESK, *long_documents()]:
            batch.put(document)
    with engine.batch() as batch:
        batch.put(doc("summit", "Talks resumed", "Officials resumed talks about grain and shells."))
        batch.delete("long")
        batch.delete("sanctions")
        batch.commit_and_continue()
        batch.put(doc("repeated", "Log", "rocket landing"))
    name = f"s_{uuid.uuid4().hex[:12]}"
    fresh_url = create_database(postgres_server, name)
    try:
        with psycopg.connect(fresh_url) as connection:
            migrate(connection)
        fresh = PostgresIndex(fresh_url)
        final = {d.id: d for d in [*DESK, *long_documents()]}
        final.pop("long"), final.pop("sanctions")
        final["summit"] = doc("summit", "Talks resumed", "Officials resumed talks about grain and shells.")
        final["repeated"] = doc("repeated", "Log", "rocket landing")
        with fresh.batch() as batch:
            for document in final.values():
                batch.put(document)
        fresh.close()
        assert _statistics(database) == _statistics(fresh_url)
    finally:
        drop_database(postgres_server, name)


def _statistics(url: str) -> tuple[object, ...]:
    with psycopg.connect(url) as connection:
        terms = connection.execute(
            "SELECT field, term, docs, occurrences FROM briefer.search_terms ORDER BY field, term"
        ).fetchall()
        stats = connection.execute(
            "SELECT docs, title_length, body_length FROM briefer.search_stats"
        ).fetchone()
    return stats, terms


def test_a_search_that_runs_out_of_time_is_refused_with_the_reason(database: str) -> None:
    engine = PostgresIndex(database, statement_timeout_ms=200)
    try:
        with engine.batch() as batch:
            batch.put(DESK[0])
        with psycopg.connect(database) as blocker:  # holds the table: the search waits, then gives up
            blocker.execute("LOCK TABLE briefer.search_docs IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(QueryTooBroad) as refused:
                engine.search(SearchRequest("kim"))
        assert "longer than 0.2 s" in str(refused.value)
        assert [h.doc_id for h in engine.search(SearchRequest("kim")).hits] == ["summit"]  # usable after
    finally:
        engine.close()


@pytest.mark.parametrize(
    "query",
    ["kim putin", "vostochny OR sohae", '"artillery shells"', "artillery -sanctions", "title:launch",
     "launch*", "kim vostochny putin", "body:sohae OR title:sanctions", "published:2023 ANDNOT sanctions"],
)  # fmt: skip
def test_a_document_with_too_many_words_to_list_is_found_all_the_same(
    database: str, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search first looks a document's words up in its word list (one tsvector); a document
    with more different words than one tsvector holds has none, and is found by its fields."""
    from briefer.core.search import _pg_write

    whoosh = SearchIndex(None)
    with whoosh.batch() as batch:
        for document in DESK:
            batch.put(document)
    monkeypatch.setattr(_pg_write, "MAX_WORD_LIST_BYTES", 10)  # every DESK text is "too long"
    engine = PostgresIndex(database)
    try:
        with engine.batch() as batch:
            for document in DESK:
                batch.put(document)
        with psycopg.connect(database) as connection:
            listed = connection.execute("SELECT count(words) FROM briefer.search_docs").fetchone()
        assert listed == (0,)
        ours = hits(engine, query, relax=True)
        theirs = hits(whoosh, query, relax=True)
        assert [d for d, _ in ours] == [d for d, _ in theirs]
        request = SearchRequest(query, relax=True, now=NOW)
        assert engine.search(request).total == whoosh.search(request).total  # each counted once
        assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], rel=1e-9)
    finally:
        engine.close()


@pytest.mark.parametrize(
    "query", ["launch -published:2023", "officials -type:news", "launch NOT tag:korea", "met -source:wire"]
)
def test_a_negated_fact_holds_for_documents_without_it(engine: PostgresIndex, query: str) -> None:
    """An undated document is not published in 2023, one without a type is not news: SQL's NULL
    must not make NOT drop it (as it would: NOT NULL is NULL)."""
    whoosh = SearchIndex(None)
    for index in (engine, whoosh):
        with index.batch() as batch:
            for document in DESK:
                batch.put(document)
    assert {d for d, _ in hits(engine, query)} == {d for d, _ in hits(whoosh, query)} != set()


def test_readers_search_and_only_analysts_write(engine: PostgresIndex, database: str) -> None:
    """The database decides: a reader's engine searches, and is refused before it writes."""
    from briefer.core.team import add_analyst
    from briefer.core.team.errors import TeamPermissionDenied

    with engine.batch() as batch:
        batch.put(DESK[0])
    reader, analyst = f"reader_{uuid.uuid4().hex[:8]}", f"analyst_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database, autocommit=True) as admin:
        add_analyst(admin, reader, "reader")
        add_analyst(admin, analyst, "analyst")
    as_reader = PostgresIndex(database.replace("postgres@", f"{reader}@", 1))
    as_analyst = PostgresIndex(database.replace("postgres@", f"{analyst}@", 1))
    try:
        assert [h.doc_id for h in as_reader.search(SearchRequest("kim artilery")).hits] == ["summit"]
        assert as_reader.search(SearchRequest("kim artilery")).suggestion == "kim artillery"
        with pytest.raises(TeamPermissionDenied, match="analyst role"), as_reader.batch() as batch:
            batch.put(DESK[1])
        with as_analyst.batch() as batch:
            batch.put(DESK[1])
        assert as_reader.doc_count() == 2
    finally:
        as_reader.close()
        as_analyst.close()


def test_a_search_after_the_server_dropped_the_connection_connects_again(
    engine: PostgresIndex, database: str
) -> None:
    with engine.batch() as batch:
        batch.put(DESK[0])
    assert engine.doc_count() == 1
    with psycopg.connect(database, autocommit=True) as admin:  # as an administrator (or a restart) would
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    assert [h.doc_id for h in engine.search(SearchRequest("kim")).hits] == ["summit"]


def test_a_document_deleted_then_added_as_new_in_one_batch_is_replaced(engine: PostgresIndex) -> None:
    with engine.batch() as batch:
        batch.put(doc("a", "Harbour", "The ferry left."), new=True)
    with engine.batch() as batch:  # both wait in the batch's buffer: the deletion is sent with the put
        batch.delete("a")
        batch.put(doc("a", "Harbour", "The tug left."), new=True)
    assert engine.doc_count() == 1 and hits_ids(engine, "tug") == ["a"] and hits_ids(engine, "ferry") == []


def test_a_fuzzy_word_is_found_among_many_words_of_the_same_letter(engine: PostgresIndex) -> None:
    """A fuzzy word's candidates are every term of its first letter and a near length, however many."""
    whoosh = SearchIndex(None)
    documents = [
        doc("lexicon", "Ledger", " ".join(f"l{n:05d}" for n in range(6000))),  # 6,000 words in l...
        doc("launch", "Satellite", "The launch went well."),
    ]
    for index in (engine, whoosh):
        with index.batch() as batch:
            for document in documents:
                batch.put(document)
    assert hits_ids(engine, "lanch~") == ["launch"] == [d for d, _ in hits(whoosh, "lanch~")]


def test_a_word_two_edits_off_at_its_start_gets_a_suggestion_from_the_trigram_index(
    engine: PostgresIndex,
) -> None:
    # The Whoosh engine reads only the words that start as typed; pg_trgm finds them wherever the typo is.
    with engine.batch() as batch:
        batch.put(doc("recon", "Satellite", "A reconnaissance satellite was launched."), new=True)
        batch.put(doc("other", "Grain", "Ports shipped grain."), new=True)
    assert engine.search(SearchRequest("ceconaissance satellite")).suggestion == "reconnaissance satellite"


# -- pages: slices of one ranked list ---------------------------------------------------------------
PAGED = 1300  # more matches than the re-rank pool (RERANK_POOL), so pages go past it


def paged_documents() -> list[Document]:
    """`PAGED` documents with "harbour" (a count and a length that vary, so BM25F reorders the
    server's candidates), dates shared by many (ties to break) or none, and "beacon" in a few."""
    documents = []
    for n in range(PAGED):
        words = ["harbour"] * (1 + n % 7) + filler(3 + (n * 37) % 50, n)
        if n % 31 == 0:
            words.append("beacon")
        published = None if n % 13 == 0 else datetime(2023, 1 + n % 12, 1 + n % 5, tzinfo=UTC)
        documents.append(doc(f"p{n:04d}", f"Report {n}", " ".join(words), published=published))
    return documents


def all_pages(
    engine: PostgresIndex, query: str, clusters: dict[str, str] | None, **options: object
) -> list[str]:
    """Every hit of `query`, paging 100 at a time until a page comes back short."""
    found: list[str] = []
    for page in range(1, 40):
        request = SearchRequest(query, limit=100, page=page, now=NOW, **options)  # type: ignore[arg-type]
        hits = [h.doc_id for h in engine.search(request, clusters=clusters).hits]
        found += hits
        if len(hits) < 100:
            break
    return found


def test_pages_are_slices_of_one_ranked_list_past_the_rerank_pool(engine: PostgresIndex) -> None:
    """Paging through 1,300 matches shows each once, in the order of asking for all of them at
    once, whatever the sort, with one hit per story, and in the relaxed tier too."""
    with engine.batch() as batch:
        for document in paged_documents():
            batch.put(document, new=True)
    clusters = {f"p{n:04d}": f"story{n // 10}" for n in range(0, PAGED, 3)}  # every third doc, in stories
    for query, strict in (("harbour", PAGED), ("harbour beacon", len(range(0, PAGED, 31)))):
        for sort in ("relevance", "newest", "oldest"):
            for grouped in (None, clusters):
                label = (query, sort, grouped is not None)
                paged = all_pages(engine, query, grouped, sort=sort)
                whole = engine.search(SearchRequest(query, limit=5000, now=NOW, sort=sort), clusters=grouped)
                assert paged == [h.doc_id for h in whole.hits], label
                assert len(set(paged)) == len(paged), label
                if grouped is None:
                    assert set(paged) == {f"p{n:04d}" for n in range(PAGED)}, label
                    assert whole.total == PAGED and whole.total - whole.relaxed == strict, label
                else:
                    assert len(paged) == whole.stories, label


def test_words_and_phrases_are_found_through_the_indexes_not_by_reading_every_row(
    engine: PostgresIndex, database: str
) -> None:
    """A search's condition is one the GIN indexes answer (the word list, or the fields' own
    columns for the documents without one): an OR that no index serves would read every row of
    search_docs on each search.  With sequential scans priced out, the plan must not need one."""
    from psycopg import sql

    from briefer.core.search._pg_query import Compiler

    with engine.batch() as batch:
        for n in range(40):
            batch.put(doc(f"d{n}", f"Report {n}", " ".join(["golden", "harbour", *filler(5, n)])), new=True)
    with psycopg.connect(database) as connection:
        connection.execute("SET search_path = briefer")
        connection.execute("SET enable_seqscan = off")
        for query in ("harbour", "harbour w3", '"golden harbour"', "harbour OR quay", "title:report harbour"):
            where = Compiler(lambda *_: []).matches(engine._parser.parse(query))
            count = sql.SQL("EXPLAIN {}").format(where.count())
            plan = "\n".join(row[0] for row in connection.execute(count).fetchall())
            assert "Seq Scan on search_docs" not in plan, (query, plan)


# -- what a search reads: its matches, not their word lists again -----------------------------------
def searched_plans(engine: PostgresIndex, request: SearchRequest, *, seqscan: bool = False) -> list[str]:
    """The plans (EXPLAIN ANALYZE, by auto_explain) of the statements `request` runs, with
    sequential scans priced out as on a large archive (a small table is cheaper to read whole)
    unless `seqscan`."""
    plans: list[str] = []
    reader = engine._reader
    assert reader is not None
    reader.add_notice_handler(lambda notice: plans.append(notice.message_primary or ""))
    for setting in ("log_min_duration = 0", "log_analyze = on", "log_level = notice"):
        reader.execute(f"SET auto_explain.{setting}")
    reader.execute("LOAD 'auto_explain'")
    reader.execute(f"SET enable_seqscan = {'on' if seqscan else 'off'}")
    reader.execute("ANALYZE briefer.search_docs")  # as autovacuum will have: estimates choose the plans
    engine.search(request)
    return plans


@pytest.mark.parametrize(
    "query", ['harbour published:"last 12 months"', "harbour", "harbour quay", "title:report harbour"]
)
def test_a_search_reads_no_matchs_word_list_again_to_count_rank_or_facet(
    engine: PostgresIndex, query: str
) -> None:
    """The word lists' index finds the matches.  Reading each match's word list again (one
    condition for documents with a list and without, an OR no index answers whole, so tested row
    by row; or a rank from the list) made a broad word cost what unpacking every match's list
    costs: 0.2 s for 16,000 matches at 100,000 documents.  With more matches than the re-rank
    pool, and the facets: no plan has that OR, and the rank reads no list for a word every match has."""
    with engine.batch() as batch:  # "harbour" in one in three, all in the last 12 months
        for n in range(3 * (RERANK_POOL + 100)):
            published = NOW - timedelta(days=n % 300)
            title, words = (f"Harbour report {n}", "harbour quay") if n % 3 == 0 else (f"Note {n}", "berth")
            text = f"{words} {' '.join(filler(5, n))}"
            outlet = f"Outlet {n % 4}"
            batch.put(doc(f"d{n:04d}", title, text, published=published, source=outlet), new=True)
    results = engine.search(SearchRequest(query, now=NOW, facets=True))
    assert results.total > RERANK_POOL and results.facets is not None
    assert sum(results.facets["source"].values()) == results.total
    plans = searched_plans(engine, SearchRequest(query, now=NOW, facets=True))
    lines = [line.strip() for plan in plans for line in plan.splitlines()[2:]]  # past the query's text
    assert any(line.startswith("Sort Key") for line in lines)  # the rough rank of the candidates
    assert not [line for line in lines if "words @@" in line and "words IS NULL" in line]
    assert not [line for line in lines if line.startswith("Sort Key") and "words @@" in line]


@pytest.mark.parametrize("query", ['"harbour quay" published:"last 12 months"', "body:harbour -type:news"])
def test_a_phrase_is_looked_for_in_the_documents_left_not_in_every_part(
    engine: PostgresIndex, query: str
) -> None:
    """The body's parts are probed by document, for those the word list, dates and filters left:
    a list of every part with the words, in any year (a hashed sub-select, a semi-join), made a
    broad phrase within the last 12 months cost what it costs over the whole archive."""
    whoosh = SearchIndex(None)
    documents = [
        doc(f"d{n:03d}", f"Note {n}", " ".join(["harbour", "quay"][:: 1 if n % 2 else -1] + filler(5, n)),
            published=NOW - timedelta(days=n * 5))  # a fifth of them in the last 12 months
        for n in range(300)
    ]  # fmt: skip
    for index in (engine, whoosh):
        with index.batch() as batch:
            for document in documents:
                batch.put(document, new=True)
    found = {d for d, _ in hits(engine, query, limit=300)}
    assert found == {d for d, _ in hits(whoosh, query, limit=300)} != set()
    plans = searched_plans(engine, SearchRequest(query, now=NOW))
    lines = [line.strip() for plan in plans for line in plan.splitlines()[2:]]
    assert any("search_parts_pkey" in line for line in lines)  # probed by document
    assert not [line for line in lines if "hashed SubPlan" in line or "Semi Join" in line]
    assert not [line for line in lines if "search_parts_body" in line or "Seq Scan on search_parts" in line]


def test_a_search_reads_its_matches_through_the_indexes_even_where_a_scan_looks_cheaper(
    engine: PostgresIndex,
) -> None:
    """The planner does not price unpacking each row's word list (kept out of line) that a
    sequential scan's filter does: it read all 300,000 documents' lists for a word in a quarter
    of them (0.6 s; its index, 0.17 s).  A search is index-driven even where the table is small."""
    with engine.batch() as batch:
        for n in range(200):
            batch.put(doc(f"d{n:03d}", f"Note {n}", " ".join(["harbour", *filler(5, n)])), new=True)
    for query in ("harbour", "harbour w3", '"harbour w3"'):
        plans = searched_plans(engine, SearchRequest(query, now=NOW, facets=True), seqscan=True)
        assert plans and not [p for p in plans if "Seq Scan on search_docs" in p], query


def test_a_misspelt_words_corrections_are_looked_up_by_key_not_through_the_trigram_index(
    engine: PostgresIndex,
) -> None:
    """Did-you-mean asks whether each of a misspelt word's ~400 one-edit variants is a word of the
    archive: through the trigram index (which answers `=` too) that took 0.9 s at 300,000
    documents, by the vocabulary's key 0.6 ms."""
    with engine.batch() as batch:
        for n in range(100):
            batch.put(doc(f"d{n:03d}", f"Note {n}", " ".join(["harbour", *filler(20, 20 * n)])), new=True)
    engine._reader.execute("ANALYZE briefer.search_words")  # type: ignore[union-attr]
    request = SearchRequest("harbpur", now=NOW)
    assert engine.search(request).suggestion == "harbour"
    plans = searched_plans(engine, request)
    assert any("search_words_pkey" in p for p in plans)
    assert not [p for p in plans if "search_words_trgm" in p]
