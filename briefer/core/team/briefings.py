"""Shared briefings in the team archive: a version number, an append-only history, and saves that
are conditional on the version they started from.

A save names its base version.  When nobody saved since, it becomes the next version.  When
someone did, the briefing is merged block by block (`briefing.merge`, the same merge the window
uses for a file changed on disk) against the base taken from the history, so only the blocks
both sides changed need a person: `SaveConflict` lists them, and a save with `choices` settles
them.  The row lock (`FOR UPDATE`) makes two saves from the same base take turns: the second
one merges against the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from briefer.core.briefing.codec import from_dict, to_dict
from briefer.core.briefing.merge import Conflict, Side, merge
from briefer.core.briefing.model import Briefing, excerpts
from briefer.core.team.errors import BriefingNotShared, SaveConflict, TeamError, TeamPermissionDenied

Connection = psycopg.Connection[Any]
STATES = ("draft", "in_review", "released")


@dataclass(frozen=True)
class SharedBriefing:
    id: str
    title: str
    owner: str
    version: int
    state: str
    saved_by: str
    saved_at: datetime


@dataclass(frozen=True)
class Saved:
    shared: SharedBriefing
    briefing: Briefing  # what was stored: the merge when others saved in between
    merged_from: int | None  # the other version merged in, None when the base was the latest


def publish(connection: Connection, briefing: Briefing) -> SharedBriefing:
    """Put a personal briefing into the team archive as version 1 (its id stays its id)."""
    body = to_dict(briefing)
    with connection.transaction():
        try:
            connection.execute(
                "INSERT INTO briefings (id, title, body) VALUES (%s, %s, %s)",
                (briefing.id, briefing.metadata.title, Jsonb(body)),
            )
        except psycopg.errors.UniqueViolation:
            raise TeamError(
                f"the team archive already holds briefing {briefing.id}: save to it instead"
            ) from None
        except psycopg.errors.InsufficientPrivilege as exc:
            raise TeamPermissionDenied(f"publishing a briefing was refused: {_reason(exc)}") from None
        _record(connection, 1, briefing, body)
    return shared(connection, briefing.id)


def fetch(connection: Connection, briefing_id: str, version: int | None = None) -> tuple[Briefing, int]:
    """The briefing at `version` (the latest when None), from the history."""
    if version is None:
        version = shared(connection, briefing_id).version
    row = connection.execute(
        "SELECT body FROM briefing_revisions WHERE briefing_id = %s AND version = %s", (briefing_id, version)
    ).fetchone()
    if row is None:
        raise BriefingNotShared(f"briefing {briefing_id} has no version {version} in the team archive")
    return from_dict(row[0], f"team briefing {briefing_id} version {version}"), version


def save(
    connection: Connection,
    briefing: Briefing,
    base: int,
    *,
    choices: Mapping[str, Side] | None = None,
) -> Saved:
    """Store `briefing`, edited from version `base`, as the next version (see the module)."""
    with connection.transaction():
        row = connection.execute(
            "SELECT version FROM briefings WHERE id = %s FOR UPDATE", (briefing.id,)
        ).fetchone()
        if row is None:  # row-level security hides from FOR UPDATE what one may not change
            shared(connection, briefing.id)  # BriefingNotShared when it is not there at all
            raise TeamPermissionDenied("only its owner or an editor may save this briefing", needed="editor")
        latest = int(row[0])
        if latest != base and _saved_already(connection, briefing, latest):
            return Saved(shared(connection, briefing.id), briefing, None)
        merged_from = None
        if latest != base:
            original, _ = fetch(connection, briefing.id, base)
            theirs, _ = fetch(connection, briefing.id, latest)
            result = merge(original, briefing, theirs, choices)
            unsettled = [c for c in result.conflicts if c.key not in (choices or {})]
            if unsettled:
                raise SaveConflict(base, latest, unsettled)
            briefing, merged_from = result.briefing, latest
        body = to_dict(briefing)
        try:
            updated = connection.execute(
                """UPDATE briefings SET body = %s, title = %s, version = %s, saved_by = current_user,
                   saved_at = now() WHERE id = %s""",
                (Jsonb(body), briefing.metadata.title, latest + 1, briefing.id),
            ).rowcount
        except psycopg.errors.InsufficientPrivilege as exc:
            raise TeamPermissionDenied(f"saving the briefing was refused: {_reason(exc)}") from None
        assert updated == 1, "the row locked above is one this role may update"
        _record(connection, latest + 1, briefing, body)
    return Saved(shared(connection, briefing.id), briefing, merged_from)


def _saved_already(connection: Connection, briefing: Briefing, latest: int) -> bool:
    """The latest version is this very briefing, saved by this user: a save whose answer the lost
    connection never delivered, run again.  Saving it once more would only repeat it."""
    row = connection.execute(
        "SELECT body, author = current_user FROM briefing_revisions WHERE briefing_id = %s AND version = %s",
        (briefing.id, latest),
    ).fetchone()
    return row is not None and bool(row[1]) and row[0] == to_dict(briefing)


def conflicts_with_latest(connection: Connection, briefing: Briefing, base: int) -> list[Conflict]:
    """What a save of `briefing` (edited from `base`) would have to ask about now; writes nothing."""
    latest = shared(connection, briefing.id).version
    if latest == base:
        return []
    original, _ = fetch(connection, briefing.id, base)
    theirs, _ = fetch(connection, briefing.id, latest)
    return merge(original, briefing, theirs).conflicts


def set_state(connection: Connection, briefing_id: str, state: str) -> SharedBriefing:
    """Move the review state (draft, in_review, released); the database lets only editors release."""
    if state not in STATES:
        raise TeamError(f"{state!r} is not a review state; choose one of {', '.join(STATES)}")
    try:
        with connection.transaction():
            changed = connection.execute(
                "UPDATE briefings SET state = %s WHERE id = %s", (state, briefing_id)
            ).rowcount
    except psycopg.errors.InsufficientPrivilege as exc:
        raise TeamPermissionDenied(_reason(exc), needed="editor") from None
    if changed == 0:
        shared(connection, briefing_id)  # BriefingNotShared when it is not there at all
        raise TeamPermissionDenied("only its owner or an editor may change this briefing", needed="editor")
    return shared(connection, briefing_id)


def shared(connection: Connection, briefing_id: str) -> SharedBriefing:
    row = connection.execute(
        "SELECT id, title, owner, version, state, saved_by, saved_at FROM briefings WHERE id = %s",
        (briefing_id,),
    ).fetchone()
    if row is None:
        raise BriefingNotShared(f"no briefing {briefing_id} in the team archive")
    return SharedBriefing(*row)


def list_shared(connection: Connection) -> list[SharedBriefing]:
    rows = connection.execute(
        "SELECT id, title, owner, version, state, saved_by, saved_at FROM briefings ORDER BY saved_at DESC"
    ).fetchall()
    return [SharedBriefing(*row) for row in rows]


def history(connection: Connection, briefing_id: str) -> list[tuple[int, str, datetime]]:
    """Every version: (version, who saved it, when), oldest first."""
    rows = connection.execute(
        "SELECT version, author, saved_at FROM briefing_revisions WHERE briefing_id = %s ORDER BY version",
        (briefing_id,),
    ).fetchall()
    return [(int(v), str(a), t) for v, a, t in rows]


def _record(connection: Connection, version: int, briefing: Briefing, body: dict[str, Any]) -> None:
    """The revision, and the text versions its quotes cite (those the team archive holds)."""
    connection.execute(
        "INSERT INTO briefing_revisions (briefing_id, version, body) VALUES (%s, %s, %s)",
        (briefing.id, version, Jsonb(body)),
    )
    hashes = sorted({e.citation.text_hash for e in excerpts(briefing).values() if e.citation.text_hash})
    connection.execute(
        """INSERT INTO cited_texts (briefing_id, text_sha256)
           SELECT %s, sha256 FROM texts WHERE sha256 = ANY(%s) ON CONFLICT DO NOTHING""",
        (briefing.id, hashes),
    )


def _reason(exc: BaseException) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
