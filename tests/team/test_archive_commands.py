"""The archive's commands on a team archive (#23): the same output as on a personal archive that
holds the same documents (pushed with `team push`), the `--json` formats unchanged; a command
the analyst's role may not run refused before it starts (one line, exit status 2, nothing
written); saved searches shared with the team or kept to oneself.  A real PostgreSQL server."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from briefer.cli.main import main
from briefer.core import team
from briefer.core.archive import Archive, SavedSearch, SavedSearchError
from briefer.core.briefing.excerpts import passage_excerpt
from tests.conftest import write_article
from tests.core.cli_support import Cli
from tests.core.format_fixtures import make_pdf
from tests.team.conftest import as_user, unique

STORY = (
    "Shells went north by rail overnight, officials said, as the convoy crossed the river near the "
    "border town and the ministry declined to comment on the movement of the heavy artillery units."
)


def articles(folder: Path) -> Path:
    """Five articles: two outlets carrying one story (a cluster), other documents, and a file that
    cannot be imported (the import report's failure)."""
    write_article(
        folder, "wire", STORY, title="Shells go north", source="Wire", published="2023-09-13T10:00:00+00:00"
    )
    write_article(
        folder, "post", STORY + " More later.", title="Shells go north", source="Post",
        published="2023-09-13T12:00:00+00:00",
    )  # fmt: skip
    write_article(
        folder,
        "grain",
        "Grain exports rose in August.",
        title="Grain",
        source="Wire",
        published="2022-08-01T09:00:00+00:00",
    )
    write_article(
        folder,
        "talks",
        "The talks resumed in Geneva.",
        title="Talks",
        source="Gazette",
        published="2024-01-05T09:00:00+00:00",
    )
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    pages = ["The ministry met on Monday.", "On page two the convoy reached the depot."]
    (folder / "minutes.pdf").write_bytes(make_pdf(pages, title="Minutes", author="Clerk"))
    return folder


@pytest.fixture(scope="module")
def prepared(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A personal archive and a team archive holding the same documents with the same ids and
    tags, and the same import report; made once for this module's tests, which leave them as
    they found them."""
    root = tmp_path_factory.mktemp("both")
    folder = articles(root / "articles")
    data = root / "data"
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = postgres_server.replace("/postgres?", f"/{name}?")
    with pytest.MonkeyPatch.context() as env:
        env.delenv(team.TEAM_URL_ENV, raising=False)
        env.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
        assert main(["--data-dir", str(data), "index", str(folder)]) == 0
        with Archive(data) as archive:
            ids = {
                doc.source + " " + doc.title: doc.id
                for doc in archive.catalog.documents(archive.catalog.all_ids())
            }
            archive.tag(ids["Wire Grain"], ["food"])
            archive.reindex()  # Whoosh counts a replaced document's terms until it merges: not the server
        assert main(["team", "init", url]) == 0
        assert main(["--data-dir", str(data), "--team", url, "team", "push"]) == 0
        assert main(["--data-dir", str(data), "--team", url, "index", str(folder)]) == 0  # the team's report
    yield {"ids": ids, "folder": folder, "data": data, "url": url}
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def both(prepared: dict[str, Any]) -> dict[str, Any]:
    return prepared


@pytest.fixture
def team_url(prepared: dict[str, Any]) -> str:
    return str(prepared["url"])


@pytest.fixture
def cli(prepared: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv(team.TEAM_URL_ENV, raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    return Cli(prepared["data"], capsys, monkeypatch)


def run_both(cli: Cli, team_url: str, *args: str) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    """(status, stdout, stderr) of a command on the personal archive, then on the team archive."""
    personal = (cli(*args), cli.out, cli.err)
    shared = (cli("--team", team_url, *args), cli.out, cli.err)
    return personal, shared


# -- the same output -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        ("tags",),
        ("tags", "--json"),
        ("cluster",),
        ("cluster", "--json"),
        ("cluster", "--list"),
        ("cluster", "--list", "--json"),
        ("saved", "list"),
        ("saved", "list", "--json"),
    ],
)
def test_reading_commands_say_the_same_on_both_archives(
    cli: Cli, team_url: str, both: dict[str, Any], command: tuple[str, ...]
) -> None:
    personal, shared = run_both(cli, team_url, *command)
    assert personal == shared


@pytest.mark.parametrize(
    "command",
    [
        ("search", "shells"),
        ("search", "shells", "--json", "--facets"),
        ("search", "shells", "grain", "--relax", "off"),
        ("search", "shells", "grain", "--json"),
        ("search", "shells", "--explain"),
        ("search", "shells", "--explain", "--json"),
        ("search", "shells", "--no-collapse", "--passages"),
        ("search", "source:wire", "--sort", "newest", "--ids"),
        ("search", "grain", "--filter", "tag=food", "--filter", "year=2022", "--json"),
        ("search", "tag:food", "--json"),  # a label alone scores one on both engines
        ("search", "shels"),  # did you mean
        ("search", '"went north'),  # a bad query: the same words, exit status 2
    ],
)
def test_searches_say_the_same_on_both_archives(
    cli: Cli, team_url: str, both: dict[str, Any], command: tuple[str, ...]
) -> None:
    personal, shared = run_both(cli, team_url, *command)
    for mine, ours in zip(personal, shared, strict=True):
        assert str(mine).splitlines() == str(ours).splitlines()


def test_more_like_this_and_a_batch_say_the_same_on_both_archives(
    cli: Cli, team_url: str, both: dict[str, Any], tmp_path: Path
) -> None:
    queries = tmp_path / "queries.txt"
    queries.write_text("shells\ngrain exports\n(unclosed\n", encoding="utf-8")
    for command in (
        ("search", "--like", both["ids"]["Wire Grain"]),
        ("search", "--batch", str(queries), "--facets"),
    ):
        personal, shared = run_both(cli, team_url, *command)
        assert personal == shared, command


def test_a_documents_tags_and_copies_are_the_same_on_both_archives(
    cli: Cli, team_url: str, both: dict[str, Any]
) -> None:
    ids = both["ids"]
    for command in (
        ("tags", "--doc", ids["Wire Grain"]),
        ("cluster", ids["Wire Shells go north"]),
        ("cluster", ids["Wire Shells go north"], "--json"),
        ("cluster", ids["Gazette Talks"]),
    ):
        personal, shared = run_both(cli, team_url, *command)
        assert personal == shared, command
    personal, shared = run_both(cli, team_url, "cluster", ids["Wire Shells go north"])
    assert "A story in 2 documents, also carried by 1 outlet" in shared[1]


def test_a_document_asked_for_by_an_alias_is_the_teams_document(
    cli: Cli, team_url: str, both: dict[str, Any]
) -> None:
    """The same files imported again (another analyst, another cache) are aliases of the team's
    documents: a briefing that quotes an alias still finds the document and its copies."""
    wire = both["ids"]["Wire Shells go north"]
    with team.connect(team.TeamLocation.parse(team_url)) as admin:
        row = admin.execute("SELECT alias FROM document_aliases WHERE doc_id = %s", (wire,)).fetchone()
    assert row is not None and row[0] != wire
    for command in (("cluster", "--json"), ("tags", "--json", "--doc")):
        assert cli("--team", team_url, *command, wire) == 0
        by_id = cli.out
        assert cli("--team", team_url, *command, row[0]) == 0
        assert cli.out == by_id, command


def test_stats_say_the_same_but_where_the_archive_is(cli: Cli, team_url: str, both: dict[str, Any]) -> None:
    personal, shared = run_both(cli, team_url, "stats", "--json", "--failures")
    mine, ours = json.loads(personal[1]), json.loads(shared[1])
    assert mine.keys() == ours.keys()  # the format does not change
    same = ("documents", "failed", "unindexed", "breakdown", "failures", "interrupted", "import_progress")
    assert {k: mine[k] for k in same} == {k: ours[k] for k in same}
    took = re.compile(r" in [0-9.]+ s$")  # how long each import took
    assert took.sub("", ours["last_import_summary"]) == took.sub("", mine["last_import_summary"])
    assert ours["documents"] == 5 and [f["path"] for f in ours["failures"]] == [
        str(both["folder"] / "broken.pdf")
    ]
    assert ours["data_dir"] == team.TeamLocation.parse(team_url).display
    assert ours["index_bytes"] > 0 and ours["catalog_bytes"] > 0  # the search's tables, the others'

    personal, shared = run_both(cli, team_url, "stats", "--failures")
    unlike = ("Archive:", "Index size:", "Last import:")
    assert [line for line in personal[1].splitlines() if not line.startswith(unlike)] == [
        line for line in shared[1].splitlines() if not line.startswith(unlike)
    ]


def test_tagging_on_the_team_archive_is_seen_by_every_analyst(
    cli: Cli, team_url: str, both: dict[str, Any]
) -> None:
    talks = both["ids"]["Gazette Talks"]
    personal, shared = run_both(cli, team_url, "tag", talks, "Geneva", "diplomacy")
    assert personal == shared == (0, f"tagged {talks}: geneva, diplomacy\n", "")
    colleague = unique("analyst")
    assert cli("--team", team_url, "team", "add-analyst", colleague, "--role", "analyst") == 0
    assert cli("--team", as_user(team_url, colleague), "tags", "--json") == 0
    assert json.loads(cli.out) == {"diplomacy": 1, "food": 1, "geneva": 1}
    personal, shared = run_both(cli, team_url, "untag", talks, "geneva", "diplomacy")
    assert personal == shared
    assert cli("--team", as_user(team_url, colleague), "tags", "--json") == 0
    assert json.loads(cli.out) == {"food": 1}
    with Archive(cli.data) as archive:
        archive.reindex()  # as the fixture left it, for the tests that compare scores


def test_a_quote_taken_from_the_team_archive_cites_what_a_personal_one_does(
    cli: Cli, team_url: str, both: dict[str, Any], tmp_path: Path
) -> None:
    with Archive(cli.data) as personal, team.open_team_archive(team_url, tmp_path / "local") as shared:
        [minutes] = [d for d in personal.catalog.documents(personal.catalog.all_ids()) if d.format == "pdf"]
        start = minutes.text.index("the convoy reached")
        quoted = []
        for archive in (personal, shared):  # what dragging a passage from the reader quotes
            document = archive.document(minutes.id)
            assert document is not None
            quoted.append(passage_excerpt(document, start, start + 28, carried_by=archive.carried_by_count))
    mine, ours = quoted
    assert ours.page == mine.page == 2  # "p. 2", whichever archive it was quoted from
    assert replace(ours.citation, archive=None) == replace(mine.citation, archive=None)
    assert (ours.doc_id, ours.start, ours.end, ours.quote) == (mine.doc_id, mine.start, mine.end, mine.quote)


def test_a_briefing_built_on_the_personal_archive_verifies_against_the_team_texts(
    cli: Cli, team_url: str, both: dict[str, Any], tmp_path: Path
) -> None:
    brief = tmp_path / "b.briefing"
    assert cli("brief", "new", "-o", str(brief)) == 0
    doc = both["ids"]["Wire Shells go north"]
    assert (
        cli(
            "brief",
            "add-excerpt",
            str(brief),
            "--section",
            "Background",
            "--doc",
            doc,
            "--quote",
            "went north by rail",
        )
        == 0
    )
    personal, shared = run_both(cli, team_url, "verify", str(brief), "--json")
    assert personal == shared  # every quote found in the text versions the team holds
    assert [c["status"] for c in json.loads(shared[1])["excerpts"]] == ["ok"]
    talks = both["ids"]["Gazette Talks"]
    quote = (
        "brief",
        "add-excerpt",
        str(brief),
        "--section",
        "Analysis",
        "--doc",
        talks,
        "--quote",
        "in Geneva",
    )
    assert cli("--team", team_url, *quote) == 0  # quoted from the team archive: cited as its document
    assert cli("--team", team_url, "verify", str(brief)) == 0 and "2 quotes: 2 verified" in cli.out
    assert cli("--team", team_url, *quote[:-4], "--doc", "nothere", "--quote", "x") == 1
    assert (
        cli.err
        == f"briefer: no document 'nothere' in the archive at {team.TeamLocation.parse(team_url).display}\n"
    )
    personal, shared = run_both(cli, team_url, "check", str(brief), "--json")
    assert personal[:2] == shared[:2] and personal[0] == 0  # the release gate's findings, the same
    assert cli("--team", team_url, "export", str(brief), "-o", str(tmp_path / "out.docx")) == 0
    assert "quotes documents from 2 archives" in cli.err and "postgresql://" in cli.err  # said as it is
    assert cli("--team", team_url, "verify", str(tmp_path / "out.docx")) == 0  # against the team's texts


# -- roles -----------------------------------------------------------------------------------
def test_a_reader_reads_but_tagging_and_saving_are_refused_before_they_start(
    cli: Cli, team_url: str, both: dict[str, Any]
) -> None:
    reader = unique("reader")
    assert cli("--team", team_url, "team", "add-analyst", reader, "--role", "reader") == 0
    as_reader = as_user(team_url, reader)
    assert cli("--team", as_reader, "tags", "--json") == 0 and json.loads(cli.out) == {"food": 1}
    assert cli("--team", as_reader, "stats") == 0
    doc = both["ids"]["Gazette Talks"]
    assert cli("--team", as_reader, "tag", doc, "secret") == 2
    assert (
        cli.err == f"briefer: tagging documents needs the analyst role; {reader} is a reader\n"
        and cli.out == ""
    )
    assert cli("--team", as_reader, "saved", "save", "mine", "talks") == 2
    assert cli.err == f"briefer: saving a search needs the analyst role; {reader} is a reader\n"
    assert cli("--team", as_reader, "index", "--prune", str(both["folder"])) == 2
    assert "needs the editor role" in cli.err and cli.err.count("\n") == 1
    with psycopg.connect(as_reader) as raw, pytest.raises(psycopg.errors.InsufficientPrivilege):
        raw.execute("INSERT INTO briefer.tags (doc_id, tag) VALUES (%s, 'secret')", (doc,))
    with psycopg.connect(as_reader) as raw, pytest.raises(psycopg.errors.InsufficientPrivilege):
        raw.execute("INSERT INTO briefer.saved_searches (name, request) VALUES ('x', '{}')")
    with team.connect(team.TeamLocation.parse(team_url)) as admin:
        assert admin.execute("SELECT count(*) FROM tags").fetchone() == (1,)
        assert admin.execute("SELECT count(*) FROM saved_searches").fetchone() == (0,)


# -- saved searches --------------------------------------------------------------------------
def test_shared_saved_searches_are_seen_by_the_team_and_personal_ones_by_their_owner(
    cli: Cli, team_url: str, both: dict[str, Any]
) -> None:
    alice, bob = unique("alice"), unique("bob")
    for name in (alice, bob):
        assert cli("--team", team_url, "team", "add-analyst", name, "--role", "analyst") == 0
    as_alice, as_bob = as_user(team_url, alice), as_user(team_url, bob)
    assert (
        cli("--team", as_alice, "saved", "save", "shells", "shells", "--filter", "source=Wire", "--shared")
        == 0
    )
    assert cli("--team", as_alice, "saved", "save", "notes", "talks") == 0
    assert cli("--team", as_bob, "saved", "list") == 0
    assert cli.out == f"shells: shells source=Wire (shared by {alice})\n"
    assert cli("--team", as_bob, "saved", "list", "--json") == 0
    [record] = [json.loads(line) for line in cli.out.splitlines()]
    assert record.keys() == {"name", "query", "filters", "sort", "aliases", "created"}  # as personal ones
    assert cli("--team", as_bob, "search", "--saved", "shells", "--ids") == 0  # runs alice's shared search
    assert cli.out == f"{both['ids']['Wire Shells go north']}\n"
    assert cli("--team", as_bob, "search", "--saved", "notes") == 1  # alice's own: not bob's to see
    assert "there is no saved search named 'notes' (saved: shells)" in cli.err
    assert cli("--team", as_alice, "saved", "list") == 0
    assert cli.out == "notes: talks\nshells: shells source=Wire (shared)\n"
    assert cli("--team", as_bob, "saved", "delete", "shells") == 1  # alice's to delete
    assert cli("--team", as_alice, "saved", "delete", "shells") == 0
    assert cli("--team", as_bob, "saved", "list") == 0 and cli.out.startswith("No saved searches yet")


def test_shared_is_refused_on_a_personal_archive(cli: Cli, both: dict[str, Any]) -> None:
    assert cli("saved", "save", "shells", "shells", "--shared") == 1
    assert "works on a team archive" in cli.err
    assert cli("saved", "list") == 0 and cli.out.startswith("No saved searches yet")


# -- the facade the window opens -------------------------------------------------------------
def test_the_window_opens_the_same_facade_on_a_team_archive(both: dict[str, Any], tmp_path: Path) -> None:
    doc_id = both["ids"]["Wire Shells go north"]
    with team.open_team_archive(both["url"], tmp_path / "data") as shared, Archive(both["data"]) as personal:
        found, mine = shared.document(doc_id), personal.document(doc_id)
        assert found is not None and mine is not None
        fields = ("id", "title", "text", "text_hash", "source", "published", "tags", "url", "author")
        assert [getattr(found, f) for f in fields] == [getattr(mine, f) for f in fields]
        assert found.archive == shared.identity != personal.identity
        assert shared.copies(doc_id) == personal.copies(doc_id)
        assert shared.failed_files() == personal.failed_files()
        assert shared.tags() == personal.tags()
        found_here, found_there = shared.search("shells north"), personal.search("shells north")
        assert [(h.id, round(h.score, 9), h.snippet) for h in found_here.hits] == [
            (h.id, round(h.score, 9), h.snippet) for h in found_there.hits
        ]
        with pytest.raises(team.TeamError):  # never half-done through a catalog that does not have it
            shared.remove_sample()
    assert not list((tmp_path / "data").glob("**/catalog.sqlite3"))  # only local state there


def test_renaming_keeps_a_search_shared_and_only_its_owner_renames_it(
    both: dict[str, Any], tmp_path: Path
) -> None:
    alice, bob = unique("alice"), unique("bob")
    with team.connect(team.TeamLocation.parse(both["url"]), autocommit=True) as admin:
        for name in (alice, bob):
            team.add_analyst(admin, name, "analyst")
    with team.open_team_archive(as_user(both["url"], alice), tmp_path / "a") as archive:
        store = archive.saved_searches
        assert isinstance(store, team.TeamSavedSearches)
        store.save(SavedSearch("weekly", "shells", sort="newest"), shared=True)
        renamed = store.rename_search("weekly", "monday")
        assert (renamed.name, renamed.sort, renamed.shared) == ("monday", "newest", True)
        assert [s.name for s in store.all()] == ["monday"]
    with team.open_team_archive(as_user(both["url"], bob), tmp_path / "b") as archive:
        store = archive.saved_searches
        with pytest.raises(SavedSearchError, match=f"'monday' is {alice}'s search"):
            store.rename_search("monday", "mine")
        assert store.get("monday").owner == alice
        store.save(SavedSearch("monday", "grain"))  # a name of one's own: one's own comes first
        assert store.get("monday").query == "grain"
        assert [s.sharing_note() for s in store.all()] == ["", f" (shared by {alice})"]
        store.delete("monday")
    with team.open_team_archive(as_user(both["url"], alice), tmp_path / "a") as archive:
        archive.saved_searches.delete("monday")  # as the module's other tests expect it: none
