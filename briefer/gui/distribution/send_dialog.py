"""Send the open briefing: its distribution list, the account, Send or "Save as .eml Draft".

The distribution list is the briefing's own (`metadata.distribution`): every
change made here (add, edit a cell, remove) is one undoable edit on the
briefing model, so Ctrl+Z in the window takes it back and Save keeps it.

Send and the draft run in the background on a copy of the briefing taken when
the button is pressed: the .docx is exported exactly as File → Export does,
then attached (or saved in an .eml).  When neither the keychain nor this
session knows the account's password, a password dialog asks for it and the
answer is kept in memory only.  Every outcome is said in plain words.
"""

from __future__ import annotations

import functools
import html
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from briefer.core.briefing import codec, edits
from briefer.core.briefing.gate import Finding, ReleaseBlocked
from briefer.core.briefing.model import Briefing, BriefingError, Recipient
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.credentials import CredentialsUnavailable
from briefer.core.distribution.accounts import AccountBook, AccountError, SmtpAccount
from briefer.core.distribution.delivery import SendOutcome, attachment_name, save_draft, send_briefing
from briefer.core.distribution.ledger import Ledger
from briefer.core.distribution.mail import MailError, parse_recipient, subject
from briefer.core.documents import Document
from briefer.core.export.docx_export import ExportReport
from briefer.core.export.pdf_export import LibreOfficeMissing
from briefer.core.progress import Progress
from briefer.gui.advice import in_words
from briefer.gui.briefing.findings import FindingsList
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.distribution.export_dialog import LAST_FOLDER_KEY, REFERENCE_KEY, refusal_text
from briefer.gui.distribution.keychain import Keychain, PasswordDialog
from briefer.gui.job_runner import JobRunner

Lookup = Callable[[str], Document | None]

ACCOUNT_KEY = "send/account"  # the account used last (a name, never a secret)
SEND_TIMEOUT = 30.0
NAME_COLUMN, ADDRESS_COLUMN = 0, 1

FAILURE_HEADLINES = {
    "auth": "The server refused the user name or password.",
    "no-password": "There is no password for this account.",
    "certificate": "The server's certificate is not trusted.",
    "tls": "The encrypted connection failed.",
    "no-starttls": "The server does not offer encryption on this port.",
    "refused": "The server refused the connection.",
    "unreachable": "The mail server cannot be reached.",
    "timeout": "The mail server did not answer in time.",
    "recipients": "The server refused every recipient.",
    "sender": "The server refused the sender address.",
    "protocol": "The server did not take the message.",
    "disconnected": "The server closed the connection.",
}


# -- the distribution list (plain functions) ------------------------------------------------
def recipient_from(name: str, address: str) -> Recipient:
    """A checked recipient; `address` may also be "Name <addr@example.org>"."""
    parsed = parse_recipient(address.strip())
    return Recipient(name.strip() or parsed.name, parsed.address)


def with_recipient(
    current: Sequence[Recipient], recipient: Recipient, replacing: int | None = None
) -> list[Recipient]:
    """`current` plus `recipient` (or with row `replacing` changed); ValueError for a duplicate."""
    others = [r for row, r in enumerate(current) if row != replacing]
    if any(r.address.casefold() == recipient.address.casefold() for r in others):
        raise ValueError(f"{recipient.address} is already on the distribution list")
    if replacing is None:
        return [*current, recipient]
    changed = list(current)
    changed[replacing] = recipient
    return changed


def without_rows(current: Sequence[Recipient], rows: set[int]) -> list[Recipient]:
    return [r for row, r in enumerate(current) if row not in rows]


# -- what Send and Save Draft do (in the background) ------------------------------------------
@dataclass(frozen=True)
class PasswordNeeded:
    """The send did not start: neither the keychain nor this session has the account's password."""

    account: SmtpAccount
    reason: str  # why the keychain could not help, in plain words ("" = it has no password)


def send_job(
    briefing: Briefing,
    account: SmtpAccount,
    keychain: Keychain,
    ledger: Ledger,
    options: dict[str, Any],
    lookups: ArchiveLookups | None,
) -> Callable[[Progress, threading.Event], SendOutcome | PasswordNeeded]:
    def job(progress: Progress, cancel: threading.Event) -> SendOutcome | PasswordNeeded:
        if account.user and keychain.secret(account.credential_ref) is None:  # ask before exporting
            return PasswordNeeded(account, keychain.why_no_password())
        checked = archive_checks(briefing, lookups, cancel)
        with tempfile.TemporaryDirectory(prefix="briefer-send-") as scratch:
            return send_briefing(
                briefing,
                Path(scratch) / attachment_name(briefing),
                account=account,
                store=keychain.store,
                session=keychain.session,
                ledger=ledger,
                timeout=SEND_TIMEOUT,
                **checked,
                **options,
            )

    return job


def draft_job(
    briefing: Briefing,
    eml: Path,
    sender: str,
    ledger: Ledger,
    options: dict[str, Any],
    lookups: ArchiveLookups | None,
) -> Callable[[Progress, threading.Event], ExportReport]:
    def job(progress: Progress, cancel: threading.Event) -> ExportReport:
        checked = archive_checks(briefing, lookups, cancel)
        with tempfile.TemporaryDirectory(prefix="briefer-draft-") as scratch:
            docx = Path(scratch) / attachment_name(briefing)
            return save_draft(briefing, eml, docx, ledger, sender=sender, **checked, **options)

    return job


def archive_checks(
    briefing: Briefing, lookups: ArchiveLookups | None, cancel: threading.Event
) -> dict[str, Any]:
    """The export's quote verification and clusters, as `briefer export` and Export do them."""
    if lookups is None:
        return {}
    checks, cluster_of = lookups.export_checks(briefing, cancel)
    return {"checks": checks, "cluster_of": cluster_of}


def explain_failure(exc: object) -> str:
    """Why nothing was sent, in plain words: what happened, the details, what to do."""
    if isinstance(exc, MailError):
        return f"{FAILURE_HEADLINES.get(exc.reason, 'Sending failed.')}\n{in_words(exc)}"
    if isinstance(exc, CredentialsUnavailable):
        return f"No password could be found for the account.\n{in_words(exc)}"
    if isinstance(exc, ReleaseBlocked):
        return refusal_text(exc, "send", "Send")
    if isinstance(exc, LibreOfficeMissing):
        return (
            f"{exc}.\nInstall LibreOffice (on Debian or Ubuntu, the package {exc.package}), or untick "
            "“Attach a PDF of the document too”."
        )
    if isinstance(exc, BriefingError):
        return f"The briefing cannot be exported yet.\n{exc}"
    if isinstance(exc, AccountError):
        return in_words(exc)
    if isinstance(exc, ValueError | OSError):
        return str(exc)
    return f"Something unexpected went wrong: {exc}. The details are in the log."


def describe_outcome(outcome: SendOutcome, account: SmtpAccount) -> str:
    delivered = [str(r) for r in outcome.recipients if r.address not in outcome.refused]
    sent = outcome.attachment.name + (f" and {outcome.pdf.name}" if outcome.pdf is not None else "")
    text = (
        f"Sent {sent} to {', '.join(delivered)} through \u201c{account.name}\u201d. "
        f"Recorded in the export ledger (SHA-256 {outcome.sha256[:12]}\u2026)."
    )
    if outcome.refused:
        refused = "; ".join(f"{address} ({answer})" for address, answer in outcome.refused.items())
        text += f" The server refused: {refused}."
    verification = outcome.report.verification if outcome.report is not None else None
    notice = verification.archive.notice() if verification and verification.archive else ""
    if notice:  # a briefing built across archives
        text += f" Note: {notice[:1].upper()}{notice[1:]}."
    return text


class DraftFile:
    """Where to save the .eml draft; tests replace `ask`."""

    @classmethod
    def ask(cls, parent: QWidget | None, suggested: Path) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(parent, "Save draft", str(suggested), "E-mail drafts (*.eml)")
        if not name:
            return None
        path = Path(name)
        return path if path.suffix.lower() == ".eml" else path.with_suffix(".eml")


# -- the dialog -----------------------------------------------------------------------------------
class SendDialog(QDialog):
    sent = Signal(str)  # a one-line outcome for the status bar (sent, draft saved, or not sent)
    accounts_requested = Signal()

    def __init__(
        self,
        model: BriefingModel,
        *,
        keychain: Keychain,
        book: AccountBook,
        ledger: Ledger,
        settings: QSettings,
        lookup: Lookup | None = None,
        lookups: ArchiveLookups | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`lookups` (or just `lookup`, a document lookup) is the archive the quotes are checked against."""
        super().__init__(parent)
        self.setWindowTitle("Send briefing")
        self.setAccessibleName("Send briefing")
        self._model = model
        self._keychain = keychain
        self._book = book
        self._ledger = ledger
        self._settings = settings
        self._lookups = lookups or (ArchiveLookups(lookup) if lookup is not None else None)
        self._filling = False
        self._sending_with: SmtpAccount | None = None
        self._briefing_copy: Briefing | None = None
        self.password_dialog: PasswordDialog | None = None
        self._jobs = JobRunner(
            expected=(MailError, CredentialsUnavailable, BriefingError, ValueError, OSError), parent=self
        )

        self.subject = QLabel()
        self.subject.setObjectName("sendSubject")
        self.subject.setAccessibleName("Subject")
        self.subject.setWordWrap(True)
        self.subject.setTextFormat(Qt.TextFormat.RichText)
        self.subject.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._build_distribution()
        self._build_account_row()
        self.allow_unverified = QCheckBox("Send even if quotes no longer match their sources")
        self.allow_unverified.setAccessibleName("Send even if quotes no longer match their sources")
        self.allow_unverified.setToolTip(
            "Quotes whose source changed are sent anyway (recipients get a distribution copy: not marked)"
        )
        self.attach_pdf = QCheckBox("Attach a PDF of the document too")
        self.attach_pdf.setAccessibleName("Attach a PDF of the document too")
        self.attach_pdf.setToolTip("Made from the Word document by LibreOffice, which must be installed")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Sending")
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.outcome = QLabel()
        self.outcome.setObjectName("sendOutcome")
        self.outcome.setAccessibleName("Outcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.PlainText)  # addresses look like tags
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.findings = FindingsList()  # the release gate's, once a send was tried
        self.findings.setVisible(False)

        self.buttons = QDialogButtonBox()
        self.send_button = self.buttons.addButton("&Send", QDialogButtonBox.ButtonRole.AcceptRole)
        self.send_button.setAccessibleName("Send")
        self.send_button.setDefault(True)
        self.draft_button = self.buttons.addButton(
            "Save as .eml &Draft\u2026", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.draft_button.setAccessibleName("Save as .eml draft")
        self.draft_button.setToolTip(
            "Save a message with the Word document attached, to send from your mail client"
        )
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName("Close")

        layout = QVBoxLayout(self)
        layout.addWidget(self.subject)
        layout.addWidget(self.distribution_box, 1)
        layout.addLayout(self._account_row)
        layout.addWidget(self.allow_unverified)
        layout.addWidget(self.attach_pdf)
        layout.addWidget(self.progress)
        layout.addWidget(self.outcome)
        layout.addWidget(self.findings)
        layout.addWidget(self.buttons)
        self.resize(640, 520)

        self.send_button.clicked.connect(self.send)
        self.draft_button.clicked.connect(self.save_draft)
        self.close_button.clicked.connect(self.reject)
        self._jobs.busy_changed.connect(self._set_busy)
        model.metadata_changed.connect(self._on_metadata_changed)
        self.reload_accounts()
        self._show_briefing()

    # -- building -------------------------------------------------------------------------
    def _build_distribution(self) -> None:
        self.distribution_box = QGroupBox("Distribution list")
        self.recipients = QTableWidget(0, 2)
        self.recipients.setAccessibleName("Distribution list")
        self.recipients.setHorizontalHeaderLabels(["Name", "Address"])
        self.recipients.horizontalHeader().setSectionResizeMode(NAME_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.recipients.horizontalHeader().setSectionResizeMode(
            ADDRESS_COLUMN, QHeaderView.ResizeMode.Stretch
        )
        self.recipients.verticalHeader().setVisible(False)
        self.recipients.horizontalHeader().setAccessibleName("Distribution list columns")
        self.recipients.verticalHeader().setAccessibleName("Distribution list rows")
        self.recipients.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.recipients.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.new_recipient = QLineEdit()
        self.new_recipient.setAccessibleName("New recipient")
        self.new_recipient.setPlaceholderText("Name <address@example.org>, or just the address")
        self.add_recipient_button = QPushButton("&Add")
        self.add_recipient_button.setAccessibleName("Add the recipient")
        self.remove_recipient_button = QPushButton("&Remove")
        self.remove_recipient_button.setAccessibleName("Remove the selected recipients")
        self.recipient_problem = QLabel()
        self.recipient_problem.setObjectName("recipientProblem")
        self.recipient_problem.setAccessibleName("Distribution list problem")
        self.recipient_problem.setWordWrap(True)
        self.recipient_problem.setTextFormat(Qt.TextFormat.PlainText)
        row = QHBoxLayout()
        row.addWidget(self.new_recipient, 1)
        row.addWidget(self.add_recipient_button)
        row.addWidget(self.remove_recipient_button)
        box = QVBoxLayout(self.distribution_box)
        box.addWidget(self.recipients, 1)
        box.addLayout(row)
        box.addWidget(self.recipient_problem)
        self.new_recipient.returnPressed.connect(self.add_recipient)
        self.add_recipient_button.clicked.connect(self.add_recipient)
        self.remove_recipient_button.clicked.connect(self.remove_selected_recipients)
        self.recipients.itemChanged.connect(self._on_cell_edited)

    def _build_account_row(self) -> None:
        self.account = QComboBox()
        self.account.setAccessibleName("Account")
        self.account.view().setAccessibleName("Account choices")
        self.accounts_button = QPushButton("A&ccounts\u2026")
        self.accounts_button.setAccessibleName("Manage accounts")
        self.accounts_button.clicked.connect(self.accounts_requested)
        label = QLabel("Send &with:")
        label.setBuddy(self.account)
        self._account_row = QHBoxLayout()
        self._account_row.addWidget(label)
        self._account_row.addWidget(self.account, 1)
        self._account_row.addWidget(self.accounts_button)

    # -- showing the briefing ---------------------------------------------------------------
    @property
    def distribution(self) -> list[Recipient]:
        return list(self._model.briefing.metadata.distribution)

    @Slot(str)
    def _on_metadata_changed(self, field: str) -> None:
        self._show_briefing()

    def _show_briefing(self) -> None:
        self.subject.setText(f"<b>Subject:</b> {html.escape(subject(self._model.briefing))}")
        self._show_recipients()

    def _show_recipients(self) -> None:
        """Rewrite the cells in place: rows are never deleted while one is being edited."""
        self._filling = True
        try:
            recipients = self.distribution
            self.recipients.setRowCount(len(recipients))
            for row, recipient in enumerate(recipients):
                self._set_cell(row, NAME_COLUMN, recipient.name)
                self._set_cell(row, ADDRESS_COLUMN, recipient.address)
        finally:
            self._filling = False
        self.remove_recipient_button.setEnabled(bool(recipients))

    def _set_cell(self, row: int, column: int, text: str) -> None:
        item = self.recipients.item(row, column)
        if item is None:
            self.recipients.setItem(row, column, QTableWidgetItem(text))
        elif item.text() != text:
            item.setText(text)

    # -- changing the distribution list (undoable edits) ---------------------------------------
    def _set_distribution(self, recipients: list[Recipient], text: str) -> bool:
        self.recipient_problem.clear()
        return bool(self._model.do(edits.SetMetadata("distribution", recipients), text))

    @Slot()
    def add_recipient(self) -> bool:
        try:
            recipient = recipient_from("", self.new_recipient.text())
            changed = with_recipient(self.distribution, recipient)
        except ValueError as exc:
            self.recipient_problem.setText(f"Not added: {exc}.")
            return False
        self.new_recipient.clear()
        return self._set_distribution(changed, f"Add {recipient.address} to the distribution")

    @Slot()
    def remove_selected_recipients(self) -> bool:
        rows = {index.row() for index in self.recipients.selectionModel().selectedRows()}
        if not rows:
            self.recipient_problem.setText("Select the recipients to remove.")
            return False
        return self._set_distribution(without_rows(self.distribution, rows), "Remove from the distribution")

    @Slot(QTableWidgetItem)
    def _on_cell_edited(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        row = item.row()
        name, address = self._cell(row, NAME_COLUMN), self._cell(row, ADDRESS_COLUMN)
        try:
            changed = with_recipient(self.distribution, recipient_from(name, address), replacing=row)
        except ValueError as exc:
            self.recipient_problem.setText(f"Not changed: {exc}.")
            self._show_recipients()  # back to what the briefing holds
            return
        if changed != self.distribution:
            self._set_distribution(changed, "Edit a recipient")
        else:
            self._show_recipients()  # e.g. the address was only re-spaced

    def _cell(self, row: int, column: int) -> str:
        item = self.recipients.item(row, column)
        return item.text() if item is not None else ""

    # -- accounts -------------------------------------------------------------------------------
    @Slot()
    def reload_accounts(self) -> None:
        chosen = self.account.currentText() or str(self._settings.value(ACCOUNT_KEY, ""))
        self.account.clear()
        try:
            accounts = self._book.all()
        except AccountError as exc:
            accounts = []
            self.outcome.setText(in_words(exc))
        for account in accounts:
            self.account.addItem(account.name, account)
            self.account.setItemData(
                self.account.count() - 1, account.describe(), Qt.ItemDataRole.ToolTipRole
            )
        self.account.setCurrentIndex(max(0, self.account.findText(chosen)))
        if not accounts:
            self.outcome.setText(
                "There is no SMTP account yet: add one with Accounts\u2026, or save a draft."
            )
        self._set_busy(self._jobs.busy)

    def current_account(self) -> SmtpAccount | None:
        account = self.account.currentData()
        return account if isinstance(account, SmtpAccount) else None

    # -- sending ---------------------------------------------------------------------------------
    def _export_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"allow_unverified": self.allow_unverified.isChecked()}
        options["attach_pdf"] = self.attach_pdf.isChecked()
        reference = str(self._settings.value(REFERENCE_KEY, "") or "")
        if reference.strip():
            options["reference"] = Path(reference).expanduser()
        return options

    def _snapshot(self) -> Briefing:
        """A copy to send: editing may go on meanwhile."""
        return codec.from_dict(codec.to_dict(self._model.briefing))

    @Slot()
    def send(self) -> bool:
        account = self.current_account()
        if account is None:
            self._say("Not sent: choose an SMTP account first (add one with Accounts\u2026).")
            return False
        if not self.distribution:
            self._say("Not sent: the distribution list is empty. Add at least one recipient.")
            return False
        self._settings.setValue(ACCOUNT_KEY, account.name)
        self._sending_with = account
        self._briefing_copy = self._snapshot()
        return self._start_send()

    def _start_send(self) -> bool:
        account, briefing = self._sending_with, self._briefing_copy
        assert account is not None and briefing is not None
        job = send_job(briefing, account, self._keychain, self._ledger, self._export_options(), self._lookups)
        self._say(f"Sending through \u201c{account.name}\u201d ({account.host}:{account.port})\u2026")
        return self._jobs.run(job, self._on_send_done, self._on_send_failed)

    def _on_send_done(self, result: object) -> None:
        if isinstance(result, PasswordNeeded):
            self.ask_password(result)
            return
        assert isinstance(result, SendOutcome) and self._sending_with is not None
        text = describe_outcome(result, self._sending_with)
        warnings = [f for f in result.report.findings if f.severity == "warning"] if result.report else []
        self._show_findings(warnings)
        if warnings:
            text += f" The release check has {len(warnings)} warning(s), listed below."
        self._say(text)
        self.sent.emit(text)

    def _on_send_failed(self, exc: object) -> None:
        account = self._sending_with
        if isinstance(exc, MailError) and exc.reason == "auth" and account is not None:
            self._keychain.forget(account.credential_ref)  # a typed password was wrong: ask again next time
        text = f"Not sent. {explain_failure(exc)}"
        self._show_findings(exc.result.findings if isinstance(exc, ReleaseBlocked) else [])
        self._say(text)
        self.sent.emit(text.splitlines()[0])  # the status bar gets the headline

    def ask_password(self, needed: PasswordNeeded) -> PasswordDialog:
        account = needed.account
        why = f"{needed.reason} " if needed.reason else "No password is stored for this account. "
        dialog = PasswordDialog(
            self,
            title=f"Password for \u201c{account.name}\u201d",
            prompt=(
                f"{why}Type the password of {account.user} on {account.host}. Briefer keeps it in memory "
                "until it quits and never writes it to disk."
            ),
        )
        dialog.entered.connect(self._password_entered)
        dialog.rejected.connect(self._password_refused)
        dialog.finished.connect(dialog.deleteLater)
        self.password_dialog = dialog
        self._say("Waiting for the password\u2026")
        dialog.open()
        return dialog

    @Slot(str)
    def _password_entered(self, password: str) -> None:
        if self._sending_with is None:
            return
        self._keychain.remember(self._sending_with.credential_ref, password)
        self._start_send()

    @Slot()
    def _password_refused(self) -> None:
        self._say("Not sent: no password was given.")

    # -- the draft --------------------------------------------------------------------------------
    @Slot()
    def save_draft(self) -> bool:
        briefing = self._snapshot()
        folder = Path(str(self._settings.value(LAST_FOLDER_KEY, "") or Path.home()))
        eml = DraftFile.ask(self, folder / (Path(attachment_name(briefing)).stem + ".eml"))
        if eml is None:
            return False
        account = self.current_account()
        sender = account.sender if account is not None else ""
        job = draft_job(briefing, eml, sender, self._ledger, self._export_options(), self._lookups)
        self._say(f"Saving the draft {eml.name}\u2026")
        return self._jobs.run(job, functools.partial(self._on_draft_saved, eml), self._on_draft_failed)

    def _on_draft_saved(self, eml: Path, report: object) -> None:
        text = (
            f"Saved the draft {eml} with the Word document attached: open it in your mail client to send it."
        )
        assert isinstance(report, ExportReport)
        warnings = [f for f in report.findings if f.severity == "warning"]
        self._show_findings(warnings)
        if warnings:
            text += f" The release check has {len(warnings)} warning(s), listed below."
        self._say(text)
        self.sent.emit(f"Saved the draft {eml}")

    def _on_draft_failed(self, exc: object) -> None:
        self._show_findings(exc.result.findings if isinstance(exc, ReleaseBlocked) else [])
        self._say(f"The draft was not saved. {explain_failure(exc)}")

    # -- state ------------------------------------------------------------------------------------
    def _show_findings(self, findings: Sequence[Finding]) -> None:
        self.findings.show_findings(findings)
        self.findings.setVisible(bool(findings))

    def _say(self, text: str) -> None:
        self.outcome.setText(text)

    @Slot(bool)
    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.send_button.setEnabled(not busy and self.account.count() > 0)
        self.draft_button.setEnabled(not busy)

    @property
    def busy(self) -> bool:
        return self._jobs.busy

    def wait(self) -> None:
        """Block until a send in flight has ended (before the window closes)."""
        self._jobs.wait()
