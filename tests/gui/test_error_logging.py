"""The window's log: a user's failure (an export folder that cannot be written) is one warning line,
a bug in a background job its traceback."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoStack

from briefer.core.briefing import templates
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.distribution.export_dialog import ExportDialog
from briefer.gui.workers import BackgroundTask


def test_an_export_to_a_folder_that_cannot_be_written_is_logged_as_one_warning_line(
    qtbot, tmp_path: Path, settings: QSettings, caplog: pytest.LogCaptureFixture
) -> None:
    briefing = templates.new_briefing(templates.load("spot"), title="Rail Link Reopens")
    dialog = ExportDialog(BriefingModel(briefing, QUndoStack()), settings=settings)
    qtbot.addWidget(dialog)
    (tmp_path / "reports").write_text("a file where the folder should be", encoding="utf-8")
    dialog.output.setText(str(tmp_path / "reports" / "out.docx"))
    with caplog.at_level(logging.INFO), qtbot.waitSignal(dialog.export_failed, timeout=30000) as failed:
        dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.running)
    assert failed.args[0].startswith(f"The export failed: cannot write in {tmp_path / 'reports'}")
    [record] = [r for r in caplog.records if r.name == "briefer.gui.workers"]
    assert (record.levelno, record.exc_info) == (logging.WARNING, None)
    assert record.getMessage().startswith(
        f"Background job failed: ExportError: cannot write in {tmp_path / 'reports'}"
    )
    assert "Traceback" not in caplog.text


def test_a_bug_in_a_background_job_is_logged_with_its_traceback(
    qtbot, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(progress, cancel):
        return {}["missing"]

    task = BackgroundTask(broken)
    with caplog.at_level(logging.INFO), qtbot.waitSignal(task.finished), qtbot.waitSignal(task.failed):
        task.start()
    [record] = [r for r in caplog.records if r.name == "briefer.gui.workers"]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "KeyError: 'missing'" in caplog.text
