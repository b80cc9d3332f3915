"""The Word styles the export uses, and the house look of the bundled reference document.

Built-in styles wherever one fits (Title, Heading 1/2, Quote, List Bullet,
Caption, Table Grid, Footnote Text, Hyperlink, Bibliography, Strong ...), so the
navigation pane, a table of contents and screen readers work.  A custom style
only where Word has none: the classification banner, the masthead, small box
text and the key-judgment lead.

`ensure_styles` runs on every export, so an organisation's own reference
.docx works even when it lacks some of these styles: only the missing ones are
added, the organisation's definitions win.  `apply_house_style` is used once,
by scripts/build_reference_docx.py, to make resources/templates/reference.docx.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.shared import Inches, Pt, RGBColor
from docx.styles.style import BaseStyle, CharacterStyle, ParagraphStyle

BODY_FONT = "Times New Roman"
HEAD_FONT = "Arial"
NAVY = RGBColor(0x1F, 0x38, 0x64)
GREY = RGBColor(0x40, 0x40, 0x40)

# Names the exporter refers to.
TITLE, SUBTITLE, H1, H2, BODY = "Title", "Subtitle", "Heading 1", "Heading 2", "Normal"
QUOTE, BULLET, CAPTION, GRID, PLAIN_TABLE = "Quote", "List Bullet", "Caption", "Table Grid", "Normal Table"
FOOTNOTE_TEXT, FOOTNOTE_REF, HYPERLINK, STRONG = "Footnote Text", "Footnote Reference", "Hyperlink", "Strong"
BIBLIOGRAPHY, HEADER, FOOTER = "Bibliography", "Header", "Footer"
BANNER, MASTHEAD, BOX_TEXT, KJ_LEAD = "Banner", "Masthead", "Box Text", "KJ Lead"
SUBTLE = "Subtle Emphasis"
# The finish: cover page, contents, scope note and contact block, numbering, the provenance annex.
COVER_PRODUCT, COVER_TITLE, COVER_SUBTITLE = "Cover Product", "Cover Title", "Cover Subtitle"
COVER_DETAIL, COVER_BANNER, FRONT_HEADING = "Cover Detail", "Cover Banner", "TOC Heading"
TOC_LEVELS = ("toc 1", "toc 2", "toc 3")  # Word's built-in names: Word and LibreOffice know them
NUMBER = "Paragraph Number"


@dataclass(frozen=True)
class _Para:
    name: str
    base: str
    size: float | None = None
    bold: bool | None = None
    italic: bool | None = None
    font: str | None = None
    color: RGBColor | None = None
    after: float | None = None
    before: float | None = None
    left: float | None = None  # indents, inches
    right: float | None = None
    hanging: float | None = None
    center: bool = False
    keep_next: bool = False


# What the export needs when a reference document lacks it (also the house look of these styles).
_PARAGRAPHS = (
    _Para(FOOTNOTE_TEXT, BODY, size=8.5, after=0),
    _Para(BIBLIOGRAPHY, BODY, size=9.5, after=4, left=0.3, hanging=0.3),
    _Para(BANNER, HEADER, size=10, bold=True, font=HEAD_FONT, center=True, after=0),
    _Para(MASTHEAD, BODY, size=8.5, font=HEAD_FONT, after=0, color=GREY),
    _Para(BOX_TEXT, BODY, size=8.5, font=HEAD_FONT, after=2),
    _Para(COVER_PRODUCT, BODY, size=12, bold=True, font=HEAD_FONT, color=NAVY, before=72, after=24),
    _Para(COVER_TITLE, BODY, size=26, bold=True, font=HEAD_FONT, color=NAVY, after=12),
    _Para(COVER_SUBTITLE, BODY, size=14, italic=True, font=HEAD_FONT, color=GREY, after=36),
    _Para(COVER_DETAIL, BODY, size=11, font=HEAD_FONT, color=GREY, after=4),
    _Para(COVER_BANNER, BODY, size=14, bold=True, font=HEAD_FONT, center=True, before=48, after=6),
    _Para(FRONT_HEADING, BODY, size=13, bold=True, font=HEAD_FONT, color=NAVY, before=12, after=6),
    _Para(TOC_LEVELS[0], BODY, size=11, font=HEAD_FONT, after=4, right=0.1),
    _Para(TOC_LEVELS[1], BODY, size=10.5, font=HEAD_FONT, after=2, left=0.25, right=0.1),
    _Para(TOC_LEVELS[2], BODY, size=10, font=HEAD_FONT, after=2, left=0.5, right=0.1),
)
_CHARACTERS: dict[str, dict[str, Any]] = {
    FOOTNOTE_REF: {"superscript": True},
    HYPERLINK: {"color": RGBColor(0x05, 0x63, 0xC1), "underline": True},
    STRONG: {"bold": True},
    SUBTLE: {"italic": True, "color": GREY},
    KJ_LEAD: {"bold": True},
    NUMBER: {"bold": True},
}


def ensure_styles(document: DocxDocument) -> dict[str, str]:
    """Add the styles the export uses that `document` lacks; returns style name -> style id."""
    styles = document.styles
    for spec in _PARAGRAPHS:
        if spec.name not in styles:
            style = styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
            _shape_paragraph(document, style, spec)
    for name, looks in _CHARACTERS.items():
        if name not in styles:
            char = styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
            _shape_character(char, **looks)
    # python-docx's default template defines these; an organisation's may not.
    for name, kind in (
        (QUOTE, WD_STYLE_TYPE.PARAGRAPH),
        (BULLET, WD_STYLE_TYPE.PARAGRAPH),
        (CAPTION, WD_STYLE_TYPE.PARAGRAPH),
        (SUBTITLE, WD_STYLE_TYPE.PARAGRAPH),
        (TITLE, WD_STYLE_TYPE.PARAGRAPH),
        (H1, WD_STYLE_TYPE.PARAGRAPH),
        (H2, WD_STYLE_TYPE.PARAGRAPH),
        (GRID, WD_STYLE_TYPE.TABLE),
    ):
        if name not in styles:
            styles.add_style(name, kind)
    return {style.name: style.style_id for style in styles if style.name}


def _shape_paragraph(document: DocxDocument, style: ParagraphStyle, spec: _Para) -> None:
    style.base_style = document.styles[spec.base]
    style.quick_style = True
    font, fmt = style.font, style.paragraph_format
    if spec.size is not None:
        font.size = Pt(spec.size)
    font.bold, font.italic = spec.bold, spec.italic
    if spec.font:
        font.name = spec.font
    if spec.color is not None:
        font.color.rgb = spec.color
    if spec.after is not None:
        fmt.space_after = Pt(spec.after)
    if spec.before is not None:
        fmt.space_before = Pt(spec.before)
    if spec.left is not None:
        fmt.left_indent = Inches(spec.left)
    if spec.right is not None:
        fmt.right_indent = Inches(spec.right)
    if spec.hanging is not None:
        fmt.first_line_indent = Inches(-spec.hanging)
    if spec.center:
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if spec.keep_next:
        fmt.keep_with_next = True


def _shape_character(
    style: CharacterStyle,
    *,
    bold: bool | None = None,
    italic: bool | None = None,
    superscript: bool | None = None,
    color: RGBColor | None = None,
    underline: bool | None = None,
) -> None:
    style.font.bold = bold
    style.font.italic = italic
    style.font.superscript = superscript
    style.font.underline = underline
    if color is not None:
        style.font.color.rgb = color


# -- the house look (reference.docx only) -------------------------------------
_HOUSE = (
    _Para(BODY, BODY, size=11, font=BODY_FONT, after=6),
    _Para(TITLE, BODY, size=18, bold=True, font=HEAD_FONT, color=NAVY, before=6, after=4),
    _Para(SUBTITLE, BODY, size=12, italic=True, font=HEAD_FONT, color=GREY, after=10),
    _Para(H1, BODY, size=13, bold=True, font=HEAD_FONT, color=NAVY, before=14, after=4, keep_next=True),
    _Para(H2, BODY, size=11.5, bold=True, font=HEAD_FONT, color=GREY, before=10, after=3, keep_next=True),
    _Para(QUOTE, BODY, size=10.5, italic=True, color=GREY, left=0.4, right=0.4, after=6),
    _Para(CAPTION, BODY, size=9, bold=True, font=HEAD_FONT, color=GREY, before=6, after=3, keep_next=True),
    _Para(BULLET, BODY, after=4),
    _Para(FOOTER, BODY, size=8.5, font=HEAD_FONT, color=GREY, after=0),
)


def apply_house_style(document: DocxDocument) -> None:
    """US Letter, 1" margins, serif body, sans headings (an organisation's reference replaces all this)."""
    for section in document.sections:
        section.page_width, section.page_height = Inches(8.5), Inches(11)
        section.left_margin = section.right_margin = Inches(1)
        section.top_margin = section.bottom_margin = Inches(1)
        section.header_distance = section.footer_distance = Inches(0.45)
    ensure_styles(document)
    for spec in _HOUSE + _PARAGRAPHS:
        style = document.styles[spec.name]
        assert isinstance(style, ParagraphStyle)
        if spec.name != spec.base:
            _shape_paragraph(document, style, spec)
        else:
            style.font.name, style.font.size = spec.font, Pt(spec.size or 11)
            style.paragraph_format.space_after = Pt(spec.after or 0)
        _use_font_everywhere(style, spec.font or BODY_FONT)
        _drop_theme_colour(style)
        _drop_letter_spacing(style)
    _title_rule(document.styles[TITLE])
    _title_rule(document.styles[COVER_PRODUCT], size=18, space=6)  # a heavier rule heads the cover


def _use_font_everywhere(style: BaseStyle, font: str) -> None:
    """Set the font for all scripts; the default template's theme fonts would otherwise win for some."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(slot), font)


def _drop_theme_colour(style: BaseStyle) -> None:
    color = style.element.rPr.find(qn("w:color")) if style.element.rPr is not None else None
    if color is not None:
        for attribute in ("w:themeColor", "w:themeShade", "w:themeTint"):
            color.attrib.pop(qn(attribute), None)


def _drop_letter_spacing(style: BaseStyle) -> None:
    rpr = style.element.rPr
    if rpr is not None:
        for spacing in rpr.findall(qn("w:spacing")):
            rpr.remove(spacing)


def _title_rule(style: BaseStyle, size: int = 6, space: int = 4) -> None:
    """A thin navy rule under the title instead of the default template's heavy blue one."""
    ppr = style.element.get_or_add_pPr()
    for old in ppr.findall(qn("w:pBdr")):
        ppr.remove(old)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", str(size)),
        ("w:space", str(space)),
        ("w:color", "1F3864"),
    ):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.insert_element_before(
        border, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc"
    )
