"""Feed subscriptions: fetching real feeds from a real HTTP server on loopback, and `briefer feeds`.

The server (stdlib `http.server` in a thread) serves the State Department's
press-release feed (two snapshots a year apart, with no entry in common) and
feedparser's own ill-formed test feeds, with ETags, and basic auth where a
test asks for it.  Secrets live in an in-memory keyring.
"""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail

from briefer.core.archive import LOCK_FILE, Archive, ArchiveBusy
from briefer.core.credentials import CredentialStore
from briefer.core.distribution import subscriptions
from briefer.core.distribution.subscriptions import (
    STATUSES,
    FeedBook,
    FeedError,
    FeedProblem,
    FetchResult,
    Subscription,
    fetch_feeds,
)
from tests.conftest import corpus_path
from tests.core.cli_support import Cli
from tests.core.smtp_server import MemoryKeyring, free_port, make_certificate

pytestmark = pytest.mark.timeout(60)

MAY_2021 = "state_gov_press_releases_dbdf3ea9.rss.xml"  # 10 entries, e.g. "Yemen National Day"
MARCH_2022 = "state_gov_press_releases_90c08741.rss.xml"  # 10 other entries, e.g. "Nowruz Greeting"
USER, SECRET = "analyst", "feed-secret-4b1d9e"  # distinctive: the leak checks search for it
LAST_MODIFIED = "Sat, 22 May 2021 12:00:47 GMT"


def state_feed(name: str) -> bytes:
    return (corpus_path("state-dept", "feeds") / name).read_bytes()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


# -- a feed server ------------------------------------------------------------------------
class FeedServer(ThreadingHTTPServer):
    """Serves `routes` by path, with an ETag per body; `logins` demand basic auth for a path."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FeedHandler)
        self.routes: dict[str, bytes] = {}
        self.logins: dict[str, tuple[str, str]] = {}
        self.redirects: dict[str, str] = {}
        self.delays: dict[str, float] = {}
        self.unsized: set[str] = set()  # paths sent without Content-Length (read until the end)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.scheme = "http"

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_port}{path}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout test) is expected; say nothing."""


class FeedHandler(BaseHTTPRequestHandler):
    server: FeedServer

    def do_GET(self) -> None:
        server, path = self.server, self.path
        server.requests.append((path, dict(self.headers)))
        time.sleep(server.delays.get(path, 0))
        if path in server.redirects:
            self._answer(301, b"", {"Location": server.redirects[path]})
        elif path in server.logins and self.headers.get("Authorization") != basic(*server.logins[path]):
            self._answer(401, b"login needed", {"WWW-Authenticate": 'Basic realm="feeds"'})
        elif path not in server.routes:
            self._answer(404, b"not here")
        else:
            body = server.routes[path]
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self._answer(304, b"", {"ETag": etag})
            else:
                headers = {
                    "ETag": etag,
                    "Last-Modified": LAST_MODIFIED,
                    "Content-Type": "application/rss+xml",
                }
                self._answer(200, body, headers, sized=path not in server.unsized)

    def _answer(
        self, code: int, body: bytes, headers: dict[str, str] | None = None, *, sized: bool = True
    ) -> None:
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if sized:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Callable[[], FeedServer]]:
    """Starts feed servers on loopback; all stop when the test ends."""
    running: list[tuple[FeedServer, threading.Thread]] = []

    def start() -> FeedServer:
        server = FeedServer()
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        running.append((server, thread))
        return server

    yield start
    for server, thread in running:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def server(serve: Callable[[], FeedServer]) -> FeedServer:
    return serve()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback stays loopback even where the environment names a proxy."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def book(archive: Archive) -> FeedBook:
    return FeedBook.for_data_dir(archive.data_dir)


@pytest.fixture
def store(archive: Archive) -> CredentialStore:
    return CredentialStore.for_data_dir(archive.data_dir, MemoryKeyring())


def by_name(results: list[FetchResult]) -> dict[str, FetchResult]:
    return {r.name: r for r in results}


def found(archive: Archive, phrase: str) -> bool:
    return any(h.document.title == phrase for h in archive.search(f'"{phrase}"').hits)


# -- fetching -----------------------------------------------------------------------------
def test_a_feed_is_imported_then_fetched_only_when_it_changed(
    archive: Archive, book: FeedBook, store: CredentialStore, server: FeedServer
) -> None:
    server.routes["/press.xml"] = state_feed(MAY_2021)
    book.add(Subscription("state", server.url("/press.xml")))

    [first] = fetch_feeds(archive, book, store)
    assert (first.status, first.imported, first.http_status, first.message) == (
        "new",
        10,
        200,
        "10 new entries",
    )
    assert found(archive, "Yemen National Day")
    saved = book.get("state")
    assert (saved.last_status, saved.last_new, saved.last_error) == ("ok", 10, "")
    assert saved.etag and saved.last_modified == LAST_MODIFIED
    assert datetime.fromisoformat(saved.last_checked) <= datetime.now(UTC)

    [second] = fetch_feeds(archive, book, store)
    assert (second.status, second.imported, second.http_status) == ("not modified", 0, 304)
    _, headers = server.requests[-1]
    assert headers["If-None-Match"] == saved.etag and headers["If-Modified-Since"] == LAST_MODIFIED
    assert book.get("state").last_status == "not modified"
    assert archive.stats().documents == 10


def test_imported_entries_stay_whatever_the_feed_becomes(
    archive: Archive, book: FeedBook, store: CredentialStore, server: FeedServer
) -> None:
    illformed = corpus_path("awkward", "feeds", "feedparser", "tests", "illformed")
    book.add(Subscription("state", server.url("/press.xml")))
    server.routes["/press.xml"] = state_feed(MAY_2021)
    fetch_feeds(archive, book, store)

    # A year later every old entry has rolled off the feed: they stay searchable.
    server.routes["/press.xml"] = state_feed(MARCH_2022)
    [later] = fetch_feeds(archive, book, store)
    assert (later.status, later.imported) == ("new", 10)
    assert archive.stats().documents == 20
    assert found(archive, "Yemen National Day") and found(archive, "Nowruz Greeting")

    # Broken XML, a well-formed feed with no entries, a login page, a server error: nothing is lost.
    server.routes["/press.xml"] = (illformed / "aaa_illformed.xml").read_bytes()
    [broken] = fetch_feeds(archive, book, store)
    assert broken.status == "broken" and "not well-formed XML (line 7" in broken.message
    server.routes["/press.xml"] = (illformed / "always_strip_doctype.xml").read_bytes()
    [empty] = fetch_feeds(archive, book, store)
    assert (empty.status, empty.message) == ("new", "the feed has no entries")
    server.routes["/press.xml"] = b"<!doctype html><html><body><form>Sign in</form></body></html>"
    [page] = fetch_feeds(archive, book, store)
    assert page.status == "broken" and "web page (HTML)" in page.message
    del server.routes["/press.xml"]
    [gone] = fetch_feeds(archive, book, store)
    assert (gone.status, gone.http_status) == ("unreachable", 404)

    assert archive.stats().documents == 20
    assert found(archive, "Yemen National Day") and found(archive, "Nowruz Greeting")
    saved = book.get("state")
    assert (saved.last_status, saved.last_error) == ("error", gone.message)


@pytest.mark.slow  # every ill-formed feed of the corpus
def test_ill_formed_feeds_are_reported_one_by_one_and_the_others_still_fetched(
    archive: Archive, book: FeedBook, store: CredentialStore, server: FeedServer
) -> None:
    illformed = corpus_path("awkward", "feeds", "feedparser", "tests", "illformed")
    for path in sorted(illformed.glob("*.xml")):
        server.routes[f"/{path.name}"] = path.read_bytes()
        book.add(Subscription(path.stem, server.url(f"/{path.name}")))
    server.routes["/press.xml"] = state_feed(MAY_2021)
    book.add(Subscription("state", server.url("/press.xml")))

    results = by_name(fetch_feeds(archive, book, store))

    assert {r.status for r in results.values()} <= set(STATUSES)
    assert (results["state"].status, results["state"].imported) == ("new", 10)
    for name in (
        "aaa_illformed",
        "undeclared_namespace",
        "rss_item_link_corrupted_ampersands",
        "rss_incomplete_cdata",
    ):
        assert results[name].status == "broken", results[name]
        assert "not well-formed XML" in results[name].message and results[name].imported == 0
    assert "not an RSS or Atom feed" in results["rss_empty_document"].message
    # feedparser recovers an entry from this one: it is imported, and the feed still reported broken.
    recovered = results["rdf_channel_empty_textinput"]
    assert (recovered.status, recovered.imported) == ("broken", 1)
    assert recovered.message.endswith("; 1 new entry could still be read")
    assert found(archive, "crashes here")
    assert results["always_strip_doctype"].status == "new"  # well-formed, just without entries
    assert archive.stats().documents == 11
    for sub in book.all():
        assert (sub.last_status == "error") == results[sub.name].failed
        assert sub.last_error == (results[sub.name].message if results[sub.name].failed else "")


def test_feeds_that_cannot_be_reached_are_reported_and_the_others_still_fetched(
    archive: Archive, book: FeedBook, store: CredentialStore, server: FeedServer
) -> None:
    server.routes["/press.xml"] = state_feed(MAY_2021)
    server.routes["/slow.xml"] = state_feed(MARCH_2022)
    server.delays["/slow.xml"] = 2.0
    book.add(Subscription("down", f"http://127.0.0.1:{free_port()}/feed.xml"))
    book.add(Subscription("moved away", server.url("/old-address.xml")))
    book.add(Subscription("slow", server.url("/slow.xml")))
    book.add(Subscription("state", server.url("/press.xml")))

    started = time.monotonic()
    results = by_name(fetch_feeds(archive, book, store, timeout=0.5))

    assert (
        time.monotonic() - started < 30
    )  # no feed waits for another (generous: a loaded CI, a parser worker starts)
    assert results["down"].status == "unreachable" and "connection refused" in results["down"].message
    assert results["down"].http_status is None
    assert (
        results["moved away"].message == "the server answered 404 Not Found: there is no feed at this address"
    )
    assert (
        results["slow"].status == "unreachable" and "did not answer within 0.5 s" in results["slow"].message
    )
    assert (results["state"].status, results["state"].imported) == ("new", 10)
    assert book.get("down").last_status == "error" and book.get("state").last_status == "ok"


def test_a_server_whose_certificate_cannot_be_verified_is_not_trusted(
    archive: Archive, book: FeedBook, store: CredentialStore, server: FeedServer, tmp_path: Path
) -> None:
    certificate = make_certificate(tmp_path / "tls")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate.cert, certificate.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.scheme = "https"
    server.routes["/press.xml"] = state_feed(MAY_2021)
    book.add(Subscription("self-signed", server.url("/press.xml")))

    [result] = fetch_feeds(archive, book, store, timeout=5)

    assert (
        result.status == "unreachable"
        and "certificate" in result.message
        and "not be verified" in result.message
    )
    assert archive.stats().documents == 0


def test_feeds_over_the_size_limit_are_refused(
    archive: Archive,
    book: FeedBook,
    store: CredentialStore,
    server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(subscriptions, "MAX_FEED_BYTES", 4096)
    huge = b'<rss version="2.0"><channel><title>Big</title>' + b" " * 10_000 + b"</channel></rss>"
    server.routes["/sized.xml"] = server.routes["/streamed.xml"] = huge
    server.unsized.add("/streamed.xml")  # no Content-Length: the limit is found while reading
    book.add(Subscription("sized", server.url("/sized.xml")))
    book.add(Subscription("streamed", server.url("/streamed.xml")))

    for result in fetch_feeds(archive, book, store):
        assert result.status == "broken", result
        assert "larger than" in result.message and "nothing was imported" in result.message


def test_cancelling_leaves_the_remaining_feeds_untouched(
    archive: Archive, book: FeedBook, store: CredentialStore, server: FeedServer
) -> None:
    for name in ("a", "b", "c"):
        book.add(Subscription(name, server.url(f"/{name}.xml")))
    cancel = threading.Event()
    steps: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        steps.append((done, total))
        if done == 1:
            cancel.set()

    results = fetch_feeds(archive, book, store, progress=progress, cancel=cancel)

    assert [r.status for r in results] == ["unreachable", "cancelled", "cancelled"]
    assert steps == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert [path for path, _ in server.requests] == ["/a.xml"]
    assert [s.last_status for s in book.all()] == ["error", "", ""]


def test_a_fetch_during_another_import_stops_and_the_next_one_gets_the_whole_feed(
    archive: Archive, book: FeedBook, store: CredentialStore, server: FeedServer
) -> None:
    fcntl = pytest.importorskip("fcntl")
    server.routes["/press.xml"] = state_feed(MAY_2021)
    book.add(Subscription("state", server.url("/press.xml")))
    with open(archive.data_dir / LOCK_FILE, "a+") as other_import:
        fcntl.flock(other_import, fcntl.LOCK_EX)
        with pytest.raises(ArchiveBusy):
            fetch_feeds(archive, book, store)
        fcntl.flock(other_import, fcntl.LOCK_UN)
    assert book.get("state").etag == ""  # so the next fetch is not answered "not modified"

    [result] = fetch_feeds(archive, book, store)
    assert (result.status, result.imported) == ("new", 10)


# -- credentials --------------------------------------------------------------------------
def test_feeds_behind_basic_auth(
    archive: Archive, book: FeedBook, store: CredentialStore, server: FeedServer
) -> None:
    server.routes["/private.xml"] = state_feed(MAY_2021)
    server.logins["/private.xml"] = (USER, SECRET)
    store.set("desk", SECRET, kind="basic", username=USER)
    store.set("typo", "not-the-password", kind="basic", username=USER)
    store.set("mail", "smtp-password", kind="smtp")
    url = server.url("/private.xml")
    book.add(Subscription("desk", url, account="desk"))
    book.add(Subscription("no login", url))
    book.add(Subscription("wrong password", url, account="typo"))
    book.add(Subscription("nothing stored", url, account="nobody"))
    book.add(Subscription("smtp account", url, account="mail"))

    results = by_name(fetch_feeds(archive, book, store))

    assert (results["desk"].status, results["desk"].imported) == ("new", 10)
    assert results["no login"].http_status == 401 and "asks for a login" in results["no login"].message
    assert "refused the credentials stored as 'typo'" in results["wrong password"].message
    nothing = results["nothing stored"]  # the fact; the front ends say how to store it
    assert (nothing.message, nothing.problem, nothing.account) == (
        "no secret is stored for the account 'nobody'",
        FeedProblem.NO_SECRET,
        "nobody",
    )
    assert "not an HTTP one" in results["smtp account"].message
    assert {r.status for name, r in results.items() if name != "desk"} == {"unauthorized"}
    assert len(server.requests) == 3  # accounts with no usable secret never reached the server

    # The password changes on the server: the feed says so, and what it gave stays.
    server.logins["/private.xml"] = (USER, "rotated-password")
    [refused] = fetch_feeds(archive, book, store, ["desk"])
    assert (refused.status, refused.http_status) == ("unauthorized", 401)
    assert archive.stats().documents == 10 and found(archive, "Yemen National Day")

    written = book.path.read_text(encoding="utf-8")
    assert '"account": "desk"' in written
    assert SECRET not in written and base64.b64encode(SECRET.encode()).decode() not in written
    assert not any(SECRET in r.message for r in results.values())


def test_a_keychain_that_cannot_be_used_is_reported_per_feed(
    archive: Archive, book: FeedBook, server: FeedServer
) -> None:
    server.routes["/private.xml"] = b"<rss version='2.0'><channel><title>t</title></channel></rss>"
    book.add(Subscription("desk", server.url("/private.xml"), account="desk"))
    book.add(Subscription("public", server.url("/public.xml")))
    no_keychain = CredentialStore.for_data_dir(archive.data_dir, fail.Keyring())

    results = by_name(fetch_feeds(archive, book, no_keychain))

    assert (
        results["desk"].status == "unauthorized" and "No system keychain was found" in results["desk"].message
    )
    assert results["public"].status == "unreachable"  # fetched all the same (and not there)
    assert [path for path, _ in server.requests] == ["/public.xml"]


def test_credentials_never_follow_a_redirect_to_another_server(
    archive: Archive, book: FeedBook, store: CredentialStore, serve: Callable[[], FeedServer]
) -> None:
    home, elsewhere = serve(), serve()
    home.routes["/private.xml"] = state_feed(MAY_2021)
    home.logins["/private.xml"] = (USER, SECRET)
    home.redirects["/moved.xml"] = home.url("/private.xml")
    home.redirects["/mirror.xml"] = elsewhere.url("/press.xml")
    elsewhere.routes["/press.xml"] = state_feed(MARCH_2022)
    store.set("desk", SECRET, kind="basic", username=USER)
    book.add(Subscription("moved", home.url("/moved.xml"), account="desk"))
    book.add(Subscription("mirror", home.url("/mirror.xml"), account="desk"))

    results = by_name(fetch_feeds(archive, book, store))

    assert (results["moved"].status, results["moved"].imported) == ("new", 10)  # same server: login kept
    assert (results["mirror"].status, results["mirror"].imported) == ("new", 10)
    assert [headers.get("Authorization") for _, headers in elsewhere.requests] == [None]


# -- the subscriptions file ---------------------------------------------------------------
def test_subscriptions_are_checked_and_kept_in_the_data_folder(tmp_path: Path) -> None:
    book = FeedBook.for_data_dir(tmp_path)
    url = "https://www.state.gov/rss-feed/press-releases/feed/"
    book.add(Subscription(" State ", url, interval_minutes=30))
    assert [s.name for s in FeedBook.for_data_dir(tmp_path).all()] == ["State"]
    with pytest.raises(FeedError, match="already a feed named 'state'"):
        book.add(Subscription("state", "https://other.example/feed"))
    for bad_url in ("ftp://files.example/feed.xml", "www.state.gov/feed", "https:///feed"):
        with pytest.raises(FeedError, match="is not an http:// or https:// address"):
            book.add(Subscription("other", bad_url))
    with pytest.raises(FeedError, match="no usable port"):
        book.add(Subscription("other", "https://feeds.example:99999/feed"))
    with pytest.raises(FeedError, match="keeps those in the keychain"):
        book.add(Subscription("other", "https://bob:hunter22@feeds.example/private.xml"))
    with pytest.raises(FeedError, match="interval"):
        book.add(Subscription("other", url, interval_minutes=-5))
    with pytest.raises(FeedError, match="not a usable feed name"):
        book.add(Subscription("", url))
    with pytest.raises(FeedError, match="no feed 'nope'; known: State"):
        book.get("nope")
    assert "hunter22" not in book.path.read_text(encoding="utf-8")

    # A new address starts afresh: the old one's ETag means nothing to it.
    book.put(replace(book.get("State"), etag='"abc"', last_modified=LAST_MODIFIED))
    moved = book.put(replace(book.get("State"), url="https://www.state.gov/feed/"))
    assert (moved.etag, moved.last_modified) == ("", "")
    with pytest.raises(FeedError, match="no feed 'gone'"):
        book.put(Subscription("gone", url))
    assert book.remove("State") and not book.remove("State") and book.all() == []


def test_a_subscriptions_file_holding_a_password_is_refused(tmp_path: Path) -> None:
    (tmp_path / "feeds.json").write_text(
        json.dumps({"feeds": [{"name": "x", "url": "https://x.example/f", "password": "pw"}]}),
        encoding="utf-8",
    )
    with pytest.raises(FeedError, match="holds a password"):
        FeedBook.for_data_dir(tmp_path).all()


def test_the_schedule_says_which_feeds_are_due(tmp_path: Path) -> None:
    url = "https://feeds.example/f.xml"
    checked = "2024-05-01T10:00:00+00:00"
    half_hourly = Subscription("half-hourly", url, interval_minutes=30, last_checked=checked)
    assert not half_hourly.due(datetime(2024, 5, 1, 10, 29, tzinfo=UTC))
    assert half_hourly.due(datetime(2024, 5, 1, 10, 30, tzinfo=UTC))
    assert half_hourly.due(datetime(2024, 5, 1, 10, 30))  # a naive time is UTC
    assert Subscription("new", url).due(datetime(2024, 5, 1, tzinfo=UTC))  # never fetched: due now
    manual = Subscription("manual", url, interval_minutes=0)
    assert not manual.due(datetime(2030, 1, 1, tzinfo=UTC))
    book = FeedBook.for_data_dir(tmp_path)
    for sub in (half_hourly, manual, Subscription("daily", url, interval_minutes=1440, last_checked=checked)):
        book.add(sub)
    assert [s.name for s in book.due(datetime(2024, 5, 1, 11, 0, tzinfo=UTC))] == ["half-hourly"]


# -- the command line ---------------------------------------------------------------------
@pytest.fixture
def keychain(memory_keyring: MemoryKeyring) -> MemoryKeyring:
    """The process-wide keyring (what the CLI finds): an in-memory one."""
    return memory_keyring


def test_feeds_from_the_command_line(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch, keychain: MemoryKeyring, server: FeedServer
) -> None:
    data = tmp_path / "data"
    cli = Cli(data, capsys, monkeypatch)
    server.routes["/private.xml"] = state_feed(MAY_2021)
    server.logins["/private.xml"] = (USER, SECRET)
    server.routes["/open.xml"] = state_feed(MARCH_2022)

    assert cli("credentials", "set", "desk", "--kind", "basic", "--username", USER, stdin=SECRET + "\n") == 0
    assert cli("feeds", "add", "state", server.url("/private.xml"), "--account", "desk", "--every", "15") == 0
    assert "every 15 min" in cli.out and "credentials set" not in cli.out
    assert cli("feeds", "add", "open", server.url("/open.xml"), "--account", "later") == 0
    assert "briefer credentials set later --kind basic" in cli.out
    assert cli("feeds", "add", "state", server.url("/open.xml")) == 1
    assert cli.err == "briefer: there is already a feed named 'state'\n"
    assert cli("feeds", "list") == 0 and "state: " in cli.out and "never fetched" in cli.out

    # "open" names an account with no stored secret: reported, "state" still fetched, exit status 1.
    assert cli("feeds", "fetch") == 1
    assert cli.out.splitlines() == [
        "open: unauthorized: no secret is stored for the account 'later'; store it with "
        "`briefer credentials set later --kind basic --username USER` (or --kind bearer)",
        "state: 10 new entries",
    ]
    assert cli("credentials", "set", "later", "--kind", "bearer", stdin="token-5e6f7a\n") == 0
    assert cli("feeds", "fetch", "open") == 0 and cli.out == "open: 10 new entries\n"
    assert cli("feeds", "fetch", "open") == 0 and cli.out == "open: not modified since the last fetch\n"
    assert cli("feeds", "fetch", "--due") == 0 and cli.out == "no feed is due\n"
    assert cli("feeds", "fetch", "nope") == 1 and "no feed 'nope'; known: open, state" in cli.err

    assert cli("feeds", "list", "--json") == 0
    listed = {item["name"]: item for item in json.loads(cli.out)}
    assert listed["state"]["last_status"] == "ok" and listed["state"]["last_new"] == 10
    assert listed["state"]["account"] == "desk" and listed["state"]["due"] is False

    server.logins["/private.xml"] = (USER, "rotated-password")
    assert cli("feeds", "fetch", "state") == 1 and cli.out.startswith(
        "state: unauthorized: the server refused"
    )
    assert (
        cli("feeds", "list") == 0
        and "    last error: the server refused the credentials stored as 'desk' (401 Unauthorized)"
        in cli.out
    )

    assert cli("feeds", "remove", "state") == 0 and "stay in the archive" in cli.out
    assert cli("feeds", "remove", "state") == 1 and cli.err == "briefer: no feed 'state'\n"
    assert cli("search", '"Yemen National Day"') == 0 and "Yemen National Day" in cli.out

    # The secrets are in the keychain only: in no file of the data folder, in nothing printed.
    assert keychain.store[("Briefer", "desk")] == SECRET
    for secret in (SECRET, "token-5e6f7a"):
        forms = (
            secret.encode(),
            base64.b64encode(secret.encode()),
            base64.b64encode(f"{USER}:{secret}".encode()),
        )
        for path in data.rglob("*"):
            if path.is_file():
                assert not any(form in path.read_bytes() for form in forms), path
        assert not any(secret in text for text in cli.printed)
