"""The finish of the Word export: cover page, table of contents, scope note and contact block.

The cover (page 1) carries the organisation's logo when one is given, the
product line, title, subtitle, date, number and edition and the classification
banner.  Page 2 holds the contents as a Word TOC field (`TOC \\o "1-3" \\h`)
whose cached result lists the headings, linked to bookmarks on them, with
their page numbers when a render pass found them (toc_pages.py); without them
the field is marked dirty and settings.xml asks Word to update fields on open.
Every paragraph is in a named style of the reference document.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from docx.document import Document as DocxDocument
from docx.enum.text import WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.image.exceptions import UnrecognizedImageError
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Inches
from docx.text.paragraph import Paragraph as DocxParagraph

from briefer.core.export import layout
from briefer.core.export import styles as st
from briefer.core.export.layout import StyleIds
from briefer.core.export.ooxml import add_internal_link, clean, make_run, settings_flag

TOC_INSTRUCTION = 'TOC \\o "1-3" \\h'
BOOKMARK_PREFIX = "_TocBriefer"
LOGO_WIDTH = Inches(1.6)


class LogoError(ValueError):
    """The organisation logo cannot be placed on the cover (unreadable, or not an image Word takes)."""


@dataclass(frozen=True)
class CoverFacts:
    product_line: str
    title: str  # with its portion mark
    subtitle: str
    date: str
    number: str  # "BRF-2024-0017 · Edition 2"
    office: str  # who issues it
    banner: str
    tlp: str | None


@dataclass
class Heading:
    """A heading of the body as the contents list it."""

    level: int  # 1..3
    text: str
    paragraph: DocxParagraph
    bookmark: str = ""


def cover(document: DocxDocument, ids: StyleIds, facts: CoverFacts, logo: Path | None) -> None:
    """Page 1: logo, product line, title, subtitle, date, number and edition, office, banner; then a
    page break."""
    if logo is not None:
        _logo(layout.para(document, ids, st.COVER_DETAIL), logo)
    layout.para(document, ids, st.COVER_PRODUCT, clean(facts.product_line.upper()))
    layout.para(document, ids, st.COVER_TITLE, clean(facts.title))
    if facts.subtitle.strip():
        layout.para(document, ids, st.COVER_SUBTITLE, clean(facts.subtitle))
    for detail in (facts.date, facts.number, facts.office):
        if detail.strip():
            layout.para(document, ids, st.COVER_DETAIL, clean(detail))
    banner = layout.para(document, ids, st.COVER_BANNER, clean(facts.banner))
    if facts.tlp:
        banner.add_run("   ")
        layout.tlp_run(banner, facts.tlp)
    page_break(document, ids)


def _logo(paragraph: DocxParagraph, logo: Path) -> None:
    try:
        data = logo.read_bytes()
    except OSError as exc:
        raise LogoError(f"cannot read the logo {logo}: {exc.strerror or exc}") from None
    try:
        paragraph.add_run().add_picture(io.BytesIO(data), width=LOGO_WIDTH)
    except (UnrecognizedImageError, ValueError, ZeroDivisionError) as exc:
        raise LogoError(
            f"{logo} is not an image Word can show (PNG, JPEG, GIF, BMP or TIFF): {exc}"
        ) from None


def page_break(document: DocxDocument, ids: StyleIds) -> None:
    layout.para(document, ids, st.BODY).add_run().add_break(WD_BREAK.PAGE)


def front_block(document: DocxDocument, ids: StyleIds, heading: str, lines: Sequence[str]) -> None:
    """The scope note or the contact block: a heading kept out of the contents, then its lines."""
    layout.para(document, ids, st.FRONT_HEADING, heading)
    for line in lines:
        layout.para(document, ids, st.BODY, clean(line))


def contents_anchor(document: DocxDocument, ids: StyleIds) -> DocxParagraph:
    """The "Contents" heading and a placeholder the field replaces once the headings are known."""
    layout.para(document, ids, st.FRONT_HEADING, "Contents")
    return layout.para(document, ids, st.TOC_LEVELS[0])


def bookmark_headings(headings: Sequence[Heading]) -> None:
    """A bookmark around each heading's text: the contents' links (`\\h`) point at them."""
    for number, heading in enumerate(headings, start=1):
        heading.bookmark = f"{BOOKMARK_PREFIX}{number:04d}"
        p = cast(Any, heading.paragraph._p)
        start = make_bookmark("w:bookmarkStart", 900_000 + number, heading.bookmark)
        end = make_bookmark("w:bookmarkEnd", 900_000 + number)
        ppr = p.find(qn("w:pPr"))
        if ppr is not None:
            ppr.addnext(start)
        else:
            p.insert(0, start)
        p.append(end)


def make_bookmark(tag: str, bookmark_id: int, name: str = "") -> BaseOxmlElement:
    element = cast(BaseOxmlElement, OxmlElement(tag))
    element.set(qn("w:id"), str(bookmark_id))
    if name:
        element.set(qn("w:name"), name)
    return element


@dataclass
class Contents:
    """The TOC field as written: its page-number runs (one per heading) and its begin mark."""

    page_runs: list[BaseOxmlElement]
    begin: BaseOxmlElement

    def fill(self, pages: Sequence[int | None]) -> None:
        """Write the page numbers a render found into the cached result; Word need not recompute."""
        for run, page in zip(self.page_runs, pages, strict=True):
            cast(Any, run).text = str(page) if page is not None else ""
        self.begin.attrib.pop(qn("w:dirty"), None)


def write_contents(anchor: DocxParagraph, headings: Sequence[Heading], ids: StyleIds, width: int) -> Contents:
    """Replace `anchor` by the TOC field: one entry per heading, page numbers left empty and the
    field marked dirty (Word recomputes it on open) until `Contents.fill` writes them."""
    paragraphs: list[DocxParagraph] = []
    page_runs: list[BaseOxmlElement] = []
    for heading in headings:
        p = anchor.insert_paragraph_before()
        p._p.style = ids[st.TOC_LEVELS[min(heading.level, 3) - 1]]
        p.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        page_runs.append(_entry(p, heading))
        paragraphs.append(p)
    if not paragraphs:
        empty = anchor.insert_paragraph_before("No headings.")
        empty._p.style = ids[st.TOC_LEVELS[0]]
        paragraphs.append(empty)
    begin = _wrap_in_field(paragraphs)
    anchor._p.getparent().remove(anchor._p)
    return Contents(page_runs, begin)


def _entry(p: DocxParagraph, heading: Heading) -> BaseOxmlElement:
    """Heading text, a dotted tab, the page number: all one link to the heading's bookmark."""
    tab = make_run("")
    tab.append(cast(BaseOxmlElement, OxmlElement("w:tab")))
    text = make_run(heading.text)
    add_internal_link(cast(BaseOxmlElement, p._p), heading.bookmark, text)
    number = make_run("")
    text.addnext(tab)
    tab.addnext(number)
    return number


def _wrap_in_field(paragraphs: Sequence[DocxParagraph]) -> BaseOxmlElement:
    """begin + instruction + separate before the first entry, end after the last: the cached result."""

    def char(kind: str) -> BaseOxmlElement:
        run = make_run("")
        fld = OxmlElement("w:fldChar")
        fld.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            fld.set(qn("w:dirty"), "true")
        run.append(fld)
        return run

    instr_run = make_run("")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {TOC_INSTRUCTION} "
    instr_run.append(instr)
    first = cast(Any, paragraphs[0]._p)
    ppr = first.find(qn("w:pPr"))
    at = 0 if ppr is None else list(first).index(ppr) + 1
    begin = char("begin")
    for offset, element in enumerate((begin, instr_run, char("separate"))):
        first.insert(at + offset, element)
    paragraphs[-1]._p.append(char("end"))
    return cast(BaseOxmlElement, begin[-1])


def ask_word_to_update_fields(document: DocxDocument) -> None:
    """settings.xml `w:updateFields`: Word offers to update the fields (the contents) on open."""
    settings_flag(document, "w:updateFields")
