"""Reader selections map to exact spans of Document.text, whatever the HTML around them."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QTextCursor, QTextDocument

from briefer.core.briefing.excerpts import sha256_text
from briefer.core.documents import Document
from briefer.gui import mime
from briefer.gui.reader.pane import ReaderPane

TEXT = (
    "Trains and tanks\n\n"
    "Kim  arrived by train.\nThe train was armoured & <slow>.\n\n"
    "Officials in Seoul said they would respond \u201cfirmly\u201d.\n\n"
    "A last\tparagraph."
)
DOC = Document(
    id="d1", title="Trains and tanks", text=TEXT, text_hash="h", source="Border Post", pages=(0, 60)
)


def spans_of(word: str) -> list[tuple[int, int]]:
    spans, start = [], TEXT.find(word)
    while start >= 0:
        spans.append((start, start + len(word)))
        start = TEXT.find(word, start + 1)
    return spans


@pytest.fixture
def reader(qtbot) -> ReaderPane:
    pane = ReaderPane(carried_by=lambda doc_id: 0)
    qtbot.addWidget(pane, before_close_func=ReaderPane.shutdown)
    pane.show_document(DOC, spans_of("train"))  # highlighted words split Qt's text fragments
    return pane


def select(reader: ReaderPane, first: str, last: str) -> None:
    """Select on screen from the start of `first` to the end of `last` (text as Qt shows it)."""
    doc = reader.document()
    start = doc.find(first, 0, QTextDocument.FindFlag.FindCaseSensitively).selectionStart()
    end = doc.find(last, start, QTextDocument.FindFlag.FindCaseSensitively).selectionEnd()
    cursor = QTextCursor(doc)
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    reader.setTextCursor(cursor)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("arrived", "armoured", "arrived by train.\nThe train was armoured"),
        (
            "Kim",
            "firmly",
            "Kim  arrived by train.\nThe train was armoured & <slow>.\n\n"
            "Officials in Seoul said they would respond \u201cfirmly",
        ),
        ("respond", "last paragraph", "respond \u201cfirmly\u201d.\n\nA last\tparagraph"),
        ("train", "train", "train"),
    ],
)
def test_a_selection_is_exactly_a_span_of_the_text(reader, first, last, expected):
    select(reader, first, last)
    excerpt = reader.selected_excerpt()
    assert excerpt is not None
    assert excerpt.quote == expected
    assert TEXT[excerpt.start : excerpt.end] == excerpt.quote
    assert excerpt.quote_sha256 == sha256_text(excerpt.quote)


def test_a_selection_from_the_title_or_meta_lines_snaps_to_the_text(reader):
    select(reader, "Border Post", "arrived")
    span = reader.selection_span()
    assert span is not None and TEXT[span[0] : span[1]] == "Kim  arrived"


def test_the_page_of_the_selection_is_cited(reader):
    select(reader, "Officials", "Seoul")
    excerpt = reader.selected_excerpt()
    assert excerpt is not None and excerpt.page == 2


def test_dragging_a_selection_carries_the_excerpt_and_the_quote_with_its_citation(reader):
    select(reader, "Officials", "firmly")
    data = reader.createMimeDataFromSelection()
    [excerpt] = mime.excerpts_from_mime(data)
    assert excerpt.quote == "Officials in Seoul said they would respond \u201cfirmly"
    assert excerpt.doc_id == "d1" and excerpt.citation.outlet == "Border Post"
    assert data.text().startswith("\u201cOfficials in Seoul") and "Border Post" in data.text()


def test_without_a_selection_there_is_no_excerpt(reader):
    assert reader.selected_excerpt() is None
