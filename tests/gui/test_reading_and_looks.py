"""Reading and looks: where the reader puts a match, how results and status messages read, the
toolbar's and the outline's icons, and the template and section choosers."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QModelIndex, QRect, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QHelpEvent, QIcon, QImage, QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QListWidget, QToolTip, QTreeWidgetItemIterator

from briefer.core.archive import Archive
from briefer.core.briefing import edits, templates
from briefer.core.briefing.model import BulletList, KeyJudgment, Paragraph, walk_sections
from briefer.core.documents import Document
from briefer.gui import dialogs
from briefer.gui.dialogs import MATRIX_ENTRY, TemplateChooserDialog
from briefer.gui.icons import block_icon
from briefer.gui.reader.pane import ReaderPane
from briefer.gui.search.pane import SearchPane
from tests.conftest import write_article
from tests.gui.test_briefing_window import (  # noqa: F401 (no_dialogs: a fixture)
    blocks,
    no_dialogs,
    open_window,
    read_first_hit,
    select_in_reader,
)

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


# -- the results list -----------------------------------------------------------------------
READOUT = "Readout of the Secretary's Meeting with the Foreign Minister of the Republic of Korea and "
LONG_TITLES = (READOUT + "the Minister of Defense", READOUT + "the Director of National Intelligence")
WORDS = ["grain", "port", "ship", "rail", "bridge", "harbour", "tariff", "quota"]
WORDS += ["envoy", "summit", "treaty", "border", "missile", "launch"]


@pytest.fixture
def readouts(archive: Archive, tmp_path: Path) -> Archive:
    """30 readouts a day apart (no two alike: none is a copy of another), two with long titles."""
    folder = tmp_path / "readouts"
    for day in range(1, 31):
        pick = random.Random(day)
        body = " ".join(pick.sample(WORDS, 8)) + f". The readout number {day} was issued on day {day}."
        title = LONG_TITLES[day % 2] if day in (14, 15) else f"Readout number {day}"
        published = f"2024-01-{day:02d}T10:00:00+00:00"
        write_article(folder, f"readout-{day}", body, title=title, published=published)
    archive.import_paths([folder])
    return archive


@pytest.fixture
def results_pane(qtbot, readouts: Archive) -> Iterator[SearchPane]:
    pane = SearchPane(readouts)
    qtbot.addWidget(pane)
    pane.resize(380, 500)
    pane.show()
    qtbot.waitExposed(pane)
    pane.query.setText("readout")
    pane.search_now()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 30 and not pane.searching)
    yield pane
    pane.shutdown()


def test_resorting_scrolls_the_results_to_the_top(results_pane, qtbot):
    pane, view = results_pane, results_pane.results
    pane.options.set_sort("oldest")
    qtbot.waitUntil(lambda: not pane.searching)
    view.setCurrentIndex(pane.model.index(15))  # read a result far down the list
    view.scrollTo(view.currentIndex())
    assert view.verticalScrollBar().value() > 0

    pane.options.set_sort("newest")
    qtbot.waitUntil(lambda: not pane.searching)
    assert pane.model.hit(0).document.title == "Readout number 30"
    assert view.verticalScrollBar().value() == 0  # the newest results are in view
    assert view.visualRect(pane.model.index(0)).top() <= 0 + view.spacing()
    assert pane.current_hit().document.title == "Readout number 16"  # the reader's document stays

    # Searching again in the same order (the archive changed) keeps the current result in view.
    view.scrollToTop()
    pane.refresh()
    qtbot.waitUntil(lambda: not pane.searching)
    assert view.viewport().rect().intersects(view.visualRect(view.currentIndex()))


def test_long_titles_take_two_lines_keep_their_end_and_show_whole_in_a_tooltip(results_pane, qtbot):
    pane, view = results_pane, results_pane.results
    rows = {pane.model.hit(r).document.title: r for r in range(pane.model.rowCount())}
    short, long_a, long_b = (pane.model.index(rows[t]) for t in ("Readout number 3", *LONG_TITLES))
    line = QFontMetrics(view.font()).height()
    assert view.visualRect(long_a).height() - view.visualRect(short).height() >= line  # a second line

    # The two readouts share their first 90 characters: what the list shows of them still differs.
    def title_pixels(index: QModelIndex) -> QImage:
        view.scrollTo(index)
        rect = view.visualRect(index)
        return view.viewport().grab(QRect(rect.left(), rect.top(), rect.width(), 3 * line)).toImage()

    assert title_pixels(long_a) != title_pixels(long_b)

    def tooltip_at(index: QModelIndex) -> str:
        QToolTip.hideText()
        view.scrollTo(index)
        point = view.visualRect(index).center()
        event = QHelpEvent(QEvent.Type.ToolTip, point, view.viewport().mapToGlobal(point))
        QApplication.sendEvent(view.viewport(), event)
        return QToolTip.text()

    for index, title in ((long_a, LONG_TITLES[0]), (long_b, LONG_TITLES[1])):
        tip = tooltip_at(index)
        assert tip.startswith(title)  # cut short in the list: whole in the tooltip
        assert pane.model.hit(index.row()).document.url in tip
    assert tooltip_at(short) == pane.model.hit(short.row()).document.url  # whole already: where it is
    QToolTip.hideText()


# -- status messages ----------------------------------------------------------------------------
def always(section_id: str) -> classmethod:
    """A stand-in for SectionChooser.ask that answers `section_id`."""
    return classmethod(lambda cls, parent, choices, current: section_id)


@pytest.mark.usefixtures("no_dialogs")
def test_a_note_on_the_briefing_is_replaced_by_the_next_edit_and_expires(
    make_window, filled_archive, qtbot, monkeypatch
):
    window = open_window(make_window, qtbot)
    read_first_hit(window, qtbot, "vostochny")
    select_in_reader(window, "Vostochny Cosmodrome")
    monkeypatch.setattr(
        dialogs.SectionChooser, "ask", classmethod(lambda cls, parent, sections, current: "us")
    )
    window.add_to_briefing_action.trigger()  # Ctrl+E
    assert window.status.currentMessage() == "Added to \u201cUnited States\u201d"

    # A drop onto NATO says nothing of its own: the note about the United States must not stay.
    model = window.session.model
    select_in_reader(window, "Kim Jong Un met Vladimir Putin")
    data = window.reader.createMimeDataFromSelection()
    assert model.dropMimeData(data, Qt.DropAction.CopyAction, -1, 0, model.index_of("nato-europe"))
    assert [b.quote for b in blocks(window, "nato-europe")] == ["Kim Jong Un met Vladimir Putin"]
    assert "United States" not in window.status.currentMessage()

    # Replaced, not appended; and gone after its time (a short one here, through the same setting).
    window.status.note_ms = 100
    window.add_to_briefing_action.trigger()
    assert window.status.currentMessage() == "Added to \u201cUnited States\u201d"
    qtbot.waitUntil(lambda: window.status.currentMessage() == "", timeout=3_000)

    # Undo makes "Added to" untrue at once.
    window.status.note_ms = 60_000
    window.add_to_briefing_action.trigger()
    window.undo_action.trigger()
    assert window.status.currentMessage() == ""


@pytest.mark.usefixtures("no_dialogs")
def test_not_exported_goes_once_a_setting_changes(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    dialog = window.show_export_dialog()
    dialog.output.setText("")
    dialog.start_export()
    assert dialog.outcome.text().startswith("<b>Not exported.</b> Choose where to save")
    dialog.output.setText(str(Path(window.session.model.briefing.metadata.title + ".docx")))
    assert dialog.outcome.text() == ""  # the reason no longer holds: no stale "Not exported."
    dialog.done(0)


# -- the excerpt editor --------------------------------------------------------------------------
@pytest.mark.usefixtures("no_dialogs")
def test_the_excerpts_source_is_never_clipped(make_window, archive, tmp_path, qtbot, monkeypatch):
    title = READOUT + "the Director of National Intelligence on Cooperation in the Indo-Pacific"
    url = "https://www.state.gov/readout-of-the-secretarys-meeting-with-the-foreign-minister-of-korea/"
    write_article(tmp_path / "long", "readout", "The Secretary met the Minister.", title=title, url=url)
    archive.import_paths([tmp_path / "long"])
    window = open_window(make_window, qtbot)
    window.resize(1280, 800)
    read_first_hit(window, qtbot, "secretary")
    select_in_reader(window, "The Secretary met the Minister")
    monkeypatch.setattr(
        dialogs.SectionChooser, "ask", classmethod(lambda cls, parent, choices, now: "analysis")
    )
    window.add_to_briefing_action.trigger()
    [excerpt] = blocks(window, "analysis")
    window.briefing.select(excerpt.id)
    qtbot.wait(50)  # the editor's layout settles

    source = window.briefing.editor.citation
    assert source.isVisible() and title in source.text()  # the whole citation stays the label's text
    assert source.height() >= source.heightForWidth(source.width())  # as tall as what it shows needs
    lines, cut = source.lines()
    assert cut and lines[-1].endswith("\u2026")  # elided where it does not fit...
    assert len(lines) * source.fontMetrics().lineSpacing() <= source.contentsRect().height()  # ...not clipped
    assert source.toolTip() == source.text()  # and shown whole on hover


# -- looks ---------------------------------------------------------------------------------------
@pytest.mark.usefixtures("no_dialogs")
def test_every_toolbar_action_has_an_icon_and_keeps_its_words(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    toolbar = window.toolbar
    assert toolbar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextUnderIcon
    buttons = [a for a in toolbar.actions() if not a.isSeparator()]
    assert len(buttons) == 10
    for action in buttons:
        assert not action.icon().isNull(), action.text()
        assert not action.icon().pixmap(toolbar.iconSize()).isNull(), action.text()  # drawn, not blank
        assert action.iconText() and toolbar.widgetForAction(action).toolTip()
    # Each button shows its own picture.
    images = {a.iconText(): a.icon().pixmap(toolbar.iconSize()).toImage() for a in buttons}
    assert len({image.constBits().tobytes() for image in images.values()}) == len(images)


@pytest.mark.usefixtures("no_dialogs")
def test_the_outline_shows_each_block_kind_by_its_icon(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    read_first_hit(window, qtbot, "vostochny")
    select_in_reader(window, "Vostochny Cosmodrome")
    excerpt = window.reader.selected_excerpt()
    model, view = window.session.model, window.briefing.outline
    blocks_of_kind = [
        excerpt,
        Paragraph("We assess the talks will go on."),
        KeyJudgment("We assess shipments will continue.", likelihood="likely", confidence="moderate"),
        BulletList(["Launches", "Rail traffic"]),
    ]
    for block in blocks_of_kind:
        assert model.do(edits.AddBlock("analysis", -1, block))
    view.expandAll()
    size = view.iconSize()
    pictures = {}
    for block in blocks_of_kind:
        icon = model.data(model.index_of(block.id), Qt.ItemDataRole.DecorationRole)
        assert isinstance(icon, QIcon) and not icon.isNull(), block.kind
        pictures[block.kind] = icon.pixmap(size).toImage().constBits().tobytes()
    assert len(set(pictures.values())) == len(blocks_of_kind)  # excerpts, paragraphs, judgments differ
    cell = block_icon("matrix_cell").pixmap(size).toImage().constBits().tobytes()
    assert cell not in pictures.values()
    # An excerpt's icon carries its verification state beside its kind.
    index = model.index_of(excerpt.id)
    unchecked = model.data(index, Qt.ItemDataRole.DecorationRole).pixmap(size).toImage()
    assert unchecked != block_icon("excerpt").pixmap(size).toImage()


def test_the_template_chooser_shows_the_selected_templates_description_and_outline(qtbot):
    available = list(templates.available().values())
    dialog = TemplateChooserDialog(None, available)
    qtbot.addWidget(dialog)
    dialog.show()
    names = [dialog.list.item(row).text() for row in range(dialog.list.count())]
    assert names == [t.name for t in available]  # names only: no description cut short in a list
    for row, template in enumerate(available):
        dialog.list.setCurrentRow(row)
        assert dialog.description.text() == template.description
        assert dialog.description.isVisible() and dialog.description.wordWrap()
        shown = []
        iterator = QTreeWidgetItemIterator(dialog.outline)
        while iterator.value():
            shown.append(iterator.value().text(0))
            iterator += 1
        briefing = templates.new_briefing(template)
        titles = [section.title for _, section in walk_sections(briefing)]
        domains = [d.title for _, section in walk_sections(briefing) for d in section.domains]
        assert [t for t in shown if t not in domains and t != MATRIX_ENTRY] == titles
        assert [t for t in shown if t in domains] == domains  # the matrix's columns
    dialog.list.setCurrentRow(1)
    QTest.keyClick(dialog.list, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.current() is available[1]


@pytest.mark.usefixtures("no_dialogs")
def test_the_ctrl_e_section_chooser_fits_its_longest_title(make_window, filled_archive, qtbot):
    window = open_window(make_window, qtbot)
    read_first_hit(window, qtbot, "vostochny")
    select_in_reader(window, "Vostochny Cosmodrome")
    seen: dict[str, object] = {}

    def look_and_choose() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, look_and_choose)
            return
        chooser = dialog.findChild(QListWidget)
        metrics = chooser.fontMetrics()
        texts = [chooser.item(row).text() for row in range(chooser.count())]
        seen["texts"] = texts
        seen["widest"] = max(metrics.horizontalAdvance(text) for text in texts)
        seen["room"] = min(
            chooser.visualItemRect(chooser.item(row)).width() for row in range(chooser.count())
        )
        seen["scrollbar"] = chooser.horizontalScrollBar().isVisible()
        chooser.setCurrentRow(
            texts.index("Implications for the United States and Allies > NATO and European allies")
        )
        QTest.keyClick(chooser, Qt.Key.Key_Return)

    QTimer.singleShot(0, look_and_choose)
    window.add_to_briefing_action.trigger()  # Ctrl+E: the real dialog, answered from the timer
    assert seen["scrollbar"] is False
    assert seen["room"] >= seen["widest"]  # every full section title fits on its line
    assert [b.quote for b in blocks(window, "nato-europe")] == ["Vostochny Cosmodrome"]
