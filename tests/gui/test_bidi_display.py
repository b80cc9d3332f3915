"""The window shows metadata without bidirectional controls: the result list and the reader's header.

A U+202E in an author or a title would show the rest of the line backwards
("Mina Park, 13 September 2023" as "3202 rebmetpeS 31 ,kraP aniM").
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt

from briefer.core.documents import Document
from briefer.core.search.results import Hit, make_snippet
from briefer.core.textnorm import BIDI_CONTROLS
from briefer.gui.reader.pane import document_html
from briefer.gui.search.pane import ResultsModel, hit_meta_line

RLO = "\u202e"
TEXT = "Russia and North Korea signed a treaty.\n\nOfficials in Seoul said they would respond."


def hostile_document() -> Document:
    return Document(
        id="d1",
        title=f"Leaders sign pact{RLO} in Pyongyang",
        text=TEXT,
        text_hash="",
        author=f"Mina Park{RLO}",
        source=f"Harbor{RLO} Wire",
        published=datetime(2023, 9, 13, 10, 0, tzinfo=UTC),
        url=f"https://news.example/{RLO}pact",
    )


def test_the_reader_header_shows_metadata_in_order() -> None:
    html = document_html(hostile_document(), [])
    header = html.split("<hr>")[0]
    assert "<h1>Leaders sign pact in Pyongyang</h1>" in header
    assert "Harbor Wire \u00b7 13 September 2023 \u00b7 Mina Park" in header
    assert '<a href="https://news.example/pact">' in header
    assert not BIDI_CONTROLS.search(header)


def test_the_result_list_shows_metadata_in_order(qapp: object) -> None:
    document = hostile_document()
    hit = Hit(document, 1.0, make_snippet(document.text, [(33, 39)]), 1)
    model = ResultsModel(lambda doc_id: 0)  # no other outlet carried it
    model.set_hits([hit])
    index = model.index(0)
    assert model.data(index) == "Leaders sign pact in Pyongyang"
    assert model.data(index, Qt.ItemDataRole.ToolTipRole) == "https://news.example/pact"
    assert hit_meta_line(hit) == "Harbor Wire \u00b7 13 Sep 2023 \u00b7 Mina Park \u00b7 1 match"
    described = model.data(index, Qt.ItemDataRole.AccessibleTextRole)
    assert described.startswith("Leaders sign pact in Pyongyang. Harbor Wire")
    assert not BIDI_CONTROLS.search(described)
