"""A real PostgreSQL server for the team-archive tests: initdb + pg_ctl in a temporary folder, on a
Unix socket only, run as the `postgres` user when the tests run as root (initdb refuses root).
Skips with the reason when the server binaries are not installed.  Each test gets its own database.

Authentication is `trust` on the socket, except for members of the role `password_users`, who
must give a SCRAM password: the tests of passwords kept in the keychain use them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql


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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The admin connection string (superuser `postgres`) of a server for this test session."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries are not installed (Debian: postgresql postgresql-contrib)")
    root = Path(tempfile.mkdtemp(prefix="briefer-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres")
    root.chmod(0o700)
    data = root / "data"

    def run(*args: str) -> None:
        subprocess.run(_as_server_user([str(bindir / args[0]), *args[1:]]), check=True, capture_output=True)

    run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale", "C.UTF-8")
    hba = data / "pg_hba.conf"
    hba.write_text("local all +password_users scram-sha-256\n" + hba.read_text())
    options = (
        f"-k {root} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    run("pg_ctl", "-D", str(data), "-l", str(root / "log"), "-w", "-o", options, "start")
    url = f"postgresql://postgres@/postgres?host={root}"
    try:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("CREATE ROLE password_users NOLOGIN")
        yield url
    finally:
        subprocess.run(
            _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def team_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database for one test; the URL connects as the superuser `postgres`."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield postgres_server.replace("/postgres?", f"/{name}?")
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def as_user(url: str, user: str) -> str:
    """The same database, logged in as `user`."""
    return url.replace("postgres@", f"{user}@", 1)


def unique(prefix: str) -> str:
    """A role name no other test uses (roles belong to the whole server)."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"
