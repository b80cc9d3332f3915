"""The team-archive tests: each test gets its own database on the session's real PostgreSQL server
(`postgres_server`, the shared plugin tests/postgres_server.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.postgres_server import create_database, drop_database


@pytest.fixture
def team_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database for one test; the URL connects as the superuser `postgres`."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = create_database(postgres_server, name)
    yield url
    drop_database(postgres_server, name)


def as_user(url: str, user: str) -> str:
    """The same database, logged in as `user`."""
    return url.replace("postgres@", f"{user}@", 1)


def unique(prefix: str) -> str:
    """A role name no other test uses (roles belong to the whole server)."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"
