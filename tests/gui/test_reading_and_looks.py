"""Reading and looks: where the reader puts a match, how results and status messages read, the
toolbar's and the outline's icons, and the template and section choosers."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtGui import QTextCursor

from briefer.core.documents import Document
from briefer.gui.reader.pane import ReaderPane

FILLER = "The delegations met again in the afternoon and no statement was issued afterwards."


def long_document(paragraphs: int, matches_at: tuple[int, ...]) -> tuple[Document, list[tuple[int, int]]]:
    """A document of `paragraphs` paragraphs; the word "Vostochny" in those numbered `matches_at`."""
    named = "Vostochny was named in paragraph {}."
    text = "\n\n".join(named.format(n) if n in matches_at else FILLER for n in range(paragraphs))
    spans, start = [], text.find("Vostochny")
    while start >= 0:
        spans.append((start, start + len("Vostochny")))
        start = text.find("Vostochny", start + 1)
    document = Document(
        id="long",
        title="A long readout",
        text=text,
        text_hash="",
        source="Wire",
        published=datetime(2023, 9, 13, tzinfo=UTC),
    )
    return document, spans


def distance_from_centre(reader: ReaderPane) -> int:
    """How far (pixels) the selected text's middle is from the middle of the reader's view."""
    cursor = reader.textCursor()
    start = QTextCursor(reader.document())
    start.setPosition(cursor.selectionStart())
    end = QTextCursor(reader.document())
    end.setPosition(cursor.selectionEnd())
    middle = (reader.cursorRect(start).top() + reader.cursorRect(end).bottom()) // 2
    return abs(middle - reader.viewport().height() // 2)


# -- the reader --------------------------------------------------------------------------
def test_the_current_match_is_centred_on_open_and_after_f3(qtbot):
    reader = ReaderPane(carried_by=lambda doc_id: 0)
    qtbot.addWidget(reader, before_close_func=ReaderPane.shutdown)
    reader.resize(600, 400)
    reader.show()
    qtbot.waitExposed(reader)
    document, spans = long_document(120, matches_at=(40, 80))
    with qtbot.waitSignal(reader.document_shown):
        reader.show_highlighted(document, spans)
    qtbot.waitUntil(lambda: not reader.loading)
    line = reader.fontMetrics().height()

    # On open the cursor waits before the first match, which sits mid-view (not on the bottom line).
    assert reader.verticalScrollBar().value() > 0
    assert distance_from_centre(reader) <= 2 * line

    assert reader.go_to_match(1) == 0
    assert reader.textCursor().selectedText() == "Vostochny"
    assert distance_from_centre(reader) <= 2 * line
    assert reader.go_to_match(1) == 1  # F3: the next match, far below
    assert distance_from_centre(reader) <= 2 * line
    reader.shutdown()


def test_headings_and_paragraph_breaks_of_the_source_show_and_keep_every_offset(qtbot):
    long_paragraph = " ".join(["The shells were counted again at the border crossing."] * 150)  # 8,000 chars
    text = "\n\n".join(
        [
            "Kim arrived by train on Tuesday.",
            "What each side might seek",  # a heading of the source, normalized to a paragraph
            long_paragraph,
            "A launch with Russian fingerprints?",
            "The talks ended without a statement.",
            "Closing remarks",  # the last paragraph: no heading of anything
        ]
    )
    document = Document(id="h", title="Talks", text=text, text_hash="", source="Wire")
    reader = ReaderPane(carried_by=lambda doc_id: 0)
    qtbot.addWidget(reader, before_close_func=ReaderPane.shutdown)
    reader.resize(600, 400)
    reader.show()
    with qtbot.waitSignal(reader.document_shown):
        reader.show_highlighted(document, [])
    qtbot.waitUntil(lambda: not reader.loading)

    def block_of(words: str):
        block = reader.document().begin()
        while block.isValid() and not block.text().startswith(words):
            block = block.next()
        assert block.isValid(), words
        return block

    body = block_of("Kim arrived")
    for heading in ("What each side might seek", "A launch with Russian fingerprints?"):
        block = block_of(heading)
        assert block.text() == heading  # styled, not rewritten
        assert block.charFormat().fontWeight() > body.charFormat().fontWeight()
        assert block.layout().lineAt(0).height() > body.layout().lineAt(0).height()  # larger type
    for plain in ("Kim arrived", "The talks ended", "Closing remarks"):
        assert block_of(plain).charFormat().fontWeight() == body.charFormat().fontWeight()

    # The long paragraph is shown in several blocks: a gap only where the source's paragraph ends.
    parts = [block_of("The shells were counted")]
    while parts[-1].next().text() in long_paragraph:
        parts.append(parts[-1].next())
    assert len(parts) > 1
    assert [part.blockFormat().bottomMargin() for part in parts[:-1]] == [0] * (len(parts) - 1)
    assert parts[-1].blockFormat().bottomMargin() == body.blockFormat().bottomMargin() > 0

    # Every character keeps its offset: selecting the heading quotes exactly its span.
    heading = block_of("What each side might seek")
    cursor = QTextCursor(heading)
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
    reader.setTextCursor(cursor)
    start = text.index("What each side")
    assert reader.selection_span() == (start, start + len("What each side might seek"))
    reader.shutdown()
