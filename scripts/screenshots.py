"""Render the main window's states offscreen into docs/screenshots/*.png.

    python scripts/screenshots.py [--out docs/screenshots] [--size 1280x800]

At 1280x800 the pictures go to docs/screenshots/ (the documentation shows those); at any other
size to docs/screenshots/WIDTHxHEIGHT/.  `make screenshots` renders 1280x800 and 1680x1050.

Everything happens in a temporary data folder with temporary settings: an
empty archive first, then the sample archive is imported as on a first start;
the script searches, reads a hit, builds a briefing from what it read, shows
its implications matrix (at 1280x800 and 1680x1050) and a cell's editor, cites
evidence for its key judgment through the Cite Evidence picker, opens the
template chooser, the section chooser (Ctrl+E), the export, accounts and send
dialogs, the status bar after an import that left files out, the statistics, the import
report and About, the saved searches and the tag dialog, and More Like This, types a
malformed query, and repeats a search on a dark palette.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse
import gc
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
from PySide6.QtGui import QColor, QPalette, QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from briefer.core import paths
from briefer.core.archive import Archive, SavedSearch
from briefer.core.briefing import edits
from briefer.core.briefing.matrix import CellValues
from briefer.core.briefing.model import KeyJudgment, Paragraph, Recipient, excerpts, walk_blocks
from briefer.core.credentials import CredentialStore
from briefer.core.distribution.accounts import SmtpAccount
from briefer.gui.app import create_application
from briefer.gui.dialogs import TemplateChooser
from briefer.gui.distribution.actions import DistributionActions
from briefer.gui.distribution.keychain import Keychain
from briefer.gui.mainwindow import MainWindow

REPO = Path(__file__).resolve().parents[1]
SIZE = (1280, 800)  # the documentation's pictures


def wait_until(app: QApplication, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def settle(app: QApplication, seconds: float = 0.3) -> None:
    """Let layouts, debounce timers and repaints finish."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.01)


def idle(window: MainWindow) -> bool:
    return window.flow.status is not None and not window.flow.busy and not window.search.searching


def search(app: QApplication, window: MainWindow, query: str) -> None:
    window.search.query.setText(query)
    window.search.search_now()
    wait_until(app, lambda: not window.search.searching)
    settle(app)


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2b2b",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f1f1f",
        QPalette.ColorRole.AlternateBase: "#333333",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#353535",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#3d6db5",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#8ab4f8",
        QPalette.ColorRole.Mid: "#555555",
        QPalette.ColorRole.PlaceholderText: "#8c8c8c",
        QPalette.ColorRole.ToolTipBase: "#333333",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    return palette


def render(out: Path, size: tuple[int, int] = SIZE) -> list[Path]:
    app = create_application(["screenshots"])
    app.setStyle("Fusion")  # the same look on every machine that renders these
    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []

    def grab(window: QWidget, name: str) -> None:
        settle(app)
        path = out / f"{name}.png"
        window.grab().save(str(path))
        shots.append(path)

    with tempfile.TemporaryDirectory(prefix="briefer-shots-") as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        empty_shot(app, Path(tmp), grab, size)
        # That window's objects hold reference cycles: free them here, on the GUI thread. Left to
        # the cycle collector they may be freed in an import worker's thread, and Qt crashes.
        gc.collect()
        archive = Archive(Path(tmp) / "data")
        window = MainWindow(archive=archive, settings=settings)
        try:
            window.resize(*size)
            window.show()

            # First start: the sample is imported in the background; catch it in progress.
            def first_progress(done: int, total: int) -> None:
                if not any(shot.stem == "1-first-start" for shot in shots):
                    grab(window, "1-first-start")

            window.flow.progressed.connect(first_progress)
            window.start()
            wait_until(
                app, lambda: idle(window) and bool(window.flow.status and window.flow.status.has_sample)
            )
            grab(window, "2-sample-archive")

            search(app, window, "vostochny summit")
            grab(window, "3-search-results")

            window.search.results.setCurrentIndex(window.search.model.index(2))
            wait_until(app, lambda: window.reader.current_document is not None)
            window.search.results.setFocus()
            grab(window, "4-reader-highlights")

            build_briefing(app, window)
            grab(window, "7-briefing-being-built")
            matrix_shots(app, window, grab)
            evidence_shots(app, window, grab)
            chooser_shots(window, grab)
            dialog = window.show_export_dialog()
            dialog.output.setText(str(Path(tmp) / "Treaty brief.docx"))
            settle(app)
            grab(dialog, "8-export-dialog")
            dialog.done(0)
            distribution_shots(window, archive, settings, grab)
            properties = window.briefing.show_properties()
            grab(properties, "12-briefing-properties")
            properties.done(0)
            archive_menu_shots(app, window, Path(tmp), grab)
            archive_tool_shots(app, window, archive, grab)

            search(app, window, "kim")
            window.search.options.filters_button.setChecked(True)
            window.search.options.set_filter("type", "state media")
            wait_until(app, lambda: not window.search.searching)
            window.search.results.setCurrentIndex(window.search.model.index(0))
            wait_until(app, lambda: window.reader.current_document is not None)
            window.reader_view.next_match()
            grab(window, "11-search-filters")
            window.search.options.clear_filters()
            window.search.options.filters_button.setChecked(False)

            search(app, window, '"shells from Pyongyang')
            grab(window, "5-malformed-query")

            app.setPalette(dark_palette())
            search(app, window, "artillery shells")
            grab(window, "6-dark-palette")
        finally:
            window.session.undo_stack.setClean()  # the demo briefing is not worth a "save?" question
            window.session.recovered = False
            window.close()
            archive.close()
    return shots


def archive_menu_shots(
    app: QApplication, window: MainWindow, tmp: Path, grab: Callable[[QWidget, str], None]
) -> None:
    """After a folder with a damaged PDF and a file of no supported kind: the status bar's way to the
    report, Archive → Statistics, Archive → Import Report; and Help → About Briefer."""
    inbox = tmp / "inbox"
    inbox.mkdir()
    (inbox / "ministry-statement.txt").write_text(
        "Title: Ministry statement\n\nThe ministry confirmed the talks.\n", encoding="utf-8"
    )
    (inbox / "scanned-report.pdf").write_bytes(b"%PDF-1.4\nthe rest of this file was lost\n")
    (inbox / "budget-figures.numbers").write_bytes(b"not an article")
    window.flow.import_paths([inbox])
    wait_until(app, lambda: idle(window))
    grab(window, "25-import-left-out")  # the status bar's way to the report
    statistics = window.archive_tools.show_statistics()
    wait_until(app, lambda: statistics.stats is not None)
    grab(statistics, "26-statistics")
    statistics.close()
    report = window.archive_tools.show_report()
    report.resize(*SIZE)
    wait_until(app, lambda: report.model.rowCount() > 0)
    report.text_filter.setText("")
    report.table.selectRow(0)
    grab(report, "16-import-report")
    report.close()
    about = window.help.show_about()
    grab(about, "17-about")
    about.close()


def distribution_shots(
    window: MainWindow, archive: Archive, settings: QSettings, grab: Callable[[QWidget, str], None]
) -> None:
    """Settings → Accounts and the Send dialog, with passwords in memory only (no real keychain)."""
    keychain = Keychain(archive.data_dir, settings, system=CredentialStore.for_session())
    keychain.keep_in_memory_only()
    actions = DistributionActions(window, archive, window.session, settings, keychain=keychain)
    actions.accounts.put(
        SmtpAccount("work", "smtp.agency.example", 587, "starttls", "analyst", "analyst@agency.example")
    )
    keychain.store.set("work", "not-a-real-password")
    window.session.model.do(
        edits.SetMetadata(
            "distribution",
            [
                Recipient("Desk Officer", "desk@agency.example"),
                Recipient("Watch Floor", "watch@agency.example"),
            ],
        )
    )
    accounts = actions.show_accounts_dialog()
    grab(accounts, "9-accounts-dialog")
    accounts.done(0)
    send = actions.show_send_dialog()
    grab(send, "10-send-dialog")
    send.done(0)
    actions.shutdown()


def archive_tool_shots(
    app: QApplication, window: MainWindow, archive: Archive, grab: Callable[[QWidget, str], None]
) -> None:
    """Search → Saved Searches… with three saved searches, Document → Tag… on two results, and
    More Like This on a result."""
    for saved in (
        SavedSearch("Vostochny summit", "vostochny summit", sort="newest"),
        SavedSearch("State media on Kim", "kim putin", filters=(("type", "state media"), ("year", "2023"))),
        SavedSearch("DPRK, as typed", "DPRK launch", aliases=False),
    ):
        archive.saved_searches.save(saved, replace=True)
    tools = window.search_actions
    saved_searches = tools.show_saved_searches()
    grab(saved_searches, "22-saved-searches")
    saved_searches.done(0)

    search(app, window, "vostochny summit")
    hits = [window.search.model.hit(row) for row in range(min(3, window.search.model.rowCount()))]
    for hit, tags in zip(hits, (["priority", "nk-russia"], ["nk-russia"], ["follow-up"]), strict=False):
        archive.tag(hit.id, tags)
    search(app, window, "vostochny summit")
    window.search.results.setFocus()
    window.search.results.setCurrentIndex(window.search.model.index(0))
    selection = window.search.results.selectionModel()
    selection.select(window.search.model.index(1), selection.SelectionFlag.Select)
    tools.tag_action.trigger()
    wait_until(app, lambda: tools.tag_dialog is not None)
    assert tools.tag_dialog is not None
    grab(tools.tag_dialog, "23-tag-dialog")
    tools.tag_dialog.done(0)

    tools.more_like_action.trigger()
    wait_until(app, lambda: not window.search.searching)
    wait_until(app, lambda: window.reader.current_document is not None)
    grab(window, "24-more-like-this")


def grab_modal(grab: Callable[[QWidget, str], None], name: str, open_it: Callable[[], object]) -> None:
    """Open a modal dialog with `open_it`, photograph it once it shows, and cancel it."""

    def shoot() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(50, shoot)
            return
        grab(dialog, name)
        dialog.close()

    QTimer.singleShot(50, shoot)
    open_it()


def chooser_shots(window: MainWindow, grab: Callable[[QWidget, str], None]) -> None:
    """File -> New's template chooser and the Ctrl+E section chooser (both cancelled)."""
    templates = window.session.available_templates()
    grab_modal(grab, "20-template-chooser", lambda: TemplateChooser.ask(window, templates))
    if select_text(window, "Vostochny"):
        window.briefing.select("nato-europe")
        grab_modal(grab, "21-section-chooser", window.add_to_briefing_action.trigger)


def empty_shot(
    app: QApplication, tmp: Path, grab: Callable[[QWidget, str], None], size: tuple[int, int]
) -> None:
    """The window on an empty archive, with no sample to offer."""
    shipped = paths.SAMPLE_ARCHIVE
    paths.SAMPLE_ARCHIVE = tmp / "no-sample"
    settings = QSettings(str(tmp / "empty.ini"), QSettings.Format.IniFormat)
    archive = Archive(tmp / "empty")
    window = MainWindow(archive=archive, settings=settings)
    try:
        window.resize(*size)
        window.show()
        window.start()
        wait_until(app, lambda: idle(window))
        grab(window, "0-empty-archive")
    finally:
        window.close()
        archive.close()
        paths.SAMPLE_ARCHIVE = shipped


def select_text(window: MainWindow, words: str) -> bool:
    found = window.reader.document().find(words)
    if found.isNull():
        return False
    cursor = QTextCursor(window.reader.document())
    cursor.setPosition(found.selectionStart())
    cursor.setPosition(found.selectionEnd(), QTextCursor.MoveMode.KeepAnchor)
    window.reader.setTextCursor(cursor)
    return True


def build_briefing(app: QApplication, window: MainWindow) -> None:
    """Quote the reader's document in two sections, write a judgment and fill a matrix cell."""
    pane, model = window.briefing, window.session.model
    model.do(edits.SetMetadata("title", "Russia-DPRK Summit Likely To Deepen Military Cooperation"))
    document = window.reader.current_document
    if document is not None:
        sentences = [p for p in document.text.split("\n\n")[1:] if len(p) > 60]  # [0]: the title
        for section_id, paragraph in zip(("background", "analysis"), sentences[:2], strict=False):
            if select_text(window, paragraph[:90].rsplit(" ", 1)[0]):
                excerpt = window.reader.selected_excerpt()
                if excerpt is not None:
                    pane.add_excerpts([excerpt], section_id)
    judgment = KeyJudgment(
        "We assess Moscow is likely to trade missile know-how for artillery shells within a year.",
        likelihood="likely",
        confidence="moderate",
    )
    model.do(edits.AddBlock("key-judgments", -1, judgment))
    model.do(
        edits.AddBlock(
            "analysis",
            -1,
            Paragraph("The summit's venue, a space launch site, signals what Pyongyang wants in return."),
        )
    )
    fill_matrix(window)
    pane.select(judgment.id)
    settle(app)


MATRIX = {
    ("us", "military"): CellValues(
        "Pressure to reinforce missile defence in the Pacific as DPRK launches grow more accurate",
        "H",
        "likely",
    ),
    ("us", "deterrence"): CellValues(
        "Extended deterrence commitments tested by Russian missile know-how", "M", "roughly even chance"
    ),
    ("us", "sanctions"): CellValues("No significant near-term implication identified."),
    ("japan", "military"): CellValues("Closer watch on launches near Japan", "H", "very likely"),
    ("rok", "diplomatic"): CellValues("N/A"),
    ("ukraine", "military"): CellValues("More artillery shells reach Russian units", "H", "almost certain"),
}


def fill_matrix(window: MainWindow) -> None:
    """Fill some cells of the implications matrix (one boilerplate, one citing the first excerpt)."""
    matrix = window.briefing.matrix.matrix
    matrix.set_section("implications")
    quoted = [b.id for b in excerpts(window.session.briefing).values()][:1]
    for (actor, domain), values in MATRIX.items():
        if (actor, domain) == ("us", "military"):
            values = replace(values, cites=tuple(quoted))
        matrix.set_values(matrix.cell_index(actor, domain), values)


def matrix_shots(app: QApplication, window: MainWindow, grab: Callable[[QWidget, str], None]) -> None:
    """The implications matrix at 1280x800 and 1680x1050, and a cell's editor."""
    pane = window.briefing
    pane.select("implications")
    pane.matrix.select_cell("us", "military")
    pane.matrix.table.setFocus()
    grab(window, "13-implications-matrix")
    editor = pane.matrix.edit_cell(pane.matrix.current_index())
    if editor is not None:
        grab(editor, "14-matrix-cell-editor")
        editor.reject()
    shown = window.size()
    window.resize(1680, 1050)
    pane.matrix.select_cell("japan", "military")
    grab(window, "15-implications-matrix-1680")
    window.resize(shown)
    settle(app)


def evidence_shots(app: QApplication, window: MainWindow, grab: Callable[[QWidget, str], None]) -> None:
    """The Cite Evidence picker over the key judgment, then the judgment's citations in its editor."""
    pane = window.briefing
    judgment = next(b for _, b in walk_blocks(window.session.briefing) if isinstance(b, KeyJudgment))
    pane.select(judgment.id)
    picker = pane.evidence.open_picker(judgment.id)
    if picker is None:
        return
    wait_until(app, picker.isVisible)
    picker.list.setFocus()
    for row in range(min(2, picker.list.count())):  # check the first two, as Space would
        picker.list.setCurrentRow(row)
        QTest.keyClick(picker.list, Qt.Key.Key_Space)
    grab(picker, "18-cite-evidence")
    picker.accept()
    pane.select(judgment.id)
    pane.editor.cites.list.setFocus()
    grab(window, "19-judgment-citations")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="default: docs/screenshots[/WIDTHxHEIGHT]")
    parser.add_argument("--size", default="1280x800", help="the window's size, WIDTHxHEIGHT (1280x800)")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    out = args.out or REPO / "docs" / "screenshots"
    if args.out is None and (width, height) != SIZE:
        out = out / f"{width}x{height}"
    for path in render(out, (width, height)):
        print(path)


if __name__ == "__main__":
    main()
