"""Settings → Feeds: a login goes over plain http:// only when the user ticks the box and confirms.

The keychain is an in-memory keyring; the confirmation (a modal question) is
replaced through `ConfirmInsecureFeed.ask`, which records what it was asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from briefer.core.archive import Archive
from briefer.core.credentials import CredentialStore
from briefer.core.distribution.subscriptions import FeedBook
from briefer.gui.distribution import feeds_dialog
from briefer.gui.distribution.feeds_dialog import FeedScheduler, FeedsDialog
from briefer.gui.distribution.keychain import Keychain
from tests.core.smtp_server import MemoryKeyring

pytestmark = pytest.mark.timeout(60)

SECRET = "feed-secret-9e8d7c"
INSECURE_URL = "http://feeds.agency.example/private.xml"


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def keychain(data_dir: Path, settings: QSettings, memory: MemoryKeyring) -> Keychain:
    return Keychain(data_dir, settings, system=CredentialStore.for_data_dir(data_dir, memory))


@pytest.fixture
def book(archive: Archive) -> FeedBook:
    return FeedBook.for_data_dir(archive.data_dir)


@pytest.fixture
def dialog(qtbot: Any, archive: Archive, book: FeedBook, keychain: Keychain) -> Iterator[FeedsDialog]:
    scheduler = FeedScheduler(archive, book, keychain)
    dialog = FeedsDialog(scheduler, book, keychain)
    qtbot.addWidget(dialog)
    dialog.show()
    yield dialog
    dialog.wait()
    scheduler.shutdown()


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What the user answers the confirmation, in turn; each question asked takes one answer."""
    given: list[bool] = []

    def ask(parent: object, url: str) -> bool:
        return given.pop(0)

    monkeypatch.setattr(feeds_dialog.ConfirmInsecureFeed, "ask", ask)
    return given


def fill(dialog: FeedsDialog, name: str, url: str, *, tick: bool) -> None:
    dialog.name.setText(name)
    dialog.url.setText(url)
    dialog.user.setText("analyst")
    dialog.secret.setText(SECRET)
    dialog.allow_insecure.setChecked(tick)


def test_a_login_over_plain_http_is_refused_until_ticked_and_confirmed(
    qtbot: Any, dialog: FeedsDialog, book: FeedBook, memory: MemoryKeyring, answers: list[bool]
) -> None:
    fill(dialog, "Private", INSECURE_URL, tick=False)
    assert not dialog.add_feed()
    assert dialog.outcome.text().startswith("Not subscribed: the feed 'Private' would send the login")
    assert "\u201cAllow the login over plain http:// (unencrypted)\u201d" in dialog.outcome.text()
    assert book.all() == [] and memory.store == {}
    assert dialog.secret.text() == SECRET  # still typed in: tick the box and try again

    dialog.allow_insecure.setChecked(True)
    answers.append(False)  # "Send the login unencrypted?" No
    assert not dialog.add_feed()
    assert book.all() == [] and memory.store == {} and answers == []

    answers.append(True)
    assert dialog.add_feed()
    qtbot.waitUntil(lambda: dialog.outcome.text().startswith("Subscribed"))
    sub = book.get("Private")
    assert (sub.url, sub.account, sub.allow_insecure) == (INSECURE_URL, "Private", True)
    assert memory.store == {("Briefer", "Private"): SECRET}
    assert not dialog.allow_insecure.isChecked()  # the next feed starts from the safe choice


def test_no_question_where_the_login_is_safe_and_no_leave_stored(
    qtbot: Any, dialog: FeedsDialog, book: FeedBook, answers: list[bool]
) -> None:
    fill(dialog, "Secure", "https://feeds.agency.example/private.xml", tick=True)
    assert dialog.add_feed()  # `answers` is empty: a question would fail the test
    qtbot.waitUntil(lambda: dialog.outcome.text().startswith("Subscribed"))
    assert book.get("Secure").allow_insecure is False  # an https:// address never needs it
    fill(dialog, "Open", INSECURE_URL, tick=True)
    dialog.user.clear()
    dialog.secret.clear()  # no login to protect
    assert dialog.add_feed()
    qtbot.waitUntil(lambda: "\u201cOpen\u201d" in dialog.outcome.text())
    assert book.get("Open").allow_insecure is False
