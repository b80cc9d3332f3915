"""The OOXML python-docx does not write: footnotes, hyperlinks, bookmarks, fields, custom
properties, right-to-left runs, and a sanitizer every string passes through.

Checked against Word's schema order and by converting with LibreOffice (see
the shared docx reference); the LibreOffice traps are noted where they bite.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, cast

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part, PartFactory, XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import OxmlElement
from docx.oxml.xmlchemy import BaseOxmlElement
from lxml import etree

from briefer.core.briefing.citations import Piece
from briefer.core.textnorm import strip_bidi

# XML 1.0 allows #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF; lxml refuses the rest.
_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")

FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
CUSTOM_PROPS_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_PROPS_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_PROPERTY_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the one fmtid Word uses for user properties
COMMENT_ID_BASE = 100_000  # keep comment ids far from footnote ids (LibreOffice mixes them up)

# Load a reference document's footnotes part as XML we can edit, not as an opaque blob.
PartFactory.part_type_for[FOOTNOTES_CT] = XmlPart


def clean(text: str) -> str:
    """Text that lxml and Word accept: lone surrogates become U+FFFD, XML-invalid characters go."""
    if _SURROGATE.search(text):
        # utf-16 joins proper surrogate pairs into one character and replaces the lone ones.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _XML_INVALID.sub("", text)


def is_rtl(text: str) -> bool:
    """Whether the first strongly directional character is right-to-left (Arabic, Hebrew ...)."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def _el(tag: str, **attrs: str) -> BaseOxmlElement:
    element = OxmlElement(tag)
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), value)
    return cast(BaseOxmlElement, element)


def make_run(text: str, style_id: str | None = None, *, rtl: bool = False) -> BaseOxmlElement:
    """A w:r with sanitized text; python-docx's run turns \\n and \\t into breaks and tabs."""
    run = _el("w:r")
    if style_id or rtl:
        rpr = _el("w:rPr")
        if style_id:
            rpr.append(_el("w:rStyle", val=style_id))
        if rtl:
            rpr.append(_el("w:rtl"))
        run.append(rpr)
    cast(Any, run).text = clean(text)
    return run


_PPR_AFTER_BIDI = (
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def mark_rtl(p: BaseOxmlElement) -> None:
    """Lay a paragraph out right-to-left: w:bidi on the paragraph, w:rtl on its runs."""
    ppr = cast(Any, p).get_or_add_pPr()
    if ppr.find(qn("w:bidi")) is None:
        ppr.insert_element_before(_el("w:bidi"), *_PPR_AFTER_BIDI)
    for run in p.iter(qn("w:r")):
        cast(Any, run).get_or_add_rPr().get_or_add_rtl()


# -- hyperlinks and bookmarks --------------------------------------------------
def add_hyperlink(p: BaseOxmlElement, part: Part, url: str, text: str, style_id: str) -> None:
    """An external link; the relationship belongs to the part the paragraph lives in (body or footnotes)."""
    r_id = part.relate_to(clean(url), RT.HYPERLINK, is_external=True)
    link = _el("w:hyperlink", history="1")
    link.set(qn("r:id"), r_id)
    link.append(make_run(text, style_id))
    p.append(link)


def add_internal_link(p: BaseOxmlElement, anchor: str, run: BaseOxmlElement) -> None:
    link = _el("w:hyperlink", anchor=anchor, history="1")
    link.append(run)
    p.append(link)


def wrap_in_bookmark(p: BaseOxmlElement, element: BaseOxmlElement, name: str, bookmark_id: int) -> None:
    """Put bookmarkStart/End around an element already in paragraph `p`."""
    element.addprevious(_el("w:bookmarkStart", id=str(bookmark_id), name=name))
    element.addnext(_el("w:bookmarkEnd", id=str(bookmark_id)))


# -- fields ---------------------------------------------------------------------
def add_field(p: BaseOxmlElement, instruction: str, shown: str, style_id: str | None = None) -> None:
    """A complex field (PAGE, NUMPAGES ...): begin, instruction, separate, cached result, end."""

    def char(kind: str) -> BaseOxmlElement:
        run = make_run("", style_id)
        fld = _el("w:fldChar", fldCharType=kind)
        if kind == "begin":
            fld.set(qn("w:dirty"), "true")  # Word recomputes on open; LibreOffice always does
        run.append(fld)
        return run

    instr_run = make_run("", style_id)
    instr = _el("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    instr_run.append(instr)
    for element in (char("begin"), instr_run, char("separate"), make_run(shown, style_id), char("end")):
        p.append(element)


# -- footnotes ----------------------------------------------------------------
class Footnotes:
    """The document's footnotes part: created on first use, emptied of a reference document's notes."""

    def __init__(
        self, document: DocxDocument, text_style: str, reference_style: str, link_style: str
    ) -> None:
        self._document = document
        self._text_style = text_style
        self._reference_style = reference_style
        self._link_style = link_style
        self._part = self._find_or_create()
        self._next_id = 1
        self.count = 0

    def _find_or_create(self) -> XmlPart:
        doc_part = self._document.part
        for rel in doc_part.rels.values():
            if rel.reltype == RT.FOOTNOTES and not rel.is_external:
                part = cast(XmlPart, rel.target_part)
                for note in part.element.findall(qn("w:footnote")):
                    if note.get(qn("w:type")) not in ("separator", "continuationSeparator"):
                        part.element.remove(note)
                return part
        spacing = '<w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
        xml = (
            f"<w:footnotes {nsdecls('w', 'r')}>"
            f'<w:footnote w:type="separator" w:id="-1"><w:p>{spacing}'
            f"<w:r><w:separator/></w:r></w:p></w:footnote>"
            f'<w:footnote w:type="continuationSeparator" w:id="0"><w:p>{spacing}'
            f"<w:r><w:continuationSeparator/></w:r></w:p></w:footnote></w:footnotes>"
        )
        part = XmlPart(PackURI("/word/footnotes.xml"), FOOTNOTES_CT, parse_xml(xml), doc_part.package)
        doc_part.relate_to(part, RT.FOOTNOTES)
        # LibreOffice maps note ids correctly only when settings.xml lists the separators too.
        settings = self._document.settings.element
        if settings.find(qn("w:footnotePr")) is None:
            pr = _el("w:footnotePr")
            for note_id in ("-1", "0"):
                pr.append(_el("w:footnote", id=note_id))
            settings.insert_element_before(pr, *_SETTINGS_AFTER_FOOTNOTE_PR)
        return part

    def add(self, p: BaseOxmlElement, pieces: Iterable[Piece]) -> BaseOxmlElement:
        """Append a footnote reference to paragraph `p` and the note itself; returns the reference run."""
        note_id = str(self._next_id)
        self._next_id += 1
        self.count += 1
        note = _el("w:footnote", id=note_id)
        body = _el("w:p")
        ppr = _el("w:pPr")
        ppr.append(_el("w:pStyle", val=self._text_style))
        body.append(ppr)
        mark = make_run("", self._reference_style)
        mark.append(_el("w:footnoteRef"))
        body.append(mark)
        body.append(make_run(" "))
        for piece in pieces:
            if piece.url:
                add_hyperlink(body, self._part, piece.url, piece.text, self._link_style)
            else:
                body.append(make_run(piece.text))
        note.append(body)
        self._part.element.append(note)
        reference = make_run("", self._reference_style)
        reference.append(_el("w:footnoteReference", id=note_id))
        p.append(reference)
        return reference


_SETTINGS_AFTER_FOOTNOTE_PR = (
    "w:endnotePr",
    "w:compat",
    "w:docVars",
    "w:rsids",
    "m:mathPr",
    "w:attachedSchema",
    "w:themeFontLang",
    "w:clrSchemeMapping",
    "w:doNotIncludeSubdocsInStats",
    "w:doNotAutoCompressPictures",
    "w:forceUpgrade",
    "w:captions",
    "w:readModeInkLockDown",
    "w:smartTagType",
    "sl:schemaLibrary",
    "w:shapeDefaults",
    "w:doNotEmbedSmartTags",
    "w:decimalSymbol",
    "w:listSeparator",
)


def settings_flag(document: DocxDocument, tag: str) -> None:
    """An on/off element of settings.xml (`w:updateFields` ...), set true, in the schema's order."""
    settings = document.settings.element
    if settings.find(qn(tag)) is None:
        settings.insert_element_before(
            _el(tag, val="true"), "w:hdrShapeDefaults", "w:footnotePr", *_SETTINGS_AFTER_FOOTNOTE_PR
        )


def renumber_comments(document: DocxDocument) -> None:
    """Move comment ids out of the footnote id range (LibreOffice showed wrong footnote texts otherwise)."""
    try:
        part = document.part.part_related_by(RT.COMMENTS)
    except KeyError:
        return
    mapping: dict[str, str] = {}
    for comment in part.element.iter(qn("w:comment")):  # type: ignore[attr-defined]
        old = comment.get(qn("w:id"))
        if old is not None and int(old) < COMMENT_ID_BASE:
            mapping[old] = str(COMMENT_ID_BASE + len(mapping))
            comment.set(qn("w:id"), mapping[old])
    for tag in ("w:commentRangeStart", "w:commentRangeEnd", "w:commentReference"):
        for element in document.element.body.iter(qn(tag)):
            old = element.get(qn("w:id"))
            if old in mapping:
                element.set(qn("w:id"), mapping[old])


# -- custom document properties -----------------------------------------------
def set_custom_properties(document: DocxDocument, values: Mapping[str, str | int]) -> None:
    """docProps/custom.xml: add or replace named properties (strings as lpwstr, ints as i4)."""
    package = document.part.package
    part = next(
        (rel.target_part for rel in package.rels.values() if rel.reltype == CUSTOM_PROPS_RT),
        None,
    )
    if part is None:
        root = etree.Element(f"{{{_CUSTOM_NS}}}Properties", nsmap={None: _CUSTOM_NS, "vt": _VT_NS})
    else:
        root = etree.fromstring(part.blob)
    existing = {el.get("name"): el for el in root}
    for name, value in values.items():
        if name in existing:
            root.remove(existing[name])
        prop = etree.SubElement(root, f"{{{_CUSTOM_NS}}}property", fmtid=_PROPERTY_FMTID, name=name)
        kind = "i4" if isinstance(value, int) and not isinstance(value, bool) else "lpwstr"
        etree.SubElement(prop, f"{{{_VT_NS}}}{kind}").text = strip_bidi(clean(str(value)))
    for pid, prop in enumerate(root, start=2):  # pids start at 2 by the spec
        prop.set("pid", str(pid))
    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    if part is None:
        part = Part(PackURI("/docProps/custom.xml"), CUSTOM_PROPS_CT, blob, package)
        package.relate_to(part, CUSTOM_PROPS_RT)
    else:
        part._blob = blob  # a generic Part serializes its blob as is


def custom_properties(document: DocxDocument) -> dict[str, str]:
    """docProps/custom.xml as {name: value text}; empty when the document has none."""
    package = document.part.package
    part = next(
        (rel.target_part for rel in package.rels.values() if rel.reltype == CUSTOM_PROPS_RT),
        None,
    )
    if part is None:
        return {}
    try:
        root = etree.fromstring(part.blob)
    except etree.XMLSyntaxError:
        return {}
    return {
        str(prop.get("name")): "".join(prop.itertext())
        for prop in root
        if prop.tag == f"{{{_CUSTOM_NS}}}property" and prop.get("name")
    }
