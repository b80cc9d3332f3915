"""One main window on one archive, both replaced together when the user switches archives.

The personal archive and a team archive never share a window: switching asks about the open
briefing's unsaved changes (the switch stops there if the user cancels), shuts the window's
background work down, closes its archive, and builds a new window on the other archive.  The
team archive's location (never its password) is remembered, and connected to again at the next
start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QSettings, Slot

from briefer.core.archive import Archive, CatalogError
from briefer.gui import geometry_hook
from briefer.gui.distribution.keychain import Keychain
from briefer.gui.mainwindow import MainWindow
from briefer.gui.team.actions import LOCATION_KEY
from briefer.gui.team.connect import TeamAccess, TeamArchiveOpened, TeamOpener, default_team_opener

log = logging.getLogger(__name__)
OpenPersonal = Callable[[], Archive]


class ArchiveHost(QObject):
    def __init__(
        self,
        *,
        personal_dir: Path,
        settings: QSettings,
        log_dir: Path | None = None,
        keychain: Keychain | None = None,
        opener: TeamOpener | None = None,
        open_personal: OpenPersonal | None = None,
    ) -> None:
        super().__init__()
        self._settings = settings
        self._log_dir = log_dir
        # The personal data folder's keychain holds the team password (`briefer team login`'s).
        self.keychain = keychain or Keychain(personal_dir, settings, parent=self)
        self._opener = opener or default_team_opener(personal_dir)
        self._open_personal = open_personal or (lambda: Archive(personal_dir))
        self.window: MainWindow | None = None
        self.archive: Archive | None = None

    def start(self, archive: Archive, briefing: Path | None = None, *, team: str = "") -> MainWindow:
        """The window on the personal archive; then the `team` archive (`briefer --team URL`), else
        the one open when Briefer last quit, is connected to (its dialog shows the attempt, with
        Cancel).  A briefing file named on the command line keeps the personal archive."""
        window = self._show(archive, None)
        window.start(briefing)
        location = team or str(self._settings.value(LOCATION_KEY, "") or "")
        if location and briefing is None:
            window.team_actions.reconnect(location)
        return window

    @Slot(object)
    def switch_to_team(self, opened: TeamArchiveOpened) -> bool:
        access = opened.access
        if not self._replace(opened.archive, access):
            opened.archive.close()
            return False
        self._settings.setValue(LOCATION_KEY, access.location.address)
        assert self.window is not None
        who = f"Opened the team archive {access.location.name} as {access.user} ({access.role})"
        self.window.status.report(" ".join(filter(None, (who, opened.password_note))))
        return True

    @Slot()
    def switch_to_personal(self) -> bool:
        try:
            archive = self._open_personal()
        except (CatalogError, OSError, RuntimeError) as exc:
            if self.window is not None:
                self.window.status.report(f"Cannot open the personal archive: {exc}")
            return False
        if not self._replace(archive, None):
            archive.close()
            return False
        self._settings.remove(LOCATION_KEY)
        return True

    def shutdown(self) -> None:
        """The window's background work ends, then its archive closes."""
        if self.window is not None:
            self.window.shutdown()
            shiboken6.delete(self.window)  # here, on the GUI thread (see app._run)
            self.window = None
        if self.archive is not None:
            self.archive.close()
            self.archive = None

    def _replace(self, archive: Archive, access: TeamAccess | None) -> bool:
        """The new window on `archive`, once the old one's briefing is settled; False: cancelled."""
        old, old_archive = self.window, self.archive
        if old is not None and not old.switch.close():
            return False
        if old is not None:
            old.shutdown()
        window = self._show(archive, access)
        window.start(reopen_last=False)  # a briefing of the other archive stays closed
        if old is not None:
            old.hide()
            old.deleteLater()
        if old_archive is not None:
            old_archive.close()
        return True

    def _show(self, archive: Archive, access: TeamAccess | None) -> MainWindow:
        window = MainWindow(
            archive=archive,
            settings=self._settings,
            keychain=self.keychain,
            log_dir=self._log_dir,
            team=access,
            team_opener=self._opener,
        )
        window.team_actions.opened.connect(self.switch_to_team)
        window.team_actions.personal_requested.connect(self.switch_to_personal)
        for notice in archive.notices:
            log.warning("%s", notice)
            window.status.report(notice)
        self.window, self.archive = window, archive
        window.show()
        geometry_hook.install(window)  # inert unless BRIEFER_GEOMETRY_FILE is set (tests)
        return window
