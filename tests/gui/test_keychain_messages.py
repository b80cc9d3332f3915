"""What the window says about the keychain: its own controls, once per situation, and the same
choice of store as `briefer credentials backend`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail
from PySide6.QtCore import QSettings

from briefer.core.credentials import BackendChoice, CredentialStore, KeychainProblem
from briefer.core.distribution.accounts import AccountBook, SmtpAccount
from briefer.gui.distribution.accounts_dialog import AccountsDialog
from briefer.gui.distribution.actions import DistributionActions
from briefer.gui.distribution.keychain import (
    ENCRYPTED_FILE_KEY,
    UNLOCK_ENCRYPTED_FILE,
    USE_ENCRYPTED_FILE,
    Keychain,
)
from tests.core.cli_support import Cli
from tests.core.smtp_server import MemoryKeyring

FILE_PASSWORD = "file-pass-3d9a"


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        import keyring.errors

        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


def keychain_on(data_dir: Path, settings: QSettings, backend: Any) -> Keychain:
    return Keychain(data_dir, settings, system=CredentialStore.for_data_dir(data_dir, backend))


def start(qtbot: Any, make_window: Any, archive: Any, settings: QSettings, keychain: Keychain) -> list[str]:
    """One start of the window's distribution actions: the status bar lines its keychain check gave."""
    window = make_window()
    actions = DistributionActions(window, archive, window.session, settings, keychain=keychain)
    lines: list[str] = []
    actions.message.connect(lines.append)
    actions.check_keychain()
    qtbot.waitUntil(lambda: not actions._keychain_check.busy)
    qtbot.wait(10)  # the result is delivered on the GUI thread
    if actions.keychain_notice is not None:
        lines.append("(notice)")
        actions.keychain_notice.close()
    actions.shutdown()
    return lines


def test_the_keychain_warning_is_shown_once_until_the_situation_changes(
    qtbot, make_window, archive, settings, data_dir
) -> None:
    """Issue #17: the status bar repeated the keychain warning on every start."""
    AccountBook.for_data_dir(data_dir).put(
        SmtpAccount("work", "smtp.agency.example", 587, "starttls", "alice", "a@agency.example")
    )
    first = start(qtbot, make_window, archive, settings, keychain_on(data_dir, settings, fail.Keyring()))
    assert first == ["No system keychain was found: see Settings \u2192 Accounts.", "(notice)"]
    settings.sync()
    again = start(qtbot, make_window, archive, settings, keychain_on(data_dir, settings, fail.Keyring()))
    assert again == []  # the next start: the same situation, nothing new to say

    locked = start(qtbot, make_window, archive, settings, keychain_on(data_dir, settings, LockedKeyring()))
    assert locked == ["The system keychain is locked: see Settings \u2192 Accounts.", "(notice)"]
    fixed = start(qtbot, make_window, archive, settings, keychain_on(data_dir, settings, MemoryKeyring()))
    assert fixed == []
    broken_again = start(
        qtbot, make_window, archive, settings, keychain_on(data_dir, settings, fail.Keyring())
    )
    assert broken_again[0] == "No system keychain was found: see Settings \u2192 Accounts."


def test_the_window_words_keychain_problems_with_its_own_controls(qtbot, settings, data_dir) -> None:
    keychain = keychain_on(data_dir, settings, fail.Keyring())
    status = keychain.check()
    assert status.problem is KeychainProblem.NOT_FOUND
    assert f"{USE_ENCRYPTED_FILE} in Settings \u2192 Accounts" in status.message
    assert "briefer credentials" not in status.message  # a command line is not where this is read
    dialog = AccountsDialog(keychain, AccountBook.for_data_dir(data_dir))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "Checking" not in dialog.keychain_status.text())
    assert dialog.encrypted_button.isVisible() and dialog.encrypted_button.text() == USE_ENCRYPTED_FILE
    dialog.close()

    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "briefer-keyring.cfg").write_bytes(b"encrypted")
    BackendChoice("encrypted-file").save(data_dir)
    status = keychain.check()
    assert status.problem is KeychainProblem.ENCRYPTED_FILE_LOCKED
    assert "which is not unlocked yet" in status.message
    assert f"Unlock it with {UNLOCK_ENCRYPTED_FILE} in Settings \u2192 Accounts." in status.message
    dialog = AccountsDialog(keychain, AccountBook.for_data_dir(data_dir))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "Checking" not in dialog.keychain_status.text())
    assert dialog.encrypted_button.text() == UNLOCK_ENCRYPTED_FILE
    dialog.close()


@pytest.fixture
def cheap_encrypted_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """keyrings.cryptfile with a cheap key derivation: each unlock costs seconds otherwise."""
    cryptfile = pytest.importorskip("keyrings.cryptfile.cryptfile")
    for name, value in (("time_cost", 1), ("memory_cost", 64), ("parallelism", 1)):
        monkeypatch.setattr(cryptfile.CryptFileKeyring, name, value)


def test_the_window_uses_the_encrypted_file_the_command_line_chose(
    qtbot, settings, data_dir, capsys, monkeypatch, cheap_encrypted_file
) -> None:
    monkeypatch.setattr("briefer.cli.distribution._on_a_terminal", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: FILE_PASSWORD)
    cli = Cli(data_dir, capsys, monkeypatch)
    assert cli("credentials", "backend", "use", "encrypted-file") == 0, cli.err
    assert cli("credentials", "set", "work", stdin="smtp-secret-81f0") == 0, cli.err

    keychain = keychain_on(data_dir, settings, fail.Keyring())
    assert (
        keychain.encrypted_file_chosen
        and keychain.encrypted_file == (data_dir / "briefer-keyring.cfg").resolve()
    )
    assert keychain.secret("work") is None  # locked until its password is typed
    keychain.use_encrypted(keychain.open_encrypted_file(FILE_PASSWORD))
    assert keychain.secret("work") == "smtp-secret-81f0"

    assert cli("credentials", "backend", "use", "system") == 0
    assert not keychain_on(data_dir, settings, fail.Keyring()).encrypted_file_chosen


def test_an_encrypted_file_chosen_by_an_earlier_version_is_kept_for_both_front_ends(
    settings, data_dir, capsys, monkeypatch
) -> None:
    earlier = data_dir / "keys" / "old.cfg"
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"encrypted")
    settings.setValue(ENCRYPTED_FILE_KEY, str(earlier))
    keychain = keychain_on(data_dir, settings, fail.Keyring())
    assert keychain.encrypted_file_chosen and keychain.encrypted_file == earlier
    assert settings.value(ENCRYPTED_FILE_KEY) is None
    cli = Cli(data_dir, capsys, monkeypatch)
    assert cli("credentials", "backend", "show") == 0
    assert cli.out.startswith("encrypted-file:") and f"{earlier.resolve()} (exists)" in cli.out
