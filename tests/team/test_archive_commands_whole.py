"""The archive's commands that work on a whole team archive (#23): `reindex`, `cluster --threshold`,
`index --sample` and `feeds fetch` with `--team` print what they print for a personal archive
holding the same documents, and a role below theirs is refused before they start (one line, exit
status 2, nothing written).  A real PostgreSQL server; feeds from a server on loopback."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from briefer.core import team
from briefer.core.progress import Cancelled
from tests.conftest import write_article
from tests.core.cli_support import Cli
from tests.core.test_feeds_fetch import FeedServer, serve  # noqa: F401 (a fixture)
from tests.team.conftest import as_user, unique

STORY = (
    "Shells went north by rail overnight, officials said, as the convoy crossed the river near the "
    "border town and the ministry declined to comment on the movement of the heavy artillery units."
)
TOOK = re.compile(r" in [0-9.]+ s$", re.MULTILINE)  # how long a run took


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv(team.TEAM_URL_ENV, raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)  # loopback stays loopback
    return Cli(tmp_path / "data", capsys, monkeypatch)


def stories(folder: Path) -> Path:
    """Two outlets carrying one story, and two other documents."""
    write_article(folder, "wire", STORY, title="Shells go north", source="Wire")
    write_article(folder, "post", STORY + " More later.", title="Shells go north", source="Post")
    write_article(folder, "grain", "Grain exports rose in August, the ministry said.", title="Grain")
    write_article(folder, "talks", "The talks resumed in Geneva on Monday.", title="Talks", source="Gazette")
    return folder


def both_archives(cli: Cli, team_url: str, folder: Path) -> None:
    """A personal archive of `folder`'s files, and a team archive holding the same documents."""
    assert cli("index", str(folder)) == 0
    assert cli("team", "init", team_url) == 0
    assert cli("--team", team_url, "team", "push") == 0


def run_both(cli: Cli, team_url: str, *args: str) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    """(status, stdout, stderr) of a command on the personal archive, then on the team archive."""
    personal = (cli(*args), cli.out, cli.err)
    shared = (cli("--team", team_url, *args), cli.out, cli.err)
    return personal, shared


def analyst(cli: Cli, team_url: str, role: str) -> tuple[str, str]:
    """A new analyst of `role`: (name, the URL they connect with)."""
    name = unique(role)
    assert cli("--team", team_url, "team", "add-analyst", name, "--role", role) == 0
    return name, as_user(team_url, name)


def assert_refused(cli: Cli, url: str, command: tuple[str, ...], what: str, needed: str) -> None:
    assert cli("--team", url, *command) == 2, command
    assert cli.out == "" and cli.err.count("\n") == 1, cli.err
    assert cli.err.startswith(f"briefer: {what} needs the {needed} role; "), cli.err


def rows(team_url: str, statement: str) -> Any:
    with team.connect(team.TeamLocation.parse(team_url)) as admin:
        found = admin.execute(statement).fetchone()
        return found[0] if found else None


# -- reindex ---------------------------------------------------------------------------------
def test_reindex_rebuilds_the_teams_search_from_the_stored_texts(
    cli: Cli, team_url: str, tmp_path: Path
) -> None:
    both_archives(cli, team_url, stories(tmp_path / "a"))
    search = ("search", "shells", "grain", "--relax", "auto", "--json", "--facets")
    personal, shared = run_both(cli, team_url, *search)
    assert personal == shared
    # Stale search tables, as an analyzer change or a lost write would leave them.
    with team.connect(team.TeamLocation.parse(team_url), autocommit=True) as admin:
        admin.execute("DELETE FROM search_docs WHERE doc_id IN (SELECT doc_id FROM search_docs LIMIT 1)")
        admin.execute("UPDATE search_terms SET docs = docs + 5")
    assert cli("--team", team_url, *search) == 0 and cli.out != personal[1]

    _, reader = analyst(cli, team_url, "reader")
    _, colleague = analyst(cli, team_url, "analyst")
    for url in (reader, colleague):
        assert_refused(cli, url, ("reindex",), "rebuilding the search index", "editor")
    assert rows(team_url, "SELECT count(*) FROM search_docs") == 3  # nothing written

    personal, shared = run_both(cli, team_url, "reindex")
    assert personal[0] == shared[0] == 0 and TOOK.sub("", personal[1]) == TOOK.sub("", shared[1])
    assert TOOK.sub("", shared[1]) == "4 documents indexed\n" and shared[2] == ""
    personal, shared = run_both(cli, team_url, *search)
    assert personal == shared  # the same hits, scores, snippets and facets as at home
    assert rows(team_url, "SELECT count(*) FROM search_docs") == 4


def test_a_cancelled_reindex_leaves_the_old_search_rows_which_others_search_meanwhile(
    cli: Cli, team_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    both_archives(cli, team_url, stories(tmp_path / "a"))
    monkeypatch.setattr("briefer.core.team.archive._REINDEX_BATCH", 2)  # progress after 2 of 4
    cancel, seen = threading.Event(), []
    with (
        team.open_team_archive(team_url, tmp_path / "editor") as editor,
        team.open_team_archive(team_url, tmp_path / "colleague") as colleague,
    ):
        before = [h.id for h in colleague.search("shells OR grain OR talks").hits]

        def progress(done: int, total: int) -> None:
            seen.append([h.id for h in colleague.search("shells OR grain OR talks").hits])
            cancel.set()  # the editor cancels half-way

        with pytest.raises(Cancelled):
            editor.reindex(progress=progress, cancel=cancel)
        after = [h.id for h in colleague.search("shells OR grain OR talks").hits]
    assert len(before) == 3 and seen == [before] and after == before
    assert rows(team_url, "SELECT docs FROM search_stats") == 4


def test_the_facade_refuses_what_the_role_may_not_do_before_anything_is_written(
    cli: Cli, team_url: str, tmp_path: Path
) -> None:
    """What the window calls: an analyst's rebuild or reclustering, a reader's import, refused
    before they start (the database would let an analyst write the search and cluster rows)."""
    both_archives(cli, team_url, stories(tmp_path / "a"))
    _, reader = analyst(cli, team_url, "reader")
    _, colleague = analyst(cli, team_url, "analyst")
    write_article(tmp_path / "new", "new", "A new report on the convoy.", title="New")
    parsed = tmp_path / "reader" / "team-cache"
    with team.open_team_archive(colleague, tmp_path / "colleague") as archive:
        with pytest.raises(team.TeamPermissionDenied, match="rebuilding the search index needs the editor"):
            archive.reindex()
        with pytest.raises(team.TeamPermissionDenied, match="clustering the archive again needs the editor"):
            archive.recluster(0.5)
    refused = pytest.raises(team.TeamPermissionDenied, match="importing needs the analyst role")
    with team.open_team_archive(reader, tmp_path / "reader") as archive, refused:
        archive.import_paths([tmp_path / "new"])
    assert not parsed.exists()  # nothing parsed
    assert rows(team_url, "SELECT count(*) FROM documents") == 4
    assert rows(team_url, "SELECT count(DISTINCT cluster_id) FROM clusters") == 3
    assert rows(team_url, "SELECT docs FROM search_stats") == 4


# -- cluster --threshold ---------------------------------------------------------------------
def test_clustering_again_says_the_same_on_both_archives_and_needs_an_editor(
    cli: Cli, team_url: str, tmp_path: Path
) -> None:
    both_archives(cli, team_url, stories(tmp_path / "a"))
    _, reader = analyst(cli, team_url, "reader")
    _, colleague = analyst(cli, team_url, "analyst")
    for url in (reader, colleague):
        what = "clustering the archive again"
        assert_refused(cli, url, ("cluster", "--threshold", "0"), what, "editor")
    assert rows(team_url, "SELECT count(DISTINCT cluster_id) FROM clusters") == 3  # nothing written

    for threshold in ("0", "0.95", "0.8", "0.5"):
        for command in (
            ("cluster", "--threshold", threshold),
            ("cluster", "--threshold", threshold, "--json"),
        ):
            personal, shared = run_both(cli, team_url, *command)
            assert personal == shared, command
        personal, shared = run_both(cli, team_url, "cluster", "--list", "--json")
        assert personal == shared, threshold
    [story] = [json.loads(line) for line in shared[1].splitlines()]
    assert story["size"] == 2 and {m["source"] for m in story["members"]} == {"Wire", "Post"}


def test_copies_sent_from_two_machines_are_clustered_when_an_editor_clusters_again(
    cli: Cli,
    team_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert cli("team", "init", team_url) == 0
    write_article(tmp_path / "mine", "wire", STORY, title="Shells go north", source="Wire")
    write_article(tmp_path / "theirs", "post", STORY + " More later.", title="Shells go north", source="Post")
    other = Cli(tmp_path / "other-data", capsys, monkeypatch)  # a colleague's data folder: another cache
    assert cli("--team", team_url, "index", str(tmp_path / "mine")) == 0
    assert other("--team", team_url, "index", str(tmp_path / "theirs")) == 0
    assert cli("--team", team_url, "cluster") == 0
    assert cli.out == "0 clusters of near-duplicates holding 0 of 2 documents (threshold 0.8)\n"

    assert cli("--team", team_url, "cluster", "--threshold", "0.8") == 0
    assert cli.out == "1 clusters of near-duplicates holding 2 of 2 documents (threshold 0.8)\n"
    assert other("--team", team_url, "cluster", "--list") == 0
    assert "2 documents" in other.out and "Shells go north" in other.out


def test_the_threshold_an_editor_sets_is_kept_and_every_machines_imports_follow_it(
    cli: Cli,
    team_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    both_archives(cli, team_url, stories(tmp_path / "a"))
    personal, shared = run_both(cli, team_url, "cluster", "--threshold", "0")  # clustering off
    assert personal == shared
    personal, shared = run_both(cli, team_url, "cluster")  # remembered, as at home
    assert personal == shared and shared[1].startswith("clustering is off"), shared

    other = Cli(tmp_path / "other-data", capsys, monkeypatch)  # a colleague's machine, its own cache
    again = "Rail convoys moved the guns south at dawn, the ministry said, as the bridge reopened to trucks."
    write_article(tmp_path / "copies", "one", again, title="Guns go south", source="Wire")
    write_article(tmp_path / "copies", "two", again + " More later.", title="Guns go south", source="Post")
    assert other("--team", team_url, "index", str(tmp_path / "copies")) == 0
    copies = rows(
        team_url,
        "SELECT count(DISTINCT c.cluster_id) FROM clusters c JOIN documents d ON d.id = c.doc_id"
        " WHERE d.title = 'Guns go south'",
    )
    assert copies == 2  # not grouped: its cache followed the team's "off", not its own default 0.8


# -- index --sample --------------------------------------------------------------------------
def hits_without_ids(output: str) -> list[str]:
    """`search --json` hits without what differs between two imports of the same files (their ids,
    and so their clusters' ids and the order of equal scores)."""
    hits = [json.loads(line) for line in output.splitlines()]
    return sorted(json.dumps({k: v for k, v in h.items() if k not in ("id", "cluster")}) for h in hits)


def test_the_sample_archive_is_imported_into_the_team_archive_as_at_home(cli: Cli, team_url: str) -> None:
    assert cli("team", "init", team_url) == 0
    _, reader = analyst(cli, team_url, "reader")
    assert_refused(cli, reader, ("index", "--sample"), "importing", "analyst")
    assert rows(team_url, "SELECT count(*) FROM documents") == 0

    personal, shared = run_both(cli, team_url, "index", "--sample")
    assert personal[0] == shared[0] == 0
    assert TOOK.sub("", personal[1]) in TOOK.sub("", shared[1])  # "sample archive: 30 imported, ..."
    assert "new documents" in shared[1] and "documents indexed for search" in shared[1]
    personal, shared = run_both(cli, team_url, "stats", "--json")
    mine, ours = json.loads(personal[1]), json.loads(shared[1])
    same = ("documents", "failed", "unindexed", "breakdown")
    assert {k: mine[k] for k in same} == {k: ours[k] for k in same} and ours["documents"] > 10
    personal, shared = run_both(cli, team_url, "search", "vostochny", "--json", "--limit", "100")
    assert hits_without_ids(personal[1]) == hits_without_ids(shared[1]) != []


# -- feeds -----------------------------------------------------------------------------------
def rss(*titles: str) -> bytes:
    items = "".join(
        f"<item><title>{t}</title><link>https://news.example/{n}</link><guid>news-{n}</guid>"
        f"<pubDate>Mon, 0{n + 1} Jan 2024 09:00:00 GMT</pubDate>"
        f"<description>{t}: the convoy crossed the river near the border town.</description></item>"
        for n, t in enumerate(titles)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>News</title>'
        f"<link>https://news.example/</link><description>News</description>{items}</channel></rss>"
    ).encode()


@pytest.fixture
def feed(serve: Callable[[], FeedServer]) -> Iterator[str]:  # noqa: F811
    server = serve()
    server.routes["/news.xml"] = rss("Convoy seen", "Bridge closed", "Talks resume")
    yield server.url("/news.xml")


def test_feed_entries_are_fetched_into_the_team_archive_and_the_list_stays_local(
    cli: Cli,
    team_url: str,
    tmp_path: Path,
    feed: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert cli("team", "init", team_url) == 0
    home = Cli(tmp_path / "home", capsys, monkeypatch)  # a personal archive fetching the same feed
    for run in (home, cli):
        assert run("feeds", "add", "news", feed, "--every", "0") == 0
    _, reader = analyst(cli, team_url, "reader")
    assert_refused(cli, reader, ("feeds", "fetch"), "importing feed entries", "analyst")
    assert rows(team_url, "SELECT count(*) FROM documents") == 0

    assert home("feeds", "fetch") == 0
    said_at_home = home.out
    assert cli("--team", team_url, "feeds", "fetch") == 0
    assert cli.out == said_at_home == "news: 3 new entries\n"
    assert rows(team_url, "SELECT count(*) FROM documents") == 3
    assert home("search", "convoy", "--json") == 0
    assert cli("--team", team_url, "search", "convoy", "--json") == 0
    found = sorted((h["title"], h["score"]) for h in map(json.loads, cli.out.splitlines()))
    assert found == sorted((h["title"], h["score"]) for h in map(json.loads, home.out.splitlines()))
    assert len(found) == 3
    assert cli("--team", team_url, "feeds", "list", "--json") == 0  # this machine's list, with its state
    [listed] = json.loads(cli.out)
    assert (listed["name"], listed["last_status"], listed["last_new"]) == ("news", "ok", 3)
    assert (cli.data / "feeds.json").is_file()  # in the analyst's data folder, not the team archive

    # A colleague subscribed to the same feed: its entries are the team's already, one document each.
    other = Cli(tmp_path / "other-data", capsys, monkeypatch)
    assert other("--team", team_url, "feeds", "add", "news", feed) == 0
    assert other("--team", team_url, "feeds", "fetch") == 0
    assert rows(team_url, "SELECT count(*) FROM documents") == 3


# -- what an import sends --------------------------------------------------------------------
def test_an_import_sends_what_it_met_and_what_waited_never_the_whole_cache_again(
    cli: Cli, team_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefer.core.archive import Archive
    from briefer.core.team import archive as team_archive

    assert cli("team", "init", team_url) == 0
    sent: list[int] = []
    real_push = team_archive.push

    def counting_push(connection: Any, cache: Any, **options: Any) -> Any:
        summary = real_push(connection, cache, **options)
        sent.append(summary.copied + summary.present)
        return summary

    monkeypatch.setattr(team_archive, "push", counting_push)
    with team.open_team_archive(team_url, tmp_path / "data") as archive:
        archive.import_paths([stories(tmp_path / "a")])
        write_article(tmp_path / "b", "one", "A new report on the convoy.", title="One")
        archive.import_paths([tmp_path / "b"])
        cache_folder = archive.data_dir
    # Parsed into this machine's cache, but never sent (the server was gone, or it was cancelled).
    write_article(tmp_path / "c", "two", "Another report on the talks in Geneva.", title="Two")
    with Archive(cache_folder) as cache:
        cache.import_paths([tmp_path / "c"])
    with team.open_team_archive(team_url, tmp_path / "data") as archive:
        archive.import_paths([tmp_path / "b"])  # the folder again: its document, and the one that waited
        assert {h.document.title for h in archive.search("report").hits} == {"One", "Two"}
    assert sent == [4, 1, 2]
    assert rows(team_url, "SELECT count(*) FROM documents") == 6
