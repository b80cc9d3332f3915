"""Hostile feed servers: a login never travels in clear, a slow server is cut off, bodies are parsed
in a worker within the time limit.

Real HTTP(S) servers on loopback (stdlib `http.server` in threads) play the
hostile parts: one trickles its answer a byte at a time, one redirects from
https:// to http://, one plays an HTTP proxy and so stands in for a host that
is not this machine ("feeds.example.org"), recording every header that reaches
it.  Secrets live in an in-memory keyring; feeds are made here.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from briefer.core.archive import Archive
from briefer.core.credentials import CredentialStore
from briefer.core.distribution.subscriptions import (
    FeedBook,
    FeedError,
    FeedProblem,
    FetchResult,
    InsecureFeed,
    Subscription,
    fetch_feeds,
    is_loopback,
    login_in_clear,
)
from tests.core.cli_support import Cli
from tests.core.smtp_server import MemoryKeyring, make_certificate

pytestmark = pytest.mark.timeout(90)

USER, SECRET = "analyst", "feed-secret-c0ffee42"  # distinctive: the leak checks look for it
REMOTE = "http://feeds.example.org"  # not this machine: only reachable through the test's proxy


def rss(title: str, entries: int) -> bytes:
    items = "".join(
        f"<item><title>{title} item {i}</title><guid>{title}-{i}</guid>"
        f"<description>Report number {i} on {title}.</description></item>"
        for i in range(entries)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"{items}</channel></rss>"
    ).encode()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


# -- servers ----------------------------------------------------------------------------------
Answer = Callable[["Handler"], None]


class Server(ThreadingHTTPServer):
    """Answers each path (for a proxy: each absolute URL) with its route; records every request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, Answer] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.scheme = "http"
        self.stop = threading.Event()  # ends the trickles when the test is over

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_port}{path}"

    def authorizations(self) -> list[str | None]:
        return [headers.get("Authorization") for _, headers in self.requests]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up on a trickle is the point of the test; say nothing."""


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:
        self.server.requests.append((self.path, dict(self.headers)))
        self.server.routes.get(self.path, not_found)(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def not_found(handler: Handler) -> None:
    handler.send_response(404)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def feed(body: bytes, login: tuple[str, str] | None = None) -> Answer:
    def answer(handler: Handler) -> None:
        if login is not None and handler.headers.get("Authorization") != basic(*login):
            handler.send_response(401)
            handler.send_header("WWW-Authenticate", 'Basic realm="feeds"')
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def redirect(location: str) -> Answer:
    def answer(handler: Handler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def trickle(head: bytes, drip: bytes, every: float = 0.25, seconds: float = 30.0) -> Answer:
    """Send `head` at once, then one byte of `drip` (repeated) every `every` s for `seconds`."""

    def answer(handler: Handler) -> None:
        handler.wfile.write(head)
        handler.wfile.flush()
        ends = time.monotonic() + seconds
        for byte in itertools.cycle(drip):
            if time.monotonic() > ends or handler.server.stop.wait(every):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()

    return answer


@pytest.fixture
def serve() -> Iterator[Callable[[], Server]]:
    running: list[tuple[Server, threading.Thread]] = []

    def start() -> Server:
        server = Server()
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        running.append((server, thread))
        return server

    yield start
    for server, thread in running:
        server.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def server(serve: Callable[[], Server]) -> Server:
    return serve()


@pytest.fixture
def proxy(serve: Callable[[], Server], monkeypatch: pytest.MonkeyPatch) -> Server:
    """The network's HTTP proxy: plain http:// requests to other machines go through it."""
    proxy = serve()
    for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.server_port}")
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_port}")
    return proxy


@pytest.fixture(autouse=True)
def no_proxy_unless_asked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if "proxy" not in request.fixturenames:
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def book(archive: Archive) -> FeedBook:
    return FeedBook.for_data_dir(archive.data_dir)


@pytest.fixture
def store(archive: Archive) -> CredentialStore:
    store = CredentialStore.for_data_dir(archive.data_dir, MemoryKeyring())
    store.set("desk", SECRET, kind="basic", username=USER)
    return store


def by_name(results: list[FetchResult]) -> dict[str, FetchResult]:
    return {r.name: r for r in results}


# -- 1. a login never travels in clear unless the user allowed it ------------------------------
def test_loopback_is_decided_from_the_name_alone() -> None:
    for host in ("localhost", "LocalHost", "127.0.0.1", "127.8.9.10", "::1", "[::1]", "::ffff:127.0.0.1"):
        assert is_loopback(host), host
    for host in (
        "feeds.example.org",
        "localhost.example.org",  # a DNS name anyone can point at 127.0.0.1, or elsewhere
        "127.0.0.1.nip.io",
        "10.0.0.1",
        "192.168.1.20",
        "0.0.0.0",
        "::",
        "",
    ):
        assert not is_loopback(host), host
    assert login_in_clear("http://feeds.example.org/private.rss")
    assert login_in_clear("HTTP://FEEDS.EXAMPLE.ORG:443/private.rss")
    assert login_in_clear("http://10.1.2.3/feed")
    assert not login_in_clear("https://feeds.example.org/private.rss")
    assert not login_in_clear("http://127.0.0.1:8080/feed.xml")
    assert not login_in_clear("http://localhost/feed.xml")
    assert not login_in_clear("http://[::1]:8080/feed.xml")


def test_a_login_over_plain_http_is_refused_unless_allowed(tmp_path: Path) -> None:
    book = FeedBook.for_data_dir(tmp_path)
    with pytest.raises(InsecureFeed, match=re.escape("unencrypted, over plain http:// to feeds.example.org")):
        book.add(Subscription("wire", f"{REMOTE}/private.rss", account="desk"))
    assert book.all() == []
    # No login, https, or this machine: nothing to refuse.
    book.add(Subscription("open", f"{REMOTE}/open.rss"))
    book.add(Subscription("secure", "https://feeds.example.org/private.rss", account="desk"))
    book.add(Subscription("local", "http://127.0.0.1:8080/private.rss", account="desk"))
    # Giving a login to an http:// feed, or moving a feed with a login to http://, is refused too.
    with pytest.raises(InsecureFeed):
        book.put(Subscription("open", f"{REMOTE}/open.rss", account="desk"))
    with pytest.raises(InsecureFeed):
        book.put(Subscription("secure", f"{REMOTE}/private.rss", account="desk"))

    allowed = book.add(Subscription("wire", f"{REMOTE}/private.rss", account="desk", allow_insecure=True))
    assert allowed.allow_insecure and FeedBook.for_data_dir(tmp_path).get("wire").allow_insecure
    saved = json.loads(book.path.read_text(encoding="utf-8"))
    assert {f["name"]: f["allow_insecure"] for f in saved["feeds"]}["wire"] is True


def test_allow_insecure_must_be_a_real_true_in_the_file(tmp_path: Path) -> None:
    """A hand-written "allow_insecure": "false" is a string, which Python would take for true."""
    (tmp_path / "feeds.json").write_text(
        json.dumps({"feeds": [{"name": "x", "url": f"{REMOTE}/f", "allow_insecure": "false"}]}),
        encoding="utf-8",
    )
    with pytest.raises(FeedError, match="allow_insecure must be true or false"):
        FeedBook.for_data_dir(tmp_path).all()


def write_feeds_file(book: FeedBook, *subscriptions: dict[str, Any]) -> None:
    """As a user editing feeds.json by hand would: nothing checks it on the way in."""
    book.path.parent.mkdir(parents=True, exist_ok=True)
    book.path.write_text(json.dumps({"feeds": list(subscriptions)}), encoding="utf-8")


def test_a_feed_edited_to_send_its_login_in_clear_is_refused_before_any_connection(
    archive: Archive, book: FeedBook, store: CredentialStore, proxy: Server
) -> None:
    proxy.routes[f"{REMOTE}/private.rss"] = feed(rss("Private", 2), login=(USER, SECRET))
    proxy.routes[f"{REMOTE}/open.rss"] = feed(rss("Open", 3))
    write_feeds_file(
        book,
        {"name": "edited", "url": f"{REMOTE}/private.rss", "account": "desk"},
        {"name": "open", "url": f"{REMOTE}/open.rss"},
    )

    results = by_name(fetch_feeds(archive, book, store, timeout=5))

    refused = results["edited"]
    assert (refused.status, refused.http_status) == ("unauthorized", None)
    assert refused.message.startswith("not fetched: the feed 'edited' would send the login stored as 'desk'")
    assert refused.problem is FeedProblem.INSECURE  # the front ends say: its https:// address, or allow it
    assert (results["open"].status, results["open"].imported) == ("new", 3)  # the others are fetched
    assert [path for path, _ in proxy.requests] == [f"{REMOTE}/open.rss"]  # nothing left for the other
    assert SECRET not in json.dumps(proxy.requests)
    assert book.get("edited").last_status == "error" and book.get("edited").last_error == refused.message

    # Allowed explicitly (in the file, as `feeds add --allow-insecure` writes it): the user's choice.
    write_feeds_file(
        book, {"name": "edited", "url": f"{REMOTE}/private.rss", "account": "desk", "allow_insecure": True}
    )
    [allowed] = fetch_feeds(archive, book, store, timeout=5)
    assert (allowed.status, allowed.imported) == ("new", 2)
    assert proxy.authorizations()[-1] == basic(USER, SECRET)


def test_a_login_for_this_machine_goes_straight_there_not_through_the_proxy(
    archive: Archive, book: FeedBook, store: CredentialStore, server: Server, proxy: Server
) -> None:
    server.routes["/private.rss"] = feed(rss("Local", 2), login=(USER, SECRET))
    book.add(Subscription("local", server.url("/private.rss"), account="desk"))

    [result] = fetch_feeds(archive, book, store, timeout=5)

    assert (result.status, result.imported) == ("new", 2)
    assert server.authorizations() == [basic(USER, SECRET)]
    assert proxy.requests == []  # through it, a login "for loopback" would have crossed the network


def test_a_redirect_from_https_to_http_never_carries_the_login(
    archive: Archive,
    book: FeedBook,
    store: CredentialStore,
    serve: Callable[[], Server],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    certificate = make_certificate(tmp_path / "tls")
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))  # Briefer trusts this certificate
    secure, plain = serve(), serve()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate.cert, certificate.key)
    secure.socket = context.wrap_socket(secure.socket, server_side=True)
    secure.scheme = "https"
    secure.routes["/private.rss"] = feed(rss("Secure", 2), login=(USER, SECRET))
    secure.routes["/moved.rss"] = redirect(plain.url("/private.rss"))
    secure.routes["/renamed.rss"] = redirect("/private.rss")
    plain.routes["/private.rss"] = feed(rss("Downgraded", 4))
    book.add(Subscription("renamed", secure.url("/renamed.rss"), account="desk"))
    book.add(Subscription("moved", secure.url("/moved.rss"), account="desk"))

    results = by_name(fetch_feeds(archive, book, store, timeout=5))

    assert (results["renamed"].status, results["renamed"].imported) == ("new", 2)  # https all the way
    assert (results["moved"].status, results["moved"].imported) == ("new", 4)
    assert plain.authorizations() == [None]
    assert secure.authorizations() == [basic(USER, SECRET)] * 3


def test_feeds_add_refuses_a_login_in_clear_and_says_how_to_allow_it(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    cli = Cli(tmp_path / "data", capsys, monkeypatch)
    url = f"{REMOTE}/private.rss"

    assert cli("feeds", "add", "wire", url, "--account", "desk") == 1
    assert cli.err.startswith("briefer: the feed 'wire' would send the login stored as 'desk' unencrypted")
    assert "--allow-insecure" in cli.err and cli.out == ""
    assert cli("feeds", "list") == 0 and cli.out.startswith("no feeds")

    assert cli("feeds", "add", "wire", url, "--account", "desk", "--allow-insecure") == 0
    assert "warning: its login ('desk') will be sent unencrypted" in cli.out
    assert cli("feeds", "list") == 0 and "account desk, login sent unencrypted, as allowed)" in cli.out
    assert cli("feeds", "add", "secure", "https://feeds.example.org/p.rss", "--account", "desk") == 0
    assert "warning" not in cli.out


# -- 2. a slow server is cut off at the deadline; the other feeds are fetched -------------------
def test_servers_that_trickle_are_cut_at_the_deadline_and_the_other_feeds_fetched(
    tmp_path: Path,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
    server: Server,
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n"  # no length: read to the end
    body = rss("Trickled", 1)
    # A byte every 0.25 s: never silent for the 1 s timeout, and never done.
    server.routes["/body.rss"] = trickle(head + body[:200], body[200:])
    server.routes["/headers.rss"] = trickle(b"HTTP/1.1 200 OK\r\n", b"X-Padding: aaaaaaaaaaaaaaaaaaaa\r\n")
    server.routes["/good.rss"] = feed(rss("Good", 3))
    cli = Cli(tmp_path / "data", capsys, monkeypatch)
    for name in ("body", "good", "headers"):
        assert cli("feeds", "add", name, server.url(f"/{name}.rss")) == 0

    started = time.monotonic()
    status = cli("feeds", "fetch", "--timeout", "1", "--deadline", "2")
    elapsed = time.monotonic() - started

    assert status == 1
    host = f"127.0.0.1:{server.server_port}"
    cut = f"unreachable: {host} had not sent the whole feed after 2 s, the time a feed may take in all"
    lines = cli.out.splitlines()
    assert lines[0].startswith(f"body: {cut}") and lines[2].startswith(f"headers: {cut}")
    assert lines[1] == "good: 3 new entries"
    assert elapsed < 15, elapsed  # two deadlines, one import; a trickle alone would go on for 30 s
    assert cli("search", "--json", "Trickled") == 0 and cli.out == ""  # a cut body is not imported
    with pytest.raises(SystemExit) as refused:  # argparse's own exit, as for any bad option
        cli("feeds", "fetch", "--deadline", "0")
    assert refused.value.code == 2 and "seconds above 0, not '0'" in capsys.readouterr().err


def test_a_redirect_to_ftp_is_not_followed(
    archive: Archive, book: FeedBook, store: CredentialStore, server: Server
) -> None:
    """urllib follows ftp:// redirects, where neither the deadline nor TLS would apply."""
    with socket.socket() as ftp:
        ftp.bind(("127.0.0.1", 0))
        ftp.listen()
        ftp.setblocking(False)
        server.routes["/feed.rss"] = redirect(f"ftp://127.0.0.1:{ftp.getsockname()[1]}/feed.rss")
        book.add(Subscription("ftp", server.url("/feed.rss")))

        [result] = fetch_feeds(archive, book, store, timeout=5)

        assert (result.status, result.http_status) == ("unreachable", 302)
        assert result.message == "the server redirects to an ftp:// address, which Briefer does not follow"
        with pytest.raises(BlockingIOError):
            ftp.accept()  # nobody knocked


# -- 3. bodies are parsed in a worker, within the time limit -------------------------------------
def test_a_feed_that_takes_too_long_to_parse_is_stopped_in_a_worker(
    archive: Archive, book: FeedBook, store: CredentialStore, server: Server
) -> None:
    server.routes["/huge.rss"] = feed(rss("Endless", 100_000))  # 9 MB: feedparser needs 15 s or so
    server.routes["/good.rss"] = feed(rss("Good", 3))
    book.add(Subscription("huge", server.url("/huge.rss")))
    book.add(Subscription("good", server.url("/good.rss")))

    cpu = time.process_time()
    results = by_name(fetch_feeds(archive, book, store, time_limit=3))
    cpu = time.process_time() - cpu

    huge = results["huge"]
    assert huge.status == "broken", huge
    assert huge.message == (
        "the feed could not be read: took longer than 3 s to parse (time limit); nothing was imported"
    )
    assert (results["good"].status, results["good"].imported) == ("new", 3)
    assert archive.stats().documents == 3
    assert cpu < 6, cpu  # this process downloaded and compared; the parsing was another's
    assert book.get("huge").last_status == "error"
