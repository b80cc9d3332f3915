"""Settings → Accounts: the SMTP accounts briefings are sent with, and where their passwords live.

Account settings go to the account book (`smtp-accounts.json`, never a
secret).  The password field goes straight into the keychain in use and is
cleared as soon as Save is pressed; it is never put in settings, a file or
the log.  The dialog says in plain words whether passwords can be kept and,
when no keychain is usable, offers the two explicit choices: memory only for
this session, or an encrypted file whose password comes from a dialog.

Keychain calls and file writes run in the background (a desktop keychain can
show its unlock prompt and wait for the user).
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from briefer.core.credentials import BackendStatus, CredentialStore, CredentialsUnavailable
from briefer.core.distribution.accounts import DEFAULT_PORTS, SECURITY, AccountBook, AccountError, SmtpAccount
from briefer.core.progress import Progress
from briefer.gui.advice import in_words
from briefer.gui.distribution.keychain import Keychain, PasswordDialog
from briefer.gui.job_runner import JobRunner

SECURITY_LABELS = {"starttls": "STARTTLS (usually port 587)", "tls": "TLS (usually port 465)"}
assert set(SECURITY_LABELS) == set(SECURITY)


# -- what the dialog's jobs do (plain functions, run in the background) -----------------
@dataclass(frozen=True)
class SavedAccount:
    account: SmtpAccount
    password_stored: bool
    password_problem: str = ""  # why a typed password could not be stored


def save_account(
    book: AccountBook, store: CredentialStore, account: SmtpAccount, password: str
) -> SavedAccount:
    """Write the account's settings, then its password (if one was typed) into the keychain."""
    book.put(account)
    if not password:
        return SavedAccount(account, password_stored=False)
    try:
        store.set(account.credential_ref, password, kind="smtp")
    except CredentialsUnavailable as exc:
        return SavedAccount(account, password_stored=False, password_problem=str(exc))
    return SavedAccount(account, password_stored=True)


def remove_account(book: AccountBook, store: CredentialStore, name: str) -> str:
    """Remove the account and its password (unless another account uses it); returns a note or ""."""
    account = book.get(name)
    book.remove(name)
    if any(other.credential_ref == account.credential_ref for other in book.all()):
        return (
            f"Its password stays: another account uses the credential \u201c{account.credential_ref}\u201d."
        )
    try:
        store.delete(account.credential_ref)
    except CredentialsUnavailable as exc:
        return f"Its password could not be deleted from the keychain: {exc}"
    return ""


# -- questions (tests replace these) --------------------------------------------------------
class RemoveAccount:
    @classmethod
    def ask(cls, parent: QWidget | None, name: str) -> bool:
        answer = QMessageBox.question(
            parent,
            "Remove account",
            f"Remove the account \u201c{name}\u201d and its stored password?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes


class CaFile:
    @classmethod
    def ask(cls, parent: QWidget | None, current: str) -> str | None:
        name, _ = QFileDialog.getOpenFileName(
            parent,
            "Your organisation's CA certificates",
            current,
            "Certificates (*.pem *.crt);;All files (*)",
        )
        return name or None


# -- the dialog ----------------------------------------------------------------------------------
class AccountsDialog(QDialog):
    accounts_changed = Signal()

    def __init__(self, keychain: Keychain, book: AccountBook, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Accounts")
        self.setAccessibleName("Accounts")
        self._keychain = keychain
        self._book = book
        self._editing: SmtpAccount | None = None  # None: a new account
        self._previous_security = "starttls"
        self._keychain_usable = True
        self.password_dialog: PasswordDialog | None = None
        self._status_check = JobRunner(parent=self)
        self._jobs = JobRunner(expected=(AccountError, CredentialsUnavailable, OSError), parent=self)

        self._build_keychain_box()
        self._build_account_list()
        self._build_form()
        self.outcome = QLabel()
        self.outcome.setObjectName("accountsOutcome")
        self.outcome.setAccessibleName("Outcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.PlainText)  # addresses look like tags
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName("Close")
        buttons.rejected.connect(self.reject)

        columns = QHBoxLayout()
        columns.addLayout(self._list_column, 2)
        columns.addWidget(self.form_box, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.keychain_box)
        layout.addLayout(columns, 1)
        layout.addWidget(self.outcome)
        layout.addWidget(buttons)
        self.resize(760, 560)

        keychain.changed.connect(self.check_keychain)
        self._jobs.busy_changed.connect(self._set_busy)
        self.reload()

    # -- building ---------------------------------------------------------------------------
    def _build_keychain_box(self) -> None:
        self.keychain_box = QGroupBox("Where passwords are kept")
        self.keychain_status = QLabel("Checking the keychain\u2026")
        self.keychain_status.setObjectName("keychainStatus")
        self.keychain_status.setAccessibleName("Keychain status")
        self.keychain_status.setWordWrap(True)
        self.keychain_status.setTextFormat(Qt.TextFormat.RichText)
        self.keychain_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.session_only_button = QPushButton("Keep Passwords for This Session Only")
        self.session_only_button.setAccessibleName("Keep passwords for this session only")
        self.session_only_button.setToolTip(
            "Passwords you type are kept in memory until Briefer quits, and asked for again next time"
        )
        self.encrypted_button = QPushButton("Use an Encrypted File\u2026")
        self.encrypted_button.setAccessibleName("Use an encrypted file")
        self.encrypted_button.setToolTip(
            "Keep passwords in a file encrypted with a password of your choosing, asked for in a dialog"
        )
        for button in (self.session_only_button, self.encrypted_button):
            button.setVisible(False)
        self.session_only_button.clicked.connect(self._keychain.keep_in_memory_only)
        self.encrypted_button.clicked.connect(self.ask_encrypted_file_password)
        choices = QHBoxLayout()
        choices.addWidget(self.session_only_button)
        choices.addWidget(self.encrypted_button)
        choices.addStretch(1)
        box = QVBoxLayout(self.keychain_box)
        box.addWidget(self.keychain_status)
        box.addLayout(choices)

    def _build_account_list(self) -> None:
        self.accounts = QListWidget()
        self.accounts.setAccessibleName("SMTP accounts")
        self.add_button = QPushButton("&Add")
        self.add_button.setAccessibleName("Add an account")
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setAccessibleName("Remove the account")
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        self._list_column = QVBoxLayout()
        self._list_column.addWidget(QLabel("SMTP accounts for sending briefings:"))
        self._list_column.addWidget(self.accounts, 1)
        self._list_column.addLayout(row)
        self.accounts.currentItemChanged.connect(self._show_current)
        self.add_button.clicked.connect(self.new_account)
        self.remove_button.clicked.connect(self.remove_current)

    def _build_form(self) -> None:
        self.form_box = QGroupBox("Account")
        self.name = self._field("Account name", "e.g. work")
        self.host = self._field("SMTP server", "e.g. smtp.example.org")
        self.security = QComboBox()
        self.security.setAccessibleName("Security")
        self.security.view().setAccessibleName("Security choices")
        for security in SECURITY:
            self.security.addItem(SECURITY_LABELS[security], security)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setAccessibleName("Port")
        self.user = self._field("User name", "the login; empty when the server needs none")
        self.sender_address = self._field("Sender address", "the From address, e.g. alice@example.org")
        self.password = self._field("Password", "")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_state = QLabel()
        self.password_state.setAccessibleName("Password state")
        self.password_state.setWordWrap(True)
        self.cafile = self._field("CA file", "optional: your organisation's own certificate authority")
        self.browse_cafile = QPushButton("Browse\u2026")
        self.browse_cafile.setAccessibleName("Choose the CA file")
        self.save_button = QPushButton("&Save Account")
        self.save_button.setAccessibleName("Save the account")
        self.save_button.setDefault(True)
        cafile_row = QHBoxLayout()
        cafile_row.addWidget(self.cafile, 1)
        cafile_row.addWidget(self.browse_cafile)

        form = QFormLayout(self.form_box)
        form.addRow("&Name:", self.name)
        form.addRow("Ser&ver:", self.host)
        form.addRow("Se&curity:", self.security)
        form.addRow("&Port:", self.port)
        form.addRow("&User:", self.user)
        form.addRow("Sen&der:", self.sender_address)
        form.addRow("Pass&word:", self.password)
        form.addRow("", self.password_state)
        cafile_label = QLabel("CA &file:")
        cafile_label.setBuddy(self.cafile)  # a row of two widgets gets no buddy from addRow
        form.addRow(cafile_label, cafile_row)
        form.addRow("", self.save_button)
        self.security.currentIndexChanged.connect(self._security_changed)
        self.browse_cafile.clicked.connect(self._choose_cafile)
        self.save_button.clicked.connect(self.save)

    def _field(self, name: str, placeholder: str) -> QLineEdit:
        field = QLineEdit()
        field.setAccessibleName(name)
        field.setPlaceholderText(placeholder)
        return field

    # -- the keychain's state --------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.check_keychain()  # before each use: the keychain may have been locked meanwhile

    @Slot()
    def check_keychain(self) -> None:
        keychain = self._keychain

        def job(progress: Progress, cancel: threading.Event) -> BackendStatus:
            return keychain.check()

        self._status_check.run(job, self._show_keychain_status)

    def _show_keychain_status(self, status: object) -> None:
        assert isinstance(status, BackendStatus)
        self._keychain_usable = status.usable
        self.keychain_status.setText(
            html.escape(status.message)
            if status.usable
            else f"<b>Passwords cannot be stored.</b> {html.escape(status.message)}"
        )
        offer = not status.usable or self._keychain.session_only
        self.session_only_button.setVisible(not status.usable and not self._keychain.session_only)
        self.encrypted_button.setVisible(offer and not self._keychain.encrypted)
        self.encrypted_button.setText(
            "Unlock the Encrypted File\u2026"
            if self._keychain.encrypted_file_chosen
            else "Use an Encrypted File\u2026"
        )
        self._show_password_state()

    @Slot()
    def ask_encrypted_file_password(self) -> PasswordDialog:
        file = self._keychain.encrypted_file
        exists = file.is_file()
        prompt = (
            f"Type the password of the encrypted file {file}."
            if exists
            else f"Choose a password for a new encrypted file, {file}. Briefer asks for it once per session; "
            "without it the passwords in the file cannot be read."
        )
        dialog = PasswordDialog(
            self,
            title="Encrypted password file",
            prompt=prompt,
            field_name="File password",
            confirm=not exists,
        )
        dialog.entered.connect(self._open_encrypted_file)
        dialog.finished.connect(dialog.deleteLater)
        self.password_dialog = dialog
        dialog.open()
        return dialog

    @Slot(str)
    def _open_encrypted_file(self, password: str) -> None:
        keychain = self._keychain

        def job(progress: Progress, cancel: threading.Event) -> CredentialStore:
            return keychain.open_encrypted_file(password)

        self.outcome.setText("Opening the encrypted file\u2026")
        self._jobs.run(job, self._use_encrypted_file, self._report_failure)

    def _use_encrypted_file(self, store: object) -> None:
        assert isinstance(store, CredentialStore)
        self._keychain.use_encrypted(store)
        self.outcome.setText(f"Passwords are now kept in the encrypted file {self._keychain.encrypted_file}.")

    # -- the list ----------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        """Show the account book; select `select` (or the first account, or an empty form)."""
        current = select or (self._editing.name if self._editing else None)
        self.accounts.blockSignals(True)
        self.accounts.clear()
        try:
            accounts = self._book.all()
        except AccountError as exc:
            accounts = []
            self.outcome.setText(in_words(exc))
        for account in accounts:
            item = QListWidgetItem(account.name)
            item.setData(Qt.ItemDataRole.UserRole, account)
            item.setToolTip(account.describe())
            self.accounts.addItem(item)
        self.accounts.blockSignals(False)
        names = [a.name for a in accounts]
        if current in names:
            self.accounts.setCurrentRow(names.index(current))
        elif accounts:
            self.accounts.setCurrentRow(0)
        else:
            self.new_account()
        self.remove_button.setEnabled(bool(accounts))

    @Slot()
    def _show_current(self, *_: object) -> None:
        item = self.accounts.currentItem()
        account = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if isinstance(account, SmtpAccount):
            self._fill(account)

    def _fill(self, account: SmtpAccount | None) -> None:
        self._editing = account
        self.form_box.setTitle(f"Account \u201c{account.name}\u201d" if account else "New account")
        self.name.setText(account.name if account else "")
        self.name.setReadOnly(account is not None)  # the name is the key: remove and add to rename
        self.host.setText(account.host if account else "")
        security = account.security if account else "starttls"
        self._previous_security = security
        self.security.blockSignals(True)
        self.security.setCurrentIndex(self.security.findData(security))
        self.security.blockSignals(False)
        self.port.setValue(account.port if account else DEFAULT_PORTS[security])
        self.user.setText(account.user if account else "")
        self.sender_address.setText(account.sender if account else "")
        self.cafile.setText(account.cafile if account else "")
        self.password.clear()
        self._show_password_state()

    def _show_password_state(self) -> None:
        account = self._editing
        stored = account is not None and self._password_stored(account)
        if stored:
            placeholder = "unchanged (type to replace the stored password)"
        elif self._keychain_usable:
            placeholder = f"kept in the {self._store_name()}, never in a file"
        else:
            placeholder = "cannot be kept now: see above"
        self.password.setPlaceholderText(placeholder)
        if stored:
            self.password_state.setText("A password is stored for this account.")
        elif account is not None and account.user:
            self.password_state.setText("No password is stored: Briefer will ask for it when sending.")
        else:
            self.password_state.setText("")

    def _password_stored(self, account: SmtpAccount) -> bool:
        try:
            return self._keychain.store.ref(account.credential_ref) is not None
        except ValueError:  # an unreadable registry: the password field still works
            return False

    @Slot()
    def new_account(self) -> None:
        self.accounts.blockSignals(True)
        self.accounts.setCurrentRow(-1)
        self.accounts.blockSignals(False)
        self._fill(None)
        self.name.setFocus()

    @Slot()
    def _security_changed(self, *_: object) -> None:
        security = str(self.security.currentData())
        if self.port.value() == DEFAULT_PORTS[self._previous_security]:  # the user kept the default
            self.port.setValue(DEFAULT_PORTS[security])
        self._previous_security = security

    @Slot()
    def _choose_cafile(self) -> None:
        chosen = CaFile.ask(self, self.cafile.text() or str(Path.home()))
        if chosen:
            self.cafile.setText(chosen)

    # -- saving and removing --------------------------------------------------------------------
    def account_from_form(self) -> SmtpAccount:
        """The account the form describes; AccountError says what is wrong with it."""
        cafile = self.cafile.text().strip()
        return SmtpAccount(
            name=self.name.text().strip(),
            host=self.host.text().strip(),
            port=self.port.value(),
            security=str(self.security.currentData()),
            user=self.user.text().strip(),
            sender=self.sender_address.text().strip(),
            credential=self._editing.credential if self._editing else "",
            cafile=str(Path(cafile).expanduser()) if cafile else "",
        )

    @Slot()
    def save(self) -> None:
        try:
            account = self.account_from_form()
        except AccountError as exc:
            self.outcome.setText(f"Not saved: {exc}.")
            return
        if self._editing is None and account.name in {a.name for a in self._book_accounts()}:
            self.outcome.setText(
                f"Not saved: an account \u201c{account.name}\u201d exists already; choose another name."
            )
            return
        password = self.password.text()
        self.password.clear()  # the secret leaves the widget now; only the job holds it
        book, store = self._book, self._keychain.store

        def job(progress: Progress, cancel: threading.Event) -> SavedAccount:
            return save_account(book, store, account, password)

        self._jobs.run(job, self._on_saved, self._report_failure)

    def _on_saved(self, saved: object) -> None:
        assert isinstance(saved, SavedAccount)
        name = saved.account.name
        if saved.password_problem:
            text = (
                f"Saved the account \u201c{name}\u201d, but not its password: {saved.password_problem} "
                "Briefer will ask for it when sending."
            )
        elif saved.password_stored:
            text = f"Saved the account \u201c{name}\u201d; its password is in the {self._store_name()}."
        else:
            text = f"Saved the account \u201c{name}\u201d."
        self.outcome.setText(text)
        self._editing = saved.account
        self.reload(select=name)
        self.accounts_changed.emit()

    def _store_name(self) -> str:
        if self._keychain.encrypted:
            return "encrypted file"
        return "memory for this session" if self._keychain.session_only else "keychain"

    @Slot()
    def remove_current(self) -> None:
        account = self._editing
        if account is None or not RemoveAccount.ask(self, account.name):
            return
        book, store, name = self._book, self._keychain.store, account.name

        def job(progress: Progress, cancel: threading.Event) -> tuple[str, str]:
            return name, remove_account(book, store, name)

        self._jobs.run(job, self._on_removed, self._report_failure)

    def _on_removed(self, result: object) -> None:
        assert isinstance(result, tuple)
        name, note = result
        self.outcome.setText(f"Removed the account \u201c{name}\u201d. {note}".strip())
        self._editing = None
        self.reload()
        self.accounts_changed.emit()

    def _report_failure(self, exc: object) -> None:
        self.outcome.setText(f"That did not work. {in_words(exc)}")

    def _book_accounts(self) -> list[SmtpAccount]:
        try:
            return self._book.all()
        except AccountError:
            return []

    @Slot(bool)
    def _set_busy(self, busy: bool) -> None:
        for widget in (self.save_button, self.remove_button, self.add_button, self.encrypted_button):
            widget.setEnabled(not busy)
        if not busy:
            self.remove_button.setEnabled(self.accounts.count() > 0)

    def wait(self) -> None:
        """Block until background work has ended (before the window closes)."""
        self._jobs.wait()
        self._status_check.wait()
