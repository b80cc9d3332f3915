""" "X is editing this section": short leases on the sections of a shared briefing.

A lease is a notice, not a lock: nothing refuses an edit because someone else holds one.  The
analyst editing a section takes a lease on it, renews it while editing, and releases it on
leaving; a lease that is not renewed (the window closed, the machine slept) simply expires after
`LEASE_SECONDS`.  Row-level security lets everyone read the leases and each analyst change only
their own; readers hold none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from briefer.core.team.errors import BriefingNotShared, TeamPermissionDenied

Connection = psycopg.Connection[Any]
LEASE_SECONDS = 60  # renewed well before that while the analyst edits (the window every 15 s)


@dataclass(frozen=True)
class Lease:
    section_id: str
    analyst: str
    expires: datetime


def hold_lease(
    connection: Connection, briefing_id: str, section_id: str, seconds: int = LEASE_SECONDS
) -> None:
    """Take, or renew, this analyst's lease on `section_id`; their lease on any other section of
    the briefing ends (one edits one section at a time)."""
    try:
        with connection.transaction():
            connection.execute(
                "DELETE FROM section_leases WHERE briefing_id = %s AND analyst = current_user "
                "AND section_id <> %s",
                (briefing_id, section_id),
            )
            connection.execute(
                """INSERT INTO section_leases (briefing_id, section_id, expires)
                   VALUES (%s, %s, now() + make_interval(secs => %s))
                   ON CONFLICT (briefing_id, section_id, analyst) DO UPDATE SET expires = EXCLUDED.expires""",
                (briefing_id, section_id, seconds),
            )
    except psycopg.errors.InsufficientPrivilege:
        refusal = "only analysts and editors edit shared briefings"
        raise TeamPermissionDenied(refusal, needed="analyst") from None
    except psycopg.errors.ForeignKeyViolation:
        raise BriefingNotShared(f"no briefing {briefing_id} in the team archive") from None


def release_lease(connection: Connection, briefing_id: str) -> None:
    """End this analyst's lease on the briefing (they left the section, or closed it)."""
    with connection.transaction():
        connection.execute(
            "DELETE FROM section_leases WHERE briefing_id = %s AND analyst = current_user", (briefing_id,)
        )


def others_editing(connection: Connection, briefing_id: str) -> list[Lease]:
    """The live leases other analysts hold on the briefing's sections, by section then name."""
    rows = connection.execute(
        """SELECT section_id, analyst, expires FROM section_leases
           WHERE briefing_id = %s AND analyst <> current_user AND expires > now()
           ORDER BY section_id, analyst""",
        (briefing_id,),
    ).fetchall()
    return [Lease(str(s), str(a), e) for s, a, e in rows]
