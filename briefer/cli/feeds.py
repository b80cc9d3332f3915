"""`briefer feeds add|list|remove|fetch`: feed subscriptions from the command line.

A feed's password or token is stored with `briefer credentials set` (in the
system keychain) and named here with `--account`; nothing in this module sees
a secret except as an HTTP header on its way to the feed's server.  The core
states what went wrong (`FeedProblem`); `feed_advice` adds the commands that help.
"""

from __future__ import annotations

import argparse
import functools
import shlex
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from briefer.cli.common import fail, reporting
from briefer.cli.distribution import explain_unavailable, keychain_advice, open_credentials
from briefer.core import paths
from briefer.core.archive import DEFAULT_TIME_LIMIT, Archive
from briefer.core.credentials import CredentialStore, CredentialsUnavailable, KeychainProblem
from briefer.core.distribution.subscriptions import (
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    FeedBook,
    FeedError,
    FeedProblem,
    FetchResult,
    InsecureFeed,
    Subscription,
    fetch_feeds,
    login_in_clear,
)
from briefer.core.escaping import json_text, visible

OpenArchive = Callable[[argparse.Namespace], Archive]

Handler = Callable[[argparse.Namespace], int]
LOGIN = "`briefer credentials set ACCOUNT --kind basic --username USER`"


def _reporting(handler: Handler) -> Handler:
    """`briefer: ...` and status 1 for expected failures, with the commands that help."""

    @functools.wraps(handler)
    def worded(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except FeedError as exc:
            return fail(explain(exc))
        except CredentialsUnavailable as exc:
            return fail(explain_unavailable(exc))

    return reporting()(worded)


def explain(exc: FeedError) -> str:
    """The core's fact, then what to do about it on the command line."""
    if exc.problem is FeedProblem.UNKNOWN and not exc.known:
        return f"{exc}; subscribe with `briefer feeds add NAME URL`"
    return _clauses(str(exc), feed_advice(exc.problem))


def _clauses(fact: str, advice: str) -> str:
    return f"{fact}; {advice}" if advice else fact


def feed_advice(
    problem: FeedProblem | None, account: str = "", keychain: KeychainProblem | None = None
) -> str:
    """What the command line offers for a feed's problem, as a clause ("" when nothing helps)."""
    account = account or "ACCOUNT"
    again = "subscribe to it again (`briefer feeds remove NAME`, then `briefer feeds add NAME URL"
    with_login = f"{again} --account ACCOUNT`)"
    advice = {
        FeedProblem.LOGIN_IN_ADDRESS: f"store them with {LOGIN} and subscribe with --account ACCOUNT",
        FeedProblem.SECRET_IN_FILE: (
            "remove it from the file and store it with `briefer credentials set ACCOUNT`"
        ),
        FeedProblem.INSECURE: (
            f"use its https:// address, or {again} --account {account} --allow-insecure`)"
        ),
        FeedProblem.NO_SECRET: (
            f"store it with `briefer credentials set {account} --kind basic --username USER` "
            "(or --kind bearer)"
        ),
        FeedProblem.WRONG_KIND: f"store a login for the feed with {LOGIN} and {with_login}",
        FeedProblem.LOGIN_REFUSED: (
            f"if they changed, store them again with `briefer credentials set {account}`"
        ),
        FeedProblem.LOGIN_NEEDED: f"store a login with {LOGIN} and {with_login}",
        FeedProblem.ACCESS_REFUSED: f"if the feed needs a login, store one with {LOGIN} and {with_login}",
    }
    if problem is FeedProblem.KEYCHAIN:
        return keychain_advice(keychain, account)
    return advice.get(problem, "") if problem is not None else ""


def _data_dir(args: argparse.Namespace) -> Path:
    return paths.resolve_data_dir(getattr(args, "data_dir", None))


def _cmd_add(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    wanted = Subscription(
        name=args.name,
        url=args.url,
        account=args.account or "",
        interval_minutes=args.every,
        allow_insecure=args.allow_insecure,
    )
    try:
        sub = FeedBook.for_data_dir(data_dir).add(wanted)
    except InsecureFeed as exc:
        return fail(f"{exc}; use its https:// address, or add --allow-insecure to accept that risk")
    schedule = f"every {sub.interval_minutes} min while Briefer runs" if sub.interval_minutes else "on demand"
    print(f"subscribed to {sub.name!r} ({sub.url}), fetched {schedule}")
    if _insecure_login(sub):
        print(f"warning: its login ({sub.account!r}) will be sent unencrypted, as --allow-insecure allows")
    if sub.account and CredentialStore.for_data_dir(data_dir).ref(sub.account) is None:
        print(
            f"store its credentials with: briefer credentials set {sub.account} --kind basic --username USER"
        )
    print(f"fetch it now with: briefer feeds fetch {shlex.quote(sub.name)}")
    return 0


def _insecure_login(sub: Subscription) -> bool:
    return bool(sub.account) and sub.allow_insecure and login_in_clear(sub.url)


def _status_line(sub: Subscription) -> str:
    if not sub.last_status:
        return "never fetched"
    checked = sub.last_checked.replace("T", " ").replace("+00:00", " UTC")
    new = f", {sub.last_new} new" if sub.last_new else ""
    return f"{sub.last_status}{new}, checked {checked}"


def _cmd_list(args: argparse.Namespace) -> int:
    subscriptions = FeedBook.for_data_dir(_data_dir(args)).all()
    if args.json:
        now = datetime.now(UTC)
        print(json_text([{**asdict(s), "due": s.due(now)} for s in subscriptions]))
        return 0
    if not subscriptions:
        print("no feeds (subscribe with `briefer feeds add NAME URL`)")
    for sub in subscriptions:
        every = f"every {sub.interval_minutes} min" if sub.interval_minutes else "on demand"
        account = f", account {sub.account}" if sub.account else ""
        if _insecure_login(sub):
            account += ", login sent unencrypted, as allowed"
        print(visible(f"{sub.name}: {sub.url} ({every}{account}); {_status_line(sub)}"))
        if sub.last_error:
            print(
                f"    last error: {visible(_clauses(sub.last_error, feed_advice(sub.problem, sub.account)))}"
            )
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    if not FeedBook.for_data_dir(_data_dir(args)).remove(args.name):
        return fail(f"no feed {args.name!r}")
    print(f"unsubscribed from {args.name!r}; the entries already imported stay in the archive")
    return 0


def _result_line(result: FetchResult) -> str:
    if result.status in ("new", "not modified"):  # the message says it all
        return f"{result.name}: {result.message}"
    advice = feed_advice(result.problem, result.account, result.keychain)
    return f"{result.name}: {result.status}: {_clauses(result.message, advice)}"


def _cmd_fetch(open_archive: OpenArchive, args: argparse.Namespace) -> int:
    book = FeedBook.for_data_dir(_data_dir(args))
    names: list[str] | None = args.names or None
    if args.due:
        names = [s.name for s in book.due(datetime.now(UTC)) if not args.names or s.name in args.names]
        if not names:
            print("no feed is due")
            return 0
    elif not book.all():
        return fail("no feeds to fetch (subscribe with `briefer feeds add NAME URL`)")
    with open_archive(args) as archive:
        credentials = open_credentials(_data_dir(args))  # the chosen keychain, as `credentials set` uses
        results = fetch_feeds(
            archive,
            book,
            credentials,
            names,
            timeout=args.timeout,
            deadline=args.deadline,
            time_limit=args.time_limit,
        )
    for result in results:
        print(_result_line(result))
    return 1 if any(r.failed for r in results) else 0


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, not {text!r}")
    return seconds


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], open_archive: OpenArchive
) -> None:
    """Add `feeds` and its actions."""
    feeds = commands.add_parser("feeds", help="RSS and Atom subscriptions imported into the archive")
    sub = feeds.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)

    add = sub.add_parser("add", help="subscribe to a feed")
    add.add_argument("name", help="a short name for the feed")
    add.add_argument("url", help="the feed's http:// or https:// address")
    add.add_argument(
        "--account",
        metavar="ACCOUNT",
        help="stored credential for a feed that needs a login (`credentials set`)",
    )
    add.add_argument(
        "--every",
        type=int,
        default=60,
        metavar="MINUTES",
        help="fetch this often while Briefer runs (default 60; 0 = only on demand)",
    )
    add.add_argument(
        "--allow-insecure",
        action="store_true",
        help="send the account's login even over plain http:// to another machine (readable on the way)",
    )
    add.set_defaults(run=_reporting(_cmd_add))

    listing = sub.add_parser("list", help="the subscriptions with the status of their last fetch")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_reporting(_cmd_list))

    remove = sub.add_parser("remove", help="unsubscribe (the imported entries stay)")
    remove.add_argument("name")
    remove.set_defaults(run=_reporting(_cmd_remove))

    fetch = sub.add_parser("fetch", help="fetch feeds now and import their new entries")
    fetch.add_argument("names", nargs="*", metavar="NAME", help="default: every feed")
    fetch.add_argument(
        "--due", action="store_true", help="only the feeds whose interval has passed (for cron)"
    )
    fetch.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"how long a server may take to connect, and to send each part (default {DEFAULT_TIMEOUT:g})",
    )
    fetch.add_argument(
        "--deadline",
        type=_seconds,
        default=DEFAULT_DEADLINE,
        metavar="SECONDS",
        help=f"how long one feed's download may take in all (default {DEFAULT_DEADLINE:g})",
    )
    fetch.add_argument(
        "--time-limit",
        type=_seconds,
        default=DEFAULT_TIME_LIMIT,
        metavar="SECONDS",
        help=f"stop parsing a feed after this long (default {DEFAULT_TIME_LIMIT:g})",
    )
    fetch.set_defaults(run=_reporting(lambda args: _cmd_fetch(open_archive, args)))
