"""Where the team archive is and how to connect to it (PostgreSQL through psycopg/libpq).

`--team` takes what libpq takes: a `postgresql://` URL, a `key=value` connection string, or
the name of a service in the user's `pg_service.conf`; `PGPASSFILE`, `PGSERVICEFILE` and the
other `PG*` variables work as libpq documents them.  A password the analyst keeps in the OS
keychain (the credential store, account `team <location>`) is handed to libpq at connect time
and is never written into settings, logs or messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from briefer.core.team.errors import BadTeamLocation, TeamLoginRefused, TeamUnreachable
from briefer.core.team.names import SCHEMA

CONNECT_TIMEOUT_S = 10  # libpq waits for ever by default: a dead server would freeze the command
_SERVICE_NAME = re.compile(r"[A-Za-z0-9_.-]+")

PasswordSource = Callable[[str], str | None]  # credential account -> password, or None


@dataclass(frozen=True)
class TeamLocation:
    """A team archive's address: `conninfo` for libpq, `display` the same without a password."""

    conninfo: str
    display: str

    @classmethod
    def parse(cls, value: str) -> TeamLocation:
        value = value.strip()
        if not value:
            raise BadTeamLocation("the team archive's location is empty")
        if value.startswith(("postgresql://", "postgres://")):
            return cls(value, _url_without_password(value))
        if "=" in value:
            try:
                info = conninfo_to_dict(value)
            except psycopg.ProgrammingError as exc:
                raise BadTeamLocation(f"not a PostgreSQL connection string: {_first_line(exc)}") from None
            shown = {k: v for k, v in info.items() if k != "password"}
            return cls(value, make_conninfo("", **shown))
        if _SERVICE_NAME.fullmatch(value):
            return cls(f"service={value}", f"service {value}")
        raise BadTeamLocation(
            f"{value!r} is not a team archive location: give a postgresql:// URL, a libpq "
            "connection string (host=... dbname=...) or a service name from pg_service.conf"
        )

    @property
    def address(self) -> str:
        """The location as one gives it, without a password: what settings may remember."""
        if self.display.startswith("service ") and self.conninfo.startswith("service="):
            return self.conninfo.removeprefix("service=")
        return self.display

    @property
    def name(self) -> str:
        """A short name for titles and the status bar: `newsroom@db.example`, or the service's name."""
        if self.conninfo.startswith("service=") and " " not in self.conninfo:
            return self.conninfo.removeprefix("service=")
        try:
            info = conninfo_to_dict(self.conninfo)
        except psycopg.ProgrammingError:
            return self.display
        if info.get("service") and not info.get("host"):
            return str(info["service"])
        database = info.get("dbname") or info.get("user") or "briefer"
        host = str(info.get("host") or "")
        if not host or host.startswith("/"):
            host = "this computer"  # a Unix socket
        return f"{database}@{host.split(',')[0]}"

    @property
    def credential_account(self) -> str:
        """The credential store's account for this archive's password."""
        return f"team {self.display}"[:100]


def connect(
    location: TeamLocation,
    *,
    password: PasswordSource | None = None,
    autocommit: bool = False,
) -> psycopg.Connection[Any]:
    """An open connection, or TeamUnreachable saying why (in libpq's words, without a secret)."""
    secret = password(location.credential_account) if password else None
    extra: dict[str, str | int] = {"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "briefer"}
    if secret:
        extra["password"] = secret
    try:
        connection = psycopg.connect(make_conninfo(location.conninfo, **extra), autocommit=True)
    except psycopg.OperationalError as exc:
        reason = _first_line(exc)
        if secret:
            reason = reason.replace(secret, "***")
        if _login_refused(reason):
            missing = "no password supplied" in reason
            raise TeamLoginRefused(location.display, reason, password_missing=missing) from None
        raise TeamUnreachable(location.display, reason, retryable=_may_answer_later(reason)) from None
    # Briefer's tables live in their own schema; pg_catalog stays first, as PostgreSQL advises.
    connection.execute("SELECT set_config('search_path', %s, false)", (SCHEMA,))
    connection.autocommit = autocommit
    return connection


def _login_refused(reason: str) -> bool:
    """libpq's words for a login the server refused for want of the right password."""
    return "password" in reason and ("authentication failed" in reason or "no password supplied" in reason)


def _may_answer_later(reason: str) -> bool:
    """libpq gives no SQLSTATE for a failed connection: a server that answered FATAL refused this
    login or database (waiting changes nothing) unless it was starting, stopping or full."""
    if "password" in reason or "authentication" in reason:
        return False  # libpq's own "no password supplied" carries no FATAL
    if "FATAL:" not in reason:
        return True  # no server answered: down, restarting, or the network
    return any(word in reason for word in ("starting up", "shutting down", "too many clients"))


def _url_without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}@" if parts.username else ""
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}{host}{port}", parts.path, parts.query, parts.fragment))


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
