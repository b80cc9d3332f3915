"""The Archive menu's team entries: Connect to Team Archive… and Personal Archive.

They only ask: the archive host (`host.ArchiveHost`) does the switch, replacing the window and
its archive together, so that nothing of one archive stays on screen in the other's window.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from briefer.gui.distribution.keychain import Keychain
from briefer.gui.team.connect import ConnectDialog, TeamAccess, TeamOpener

LOCATION_KEY = "team/location"  # the team archive last opened (no password), reopened at start


class TeamActions(QObject):
    opened = Signal(object)  # TeamArchiveOpened: switch to it
    personal_requested = Signal()  # switch back to the personal archive

    def __init__(
        self,
        window: QWidget,
        *,
        keychain: Keychain,
        settings: QSettings,
        opener: TeamOpener,
        current: TeamAccess | None,
    ) -> None:
        super().__init__(window)
        self._window, self._keychain, self._settings, self._opener = window, keychain, settings, opener
        self.current = current
        self.dialog: ConnectDialog | None = None
        self.connect_action = QAction("Connect to &Team Archive\u2026", window)
        self.connect_action.setStatusTip("Open the archive your team shares on a PostgreSQL server")
        self.personal_action = QAction("&Personal Archive", window)
        self.personal_action.setEnabled(current is not None)
        self.personal_action.setToolTip(
            "Back to the archive on this computer"
            if current is not None
            else "The personal archive is the one open"
        )
        self.connect_action.triggered.connect(self.show_connect_dialog)
        self.personal_action.triggered.connect(self.personal_requested)

    def install(self, menu: QMenu) -> None:
        """At the top of the Archive menu."""
        first = menu.actions()[0] if menu.actions() else None
        menu.insertActions(first, [self.connect_action, self.personal_action])  # type: ignore[arg-type]
        menu.insertSeparator(first)  # type: ignore[arg-type]

    @Slot()
    def show_connect_dialog(self) -> ConnectDialog:
        """The dialog, on the remembered location (or the one open)."""
        if self.dialog is None:
            remembered = str(self._settings.value(LOCATION_KEY, "") or "")
            location = self.current.location.address if self.current else remembered
            self.dialog = ConnectDialog(
                self._window, keychain=self._keychain, opener=self._opener, location=location
            )
            self.dialog.opened.connect(self.opened)
        self.dialog.open()
        return self.dialog

    def reconnect(self, location: str) -> ConnectDialog:
        """The dialog, already connecting to `location` (the team archive open when Briefer quit)."""
        dialog = self.show_connect_dialog()
        dialog.set_location(location)
        dialog.accept()
        return dialog

    def shutdown(self) -> None:
        if self.dialog is not None:
            self.dialog.wait()
