"""Settings → Feeds: subscriptions with their last status, add, remove, "Fetch Now"; and the scheduler.

`FeedScheduler` checks once a minute, while the window is open, which feeds
are due (`FeedBook.due`) and fetches them in the background, one fetch at a
time; "Fetch Now" goes through it too.  Fetching imports into the archive, and
only one import runs at a time: when one is running (the window's import
flow, or another Briefer: ArchiveBusy) the fetch waits for the next check and
says so.

A feed's login (user name and password, or a token) goes straight into the
keychain in use under the feed's name; the feeds file keeps only that name.
It is sent only over https:// or to this machine, unless the user ticks
"Allow the login over plain http://" and confirms.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from briefer.core.archive import Archive, ArchiveBusy
from briefer.core.credentials import CredentialStore, CredentialsUnavailable
from briefer.core.distribution.subscriptions import (
    FeedBook,
    FeedError,
    FetchResult,
    InsecureFeed,
    Subscription,
    check_subscription,
    fetch_feeds,
    login_in_clear,
)
from briefer.core.progress import Progress
from briefer.gui.advice import ALLOW_INSECURE, feed_advice, in_words, joined
from briefer.gui.distribution.keychain import Keychain
from briefer.gui.formatting import plain_tooltip
from briefer.gui.job_runner import JobRunner

CHECK_EVERY_MS = 60_000  # feed intervals are in minutes
DEFAULT_INTERVAL = 60
COLUMNS = ("Name", "Address", "Every", "Last fetch", "Status")

Clock = Callable[[], datetime]
BusyCheck = Callable[[], bool]


def _now() -> datetime:
    return datetime.now(UTC)


def _never_busy() -> bool:
    return False


# -- plain functions the dialog's jobs run --------------------------------------------------
def subscribe(
    book: FeedBook, store: CredentialStore, sub: Subscription, user: str, secret: str
) -> tuple[Subscription, str]:
    """Add the feed; with a secret, store its login under the feed's name.  Returns it and a note.

    FeedError (InsecureFeed for a login it would send in clear) before anything is stored.
    """
    if not secret:
        return book.add(sub), ""
    check_subscription(replace(sub, account=sub.name))
    added = book.add(sub)
    try:
        store.set(added.name, secret, kind="basic" if user else "bearer", username=user)
    except CredentialsUnavailable as exc:
        return added, f"Its login was not stored, so it is fetched without one: {exc}"
    return book.put(replace(added, account=added.name)), ""


def unsubscribe(book: FeedBook, store: CredentialStore, name: str) -> str:
    """Remove the feed (its imported entries stay) and the login stored for it; returns a note."""
    sub = book.get(name)
    book.remove(name)
    if sub.account != sub.name:  # a credential it did not create here, perhaps shared: leave it
        return ""
    try:
        store.delete(sub.account)
    except CredentialsUnavailable as exc:
        return f"Its login could not be deleted from the keychain: {exc}"
    return ""


def describe_interval(minutes: int) -> str:
    if minutes <= 0:
        return "on demand"
    if minutes % 1440 == 0:
        return f"{minutes // 1440} d"
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def describe_status(sub: Subscription) -> str:
    if not sub.last_status:
        return "not fetched yet"
    if sub.last_status == "error":
        return f"failed: {sub.last_error}"
    if sub.last_status == "not modified":
        return "no change"
    return f"{sub.last_new} new {'entry' if sub.last_new == 1 else 'entries'}"


def last_error_in_words(sub: Subscription) -> str:
    """The last fetch's error with what to do about it in this window ("" after a good fetch)."""
    return joined(sub.last_error, feed_advice(sub.problem)) if sub.last_error else ""


def describe_checked(sub: Subscription) -> str:
    try:
        return datetime.fromisoformat(sub.last_checked).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return ""


def describe_results(results: list[FetchResult]) -> str:
    """One line: "3 feeds fetched: 12 new entries; Policy: unreachable (…)"."""
    imported = sum(r.imported for r in results)
    failed = [
        f"{r.name}: {joined(r.message, feed_advice(r.problem, r.keychain), capitalised=False)}"
        for r in results
        if r.failed
    ]
    feeds = f"{len(results)} feed{'s' if len(results) != 1 else ''}"
    line = f"{feeds} fetched: {imported} new entr{'y' if imported == 1 else 'ies'}"
    return "; ".join([line, *failed])


# -- the scheduler --------------------------------------------------------------------------------
class FeedScheduler(QObject):
    """Fetches due feeds while the app runs, and on demand; one fetch at a time."""

    fetched = Signal(object)  # list[FetchResult]
    message = Signal(str)  # plain words for the status bar
    busy_changed = Signal(bool)

    def __init__(
        self,
        archive: Archive,
        book: FeedBook,
        keychain: Keychain,
        *,
        archive_busy: BusyCheck = _never_busy,
        clock: Clock = _now,
        interval_ms: int = CHECK_EVERY_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._archive = archive
        self._book = book
        self._keychain = keychain
        self._archive_busy = archive_busy
        self._clock = clock
        self._waiting: list[str] | None = None  # asked for while the archive was busy: fetched next tick
        self._cancel: threading.Event | None = None
        self._running: list[str] = []
        self._jobs = JobRunner(expected=(ArchiveBusy, FeedError, OSError), parent=self)
        self._jobs.busy_changed.connect(self.busy_changed)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)

    @property
    def busy(self) -> bool:
        return self._jobs.busy

    @property
    def waiting(self) -> list[str] | None:
        return self._waiting

    def start(self) -> None:
        self.timer.start()

    @Slot()
    def tick(self) -> bool:
        """Fetch what waited for the archive, plus every feed that is due; True when a fetch started."""
        if self.busy:  # a long fetch: the next tick will do
            return False
        try:
            due = [s.name for s in self._book.due(self._clock())]
        except FeedError as exc:
            self.message.emit(f"Feeds: {in_words(exc)}")
            return False
        names = list(dict.fromkeys([*(self._waiting or []), *due]))
        return bool(names) and self.fetch(names)

    def fetch(self, names: list[str] | None = None) -> bool:
        """Fetch `names` (every feed when None) in the background; False when it has to wait."""
        try:
            names = names if names is not None else [s.name for s in self._book.all()]
        except FeedError as exc:
            self.message.emit(f"Feeds: {in_words(exc)}")
            return False
        if not names:
            return False
        if self.busy:
            self.message.emit("Feeds are being fetched already.")
            return False
        if self._archive_busy():
            self._wait_for_archive(names)
            return False
        archive, book, store = self._archive, self._book, self._keychain.store
        cancel = self._cancel = threading.Event()

        def job(progress: Progress, _: threading.Event) -> list[FetchResult]:
            return fetch_feeds(archive, book, store, names, progress=progress, cancel=cancel)

        self._waiting, self._running = None, names
        self.message.emit(f"Fetching {len(names)} feed{'s' if len(names) != 1 else ''}\u2026")
        return self._jobs.run(job, self._on_fetched, self._on_failed)

    def _wait_for_archive(self, names: list[str]) -> None:
        self._waiting = list(dict.fromkeys([*(self._waiting or []), *names]))
        self.message.emit(
            "Feeds: an import into the archive is running; the feeds will be fetched at the next check, "
            "within a minute."
        )

    def _on_fetched(self, results: object) -> None:
        assert isinstance(results, list)
        self.message.emit(describe_results(results))
        self.fetched.emit(results)

    def _on_failed(self, exc: object) -> None:
        if isinstance(exc, ArchiveBusy):  # another Briefer, or an import that started meanwhile
            self._wait_for_archive(self._running)
        else:
            self.message.emit(f"Fetching the feeds failed: {exc}")
        self.fetched.emit([])

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def shutdown(self) -> None:
        """Stop the schedule, cancel a fetch and wait for it: the archive closes next."""
        self.timer.stop()
        self.cancel()
        self._jobs.wait()


# -- the dialog ----------------------------------------------------------------------------------
class RemoveFeed:
    @classmethod
    def ask(cls, parent: QWidget | None, name: str) -> bool:
        answer = QMessageBox.question(
            parent,
            "Remove feed",
            f"Unsubscribe from \u201c{name}\u201d? The entries already imported stay in the archive.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes


class ConfirmInsecureFeed:
    @classmethod
    def ask(cls, parent: QWidget | None, url: str) -> bool:
        answer = QMessageBox.warning(
            parent,
            "Send the login unencrypted?",
            f"{url} is not an https:// address: the feed's user name and password or token would "
            "travel unencrypted, readable by anyone on the network in between.\n\n"
            "Subscribe anyway and send the login this way on every fetch?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes


class FeedsDialog(QDialog):
    feeds_changed = Signal()

    def __init__(
        self, scheduler: FeedScheduler, book: FeedBook, keychain: Keychain, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Feeds")
        self.setAccessibleName("Feeds")
        self._scheduler = scheduler
        self._book = book
        self._keychain = keychain
        self._jobs = JobRunner(expected=(FeedError, CredentialsUnavailable, OSError), parent=self)

        self.feeds = QTableWidget(0, len(COLUMNS))
        self.feeds.setAccessibleName("Feed subscriptions")
        self.feeds.setHorizontalHeaderLabels(list(COLUMNS))
        self.feeds.verticalHeader().setVisible(False)
        self.feeds.horizontalHeader().setAccessibleName("Feed columns")
        self.feeds.verticalHeader().setAccessibleName("Feed rows")
        self.feeds.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.feeds.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.feeds.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.fetch_button = QPushButton("&Fetch Now")
        self.fetch_button.setAccessibleName("Fetch now")
        self.fetch_button.setToolTip("Fetch the selected feeds, or all of them when none is selected")
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setAccessibleName("Remove the selected feed")
        list_buttons = QHBoxLayout()
        list_buttons.addWidget(self.fetch_button)
        list_buttons.addWidget(self.remove_button)
        list_buttons.addStretch(1)

        self._build_form()
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Fetching")
        self.progress.setRange(0, 0)
        self.progress.setVisible(scheduler.busy)
        self.outcome = QLabel()
        self.outcome.setObjectName("feedsOutcome")
        self.outcome.setAccessibleName("Outcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.PlainText)  # addresses look like tags
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Feeds are fetched while Briefer runs; new entries go into the archive."))
        layout.addWidget(self.feeds, 1)
        layout.addLayout(list_buttons)
        layout.addWidget(self.form_box)
        layout.addWidget(self.progress)
        layout.addWidget(self.outcome)
        layout.addWidget(buttons)
        self.resize(820, 580)

        self.fetch_button.clicked.connect(self.fetch_now)
        self.remove_button.clicked.connect(self.remove_selected)
        self.add_button.clicked.connect(self.add_feed)
        scheduler.busy_changed.connect(self._set_busy)
        scheduler.message.connect(self.outcome.setText)
        scheduler.fetched.connect(self.reload)
        self._jobs.busy_changed.connect(self._set_busy)
        self.reload()

    def _build_form(self) -> None:
        self.form_box = QGroupBox("Subscribe to a feed")
        self.name = self._field("Feed name", "e.g. State Department")
        self.url = self._field("Feed address", "https://example.org/feed.xml")
        self.interval = QSpinBox()
        self.interval.setAccessibleName("Fetch every")
        self.interval.setRange(0, 7 * 1440)
        self.interval.setSingleStep(15)
        self.interval.setValue(DEFAULT_INTERVAL)
        self.interval.setSuffix(" min")
        self.interval.setSpecialValueText("only when I ask")
        self.user = self._field("Feed user name", "only if the feed needs a login")
        self.secret = self._field("Feed password or token", "stored in the keychain, never in a file")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.allow_insecure = QCheckBox(ALLOW_INSECURE)
        self.allow_insecure.setAccessibleName("Allow the login over plain http")
        self.allow_insecure.setToolTip(
            "Only for a feed that has no https:// address: its login can then be read on the network"
        )
        self.add_button = QPushButton("&Subscribe")
        self.add_button.setAccessibleName("Subscribe to the feed")
        form = QFormLayout(self.form_box)
        form.addRow("&Name:", self.name)
        form.addRow("&Address:", self.url)
        form.addRow("Fetch &every:", self.interval)
        form.addRow("&User name:", self.user)
        form.addRow("&Password or token:", self.secret)
        form.addRow("", self.allow_insecure)
        form.addRow("", self.add_button)

    def _field(self, name: str, placeholder: str) -> QLineEdit:
        field = QLineEdit()
        field.setAccessibleName(name)
        field.setPlaceholderText(placeholder)
        return field

    # -- the list --------------------------------------------------------------------------------
    @Slot()
    def reload(self, *_: object) -> None:
        try:
            subscriptions = self._book.all()
        except FeedError as exc:
            subscriptions = []
            self.outcome.setText(in_words(exc))
        self.feeds.setRowCount(len(subscriptions))
        for row, sub in enumerate(subscriptions):
            cells = (
                sub.name,
                sub.url,
                describe_interval(sub.interval_minutes),
                describe_checked(sub),
                describe_status(sub),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                tip = last_error_in_words(sub) if sub.last_error and column == len(cells) - 1 else text
                item.setToolTip(plain_tooltip(tip))  # a feed's words, shown literally
                item.setData(Qt.ItemDataRole.UserRole, sub.name)
                self.feeds.setItem(row, column, item)
        self.remove_button.setEnabled(bool(subscriptions) and not self._jobs.busy)

    def selected_names(self) -> list[str]:
        rows = sorted({index.row() for index in self.feeds.selectionModel().selectedRows()})
        items = [self.feeds.item(row, 0) for row in rows]
        return [str(item.data(Qt.ItemDataRole.UserRole)) for item in items if item is not None]

    # -- actions ---------------------------------------------------------------------------------
    @Slot()
    def fetch_now(self) -> bool:
        names = self.selected_names() or None
        return self._scheduler.fetch(names)

    @Slot()
    def add_feed(self) -> bool:
        url, secret = self.url.text().strip(), self.secret.text()
        # Leave is asked only where it is needed: a login, an address that would carry it in clear.
        insecure = bool(secret) and login_in_clear(url) and self.allow_insecure.isChecked()
        sub = Subscription(
            name=self.name.text().strip(),
            url=url,
            interval_minutes=self.interval.value(),
            allow_insecure=insecure,
        )
        try:  # the quick checks first: a login refused is still typed in when the user fixes the rest
            check_subscription(replace(sub, account=sub.name if secret else ""))
        except FeedError as exc:
            self._on_failed(exc)
            return False
        if insecure and not ConfirmInsecureFeed.ask(self, url):
            return False
        user = self.user.text().strip()
        self.secret.clear()  # the secret leaves the widget now; only the job holds it
        book, store = self._book, self._keychain.store

        def job(progress: Progress, cancel: threading.Event) -> tuple[Subscription, str]:
            return subscribe(book, store, sub, user, secret)

        return self._jobs.run(job, self._on_added, self._on_failed)

    def _on_added(self, result: object) -> None:
        assert isinstance(result, tuple)
        sub, note = result
        self.outcome.setText(
            f"Subscribed to \u201c{sub.name}\u201d. {note}".strip() + " Fetch Now gets its entries."
        )
        for field in (self.name, self.url, self.user):
            field.clear()
        self.allow_insecure.setChecked(False)
        self.reload()
        self.feeds_changed.emit()

    @Slot()
    def remove_selected(self) -> bool:
        names = self.selected_names()
        if not names:
            self.outcome.setText("Select the feed to remove.")
            return False
        name = names[0]
        if not RemoveFeed.ask(self, name):
            return False
        book, store = self._book, self._keychain.store

        def job(progress: Progress, cancel: threading.Event) -> tuple[str, str]:
            return name, unsubscribe(book, store, name)

        return self._jobs.run(job, self._on_removed, self._on_failed)

    def _on_removed(self, result: object) -> None:
        assert isinstance(result, tuple)
        name, note = result
        self.outcome.setText(
            f"Unsubscribed from \u201c{name}\u201d; its entries stay in the archive. {note}".strip()
        )
        self.reload()
        self.feeds_changed.emit()

    def _on_failed(self, exc: object) -> None:
        if isinstance(exc, InsecureFeed):
            self.outcome.setText(
                f"Not subscribed: {exc}. Use its https:// address, or tick \u201c{ALLOW_INSECURE}\u201d "
                "to accept that risk."
            )
            return
        self.outcome.setText(f"That did not work. {in_words(exc)}")

    @Slot(bool)
    def _set_busy(self, *_: object) -> None:
        fetching, editing = self._scheduler.busy, self._jobs.busy
        self.progress.setVisible(fetching)
        self.fetch_button.setEnabled(not fetching)
        self.add_button.setEnabled(not editing)
        self.remove_button.setEnabled(not editing and self.feeds.rowCount() > 0)

    def wait(self) -> None:
        self._jobs.wait()
