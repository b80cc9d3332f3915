"""The team archive on PostgreSQL: where it is, its schema and migrations, its analysts and roles.

The front ends import from here only.  The personal archive (Whoosh + SQLite) is untouched by it.
What needs psycopg (about 0.3 s to import) loads on first use, so that commands on the personal
archive do not pay for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from briefer.core.team.errors import (
    BadTeamLocation,
    BriefingNotShared,
    SaveConflict,
    TeamConnectionLost,
    TeamError,
    TeamLoginRefused,
    TeamNotInitialised,
    TeamPermissionDenied,
    TeamSchemaTooNew,
    TeamUnreachable,
)
from briefer.core.team.names import ROLES, TEAM_URL_ENV

if TYPE_CHECKING:
    from briefer.core.team.archive import (
        TeamArchive,
        TeamSavedSearch,
        TeamSavedSearches,
        local_folder,
        open_team_archive,
    )
    from briefer.core.team.briefings import (
        STATES,
        Saved,
        SharedBriefing,
        conflicts_with_latest,
        fetch,
        history,
        list_shared,
        publish,
        save,
        set_state,
        shared,
    )
    from briefer.core.team.catalog import TeamCatalog
    from briefer.core.team.checkouts import Checkout, Checkouts, briefing_sha256
    from briefer.core.team.connection import TeamLocation, connect
    from briefer.core.team.leases import LEASE_SECONDS, Lease, hold_lease, others_editing, release_lease
    from briefer.core.team.roles import (
        add_analyst,
        analyst_role,
        analysts,
        my_role,
        remove_analyst,
        require_role,
    )
    from briefer.core.team.schema import SCHEMA_VERSION, migrate, require_current, schema_version
    from briefer.core.team.session import TeamSession
    from briefer.core.team.status import Replica, TeamStatus, team_status
    from briefer.core.team.transfer import PushSummary, push, record_import

_LAZY = {
    **dict.fromkeys(
        (
            "STATES",
            "Saved",
            "SharedBriefing",
            "conflicts_with_latest",
            "fetch",
            "history",
            "list_shared",
            "local_folder",
            "publish",
            "save",
            "set_state",
            "shared",
        ),
        "briefings",
    ),
    **dict.fromkeys(
        (
            "TeamArchive",
            "TeamSavedSearch",
            "TeamSavedSearches",
            "local_folder",
            "open_team_archive",
        ),
        "archive",
    ),
    "TeamCatalog": "catalog",
    **dict.fromkeys(("Checkout", "Checkouts", "briefing_sha256"), "checkouts"),  # loads the keychain
    "PushSummary": "transfer",
    "push": "transfer",
    "record_import": "transfer",
    "TeamLocation": "connection",
    **dict.fromkeys(("LEASE_SECONDS", "Lease", "hold_lease", "others_editing", "release_lease"), "leases"),
    "TeamSession": "session",
    "connect": "connection",
    "add_analyst": "roles",
    "analyst_role": "roles",
    "analysts": "roles",
    "my_role": "roles",
    "remove_analyst": "roles",
    "require_role": "roles",
    "SCHEMA_VERSION": "schema",
    "migrate": "schema",
    "require_current": "schema",
    "schema_version": "schema",
    "Replica": "status",
    "TeamStatus": "status",
    "team_status": "status",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"briefer.core.team.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "LEASE_SECONDS",
    "ROLES",
    "SCHEMA_VERSION",
    "STATES",
    "TEAM_URL_ENV",
    "BadTeamLocation",
    "BriefingNotShared",
    "Checkout",
    "Checkouts",
    "Lease",
    "PushSummary",
    "Replica",
    "SaveConflict",
    "Saved",
    "SharedBriefing",
    "TeamArchive",
    "TeamCatalog",
    "TeamConnectionLost",
    "TeamError",
    "TeamLocation",
    "TeamLoginRefused",
    "TeamNotInitialised",
    "TeamPermissionDenied",
    "TeamSavedSearch",
    "TeamSavedSearches",
    "TeamSchemaTooNew",
    "TeamSession",
    "TeamStatus",
    "TeamUnreachable",
    "add_analyst",
    "analyst_role",
    "analysts",
    "briefing_sha256",
    "conflicts_with_latest",
    "connect",
    "fetch",
    "history",
    "hold_lease",
    "list_shared",
    "local_folder",
    "migrate",
    "my_role",
    "open_team_archive",
    "others_editing",
    "publish",
    "push",
    "record_import",
    "release_lease",
    "remove_analyst",
    "require_current",
    "require_role",
    "save",
    "schema_version",
    "set_state",
    "shared",
    "team_status",
]
