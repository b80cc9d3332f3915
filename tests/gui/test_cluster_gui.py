"""Syndicated copies in the window: one hit per story, "also carried by", the copies dialog."""

from __future__ import annotations

import json
import re
from pathlib import Path

from PySide6.QtWidgets import QApplication

from briefer.core.archive import Archive
from briefer.core.briefing import storage
from briefer.core.briefing.model import excerpts
from briefer.core.search.query import SearchRequest
from briefer.gui import mime
from briefer.gui.mainwindow import MainWindow
from briefer.gui.reader.pane import ReaderPane
from briefer.gui.reader.view import ReaderView
from briefer.gui.search.cluster_dialog import ClusterDialog, IdRole
from briefer.gui.search.pane import SearchPane, excerpt_of, hit_meta_line
from tests.conftest import write_article
from tests.core import test_clusters
from tests.core.cli_support import Cli
from tests.core.test_clusters import ADDED, STORY, doc_ids, write_syndicated

# The core tests' fixtures: an archive of syndicated copies, imported once, copied for each test.
syndicated_template = test_clusters.syndicated_template
news = test_clusters.news
syndicated = test_clusters.syndicated


def search(qtbot, pane: SearchPane, query: str) -> None:
    pane.query.setText(query)
    pane.search_now()
    qtbot.waitUntil(lambda: not pane.searching and pane.model.rowCount() > 0)


def test_a_story_is_one_hit_that_says_who_else_carried_it(qtbot, syndicated) -> None:
    archive, _ = syndicated
    pane = SearchPane(archive)
    qtbot.addWidget(pane)
    search(qtbot, pane, "grain corridor")
    assert pane.model.rowCount() == 1
    hit = pane.model.hit(0)
    assert hit_meta_line(hit).endswith("also carried by 2 outlets")
    assert "3 results in 1 story" in pane.summary.text()
    assert pane.show_copies_action.isEnabled()
    search(qtbot, pane, "fishermen")
    assert not pane.show_copies_action.isEnabled()  # a story nobody else carried
    pane.shutdown()


def test_show_other_copies_opens_a_non_modal_window_with_the_diff(qtbot, syndicated) -> None:
    archive, ids = syndicated
    pane = SearchPane(archive)
    qtbot.addWidget(pane)
    search(qtbot, pane, "odesa cranes")  # only the paper's copy has this paragraph
    assert pane.model.hit(0).id == ids["paper"]
    pane.show_copies_action.trigger()
    dialog = pane._copies_dialog
    assert isinstance(dialog, ClusterDialog)
    qtbot.waitExposed(dialog)
    assert not dialog.isModal() and QApplication.activeModalWidget() is None
    rows = [dialog.copies.item(r).text() for r in range(dialog.copies.count())]
    assert rows[0].startswith("\u2605 Northern Wire Service") and rows[0].endswith("(representative)")
    assert len(rows) == 3
    assert dialog.copies.currentRow() == 1  # the copy the search found
    shown = dialog.diff.toPlainText()
    assert "Grain ships to sail again as blockade ends" in shown  # the new headline
    assert "Added paragraph" in shown and ADDED in shown
    dialog.copies.setCurrentRow(2)
    assert "Cut paragraph" in dialog.diff.toPlainText()
    dialog.copies.setCurrentRow(0)
    assert "representative" in dialog.diff.toPlainText()
    with qtbot.waitSignal(pane.hit_selected) as shown:  # double-click: the reader shows that copy
        dialog.copies.itemActivated.emit(dialog.copies.item(2))
    assert shown.args[0].id == ids["tabloid"] and shown.args[1] == "odesa cranes"
    with qtbot.waitSignal(dialog.destroyed):
        dialog.close()
    assert pane._copies_dialog is None
    pane.shutdown()


def test_quoting_a_copy_cites_the_representative_when_the_passage_is_in_it(qtbot, syndicated) -> None:
    archive, ids = syndicated
    pane = SearchPane(archive)
    qtbot.addWidget(pane)
    every = archive.search(SearchRequest("wheat futures Chicago", collapse=False)).hits
    paper = next(h for h in every if h.id == ids["paper"])
    assert paper.representative is not None
    excerpt = excerpt_of(
        paper, archive.carried_by_count
    )  # the paper's passage is in the wire's text: the wire is cited
    assert excerpt.doc_id == ids["wire"] and "wheat futures" in excerpt.quote
    assert excerpt.citation.also_carried_by == 2  # the paper and the tabloid
    search(qtbot, pane, "odesa cranes")
    copy_only = pane.model.excerpt(0)  # only the paper has this paragraph: it is cited
    assert copy_only.doc_id == ids["paper"] and "Odesa" in copy_only.quote
    assert copy_only.citation.also_carried_by == 2
    pane.shutdown()


def test_quotes_taken_in_the_reader_say_who_else_carried_the_story(qtbot, syndicated) -> None:
    archive, ids = syndicated
    pane = SearchPane(archive)
    reader = ReaderPane(carried_by=archive.carried_by_count)
    view = ReaderView(reader)
    qtbot.addWidget(pane)
    qtbot.addWidget(view)
    search(qtbot, pane, "odesa cranes")
    hit = pane.model.hit(0)
    view.show_hit(hit)
    qtbot.waitUntil(lambda: reader.current_document is not None)
    [passage] = mime.excerpts_from_mime(view.passages.mimeData([view.passages.item(0)]))
    assert passage.doc_id == ids["paper"] and passage.citation.also_carried_by == 2
    reader.select_span(passage.start, passage.end)
    selected = reader.selected_excerpt()
    assert selected is not None and selected.citation.also_carried_by == 2
    search(qtbot, pane, "fishermen")  # a story nobody else carried
    view.show_hit(pane.model.hit(0))
    qtbot.waitUntil(
        lambda: reader.current_document is not None and reader.current_document.id != ids["paper"]
    )
    reader.select_span(0, 20)
    alone = reader.selected_excerpt()
    assert alone is not None and alone.citation.also_carried_by == 0
    view.clear()
    pane.shutdown()


def test_a_copy_quoted_through_the_copies_window_counts_who_else_carried_it_as_the_cli_does(
    qtbot, tmp_path: Path, settings, capsys, monkeypatch
) -> None:
    """Issue #17: a quote taken from a copy opened with Show Other Copies recorded "carried by 0"
    where `briefer brief add-excerpt` recorded 2 for the same document."""
    paths = write_syndicated(tmp_path / "news")
    cli = Cli(tmp_path / "data", capsys, monkeypatch)
    assert cli("index", str(tmp_path / "news")) == 0, cli.err
    quote = "the first convoy could leave within ten days"
    with Archive(tmp_path / "data") as archive:
        tabloid = doc_ids(archive, paths)["tabloid"]
        window = MainWindow(archive=archive, settings=settings)
        qtbot.addWidget(window)
        search(qtbot, window.search, "convoy shipping")
        window.search.results.setCurrentIndex(window.search.model.index(0))
        window.search.show_copies_action.trigger()
        dialog = window.search._copies_dialog
        assert isinstance(dialog, ClusterDialog)
        [row] = [r for r in range(dialog.copies.count()) if dialog.copies.item(r).data(IdRole) == tabloid]
        dialog.copies.itemActivated.emit(dialog.copies.item(row))  # a double-click: read that copy
        reader = window.reader
        qtbot.waitUntil(lambda: reader.current_document is not None and reader.current_document.id == tabloid)
        start = reader.current_document.text.index(quote)
        assert reader.select_span(start, start + len(quote))
        [selected] = window.material()  # what Add to Briefing (Ctrl+E) adds
        assert selected.doc_id == tabloid and selected.quote == quote
        [passage] = mime.excerpts_from_mime(
            window.reader_view.passages.mimeData([window.reader_view.passages.item(0)])
        )
        assert passage.doc_id == tabloid
        dialog.close()
        window.close()

    brief = tmp_path / "b.briefing"
    assert cli("brief", "new", "--template", "spot", "-o", str(brief)) == 0
    section = storage.load(brief).sections[0].id
    add = ("brief", "add-excerpt", str(brief), "--section", section, "--doc", tabloid, "--quote", quote)
    assert cli(*add) == 0, cli.err
    [from_cli] = excerpts(storage.load(brief)).values()
    assert from_cli.citation.also_carried_by == 2  # the wire service and the paper
    assert selected.citation.also_carried_by == from_cli.citation.also_carried_by
    assert passage.citation.also_carried_by == from_cli.citation.also_carried_by


def test_the_results_menu_offers_the_other_copies(qtbot, syndicated, settings) -> None:
    archive, _ = syndicated
    window = MainWindow(archive=archive, settings=settings)
    qtbot.addWidget(window)
    search(qtbot, window.search, "grain corridor")
    window.search.results.setCurrentIndex(window.search.model.index(0))
    menu = window.results_menu()
    assert window.search.show_copies_action in menu.actions()
    assert window.search.show_copies_action.isEnabled()
    menu.close()
    window.close()


def _carried_by(text: str) -> int:
    """N of the one "also carried by N outlet(s)" in `text` (0 when it says nothing of the kind)."""
    found = re.findall(r"also carried by (\d+) outlets?", text)
    assert len(found) <= 1, text
    return int(found[0]) if found else 0


def test_also_carried_by_is_one_number_in_the_window_the_search_and_the_cluster_command(
    qtbot, tmp_path: Path, capsys, monkeypatch
) -> None:
    """Issue #19: "also carried by N" had two sources. The window's result (and `briefer search`)
    counted the other outlets of the copy it shows; `briefer cluster` (and the copies window)
    counted those of the story's representative, and said 2 where the result said 1 when the
    original was saved without its outlet's name.  One source now: `Archive.copies`."""
    folder = tmp_path / "news"
    write_article(
        folder,
        "wire",
        "\n\n".join(STORY),
        title="Black Sea states agree to reopen grain corridor",
        source="",  # the original, saved without its outlet's name
        published="2023-07-17T09:00:00+00:00",
    )
    write_article(
        folder,
        "paper",
        "\n\n".join([*STORY[:3], ADDED, *STORY[3:]]),  # the only copy with the Odesa paragraph
        title="Grain ships to sail again as blockade ends",
        source="Seoul Harbour Times",
        published="2023-07-17T15:30:00+00:00",
    )
    write_article(
        folder,
        "tabloid",
        "\n\n".join(STORY[:-1]),
        title="WHEAT DEAL: corridor reopens",
        source="Continental Review",
        published="2023-07-18T06:00:00+00:00",
    )
    cli = Cli(tmp_path / "data", capsys, monkeypatch)
    assert cli("index", str(folder)) == 0, cli.err
    query = "odesa cranes"

    with Archive(tmp_path / "data") as archive:
        pane = SearchPane(archive)
        qtbot.addWidget(pane)
        search(qtbot, pane, query)
        hit = pane.model.hit(0)
        assert hit.cluster_size == 3 and hit.representative is not None  # a copy, shown for its story
        in_window = _carried_by(hit_meta_line(hit))
        quoted = excerpt_of(hit, archive.carried_by_count)  # the copy: the paragraph is only in it
        assert quoted.doc_id == hit.id
        pane.show_copies_action.trigger()
        dialog = pane._copies_dialog
        assert isinstance(dialog, ClusterDialog)
        in_copies_window = _carried_by(dialog.summary.text())
        dialog.close()
        pane.shutdown()

    assert cli("search", query) == 0, cli.err
    searched = _carried_by(cli.out)
    assert cli("cluster", hit.id) == 0, cli.err
    clustered = _carried_by(cli.out)
    assert cli("cluster", "--json", hit.id) == 0, cli.err
    clustered_json = len(json.loads(cli.out)["also_carried_by"])

    assert in_window == 1  # the tabloid's outlet; the unnamed original names none
    assert searched == clustered == clustered_json == in_copies_window == in_window
    assert quoted.citation.also_carried_by == in_window
