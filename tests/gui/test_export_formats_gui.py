"""The export dialog's format (Word, PDF, web page) and the send dialog's PDF attachment."""
# ruff: noqa: F811  (the send dialog's fixtures are imported from its tests)

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoStack

from briefer.core.briefing import edits, templates
from briefer.core.briefing.model import KeyJudgment
from briefer.core.export.pdf_export import LibreOfficeMissing
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.distribution import send_dialog
from briefer.gui.distribution.export_dialog import ExportDialog
from tests.core.smtp_server import PASSWORD
from tests.gui.test_distribution_gui import (  # noqa: F401  (fixtures among them)
    add_recipient,
    attachments,
    book,
    certificate,
    keychain,
    make_send_dialog,
    memory,
    message_of,
    model,
    send,
    smtp_account,
    smtp_server,
)

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def spot() -> BriefingModel:
    briefing = templates.new_briefing(templates.load("assessment"), title="Rail Link Reopens")
    edits.add_block(briefing, "key-judgments", KeyJudgment("Freight will resume.", "likely", "moderate"))
    return BriefingModel(briefing, QUndoStack())


def export_dialog(qtbot: Any, briefing: BriefingModel, settings: QSettings, out: Path) -> ExportDialog:
    dialog = ExportDialog(briefing, settings=settings)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.output.setText(str(out))
    return dialog


def export(qtbot: Any, dialog: ExportDialog) -> str:
    dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=200_000)
    return dialog.outcome.text()


def test_the_format_choice_renames_the_output_and_writes_a_web_page(
    qtbot: Any, spot: BriefingModel, settings: QSettings, tmp_path: Path
) -> None:
    dialog = export_dialog(qtbot, spot, settings, tmp_path / "rail.docx")
    assert [dialog.format.itemData(i) for i in range(dialog.format.count())] == ["docx", "pdf", "html"]
    dialog.format.setCurrentIndex(dialog.format.findData("html"))
    assert dialog.output.text() == str(tmp_path / "rail.html")
    outcome = export(qtbot, dialog)
    assert outcome.startswith("<b>Exported</b> a distribution copy to " + str(tmp_path / "rail.html"))
    assert "Manifest" not in outcome
    page = (tmp_path / "rail.html").read_text(encoding="utf-8")
    assert "Freight will resume." in page and "<script" not in page
    assert not (tmp_path / "rail.docx").exists()
    again = ExportDialog(spot, settings=settings)  # the choice is remembered
    qtbot.addWidget(again)
    assert again.format.currentData() == "html"
    assert again.output.text() == str(tmp_path / "Rail Link Reopens.html")


def test_a_pdf_export_without_libreoffice_says_what_to_install(
    qtbot: Any, spot: BriefingModel, settings: QSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    dialog = export_dialog(qtbot, spot, settings, tmp_path / "rail.docx")
    dialog.format.setCurrentIndex(dialog.format.findData("pdf"))
    outcome = export(qtbot, dialog)
    assert outcome.startswith("<b>Not exported.</b> PDF export needs LibreOffice")
    assert "libreoffice-writer-nogui" in outcome and not (tmp_path / "rail.pdf").exists()


def test_a_pdf_export(qtbot: Any, spot: BriefingModel, settings: QSettings, tmp_path: Path) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: no PDF to make")
    dialog = export_dialog(qtbot, spot, settings, tmp_path / "rail.docx")
    dialog.format.setCurrentIndex(dialog.format.findData("pdf"))
    outcome = export(qtbot, dialog)
    assert outcome.startswith("<b>Exported</b> a distribution copy to " + str(tmp_path / "rail.pdf"))
    assert (tmp_path / "rail.pdf").read_bytes().startswith(b"%PDF-")


def test_send_attaches_the_pdf_when_ticked(
    qtbot: Any, model: BriefingModel, keychain: Any, book: Any, settings: QSettings, certificate: Any
) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: no PDF to attach")
    keychain.system.set("work", PASSWORD)
    with smtp_server(certificate) as server:
        book.put(smtp_account(server))
        dialog = make_send_dialog(qtbot, model, keychain, book, settings)
        add_recipient(dialog, "Desk Officer <desk@agency.example>")
        dialog.attach_pdf.setChecked(True)
        outcome = send(qtbot, dialog, timeout=200_000)
        assert outcome.startswith("Sent BRF-2024-0017-ed1.docx and BRF-2024-0017-ed1.pdf to Desk Officer")
        (envelope,) = server.sink.messages
    message = message_of(envelope)
    assert [(kind, name) for kind, name, _ in attachments(message)][1] == (
        "application/pdf",
        "BRF-2024-0017-ed1.pdf",
    )
    assert message.get_body(("html",)) is not None
    assert send_dialog.explain_failure  # the dialog's wording of a missing LibreOffice is below


def test_send_without_libreoffice_says_so() -> None:
    text = send_dialog.explain_failure(LibreOfficeMissing())
    assert "libreoffice-writer-nogui" in text and "Attach a PDF of the document too" in text
