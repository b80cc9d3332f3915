"""Hostile documents in the reader: a huge text never freezes the window, odd characters never
shift a quote, and markup in a document's text is shown as the characters it is."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import Qt, QTextCursor, QTextDocument

from briefer.core.archive import Archive
from briefer.core.documents import Document
from briefer.core.progress import Cancelled
from briefer.gui.reader.content import MAX_BLOCK_CHARS, prepare_document
from briefer.gui.reader.pane import APPEND_CHARS, FIRST_SCREEN_CHARS, ReaderPane
from briefer.gui.reader.view import ReaderView
from tests.conftest import write_article
from tests.gui.test_briefing_window import no_dialogs, open_window  # noqa: F401 (a fixture)
from tests.gui.test_mainwindow import highlighted_words

FILLER = (
    "Officials at the ministry said the delegation would return next week to continue the talks "
    "on grain, fertiliser and the ports, and that a joint statement was not expected before the "
    "autumn. Analysts in Seoul and Tokyo said the visit showed how far both sides had come since "
    "the spring, when the first convoy crossed the border at night. "
)


class StallProbe:
    """The longest the event loop went without running a 10 ms timer: what a user feels as a freeze."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._last = time.monotonic()
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = time.monotonic()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def stop(self) -> None:
        self._timer.stop()


def paragraphs(chars: int, *, mention_every: int = 40) -> list[str]:
    """Numbered paragraphs adding up to about `chars` characters; every `mention_every`th names
    the cosmodrome."""
    out: list[str] = []
    size = 0
    while size < chars:
        number = len(out) + 1
        mention = "Work at the Vostochny cosmodrome went on." if number % mention_every == 0 else ""
        out.append(f"Paragraph {number}. {FILLER * 2}{mention}".strip())
        size += len(out[-1]) + 2
    return out


def document(text: str, title: str = "A very long report") -> Document:
    return Document(id="d1", title=title, text=text, text_hash="h", source="Border Post")


@pytest.fixture
def view(qtbot, archive: Archive) -> Iterator[ReaderView]:
    """The reader as the window has it (its highlights come with the hits the archive's search finds)."""
    pane = ReaderPane(carried_by=archive.carried_by_count)
    view = ReaderView(pane)
    qtbot.addWidget(view, before_close_func=lambda _: pane.shutdown())
    view.resize(900, 700)
    view.show()
    yield view
    pane.shutdown()  # never delete the pane under its preparing thread


def select(reader: ReaderPane, first: str, last: str) -> None:
    """Select on screen from the start of `first` to the end of `last`."""
    doc = reader.document()
    flags = QTextDocument.FindFlag.FindCaseSensitively | QTextDocument.FindFlag.FindWholeWords
    start = doc.find(first, 0, flags).selectionStart()
    end = doc.find(last, start, flags).selectionEnd()
    assert start >= 0 and end >= 0, (first, last)
    cursor = QTextCursor(doc)
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    reader.setTextCursor(cursor)


def quote(reader: ReaderPane) -> str:
    excerpt = reader.selected_excerpt()
    assert excerpt is not None
    document = reader.current_document
    assert document is not None and document.text[excerpt.start : excerpt.end] == excerpt.quote
    return excerpt.quote


# -- a huge document ------------------------------------------------------------------------
@pytest.mark.slow
def test_a_20_mb_document_never_freezes_the_window_and_ends_up_whole(
    qtbot, view: ReaderView, archive: Archive
) -> None:
    reader = view.reader
    body = paragraphs(20_000_000)
    text = "\n\n".join(body)
    spans = archive.search("cosmodrome").terms.spans(text)  # as a search marks its hits, off the GUI thread
    probe = StallProbe()
    with qtbot.waitSignal(reader.document_shown, timeout=120_000):
        reader.show_highlighted(document(text), spans)
    assert reader.loading  # the first screen is up; the rest is still on its way
    matches = reader.match_spans
    assert len(matches) == len(body) // 40
    view.previous_action.trigger()  # Shift+F3 from the top: the last match, near the very end
    assert view.matches.text() == f"Match {len(matches):,} of {len(matches):,}"
    qtbot.waitUntil(lambda: not reader.loading, timeout=280_000)
    probe.stop()
    # Before: one 10 s freeze. The bound is generous for a loaded 2-core CI (0.2 s idle, 0.7 s seen loaded).
    assert probe.longest < 2.0, f"the event loop stalled for {probe.longest:.2f} s"
    assert reader.toPlainText().endswith("\n".join(body))  # every paragraph, in order, once
    assert reader.selection_span() == matches[-1]  # selected once it was loaded
    assert text[slice(*matches[-1])] == "cosmodrome"
    view.next_action.trigger()  # F3 wraps to the first match
    assert reader.selection_span() == matches[0] and view.matches.text() == f"Match 1 of {len(matches):,}"


def test_preparing_a_document_stops_when_another_is_chosen() -> None:
    cancel = threading.Event()
    cancel.set()  # what the reader's runner does when the next document is asked for
    with pytest.raises(Cancelled):
        prepare_document(document("\n\n".join(paragraphs(100_000))), [], cancel)


def test_text_appended_in_steps_reads_as_if_shown_at_once_and_quotes_exactly(qtbot) -> None:
    body = paragraphs(12 * APPEND_CHARS + FIRST_SCREEN_CHARS, mention_every=3)
    text = "\n\n".join(body)
    reader = ReaderPane(carried_by=lambda doc_id: 0)
    qtbot.addWidget(reader, before_close_func=ReaderPane.shutdown)
    spans = [(a, a + len("cosmodrome")) for a in find_all(text, "cosmodrome")]
    reader.show_document(document(text), spans)
    assert reader.loading
    qtbot.waitUntil(lambda: not reader.loading, timeout=60_000)
    at_once = QTextDocument()
    at_once.setDefaultStyleSheet(reader.document().defaultStyleSheet())
    at_once.setHtml(reader.source_html)
    assert reader.toPlainText() == at_once.toPlainText()
    assert highlighted_words(reader) == ["cosmodrome"] * len(spans)  # none spills over a step's end
    for number in range(1, len(body), 17):  # across paragraphs, wherever the steps were cut
        select(reader, f"Paragraph {number}.", f"Paragraph {number + 1}.")
        assert quote(reader) == f"{body[number - 1]}\n\nParagraph {number + 1}."
    last = f"Paragraph {len(body)}."
    select(reader, "Paragraph 2.", last)  # across every step
    assert quote(reader) == text[text.index("Paragraph 2.") : text.index(last) + len(last)]


def test_a_selection_ending_where_text_is_being_appended_does_not_grow(qtbot) -> None:
    body = paragraphs(4 * FIRST_SCREEN_CHARS)
    reader = ReaderPane(carried_by=lambda doc_id: 0)
    qtbot.addWidget(reader, before_close_func=ReaderPane.shutdown)
    reader.show_document(document("\n\n".join(body)))
    assert reader.loading
    cursor = reader.textCursor()
    cursor.setPosition(reader.document().find("Paragraph 3.").selectionStart())
    cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
    reader.setTextCursor(cursor)  # to the end of what is loaded so far
    before = quote(reader)
    qtbot.waitUntil(lambda: not reader.loading, timeout=60_000)
    assert quote(reader) == before  # not the paragraphs that arrived after it


def test_a_huge_paragraph_is_shown_in_blocks_and_quoted_exactly_across_them(qtbot) -> None:
    words = " ".join(f"w{n}" for n in range(30_000))  # one paragraph of 200,000 characters
    endless = "x" * (3 * MAX_BLOCK_CHARS) + "cosmodrome" + "y" * MAX_BLOCK_CHARS  # one word
    text = f"{words}\n\n{endless}"
    reader = ReaderPane(carried_by=lambda doc_id: 0)
    qtbot.addWidget(reader, before_close_func=ReaderPane.shutdown)
    highlight = text.index("cosmodrome")
    reader.show_document(document(text), [(highlight, highlight + len("cosmodrome"))])
    qtbot.waitUntil(lambda: not reader.loading, timeout=60_000)
    lines = reader.toPlainText().split("\n")
    assert max(len(line) for line in lines) <= MAX_BLOCK_CHARS
    first = next(i for i, line in enumerate(lines) if line.startswith("w0 "))
    cut = next(i for i, line in enumerate(lines) if line.startswith("x"))
    assert " ".join(lines[first:cut]) == words  # cut at spaces, every word shown once
    assert "".join(lines[cut:]) == endless  # cut anywhere, every character shown once
    for n in range(500, 30_000, 997):  # some of these selections cross a block's end
        select(reader, f"w{n}", f"w{n + 3}")
        assert quote(reader) == f"w{n} w{n + 1} w{n + 2} w{n + 3}"
    assert reader.go_to_match(1) == 0
    assert quote(reader) == "cosmodrome"  # the endless word was not cut inside its highlight


def test_characters_qt_counts_or_breaks_differently_never_shift_a_quote(qtbot) -> None:
    # Emoji take two positions in Qt, one character in Python; CR and U+2029 would start a new
    # paragraph in Qt's HTML; a lone surrogate cannot be shown. None of it is in normalized text,
    # all of it can be in a document's text.
    text = (
        "Rocket \U0001f680 launched at dawn \U0001f600 from the pad.\n\n"
        "The base\rreported\u2029success twice \ud800 and then \U0001f680\U0001f680 twice more."
    )
    reader = ReaderPane(carried_by=lambda doc_id: 0)
    qtbot.addWidget(reader, before_close_func=ReaderPane.shutdown)
    reader.show_document(document(text))
    select(reader, "launched", "pad")
    assert quote(reader) == "launched at dawn \U0001f600 from the pad"
    select(reader, "reported", "more")
    assert quote(reader) == "reported\u2029success twice \ud800 and then \U0001f680\U0001f680 twice more"
    start = text.index("then")
    assert reader.select_span(start, start + len("then \U0001f680\U0001f680"))
    assert reader.textCursor().selectedText() == "then \U0001f680\U0001f680"


def test_a_heading_stripped_of_bidi_controls_still_quotes_exactly(qtbot) -> None:
    title = "Leaders sign pact\u202e in Pyongyang"  # would show the rest of the line backwards
    reader = ReaderPane(carried_by=lambda doc_id: 0)
    qtbot.addWidget(reader, before_close_func=ReaderPane.shutdown)
    reader.show_document(document(f"{title}\n\nOfficials met in Seoul.", title=title))
    assert reader.toPlainText().startswith("Leaders sign pact in Pyongyang\n")
    select(reader, "pact", "Officials")
    assert quote(reader) == "pact\u202e in Pyongyang\n\nOfficials"  # the text's own characters


def find_all(text: str, word: str) -> list[int]:
    found, at = [], text.find(word)
    while at >= 0:
        found.append(at)
        at = text.find(word, at + 1)
    return found


def fragments(doc: QTextDocument) -> Iterator:
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            yield it.fragment()
            it += 1
        block = block.next()


# -- markup in a document is text -----------------------------------------------------------
HOSTILE_TITLE = 'Launch <img src="file:///etc/passwd"> report <b>bold</b>'
HOSTILE_PASSAGE = (
    'The launch report quotes <img src="file:///etc/passwd"> and <b>bold</b> claims about the launch.'
)


class _RecordingDocument(QTextDocument):
    """Records every resource (image) rich text asks for, and loads none."""

    def __init__(self) -> None:
        super().__init__()
        self.requested: list[str] = []

    def loadResource(self, kind: int, url: QUrl) -> object:
        self.requested.append(url.toString())
        return None


def as_qt_shows(text: str) -> tuple[str, list[str]]:
    """What a tooltip shows for `text` (Qt's own test: rich text when it looks like it), and the
    files that showing it would load."""
    if not Qt.mightBeRichText(text):
        return text, []
    doc = _RecordingDocument()
    doc.setHtml(text)
    doc.size()  # laid out: images are asked for now
    return doc.toPlainText(), doc.requested


@pytest.mark.usefixtures("no_dialogs")
def test_markup_in_a_document_is_shown_as_the_characters_it_is(
    make_window, archive: Archive, tmp_path: Path, qtbot
) -> None:
    folder = tmp_path / "hostile"
    write_article(
        folder,
        "launch",
        f"Nothing happened in the morning.\n\n{HOSTILE_PASSAGE}\n\nThe launch was delayed.",
        title=HOSTILE_TITLE,
        url='https://wire.example/launch?<img src="file:///etc/passwd">',
    )
    archive.import_paths([folder])
    window = open_window(make_window, qtbot)
    window.search.query.setText("launch")
    window.search.search_now()
    qtbot.waitUntil(lambda: window.search.model.rowCount() == 1 and not window.search.searching)
    qtbot.waitUntil(lambda: window.reader.current_document is not None)
    reader, passages = window.reader, window.reader_view.passages
    shown = reader.toPlainText()
    assert shown.startswith(HOSTILE_TITLE) and HOSTILE_PASSAGE in shown
    assert not any(f.charFormat().isImageFormat() for f in fragments(reader.document()))

    text = reader.current_document.text  # type: ignore[union-attr]
    tips = []
    for row in range(passages.count()):
        item = passages.item(row)
        start, end = passages.span(item)
        tips.append(as_qt_shows(item.toolTip()))
        assert tips[-1] == (text[start:end], [])  # the passage's own characters, and no file read
    assert any(HOSTILE_PASSAGE in tip for tip, _ in tips)

    results = window.search.model
    found = results.hit(0).document
    assert "<img" in found.url
    assert as_qt_shows(results.data(results.index(0), Qt.ItemDataRole.ToolTipRole)) == (found.url, [])

    # Quoted in the briefing: the outline's tooltip and the editor's source line show it as it is.
    hostile = next(passages.item(r) for r in range(passages.count()) if "<b>" in passages.item(r).text())
    model = window.session.model
    assert model.dropMimeData(
        passages.mimeData([hostile]), Qt.DropAction.CopyAction, -1, 0, model.index_of("analysis")
    )
    [excerpt] = model.node_by_id("analysis").blocks  # type: ignore[union-attr]
    tip, loaded = as_qt_shows(model.data(model.index_of(excerpt.id), Qt.ItemDataRole.ToolTipRole))
    assert tip.startswith(HOSTILE_PASSAGE) and HOSTILE_TITLE in tip and loaded == []
    window.briefing.select(excerpt.id)
    source = window.briefing.editor.citation
    assert source.textFormat() == Qt.TextFormat.PlainText and HOSTILE_TITLE in source.text()
