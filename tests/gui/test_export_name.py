"""The export dialog proposes the title made filename-safe (the core's export_file_name)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoStack

from briefer.core.briefing import templates
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.distribution.export_dialog import ExportDialog

TITLE = "Russia\u2019s Pact With the DPRK \u2014 What It Means for the US and US Allies in Asia and Europe"


def test_the_export_dialog_proposes_a_sane_name(qtbot, tmp_path: Path, settings: QSettings) -> None:
    briefing = templates.new_briefing(templates.load("spot"), title=TITLE)
    dialog = ExportDialog(
        BriefingModel(briefing, QUndoStack()), settings=settings, briefing_path=tmp_path / "b"
    )
    qtbot.addWidget(dialog)
    proposed = Path(dialog.output.text())
    assert proposed.parent == tmp_path
    assert (
        proposed.name
        == "Russias Pact With the DPRK - What It Means for the US and US Allies in Asia and.docx"
    )
