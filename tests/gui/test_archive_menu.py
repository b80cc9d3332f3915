"""Archive → Import Report, Statistics and Rebuild Index, driven through the window's menu actions."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

from briefer.gui import indexing
from briefer.gui.archive.import_report import ImportReport
from briefer.gui.archive.statistics import ConfirmRebuild, stats_lines
from briefer.gui.mainwindow import MainWindow
from tests.conftest import write_article
from tests.gui.conftest import status_read

GOOD_TEXT = "Title: Grain corridor\n\nShips left Odesa with grain for the first time in months.\n"


@pytest.fixture(autouse=True)
def no_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    """No sample import on the first start: the archive holds only what each test imports."""
    monkeypatch.setattr(indexing, "sample_available", lambda: False)


def started(make_window, qtbot) -> MainWindow:
    window = make_window()
    window.show()
    window.start()
    qtbot.waitUntil(lambda: status_read(window), timeout=30_000)
    return window


def import_and_wait(window: MainWindow, qtbot, folder: Path) -> None:
    assert window.flow.import_paths([folder])
    qtbot.waitUntil(lambda: status_read(window), timeout=60_000)


@pytest.fixture
def odd_folder(tmp_path: Path) -> Path:
    """A readable article, a corrupt PDF (fails) and a file of an unsupported kind (skipped)."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "corridor.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is no PDF body at all\n")
    (folder / "figures.xyz").write_bytes(b"\x00\x01 not an article")
    return folder


def open_report(window: MainWindow, qtbot) -> ImportReport:
    window.archive_tools.report_action.trigger()
    report = window.archive_tools.report_window
    assert report is not None
    qtbot.waitUntil(lambda: report.model.rowCount() > 0, timeout=10_000)
    return report


def rows_by_name(report: ImportReport) -> dict[str, tuple[str, str]]:
    return {Path(row.path).name: (row.status, row.reason) for row in report.shown_rows()}


def select(report: ImportReport, name: str) -> None:
    proxy, selection = report.proxy, report.table.selectionModel()
    selection.clearSelection()
    for r in range(proxy.rowCount()):
        if Path(proxy.index(r, 0).data(Qt.ItemDataRole.UserRole).path).name == name:
            flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
            selection.select(proxy.index(r, 0), flags)
            return
    raise AssertionError(f"{name} is not shown")


def test_import_report_lists_every_file_with_status_and_reason(make_window, qtbot, odd_folder):
    window = started(make_window, qtbot)
    import_and_wait(window, qtbot, odd_folder)
    report = open_report(window, qtbot)
    assert report.isVisible()
    rows = rows_by_name(report)
    assert rows["corridor.txt"] == ("imported", "")
    assert rows["broken.pdf"][0] == "failed" and "PDF" in rows["broken.pdf"][1]
    assert rows["figures.xyz"] == ("skipped", "unsupported format .xyz")
    assert "1 imported" in report.summary.text() and "1 failed" in report.summary.text()


def test_the_status_bars_skipped_and_failed_link_opens_the_report_on_them(make_window, qtbot, odd_folder):
    window = started(make_window, qtbot)
    assert not window.status.left_out.isVisible()  # nothing imported yet, nothing left out
    import_and_wait(window, qtbot, odd_folder)
    link = window.status.left_out
    assert link.isVisible() and link.text() == '<a href="report">1 skipped, 1 failed \u2014 Import Report</a>'
    window.status.report("Saved")  # another message replaces the import's line; the way stays
    assert link.isVisible()

    qtbot.mouseClick(link, Qt.MouseButton.LeftButton, pos=link.rect().center())
    report = window.archive_tools.report_window
    assert report is not None and report.isVisible()
    qtbot.waitUntil(lambda: report.model.rowCount() > 0, timeout=10_000)
    assert rows_by_name(report) == {"broken.pdf": rows_by_name(report)["broken.pdf"]}  # the failed one

    assert window.flow.import_paths([odd_folder / "corridor.txt"])  # the next import: nothing left out
    assert not link.isVisible()
    qtbot.waitUntil(lambda: status_read(window), timeout=60_000)
    assert not link.isVisible()


def test_import_report_filters_by_status_and_by_text(make_window, qtbot, odd_folder):
    window = started(make_window, qtbot)
    import_and_wait(window, qtbot, odd_folder)
    report = open_report(window, qtbot)
    report.show_status("failed")
    assert list(rows_by_name(report)) == ["broken.pdf"]
    report.show_status("")
    report.text_filter.setText("UNSUPPORTED")  # the reason, any case
    assert list(rows_by_name(report)) == ["figures.xyz"]
    report.text_filter.setText("corridor")  # the file name
    assert list(rows_by_name(report)) == ["corridor.txt"]
    report.show_status("failed")
    assert rows_by_name(report) == {}


def test_retry_imports_a_fixed_file_again(make_window, qtbot, odd_folder, archive):
    window = started(make_window, qtbot)
    import_and_wait(window, qtbot, odd_folder)
    report = open_report(window, qtbot)
    select(report, "corridor.txt")
    assert not report.retry_button.isEnabled()  # only a failed file is retried
    select(report, "broken.pdf")
    assert report.retry_button.isEnabled()

    (odd_folder / "broken.pdf").write_bytes(_small_pdf("Fixed on disk after the failure"))  # fixed

    report.retry_button.click()
    qtbot.waitUntil(lambda: status_read(window), timeout=60_000)
    qtbot.waitUntil(lambda: rows_by_name(report).get("broken.pdf", ("",))[0] == "imported", timeout=10_000)
    assert rows_by_name(report)["broken.pdf"] == ("imported", "")
    hits = archive.search("fixed")
    assert any(Path(hit.document.path).name == "broken.pdf" for hit in hits.hits)


def _small_pdf(text: str) -> bytes:
    """A minimal valid one-page PDF showing `text` (written here, not copied from anywhere)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_show_in_folder_opens_the_files_folder(make_window, qtbot, odd_folder, monkeypatch):
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    window = started(make_window, qtbot)
    import_and_wait(window, qtbot, odd_folder)
    report = open_report(window, qtbot)
    select(report, "figures.xyz")
    report.show_button.click()
    assert [url.toLocalFile() for url in opened] == [str(odd_folder.resolve())]


def test_statistics_show_what_the_facade_counts_and_copy(make_window, qtbot, odd_folder, archive):
    window = started(make_window, qtbot)
    import_and_wait(window, qtbot, odd_folder)
    window.archive_tools.statistics_action.trigger()
    stats_window = window.archive_tools.statistics_window
    assert stats_window is not None and stats_window.isVisible()
    qtbot.waitUntil(lambda: stats_window.stats is not None, timeout=10_000)
    expected = archive.stats(breakdown=True)
    shown = stats_window.text.toPlainText()
    assert shown == "\n".join(stats_lines(expected))
    assert "Documents:     1\n" in shown
    assert "Failed files:  1 (Archive \u2192 Import Report lists them)" in shown
    assert str(archive.data_dir) in shown and "Last import:" in shown
    stats_window.copy_button.click()
    assert QGuiApplication.clipboard().text() == shown


def test_statistics_break_the_documents_down_by_outlet_type_language_and_year(
    make_window, qtbot, articles_dir, archive
):
    write_article(articles_dir, "more", "The train left.", source="BORDER POST", published="2024-01-02")
    write_article(articles_dir, "again", "The train went on.", source="Border Post", published="2024-01-03")
    window = started(make_window, qtbot)
    import_and_wait(window, qtbot, articles_dir)
    stats_window = window.archive_tools.show_statistics()
    qtbot.waitUntil(lambda: stats_window.stats is not None, timeout=10_000)
    sections = stats_window.text.toPlainText().split("\n\n")[1:]  # after the figures
    assert [section.splitlines()[0] for section in sections] == [
        "Documents by outlet (3):",
        "Documents by source type (1):",
        "Documents by language (2):",
        "Documents by year (3):",
    ]
    outlets, years = (
        [tuple(line.strip().rsplit(None, 1)) for line in section.splitlines()[1:]]
        for section in (sections[0], sections[3])
    )
    # "BORDER POST" is the same outlet, under the spelling most of its documents use
    assert outlets == [("Border Post", "3"), ("(not known)", "1"), ("Northern Wire", "1")]
    assert years == [("(not known)", "1"), ("2023", "2"), ("2024", "2")]  # the web page has no date
    assert stats_window.stats == archive.stats(breakdown=True)  # the facade's figures, as they are


def test_rebuild_index_asks_first_and_cancel_does_nothing(make_window, qtbot, articles_dir, monkeypatch):
    asked: list[int | None] = []
    monkeypatch.setattr(ConfirmRebuild, "ask", classmethod(lambda cls, parent, n: asked.append(n) or False))
    window = started(make_window, qtbot)
    import_and_wait(window, qtbot, articles_dir)
    started_tasks: list[str] = []
    window.flow.started.connect(started_tasks.append)
    window.archive_tools.rebuild_action.trigger()
    assert asked == [3]  # the question names how many documents it indexes again
    assert started_tasks == [] and not window.flow.busy
    assert "not rebuilt" in window.status.currentMessage()


def test_rebuild_index_runs_in_the_background_and_search_still_works(
    make_window, qtbot, articles_dir, monkeypatch, archive
):
    monkeypatch.setattr(ConfirmRebuild, "ask", classmethod(lambda cls, parent, n: True))
    window = started(make_window, qtbot)
    import_and_wait(window, qtbot, articles_dir)
    started_tasks: list[str] = []
    window.flow.started.connect(started_tasks.append)
    window.archive_tools.rebuild_action.trigger()
    assert started_tasks == ["Indexing the archive"]
    assert window.status.progress.isVisible() and window.status.cancel.isVisible()
    qtbot.waitUntil(lambda: status_read(window), timeout=60_000)
    assert "Indexed 3 document(s)" in window.status.currentMessage()
    assert [h.document.title for h in archive.search("vostochny").hits] == ["Putin and Kim meet at Vostochny"]


def test_rebuild_index_is_refused_while_an_import_runs(make_window, qtbot, articles_dir, monkeypatch):
    asked: list[int | None] = []
    monkeypatch.setattr(ConfirmRebuild, "ask", classmethod(lambda cls, parent, n: asked.append(n) or True))
    window = started(make_window, qtbot)
    assert window.flow.import_paths([articles_dir])
    window.archive_tools.rebuild_action.trigger()
    assert asked == []  # not even asked
    assert "An import is running" in window.status.currentMessage()
    qtbot.waitUntil(lambda: status_read(window), timeout=60_000)


def test_report_closes_with_escape_from_the_filter_box(make_window, qtbot, odd_folder):
    window = started(make_window, qtbot)
    import_and_wait(window, qtbot, odd_folder)
    report = open_report(window, qtbot)
    qtbot.keyClicks(report.text_filter, "broken")
    qtbot.keyClick(report.text_filter, Qt.Key.Key_Escape)
    assert not report.isVisible()
