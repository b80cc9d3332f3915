"""The shared-briefing work the window runs in the background (Qt-free): each job takes the
window's `TeamSession` (a connection made again when it breaks) and returns what the GUI shows.

A team briefing is edited in a local copy: a plain `.briefing` file in the data folder, with the
version it was taken at in `team-checkouts.json` (as `briefer team checkout` records it), so the
window's own file saving, autosave and crash recovery keep every edit until the team save succeeds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefer.core import team
from briefer.core.briefing import storage
from briefer.core.briefing.merge import Side
from briefer.core.briefing.model import Briefing, BriefingError

COPIES_DIR = "team-briefings"


@dataclass(frozen=True)
class LocalCopy:
    path: Path
    version: int  # the team version the copy was taken at (its base for the next save)
    shared: team.SharedBriefing  # the team's briefing now: latest version, review state, owner
    kept_edits: bool  # the copy already held edits not yet saved to the team: it was not replaced


def copies_folder(data_dir: Path, location: team.TeamLocation) -> Path:
    """Where this machine keeps its copies of one team archive's briefings."""
    return data_dir / COPIES_DIR / hashlib.sha256(location.display.encode()).hexdigest()[:16]


def copy_path(data_dir: Path, location: team.TeamLocation, briefing_id: str) -> Path:
    """The local copy of one team briefing."""
    return copies_folder(data_dir, location) / f"{_file_stem(briefing_id)}.briefing"


def take_copy(session: team.TeamSession, data_dir: Path, briefing_id: str) -> LocalCopy:
    """The team briefing's latest version in its local copy, unless the copy holds edits that were
    never saved to the team: those are kept (the next team save merges them)."""
    location = session.location
    path = copy_path(data_dir, location, briefing_id)
    checkouts = team.Checkouts(data_dir)
    known = checkouts.get(path)
    if known is not None and known.location == location.display and path.is_file():
        local = storage.load(path)
        if team.briefing_sha256(local) != known.sha256:
            now: team.SharedBriefing = session.run(lambda connection: team.shared(connection, briefing_id))
            return LocalCopy(path, known.version, now, kept_edits=True)
    briefing, version, now = session.run(lambda connection: _latest(connection, briefing_id))
    path.parent.mkdir(parents=True, exist_ok=True)
    storage.save(briefing, path)
    checkouts.put(path, team.Checkout(location.display, briefing.id, version, team.briefing_sha256(briefing)))
    return LocalCopy(path, version, now, kept_edits=False)


def _latest(connection: Any, briefing_id: str) -> tuple[Briefing, int, team.SharedBriefing]:
    briefing, version = team.fetch(connection, briefing_id)
    return briefing, version, team.shared(connection, briefing_id)


@dataclass(frozen=True)
class SavedCopy:
    saved: team.Saved
    revision: str | None  # the copy's file revision holding a merge; None: the file is as it was
    problem: str = ""  # why the merge could not be written to the copy (the team has it)


def save_copy(
    session: team.TeamSession,
    data_dir: Path,
    path: Path,
    briefing: Briefing,
    base: int,
    revision: str | None,
    keep: Side | None = None,
) -> SavedCopy:
    """`briefing` (the copy at `path`, file revision `revision`, edited from `base`) as the team's
    next version, merged with versions saved since; SaveConflict when both changed the same
    block, unless `keep` settles every such block one way.  A merge is written into the copy here,
    before the checkout moves to the saved version: a copy never claims a version it does not
    hold (its next save would undo the colleague's changes)."""

    def save(connection: Any) -> team.Saved:
        choices = None
        if keep is not None:
            choices = {c.key: keep for c in team.conflicts_with_latest(connection, briefing, base)}
        return team.save(connection, briefing, base, choices=choices)

    saved: team.Saved = session.run(save)
    written = None
    if saved.merged_from is not None:
        try:
            written = storage.save(saved.briefing, path, expected=revision)
        except (BriefingError, OSError) as exc:  # the next save merges again from `base`: nothing lost
            return SavedCopy(saved, None, str(exc))
    record = team.Checkout(
        session.location.display, briefing.id, saved.shared.version, team.briefing_sha256(saved.briefing)
    )
    team.Checkouts(data_dir).put(path, record)
    return SavedCopy(saved, written)


def publish(session: team.TeamSession, data_dir: Path, path: Path, briefing: Briefing) -> team.SharedBriefing:
    """A personal briefing (saved at `path`) into the team archive as version 1; `path` becomes its copy."""
    published: team.SharedBriefing = session.run(lambda connection: team.publish(connection, briefing))
    record = team.Checkout(
        session.location.display, published.id, published.version, team.briefing_sha256(briefing)
    )
    team.Checkouts(data_dir).put(path, record)
    return published


def _file_stem(briefing_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in briefing_id)[:80] or "briefing"
