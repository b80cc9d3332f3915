"""The export dialog's copy choice (issue 22): a distribution copy by default (no analyst comments),
a review copy with them in Word's margin; the organisation logo is a remembered setting."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import docx
from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoStack

from briefer.core.briefing import edits, templates
from briefer.core.briefing.excerpts import excerpt_from_span
from briefer.core.briefing.model import Briefing, Paragraph
from briefer.core.documents import Document
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.distribution.export_dialog import LOGO_KEY, ExportDialog


def _briefing() -> Briefing:
    briefing = templates.new_briefing(templates.load("spot"), title="Rail Link Reopens")
    edits.add_block(briefing, briefing.sections[0].id, Paragraph("Freight resumed on Monday."))
    return briefing


def _png(path: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x1f\x38\x64" * 4 for _ in range(4))
    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)))
    path.write_bytes(path.read_bytes() + chunk(b"IEND", b""))
    return path


def _export(qtbot, dialog: ExportDialog, out: Path) -> None:  # type: ignore[no-untyped-def]
    dialog.output.setText(str(out))
    with qtbot.waitSignal(dialog.exported, timeout=30000):
        dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.running)


def test_distribution_is_the_default_and_review_puts_comments_in_the_margin(
    qtbot, tmp_path: Path, settings: QSettings
) -> None:
    briefing = _briefing()
    excerpt_comment = "Ask the desk before release."  # an analyst comment on an excerpt
    doc = Document(
        id="d1", title="Freight", text="Freight trains crossed the border again.", text_hash="ab" * 32
    )
    edits.add_block(briefing, briefing.sections[0].id, excerpt_from_span(doc, 0, 20, comment=excerpt_comment))
    dialog = ExportDialog(BriefingModel(briefing, QUndoStack()), settings=settings)
    qtbot.addWidget(dialog)
    assert dialog.copy.currentData() == "distribution" and dialog.comments.currentData() == "omit"
    distributed = tmp_path / "distributed.docx"
    _export(qtbot, dialog, distributed)
    assert list(docx.Document(str(distributed)).comments) == []
    assert "distribution copy" in dialog.outcome.text()
    assert "no page numbers yet" in dialog.outcome.text()  # the contents: Word numbers them on open

    dialog.copy.setCurrentIndex(dialog.copy.findData("review"))
    assert dialog.comments.currentData() == "margin"  # the review copy's default, still changeable
    review = tmp_path / "review.docx"
    _export(qtbot, dialog, review)
    assert [c.text for c in docx.Document(str(review)).comments] == [excerpt_comment]
    dialog.done(0)


def test_the_logo_is_a_remembered_setting_and_goes_on_the_cover(
    qtbot, tmp_path: Path, settings: QSettings
) -> None:
    logo = _png(tmp_path / "logo.png")
    dialog = ExportDialog(BriefingModel(_briefing(), QUndoStack()), settings=settings)
    qtbot.addWidget(dialog)
    assert dialog.logo.text() == ""
    dialog.logo.setText(str(logo))
    out = tmp_path / "with-logo.docx"
    _export(qtbot, dialog, out)
    assert len(docx.Document(str(out)).inline_shapes) == 1
    dialog.done(0)
    assert settings.value(LOGO_KEY) == str(logo)
    again = ExportDialog(BriefingModel(_briefing(), QUndoStack()), settings=settings)
    qtbot.addWidget(again)
    assert again.logo.text() == str(logo)
    again.done(0)


def test_scope_note_and_contact_are_briefing_properties_edited_in_one_undo_step(qtbot) -> None:
    from briefer.gui.briefing.properties_dialog import BriefingPropertiesDialog

    stack = QUndoStack()
    model = BriefingModel(_briefing(), stack)
    dialog = BriefingPropertiesDialog(model)
    qtbot.addWidget(dialog)
    dialog.scope_note.setPlainText("Covers the rail link.\n\n  Not the port.  ")
    dialog.contact.setPlainText("Desk officer, +1 202 555 0100")
    dialog.accept()
    meta = model.briefing.metadata
    assert (meta.scope_note, meta.contact) == (
        "Covers the rail link.\nNot the port.",
        "Desk officer, +1 202 555 0100",
    )
    assert stack.count() == 1
    stack.undo()
    assert (model.briefing.metadata.scope_note, model.briefing.metadata.contact) == ("", "")
