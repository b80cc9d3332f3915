"""Removing the sample from the window asks first, names what briefings quote, and keeps it on request;
the banner counts the sample documents left beside your own.

A real archive on disk, a small stand-in sample, real briefing files; only the question is answered
by the test (its `ask` is replaced).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from briefer.core import paths
from briefer.core.archive import Archive
from briefer.core.archive.removal import RemovalPlan
from briefer.core.briefing import edits, storage, templates
from briefer.core.briefing.excerpts import excerpt_from_quote
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.documents import Document
from briefer.gui import dialogs
from briefer.gui.banner import BannerState
from briefer.gui.briefing.session import RECENT_KEY
from briefer.gui.dialogs import Removal, removal_wording
from briefer.gui.mainwindow import MainWindow
from tests.conftest import write_article
from tests.gui.conftest import status_read

SAMPLE = {
    "summit": "Sample text: the Vostochny summit ended without a joint statement.",
    "ports": "Sample text: grain ports on the Black Sea reopened.",
    "train": "Sample text: the armoured train crossed the border at Khasan.",
    "launch": "Sample text: the satellite launch failed in its second stage.",
}


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "sample-archive"
    for name, body in SAMPLE.items():
        write_article(folder, name, body, title=f"Sample: {name}")
    monkeypatch.setattr(paths, "SAMPLE_ARCHIVE", folder)
    return folder


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The removal question: records each plan asked about; the answer is the list's first item."""
    questions: list[Any] = [Removal.CANCEL]

    def ask(cls: Any, parent: Any, plan: RemovalPlan) -> Removal:
        questions.append(plan)
        return questions[0]

    monkeypatch.setattr(dialogs.RemoveDocuments, "ask", classmethod(ask))
    monkeypatch.setattr(dialogs.RecoverChanges, "ask", classmethod(lambda cls, p, d: False))
    monkeypatch.setattr(dialogs.UnsavedChanges, "ask", classmethod(lambda cls, p, t: dialogs.Choice.DISCARD))
    return questions


def sample_docs(archive: Archive) -> dict[str, Document]:
    docs = archive.catalog.documents(archive.catalog.all_ids())
    return {d.title.removeprefix("Sample: "): d for d in docs if d.title.startswith("Sample: ")}


def started(make_window: Any, qtbot: Any) -> MainWindow:
    window = make_window()
    window.show()
    window.start()
    qtbot.waitUntil(lambda: status_read(window), timeout=30_000)
    return window


def settled_with(window: MainWindow, qtbot: Any, documents: int) -> None:
    def done() -> bool:
        status = window.flow.status
        return status_read(window) and status is not None and status.documents == documents

    qtbot.waitUntil(done, timeout=30_000)


@pytest.mark.parametrize(
    ("answer", "left"),
    [
        (Removal.CANCEL, {"summit", "ports", "train", "launch"}),
        (Removal.KEEP_QUOTED, {"summit", "ports"}),
        (Removal.ALL, set()),
    ],
)
def test_remove_the_sample_asks_naming_what_briefings_quote(
    asked: list[Any],
    make_window: Any,
    archive: Archive,
    sample: Path,
    articles_dir: Path,
    settings: QSettings,
    tmp_path: Path,
    qtbot: Any,
    answer: Removal,
    left: set[str],
) -> None:
    archive.import_sample()
    archive.import_paths([articles_dir])  # three documents of your own
    docs = sample_docs(archive)
    window = started(make_window, qtbot)
    window.session.model.do(edits.AddBlock("analysis", -1, excerpt_from_quote(docs["summit"], "Sample text")))
    recent = templates.new_briefing(templates.load("spot"), title="Ports")
    edits.add_block(recent, recent.sections[0].id, excerpt_from_quote(docs["ports"], "Sample text"))
    storage.save(recent, tmp_path / "ports.briefing")
    (tmp_path / "broken.briefing").write_text("{ not a briefing", encoding="utf-8")
    settings.setValue(
        RECENT_KEY, [str(tmp_path / n) for n in ("ports.briefing", "broken.briefing", "gone.briefing")]
    )
    asked[0] = answer

    qtbot.mouseClick(window.banner.remove_sample, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(asked) == 2, timeout=30_000)
    settled_with(window, qtbot, 3 + len(left))

    plan = asked[1]
    assert plan.documents == {doc.id for doc in docs.values()}
    wording = removal_wording(plan)
    assert wording.question == "Remove 4 sample documents?"
    assert "1 is quoted by the open briefing." in wording.details
    assert "1 more is quoted by recent briefings." in wording.details
    assert "source no longer in archive" in wording.details
    assert "Not counted: 1 briefing that cannot be read (broken.briefing)." in wording.details
    assert (wording.remove_all, wording.keep) == ("Remove all 4", "Keep quoted ones, remove 2")
    assert set(sample_docs(archive)) == left
    checks = ArchiveLookups.of(archive).export_checks(window.session.briefing)[0]
    assert bool(checks.of("missing")) == (answer is Removal.ALL)
    if answer is Removal.CANCEL:
        assert window.status.currentMessage() == "Nothing was removed"


def test_the_banner_counts_the_sample_left_beside_your_own_documents(
    asked: list[Any], make_window: Any, archive: Archive, sample: Path, articles_dir: Path, qtbot: Any
) -> None:
    archive.import_sample()
    window = started(make_window, qtbot)
    assert window.banner.state is BannerState.SAMPLE  # only the sample: "This is sample material"
    assert "This is sample material" in window.banner.message.text()

    window.flow.import_folder(articles_dir)  # your own documents arrive
    settled_with(window, qtbot, 7)
    banner = window.banner
    assert banner.state is BannerState.SAMPLE_BESIDE_OWN and banner.isVisible()
    assert "4 sample documents remain</b> beside your own 3" in banner.message.text()
    assert banner.remove_sample.isVisible() and banner.hide_notice.isVisible()
    assert "This is sample material" not in banner.message.text()

    qtbot.mouseClick(banner.hide_notice, Qt.MouseButton.LeftButton)
    assert not banner.isVisible()
    window.flow.refresh_status()
    settled_with(window, qtbot, 7)
    assert not banner.isVisible()  # hidden while the count stays

    asked[0] = Removal.ALL
    window.remove_sample_action.trigger()  # the menu asks the same question
    qtbot.waitUntil(lambda: len(asked) == 2, timeout=30_000)
    settled_with(window, qtbot, 3)
    assert banner.state is BannerState.HIDDEN and not banner.isVisible()
    assert not window.remove_sample_action.isEnabled()


@pytest.mark.parametrize(("key", "answer"), [("Escape", Removal.CANCEL), ("Return", Removal.KEEP_QUOTED)])
def test_the_removal_question_defaults_to_keeping_what_is_quoted(
    qtbot: Any, key: str, answer: Removal
) -> None:
    plan = RemovalPlan.of({"a", "b", "c"}, open_briefing={"a"})
    seen: list[set[str]] = []

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, press)
            return
        seen.append({b.text() for b in box.buttons()})
        qtbot.keyClick(box, getattr(Qt.Key, f"Key_{key}"))

    QTimer.singleShot(0, press)
    assert dialogs.RemoveDocuments.ask(None, plan) is answer
    assert seen == [{"Remove all 3", "Keep quoted ones, remove 2", "Cancel"}]
