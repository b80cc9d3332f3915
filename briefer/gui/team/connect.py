"""Archive → Connect to Team Archive…: the location, a password when the server asks for one,
and the connection made off the GUI thread with a busy bar and Cancel.

The job (`connecting`) checks the archive before anything is shown of it: the server answers,
the login is accepted, the database holds a Briefer schema this Briefer can read, the user is an
analyst there; then the opener (the facade's constructor for a team archive) opens it.  A
password typed in the dialog goes to the keychain (the account `briefer team login` uses) once
the server has accepted it, never to settings or the log.  `describe` words the core's typed
errors for the window.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from briefer.core import team
from briefer.core.credentials import CredentialsUnavailable
from briefer.core.progress import Cancelled, Progress, raise_if_cancelled
from briefer.gui.dialogs import problem_label
from briefer.gui.distribution.keychain import Keychain, window_advice
from briefer.gui.workers import BackgroundTask

if TYPE_CHECKING:
    from briefer.core.archive import Archive

PasswordSource = Callable[[str], str | None]  # credential account -> password, or None
TeamOpener = Callable[["team.TeamLocation", PasswordSource], "Archive"]
EXPECTED = (team.TeamError, CredentialsUnavailable)
SET_UP = "see \u201cSetting the server up\u201d in docs/team.md"


@dataclass(frozen=True)
class TeamAccess:
    """Which team archive a window shows, and who the analyst is there."""

    location: team.TeamLocation
    user: str
    role: str  # reader, analyst or editor

    @property
    def may_release(self) -> bool:
        return self.role == "editor"


@dataclass(frozen=True)
class TeamArchiveOpened:
    access: TeamAccess
    archive: Archive
    password_note: str = ""  # where a typed password went, when it is news


def default_team_opener(data_dir: Path) -> TeamOpener:
    """Opens an `Archive` on a team archive, its local state in `data_dir` (the facade's team
    constructor; until it is in this Briefer, connecting says so)."""

    def open_archive(location: team.TeamLocation, password: PasswordSource) -> Archive:
        constructor = getattr(team, "open_team_archive", None)
        if constructor is None:
            raise team.TeamError("this Briefer cannot show a team archive's documents yet")
        archive: Archive = constructor(location, data_dir, password=password)
        return archive

    return open_archive


def connecting(
    location: team.TeamLocation, keychain: Keychain, opener: TeamOpener, typed: str = ""
) -> Callable[[Progress, threading.Event], TeamArchiveOpened]:
    """The background job: check the team archive, keep a typed password, open the archive."""

    def password(account: str) -> str | None:
        return typed or keychain.secret(account)

    def job(progress: Progress, cancel: threading.Event) -> TeamArchiveOpened:
        with team.connect(location, password=password, autocommit=True) as connection:
            team.require_current(connection)
            role = team.my_role(connection)
            row = connection.execute("SELECT current_user").fetchone()
        user = str(row[0]) if row else ""
        if role is None:
            raise team.TeamPermissionDenied(f"{user} is not an analyst of this team archive", needed="reader")
        raise_if_cancelled(cancel)
        note = _keep(keychain, location.credential_account, typed) if typed else ""
        archive = opener(location, keychain.secret)
        if cancel.is_set():  # given up while it opened: nobody will use it
            archive.close()
            raise Cancelled()
        return TeamArchiveOpened(TeamAccess(location, user, role), archive, note)

    return job


def _keep(keychain: Keychain, account: str, password: str) -> str:
    """The accepted password into the keychain; in memory for this session when it cannot keep it."""
    try:
        keychain.store.set(account, password, kind="team")
        return ""
    except CredentialsUnavailable as exc:
        keychain.remember(account, password)
        return f"The password is kept until Briefer quits: {exc}"


def describe(exc: BaseException, location: team.TeamLocation | None) -> str:
    """A typed error of connecting, in the window's words."""
    where = location.name if location else "the team archive"
    if isinstance(exc, team.TeamLoginRefused):
        if exc.password_missing:
            return f"{where} asks for a password: type it, then Connect."
        return f"The server refused the password for {where}: type it again."
    if isinstance(exc, team.TeamConnectionLost):
        return f"Lost the connection to {where} ({exc.reason}); Briefer tried {exc.attempts} times."
    if isinstance(exc, team.TeamUnreachable):
        return (
            f"Briefer cannot reach {where}: {exc.reason}. Check the location and that the server "
            "runs; your administrator can help."
        )
    if isinstance(exc, team.TeamSchemaTooNew):
        return (
            f"{where} was set up by a newer Briefer (its schema is version {exc.found}; this Briefer "
            f"reads up to {exc.known}). Update Briefer to use it."
        )
    if isinstance(exc, team.TeamNotInitialised):
        if exc.found == 0:
            return (
                f"{where} is a PostgreSQL database but not a Briefer team archive: an administrator "
                f"sets it up as one ({SET_UP})."
            )
        return f"{exc}: an administrator updates it ({SET_UP})."
    if isinstance(exc, team.TeamPermissionDenied):
        return f"Not allowed on {where}: {exc}. An administrator of the team archive can change that."
    if isinstance(exc, CredentialsUnavailable):
        return " ".join(filter(None, (str(exc), window_advice(exc.problem))))
    text = str(exc)
    return text[:1].upper() + text[1:]


class ConnectDialog(QDialog):
    """Asks where the team archive is and connects; `opened` carries the opened archive.

    Connect runs the job in the background; Cancel gives the attempt up at once (libpq cannot be
    interrupted: an archive that opens after all is closed).  The password row shows only once
    the server has asked for one.
    """

    opened = Signal(object)  # TeamArchiveOpened

    def __init__(
        self, parent: QWidget | None, *, keychain: Keychain, opener: TeamOpener, location: str = ""
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to Team Archive")
        self.setAccessibleName("Connect to Team Archive")
        self._keychain, self._opener = keychain, opener
        self._task: BackgroundTask | None = None
        self._given_up = False  # Cancel was pressed while connecting
        self._target: team.TeamLocation | None = None
        intro = QLabel(
            "Where the team archive is: a postgresql:// URL, a connection string "
            "(host=… dbname=…) or a service name from pg_service.conf."
        )
        intro.setWordWrap(True)
        self.location = QLineEdit()
        self.location.setAccessibleName("Location")
        self.location.textChanged.connect(self.location.setToolTip)
        self.location.setPlaceholderText("postgresql://you@db.example/briefer")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.password.setToolTip("Kept in your keychain once the server accepts it, never in settings")
        self.form = QFormLayout()
        self.form.addRow("&Location:", self.location)
        self.form.addRow("&Password:", self.password)
        self.form.setRowVisible(self.password, False)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Connecting")
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.problem = problem_label()
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.connect_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.connect_button.setText("&Connect")
        for button in self.buttons.buttons():
            button.setAccessibleName(button.text().replace("&", ""))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(self.form)
        layout.addWidget(self.progress)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.set_location(location)

    def set_location(self, location: str) -> None:
        """Show `location` from its start (who, and which server), in a dialog wide enough for a
        usual one and never wider than most screens leave a dialog (a longer one scrolls)."""
        self.location.setText(location)
        self.location.setCursorPosition(0)
        text = self.location.fontMetrics().horizontalAdvance(location)
        self.setMinimumWidth(min(max(520, text + 160), 900))

    @property
    def connecting(self) -> bool:
        return self._task is not None

    def accept(self) -> None:
        """Connect (the dialog stays open until the archive is open or the attempt failed)."""
        if self._task is not None:
            return
        try:
            self._target = team.TeamLocation.parse(self.location.text())
        except team.BadTeamLocation as exc:
            self._show_problem(describe(exc, None))
            return
        self._given_up = False
        job = connecting(self._target, self._keychain, self._opener, self.password.text())
        task = BackgroundTask(job, expected=EXPECTED, parent=self)
        task.succeeded.connect(self._succeeded)
        task.failed.connect(self._failed)
        task.finished.connect(self._finished)
        self._task = task
        self._set_busy(True)
        task.start()

    def reject(self) -> None:
        """Close; a connection still being made is given up (and closed if it opens after all)."""
        if self._task is not None:
            self._task.cancel()
            self._given_up = True
        self.password.clear()
        self._set_busy(False)
        super().reject()

    def wait(self) -> None:
        """Block until a connection being made has ended (the window shuts down)."""
        if self._task is not None:
            self._task.cancel()
            self._task.wait()

    @Slot(object)
    def _succeeded(self, opened: TeamArchiveOpened) -> None:
        if self._given_up:  # nobody will use it
            opened.archive.close()
            return
        self.password.clear()
        self._set_busy(False)
        super().accept()
        self.opened.emit(opened)

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, team.TeamLoginRefused):
            self.form.setRowVisible(self.password, True)
            self.password.clear()
            self.password.setFocus()
        self._show_problem(describe(exc, self._target))

    @Slot()
    def _finished(self) -> None:
        if self._task is not None:
            self._task.deleteLater()
            self._task = None

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.location.setEnabled(not busy)
        self.password.setEnabled(not busy)
        self.connect_button.setEnabled(not busy)
        if busy:
            self.problem.hide()

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
