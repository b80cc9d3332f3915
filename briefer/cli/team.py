"""`briefer team init|status|add-analyst|remove-analyst|login`: the team archive on PostgreSQL.

The archive's location comes from `--team URL` (before the command), else $BRIEFER_TEAM_URL;
`team init` also takes it as its argument.  A password the server asks for is read from the
OS keychain (stored by `briefer team login`), never from settings or the command line.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from briefer.cli.common import fail
from briefer.cli.distribution import explain_unavailable, open_credentials
from briefer.cli.progress import TerminalProgress
from briefer.core import paths, team
from briefer.core.briefing import storage
from briefer.core.credentials import CredentialsUnavailable
from briefer.core.escaping import json_text, visible
from briefer.core.search import IndexBusy

Handler = Callable[[argparse.Namespace], int]
REFUSED = 2  # the exit status of a command the analyst's role may not run, or a missing location


def location_of(args: argparse.Namespace) -> team.TeamLocation | None:
    """The team archive the command line names (`--team`, else $BRIEFER_TEAM_URL), or None."""
    given = getattr(args, "team", None) or os.environ.get(team.TEAM_URL_ENV, "")
    return team.TeamLocation.parse(given) if given.strip() else None


def _keychain_password(args: argparse.Namespace) -> Callable[[str], str | None]:
    def read(account: str) -> str | None:
        try:
            return open_credentials(paths.resolve_data_dir(args.data_dir)).get(account)
        except CredentialsUnavailable:
            return None  # libpq's own means (.pgpass, PGPASSWORD, certificates) may still do

    return read


def _session(args: argparse.Namespace, location: team.TeamLocation) -> Any:
    """A connection that is made again when it breaks (`TeamSession`), with the keychain's password."""
    return team.TeamSession(location, password=_keychain_password(args))


def _reporting(handler: Handler) -> Handler:
    def worded(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except team.TeamPermissionDenied as exc:
            return fail(str(exc), REFUSED)
        except team.TeamConnectionLost as exc:
            return fail(f"{exc}; nothing half-done stays in the team archive, and your files are unchanged")
        except team.TeamUnreachable as exc:
            return fail(
                f"{exc}; check the location, that the server runs, and your password (briefer team login)"
            )
        except team.SaveConflict as exc:
            details = "".join(
                f"\n  {c.what}: you {c.ours} it, version {exc.latest} {c.theirs} it" for c in exc.conflicts
            )
            return fail(f"not saved: {exc}{details}\n  save again with --keep mine or --keep theirs")
        except team.TeamNotInitialised as exc:
            how = "create it" if exc.found == 0 else "migrate it"
            return fail(f"{exc}: an administrator runs `briefer team init URL` to {how}")
        except team.TeamError as exc:
            return fail(str(exc))
        except CredentialsUnavailable as exc:
            return fail(explain_unavailable(exc))

    return worded


def _require_location(args: argparse.Namespace) -> team.TeamLocation:
    location = location_of(args)
    if location is None:
        raise team.TeamError(
            f"no team archive given: use --team URL before the command, or ${team.TEAM_URL_ENV}"
        )
    return location


# -- the commands --------------------------------------------------------------------------
def _cmd_init(args: argparse.Namespace) -> int:
    location = team.TeamLocation.parse(args.url) if args.url else _require_location(args)
    with _session(args, location) as session:
        applied = session.run(team.migrate)
    if applied:
        done = ", ".join(f"{m.version} ({m.description})" for m in applied)
        print(f"Team archive {location.display}: schema version {team.SCHEMA_VERSION}; applied {done}")
    else:
        print(f"Team archive {location.display}: schema version {team.SCHEMA_VERSION}, already current")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    location = _require_location(args)
    with _session(args, location) as session:
        status = session.run(lambda connection: team.team_status(connection, location))
    if args.json:
        print(json_text(status.as_dict()))
        return 0
    schema = (
        "none (briefer team init)"
        if status.schema_version == 0
        else f"{status.schema_version} (this Briefer: {status.known_schema})"
    )
    lines = [
        f"Team archive: {status.location}",
        f"Server: PostgreSQL {status.server_version}" + (" (read-only replica)" if status.is_replica else ""),
        f"Schema version: {schema}",
        f"You: {status.user}" + (f" ({status.role})" if status.role else " (not an analyst here)"),
        f"Documents: {status.documents}",
        f"Briefings: {status.briefings}",
        f"Analysts: {len(status.analysts)}"
        + ("".join(f"\n  {name} ({role})" for name, role in status.analysts) if status.analysts else ""),
        f"Size: {status.size_bytes / 1e6:.1f} MB",
    ]
    for replica in status.replicas:
        lag = "unknown" if replica.lag_seconds is None else f"{replica.lag_seconds:.1f} s"
        lines.append(f"Replica {replica.name}: {replica.state}, replay lag {lag}")
    print("\n".join(visible(line) for line in lines))
    return 0


def _cmd_add_analyst(args: argparse.Namespace) -> int:
    password = _read_password_stdin() if args.password_stdin else None
    location = _require_location(args)
    with _session(args, location) as session:
        session.run(team.require_current)
        new = session.run(lambda connection: team.add_analyst(connection, args.name, args.role, password))
    verb = "Added" if new else "Changed"
    login = "with a password" if password else "who logs in as the server's authentication allows"
    print(f"{verb} analyst {visible(args.name)} ({args.role}) {login}")
    return 0


def _cmd_remove_analyst(args: argparse.Namespace) -> int:
    location = _require_location(args)
    if not args.yes and not _confirm(f"Remove analyst {args.name} from {location.display}?"):
        print("Not removed.", file=sys.stderr)
        return 1
    with _session(args, location) as session:
        dropped = session.run(lambda connection: team.remove_analyst(connection, args.name))
    how = "removed" if dropped else "can no longer log in (PostgreSQL keeps the role: it owns objects)"
    print(f"Analyst {visible(args.name)} {how}; the briefings they wrote stay in the archive")
    return 0


def _cmd_login(args: argparse.Namespace) -> int:
    location = _require_location(args)
    secret = _read_password_stdin() if args.password_stdin else getpass.getpass("Password (not shown): ")
    if not secret:
        return fail("no password given; nothing was stored")
    team.connect(location, password=lambda account: secret).close()  # refuse a wrong one now
    store = open_credentials(paths.resolve_data_dir(args.data_dir))
    store.set(location.credential_account, secret, kind="team")
    print(f"The password for {location.display} is in the keychain")
    return 0


# -- shared briefings ----------------------------------------------------------------------
def _open_team(args: argparse.Namespace, needed: str, what: str) -> tuple[team.TeamLocation, Any]:
    """A session on a current schema, after checking that the user's role may do `what`."""
    location = _require_location(args)
    session = _session(args, location)

    def check(connection: Any) -> None:
        team.require_current(connection)
        team.require_role(connection, needed, what)

    try:
        session.run(check)
    except BaseException:
        session.close()
        raise
    return location, session


def _checkouts(args: argparse.Namespace) -> team.Checkouts:
    return team.Checkouts(paths.resolve_data_dir(args.data_dir))


def _remember(args: argparse.Namespace, location: team.TeamLocation, briefing: Any, version: int) -> None:
    """The file `args.file` now holds `briefing` as the team's `version` holds it."""
    checkout = team.Checkout(location.display, briefing.id, version, team.briefing_sha256(briefing))
    _checkouts(args).put(args.file, checkout)


def _cmd_publish(args: argparse.Namespace) -> int:
    briefing = storage.load(args.file)
    location, session = _open_team(args, "analyst", "publishing a briefing")
    with session:
        published = session.run(lambda connection: team.publish(connection, briefing))
    checkout = team.Checkout(
        location.display, published.id, published.version, team.briefing_sha256(briefing)
    )
    _checkouts(args).put(args.file, checkout)
    print(f"Published {visible(published.title)} as {published.id}, version {published.version}")
    return 0


def _cmd_briefings(args: argparse.Namespace) -> int:
    location, session = _open_team(args, "reader", "listing briefings")
    with session:
        listed = session.run(team.list_shared)
    if args.json:
        for item in listed:
            print(json_text({**item.__dict__, "saved_at": item.saved_at.isoformat()}))
        return 0
    for item in listed:
        when = item.saved_at.strftime("%Y-%m-%d %H:%M")
        who = visible(item.owner)
        print(f"{item.id}  v{item.version}  {item.state:<9}  {who}  {when}  {visible(item.title)}")
    if not listed:
        print(f"No shared briefings in {location.display} yet (briefer team publish FILE.briefing)")
    return 0


def _cmd_checkout(args: argparse.Namespace) -> int:
    location, session = _open_team(args, "reader", "reading a briefing")
    with session:
        briefing, version = session.run(lambda connection: team.fetch(connection, args.id, args.version))
    storage.save(briefing, args.file, overwrite=args.force)
    _checkouts(args).put(
        args.file, team.Checkout(location.display, briefing.id, version, team.briefing_sha256(briefing))
    )
    print(f"Wrote version {version} of {visible(briefing.metadata.title)} to {visible(str(args.file))}")
    return 0


def _cmd_save(args: argparse.Namespace) -> int:
    briefing = storage.load(args.file)
    checkout = _checkouts(args).get(args.file)
    base = args.base or (checkout.version if checkout and checkout.briefing_id == briefing.id else None)
    if base is None:
        raise team.TeamError(
            f"{args.file} was not taken from the team archive here: give the version it started from "
            "with --base N, or publish it"
        )
    location, session = _open_team(args, "analyst", "saving a briefing")

    def save(connection: Any) -> Any:
        choices = _settle_all(connection, briefing, base, args.keep)
        return team.save(connection, briefing, base, choices=choices)

    with session:
        saved = session.run(save)
    if saved.merged_from is not None:
        storage.save(saved.briefing, args.file)  # the file now holds what the team archive holds
    stored = team.briefing_sha256(saved.briefing)
    _checkouts(args).put(
        args.file, team.Checkout(location.display, briefing.id, saved.shared.version, stored)
    )
    merged = f" (merged with version {saved.merged_from})" if saved.merged_from is not None else ""
    print(f"Saved version {saved.shared.version}{merged}")
    return 0


def _settle_all(connection: Any, briefing: Any, base: int, keep: str | None) -> dict[str, Any] | None:
    """With --keep, every conflict settled the same way (a dry merge finds their keys)."""
    if keep is None:
        return None
    side = "ours" if keep == "mine" else "theirs"
    return {c.key: side for c in team.conflicts_with_latest(connection, briefing, base)}


def _cmd_state(args: argparse.Namespace) -> int:
    needed = "editor" if args.state == "released" else "analyst"
    _, session = _open_team(args, needed, f"moving a briefing to {args.state}")
    with session:
        moved = session.run(lambda connection: team.set_state(connection, args.id, args.state))
    print(f"{visible(moved.title)} is now {moved.state.replace('_', ' ')} (version {moved.version})")
    return 0


def _cmd_history(args: argparse.Namespace) -> int:
    _, session = _open_team(args, "reader", "reading a briefing's history")
    with session:
        versions = session.run(lambda connection: team.history(connection, args.id))
    if not versions:
        raise team.BriefingNotShared(f"no briefing {args.id} in the team archive")
    for version, author, when in versions:
        print(f"v{version}  {when.strftime('%Y-%m-%d %H:%M:%S')}  {visible(author)}")
    return 0


def _cmd_push(args: argparse.Namespace) -> int:
    from briefer.core.archive import Archive  # the personal archive: loaded for this command only

    data_dir = paths.resolve_data_dir(args.data_dir)
    location, session = _open_team(args, "analyst", "pushing documents")
    bar = TerminalProgress(f"Copying documents to {location.display}")
    try:
        with session, Archive(data_dir, create=False) as archive:
            # Run again after a lost connection, a push resumes: what is there is skipped.
            summary = session.run(lambda connection: team.push(connection, archive, progress=bar))
    finally:
        bar.clear()
    print(
        f"{summary.copied} documents copied to {location.display}, {summary.present} already there "
        f"({summary.versions} text versions sent)"
    )
    _index_sent(args, location)
    return 0


def _index_sent(args: argparse.Namespace, location: team.TeamLocation) -> None:
    """Index for the team's search what was sent (and anything else it has not indexed yet)."""
    bar = TerminalProgress(f"Indexing for search in {location.display}")
    try:
        with open_archive(args, location) as archive:
            indexed = archive.index_waiting(progress=bar)
    except IndexBusy:
        bar.clear()
        print(
            "briefer: another analyst's import is indexing; it indexes these documents too", file=sys.stderr
        )
        return
    bar.clear()
    if indexed:
        print(f"{indexed} documents indexed for search")


# -- the archive's commands on a team archive ----------------------------------------------
# Commands that change the team archive: the least role that may run them, and what they do.
_WRITERS: dict[tuple[str, str], tuple[str, str]] = {
    ("tag", ""): ("analyst", "tagging documents"),
    ("untag", ""): ("analyst", "untagging documents"),
    ("saved", "save"): ("analyst", "saving a search"),
    ("saved", "delete"): ("analyst", "deleting a saved search"),
    ("feeds", "fetch"): ("analyst", "importing feed entries"),
    ("reindex", ""): ("editor", "rebuilding the search index"),
}


ConfirmPrune = Callable[[Any, list[Path], argparse.Namespace], "frozenset[str] | None"]


def on_team_archive(
    args: argparse.Namespace, command: Handler, import_locally: Handler, confirm_prune: ConfirmPrune
) -> int:
    """Run an archive command on the team archive `--team` names: refused before it starts (one
    line, exit status 2, nothing written) when the analyst's role may not run it or the team
    archive cannot do it yet; the command then opens the archive with `open_archive`."""
    if args.command == "index":
        run = functools.partial(_index_into_team, import_locally=import_locally, confirm_prune=confirm_prune)
    else:
        run = functools.partial(_on_team_archive, command=command)
    return _reporting(run)(args)


def _on_team_archive(args: argparse.Namespace, command: Handler) -> int:
    needed, what = _needed_role(args)
    _, session = _open_team(args, needed, what)
    session.close()
    return command(args)


def _needed_role(args: argparse.Namespace) -> tuple[str, str]:
    """The least role that may run the command, and what it does, for a refusal."""
    if args.command == "cluster" and args.threshold is not None:
        return "editor", "clustering the archive again"  # it rewrites everyone's clusters
    sub = getattr(args, f"{args.command}_command", None) or ""
    return _WRITERS.get((args.command, sub), ("reader", "reading the archive"))


def open_archive(args: argparse.Namespace, location: team.TeamLocation) -> Any:
    """The `Archive` facade on the team archive (its data folder keeps only local state)."""
    data_dir = paths.resolve_data_dir(args.data_dir)
    return team.open_team_archive(location, data_dir, password=_keychain_password(args))


def _index_into_team(args: argparse.Namespace, import_locally: Handler, confirm_prune: ConfirmPrune) -> int:
    """`briefer --team URL index PATH...` (or `--sample`): files are parsed on this machine exactly
    as for the personal archive, into a cache of this team archive in the data folder (never the
    personal archive), and the records are then sent to the team (`send_imported`: one document per
    file content, whoever imports it and whenever).  With --prune (editors), the documents whose
    files here are gone, and that no other file holds, are removed, after asking as at home."""
    from briefer.core.archive import Archive  # loaded for this command only

    if args.prune:  # an editor's work: others are refused before anything happens
        location, session = _open_team(args, "editor", "removing documents (--prune)")
    else:
        location, session = _open_team(args, "analyst", "importing")  # a reader: refused before parsing
    session.close()
    sources = [Path(p) for p in args.paths]
    doomed: frozenset[str] = frozenset()
    if args.prune:
        with open_archive(args, location) as shared:
            kept = confirm_prune(shared, sources, args)  # asked before anything is imported, as at home
            if kept is None:
                return 2
            doomed = (
                shared.prune_plan(sources, quoted_by=[Path(p) for p in args.keep_quoted]).documents - kept
            )
    cache = team_cache(args, location)
    with open_archive(args, location) as shared, Archive(cache) as archive:
        shared.follow_settings(archive)  # it clusters what it parses as the team archive does
    # The cache forgets the files that are gone too, so that it never sends their documents again.
    local: dict[str, Any] = {
        "data_dir": str(cache),
        "team": None,
        "yes": True,
        "keep_quoted": [],
        "prune_quoted": True,
    }
    status = import_locally(argparse.Namespace(**{**vars(args), **local}))
    if status != 0:
        return status
    if args.sample:
        sources.append(paths.SAMPLE_ARCHIVE)
    with open_archive(args, location) as shared, Archive(cache, create=False) as archive:
        pushed = shared.send_imported(archive, sources)
    print(f"Sent to {location.display}: {pushed.copied} new documents, {pushed.present} it already held")
    _index_sent(args, location)
    if doomed:
        with open_archive(args, location) as shared:
            removed = shared.remove_documents(doomed)
        print(f"Removed {removed} documents whose files are gone from {location.display}")
    return 0


def team_cache(args: argparse.Namespace, location: team.TeamLocation) -> Path:
    """This machine's cache of a team archive: parsed documents on their way to it."""
    return team.local_folder(paths.resolve_data_dir(args.data_dir), location)


def _read_password_stdin() -> str:
    return sys.stdin.readline().removesuffix("\n").removesuffix("\r") if sys.stdin else ""


def _confirm(question: str) -> bool:
    if sys.stdin is None or not sys.stdin.isatty():
        print(f"briefer: {question} Refusing without a terminal; add --yes", file=sys.stderr)
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def register(commands: Any) -> None:
    group = commands.add_parser("team", help="the shared team archive on PostgreSQL (docs/team.md)")
    sub = group.add_subparsers(dest="team_command", metavar="TEAM_COMMAND", required=True)

    init = sub.add_parser("init", help="create or migrate the team archive's schema (needs CREATEROLE)")
    init.add_argument("url", nargs="?", help="postgresql:// URL, connection string or service name")
    init.set_defaults(run=_reporting(_cmd_init))

    status = sub.add_parser("status", help="server, schema, documents, analysts, size, replicas")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=_reporting(_cmd_status))

    add = sub.add_parser("add-analyst", help="create a login role for an analyst, with a Briefer role")
    add.add_argument("name", help="the login name (a PostgreSQL role of exactly this name)")
    add.add_argument("--role", choices=team.ROLES, default="analyst")
    add.add_argument("--password-stdin", action="store_true", help="read a password from stdin")
    add.set_defaults(run=_reporting(_cmd_add_analyst))

    remove = sub.add_parser("remove-analyst", help="take an analyst's access away (asks first)")
    remove.add_argument("name")
    remove.add_argument("--yes", action="store_true", help="do not ask")
    remove.set_defaults(run=_reporting(_cmd_remove_analyst))

    publish = sub.add_parser("publish", help="put a .briefing file into the team archive (version 1)")
    publish.add_argument("file", type=Path)
    publish.set_defaults(run=_reporting(_cmd_publish))

    listed = sub.add_parser("briefings", help="the team's briefings: id, version, state, owner, title")
    listed.add_argument("--json", action="store_true")
    listed.set_defaults(run=_reporting(_cmd_briefings))

    checkout = sub.add_parser("checkout", help="write a shared briefing to a .briefing file")
    checkout.add_argument("id")
    checkout.add_argument("file", type=Path)
    checkout.add_argument("--version", type=int, help="an older version (default: the latest)")
    checkout.add_argument("--force", action="store_true", help="replace an existing file")
    checkout.set_defaults(run=_reporting(_cmd_checkout))

    save = sub.add_parser("save", help="save a checked-out file as the next version (merges others' saves)")
    save.add_argument("file", type=Path)
    save.add_argument("--base", type=int, help="the version the file started from (default: its checkout)")
    save.add_argument("--keep", choices=("mine", "theirs"), help="settle every conflicting block this way")
    save.set_defaults(run=_reporting(_cmd_save))

    state = sub.add_parser("state", help="move a briefing: draft, in_review, released (editors only)")
    state.add_argument("id")
    state.add_argument("state", choices=("draft", "in_review", "released"))
    state.set_defaults(run=_reporting(_cmd_state))

    history = sub.add_parser("history", help="every saved version of a shared briefing")
    history.add_argument("id")
    history.set_defaults(run=_reporting(_cmd_history))

    push = sub.add_parser(
        "push", help="copy the personal archive's documents into the team archive (resumable)"
    )
    push.set_defaults(run=_reporting(_cmd_push))

    login = sub.add_parser("login", help="keep your password for the team archive in the OS keychain")
    login.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    login.set_defaults(run=_reporting(_cmd_login))
