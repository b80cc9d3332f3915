"""Where the GUI keeps passwords, and the dialog that asks for one.

Passwords go to the system keychain (`CredentialStore`).  When no keychain is
usable, the user chooses, explicitly: keep passwords in memory for this
session only, or an encrypted file whose password comes from a dialog (the
choice of file is remembered in the archive's data folder, where `briefer
credentials backend use` keeps it too; its password never is).  A password
typed when one is needed (before sending) goes to the session store, in
memory, and is forgotten when Briefer quits.  Nothing here writes a secret to
a file or a log.

The core says what is wrong with a keychain (`KeychainProblem`); this module
words it for the window (`window_advice`), naming the window's own controls,
and decides when the start-up warning is news (`Keychain.news`).

`Keychain` calls that reach the keyring may wait (a desktop keychain can show
its unlock prompt): the dialogs call them from background jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from briefer.core.credentials import (
    ENCRYPTED_FILE,
    BackendChoice,
    BackendStatus,
    CredentialStore,
    CredentialsUnavailable,
    KeychainProblem,
)
from briefer.gui.dialogs import ok_cancel_buttons

ENCRYPTED_FILE_KEY = "credentials/encrypted_file"  # where earlier versions kept the choice (migrated)
WARNED_KEY = "credentials/warned"  # the keychain situation the status bar last warned about
ACCOUNTS_MENU = "Settings \u2192 Accounts"
USE_ENCRYPTED_FILE = "Use an Encrypted File\u2026"  # the accounts dialog's buttons
UNLOCK_ENCRYPTED_FILE = "Unlock the Encrypted File\u2026"
MEANWHILE = "Until then Briefer asks for a password when you send and keeps it in memory until it quits."

OpenEncrypted = Callable[[Path, Path, str], CredentialStore]  # (data_dir, file, password) -> store


_KEYCHAIN_NAMES = {
    "SecretService": "your desktop's keychain (Secret Service)",
    "libsecret": "your desktop's keychain (libsecret)",
    "kwallet": "KWallet",
    "macOS": "your macOS login keychain",
    "Windows": "the Windows Credential Manager",
}


def keychain_name(backend: object) -> str:
    """A keyring backend in words a person recognises, e.g. "your macOS login keychain"."""
    chained = list(getattr(backend, "backends", None) or [])  # keyring's chainer stores in its first
    chosen = chained[0] if chained else backend
    path = f"{type(chosen).__module__}.{type(chosen).__qualname__}"
    for fragment, name in _KEYCHAIN_NAMES.items():
        if f".{fragment}." in f".{path}.":
            return name
    return f"the system keychain ({type(chosen).__qualname__})"


def window_advice(problem: KeychainProblem | None) -> str:
    """What the window offers for a keychain problem, naming its controls ("" when nothing)."""
    if problem is KeychainProblem.ENCRYPTED_FILE_NOT_CHOSEN:
        return (
            f"To keep passwords in it, choose {USE_ENCRYPTED_FILE} in {ACCOUNTS_MENU}, which asks for its "
            f"password. {MEANWHILE}"
        )
    if problem is not None and problem.system_keychain:
        return f"{MEANWHILE} Or keep them in an encrypted file: {USE_ENCRYPTED_FILE} in {ACCOUNTS_MENU}."
    if problem is KeychainProblem.ENCRYPTED_FILE_LOCKED:
        return f"Unlock it with {UNLOCK_ENCRYPTED_FILE} in {ACCOUNTS_MENU}."
    if problem is KeychainProblem.NO_SECRET:
        return f"Type it in {ACCOUNTS_MENU}."
    return ""


def for_the_window(status: BackendStatus) -> BackendStatus:
    """`status` with the window's advice added when the store is not usable."""
    if status.usable:
        return status
    message = " ".join(filter(None, (status.message, window_advice(status.problem))))
    return BackendStatus(False, status.backend, message, status.problem)


class Keychain(QObject):
    """The credential store in use: the system keychain, memory only, or the opt-in encrypted file."""

    changed = Signal()  # another store is now in use

    def __init__(
        self,
        data_dir: Path,
        settings: QSettings,
        *,
        system: CredentialStore | None = None,
        open_encrypted: OpenEncrypted = CredentialStore.encrypted_file,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self._settings = settings
        self._open_encrypted = open_encrypted
        self.system = system or CredentialStore.for_data_dir(data_dir)
        self.session = CredentialStore.for_session()  # typed passwords, and the "session only" choice
        self._encrypted: CredentialStore | None = None
        self.session_only = False
        self._adopt_earlier_choice()

    def _adopt_earlier_choice(self) -> None:
        """An encrypted file chosen by an earlier version (kept in QSettings) becomes the archive's
        choice, which the command line reads too."""
        earlier = str(self._settings.value(ENCRYPTED_FILE_KEY, "") or "")
        if not earlier:
            return
        try:
            if BackendChoice.load(self.data_dir) is None:
                BackendChoice(ENCRYPTED_FILE, Path(earlier)).save(self.data_dir)
        except (OSError, ValueError):
            return  # kept in QSettings: tried again next time
        self._settings.remove(ENCRYPTED_FILE_KEY)

    @property
    def store(self) -> CredentialStore:
        """Where an account's password is stored and looked up first."""
        if self._encrypted is not None:
            return self._encrypted
        return self.session if self.session_only else self.system

    @property
    def encrypted(self) -> bool:
        return self._encrypted is not None

    # -- the backend (call these off the GUI thread) ----------------------------------
    def check(self) -> BackendStatus:
        """Whether the store in use can keep passwords, in the window's words (may wait for the keychain)."""
        if self._encrypted is None and not self.session_only and self.encrypted_file_chosen:
            return for_the_window(
                BackendStatus(
                    False,
                    "",
                    f"Your passwords are in the encrypted file {self.encrypted_file}, "
                    "which is not unlocked yet.",
                    KeychainProblem.ENCRYPTED_FILE_LOCKED,
                )
            )
        status = self.store.status()
        if self._encrypted is not None and status.usable:
            return BackendStatus(
                True, status.backend, f"Passwords are kept in the encrypted file {self.encrypted_file}."
            )
        if self.session_only:
            return BackendStatus(
                True,
                status.backend,
                "Passwords are kept in memory only, until Briefer quits; you will be asked for them "
                "again next time. Nothing is written to disk.",
            )
        if status.usable:
            where = keychain_name(self.store.backend)
            return BackendStatus(True, status.backend, f"Passwords are kept in {where}.")
        return for_the_window(status)

    def why_no_password(self) -> str:
        """Why the store in use cannot help ("" when it works and simply has no password)."""
        status = self.check()
        return "" if status.usable else status.message

    def news(self, status: BackendStatus) -> str | None:
        """The status bar's line about the keychain at start, or None: nothing is wrong, or the same
        problem was reported at an earlier start (it is said again only once the situation changes)."""
        situation = (
            "" if status.usable else f"{status.problem.value if status.problem else ''}:{status.backend}"
        )
        if situation == str(self._settings.value(WARNED_KEY, "") or ""):
            return None
        self._settings.setValue(WARNED_KEY, situation)  # "" once it works: a later problem is news again
        if status.usable:
            return None
        if status.problem is KeychainProblem.ENCRYPTED_FILE_LOCKED:
            return f"Your passwords are in an encrypted file: unlock it in {ACCOUNTS_MENU}."
        headline = status.message.split(". ")[0].split("; ")[0].rstrip(".")
        return f"{headline}: see {ACCOUNTS_MENU}."

    def secret(self, account: str) -> str | None:
        """The account's password from the store in use, else one typed this session; None if neither."""
        try:
            found = self.store.get(account)
        except CredentialsUnavailable:
            found = None
        return found if found is not None else self.session.get(account)

    def open_encrypted_file(self, password: str, file: Path | None = None) -> CredentialStore:
        """Open (or create) the encrypted file; CredentialsUnavailable on a wrong password or no module."""
        file = file or self.encrypted_file
        file.parent.mkdir(parents=True, exist_ok=True)
        return self._open_encrypted(self.data_dir, file, password)

    # -- choices (GUI thread) ----------------------------------------------------------
    def keep_in_memory_only(self) -> None:
        self.session_only = True
        self.changed.emit()

    def use_encrypted(self, store: CredentialStore, file: Path | None = None) -> None:
        self._encrypted = store
        BackendChoice(ENCRYPTED_FILE, file or self.encrypted_file).save(self.data_dir)  # the path only
        self.changed.emit()

    def _choice(self) -> BackendChoice:
        try:
            return BackendChoice.of(self.data_dir)
        except ValueError:  # an unreadable choice: the system keychain, as before any choice
            return BackendChoice()

    @property
    def encrypted_file(self) -> Path:
        """The file chosen earlier, or where a new one would go."""
        return self._choice().encrypted_file(self.data_dir)

    @property
    def encrypted_file_chosen(self) -> bool:
        return self._choice().encrypted and self.encrypted_file.is_file()

    def remember(self, account: str, password: str) -> None:
        """A password typed when asked: memory only, for this session."""
        self.session.set(account, password)

    def forget(self, account: str) -> None:
        """Drop a typed password (the server refused it), so the next use asks again."""
        self.session.delete(account)


class PasswordDialog(QDialog):
    """Asks for one password.  Use `open()` (it never blocks) and connect `entered`.

    With `confirm`, the password is typed twice (a new encrypted file).  The
    fields are cleared as soon as the dialog closes.
    """

    entered = Signal(str)

    def __init__(
        self,
        parent: QWidget | None,
        *,
        title: str,
        prompt: str,
        field_name: str = "Password",
        confirm: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.prompt = QLabel(prompt)
        self.prompt.setWordWrap(True)
        self.password = self._secret_field(field_name)
        self.repeat = self._secret_field(f"{field_name}, again")
        self._confirm = confirm
        self.problem = QLabel()
        self.problem.setObjectName("passwordProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()  # shown with a problem only: no empty gap above the buttons
        buttons = ok_cancel_buttons(self)
        form = QFormLayout()
        form.addRow(f"&{field_name}:", self.password)
        if confirm:
            form.addRow("&Again:", self.repeat)
        else:
            self.repeat.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def _secret_field(self, name: str) -> QLineEdit:
        field = QLineEdit()
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.setAccessibleName(name)
        return field

    def accept(self) -> None:
        text = self.password.text()
        if not text:
            self._complain("Type the password, or Cancel.")
            return
        if self._confirm and text != self.repeat.text():
            self._complain("The two passwords differ; type them again.")
            self.repeat.clear()
            return
        self._clear()
        super().accept()
        self.entered.emit(text)

    def reject(self) -> None:
        self._clear()
        super().reject()

    def _complain(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def _clear(self) -> None:
        self.password.clear()
        self.repeat.clear()
        self.problem.clear()
        self.problem.hide()
