"""The reader's HTML: metadata, paragraphs, highlights by span, and everything escaped."""

from __future__ import annotations

from datetime import UTC, datetime

from briefer.core.documents import Document
from briefer.gui.reader.pane import FIRST_MATCH, HIGHLIGHT_STYLE, ReaderPane, document_html

TEXT = "Tanks & <trains> crossed.\n\nKim arrived by train.\nThe train was armoured."


def make_document(**changes: object) -> Document:
    fields: dict[str, object] = {
        "id": "d1",
        "title": "Trains <b>& tanks</b>",
        "text": TEXT,
        "text_hash": "",
        "author": "A. Writer",
        "source": "Border Post",
        "published": datetime(2023, 9, 12, 6, 0, tzinfo=UTC),
        "url": "https://post.example/train?a=1&b=2",
    }
    fields.update(changes)
    return Document(**fields)  # type: ignore[arg-type]


def spans_of(text: str, word: str) -> list[tuple[int, int]]:
    spans, start = [], text.find(word)
    while start >= 0:
        spans.append((start, start + len(word)))
        start = text.find(word, start + 1)
    return spans


def test_metadata_comes_first_and_is_escaped():
    html = document_html(make_document(), [])
    assert html.startswith("<h1>Trains &lt;b&gt;&amp; tanks&lt;/b&gt;</h1>")
    assert "Border Post \u00b7 12 September 2023 \u00b7 A. Writer" in html
    assert '<a href="https://post.example/train?a=1&amp;b=2">' in html


def test_paragraphs_and_line_breaks_survive():
    html = document_html(make_document(), [])
    assert "<p>Tanks &amp; &lt;trains&gt; crossed.</p>" in html
    assert "<p>Kim arrived by train.<br>The train was armoured.</p>" in html


def test_every_span_is_highlighted_and_the_first_is_anchored():
    html = document_html(make_document(), spans_of(TEXT, "train"))
    assert html.count(f'<span style="{HIGHLIGHT_STYLE}">train</span>') == 3  # "trains" holds one too
    assert html.count(f'<a name="{FIRST_MATCH}">') == 1
    assert f'&lt;<a name="{FIRST_MATCH}"><span style="{HIGHLIGHT_STYLE}">train</span></a>s&gt;' in html


def test_links_that_could_open_local_files_or_scripts_are_shown_as_text():
    for url in ("file:///etc/passwd", "javascript:alert(1)"):
        html = document_html(make_document(url=url), [])
        assert "<a href" not in html
        assert url in html


def test_a_document_without_metadata_still_reads(qtbot):
    pane = ReaderPane(carried_by=lambda doc_id: 0)
    qtbot.addWidget(pane, before_close_func=ReaderPane.shutdown)
    bare = make_document(title="", author="", source="", published=None, url="", paths=("/a/b.txt",))
    with qtbot.waitSignal(pane.document_shown):
        pane.show_highlighted(bare, [])
    assert pane.toPlainText().startswith("/a/b.txt")
    assert "Kim arrived by train." in pane.toPlainText()
    pane.shutdown()  # the highlighting thread may still be ending: never delete the pane under it


def test_the_reader_highlights_the_spans_it_is_given_and_asks_nobody_else(qtbot):
    """The spans come with the hit (the search found them): the reader has no query to run."""
    pane = ReaderPane(carried_by=lambda doc_id: 0)
    qtbot.addWidget(pane, before_close_func=ReaderPane.shutdown)
    spans = spans_of(TEXT, "train")[1:]  # not the "train" inside "<trains>"
    with qtbot.waitSignal(pane.document_shown):
        pane.show_highlighted(make_document(), spans)
    assert "Kim arrived by train." in pane.toPlainText()
    assert pane.match_spans == spans
    assert pane.source_html.count(HIGHLIGHT_STYLE) == 2
    pane.shutdown()  # the preparing thread may still be ending: never delete the pane under it


def test_a_text_that_opens_with_its_title_shows_it_once_with_its_highlights():
    text = "Trains and tanks\n\nKim arrived by train."
    html = document_html(make_document(title="Trains and tanks", text=text), spans_of(text, "tanks"))
    assert html.startswith(f'<h1>Trains and <a name="{FIRST_MATCH}"><span style="{HIGHLIGHT_STYLE}">tanks')
    assert html.count("Trains and") == 1
