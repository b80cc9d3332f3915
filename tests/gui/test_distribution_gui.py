"""Settings → Accounts, Settings → Feeds and the Send dialog, offscreen.

The keychain is an in-memory keyring (or keyring's failing backend, for "no
keychain"); mail goes to a real aiosmtpd server on loopback with a test-made
certificate; feeds come from a stdlib HTTP server on loopback serving the
State Department feeds of the shared corpus.  No test meets a modal dialog:
the dialogs are opened with show()/open(), and the few modal questions
(remove?, where to save the draft?) are replaced through their `ask`.
"""

from __future__ import annotations

import email
import email.policy
import functools
import logging
import threading
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail
from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QProgressBar,
    QWidget,
)

from briefer.core.archive import Archive, ArchiveBusy
from briefer.core.briefing import edits, templates
from briefer.core.briefing.model import Recipient
from briefer.core.credentials import BackendChoice, CredentialStore, CredentialsUnavailable, KeychainProblem
from briefer.core.distribution.accounts import AccountBook, SmtpAccount
from briefer.core.distribution.ledger import Ledger
from briefer.core.distribution.subscriptions import FeedBook, Subscription
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.distribution import accounts_dialog, feeds_dialog, send_dialog
from briefer.gui.distribution.accounts_dialog import AccountsDialog
from briefer.gui.distribution.actions import DistributionActions
from briefer.gui.distribution.feeds_dialog import FeedScheduler, FeedsDialog
from briefer.gui.distribution.keychain import Keychain
from briefer.gui.distribution.send_dialog import SendDialog
from briefer.gui.mainwindow import MainWindow
from tests.conftest import corpus_path
from tests.core.smtp_server import (
    PASSWORD,
    USER,
    MemoryKeyring,
    TestCertificate,
    free_port,
    make_certificate,
    smtp_server,
)

pytestmark = pytest.mark.timeout(60)

SENDER = "analyst@agency.example"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# -- fixtures --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> TestCertificate:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def keychain(data_dir: Path, settings: QSettings, memory: MemoryKeyring) -> Keychain:
    return Keychain(data_dir, settings, system=CredentialStore.for_data_dir(data_dir, memory))


@pytest.fixture
def no_keychain(data_dir: Path, settings: QSettings) -> Keychain:
    """As on a headless Linux without a Secret Service."""
    return Keychain(data_dir, settings, system=CredentialStore.for_data_dir(data_dir, fail.Keyring()))


@pytest.fixture
def book(data_dir: Path) -> AccountBook:
    return AccountBook.for_data_dir(data_dir)


@pytest.fixture
def model() -> BriefingModel:
    briefing = templates.new_briefing(
        templates.load("assessment"), title="Treaty Likely To Accelerate Missiles"
    )
    edits.apply(briefing, edits.SetMetadata("product_number", "BRF-2024-0017"))
    return BriefingModel(briefing, QUndoStack())


def files_holding(folder: Path, secret: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def unnamed_controls(widget: QWidget) -> list[QWidget]:
    """Controls a screen reader could not name (Qt's own inner parts aside)."""
    controls = (QAbstractButton, QLineEdit, QAbstractItemView, QComboBox, QAbstractSpinBox, QProgressBar)
    inner = (QAbstractSpinBox, QComboBox, QAbstractItemView)
    return [
        w
        for w in widget.findChildren(QWidget)
        if isinstance(w, controls)
        and not isinstance(w.parent(), inner)
        and not w.objectName().startswith("qt_")
        and not w.accessibleName()
    ]


def fill_account(dialog: AccountsDialog, *, name: str, host: str, port: int, password: str = "") -> None:
    dialog.new_account()
    dialog.name.setText(name)
    dialog.host.setText(host)
    dialog.port.setValue(port)
    dialog.user.setText(USER)
    dialog.sender_address.setText(SENDER)
    dialog.password.setText(password)


def open_accounts(qtbot: Any, keychain: Keychain, book: AccountBook) -> AccountsDialog:
    dialog = AccountsDialog(keychain, book)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "Checking" not in dialog.keychain_status.text())
    return dialog


def save(qtbot: Any, dialog: AccountsDialog) -> str:
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog._jobs.busy and dialog.outcome.text() != "")
    return dialog.outcome.text()


# -- Settings → Accounts ---------------------------------------------------------------------------
def test_an_added_account_keeps_its_password_in_the_keychain_only(
    qtbot, keychain, book, memory, tmp_path, settings, caplog
):
    caplog.set_level(logging.DEBUG)
    dialog = open_accounts(qtbot, keychain, book)
    assert "system keychain" in dialog.keychain_status.text()
    assert not dialog.session_only_button.isVisible()
    fill_account(dialog, name="work", host="smtp.agency.example", port=587, password=PASSWORD)

    assert save(qtbot, dialog) == "Saved the account \u201cwork\u201d; its password is in the keychain."
    assert memory.store == {("Briefer", "work"): PASSWORD}
    assert dialog.password.text() == ""  # cleared at once
    saved = book.get("work")
    assert (saved.host, saved.port, saved.security, saved.user, saved.sender) == (
        "smtp.agency.example",
        587,
        "starttls",
        USER,
        SENDER,
    )
    assert dialog.accounts.count() == 1 and dialog.accounts.currentItem().text() == "work"
    assert "A password is stored" in dialog.password_state.text()
    settings.sync()
    assert files_holding(tmp_path, PASSWORD) == []  # not the accounts file, the registry, the settings
    assert PASSWORD not in caplog.text


def test_editing_an_account_follows_the_security_default_port_and_keeps_the_password(
    qtbot, keychain, book, memory
):
    dialog = open_accounts(qtbot, keychain, book)
    fill_account(dialog, name="work", host="smtp.agency.example", port=587, password=PASSWORD)
    save(qtbot, dialog)

    dialog.accounts.setCurrentRow(0)
    assert dialog.name.isReadOnly()  # the name is the key
    dialog.security.setCurrentIndex(dialog.security.findData("tls"))
    assert dialog.port.value() == 465  # the default followed the security
    dialog.host.setText("mail.agency.example")
    assert save(qtbot, dialog) == "Saved the account \u201cwork\u201d."  # no new password typed
    assert (book.get("work").security, book.get("work").port) == ("tls", 465)
    assert memory.store[("Briefer", "work")] == PASSWORD

    dialog.port.setValue(2465)  # a port of one's own is kept when the security changes
    dialog.security.setCurrentIndex(dialog.security.findData("starttls"))
    assert dialog.port.value() == 2465
    dialog.password.setText("a-new-one-1234")
    save(qtbot, dialog)
    assert memory.store[("Briefer", "work")] == "a-new-one-1234"


def test_a_bad_setting_is_explained_and_nothing_is_stored(qtbot, keychain, book, memory):
    dialog = open_accounts(qtbot, keychain, book)
    fill_account(dialog, name="work", host="smtp.agency.example", port=587, password=PASSWORD)
    dialog.sender_address.setText("not an address")
    dialog.save_button.click()
    assert dialog.outcome.text() == "Not saved: 'not an address' is not an e-mail address."
    assert book.all() == [] and memory.store == {}


def test_removing_an_account_removes_its_password(qtbot, keychain, book, memory, monkeypatch):
    dialog = open_accounts(qtbot, keychain, book)
    fill_account(dialog, name="work", host="smtp.agency.example", port=587, password=PASSWORD)
    save(qtbot, dialog)
    asked: list[str] = []
    monkeypatch.setattr(accounts_dialog.RemoveAccount, "ask", lambda parent, name: asked.append(name) or True)

    dialog.remove_button.click()
    qtbot.waitUntil(lambda: dialog.outcome.text().startswith("Removed"))
    assert asked == ["work"]
    assert book.all() == [] and memory.store == {}
    assert dialog.accounts.count() == 0 and not dialog.remove_button.isEnabled()


def test_without_a_keychain_the_dialog_says_so_and_session_only_keeps_passwords_in_memory(
    qtbot, no_keychain, book, tmp_path, settings
):
    dialog = open_accounts(qtbot, no_keychain, book)
    status = dialog.keychain_status.text()
    assert "Passwords cannot be stored" in status and "No system keychain was found" in status
    assert "Secret Service" in status  # what to do
    assert dialog.session_only_button.isVisible() and dialog.encrypted_button.isVisible()

    fill_account(dialog, name="work", host="smtp.agency.example", port=587, password=PASSWORD)
    outcome = save(qtbot, dialog)  # the settings are saved, the password is not, and it says why
    assert outcome.startswith("Saved the account \u201cwork\u201d, but not its password: No system keychain")
    assert book.get("work").host == "smtp.agency.example"

    dialog.session_only_button.click()
    qtbot.waitUntil(lambda: "Nothing is written to disk" in dialog.keychain_status.text())
    assert not dialog.session_only_button.isVisible()
    dialog.accounts.setCurrentRow(0)
    dialog.password.setText(PASSWORD)
    assert "memory for this session" in save(qtbot, dialog)
    assert no_keychain.session.get("work") == PASSWORD
    assert no_keychain.secret("work") == PASSWORD
    settings.sync()
    assert files_holding(tmp_path, PASSWORD) == []


def test_the_encrypted_file_is_an_explicit_choice_with_its_password_from_a_dialog(
    qtbot, data_dir, settings, book, tmp_path
):
    opened: list[tuple[Path, str]] = []

    def open_encrypted(data: Path, file: Path, password: str) -> CredentialStore:
        if opened and password != opened[0][1]:
            raise CredentialsUnavailable(
                f"Wrong password for the encrypted keyring file {file}.",
                problem=KeychainProblem.WRONG_PASSWORD,
            )
        opened.append((file, password))
        file.write_bytes(b"encrypted")
        return CredentialStore.for_data_dir(data, MemoryKeyring())

    keychain = Keychain(
        data_dir,
        settings,
        system=CredentialStore.for_data_dir(data_dir, fail.Keyring()),
        open_encrypted=open_encrypted,
    )
    dialog = open_accounts(qtbot, keychain, book)
    prompt = dialog.ask_encrypted_file_password()
    assert prompt.isVisible() and prompt.repeat.isVisible()  # a new file: typed twice
    prompt.password.setText("file-pass-91c2")
    prompt.repeat.setText("typo")
    prompt.accept()
    assert prompt.isVisible() and "differ" in prompt.problem.text()
    prompt.repeat.setText("file-pass-91c2")
    prompt.accept()
    qtbot.waitUntil(lambda: keychain.encrypted)
    assert opened == [(data_dir / "briefer-keyring.cfg", "file-pass-91c2")]
    qtbot.waitUntil(lambda: "Passwords are kept in the encrypted file" in dialog.keychain_status.text())
    assert not dialog.encrypted_button.isVisible()
    settings.sync()
    chosen = BackendChoice.of(data_dir)  # in the data folder, where `briefer credentials` finds it
    assert (
        chosen.encrypted and chosen.encrypted_file(data_dir) == (data_dir / "briefer-keyring.cfg").resolve()
    )
    assert files_holding(tmp_path, "file-pass-91c2") == []

    # Next session: the file is remembered, its password is asked again, a wrong one is explained.
    later = Keychain(
        data_dir,
        settings,
        system=CredentialStore.for_data_dir(data_dir, fail.Keyring()),
        open_encrypted=open_encrypted,
    )
    dialog = open_accounts(qtbot, later, book)
    assert dialog.encrypted_button.text() == "Unlock the Encrypted File\u2026"
    prompt = dialog.ask_encrypted_file_password()
    assert not prompt.repeat.isVisible()
    prompt.password.setText("wrong")
    prompt.accept()
    qtbot.waitUntil(lambda: "Wrong password" in dialog.outcome.text())
    assert not later.encrypted


def test_every_control_of_the_accounts_dialog_has_an_accessible_name(qtbot, no_keychain, book):
    dialog = open_accounts(qtbot, no_keychain, book)
    assert unnamed_controls(dialog) == []
    prompt = dialog.ask_encrypted_file_password()
    assert unnamed_controls(prompt) == []
    prompt.reject()


# -- the Send dialog ----------------------------------------------------------------------------
def make_send_dialog(
    qtbot: Any, model: BriefingModel, keychain: Keychain, book: AccountBook, settings
) -> SendDialog:
    ledger = Ledger.for_data_dir(keychain.data_dir)
    dialog = SendDialog(model, keychain=keychain, book=book, ledger=ledger, settings=settings)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def smtp_account(server: Any, *, cafile: str | None = None, port: int | None = None) -> SmtpAccount:
    return SmtpAccount(
        name="work",
        host=server.host if server else "127.0.0.1",
        port=port or server.port,
        security="starttls",
        user=USER,
        sender=SENDER,
        cafile=(server.cafile if server else "") if cafile is None else cafile,
    )


def add_recipient(dialog: SendDialog, text: str) -> None:
    dialog.new_recipient.setText(text)
    dialog.add_recipient_button.click()


def send(qtbot: Any, dialog: SendDialog, timeout: int = 20_000) -> str:
    dialog.send_button.click()
    qtbot.waitUntil(
        lambda: not dialog.busy and not dialog.outcome.text().startswith("Sending"), timeout=timeout
    )
    return dialog.outcome.text()


def message_of(envelope: Any) -> EmailMessage:
    raw = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def attachments(message: EmailMessage) -> list[tuple[str, str, bytes]]:
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        found.append((part.get_content_type(), part.get_filename() or "", payload))
    return found


def test_the_distribution_list_is_edited_with_undoable_commands(qtbot, model, keychain, book, settings):
    dialog = make_send_dialog(qtbot, model, keychain, book, settings)
    stack = model.undo_stack
    add_recipient(dialog, "Desk Officer <desk@agency.example>")
    add_recipient(dialog, "ops@agency.example")
    assert model.briefing.metadata.distribution == [
        Recipient("Desk Officer", "desk@agency.example"),
        Recipient("", "ops@agency.example"),
    ]
    assert dialog.recipients.rowCount() == 2 and dialog.new_recipient.text() == ""
    assert stack.count() == 2 and stack.undoText() == "Add ops@agency.example to the distribution"

    add_recipient(dialog, "not-an-address")
    assert dialog.recipient_problem.text() == "Not added: 'not-an-address' is not an e-mail address."
    add_recipient(dialog, "DESK@agency.example")
    assert "already on the distribution list" in dialog.recipient_problem.text()
    assert stack.count() == 2

    dialog.recipients.item(1, 0).setText("Operations")  # as typing into the cell does
    assert model.briefing.metadata.distribution[1] == Recipient("Operations", "ops@agency.example")
    dialog.recipients.item(1, 1).setText("ops at agency")  # refused, and the cell shows the list again
    assert "Not changed" in dialog.recipient_problem.text()
    assert dialog.recipients.item(1, 1).text() == "ops@agency.example"
    assert stack.count() == 3

    dialog.recipients.selectRow(0)
    dialog.remove_recipient_button.click()
    assert [r.address for r in model.briefing.metadata.distribution] == ["ops@agency.example"]
    stack.undo()  # the window's Ctrl+Z: the dialog follows the briefing
    assert dialog.recipients.rowCount() == 2 and dialog.recipients.item(0, 1).text() == "desk@agency.example"
    stack.undo()
    stack.undo()
    stack.undo()
    assert model.briefing.metadata.distribution == [] and dialog.recipients.rowCount() == 0


def test_send_delivers_the_docx_through_a_real_smtp_server(
    qtbot, model, keychain, book, settings, certificate
):
    keychain.system.set("work", PASSWORD)
    with smtp_server(certificate) as server:
        book.put(smtp_account(server))
        dialog = make_send_dialog(qtbot, model, keychain, book, settings)
        add_recipient(dialog, "Desk Officer <desk@agency.example>")
        assert dialog.account.currentText() == "work"
        outcome = send(qtbot, dialog)
        assert outcome.startswith("Sent BRF-2024-0017-ed1.docx to Desk Officer <desk@agency.example>")
        assert "through \u201cwork\u201d" in outcome
        assert len(server.sink.messages) == 1
        envelope = server.sink.messages[0]
    assert envelope.rcpt_tos == ["desk@agency.example"]
    message = message_of(envelope)
    assert (
        message["Subject"] == "[UNCLASSIFIED] Treaty Likely To Accelerate Missiles (BRF-2024-0017, edition 1)"
    )
    [(kind, name, payload)] = attachments(message)
    assert (kind, name) == (DOCX, "BRF-2024-0017-ed1.docx") and payload.startswith(b"PK")
    entry = Ledger.for_data_dir(keychain.data_dir).entries()[-1]
    assert (entry.action, entry.result, entry.account) == ("send", "ok", "work")
    assert settings.value(send_dialog.ACCOUNT_KEY) == "work"


def test_a_wrong_password_is_explained(qtbot, model, keychain, book, settings, certificate):
    keychain.system.set("work", "not-the-password")
    with smtp_server(certificate) as server:
        book.put(smtp_account(server))
        dialog = make_send_dialog(qtbot, model, keychain, book, settings)
        add_recipient(dialog, "desk@agency.example")
        outcome = send(qtbot, dialog)
        assert server.sink.messages == []
    assert outcome.startswith("Not sent. The server refused the user name or password.")
    assert "Settings \u2192 Accounts" in outcome and "briefer credentials" not in outcome
    assert "not-the-password" not in outcome
    entry = Ledger.for_data_dir(keychain.data_dir).entries()[-1]
    assert (entry.action, entry.result) == ("send", "failed")


def test_an_untrusted_certificate_and_a_refused_connection_are_explained(
    qtbot, model, keychain, book, settings, certificate
):
    keychain.system.set("work", PASSWORD)
    dialog = make_send_dialog(qtbot, model, keychain, book, settings)
    add_recipient(dialog, "desk@agency.example")
    with smtp_server(certificate) as server:
        book.put(smtp_account(server, cafile=""))  # the system CAs do not know the test's certificate
        dialog.reload_accounts()
        outcome = send(qtbot, dialog)
        assert server.sink.messages == []
    assert outcome.startswith("Not sent. The server's certificate is not trusted.")
    assert "CA file" in outcome

    book.put(smtp_account(None, cafile="", port=free_port()))  # nothing listens there
    dialog.reload_accounts()
    outcome = send(qtbot, dialog)
    assert outcome.startswith("Not sent. The server refused the connection.")
    assert "Check the host and port" in outcome


def test_a_missing_password_is_asked_for_and_kept_in_memory_only(
    qtbot, model, no_keychain, book, settings, certificate, tmp_path
):
    with smtp_server(certificate) as server:
        book.put(smtp_account(server))
        dialog = make_send_dialog(qtbot, model, no_keychain, book, settings)
        add_recipient(dialog, "desk@agency.example")
        dialog.send_button.click()
        qtbot.waitUntil(lambda: dialog.password_dialog is not None and dialog.password_dialog.isVisible())
        prompt = dialog.password_dialog
        assert prompt is not None
        assert "No system keychain was found" in prompt.prompt.text()  # why it asks
        assert "memory" in prompt.prompt.text()
        assert unnamed_controls(prompt) == []
        prompt.password.setText(PASSWORD)
        prompt.accept()
        qtbot.waitUntil(lambda: not dialog.busy and dialog.outcome.text().startswith("Sent"), timeout=20_000)
        assert len(server.sink.messages) == 1

        dialog.send_button.click()  # the second send of the session does not ask again
        qtbot.waitUntil(lambda: len(server.sink.messages) == 2, timeout=20_000)
        qtbot.waitUntil(lambda: not dialog.busy)
    assert no_keychain.session.get("work") == PASSWORD
    settings.sync()
    assert files_holding(tmp_path, PASSWORD) == []


def test_a_wrong_typed_password_is_forgotten_so_the_next_send_asks_again(
    qtbot, model, no_keychain, book, settings, certificate
):
    no_keychain.remember("work", "typed-wrong-1234")
    with smtp_server(certificate) as server:
        book.put(smtp_account(server))
        dialog = make_send_dialog(qtbot, model, no_keychain, book, settings)
        add_recipient(dialog, "desk@agency.example")
        assert send(qtbot, dialog).startswith("Not sent. The server refused the user name or password.")
    assert no_keychain.secret("work") is None


def test_declining_the_password_sends_nothing(qtbot, model, no_keychain, book, settings, certificate):
    book.put(smtp_account(None, port=25))
    dialog = make_send_dialog(qtbot, model, no_keychain, book, settings)
    add_recipient(dialog, "desk@agency.example")
    dialog.send_button.click()
    qtbot.waitUntil(lambda: dialog.password_dialog is not None and dialog.password_dialog.isVisible())
    assert dialog.password_dialog is not None
    dialog.password_dialog.reject()
    assert dialog.outcome.text() == "Not sent: no password was given."
    assert Ledger.for_data_dir(no_keychain.data_dir).entries() == []  # nothing was even exported


def test_a_locked_encrypted_file_is_named_when_the_password_is_asked_for(
    qtbot, model, no_keychain, book, settings, data_dir
):
    locked = data_dir / "briefer-keyring.cfg"
    locked.parent.mkdir(parents=True, exist_ok=True)
    locked.write_bytes(b"encrypted")
    BackendChoice("encrypted-file", locked).save(data_dir)
    book.put(smtp_account(None, port=587))
    dialog = make_send_dialog(qtbot, model, no_keychain, book, settings)
    add_recipient(dialog, "desk@agency.example")
    dialog.send_button.click()
    qtbot.waitUntil(lambda: dialog.password_dialog is not None and dialog.password_dialog.isVisible())
    assert dialog.password_dialog is not None
    assert f"encrypted file {locked}, which is not unlocked yet" in dialog.password_dialog.prompt.text()
    dialog.password_dialog.reject()


def test_nothing_to_send_is_said_plainly(qtbot, model, keychain, book, settings):
    dialog = make_send_dialog(qtbot, model, keychain, book, settings)
    assert not dialog.send_button.isEnabled()
    assert "no SMTP account" in dialog.outcome.text()
    book.put(smtp_account(None, port=587))
    dialog.reload_accounts()
    assert dialog.send_button.isEnabled()
    assert not dialog.send()
    assert dialog.outcome.text() == "Not sent: the distribution list is empty. Add at least one recipient."


def test_save_as_eml_draft_writes_the_message_with_the_docx(
    qtbot, model, keychain, book, settings, tmp_path, monkeypatch
):
    book.put(smtp_account(None, port=587))
    dialog = make_send_dialog(qtbot, model, keychain, book, settings)
    add_recipient(dialog, "Desk Officer <desk@agency.example>")
    eml = tmp_path / "out" / "draft.eml"
    eml.parent.mkdir()
    suggested: list[Path] = []
    monkeypatch.setattr(send_dialog.DraftFile, "ask", lambda parent, path: suggested.append(path) or eml)

    dialog.draft_button.click()
    qtbot.waitUntil(lambda: not dialog.busy and dialog.outcome.text().startswith("Saved the draft"))
    assert suggested[0].name == "BRF-2024-0017-ed1.eml"
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert message["X-Unsent"] == "1" and message["From"] == SENDER
    assert message["To"] == "Desk Officer <desk@agency.example>"
    [(kind, name, payload)] = attachments(message)
    assert (kind, name) == (DOCX, "BRF-2024-0017-ed1.docx") and payload.startswith(b"PK")
    assert Ledger.for_data_dir(keychain.data_dir).entries()[-1].action == "draft"


def test_every_control_of_the_send_dialog_has_an_accessible_name(qtbot, model, keychain, book, settings):
    dialog = make_send_dialog(qtbot, model, keychain, book, settings)
    add_recipient(dialog, "desk@agency.example")
    assert unnamed_controls(dialog) == []


# -- wired into the main window ------------------------------------------------------------------
def test_the_actions_install_into_the_window_and_warn_about_a_missing_keychain(
    qtbot, archive, settings, no_keychain, book
):
    window = MainWindow(archive=archive, settings=settings, keychain=no_keychain)
    qtbot.addWidget(window)
    actions = window.distribution
    menu_bar = window.menuBar()
    briefing_menu = next(a.menu() for a in menu_bar.actions() if a.text() == "&Briefing")
    settings_menu = next(a.menu() for a in menu_bar.actions() if a.text() == "&Settings")
    assert [a.text() for a in settings_menu.actions()] == ["&Accounts\u2026", "&Feeds\u2026"]
    assert [a.text() for a in menu_bar.actions()][-2:] == ["&Settings", "&Help"]  # Help stays last
    assert briefing_menu.actions()[-1] is actions.send_action
    assert actions.send_action.shortcut().toString() == "Ctrl+Shift+M"

    book.put(smtp_account(None, port=587))  # a password is needed: the missing keychain is news
    messages: list[str] = []
    actions.message.connect(messages.append)
    actions.start()
    qtbot.waitUntil(lambda: actions.keychain_notice is not None and actions.keychain_notice.isVisible())
    notice = actions.keychain_notice
    assert notice is not None
    assert "No system keychain was found" in notice.informativeText()
    assert messages and "Settings \u2192 Accounts" in messages[0]
    [keep] = [b for b in notice.buttons() if b.accessibleName() == "Keep passwords for this session only"]
    keep.click()
    assert no_keychain.session_only

    actions.send_action.trigger()
    assert actions.send_dialog is not None and actions.send_dialog.isVisible()
    assert actions.send_dialog.account.currentText() == "work"
    actions.send_dialog.accounts_button.click()
    assert actions.accounts_dialog is not None and actions.accounts_dialog.isVisible()
    actions.shutdown()


def test_a_chosen_encrypted_file_gets_a_reminder_not_a_warning(
    qtbot, make_window, archive, settings, no_keychain, book, data_dir
):
    locked = data_dir / "briefer-keyring.cfg"
    locked.parent.mkdir(parents=True, exist_ok=True)
    locked.write_bytes(b"encrypted")
    BackendChoice("encrypted-file", locked).save(data_dir)
    book.put(smtp_account(None, port=587))
    window = make_window()
    actions = DistributionActions(window, archive, window.session, settings, keychain=no_keychain)
    messages: list[str] = []
    actions.message.connect(messages.append)
    actions.check_keychain()
    qtbot.waitUntil(lambda: bool(messages))
    assert messages == ["Your passwords are in an encrypted file: unlock it in Settings \u2192 Accounts."]
    assert actions.keychain_notice is None
    actions.shutdown()


def test_a_usable_keychain_is_no_news(qtbot, make_window, archive, settings, keychain):
    window = make_window()
    actions = DistributionActions(window, archive, window.session, settings, keychain=keychain)
    actions.check_keychain()
    qtbot.waitUntil(lambda: not actions._keychain_check.busy)
    assert actions.keychain_notice is None
    actions.shutdown()


# -- Settings → Feeds ---------------------------------------------------------------------------
class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def feed_server() -> Iterator[str]:
    """The State Department feeds over HTTP on loopback; yields the base URL."""
    folder = corpus_path("state-dept", "feeds")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


MAY_2021 = "state_gov_press_releases_dbdf3ea9.rss.xml"


@pytest.fixture
def feeds(archive: Archive, keychain: Keychain) -> Iterator[tuple[FeedScheduler, FeedBook]]:
    book = FeedBook.for_data_dir(archive.data_dir)
    scheduler = FeedScheduler(archive, book, keychain)
    yield scheduler, book
    scheduler.shutdown()


def open_feeds(qtbot: Any, scheduler: FeedScheduler, book: FeedBook, keychain: Keychain) -> FeedsDialog:
    dialog = FeedsDialog(scheduler, book, keychain)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_feeds_are_added_listed_and_fetched_into_the_archive(qtbot, feeds, keychain, archive, feed_server):
    scheduler, book = feeds
    dialog = open_feeds(qtbot, scheduler, book, keychain)
    assert dialog.feeds.rowCount() == 0
    dialog.name.setText("State Department")
    dialog.url.setText(f"{feed_server}/{MAY_2021}")
    dialog.interval.setValue(120)
    dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.outcome.text().startswith("Subscribed"))
    assert dialog.feeds.rowCount() == 1
    cells = [dialog.feeds.item(0, c).text() for c in range(dialog.feeds.columnCount())]
    assert cells == ["State Department", f"{feed_server}/{MAY_2021}", "2 h", "", "not fetched yet"]

    with qtbot.waitSignal(scheduler.fetched, timeout=30_000) as fetched:
        assert dialog.fetch_now()
    [result] = fetched.args[0]
    assert (result.status, result.imported) == ("new", 10)
    assert dialog.feeds.item(0, 4).text() == "10 new entries"
    assert dialog.feeds.item(0, 3).text() != ""
    assert dialog.outcome.text() == "1 feed fetched: 10 new entries"
    assert archive.stats().documents == 10
    assert not book.get("State Department").due(datetime.now(UTC))


def test_a_failing_feed_shows_its_error_and_removal_keeps_the_entries(
    qtbot, feeds, keychain, feed_server, monkeypatch
):
    scheduler, book = feeds
    book.add(Subscription("Gone", f"{feed_server}/no-such-feed.xml"))
    dialog = open_feeds(qtbot, scheduler, book, keychain)
    with qtbot.waitSignal(scheduler.fetched, timeout=30_000):
        dialog.fetch_now()
    status = dialog.feeds.item(0, 4).text()
    assert status.startswith("failed:") and "404" in status
    assert "Gone:" in dialog.outcome.text()

    monkeypatch.setattr(feeds_dialog.RemoveFeed, "ask", lambda parent, name: True)
    dialog.feeds.selectRow(0)
    dialog.remove_button.click()
    qtbot.waitUntil(lambda: dialog.outcome.text().startswith("Unsubscribed"))
    assert book.all() == [] and dialog.feeds.rowCount() == 0


def test_a_feed_login_goes_to_the_keychain_not_the_feeds_file(qtbot, feeds, keychain, memory, data_dir):
    scheduler, book = feeds
    dialog = open_feeds(qtbot, scheduler, book, keychain)
    dialog.name.setText("Private")
    dialog.url.setText("https://feeds.agency.example/private.xml")
    dialog.user.setText("analyst")
    dialog.secret.setText("feed-secret-77aa")
    dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.outcome.text().startswith("Subscribed"))
    assert dialog.secret.text() == ""
    assert book.get("Private").account == "Private"
    assert memory.store == {("Briefer", "Private"): "feed-secret-77aa"}
    assert keychain.store.ref("Private") is not None and keychain.store.ref("Private").kind == "basic"
    assert files_holding(data_dir, "feed-secret-77aa") == []


def test_the_scheduler_waits_for_a_running_import_and_fetches_at_the_next_tick(
    qtbot, archive, keychain, feed_server
):
    book = FeedBook.for_data_dir(archive.data_dir)
    book.add(Subscription("State Department", f"{feed_server}/{MAY_2021}", interval_minutes=60))
    importing = [True]
    scheduler = FeedScheduler(archive, book, keychain, archive_busy=lambda: importing[0], interval_ms=50)
    messages: list[str] = []
    scheduler.message.connect(messages.append)
    try:
        assert not scheduler.tick()  # due (never fetched), but an import runs
        assert scheduler.waiting == ["State Department"]
        assert "the feeds will be fetched at the next check" in messages[-1]
        importing[0] = False
        with qtbot.waitSignal(scheduler.fetched, timeout=30_000) as fetched:
            scheduler.start()  # the timer's next tick
        assert [r.imported for r in fetched.args[0]] == [10]
        assert scheduler.waiting is None
        assert not scheduler.tick()  # fetched just now: not due again for an hour
    finally:
        scheduler.shutdown()


def test_an_archive_busy_in_another_process_is_retried(qtbot, archive, keychain, feed_server, monkeypatch):
    book = FeedBook.for_data_dir(archive.data_dir)
    book.add(Subscription("State Department", f"{feed_server}/{MAY_2021}", interval_minutes=0))
    scheduler = FeedScheduler(archive, book, keychain)

    def busy(*args: Any, **kwargs: Any) -> Any:
        raise ArchiveBusy("another Briefer is importing into this archive; try again when it is done")

    monkeypatch.setattr(feeds_dialog, "fetch_feeds", busy)
    messages: list[str] = []
    scheduler.message.connect(messages.append)
    try:
        with qtbot.waitSignal(scheduler.fetched, timeout=10_000):
            assert scheduler.fetch()
        assert scheduler.waiting == ["State Department"]  # on-demand feeds too: asked for, so retried
        assert "next check" in messages[-1]
    finally:
        scheduler.shutdown()


def test_every_control_of_the_feeds_dialog_has_an_accessible_name(qtbot, feeds, keychain):
    scheduler, book = feeds
    book.add(Subscription("Gone", "http://127.0.0.1:9/feed.xml"))
    dialog = open_feeds(qtbot, scheduler, book, keychain)
    assert unnamed_controls(dialog) == []


def test_a_quote_whose_source_changed_stops_the_draft_until_sending_unverified_is_ticked(
    qtbot, keychain, book, settings, tmp_path, monkeypatch
):
    from briefer.core.briefing.excerpts import excerpt_from_quote
    from briefer.core.documents import Document

    captured = Document(
        id="d1", title="Pact", text="Officials said they would respond firmly.", text_hash="a" * 64
    )
    today = Document(
        id="d1", title="Pact", text="Officials said they would respond softly.", text_hash="b" * 64
    )
    briefing = templates.new_briefing(templates.load("spot"), title="Pact")
    edits.add_block(briefing, briefing.sections[0].id, excerpt_from_quote(captured, "respond firmly"))
    model = BriefingModel(briefing, QUndoStack())
    ledger = Ledger.for_data_dir(keychain.data_dir)
    dialog = SendDialog(
        model, keychain=keychain, book=book, ledger=ledger, settings=settings, lookup={"d1": today}.get
    )
    qtbot.addWidget(dialog)
    add_recipient(dialog, "desk@agency.example")
    eml = tmp_path / "draft.eml"
    monkeypatch.setattr(send_dialog.DraftFile, "ask", lambda parent, path: eml)

    dialog.draft_button.click()
    qtbot.waitUntil(lambda: not dialog.busy and dialog.outcome.text().startswith("The draft was not saved"))
    assert (
        "1 problem must be fixed first" in dialog.outcome.text() and "respond firmly" in dialog.outcome.text()
    )
    assert dialog.findings.findings()[0].code == "unverified-quote"
    assert "Send even if quotes no longer match their sources" in dialog.outcome.text()
    assert not eml.exists()
    dialog.allow_unverified.setChecked(True)
    dialog.draft_button.click()
    qtbot.waitUntil(lambda: not dialog.busy and dialog.outcome.text().startswith("Saved the draft"))
    # The spot brief's other sections are empty: the release gate's warnings are listed, not in the way.
    warned = dialog.findings.findings()
    assert warned and {f.severity for f in warned} == {"warning"} and dialog.findings.isVisibleTo(dialog)
    assert "warning(s), listed below" in dialog.outcome.text()
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    [(_, _, payload)] = attachments(message)
    (tmp_path / "sent.docx").write_bytes(payload)
    footnotes = zipfile.ZipFile(tmp_path / "sent.docx").read("word/footnotes.xml").decode()
    assert "(unverified)" not in footnotes  # recipients get a distribution copy
