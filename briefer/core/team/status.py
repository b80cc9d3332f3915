"""`briefer team status`: what the team archive's server and schema are, and what it holds."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg

from briefer.core.team.connection import TeamLocation
from briefer.core.team.roles import analysts, my_role
from briefer.core.team.schema import SCHEMA_VERSION, schema_version

Connection = psycopg.Connection[Any]


@dataclass(frozen=True)
class Replica:
    name: str
    state: str
    lag_seconds: float | None  # replay lag as the primary sees it; None before the first report


@dataclass(frozen=True)
class TeamStatus:
    location: str  # without a password
    server_version: str
    schema_version: int  # 0: not initialised
    known_schema: int  # what this Briefer migrates to
    user: str
    role: str | None
    documents: int
    briefings: int
    analysts: list[tuple[str, str]]
    size_bytes: int
    is_replica: bool
    replicas: list[Replica] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def team_status(connection: Connection, location: TeamLocation) -> TeamStatus:
    version = schema_version(connection)
    documents = briefings = 0
    if version:
        documents = _count(connection, "SELECT count(*) FROM documents")
        briefings = _count(connection, "SELECT count(*) FROM briefings")
    return TeamStatus(
        location=location.display,
        server_version=str(_one(connection, "SHOW server_version")),
        schema_version=version,
        known_schema=SCHEMA_VERSION,
        user=str(_one(connection, "SELECT current_user")),
        role=my_role(connection) if version else None,
        documents=documents,
        briefings=briefings,
        analysts=analysts(connection) if version else [],
        size_bytes=_count(connection, "SELECT pg_database_size(current_database())"),
        is_replica=bool(_one(connection, "SELECT pg_is_in_recovery()")),
        replicas=_replicas(connection),
    )


def _replicas(connection: Connection) -> list[Replica]:
    # Rows only a superuser or pg_monitor member sees in full; others see the names at most.
    rows = connection.execute(
        "SELECT application_name, state, extract(epoch FROM replay_lag) FROM pg_stat_replication"
    ).fetchall()
    return [Replica(str(name), str(state), None if lag is None else float(lag)) for name, state, lag in rows]


def _one(connection: Connection, query: str) -> object:
    row = connection.execute(query.encode()).fetchone()
    return row[0] if row else None


def _count(connection: Connection, query: str) -> int:
    value = _one(connection, query)
    return int(value) if isinstance(value, int | float) else 0
