"""Hostile feed servers: bodies are parsed in a worker within the time limit.

Real HTTP servers on loopback (stdlib `http.server` in threads) serve feeds
made here.  Secrets live in an in-memory keyring.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_port}{path}"


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
