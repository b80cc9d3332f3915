"""`briefer team init|status|add-analyst|remove-analyst|login`: the team archive on PostgreSQL.

The archive's location comes from `--team URL` (before the command), else $BRIEFER_TEAM_URL;
`team init` also takes it as its argument.  A password the server asks for is read from the
OS keychain (stored by `briefer team login`), never from settings or the command line.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from briefer.cli.common import fail
from briefer.cli.distribution import explain_unavailable, open_credentials
from briefer.core import paths, team
from briefer.core.credentials import CredentialsUnavailable
from briefer.core.escaping import json_text, visible

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


def _connect(args: argparse.Namespace, location: team.TeamLocation) -> Any:
    return team.connect(location, password=_keychain_password(args), autocommit=True)


def _reporting(handler: Handler) -> Handler:
    def worded(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except team.TeamPermissionDenied as exc:
            return fail(str(exc), REFUSED)
        except team.TeamUnreachable as exc:
            return fail(
                f"{exc}; check the location, that the server runs, and your password (briefer team login)"
            )
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
    with _connect(args, location) as connection:
        applied = team.migrate(connection)
    if applied:
        done = ", ".join(f"{m.version} ({m.description})" for m in applied)
        print(f"Team archive {location.display}: schema version {team.SCHEMA_VERSION}; applied {done}")
    else:
        print(f"Team archive {location.display}: schema version {team.SCHEMA_VERSION}, already current")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    location = _require_location(args)
    with _connect(args, location) as connection:
        status = team.team_status(connection, location)
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
    with _connect(args, location) as connection:
        team.require_current(connection)
        new = team.add_analyst(connection, args.name, args.role, password)
    verb = "Added" if new else "Changed"
    login = "with a password" if password else "who logs in as the server's authentication allows"
    print(f"{verb} analyst {visible(args.name)} ({args.role}) {login}")
    return 0


def _cmd_remove_analyst(args: argparse.Namespace) -> int:
    location = _require_location(args)
    if not args.yes and not _confirm(f"Remove analyst {args.name} from {location.display}?"):
        print("Not removed.", file=sys.stderr)
        return 1
    with _connect(args, location) as connection:
        dropped = team.remove_analyst(connection, args.name)
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

    login = sub.add_parser("login", help="keep your password for the team archive in the OS keychain")
    login.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    login.set_defaults(run=_reporting(_cmd_login))
