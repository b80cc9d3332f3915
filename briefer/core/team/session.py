"""A connection to the team archive that survives the connection being lost.

`TeamSession.run(work)` runs `work(connection)` and, when the connection breaks (the server
restarted, a network blip, an administrator ended the session), connects again and runs it again,
a few times with growing waits, then gives up with `TeamConnectionLost`.  Each `work` must be
safe to run again: a transaction that was cut is rolled back by the server, and the operations
here are conditional (a save names its base version, inserts are `ON CONFLICT DO NOTHING`).
A refused login or a missing database is not retried: waiting does not fix it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg

from briefer.core.team.connection import PasswordSource, TeamLocation, connect
from briefer.core.team.errors import TeamConnectionLost, TeamUnreachable

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 3
FIRST_WAIT_S = 1.0
# SQLSTATE classes of a connection that broke or a server going away: worth connecting again.
_RETRYABLE = ("08", "57P01", "57P02", "57P03")


class TeamSession:
    def __init__(
        self,
        location: TeamLocation,
        *,
        password: PasswordSource | None = None,
        attempts: int = ATTEMPTS,
        first_wait_s: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.location = location
        self._password = password
        self._attempts = attempts
        self._first_wait_s = FIRST_WAIT_S if first_wait_s is None else first_wait_s
        self._sleep = sleep
        self._connection: psycopg.Connection[Any] | None = None
        self._lost = False  # a connection was made and then broke

    def run(self, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        reason = ""
        for attempt in range(self._attempts):
            if attempt:
                log.warning("the team archive %s: %s; trying again", self.location.display, reason)
                self._sleep(self._first_wait_s * 2 ** (attempt - 1))
            try:
                return work(self._connected())
            except TeamUnreachable as exc:
                if not exc.retryable:
                    raise
                reason = exc.reason
            except psycopg.OperationalError as exc:
                if not _retryable(exc):
                    raise
                reason = _first_line(exc)
                self._lost = True
            self.close()
        if not self._lost:  # never connected: unreachable, not lost
            tried = f"{reason}; tried {self._attempts} times"
            raise TeamUnreachable(self.location.display, tried, retryable=True)
        raise TeamConnectionLost(self.location.display, reason, self._attempts)

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None

    def __enter__(self) -> TeamSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _connected(self) -> psycopg.Connection[Any]:
        if self._connection is None or self._connection.closed or self._connection.broken:
            self._connection = connect(self.location, password=self._password, autocommit=True)
        return self._connection


def _retryable(exc: psycopg.OperationalError) -> bool:
    state = exc.sqlstate
    return state is None or state.startswith(_RETRYABLE)


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
