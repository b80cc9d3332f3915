"""Page furniture of the Word export: header and footer, masthead, boxes and table helpers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section as DocxSection
from docx.shared import Emu, Inches, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

from briefer.core.briefing.model import LIKELIHOOD_BANDS
from briefer.core.export import styles as st
from briefer.core.export.ooxml import add_field, clean

TLP_COLOURS = {
    "CLEAR": "FFFFFF",
    "GREEN": "33FF00",
    "AMBER": "FFC000",
    "AMBER+STRICT": "FFC000",
    "RED": "FF2B2B",
}
CONFIDENCE_KEY = (
    "High confidence: judgments rest on high-quality information from multiple sources, or the nature "
    "of the issue makes a solid judgment possible. Moderate confidence: the information is credibly "
    "sourced and plausible but not corroborated enough for a higher level. Low confidence: the "
    "information is scant, questionable or fragmented, or its sources are of uncertain reliability."
)


def text_width(section: DocxSection) -> Emu:
    width = (section.page_width or Inches(8.5)) - (section.left_margin or 0) - (section.right_margin or 0)
    return Emu(int(width))


# -- styled paragraphs and runs ------------------------------------------------
# Styles are set by id: python-docx's lookup by name scans every style each time
# and made the export of a 300-excerpt briefing three times slower.
StyleIds = Mapping[str, str]


def para(container: Any, ids: StyleIds, style: str, text: str = "") -> DocxParagraph:
    paragraph: DocxParagraph = container.add_paragraph()
    paragraph._p.style = ids[style]
    if text:
        paragraph.add_run(text)
    return paragraph


def run(paragraph: DocxParagraph, text: str, ids: StyleIds | None = None, style: str | None = None) -> Run:
    added = paragraph.add_run(text)
    if ids is not None and style is not None:
        added._r.style = ids[style]
    return added


# -- header and footer --------------------------------------------------------
def clear_story(element: Any) -> None:
    """Remove every paragraph and table of a header, footer or body element (keeping the body's sectPr)."""
    for child in list(element):
        if child.tag in (qn("w:p"), qn("w:tbl"), qn("w:sdt")):
            element.remove(child)


def tlp_run(paragraph: DocxParagraph, label: str) -> None:
    """ "TLP:AMBER" as TLP 2.0 prints it: coloured capitals on black."""
    run = paragraph.add_run(clean(f"TLP:{label}"))
    run.font.bold = True
    run.font.color.rgb = RGBColor.from_string(TLP_COLOURS.get(label, "FFFFFF"))
    shading = OxmlElement("w:shd")
    for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", "000000")):
        shading.set(qn(key), value)
    rpr = run._r.get_or_add_rPr()
    rpr.insert_element_before(shading, "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang")


def header_and_footer(
    document: DocxDocument,
    banner: str,
    tlp: str | None,
    product_number: str,
    ids: StyleIds,
    first_page_block: Sequence[str] = (),
) -> None:
    """The banner top and bottom of every page; footer line 2: product number and "Page X of Y".

    `first_page_block` (the CUI designation indicator block) goes at the lower
    right of page 1, in a first-page footer, where no body text can push it away.
    """
    document.settings.odd_and_even_pages_header_footer = False
    for section in document.sections:
        section.different_first_page_header_footer = bool(first_page_block)
        stories: list[tuple[Any, Any, Sequence[str]]] = [(section.header, section.footer, ())]
        if first_page_block:
            stories.append((section.first_page_header, section.first_page_footer, first_page_block))
        for header, footer, block in stories:
            header.is_linked_to_previous = footer.is_linked_to_previous = False
            clear_story(header._element)
            clear_story(footer._element)
            if block:
                _footer_box(footer, block, document, ids)
            for story in (header, footer):
                _banner_line(story, banner, tlp, ids)
            _page_line(footer, product_number, section, ids)


def _banner_line(story: Any, banner: str, tlp: str | None, ids: StyleIds) -> None:
    line = para(story, ids, st.BANNER, clean(banner))
    if tlp:
        line.add_run("   ")
        tlp_run(line, tlp)


def _page_line(footer: Any, product_number: str, section: DocxSection, ids: StyleIds) -> None:
    pages = para(footer, ids, st.FOOTER)
    tabs = pages.paragraph_format.tab_stops
    style_tabs = pages.style.paragraph_format.tab_stops if pages.style is not None else []
    for inherited in style_tabs:  # the style's center tab would catch the first tab character
        tabs.add_tab_stop(inherited.position, WD_TAB_ALIGNMENT.CLEAR)
    tabs.add_tab_stop(text_width(section), WD_TAB_ALIGNMENT.RIGHT)
    pages.add_run(clean(product_number) + "\tPage ")
    add_field(cast(BaseOxmlElement, pages._p), "PAGE", "1")
    pages.add_run(" of ")
    add_field(cast(BaseOxmlElement, pages._p), "NUMPAGES", "1")


def _footer_box(footer: Any, lines: Sequence[str], document: DocxDocument, ids: StyleIds) -> None:
    table = footer.add_table(1, 1, Inches(3.2))
    if st.GRID in document.styles:
        table.style = document.styles[st.GRID]
    table.alignment = WD_TABLE_ALIGNMENT.RIGHT
    cell = table.cell(0, 0)
    for line in lines:
        cell_paragraph(cell, ids, st.BOX_TEXT).add_run(clean(line))
    para(footer, ids, st.FOOTER)  # a little air between the block and the banner


# -- tables -------------------------------------------------------------------
def new_table(document: DocxDocument, rows: int, cols: int, style: str, widths: Sequence[float]) -> Table:
    table: Table = document.add_table(rows=rows, cols=cols)
    if style in document.styles:
        table.style = document.styles[style]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Inches(width)  # the grid: LibreOffice lays out by it, not by the cell widths
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Inches(width)
    return table


def cell_paragraph(cell: _Cell, ids: StyleIds, style: str) -> DocxParagraph:
    """The cell's first, empty paragraph the first time, a new one after that."""
    first: DocxParagraph = cell.paragraphs[0]
    if not first.runs and len(cell.paragraphs) == 1 and first._p.style is None:
        first._p.style = ids[style]
        return first
    return para(cell, ids, style)


def shade(cell: _Cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", fill)):
        shading.set(qn(key), value)
    tcpr.append(shading)


def repeat_header_row(table: Table) -> None:
    trpr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def keep_rows_whole(table: Table) -> None:
    for row in table.rows:
        trpr = row._tr.get_or_add_trPr()
        trpr.insert(0, OxmlElement("w:cantSplit"))


def boxed(document: DocxDocument, width: float, fill: str = "F2F2F2") -> _Cell:
    """A one-cell ruled box (source summary statement)."""
    table = new_table(document, 1, 1, st.GRID, [width])
    cell = table.cell(0, 0)
    shade(cell, fill)
    return cell


def estimative_key(document: DocxDocument, ids: StyleIds, caption: str, width: float) -> None:
    """The ICD 203 likelihood scale and confidence levels as a small table."""
    para(document, ids, st.CAPTION, clean(caption))
    terms = list(LIKELIHOOD_BANDS.items())
    table = new_table(document, 3, len(terms), st.GRID, [width / len(terms)] * len(terms))
    for i, (term, band) in enumerate(terms):
        top = table.cell(0, i)
        shade(top, "DCE3EE")
        run(cell_paragraph(top, ids, st.BOX_TEXT), term.capitalize(), ids, st.STRONG)
        cell_paragraph(table.cell(1, i), ids, st.BOX_TEXT).add_run(band.replace("-", "\u2013"))
    merged = table.cell(2, 0).merge(table.cell(2, len(terms) - 1))
    cell_paragraph(merged, ids, st.BOX_TEXT).add_run(CONFIDENCE_KEY)
    keep_rows_whole(table)
    _keep_table_on_one_page(table)


def _keep_table_on_one_page(table: Table) -> None:
    """A small table reads as one box: Word and LibreOffice keep rows marked keep-with-next together."""
    for row in table.rows[:-1]:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True


# -- masthead ---------------------------------------------------
def masthead(
    document: DocxDocument, ids: StyleIds, rows: Sequence[tuple[str, str]], tlp: tuple[str, str] | None
) -> None:
    """A borderless label/value table: product, number, dates, cutoff, who and for whom."""
    width = text_width(document.sections[0]).inches
    count = len(rows) + (1 if tlp else 0)
    table = new_table(document, count, 2, st.PLAIN_TABLE, [1.55, width - 1.55])
    for i, (label, value) in enumerate(rows):
        run(cell_paragraph(table.cell(i, 0), ids, st.MASTHEAD), clean(label.upper()), ids, st.STRONG)
        cell_paragraph(table.cell(i, 1), ids, st.MASTHEAD).add_run(clean(value))
    if tlp:
        label, definition = tlp
        run(cell_paragraph(table.cell(count - 1, 0), ids, st.MASTHEAD), "SHARING", ids, st.STRONG)
        sharing = cell_paragraph(table.cell(count - 1, 1), ids, st.MASTHEAD)
        tlp_run(sharing, label)
        sharing.add_run(" " + clean(definition))
    _rule_below(table)


def _rule_below(table: Table) -> None:
    """A thin rule under the masthead's last row."""
    for cell in table.rows[-1].cells:
        tcpr = cell._tc.get_or_add_tcPr()
        borders = OxmlElement("w:tcBorders")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "8"), ("w:space", "0"), ("w:color", "1F3864")):
            bottom.set(qn(key), value)
        borders.append(bottom)
        tcpr.append(borders)
