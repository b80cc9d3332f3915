"""Hostile feed servers: a slow server is cut off, bodies are parsed in a worker within the time limit.

Real HTTP servers on loopback (stdlib `http.server` in threads) play the
hostile parts: one trickles its answer a byte at a time, one redirects to
ftp://.  Secrets live in an in-memory keyring; feeds are made here.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from briefer.core.archive import Archive
from briefer.core.credentials import CredentialStore
from briefer.core.subscriptions import (
    FeedBook,
    FetchResult,
    Subscription,
    fetch_feeds,
)
from tests.core.cli_support import Cli
from tests.core.smtp_server import MemoryKeyring

pytestmark = pytest.mark.timeout(90)


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


# -- servers ----------------------------------------------------------------------------------
Answer = Callable[["Handler"], None]


class Server(ThreadingHTTPServer):
    """Answers each path with its route; records every request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, Answer] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stop = threading.Event()  # ends the trickles when the test is over

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_port}{path}"

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


def feed(body: bytes) -> Answer:
    def answer(handler: Handler) -> None:
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
