"""Citing evidence in the core: the edits a citation takes, where a new quote goes, and matrix
cells citing like judgments (file format, export, Source Summary)."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from briefer.core.briefing import codec, edits, evidence, templates
from briefer.core.briefing.citations import source_summary
from briefer.core.briefing.excerpts import excerpt_from_span
from briefer.core.briefing.model import (
    Briefing,
    BriefingError,
    KeyJudgment,
    MatrixCell,
    Paragraph,
    excerpts,
    find_section,
    get_block,
)
from briefer.core.documents import Document
from briefer.core.export.docx_export import export_docx
from tests.core.briefing_support import part_xml, texts

TEXT = "Ports on the Black Sea shipped more grain.\n\nTraders said prices fell."
DOC = Document(id="doc1", title="Grain", text=TEXT, text_hash="h1", source="Harbor Wire")


def quote(words: str):
    start = TEXT.index(words)
    return excerpt_from_span(DOC, start, start + len(words))


@pytest.fixture
def briefing() -> Briefing:
    b = templates.new_briefing(templates.load("assessment"))
    edits.add_block(b, "key-judgments", KeyJudgment("We assess grain exports will grow.", id="kj"))
    edits.add_block(b, "analysis", Paragraph("Exports rose.", id="para"))
    edits.add_block(b, "analysis", Paragraph("Prices fell.", id="para2"))
    edits.add_block(b, "implications", MatrixCell("japan", "sanctions", "Cheaper feed.", id="cell"))
    return b


def apply_all(b: Briefing, edit_list: list[edits.Edit]) -> list[edits.Edit]:
    return [edits.apply(b, e) for e in edit_list]


def test_citing_adds_after_what_the_block_cites_each_once(briefing):
    first, second = quote("Ports"), quote("Traders")
    edits.add_block(briefing, "background", first)
    edits.add_block(briefing, "background", second)
    apply_all(briefing, evidence.cite_edits(briefing, "kj", [first.id]))
    assert get_block(briefing, "kj").cites == [first.id]  # type: ignore[union-attr]
    apply_all(briefing, evidence.cite_edits(briefing, "kj", [second.id, first.id, second.id]))
    assert get_block(briefing, "kj").cites == [first.id, second.id]  # type: ignore[union-attr]
    assert evidence.cite_edits(briefing, "kj", [second.id]) == []  # nothing to change
    with pytest.raises(BriefingError, match="no excerpt nope"):
        evidence.cite_edits(briefing, "kj", ["nope"])
    with pytest.raises(BriefingError, match="cites no evidence"):
        evidence.cite_edits(briefing, first.id, [second.id])


def test_a_new_quote_goes_beside_prose_or_to_the_first_text_section(briefing):
    kj_quote, para_quote, para_quote2, cell_quote = (
        quote(w) for w in ("Ports", "Traders", "prices", "Black")
    )
    undo: list[edits.Edit] = []
    for block_id, new in (
        ("kj", kj_quote),
        ("para", para_quote),
        ("para", para_quote2),
        ("cell", cell_quote),
    ):
        undo += apply_all(briefing, evidence.cite_edits(briefing, block_id, new=[new]))
    background = find_section(briefing, "background")
    assert [b.id for b in background.blocks] == [kj_quote.id]  # never among the key judgments
    analysis = find_section(briefing, "analysis")
    # After the paragraph and the quotes already following it, before the next paragraph.
    assert [b.id for b in analysis.blocks] == ["para", para_quote.id, para_quote2.id, "para2"]
    assert [b.id for b in find_section(briefing, "japan").blocks] == [cell_quote.id]  # the cell's actor
    assert get_block(briefing, "cell").cites == [cell_quote.id]  # type: ignore[union-attr]
    assert get_block(briefing, "para").cites == [para_quote.id, para_quote2.id]  # type: ignore[union-attr]
    for inverse in reversed(undo):
        edits.apply(briefing, inverse)
    assert excerpts(briefing) == {}
    assert all(not get_block(briefing, i).cites for i in ("kj", "para", "cell"))  # type: ignore[union-attr]


def test_judgments_and_cells_citing_nothing_or_only_a_removed_excerpt_are_unsourced(briefing):
    by_id = excerpts(briefing)
    assert evidence.cites_no_source(get_block(briefing, "kj"), by_id)
    assert [c.id for c in evidence.unsourced_cells(find_section(briefing, "implications"), by_id)] == ["cell"]
    assert not evidence.cites_no_source(get_block(briefing, "para"), by_id)  # prose may stand alone
    edits.edit_text(briefing, "cell", "n/a")  # boilerplate says nothing that needs a source
    assert evidence.unsourced_cells(find_section(briefing, "implications"), by_id) == []
    edits.edit_text(briefing, "cell", "Cheaper feed.")
    kept = quote("Ports")
    apply_all(briefing, evidence.cite_edits(briefing, "kj", new=[kept]))
    assert not evidence.cites_no_source(get_block(briefing, "kj"), excerpts(briefing))
    edits.remove_block(briefing, kept.id)  # the citation now names nothing in the briefing
    assert evidence.cites_no_source(get_block(briefing, "kj"), excerpts(briefing))
    apply_all(briefing, [evidence.uncite_edit(briefing, "kj", kept.id)])
    assert get_block(briefing, "kj").cites == []  # type: ignore[union-attr]


def test_a_cited_matrix_cell_is_saved_footnoted_and_counted(briefing, tmp_path: Path):
    cited = quote("Traders said prices fell.")
    apply_all(briefing, evidence.cite_edits(briefing, "cell", new=[cited]))
    again = codec.from_dict(codec.to_dict(briefing))
    assert get_block(again, "cell").cites == [cited.id]  # type: ignore[union-attr]
    assert "1 source" in source_summary(again)
    out = tmp_path / "cell.docx"
    export_docx(again, out)
    document = docx.Document(str(out))
    [cell] = [c for t in document.tables for row in t.rows for c in row.cells if "Cheaper feed." in c.text]
    assert cell._tc.xpath(".//w:footnoteReference")  # the cell's source is footnoted in the cell
    assert "Harbor Wire" in texts(part_xml(out, "word/footnotes.xml"))


def test_the_source_summary_names_matrix_cells_that_cite_no_source(briefing):
    apply_all(briefing, evidence.cite_edits(briefing, "kj", new=[quote("Ports")]))
    summary = source_summary(briefing)
    assert "1 matrix cell cites no source: Japan / " in summary
    assert "Key judgment(s) 1 cite no source" not in summary  # the judgment now cites one
    apply_all(briefing, evidence.cite_edits(briefing, "cell", new=[quote("Traders")]))
    assert "matrix cell" not in source_summary(briefing)
