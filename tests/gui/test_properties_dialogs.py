"""The briefing properties dialog and the citation editor: one undo step each, refusals explained.

The dialogs are opened the way the window opens them (`open()`, never
`exec()`); the tests fill the fields and call `accept()`, so no test waits on
a modal dialog.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QAbstractSpinBox, QDialog, QLabel, QLineEdit, QWidget

from briefer.core.briefing import codec, edits, templates
from briefer.core.briefing.excerpts import excerpt_from_quote
from briefer.core.briefing.model import (
    Briefing,
    CuiDesignation,
    Excerpt,
    Paragraph,
    excerpts,
)
from briefer.core.documents import Document
from briefer.gui.briefing.citation_dialog import CitationDialog
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.briefing.pane import BriefingPane
from briefer.gui.briefing.properties_dialog import BriefingPropertiesDialog

NOW = datetime(2024, 6, 24, 12, 0, tzinfo=UTC)
TEXT = "Officials met in Vienna.\n\nThey agreed on a timetable.\n\nTalks resume in May."
DOC = Document(
    id="doc1",
    title="Talks in Vinna",
    text=TEXT,
    text_hash="ab" * 32,
    source="wire.example",
    published_raw="Tuesday morning",
    url="https://wire.example/1",
    language="en",
)
OTHER = replace(DOC, id="doc2", title="Another source", source="Other Desk", text_hash="cd" * 32)


@pytest.fixture
def briefing() -> Briefing:
    b = templates.new_briefing(templates.load("assessment"), title="Vienna talks", now=NOW)
    for section, doc, words in (
        ("background", DOC, "Officials met in Vienna."),
        ("analysis", OTHER, "They agreed"),
        ("japan", DOC, "Talks resume in May."),
    ):
        excerpt = excerpt_from_quote(doc, words)
        excerpt.citation = replace(excerpt.citation, captured_at=NOW)
        edits.add_block(b, section, excerpt)
    return b


@pytest.fixture
def stack(qapp) -> QUndoStack:
    return QUndoStack()


@pytest.fixture
def pane(qtbot, briefing: Briefing, stack: QUndoStack) -> BriefingPane:
    pane = BriefingPane(BriefingModel(briefing, stack))
    qtbot.addWidget(pane)
    pane.resize(420, 700)
    pane.show()
    return pane


def quoted(pane: BriefingPane) -> list[Excerpt]:
    """Background (doc1), Analysis (doc2), Japan (doc1)."""
    return list(excerpts(pane.model.briefing).values())


def metadata_json(pane: BriefingPane) -> str:
    return json.dumps(codec.to_dict(pane.model.briefing)["metadata"], sort_keys=True)


def open_properties(pane: BriefingPane) -> BriefingPropertiesDialog:
    pane.properties_action.trigger()
    dialog = pane.properties_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def unnamed_controls(dialog: QDialog) -> list[str]:
    """Focusable controls without an accessible name (a spin box's own line edit is the spin box's)."""
    controls = [
        w
        for w in dialog.findChildren(QWidget)
        if w.focusPolicy() != Qt.FocusPolicy.NoFocus and not isinstance(w.parent(), QAbstractSpinBox)
    ]
    assert len(controls) > 8
    return [f"{type(w).__name__} {w.objectName()!r}" for w in controls if not w.accessibleName()]


# -- briefing properties ------------------------------------------------------------------
def test_properties_change_title_subtitle_and_cui_as_one_undo_step(pane, stack, qtbot) -> None:
    before = metadata_json(pane)
    dialog = open_properties(pane)
    assert dialog.title.text() == "Vienna talks" and dialog.date.value() == NOW
    dialog.title.setText("  Vienna talks   resume ")
    dialog.subtitle.setText("What the May round means")
    dialog.product_number.setText("BRF-2024-0042")
    dialog.edition.setValue(2)
    dialog.info_cutoff.set_value(None)
    dialog.keywords.setText("Austria, talks,, timetable ")
    dialog.title_portion.setCurrentIndex(dialog.title_portion.findData("CUI"))
    dialog.cui_controlled_by.setText("Dept of Examples")
    dialog.cui_office.setText("Regional Office")
    dialog.cui_categories.setText("sp-prvcy / lei")
    dialog.cui_poc.setText("J. Doe")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    meta = pane.model.briefing.metadata
    assert (meta.title, meta.subtitle, meta.product_number, meta.edition) == (
        "Vienna talks resume",
        "What the May round means",
        "BRF-2024-0042",
        2,
    )
    assert meta.info_cutoff is None and meta.date == NOW  # untouched fields keep their value
    assert meta.keywords == ["Austria", "talks", "timetable"]
    assert meta.title_portion == "CUI"
    assert meta.cui == CuiDesignation(
        "Dept of Examples", "Regional Office", ("SP-PRVCY", "LEI"), "", "J. Doe"
    )
    heading = pane.heading.text()
    assert "Vienna talks resume" in heading and "What the May round means" in heading
    assert "CUI//SP-PRVCY/LEI" in heading
    assert stack.count() == 1 and stack.undoText() == "Edit briefing properties"
    stack.undo()
    assert metadata_json(pane) == before
    assert "Vienna talks resume" not in pane.heading.text() and "UNCLASSIFIED" in pane.heading.text()
    stack.redo()
    assert pane.model.briefing.metadata.title == "Vienna talks resume"
    qtbot.waitUntil(lambda: pane.properties_dialog is None)  # forgotten and deleted once finished


def test_unchanged_properties_push_nothing(pane, stack) -> None:
    pane.model.briefing.metadata.date = datetime(2024, 6, 24, 12, 0, 45, tzinfo=UTC)  # seconds: not shown
    dialog = open_properties(pane)
    assert dialog.changes() == []
    dialog.accept()
    assert stack.count() == 0 and pane.model.briefing.metadata.date.second == 45


def test_the_heading_link_opens_the_properties(pane) -> None:
    assert "Edit properties" in pane.heading.text()
    pane.heading.linkActivated.emit("properties")
    assert pane.properties_dialog is not None
    assert pane.show_properties() is pane.properties_dialog  # one at a time
    pane.properties_dialog.reject()


def test_the_cui_hint_follows_the_form(pane) -> None:
    dialog = open_properties(pane)
    assert "No portion is CUI" in dialog.cui_hint.text()
    dialog.title_portion.setCurrentIndex(dialog.title_portion.findData("CUI"))  # not applied yet
    hint = dialog.cui_hint.text()
    for missing in ("controlled by (organisation)", "controlling office", "CUI category", "POC"):
        assert missing in hint
    assert "<b>CUI</b>" in dialog.banner.text()
    dialog.cui_controlled_by.setText("Dept")
    dialog.cui_office.setText("Office")
    dialog.cui_poc.setText("J. Doe")
    dialog.cui_categories.setText("SP_PRVCY")
    assert "Category 'SP_PRVCY' is not a CUI category marking" in dialog.cui_hint.text().replace(
        "&#x27;", "'"
    )
    assert "controlled by" not in dialog.cui_hint.text()
    dialog.cui_categories.setText("SP-PRVCY")
    assert "designation block is complete" in dialog.cui_hint.text()
    assert pane.model.briefing.metadata.title_portion == "U"
    dialog.reject()


def test_refused_properties_explain_and_change_nothing(pane, stack, monkeypatch) -> None:
    before = metadata_json(pane)
    dialog = open_properties(pane)
    dialog.title.setText("   ")
    dialog.subtitle.setText("Kept in the form")
    dialog.accept()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert not dialog.error.isHidden() and "the briefing needs a title" in dialog.error.text()
    assert metadata_json(pane) == before and stack.count() == 0

    # A form whose last change the core refuses: the first is undone again, the core's reason shown.
    bad = [edits.SetMetadata("title", "Fine title"), edits.SetMetadata("edition", "x")]
    monkeypatch.setattr(dialog, "changes", lambda: bad)
    dialog.title.setText("Fine title")
    dialog.accept()
    assert dialog.isVisible() and "edition" in dialog.error.text()
    assert metadata_json(pane) == before and stack.count() == 0
    dialog.reject()


def test_a_macro_of_metadata_edits_undoes_whole_even_where_typing_would_merge(pane, stack) -> None:
    model = pane.model
    model.do(edits.SetMetadata("title", "Typed"))  # a string SetMetadata: merge_key applies
    assert model.do_all(
        [edits.SetMetadata("title", "One"), edits.SetMetadata("title", "Two")], "Edit briefing properties"
    )
    model.do(edits.SetMetadata("title", "Typed again"))
    assert stack.count() == 3  # nothing merged across the macro's edges
    stack.undo()
    assert model.briefing.metadata.title == "Two"
    stack.undo()
    assert model.briefing.metadata.title == "Typed"
    assert not model.do_all([edits.SetMetadata("title", "Ok"), edits.SetMetadata("edition", "x")], "Bad")
    assert model.briefing.metadata.title == "Typed" and stack.count() == 3 and stack.index() == 1


# -- the citation editor ---------------------------------------------------------------------
def test_the_citation_button_shows_only_for_excerpts(pane) -> None:
    first = quoted(pane)[0]
    button = pane.editor.edit_citation
    pane.select(first.id)
    assert button.isVisibleTo(pane) and pane.edit_citation_action.isEnabled()
    pane.select("background")
    assert not button.isVisibleTo(pane) and not pane.edit_citation_action.isEnabled()
    para = Paragraph("Ours.")
    pane.model.do(edits.AddBlock("analysis", -1, para))
    pane.select(para.id)
    assert not button.isVisibleTo(pane)


def test_citation_edit_shows_in_the_editor_and_the_outline_and_undoes(pane, stack, qtbot) -> None:
    first, _, last = quoted(pane)
    pane.select(first.id)
    qtbot.mouseClick(pane.editor.edit_citation, Qt.MouseButton.LeftButton)
    dialog = pane.citation_dialog
    assert isinstance(dialog, CitationDialog) and dialog.isVisible() and dialog.excerpt_id == first.id
    assert not dialog.apply_to_source.isHidden()
    assert dialog.apply_to_source.text() == "Apply to every excerpt from this source (2)"
    assert "Tuesday morning" in dialog.raw_date.text()
    dialog.outlet.setText("Wire Service")
    dialog.author.setText("M. Park")
    dialog.title.setText("Talks in Vienna")
    dialog.published.set_value(datetime(2024, 6, 18, 9, 30, tzinfo=UTC))
    dialog.source_type.setCurrentText("wire service")
    assert dialog.footnote.text().startswith(
        "Wire Service; M. Park; \u201cTalks in Vienna\u201d; 18 Jun 2024 0930Z;"
    )
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    cited = first.citation
    assert (cited.outlet, cited.author, cited.title, cited.source_type) == (
        "Wire Service",
        "M. Park",
        "Talks in Vienna",
        "wire service",
    )
    assert cited.published == datetime(2024, 6, 18, 9, 30, tzinfo=UTC) and cited.published_raw == ""
    assert (cited.doc_id, cited.text_hash, cited.captured_at) == ("doc1", "ab" * 32, NOW)
    assert last.citation.outlet == "wire.example"  # the box was not ticked
    assert pane.editor.citation.text().startswith("Wire Service; M. Park;")
    assert "Wire Service" in pane.model.index_of(first.id).data()
    assert stack.count() == 1 and stack.undoText() == "Edit citation"
    stack.undo()
    assert first.citation.outlet == "wire.example" and first.citation.published_raw == "Tuesday morning"
    assert pane.editor.citation.text().startswith("wire.example; n.a.;")
    assert "wire.example" in pane.model.index_of(first.id).data()
    qtbot.waitUntil(lambda: pane.citation_dialog is None)


def test_apply_to_every_excerpt_from_the_source_and_only_those(pane, stack) -> None:
    first, other, last = quoted(pane)
    pane.model.do(edits.SetCitation(last.id, (("language", "de"),)))  # an earlier, different snapshot
    other_citation = other.citation
    dialog = pane.edit_citation(first.id)
    assert dialog is not None
    dialog.author.setText("M. Park")
    dialog.apply_to_source.setChecked(True)
    dialog.accept()
    assert [e.citation.author for e in (first, other, last)] == ["M. Park", "", "M. Park"]
    assert last.citation.language == "en"  # the source's excerpts now agree on the whole citation
    assert other.citation is other_citation  # another source: untouched
    assert stack.count() == 2 and stack.undoText() == "Edit citation (2 excerpts)"
    stack.undo()
    assert [e.citation.author for e in (first, other, last)] == ["", "", ""]
    assert last.citation.language == "de"
    other_dialog = pane.edit_citation(other.id)
    assert other_dialog is not None and other_dialog.apply_to_source.isHidden()  # its source is quoted once
    other_dialog.reject()


def test_provenance_and_quote_are_shown_but_not_editable(pane) -> None:
    first = quoted(pane)[0]
    dialog = pane.edit_citation(first.id)
    assert dialog is not None
    assert dialog.archive_id.text() == "doc1"
    assert dialog.text_hash.text() == "sha256:abababababab" and dialog.text_hash.toolTip() == "ab" * 32
    assert dialog.captured.text() == "24 Jun 2024 1200Z"
    assert "Officials met in Vienna." in dialog.quote.text()
    for label in (dialog.archive_id, dialog.text_hash, dialog.captured, dialog.quote):
        assert isinstance(label, QLabel)
    editable = [w.text() for w in dialog.findChildren(QLineEdit)]
    assert not any(value in editable for value in ("doc1", "ab" * 32, first.quote))
    assert set(dialog.values()) == set(edits.CITATION_FIELDS)
    dialog.reject()


def test_a_citation_refused_by_the_briefing_is_explained(pane, stack) -> None:
    first = quoted(pane)[0]
    dialog = pane.edit_citation(first.id)
    assert dialog is not None
    pane.model.do(edits.RemoveBlock(first.id))  # deleted while the dialog is open
    dialog.author.setText("M. Park")
    dialog.accept()
    assert dialog.isVisible() and "no longer in the briefing" in dialog.error.text()
    assert stack.count() == 1  # only the deletion
    stack.undo()  # it is back: the same edit now goes through
    dialog.url.setText("https://wire.example/1\nhttps://x")  # a line break: the core refuses it
    dialog.accept()
    assert dialog.isVisible() and "citation url must be one line" in dialog.error.text()
    assert first.citation.author == "" and stack.index() == 0
    dialog.url.setText("https://wire.example/1")
    dialog.accept()
    assert first.citation.author == "M. Park" and stack.count() == 1


def test_a_new_briefing_closes_the_dialogs(pane) -> None:
    first = quoted(pane)[0]
    properties = open_properties(pane)
    citation = pane.edit_citation(first.id)
    assert citation is not None
    pane.model.set_briefing(templates.new_briefing(templates.load("spot"), now=NOW))
    assert not properties.isVisible() and not citation.isVisible()
    assert properties.result() == citation.result() == QDialog.DialogCode.Rejected


def test_every_control_has_an_accessible_name(pane) -> None:
    properties = open_properties(pane)
    citation = pane.edit_citation(quoted(pane)[0].id)
    assert citation is not None
    assert unnamed_controls(properties) == []
    assert unnamed_controls(citation) == []
    assert pane.editor.edit_citation.accessibleName() == "Edit citation"
    properties.reject()
    citation.reject()
