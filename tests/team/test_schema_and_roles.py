"""The team archive's schema and roles on a real PostgreSQL server: migrations are versioned and
serialised, and the database itself (grants, row-level security, a trigger) enforces what readers,
analysts and editors may do, even through raw SQL on their own connections."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest

from briefer.core import team
from briefer.core.team.schema import MIGRATIONS
from tests.team.conftest import as_user, unique

SHA = "a" * 64


def admin(url: str) -> psycopg.Connection[Any]:
    return team.connect(team.TeamLocation.parse(url), autocommit=True)


@pytest.fixture
def archive_url(team_url: str) -> str:
    with admin(team_url) as connection:
        team.migrate(connection)
    return team_url


@pytest.fixture
def people(archive_url: str) -> dict[str, str]:
    """A reader, two analysts and an editor, by role: their login names."""
    names = {
        "reader": unique("reader"),
        "analyst": unique("analyst"),
        "other": unique("other"),
        "editor": unique("editor"),
    }
    with admin(archive_url) as connection:
        for key, name in names.items():
            team.add_analyst(connection, name, "analyst" if key == "other" else key)
    return names


def login(url: str, name: str) -> psycopg.Connection[Any]:
    return team.connect(team.TeamLocation.parse(as_user(url, name)), autocommit=True)


def test_init_creates_the_schema_once_and_a_second_init_changes_nothing(team_url: str) -> None:
    with admin(team_url) as connection:
        assert team.schema_version(connection) == 0
        with pytest.raises(team.TeamNotInitialised, match="holds no team archive yet"):
            team.require_current(connection)
        applied = team.migrate(connection)
        assert [m.version for m in applied] == [m.version for m in MIGRATIONS]
        assert team.require_current(connection) == team.SCHEMA_VERSION
        assert team.migrate(connection) == []
        tables = {
            r[0] for r in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'briefer'")
        }
        assert {"documents", "texts", "tags", "saved_searches", "briefings", "briefing_revisions"} <= tables


def test_two_inits_at_once_apply_each_migration_once(team_url: str) -> None:
    results: list[object] = []

    def init() -> None:
        with admin(team_url) as connection:
            results.append(len(team.migrate(connection)))

    threads = [threading.Thread(target=init) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, len(MIGRATIONS)]  # type: ignore[type-var]


def test_a_schema_migrated_by_a_newer_briefer_is_refused_and_left_alone(archive_url: str) -> None:
    with admin(archive_url) as connection:
        connection.execute("INSERT INTO schema_migrations (version, description) VALUES (99, 'future')")
        with pytest.raises(team.TeamSchemaTooNew, match="version 99, newer than this Briefer knows"):
            team.migrate(connection)
        with pytest.raises(team.TeamSchemaTooNew):
            team.require_current(connection)
        assert team.schema_version(connection) == 99


def test_readers_read_but_cannot_write_even_with_raw_sql(archive_url: str, people: dict[str, str]) -> None:
    with login(archive_url, people["analyst"]) as analyst:
        analyst.execute("INSERT INTO texts (sha256, body) VALUES (%s, 'Shells went north.')", (SHA,))
        analyst.execute(
            "INSERT INTO documents (id, content_sha256, text_sha256, title) VALUES ('d1', 'c1', %s, 'Rail')",
            (SHA,),
        )
    with login(archive_url, people["reader"]) as reader:
        assert reader.execute("SELECT title FROM documents").fetchall() == [("Rail",)]
        for statement in (
            "INSERT INTO tags (doc_id, tag) VALUES ('d1', 'x')",
            "UPDATE documents SET title = 'changed'",
            "DELETE FROM documents",
            "INSERT INTO briefings (id, body) VALUES ('b', '{}')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(statement.encode())
        with pytest.raises(team.TeamPermissionDenied, match=r"needs the analyst role; .* is a reader"):
            team.require_role(reader, "analyst", "importing")
    with admin(archive_url) as connection:
        assert connection.execute("SELECT title FROM documents").fetchall() == [("Rail",)]


def test_analysts_write_their_own_briefings_and_only_editors_release(
    archive_url: str, people: dict[str, str]
) -> None:
    with login(archive_url, people["analyst"]) as analyst:
        analyst.execute("INSERT INTO briefings (id, title, body) VALUES ('b1', 'Mine', '{}')")
        analyst.execute("UPDATE briefings SET state = 'in_review' WHERE id = 'b1'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only an editor may release"):
            analyst.execute("UPDATE briefings SET state = 'released' WHERE id = 'b1'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # row-level security: owner is oneself
            analyst.execute("INSERT INTO briefings (id, owner, body) VALUES ('b2', 'someone', '{}')")
        analyst.execute("INSERT INTO briefing_revisions (briefing_id, version, body) VALUES ('b1', 1, '{}')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # revisions are append-only
            analyst.execute("UPDATE briefing_revisions SET body = '{\"x\": 1}'")
    with login(archive_url, people["other"]) as other:
        changed = other.execute("UPDATE briefings SET title = 'Taken' WHERE id = 'b1'").rowcount
        assert changed == 0  # another analyst's briefing: invisible to UPDATE
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            other.execute(
                "INSERT INTO briefing_revisions (briefing_id, version, body) VALUES ('b1', 2, '{}')"
            )
    with login(archive_url, people["editor"]) as editor:
        assert editor.execute("UPDATE briefings SET state = 'released' WHERE id = 'b1'").rowcount == 1
        team.require_role(editor, "editor", "releasing")
    with login(archive_url, people["analyst"]) as analyst:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="withdraw a released one"):
            analyst.execute("UPDATE briefings SET state = 'draft' WHERE id = 'b1'")
        row = analyst.execute("SELECT state, title FROM briefings WHERE id = 'b1'").fetchone()
        assert row == ("released", "Mine")


def test_a_text_version_a_briefing_cites_cannot_be_deleted(archive_url: str, people: dict[str, str]) -> None:
    with login(archive_url, people["analyst"]) as analyst:
        analyst.execute("INSERT INTO texts (sha256, body) VALUES (%s, 'Quoted words.')", (SHA,))
        analyst.execute("INSERT INTO briefings (id, body) VALUES ('b1', '{}')")
        analyst.execute("INSERT INTO cited_texts (briefing_id, text_sha256) VALUES ('b1', %s)", (SHA,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            analyst.execute("UPDATE texts SET body = 'Other words.'")  # immutable for everyone but the owner
    with admin(archive_url) as connection, pytest.raises(psycopg.errors.ForeignKeyViolation):
        connection.execute("DELETE FROM texts")


def test_saved_searches_are_personal_unless_shared(archive_url: str, people: dict[str, str]) -> None:
    with login(archive_url, people["analyst"]) as analyst:
        analyst.execute("INSERT INTO saved_searches (name, request) VALUES ('mine', '{}')")
        analyst.execute("INSERT INTO saved_searches (name, request, shared) VALUES ('ours', '{}', true)")
    with login(archive_url, people["other"]) as other:
        assert [r[0] for r in other.execute("SELECT name FROM saved_searches")] == ["ours"]
        assert other.execute("DELETE FROM saved_searches").rowcount == 0


def test_analysts_are_listed_with_their_roles_and_removed(archive_url: str, people: dict[str, str]) -> None:
    with admin(archive_url) as connection:
        listed = dict(team.analysts(connection))
        assert {listed[people[k]] for k in ("reader", "analyst", "editor")} == {"reader", "analyst", "editor"}
        assert team.add_analyst(connection, people["reader"], "editor") is False  # promoted, not new
        assert team.analyst_role(connection, people["reader"]) == "editor"
        assert team.remove_analyst(connection, people["other"]) is True
        with pytest.raises(team.TeamError, match="is not an analyst"):
            team.remove_analyst(connection, people["other"])
        with pytest.raises(team.TeamError, match="reserved"):
            team.add_analyst(connection, "briefer_editor", "editor")
    with pytest.raises(team.TeamUnreachable, match="does not exist"):
        login(archive_url, people["other"])


def test_a_password_is_stored_as_a_scram_verifier_and_never_shown(archive_url: str) -> None:
    name = unique("ana")
    with admin(archive_url) as connection:
        team.add_analyst(connection, name, "analyst", password="s3cret words")
        connection.execute(f"GRANT password_users TO {name}".encode())  # pg_hba: a password is required
        stored = connection.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (name,)
        ).fetchone()
        assert stored and str(stored[0]).startswith("SCRAM-SHA-256$") and "s3cret" not in str(stored[0])
    location = team.TeamLocation.parse(as_user(archive_url, name))
    with team.connect(location, password=lambda account: "s3cret words") as connection:
        assert connection.execute("SELECT current_user").fetchone() == (name,)
    with pytest.raises(team.TeamUnreachable, match="password authentication failed") as refused:
        team.connect(location, password=lambda account: "wrong guess")
    assert "wrong guess" not in str(refused.value)


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("postgresql://ana:hunter2@db.example:5433/briefer", "postgresql://ana@db.example:5433/briefer"),
        ("postgresql://ana@[::1]/briefer", "postgresql://ana@[::1]/briefer"),
        ("host=db dbname=briefer password=hunter2", "dbname=briefer host=db"),
        ("newsroom", "service newsroom"),
    ],
)
def test_a_location_is_shown_without_its_password(given: str, shown: str) -> None:
    location = team.TeamLocation.parse(given)
    assert location.display == shown
    assert "hunter2" not in location.credential_account


@pytest.mark.parametrize("given", ["", "not a url at all", "host='unterminated"])
def test_a_location_that_is_no_location_says_so(given: str) -> None:
    with pytest.raises(team.BadTeamLocation):
        team.TeamLocation.parse(given)


def test_every_public_name_of_the_package_resolves() -> None:
    missing = [name for name in team.__all__ if not hasattr(team, name)]
    assert missing == []
