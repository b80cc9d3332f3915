"""Analysts of a team archive: PostgreSQL login roles, each a member of one of Briefer's group
roles (see schema.py), so that the database itself enforces what each may do."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from briefer.core.team.errors import TeamError, TeamPermissionDenied
from briefer.core.team.names import ROLES
from briefer.core.team.schema import group_role

Connection = psycopg.Connection[Any]
_MAX_NAME_BYTES = 63  # PostgreSQL's NAMEDATALEN - 1: a longer name would be cut silently


def check_analyst_name(name: str) -> str:
    if not name or name != name.strip() or "\x00" in name or len(name.encode()) > _MAX_NAME_BYTES:
        raise TeamError(f"{name!r} is not a usable analyst name (1-63 bytes, no leading or trailing spaces)")
    if name.startswith("briefer_") or name.startswith("pg_"):
        raise TeamError(f"{name!r} is reserved (names starting briefer_ or pg_ belong to the archive)")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise TeamError(f"{role!r} is not a role; choose one of {', '.join(ROLES)}")
    return role


def add_analyst(connection: Connection, name: str, role: str, password: str | None = None) -> bool:
    """Create the login role `name` (or change an existing one's role); True when it is new.

    A password is sent as a SCRAM verifier computed here, never in clear (the server may log
    statements); without one the server's own authentication (peer, certificates, LDAP) applies.
    """
    name, role = check_analyst_name(name), check_role(role)
    who = sql.Identifier(name)
    with connection.transaction():
        exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
        verb = sql.SQL("ALTER ROLE" if exists else "CREATE ROLE")
        statement = sql.SQL("{} {} LOGIN").format(verb, who)
        if password:
            verifier = connection.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256")
            statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(verifier.decode()))
        connection.execute(statement)
        for other in ROLES:
            connection.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(group_role(other)), who))
        connection.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group_role(role)), who))
    return not exists


def remove_analyst(connection: Connection, name: str) -> bool:
    """Take the analyst's Briefer role away and drop the login role; True when it was dropped,
    False when PostgreSQL keeps it for objects it owns elsewhere (it then can no longer log in)."""
    name = check_analyst_name(name)
    if analyst_role(connection, name) is None:
        raise TeamError(f"{name!r} is not an analyst of this team archive")
    who = sql.Identifier(name)
    with connection.transaction():
        for role in ROLES:
            connection.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(group_role(role)), who))
        try:
            with connection.transaction():  # a savepoint: a refused DROP keeps the revocations
                connection.execute(sql.SQL("DROP ROLE {}").format(who))
            return True
        except psycopg.errors.DependentObjectsStillExist:
            connection.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(who))
            return False


def analyst_role(connection: Connection, name: str) -> str | None:
    """The Briefer role `name` holds directly ("reader", "analyst", "editor"), or None."""
    rows = connection.execute(
        """SELECT g.rolname FROM pg_auth_members m
           JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid
           WHERE r.rolname = %s""",
        (name,),
    ).fetchall()
    held = {str(row[0]) for row in rows}
    return next((role for role in reversed(ROLES) if group_role(role) in held), None)


def analysts(connection: Connection) -> list[tuple[str, str]]:
    """Every analyst with the role they hold, by name."""
    rows = connection.execute(
        """SELECT r.rolname, g.rolname FROM pg_auth_members m
           JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid
           WHERE g.rolname = ANY(%s) AND r.rolname NOT LIKE 'briefer\\_%%'
           ORDER BY r.rolname""",
        ([group_role(role) for role in ROLES],),
    ).fetchall()
    best: dict[str, str] = {}
    for name, group in rows:
        role = str(group).removeprefix("briefer_")
        if ROLES.index(role) >= ROLES.index(best.get(str(name), ROLES[0])):
            best[str(name)] = role
    return sorted(best.items())


def my_role(connection: Connection) -> str | None:
    """The role the connected user acts with (a superuser or the archive's owner acts as editor)."""
    for role in reversed(ROLES):
        row = connection.execute(
            "SELECT pg_has_role(current_user, %s, 'MEMBER')", (group_role(role),)
        ).fetchone()
        if row and row[0]:
            return role
    return None


def require_role(connection: Connection, needed: str, what: str) -> None:
    """TeamPermissionDenied, before anything is written, when the user's role is below `needed`."""
    have = my_role(connection)
    if have is None or ROLES.index(have) < ROLES.index(check_role(needed)):
        user = connection.execute("SELECT current_user").fetchone()
        name = str(user[0]) if user else "this user"
        held = (
            f"{'an' if have[0] in 'aeiou' else 'a'} {have}" if have else "not an analyst of this team archive"
        )
        raise TeamPermissionDenied(f"{what} needs the {needed} role; {name} is {held}", needed=needed)
