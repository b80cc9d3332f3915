""" "X is editing this section" leases on a real PostgreSQL server: taken, renewed, moved, released,
expired, seen by others, and notices only (an edit is never refused)."""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest

from briefer.core import team
from briefer.core.briefing import edits, templates
from briefer.core.briefing.model import Briefing, Paragraph
from briefer.core.team import briefings as shared
from briefer.core.team import leases
from tests.team.conftest import as_user, unique


def connect(url: str, user: str) -> psycopg.Connection[Any]:
    return team.connect(team.TeamLocation.parse(as_user(url, user)), autocommit=True)


@pytest.fixture
def people(team_url: str) -> dict[str, str]:
    names = {"min": unique("min_park"), "ola": unique("ola"), "reader": unique("reader")}
    with team.connect(team.TeamLocation.parse(team_url), autocommit=True) as admin:
        team.migrate(admin)
        team.add_analyst(admin, names["min"], "analyst")
        team.add_analyst(admin, names["ola"], "editor")
        team.add_analyst(admin, names["reader"], "reader")
    return names


def published(url: str, owner: str) -> Briefing:
    briefing = templates.new_briefing(templates.load("assessment"))
    edits.add_block(briefing, "analysis", Paragraph("Exports rose.", id="para"))
    with connect(url, owner) as connection:
        shared.publish(connection, briefing)
    return briefing


def test_others_see_who_edits_which_section_not_themselves(team_url: str, people: dict[str, str]) -> None:
    briefing = published(team_url, people["min"])
    with connect(team_url, people["min"]) as min_park, connect(team_url, people["ola"]) as ola:
        leases.hold_lease(min_park, briefing.id, "analysis")
        assert [(lease.section_id, lease.analyst) for lease in leases.others_editing(ola, briefing.id)] == [
            ("analysis", people["min"])
        ]
        assert leases.others_editing(min_park, briefing.id) == []  # one's own lease is no news

        leases.hold_lease(min_park, briefing.id, "analysis")  # renewed: still one lease
        leases.hold_lease(min_park, briefing.id, "key-judgments")  # moved on: the first one ends
        assert [lease.section_id for lease in leases.others_editing(ola, briefing.id)] == ["key-judgments"]

        leases.release_lease(min_park, briefing.id)
        assert leases.others_editing(ola, briefing.id) == []


def test_a_lease_that_is_not_renewed_expires(team_url: str, people: dict[str, str]) -> None:
    briefing = published(team_url, people["min"])
    with connect(team_url, people["min"]) as min_park, connect(team_url, people["ola"]) as ola:
        leases.hold_lease(min_park, briefing.id, "analysis", seconds=1)
        assert len(leases.others_editing(ola, briefing.id)) == 1
        time.sleep(1.2)
        assert leases.others_editing(ola, briefing.id) == []


def test_a_lease_is_a_notice_not_a_lock(team_url: str, people: dict[str, str]) -> None:
    briefing = published(team_url, people["min"])
    with connect(team_url, people["min"]) as min_park, connect(team_url, people["ola"]) as ola:
        leases.hold_lease(min_park, briefing.id, "analysis")
        leases.hold_lease(ola, briefing.id, "analysis")  # two may edit the same section
        theirs, base = shared.fetch(ola, briefing.id)
        edits.edit_text(theirs, "para", "Exports rose sharply.")
        assert shared.save(ola, theirs, base).shared.version == 2  # nothing refuses the edit
        names = {lease.analyst for lease in leases.others_editing(min_park, briefing.id)}
        assert names == {people["ola"]}


def test_only_its_holder_changes_a_lease_readers_hold_none(team_url: str, people: dict[str, str]) -> None:
    briefing = published(team_url, people["min"])
    with connect(team_url, people["min"]) as min_park, connect(team_url, people["ola"]) as ola:
        leases.hold_lease(min_park, briefing.id, "analysis")
        leases.release_lease(ola, briefing.id)  # releases Ola's own leases only
        ola.execute("DELETE FROM section_leases")  # even raw SQL: row-level security keeps Min's
        assert len(leases.others_editing(ola, briefing.id)) == 1
    with connect(team_url, people["reader"]) as reader:
        with pytest.raises(team.TeamPermissionDenied, match="analysts and editors"):
            leases.hold_lease(reader, briefing.id, "analysis")
        assert len(leases.others_editing(reader, briefing.id)) == 1  # readers see the notices
    with connect(team_url, people["min"]) as min_park, pytest.raises(team.BriefingNotShared):
        leases.hold_lease(min_park, "no-such-briefing", "analysis")
