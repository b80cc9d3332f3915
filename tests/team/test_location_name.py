"""The short name a team archive goes by in the window's title and status bar, a refused login
told apart from a server that cannot be reached, and a login that is no analyst refused in words
(on a real PostgreSQL server)."""

from __future__ import annotations

import psycopg
import pytest

from briefer.core import team
from tests.team.conftest import as_user, unique


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("postgresql://alice:secret@db.example:5432/newsroom?sslmode=verify-full", "newsroom@db.example"),
        ("host=db.example dbname=briefer user=alice", "briefer@db.example"),
        ("newsroom", "newsroom"),
        ("postgresql://postgres@/t_1?host=/tmp/pg", "t_1@this computer"),
    ],
)
def test_a_team_archive_has_a_short_name_without_its_password(given: str, name: str) -> None:
    location = team.TeamLocation.parse(given)
    assert location.name == name
    assert "secret" not in location.address and team.TeamLocation.parse(location.address).name == name


def test_a_refused_login_says_whether_a_password_was_missing_or_wrong(team_url: str) -> None:
    user = unique("pw")
    with psycopg.connect(team_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {user} LOGIN PASSWORD 'right' IN ROLE password_users".encode())
    location = team.TeamLocation.parse(as_user(team_url, user))
    with pytest.raises(team.TeamLoginRefused) as missing:
        team.connect(location)
    assert missing.value.password_missing and not missing.value.retryable
    with pytest.raises(team.TeamLoginRefused) as wrong:
        team.connect(location, password=lambda account: "wrong")
    assert not wrong.value.password_missing and "***" not in wrong.value.reason
    team.connect(location, password=lambda account: "right").close()


def test_a_login_that_is_no_analyst_is_refused_in_words(team_url: str) -> None:
    stranger = unique("stranger")
    with team.connect(team.TeamLocation.parse(team_url), autocommit=True) as admin:
        team.migrate(admin)
        admin.execute(
            f"CREATE ROLE {stranger} LOGIN".encode()
        )  # may log in, may not look into Briefer's schema
    with (
        team.connect(team.TeamLocation.parse(as_user(team_url, stranger))) as connection,
        pytest.raises(team.TeamPermissionDenied, match=f"{stranger} is not an analyst of this team archive"),
    ):
        team.require_current(connection)
