"""A real PostgreSQL server for the tests (a pytest plugin, registered in tests/conftest.py).

initdb + pg_ctl in a temporary folder, on a Unix socket only, run as the `postgres` user when the
tests run as root (initdb refuses root).  Skips with the reason when the server binaries are not
installed.  The team-archive tests give each test its own database (`team_url`, tests/team);
the search-engine conformance suite maps each index folder to a database (`database_for`).

Authentication is `trust` on the socket, except for members of the role `password_users`, who
must give a SCRAM password: the tests of passwords kept in the keychain use them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

# The session server's admin URL, once `postgres_server` started it (for `database_for`).
SERVER_URL: str | None = None
MISSING = "PostgreSQL server binaries are not installed (Debian: postgresql postgresql-contrib)"
URL_FILE = "postgres-url"  # in an index folder: the URL of the database that folder stands for


def _pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    for version in ("17", "16", "15"):
        candidate = Path(f"/usr/lib/postgresql/{version}/bin")
        if (candidate / "initdb").exists():
            return candidate
    return None


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def temporary_server() -> Iterator[str]:
    """A server of its own in a temporary folder, stopped and removed on leaving; its admin URL.
    ServerMissing when the binaries are not installed (the benchmarks use this too)."""
    bindir = _pg_bin()
    if bindir is None:
        raise ServerMissing(MISSING)
    root = Path(tempfile.mkdtemp(prefix="briefer-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres")
    root.chmod(0o700)
    data = root / "data"

    def run(*args: str) -> None:
        subprocess.run(_as_server_user([str(bindir / args[0]), *args[1:]]), check=True, capture_output=True)

    try:
        run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale", "C.UTF-8")
        hba = data / "pg_hba.conf"
        hba.write_text("local all +password_users scram-sha-256\n" + hba.read_text())
        options = (
            f"-k {root} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        run("pg_ctl", "-D", str(data), "-l", str(root / "log"), "-w", "-o", options, "start")
        url = f"postgresql://postgres@/postgres?host={root}"
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("CREATE ROLE password_users NOLOGIN")
        yield url
    finally:
        subprocess.run(
            _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


class ServerMissing(RuntimeError):
    """The PostgreSQL server binaries are not installed."""


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The admin connection string (superuser `postgres`) of a server for this test session."""
    global SERVER_URL
    if _pg_bin() is None:
        pytest.skip(MISSING)
    with temporary_server() as url:
        SERVER_URL = url
        try:
            yield url
        finally:
            SERVER_URL = None


def database_url(server: str, name: str) -> str:
    """The URL of the database `name` on the server whose admin URL is `server`."""
    return server.replace("/postgres?", f"/{name}?")


def create_database(server: str, name: str) -> str:
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(server, name)


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def database_for(folder: Path) -> str:
    """The URL of the database that stands for the index folder `folder`: made (with the team
    schema) the first time, named from the folder's path, and written into the folder, so that
    another process opening the same folder finds the same database."""
    written = folder / URL_FILE
    if written.exists():
        return written.read_text(encoding="utf-8").strip()
    if SERVER_URL is None:
        raise RuntimeError("the PostgreSQL test server is not started (use the postgres_server fixture)")
    from briefer.core.team.schema import migrate

    name = "ix_" + hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    url = create_database(SERVER_URL, name)
    with psycopg.connect(url) as connection:
        migrate(connection)
    folder.mkdir(parents=True, exist_ok=True)
    written.write_text(url, encoding="utf-8")
    return url
