"""Settings → Accounts…, Settings → Feeds…, Briefing → Send…: the actions, their dialogs, the feed schedule.

`DistributionActions` builds the three actions and opens each dialog on
demand (non-modal, one of each, kept while the window lives so a send or a
fetch in flight can finish after its dialog is closed).  At start it checks the
keychain in the background: when none is usable and passwords are in use, it
says so in plain words with what to do, and offers to keep passwords for this
session only (once: a later start with the same problem stays quiet, see
`Keychain.news`); it then starts the feed schedule.  The window wires it in with
`install(menu bar, briefing menu)`, `start()` and `shutdown()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, QSettings, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QMenuBar, QMessageBox, QWidget

from briefer.core.archive import Archive
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.credentials import BackendStatus
from briefer.core.distribution.accounts import AccountBook, AccountError
from briefer.core.distribution.ledger import Ledger
from briefer.core.distribution.subscriptions import FeedBook, FeedError, FetchResult
from briefer.core.progress import Progress
from briefer.gui.briefing.session import BriefingSession
from briefer.gui.distribution.accounts_dialog import AccountsDialog
from briefer.gui.distribution.feeds_dialog import FeedScheduler, FeedsDialog
from briefer.gui.distribution.keychain import Keychain
from briefer.gui.job_runner import JobRunner

if TYPE_CHECKING:  # loaded when first opened: it brings the Word export (python-docx)
    from briefer.gui.distribution.send_dialog import SendDialog

BusyCheck = Callable[[], bool]


def _never_busy() -> bool:
    return False


def passwords_in_use(accounts: AccountBook, feeds: FeedBook, keychain: Keychain) -> bool:
    """Whether anything set up needs a stored secret (otherwise a missing keychain is no news)."""
    try:
        return (
            any(a.user for a in accounts.all())
            or any(f.account for f in feeds.all())
            or bool(keychain.system.accounts())
        )
    except (AccountError, FeedError, ValueError):
        return True  # an unreadable settings file: better to say what is wrong with the keychain too


Dialog = TypeVar("Dialog", bound=QDialog)


def _present(dialog: Dialog) -> Dialog:
    """Show a non-modal dialog (never blocking), or bring it to the front when it is open."""
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def _settings_menu(menu_bar: QMenuBar) -> QMenu:
    menu = QMenu("&Settings", menu_bar)
    help_menu = next((a for a in menu_bar.actions() if a.text().replace("&", "") == "Help"), None)
    if help_menu is None:
        menu_bar.addMenu(menu)
    else:
        menu_bar.insertMenu(help_menu, menu)
    return menu


class DistributionActions(QObject):
    message = Signal(str)  # a one-line outcome for the status bar
    block_chosen = Signal(str)  # a release finding chosen in the send dialog: select that block
    archive_changed = Signal()  # feeds imported entries: search again
    accounts_changed = Signal()

    def __init__(
        self,
        window: QWidget,
        archive: Archive,
        session: BriefingSession,
        settings: QSettings,
        *,
        keychain: Keychain | None = None,
        archive_busy: BusyCheck = _never_busy,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._archive = archive
        self._session = session
        self._settings = settings
        self.keychain = keychain or Keychain(archive.data_dir, settings, parent=self)
        self.accounts = AccountBook.for_data_dir(archive.data_dir)
        self.feeds = FeedBook.for_data_dir(archive.data_dir)
        self.ledger = Ledger.for_data_dir(archive.data_dir)
        self.scheduler = FeedScheduler(
            archive, self.feeds, self.keychain, archive_busy=archive_busy, parent=self
        )
        self.accounts_dialog: AccountsDialog | None = None
        self.feeds_dialog: FeedsDialog | None = None
        self.send_dialog: SendDialog | None = None
        self.keychain_notice: QMessageBox | None = None
        self._keychain_check = JobRunner(parent=self)

        self.accounts_action = self._action(
            "&Accounts\u2026", "SMTP accounts for sending briefings, and where passwords are kept"
        )
        self.feeds_action = self._action(
            "&Feeds\u2026", "Feed subscriptions, fetched into the archive while Briefer runs"
        )
        self.send_action = self._action(
            "Sen&d\u2026", "E-mail the briefing as a Word attachment, or save a draft"
        )
        self.send_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        window.addAction(self.send_action)  # the shortcut works wherever the focus is
        self.accounts_action.triggered.connect(self.show_accounts_dialog)
        self.feeds_action.triggered.connect(self.show_feeds_dialog)
        self.send_action.triggered.connect(self.show_send_dialog)
        self.scheduler.message.connect(self.message)
        self.scheduler.fetched.connect(self._on_fetched)

    def _action(self, text: str, tip: str) -> QAction:
        action = QAction(text, self._window)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        return action

    def install(self, settings_menu: QMenu | QMenuBar, briefing_menu: QMenu) -> QMenu:
        """Accounts… and Feeds… into `settings_menu`, Send… into `briefing_menu`.

        Given the menu bar, a Settings menu is added to it (before Help, if there
        is one); returns the menu used.
        """
        menu = _settings_menu(settings_menu) if isinstance(settings_menu, QMenuBar) else settings_menu
        menu.addActions([self.accounts_action, self.feeds_action])
        briefing_menu.addSeparator()
        briefing_menu.addAction(self.send_action)
        return menu

    # -- start and stop ---------------------------------------------------------------------
    def start(self) -> None:
        """Check the keychain (in the background) and start fetching feeds that are due."""
        self.check_keychain()
        self.scheduler.start()

    def check_keychain(self) -> None:
        keychain = self.keychain

        def job(progress: Progress, cancel: threading.Event) -> BackendStatus:
            return keychain.check()

        self._keychain_check.run(job, self._on_keychain_checked)

    def _on_keychain_checked(self, status: object) -> None:
        assert isinstance(status, BackendStatus)
        news = self.keychain.news(status)  # None when it works, or at a later start with the same problem
        if news is None:
            return
        self.message.emit(news)
        if self.keychain.encrypted_file_chosen:  # the user chose the encrypted file: a reminder only
            return
        if passwords_in_use(self.accounts, self.feeds, self.keychain):
            self.show_keychain_notice(status)

    def show_keychain_notice(self, status: BackendStatus) -> QMessageBox:
        """Say what is wrong and what to do; offer memory-only passwords.  Non-modal (open())."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Passwords cannot be stored",
            "Briefer cannot keep your passwords in a keychain.",
            QMessageBox.StandardButton.NoButton,
            self._window,
        )
        box.setInformativeText(status.message)
        session_button = box.addButton(
            "Keep Passwords for This Session Only", QMessageBox.ButtonRole.AcceptRole
        )
        session_button.setAccessibleName("Keep passwords for this session only")
        settings_button = box.addButton("Accounts\u2026", QMessageBox.ButtonRole.ActionRole)
        settings_button.setAccessibleName("Open the accounts settings")
        later = box.addButton("Not Now", QMessageBox.ButtonRole.RejectRole)
        later.setAccessibleName("Not now")
        session_button.clicked.connect(self.keychain.keep_in_memory_only)
        settings_button.clicked.connect(self.show_accounts_dialog)
        box.finished.connect(box.deleteLater)
        self.keychain_notice = box
        box.open()
        return box

    def shutdown(self) -> None:
        """Stop the feed schedule and wait for anything in flight: the archive closes next."""
        self.scheduler.shutdown()
        for dialog in (self.accounts_dialog, self.feeds_dialog, self.send_dialog):
            if dialog is not None:
                dialog.wait()
        self._keychain_check.wait()

    # -- the dialogs ------------------------------------------------------------------------
    @Slot()
    def show_accounts_dialog(self) -> AccountsDialog:
        if self.accounts_dialog is None:
            self.accounts_dialog = AccountsDialog(self.keychain, self.accounts, parent=self._window)
            self.accounts_dialog.accounts_changed.connect(self.accounts_changed)
        self.accounts_dialog.reload()
        return _present(self.accounts_dialog)

    @Slot()
    def show_feeds_dialog(self) -> FeedsDialog:
        if self.feeds_dialog is None:
            self.feeds_dialog = FeedsDialog(self.scheduler, self.feeds, self.keychain, parent=self._window)
        self.feeds_dialog.reload()
        return _present(self.feeds_dialog)

    @Slot()
    def show_send_dialog(self) -> SendDialog:
        if self.send_dialog is None:
            from briefer.gui.distribution.send_dialog import SendDialog

            dialog = SendDialog(
                self._session.model,
                keychain=self.keychain,
                book=self.accounts,
                ledger=self.ledger,
                settings=self._settings,
                lookups=ArchiveLookups.of(self._archive),
                parent=self._window,
            )
            dialog.sent.connect(self.message)
            dialog.findings.block_chosen.connect(self.block_chosen)
            dialog.accounts_requested.connect(self.show_accounts_dialog)
            self.accounts_changed.connect(dialog.reload_accounts)
            self.send_dialog = dialog
        self.send_dialog.reload_accounts()
        return _present(self.send_dialog)  # the briefing can be edited (and undone) beside it

    @Slot(object)
    def _on_fetched(self, results: object) -> None:
        if isinstance(results, list) and any(isinstance(r, FetchResult) and r.imported for r in results):
            self.archive_changed.emit()
