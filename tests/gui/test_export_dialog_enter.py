"""Enter in the export dialog exports: found by the X journey test, where Enter in the Save-as
field opened the file chooser instead (the first Browse… button had become the default)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFileDialog

from briefer.core.briefing import templates
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.distribution.export_dialog import ExportDialog


def test_enter_in_the_save_as_field_exports(qtbot, tmp_path: Path, settings: QSettings, monkeypatch) -> None:
    choosers: list[str] = []  # a file chooser opened instead would block the test: record it

    def chooser(*args: object, **kwargs: object) -> tuple[str, str]:
        choosers.append("asked")
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", chooser)
    briefing = templates.new_briefing(templates.load("spot"), title="Rail Link Reopens")
    dialog = ExportDialog(BriefingModel(briefing, QUndoStack()), settings=settings)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    out = tmp_path / "rail.docx"
    dialog.output.setText(str(out))
    dialog.output.setFocus()
    assert dialog.export_button.isDefault()
    qtbot.keyClick(dialog.output, Qt.Key.Key_Return)
    assert choosers == []
    qtbot.waitUntil(lambda: out.is_file() and not dialog.running, timeout=30000)


def test_the_save_as_field_has_the_focus_when_the_dialog_opens(qtbot, settings: QSettings) -> None:
    briefing = templates.new_briefing(templates.load("spot"), title="Rail Link Reopens")
    dialog = ExportDialog(BriefingModel(briefing, QUndoStack()), settings=settings)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.focusWidget() is dialog.output  # typing a path goes where the path is, not the format
