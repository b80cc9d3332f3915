"""Feed subscriptions: RSS/Atom URLs fetched on demand or on a schedule, their entries imported.

The subscriptions live in `feeds.json` in the data directory (names, URLs,
schedules, the last fetch's status; a credential's *account name*, never a
secret: secrets stay in the keychain, see `credentials.py`).

Each fetch is a conditional GET (If-None-Match / If-Modified-Since), bounded in
time (a connect and read timeout, and a deadline for the whole download), and
carries a login only over https:// or to this machine, unless the user allowed
that feed's login over plain http://.  A new body is checked by feedparser in a
parser worker (time and size limits, as for any import), written over the
feed's one snapshot file, `<data dir>/feeds/<name>.xml`, and imported like any
other feed file.  The importer knows entries by their id,
and keeps the entries of a container that are missing from its later versions,
so entries that rolled off the feed stay in the archive; a feed that cannot be
reached, refuses the credentials or sends something unreadable is reported and
changes nothing that was imported.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import hashlib
import http.client
import ipaddress
import json
import logging
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefer import __version__
from briefer.core import atomic_write
from briefer.core.archive import Archive
from briefer.core.archive.limits import DEFAULT_TIME_LIMIT
from briefer.core.archive.workers import Job, ParsePool
from briefer.core.credentials import (
    CredentialStore,
    CredentialsUnavailable,
    KeychainProblem,
    check_account,
    write_json_atomically,
)
from briefer.core.distribution.feed_check import diagnose
from briefer.core.errors import BrieferError
from briefer.core.extract import Limits, Part
from briefer.core.extract.feeds import looks_like_feed
from briefer.core.progress import Cancelled, Progress, no_progress, raise_if_cancelled

if TYPE_CHECKING:
    from briefer.core.archive.import_summary import ImportSummary

log = logging.getLogger(__name__)

FEEDS_FILE = "feeds.json"
SNAPSHOT_DIR = "feeds"
MAX_FEED_BYTES = 50 * 1024 * 1024
DEFAULT_TIMEOUT = 20.0  # seconds a server may take to accept the connection, and to send each part
DEFAULT_DEADLINE = 60.0  # seconds one feed's download may take in all, redirects included
STATUSES = ("new", "not modified", "unreachable", "unauthorized", "broken", "cancelled")
FAILED = frozenset({"unreachable", "unauthorized", "broken"})
_SECRET_KEYS = frozenset({"password", "secret", "token", "pass", "passwd"})
_CHUNK = 64 * 1024
_USER_AGENT = f"Briefer/{__version__} (feed reader)"
_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


class FeedProblem(enum.StrEnum):
    """What is wrong with a subscription, or why a fetch failed.  Front ends word what to do."""

    INVALID = "invalid"  # a bad name, address or interval
    LOGIN_IN_ADDRESS = "login-in-address"  # user name or password written into the URL
    UNREADABLE = "unreadable"  # the feeds file
    SECRET_IN_FILE = "secret-in-file"  # the feeds file holds a password
    UNKNOWN = "unknown"  # no feed of that name
    DUPLICATE = "duplicate"  # the name is taken
    INSECURE = "insecure"  # its login would cross the network unencrypted
    NO_SECRET = "no-secret"  # its account has nothing stored
    KEYCHAIN = "keychain"  # the keychain could not be read (`FetchResult.keychain` says why)
    WRONG_KIND = "wrong-kind"  # its account holds an SMTP password, not an HTTP login
    LOGIN_REFUSED = "login-refused"  # the server refused the stored login
    LOGIN_NEEDED = "login-needed"  # the server asks for a login, and the feed has none
    ACCESS_REFUSED = "access-refused"  # 403 to a feed without a login


class FeedError(BrieferError, ValueError):
    """A bad subscription, an unknown feed name, or an unreadable feeds file.

    The message states the fact; `problem` and the facts (`name`, `known`,
    `path`) let each front end say what to do.
    """

    def __init__(
        self,
        message: str,
        problem: FeedProblem = FeedProblem.INVALID,
        *,
        name: str = "",
        known: tuple[str, ...] = (),
        path: Path | None = None,
    ) -> None:
        super().__init__(message)
        self.problem = problem
        self.name = name  # the feed asked for
        self.known = known  # the feeds there are
        self.path = path  # the feeds file


class InsecureFeed(FeedError):
    """A subscription that would send its login unencrypted, and was not allowed to."""

    def __init__(self, name: str, url: str, account: str) -> None:
        host = urllib.parse.urlsplit(url).hostname or url
        super().__init__(
            f"the feed {name!r} would send the login stored as {account!r} unencrypted, over plain "
            f"http:// to {host}, where anyone on the network between could read it",
            FeedProblem.INSECURE,
            name=name,
        )
        self.url, self.account = url, account


# -- subscriptions ----------------------------------------------------------------------
@dataclass
class Subscription:
    name: str
    url: str
    account: str = ""  # the CredentialStore account for HTTP auth; "" = none
    interval_minutes: int = 60  # 0 = fetched only on demand
    allow_insecure: bool = False  # the user accepted sending the login over plain http://
    etag: str = ""
    last_modified: str = ""
    last_checked: str = ""  # ISO 8601, UTC
    last_status: str = ""  # "ok", "not modified", "error"; "" = never fetched
    last_error: str = ""  # the fact only: front ends add their advice from `last_problem`
    last_new: int = 0  # entries imported by the last fetch
    last_problem: str = ""  # the FeedProblem of the last error, when a front end can advise

    @property
    def problem(self) -> FeedProblem | None:
        """The last error's FeedProblem (None for none, or one a newer Briefer wrote)."""
        try:
            return FeedProblem(self.last_problem) if self.last_problem else None
        except ValueError:
            return None

    def due(self, now: datetime) -> bool:
        """Whether the schedule asks for a fetch at `now` (a naive time is taken as UTC)."""
        if self.interval_minutes <= 0:
            return False
        last = _parse_time(self.last_checked)
        if last is None:
            return True
        return _aware(now) >= last + timedelta(minutes=self.interval_minutes)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _parse_time(text: str) -> datetime | None:
    try:
        return _aware(datetime.fromisoformat(text)) if text else None
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine: "localhost" or a loopback address (127.0.0.0/8, ::1).

    Decided from the name alone, never from a DNS answer, which could point any name anywhere.
    """
    host = host.strip().lower().removeprefix("[").removesuffix("]")
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def login_in_clear(url: str) -> bool:
    """Whether a login sent to `url` would cross a network unencrypted: not https://, not this machine."""
    parts = urllib.parse.urlsplit(url.strip())
    return parts.scheme.lower() != "https" and not is_loopback(parts.hostname or "")


def _check_transport(sub: Subscription) -> None:
    """InsecureFeed when `sub` would send its login in clear without the user's leave."""
    if sub.account and not sub.allow_insecure and login_in_clear(sub.url):
        raise InsecureFeed(sub.name, sub.url, sub.account)


def check_subscription(sub: Subscription) -> Subscription:
    """`sub` tidied, or FeedError (InsecureFeed for a login it would send in clear): what `add` checks."""
    sub = _checked(sub)
    _check_transport(sub)
    return sub


def _checked(sub: Subscription) -> Subscription:
    """`sub` with its name trimmed, or FeedError saying what is wrong with it."""
    try:
        name = check_account(sub.name)
    except ValueError:
        raise FeedError(f"{sub.name!r} is not a usable feed name (1-100 characters, one line)") from None
    try:
        account = check_account(sub.account) if sub.account.strip() else ""
    except ValueError as exc:
        raise FeedError(str(exc)) from None
    check_url(sub.url)
    interval = sub.interval_minutes
    if isinstance(interval, bool) or not isinstance(interval, int) or interval < 0:
        raise FeedError(f"the interval must be a whole number of minutes, 0 or more (got {interval!r})")
    return replace(sub, name=name, url=sub.url.strip(), account=account)


def check_url(url: str) -> str:
    """`url` if it can be subscribed to (http or https, a host, no password in it), else FeedError."""
    url = url.strip()
    parts = urllib.parse.urlsplit(url)
    try:
        _ = parts.port  # a port that is no number, or out of range, raises ValueError here
    except ValueError:
        raise FeedError(f"{url!r} has no usable port number") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise FeedError(f"{url!r} is not an http:// or https:// address")
    if parts.username is not None or parts.password is not None:
        raise FeedError(
            "the address holds a user name or password; Briefer keeps those in the keychain, never in "
            "the list of feeds",
            FeedProblem.LOGIN_IN_ADDRESS,
        )
    return url


class FeedBook:
    """The subscriptions file: read on every call, written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # a book shared by the window and a fetch in the background

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> FeedBook:
        return cls(data_dir / FEEDS_FILE)

    def all(self) -> list[Subscription]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise FeedError(
                f"{self.path} cannot be read ({exc}); move it away to start a new list",
                FeedProblem.UNREADABLE,
                path=self.path,
            ) from None
        items = data.get("feeds") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise FeedError(f"{self.path}: no 'feeds' list", FeedProblem.UNREADABLE, path=self.path)
        return [self._subscription(item, i) for i, item in enumerate(items)]

    def _subscription(self, item: Any, index: int) -> Subscription:
        where = f"{self.path}: feeds[{index}]"
        if not isinstance(item, dict):
            raise FeedError(f"{where}: expected an object")
        if _SECRET_KEYS & {str(k).lower() for k in item}:
            raise FeedError(
                f"{where} holds a password; Briefer keeps passwords in the keychain only, never in this file",
                FeedProblem.SECRET_IN_FILE,
                path=self.path,
            )
        known = {f.name: str(f.type) for f in fields(Subscription)}  # "int", "str", "bool"
        values = {k: v for k, v in item.items() if k in known}  # unknown keys: a newer Briefer's
        try:
            return Subscription(**{k: _field_value(k, known[k], v) for k, v in values.items()})
        except (TypeError, ValueError) as exc:
            raise FeedError(f"{where}: {exc}") from None

    def get(self, name: str) -> Subscription:
        subscriptions = self.all()
        for sub in subscriptions:
            if sub.name == name:
                return sub
        known = tuple(s.name for s in subscriptions)
        raise FeedError(
            f"no feed {name!r}; known: {', '.join(known) or 'none yet'}",
            FeedProblem.UNKNOWN,
            name=name,
            known=known,
            path=self.path,
        )

    def add(self, sub: Subscription) -> Subscription:
        """Subscribe; FeedError for a bad subscription or a name already taken (in any case)."""
        sub = check_subscription(sub)
        with self._lock:
            subscriptions = self.all()
            if any(s.name.casefold() == sub.name.casefold() for s in subscriptions):
                raise FeedError(
                    f"there is already a feed named {sub.name!r}", FeedProblem.DUPLICATE, name=sub.name
                )
            self._write([*subscriptions, sub])
        return sub

    def put(self, sub: Subscription) -> Subscription:
        """Replace the subscription of the same name; a new URL starts without ETag or date."""
        sub = _checked(sub)
        with self._lock:
            subscriptions = self.all()
            old = next((s for s in subscriptions if s.name == sub.name), None)
            if old is None:
                raise FeedError(
                    f"no feed {sub.name!r} (it may have been removed)", FeedProblem.UNKNOWN, name=sub.name
                )
            if (old.url, old.account, old.allow_insecure) != (sub.url, sub.account, sub.allow_insecure):
                _check_transport(sub)  # a new way to send the login; recording a fetch's status is not
            if old.url != sub.url:
                sub = replace(sub, etag="", last_modified="")
            self._write([sub if s.name == sub.name else s for s in subscriptions])
        return sub

    def remove(self, name: str) -> bool:
        """Unsubscribe; the entries already imported stay in the archive.  False when unknown."""
        with self._lock:
            subscriptions = self.all()
            kept = [s for s in subscriptions if s.name != name]
            if len(kept) == len(subscriptions):
                return False
            self._write(kept)
        return True

    def due(self, now: datetime) -> list[Subscription]:
        return [s for s in self.all() if s.due(now)]

    def _write(self, subscriptions: list[Subscription]) -> None:
        data = {
            "comment": "Feed subscriptions. Passwords and tokens are in the system keychain, not here.",
            "feeds": [asdict(s) for s in sorted(subscriptions, key=lambda s: s.name.casefold())],
        }
        write_json_atomically(self.path, data)


def _field_value(name: str, kind: str, value: Any) -> Any:
    """A feeds.json value as the field's type; ValueError for one it cannot be."""
    if kind == "bool":
        if not isinstance(value, bool):  # bool("false") is True: only JSON's true and false will do
            raise ValueError(f"{name} must be true or false, not {value!r}")
        return value
    return int(value) if kind == "int" else str(value)


# -- fetching ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FetchResult:
    name: str
    status: str  # one of STATUSES
    message: str  # plain words for the user: the fact (front ends add advice from `problem`)
    imported: int = 0  # new entries imported
    http_status: int | None = None  # None when no answer came
    problem: FeedProblem | None = None  # why it failed, when a front end can advise (a login, ...)
    keychain: KeychainProblem | None = None  # what the keychain said, for FeedProblem.KEYCHAIN
    account: str = ""  # the feed's login (a CredentialStore account), "" = none

    @property
    def failed(self) -> bool:
        return self.status in FAILED


class _Failed(Exception):
    """One feed's fetch ends with `status` (not "new"), for the reason in `message` (a fact only)."""

    def __init__(
        self,
        status: str,
        message: str,
        http_status: int | None = None,
        *,
        problem: FeedProblem | None = None,
        keychain: KeychainProblem | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.http_status = status, message, http_status
        self.problem, self.keychain = problem, keychain

    def result(self, sub: Subscription) -> FetchResult:
        return FetchResult(
            sub.name,
            self.status,
            self.message,
            0,
            self.http_status,
            problem=self.problem,
            keychain=self.keychain,
            account=sub.account,
        )


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes
    etag: str
    last_modified: str


def snapshot_path(data_dir: Path, name: str) -> Path:
    """Where a feed's latest body is kept: a readable slug plus a hash, so no two names collide."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60] or "feed"
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return data_dir / SNAPSHOT_DIR / f"{slug}-{digest}.xml"


def fetch_feeds(
    archive: Archive,
    book: FeedBook,
    credentials: CredentialStore,
    names: Sequence[str] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    deadline: float = DEFAULT_DEADLINE,
    time_limit: float = DEFAULT_TIME_LIMIT,
    progress: Progress = no_progress,
    cancel: threading.Event | None = None,
) -> list[FetchResult]:
    """Fetch the named feeds (all when `names` is None), import their new entries, save their status.

    One result per feed, in order; a feed that fails never stops the others,
    and once `cancel` is set the feeds not yet done are "cancelled" (entries
    imported before stay).  Each server has `timeout` seconds to accept the
    connection and to send each part of its answer, and `deadline` seconds for
    the whole download; each body is parsed (checked, then imported) within
    `time_limit` seconds in a parser worker.  FeedError for an unknown name,
    before anything is fetched.  A problem of the archive itself (ArchiveBusy:
    another import runs; a full disk) is raised, with the feeds done so far saved.
    """
    chosen = book.all() if names is None else [book.get(n) for n in dict.fromkeys(names)]
    results: list[FetchResult] = []
    progress(0, len(chosen))
    # The checking worker starts with the first body to check, and serves every feed of this fetch.
    with ParsePool(workers=1, time_limit=time_limit, parse=diagnose) as checker:
        run = _Run(archive, credentials, timeout, deadline, time_limit, checker, cancel)
        for done, sub in enumerate(chosen, start=1):
            if cancel is not None and cancel.is_set():
                results.append(FetchResult(sub.name, "cancelled", "cancelled before it was fetched"))
            else:
                fetched = _fetch_one(run, sub)
                if fetched.result.status != "cancelled":
                    _save_status(book, sub, fetched)
                results.append(fetched.result)
                log.info("feed %r: %s: %s", sub.name, fetched.result.status, fetched.result.message)
            progress(done, len(chosen))
    return results


@dataclass(frozen=True)
class _Run:
    """What every feed of one `fetch_feeds` call is fetched with."""

    archive: Archive
    credentials: CredentialStore
    timeout: float
    deadline: float
    time_limit: float
    checker: ParsePool  # parses bodies with `feed_check.diagnose`
    cancel: threading.Event | None


@dataclass(frozen=True)
class _Fetched:
    """A feed's result, and the validators of the body it imported (for the next conditional GET)."""

    result: FetchResult
    etag: str = ""
    last_modified: str = ""


def _fetch_one(run: _Run, sub: Subscription) -> _Fetched:
    try:
        _refuse_login_in_clear(sub)  # before the keychain is read, before any connection
        headers = _request_headers(sub, run.credentials)
        response = _download(sub.url, headers, run, account=sub.account)
        if response.status == 304:
            return _Fetched(
                FetchResult(sub.name, "not modified", "not modified since the last fetch", 0, 304)
            )
        return _import(run, sub, response)
    except _Failed as failure:
        return _Fetched(failure.result(sub))
    except Cancelled:
        return _Fetched(FetchResult(sub.name, "cancelled", "cancelled; entries imported before stay"))


def _refuse_login_in_clear(sub: Subscription) -> None:
    """A subscription edited by hand may name an account for an http:// feed: its login stays home."""
    try:
        _check_transport(sub)
    except InsecureFeed as exc:
        raise _Failed("unauthorized", f"not fetched: {exc}", problem=FeedProblem.INSECURE) from None


def _save_status(book: FeedBook, fetched: Subscription, outcome: _Fetched) -> None:
    """Record the outcome on the subscription as it is now (the user may have edited it meanwhile)."""
    try:
        current = book.get(fetched.name)
    except FeedError:
        return  # removed while it was being fetched
    if current.url != fetched.url:
        return  # the address changed meanwhile: this outcome is not about it
    result = outcome.result
    status = {"new": "ok", "not modified": "not modified"}.get(result.status, "error")
    update = replace(
        current,
        last_checked=datetime.now(UTC).isoformat(timespec="seconds"),
        last_status=status,
        last_error="" if status != "error" else result.message,
        last_problem=str(result.problem or "") if status == "error" else "",
        last_new=result.imported,
    )
    if result.status == "new":
        update = replace(update, etag=outcome.etag, last_modified=outcome.last_modified)
    with contextlib.suppress(FeedError):
        book.put(update)


# -- HTTP --------------------------------------------------------------------------------
class _CredentialsStayHome(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) only, and never carry the Authorization header to another origin.

    urllib would follow a redirect to ftp:// too, where neither the deadline nor TLS applies.
    """

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        scheme = urllib.parse.urlsplit(newurl).scheme.lower()
        if scheme not in ("http", "https"):
            problem = f"the server redirects to an {scheme}:// address, which Briefer does not follow"
            raise _Failed("unreachable", problem, code)
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _origin(newurl) != _origin(req.full_url):
            new.remove_header("Authorization")
        return new


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or default


class _Deadline:
    """The time one feed's download may take in all: its connections are cut when it passes.

    A socket timeout only bounds each wait, so a server that sends a byte
    every few seconds (in its headers or its body) would hold a fetch for
    ever.  Every socket opened for the feed (redirects too) is registered
    here, and a timer shuts them down at the deadline, whatever they are
    waiting for; the fetch then fails as `passed`.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends = time.monotonic() + seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self.passed = False

    def __enter__(self) -> _Deadline:
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._sockets.clear()

    def bound(self, timeout: float | None) -> float:
        """`timeout`, shortened to the time left; TimeoutError when none is left."""
        left = self._ends - time.monotonic()
        if left <= 0:
            self.passed = True
            raise TimeoutError("the deadline passed")
        return left if timeout is None else min(timeout, left)

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self._timer is None:
                self._timer = threading.Timer(max(0.0, self._ends - time.monotonic()), self._cut)
                self._timer.daemon = True
                self._timer.start()

    def _cut(self) -> None:
        with self._lock:
            self.passed = True
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):  # closed already
                # socket.socket's own shutdown: on a TLS socket it wakes the reader without
                # touching the TLS state the reading thread is using.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _bounded_connect(deadline: _Deadline) -> Any:
    """`socket.create_connection` within the deadline, its socket watched by it."""

    def connect(address: tuple[str, int], timeout: float | None = None, *args: Any) -> socket.socket:
        sock = socket.create_connection(address, deadline.bound(timeout), *args)
        deadline.watch(sock)
        return sock

    return connect


class _BoundedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, *, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._create_connection = _bounded_connect(deadline)


class _BoundedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, *, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._create_connection = _bounded_connect(deadline)
        self._deadline = deadline

    def connect(self) -> None:
        super().connect()
        self._deadline.watch(self.sock)  # the TLS socket, which took over the plain one's descriptor


class _BoundedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def do_open(self, http_class: Any, req: urllib.request.Request, **kwargs: Any) -> Any:
        connection = functools.partial(_BoundedHTTPConnection, deadline=self._deadline)
        return super().do_open(connection, req, **kwargs)


class _BoundedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__(context=ssl.create_default_context())  # certificates and host names checked
        self._deadline = deadline

    def do_open(self, http_class: Any, req: urllib.request.Request, **kwargs: Any) -> Any:
        connection = functools.partial(_BoundedHTTPSConnection, deadline=self._deadline)
        return super().do_open(connection, req, **kwargs)


def _opener(url: str, deadline: _Deadline) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [
        _CredentialsStayHome(),
        _BoundedHTTPHandler(deadline),
        _BoundedHTTPSHandler(deadline),
    ]
    if is_loopback(urllib.parse.urlsplit(url).hostname or ""):
        # Straight to this machine: through a proxy, a login sent "to loopback" would cross the network.
        handlers.append(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener(*handlers)


def _request_headers(sub: Subscription, credentials: CredentialStore) -> dict[str, str]:
    headers = {"User-Agent": _USER_AGENT, "Accept": _ACCEPT}
    if sub.etag:
        headers["If-None-Match"] = sub.etag
    if sub.last_modified:
        headers["If-Modified-Since"] = sub.last_modified
    if sub.account:
        headers.update(_auth_header(sub.account, credentials))
    return headers


def _auth_header(account: str, credentials: CredentialStore) -> dict[str, str]:
    try:
        auth = credentials.http_headers(account)
    except CredentialsUnavailable as exc:
        raise _Failed("unauthorized", str(exc), problem=FeedProblem.KEYCHAIN, keychain=exc.problem) from None
    except ValueError as exc:  # an SMTP credential named by mistake
        raise _Failed("unauthorized", str(exc), problem=FeedProblem.WRONG_KIND) from None
    if not auth:
        raise _Failed(
            "unauthorized", f"no secret is stored for the account {account!r}", problem=FeedProblem.NO_SECRET
        )
    return auth


def _download(url: str, headers: dict[str, str], run: _Run, *, account: str = "") -> _Response:
    """The answer to a GET: 200 with its body, or 304; any other outcome raises _Failed."""
    raise_if_cancelled(run.cancel)
    request = urllib.request.Request(url, headers=headers)
    with _Deadline(run.deadline) as deadline:
        try:
            response = _exchange(_opener(url, deadline), request, run, account=account)
        except _Failed:
            if deadline.passed:
                raise _too_slow(url, deadline) from None
            raise
        if deadline.passed:  # cut while the body was read until the connection closed
            raise _too_slow(url, deadline)
        return response


def _too_slow(url: str, deadline: _Deadline) -> _Failed:
    host = urllib.parse.urlsplit(url).netloc
    return _Failed(
        "unreachable",
        f"{host} had not sent the whole feed after {deadline.seconds:g} s, the time a feed may take "
        "in all; it was cut off",
    )


def _exchange(
    opener: urllib.request.OpenerDirector, request: urllib.request.Request, run: _Run, *, account: str
) -> _Response:
    url = request.full_url
    try:
        with opener.open(request, timeout=run.timeout) as response:
            body = _read_capped(response, run.cancel)
            return _Response(
                response.status,
                body,
                response.headers.get("ETag", ""),
                response.headers.get("Last-Modified", ""),
            )
    except urllib.error.HTTPError as exc:
        with contextlib.closing(exc):
            if exc.code == 304:
                return _Response(304, b"", "", "")
            raise _http_failure(exc.code, exc.reason, account=account) from None
    except urllib.error.URLError as exc:
        raise _Failed("unreachable", _network_problem(exc.reason, url, run.timeout)) from None
    except (OSError, http.client.HTTPException) as exc:  # timeouts and resets are OSErrors
        raise _Failed("unreachable", _network_problem(exc, url, run.timeout)) from None


def _read_capped(response: Any, cancel: threading.Event | None) -> bytes:
    too_large = _Failed(
        "broken",
        f"the feed is larger than {MAX_FEED_BYTES // (1024 * 1024)} MB, more than Briefer downloads; "
        "nothing was imported",
        response.status,
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_FEED_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    # read1: what has arrived, at once (read(n) waits for all n bytes), so a cancel is seen between
    while chunk := response.read1(_CHUNK):
        raise_if_cancelled(cancel)
        size += len(chunk)
        if size > MAX_FEED_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _http_failure(code: int, reason: str, *, account: str) -> _Failed:
    answer = f"{code} {reason}".rstrip()
    if code in (401, 403) and account:
        return _Failed(
            "unauthorized",
            f"the server refused the credentials stored as {account!r} ({answer})",
            code,
            problem=FeedProblem.LOGIN_REFUSED,
        )
    if code == 401:
        return _Failed(
            "unauthorized", f"the server asks for a login ({answer})", code, problem=FeedProblem.LOGIN_NEEDED
        )
    if code == 403:
        return _Failed(
            "unauthorized", f"the server refused access ({answer})", code, problem=FeedProblem.ACCESS_REFUSED
        )
    if code in (404, 410):
        return _Failed("unreachable", f"the server answered {answer}: there is no feed at this address", code)
    return _Failed("unreachable", f"the server answered {answer}", code)


def _network_problem(reason: object, url: str, timeout: float) -> str:
    host = urllib.parse.urlsplit(url).netloc
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"the TLS certificate of {host} could not be verified ({reason.verify_message})"
    if isinstance(reason, TimeoutError):
        return f"{host} did not answer within {timeout:g} s"
    if isinstance(reason, socket.gaierror):
        return f"the host name {urllib.parse.urlsplit(url).hostname!r} could not be found"
    if isinstance(reason, ConnectionRefusedError):
        return f"nothing answers at {host} (connection refused)"
    if isinstance(reason, http.client.IncompleteRead):
        return f"{host} closed the connection before the whole feed arrived"
    text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return f"could not reach {host}: {text}"


# -- reading and importing ---------------------------------------------------------------
def _import(run: _Run, sub: Subscription, response: _Response) -> _Fetched:
    problem = _xml_problem(response.body, run)
    snapshot = snapshot_path(run.archive.data_dir, sub.name)
    _write_snapshot(snapshot, response.body)
    summary = run.archive.import_paths(
        [snapshot], cancel=run.cancel, time_limit=run.time_limit, max_size=MAX_FEED_BYTES
    )
    container = str(snapshot.resolve())
    unreadable = next(
        (o.reason for o in summary.outcomes if o.path == container and o.status == "failed"), ""
    )
    if unreadable:
        message = f"the feed could not be read: {unreadable}"
        return _Fetched(FetchResult(sub.name, "broken", message, 0, response.status))
    counts = _entry_counts(summary, container)
    imported = counts.get("imported", 0)
    if problem:
        kept = (
            f"{imported} new {_entries(imported)} could still be read" if imported else "nothing was imported"
        )
        return _Fetched(FetchResult(sub.name, "broken", f"{problem}; {kept}", imported, response.status))
    result = FetchResult(sub.name, "new", _describe(counts, summary), imported, response.status)
    return _Fetched(result, response.etag, response.last_modified)


def _xml_problem(body: bytes, run: _Run) -> str:
    """Why the body is not a well-formed feed ("" when it is); _Failed when nothing can be read at all.

    The quick looks happen here; feedparser reads the body in the checking worker, within the limits.
    """
    if not body.strip():
        raise _Failed("broken", "the server sent an empty answer instead of the feed", 200)
    if not looks_like_feed(body):
        page = b"<html" in body[:4096].lower()
        what = "a web page (HTML)" if page else "something else"
        hint = "; check the address, or whether the site wants a login" if page else ""
        raise _Failed("broken", f"the server sent {what}, not an RSS or Atom feed{hint}", 200)
    verdict = _diagnosis(body, run)
    if verdict.status == "failed":  # out of time, or the parser crashed
        raise _Failed("broken", f"the feed could not be read: {verdict.reason}; nothing was imported", 200)
    if verdict.status:  # nothing in it could be read
        raise _Failed("broken", f"{verdict.reason}; nothing was imported", 200)
    return verdict.reason


def _diagnosis(body: bytes, run: _Run) -> Part:
    """The checking worker's one part about `body` (see `feed_check.diagnose`)."""
    job = Job(0, "feed.xml", body, Limits(max_bytes=MAX_FEED_BYTES))
    run.checker.submit(job)
    while True:
        for finished in run.checker.finished(timeout=0.5):
            return finished.job.parts[0]
        raise_if_cancelled(run.cancel)  # the worker is stopped with the pool


def _write_snapshot(path: Path, body: bytes) -> None:
    """Replace the feed's snapshot atomically, with a newer mtime than the file it replaces.

    The importer trusts size and mtime: a same-sized body written within the
    file system's clock tick would otherwise pass for the previous one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        previous_mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        previous_mtime = 0
    mtime = max(time.time_ns(), previous_mtime + 1_000)
    atomic_write.write_bytes(path, body, mode=0o600, mtime_ns=mtime)  # 0600: a private feed is private


def _entry_counts(summary: ImportSummary, container: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in summary.outcomes:
        if outcome.container == container:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts


def _entries(count: int) -> str:
    return "entry" if count == 1 else "entries"


def _describe(counts: dict[str, int], summary: ImportSummary) -> str:
    imported, updated = counts.get("imported", 0), counts.get("updated", 0)
    if not counts:
        reasons = {o.reason for o in summary.outcomes if o.reason}
        return "; ".join(sorted(reasons)) or "the feed has no entries"
    words = [f"{imported} new {_entries(imported)}" if imported else "no new entries"]
    if updated:
        words.append(f"{updated} updated")
    unreadable = counts.get("failed", 0) + counts.get("skipped", 0)
    if unreadable:
        words.append(f"{unreadable} {_entries(unreadable)} could not be read")
    return ", ".join(words)
