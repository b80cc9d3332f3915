"""The release gate in the window: *Briefing → Check Briefing…* lists the findings and choosing one
selects its block; the export dialog refuses on a blocking finding and lists the warnings of an
export that went on.  Real archive on disk, real export."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from briefer.core.archive import Archive
from briefer.core.briefing import storage
from briefer.core.briefing.model import Briefing, KeyJudgment, MatrixCell, Paragraph
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.export.manifest import manifest_path
from briefer.gui import dialogs
from briefer.gui.briefing.findings import FindingsList
from briefer.gui.distribution.export_dialog import ExportDialog
from briefer.gui.mainwindow import MainWindow
from tests.conftest import ArchiveTemplate
from tests.core.briefing_support import articles_in, rich_briefing
from tests.gui.conftest import status_read


@pytest.fixture
def data_dir(tmp_path: Path, briefing_articles: ArchiveTemplate) -> Path:
    return briefing_articles.copy_to(tmp_path / "data")


@pytest.fixture
def rich(archive: Archive) -> Briefing:
    return rich_briefing(articles_in(archive))


@pytest.fixture
def window(make_window, qtbot, monkeypatch) -> MainWindow:
    monkeypatch.setattr(dialogs.RecoverChanges, "ask", classmethod(lambda cls, p, d: False))
    monkeypatch.setattr(dialogs.UnsavedChanges, "ask", classmethod(lambda cls, p, t: dialogs.Choice.DISCARD))
    win = make_window()
    win.show()
    win.start()
    qtbot.waitUntil(lambda: status_read(win), timeout=30_000)
    yield win
    if win.export_dialog is not None:
        win.export_dialog.done(0)
    win.release_check.wait()
    win.briefing.shutdown()


def opened(window: MainWindow, briefing: Briefing, tmp_path: Path) -> Path:
    path = tmp_path / "rich.briefing"
    storage.save(briefing, path)
    assert window.open_path(path)
    return path


def choose(qtbot, findings: FindingsList, code: str, block: str) -> None:
    """Click the entry of the finding `code` on `block`, as the analyst would."""
    row = next(i for i, f in enumerate(findings.findings()) if (f.code, f.block) == (code, block))
    item = findings.item(row)
    findings.scrollToItem(item)
    qtbot.mouseClick(
        findings.viewport(), Qt.MouseButton.LeftButton, pos=findings.visualItemRect(item).center()
    )


def allies(briefing: Briefing) -> KeyJudgment:
    return next(b for b in briefing.sections[0].blocks if isinstance(b, KeyJudgment) and "Allies" in b.text)


def test_check_briefing_lists_findings_and_choosing_one_selects_its_block(
    window: MainWindow, rich: Briefing, qtbot, tmp_path: Path
) -> None:
    opened(window, rich, tmp_path)
    menu = window.briefing_menu
    assert window.release_check.check_action in menu.actions()
    assert window.release_check.check_action.text().replace("&", "") == "Check Briefing\u2026"
    window.release_check.check_action.trigger()
    qtbot.waitUntil(
        lambda: window.release_check.dialog is not None and window.release_check.dialog.isVisible()
    )
    dialog = window.release_check.dialog
    assert dialog is not None
    found = dialog.list.findings()
    assert {"unsourced-judgment", "empty-section", "boilerplate-cell", "unsourced-cell"} <= {
        f.code for f in found
    }
    assert dialog.verdict.text().startswith("0 block the release")
    icons = {f.severity: dialog.list.item(i).icon() for i, f in enumerate(found)}
    assert not icons["warning"].isNull()

    judgment = allies(window.session.briefing)
    choose(qtbot, dialog.list, "unsourced-judgment", judgment.id)
    current = window.briefing.current_node()
    assert current is not None and current.id == judgment.id  # selected in the outline

    cell = next(b for b in window.session.briefing.sections[4].blocks if isinstance(b, MatrixCell))
    choose(qtbot, dialog.list, "unsourced-cell", cell.id)
    assert window.briefing.current_node().id == "implications"  # the matrix, with the cell current
    assert window.briefing.matrix.current_cell() is cell
    dialog.close()


def test_the_export_dialog_refuses_on_a_blocking_finding_and_lists_it(
    window: MainWindow, rich: Briefing, qtbot, tmp_path: Path
) -> None:
    odd = Paragraph("A mark Briefer does not know.", portion="SECRET")
    rich.sections[3].blocks.append(odd)
    opened(window, rich, tmp_path)
    dialog = window.show_export_dialog()
    # Before Export: the gate's findings of the briefing as marked in the dialog.
    assert dialog.findings.isVisibleTo(dialog) and dialog.findings.findings()[0].code == "invalid-marking"
    assert "Fix before exporting" in dialog.problems.text()
    lines = dialog.findings.fontMetrics().lineSpacing()
    qtbot.waitUntil(lambda: dialog.findings.height() >= 10 * lines)  # the dialog grows to show a few
    out = tmp_path / "out.docx"
    dialog.output.setText(str(out))
    with qtbot.waitSignal(dialog.export_failed, timeout=30000) as failed:
        dialog.export_button.click()
    assert failed.args[0].startswith("1 problem must be fixed first") and "SECRET" in failed.args[0]
    assert "Not exported" in dialog.outcome.text() and not out.exists() and not manifest_path(out).exists()
    assert dialog.findings.isVisibleTo(dialog)
    first = dialog.findings.findings()[0]
    assert (first.code, first.severity, first.block) == ("invalid-marking", "block", odd.id)
    qtbot.waitUntil(lambda: not dialog.running)
    choose(qtbot, dialog.findings, "invalid-marking", odd.id)
    assert window.briefing.current_node().id == odd.id
    dialog.allow_unverified.setChecked(True)  # overrides unverified quotes only: still refused
    with qtbot.waitSignal(dialog.export_failed, timeout=30000):
        dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.running)
    assert not out.exists()


def test_the_export_dialog_shows_warnings_and_the_export_goes_on(
    window: MainWindow, rich: Briefing, qtbot, tmp_path: Path
) -> None:
    opened(window, rich, tmp_path)
    dialog = ExportDialog(
        window.session.model,
        settings=window._settings,
        lookups=ArchiveLookups.of(window._archive),
        parent=window,
    )
    qtbot.addWidget(dialog)
    out = tmp_path / "out.docx"
    dialog.output.setText(str(out))
    with qtbot.waitSignal(dialog.exported, timeout=30000):
        dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.running)
    assert out.exists() and "Exported" in dialog.outcome.text()
    assert "warning(s), listed below" in dialog.outcome.text()
    assert "beside the document" in dialog.outcome.text() and "briefer" not in dialog.outcome.text()
    listed = dialog.findings.findings()
    assert listed and all(f.severity == "warning" for f in listed)
    assert ("unsourced-judgment", allies(window.session.briefing).id) in {(f.code, f.block) for f in listed}
    assert dialog.findings.isVisibleTo(dialog)
