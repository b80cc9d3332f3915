"""The team archive's errors, under the core's root error; each front end words them for its user.

The messages never carry a password: a connection string is shown by `TeamLocation.display`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from briefer.core.errors import BrieferError

if TYPE_CHECKING:  # the briefing codec loads the keychain: not for every command of the archive
    from briefer.core.briefing.merge import Conflict


class TeamError(BrieferError):
    """Something about the team archive, stated in the user's terms."""


class BadTeamLocation(TeamError, ValueError):
    """The `--team` value is neither a postgresql:// URL, a libpq connection string nor a service name."""


class TeamUnreachable(TeamError, ConnectionError):
    """The server cannot be reached or refused the login; `display` names it without a password."""

    def __init__(self, display: str, reason: str, *, retryable: bool = False) -> None:
        super().__init__(f"cannot reach the team archive {display}: {reason}")
        self.display = display
        self.reason = reason
        self.retryable = retryable  # the server may answer later (not a refused login)


class TeamLoginRefused(TeamUnreachable):
    """The server answered and refused the login: a password is needed (`password_missing`) or the
    one given is wrong.  Waiting does not change it; another password may."""

    def __init__(self, display: str, reason: str, *, password_missing: bool) -> None:
        super().__init__(display, reason, retryable=False)
        self.password_missing = password_missing


class TeamConnectionLost(TeamError, ConnectionError):
    """The connection broke and could not be made again after `attempts` tries; nothing half-done
    stays on the server (the cut transaction was rolled back)."""

    def __init__(self, display: str, reason: str, attempts: int) -> None:
        super().__init__(
            f"lost the connection to the team archive {display} ({reason}); tried {attempts} times"
        )
        self.display = display
        self.reason = reason
        self.attempts = attempts


class TeamNotInitialised(TeamError):
    """The database holds no Briefer schema yet (`found` 0), or an older one that needs migrating."""

    def __init__(self, message: str, *, found: int) -> None:
        super().__init__(message)
        self.found = found


class TeamSchemaTooNew(TeamError):
    """The database was migrated by a newer Briefer: this one would misread it, so it does not try."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"the team archive's schema is version {found}, newer than this Briefer knows ({known}); "
            "update Briefer to use it"
        )
        self.found = found
        self.known = known


class TeamPermissionDenied(TeamError, PermissionError):
    """The analyst's role may not do this; `needed` is the least role that may."""

    def __init__(self, message: str, *, needed: str = "") -> None:
        super().__init__(message)
        self.needed = needed


class SaveConflict(TeamError):
    """Others saved since `base`, and changed some of the same blocks: `conflicts` names them."""

    def __init__(self, base: int, latest: int, conflicts: list[Conflict]) -> None:
        super().__init__(
            f"version {latest} was saved since your version {base}, and {len(conflicts)} change(s) "
            "touch the same parts: " + "; ".join(c.what for c in conflicts)
        )
        self.base = base
        self.latest = latest
        self.conflicts = conflicts


class BriefingNotShared(TeamError, LookupError):
    """No briefing with that id in the team archive."""


__all__ = [
    "BadTeamLocation",
    "BriefingNotShared",
    "SaveConflict",
    "TeamConnectionLost",
    "TeamError",
    "TeamLoginRefused",
    "TeamNotInitialised",
    "TeamPermissionDenied",
    "TeamSchemaTooNew",
    "TeamUnreachable",
]
