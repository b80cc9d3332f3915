""" "Min Park is editing" beside a section of a shared briefing (core/team/leases.py).

While the analyst edits a section of a team briefing, the window holds a short lease on it,
renewed on every poll; a section left (another one current, no edit for a lease's length, the
briefing closed) is released.  Every `POLL_MS` the leases others hold are read and shown in the
outline, and the briefing's latest version and review state are read with them (another analyst
may have saved, an editor released it).  Everything that talks to the server runs off the GUI
thread, one poll at a time, on its own connection: typing never waits for it.  Leases are notices:
nothing here refuses an edit.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from briefer.core import team
from briefer.gui.briefing.session import BriefingSession
from briefer.gui.job_runner import JobRunner
from briefer.gui.team.connect import EXPECTED, TeamAccess

POLL_MS = 15_000

CurrentSection = Callable[[], str | None]  # the id of the section the analyst is in, if any
CurrentBriefing = Callable[[], str | None]  # the id of the open team briefing, if one is open


@dataclass(frozen=True)
class Poll:
    briefing_id: str
    holding: str | None  # the section this analyst's lease is on now (None: released)
    others: list[team.Lease]
    latest: team.SharedBriefing  # its newest version and review state, as the server has them now


def person(analyst: str) -> str:
    """A login name as a person reads it: min_park -> Min Park (a name with capitals stays as it is)."""
    words = analyst.replace("_", " ").replace(".", " ").split()
    return " ".join(word.capitalize() for word in words) if analyst.islower() else analyst


def notices(others: list[team.Lease]) -> dict[str, str]:
    """Section id -> "Min Park is editing" (or "Min Park and Ola Berg are editing")."""
    by_section: dict[str, list[str]] = {}
    for lease in others:
        by_section.setdefault(lease.section_id, []).append(person(lease.analyst))
    return {
        section: f"{' and '.join(names)} {'is' if len(names) == 1 else 'are'} editing"
        for section, names in by_section.items()
    }


class LeaseNotices(QObject):
    latest_read = Signal(object)  # team.SharedBriefing: the open briefing as the last poll found it

    def __init__(
        self,
        session: BriefingSession,
        *,
        access: TeamAccess | None,
        password: Callable[[str], str | None],
        current_section: CurrentSection,
        current_briefing: CurrentBriefing,
        poll_ms: int = POLL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session, self._access = session, access
        self._current_section, self._current_briefing = current_section, current_briefing
        # One attempt a poll: the next poll is the retry, and closing the window never waits on one.
        self.team_session = (
            team.TeamSession(access.location, password=password, attempts=1) if access else None
        )
        self._runner = JobRunner(expected=EXPECTED, parent=self)
        self._held: tuple[str, str] | None = None  # (briefing, section) of this analyst's lease
        self._last_edit = 0.0  # time.monotonic() of the last edit of the open briefing
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.poll)
        session.undo_stack.indexChanged.connect(self._edited)
        session.opened.connect(self.poll)

    def start(self) -> None:
        if self.team_session is not None:
            self.timer.start()

    @Slot()
    def _edited(self, *_: object) -> None:
        first = not self._editing()
        self._last_edit = time.monotonic()
        if first:
            self.poll()  # the lease is taken at once; renewed with each poll while editing

    def _editing(self) -> bool:
        return time.monotonic() - self._last_edit < team.LEASE_SECONDS

    @Slot()
    def poll(self) -> bool:
        """Take, renew or release this analyst's lease, and read the others' (off the GUI thread)."""
        session, briefing_id = self.team_session, self._current_briefing()
        if session is None or self._runner.busy:
            return False
        held = self._held
        if briefing_id is None:
            self._session.model.set_editing({})
            if held is None:
                return False  # no shared briefing open, no lease to release: nothing to ask the server
        section = self._current_section() if self._editing() and self._may_hold() else None
        return self._runner.run(
            lambda progress, cancel: _poll(session, held, briefing_id, section), self._polled, self._failed
        )

    def _may_hold(self) -> bool:
        return self._access is not None and self._access.role != "reader"

    def _polled(self, result: Any) -> None:
        self._held = (result.briefing_id, result.holding) if result and result.holding else None
        if result is not None and result.briefing_id == self._current_briefing():
            self._session.model.set_editing(notices(result.others))
            self.latest_read.emit(result.latest)

    def _failed(self, exc: Any) -> None:
        """A notice missed: the next poll tries again."""

    def shutdown(self) -> None:
        """Release this analyst's lease (best effort) and close the connection."""
        self.timer.stop()
        self._runner.wait()
        if self.team_session is not None and self._held is not None:
            briefing_id = self._held[0]
            with contextlib.suppress(team.TeamError):  # else it expires by itself
                self.team_session.run(lambda c: team.release_lease(c, briefing_id))
        if self.team_session is not None:
            self.team_session.close()


def _poll(
    session: team.TeamSession, held: tuple[str, str] | None, briefing_id: str | None, section: str | None
) -> Poll | None:
    def work(connection: Any) -> Poll | None:
        if held is not None and (held[0] != briefing_id or section is None):
            team.release_lease(connection, held[0])  # left the section, or the briefing
        if briefing_id is None:
            return None
        if section is not None:
            team.hold_lease(connection, briefing_id, section)
        others = team.others_editing(connection, briefing_id)
        return Poll(briefing_id, section, others, team.shared(connection, briefing_id))

    result: Poll | None = session.run(work)
    return result
