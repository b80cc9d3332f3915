"""The HTML rendition of an exported briefing: one self-contained page.

Compute once, render twice: the page is rendered from the Word document the
export has just made (BodyWriter's output), not from the briefing again, so
it shows exactly what the .docx shows: the banner (top and bottom), the
masthead, title, key judgments with their likelihood and confidence,
sections, the matrix and the estimative key as tables, excerpts as
blockquotes, the source list.  Paragraph styles map to HTML elements by their
*names* (Heading 1 -> h2, Quote -> blockquote, List Bullet -> ul ...), so an
organisation's reference document works too.  Footnotes become endnotes: each
reference a numbered link to the "Notes" list, each note a link back.

The page loads nothing: CSS is inline, a picture (a logo) is a data: URL, a
Content-Security-Policy forbids everything else, there is no script, and all
text is escaped.  When the document has no table of contents of its own, the
page gets a linked "Contents" list of its headings.
"""

from __future__ import annotations

import base64
import html
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree

from briefer import __version__
from briefer.core.export.docx_view import COMPUTED_FIELDS, W, _Field, _Package

_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}

_HEADINGS = {"title": "h1", "heading 1": "h2", "heading 2": "h3", "heading 3": "h4"}
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

CSS = """
body{margin:0;background:#fff;color:#111;font:16px/1.5 "Times New Roman",Times,serif}
main{max-width:46em;margin:0 auto;padding:1em 1.5em}
.banner{text-align:center;font:bold 14px Arial,Helvetica,sans-serif;padding:.4em;border-bottom:1px solid #ccc}
footer.banner{border-bottom:0;border-top:1px solid #ccc}
h1,h2,h3,h4,.subtitle,.caption{font-family:Arial,Helvetica,sans-serif;color:#1f3864}
h1{font-size:1.7em;margin:.6em 0 .2em}h2{font-size:1.3em;margin-top:1.6em;border-bottom:1px solid #1f3864}
h3{font-size:1.1em}.subtitle{font-size:1.15em;margin-top:0}
.caption{font-size:.85em;font-weight:bold;margin-bottom:.3em}
blockquote{margin:1em 0 1em 1.5em;padding-left:1em;border-left:3px solid #1f3864}
blockquote p{margin:.3em 0}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em;font:13px/1.4 Arial,Helvetica,sans-serif}
table.grid td,table.grid th{border:1px solid #999;padding:.3em .4em;vertical-align:top;text-align:left}
table.plain td{padding:.1em .4em;vertical-align:top;color:#404040}
table p{margin:.1em 0}
.masthead{font-size:13px}
.subtle-emphasis{font-style:italic;color:#404040}
.bibliography{font-size:.9em;padding-left:1.5em;text-indent:-1.5em;margin:.2em 0}
nav.contents ol{list-style:none;padding-left:0}nav.contents ol ol{padding-left:1.5em}
nav.contents p{margin:.2em 0}nav.contents .toc-2{padding-left:1.5em}nav.contents .toc-3{padding-left:3em}
.cover-product,.cover-detail,.cover-banner{font-family:Arial,Helvetica,sans-serif;color:#1f3864}
.cover-title{font:bold 2em Arial,Helvetica,sans-serif;color:#1f3864;margin:.3em 0}
.cover-subtitle{font-size:1.2em}.cover-banner{font-weight:bold;margin-bottom:2em}
sup a{text-decoration:none}
section.notes{font-size:.85em;border-top:1px solid #999;margin-top:2em}
section.notes h2{border:0}
a.back{text-decoration:none;margin-left:.3em}
[dir=rtl]{text-align:right}
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "normal"


@dataclass
class _Item:
    """One block of the page: its kind decides how neighbours group (list items, quotes, sections)."""

    kind: str  # "li" | "quote" | "section" (a Heading 1 opens one) | "block" | "contents"
    html: str


@dataclass
class _Heading:
    level: int
    text: str
    anchor: str


@dataclass
class _State:
    """What a paragraph's runs need while rendering."""

    links: dict[str, str]  # rId -> URL of the part being rendered
    skip_after_tab: bool = False  # a contents entry: its page number after the tab means nothing here
    fields: list[_Field] = field(default_factory=list)  # the fields the runs are in
    stopped: bool = False


class _Renderer:
    def __init__(self, data: bytes) -> None:
        self._zip = zipfile.ZipFile(io.BytesIO(data))
        names = set(self._zip.namelist())
        self.package = _Package(lambda n: self._zip.read(n) if n in names else None, "the document")
        main = self.package.target("/", RT.OFFICE_DOCUMENT) or ""
        root = self.package.xml(main)
        body = root.find(_w("body")) if root is not None else None
        if body is None:
            raise ValueError("the document has no body")
        self.main, self.body = main, body
        self.styles = self._style_names()
        self.main_links = self._links(main)
        self.notes_part = self.package.target(main, RT.FOOTNOTES) or ""
        self.note_numbers = self._number_notes()
        self.note_of_bookmark = self._bookmarked_notes()
        self.bookmarks = {b.get(_w("name"), "") for b in body.iter(_w("bookmarkStart"))}
        self.headings: list[_Heading] = []
        self._refs: dict[int, int] = {}  # note number -> references rendered so far
        self._ids: set[str] = set()

    # -- facts read once ---------------------------------------------------------------------
    def _style_names(self) -> dict[str, str]:
        root = self.package.xml(self.package.target(self.main, RT.STYLES) or "")
        names: dict[str, str] = {}
        for style in root.iter(_w("style")) if root is not None else ():
            name = style.find(_w("name"))
            names[style.get(_w("styleId"), "")] = (
                name.get(_w("val"), "") if name is not None else ""
            ).lower()
        return names

    def _links(self, partname: str) -> dict[str, str]:
        return {
            rid: t for rid, (kind, t, _) in self.package.related(partname).items() if kind == RT.HYPERLINK
        }

    def _number_notes(self) -> dict[str, int]:
        """Footnote id -> the number a reader sees (order of first reference)."""
        order = dict.fromkeys(r.get(_w("id"), "") for r in self.body.iter(_w("footnoteReference")))
        return {note_id: number for number, note_id in enumerate(order, start=1)}

    def _bookmarked_notes(self) -> dict[str, int]:
        """Bookmark -> the note whose reference it wraps: a reused source's link then goes to the note."""
        found: dict[str, int] = {}
        open_marks: dict[str, str] = {}  # bookmark id -> name
        for element in self.body.iter(_w("bookmarkStart"), _w("bookmarkEnd"), _w("footnoteReference")):
            if element.tag == _w("bookmarkStart"):
                open_marks[element.get(_w("id"), "")] = element.get(_w("name"), "")
            elif element.tag == _w("bookmarkEnd"):
                open_marks.pop(element.get(_w("id"), ""), None)
            else:
                number = self.note_numbers.get(element.get(_w("id"), ""))
                for name in open_marks.values():
                    if number is not None:
                        found.setdefault(name, number)
        return found

    # -- the page ------------------------------------------------------------------------------
    def page(self, note: str = "") -> str:
        items = list(self._blocks(self.body, self.main_links))
        has_contents = any(i.kind == "contents" for i in items)
        main = _grouped(items, "" if has_contents else self._contents())
        banner_top, banner_bottom = self._banner("header"), self._banner("footer")
        title = self.package.core_properties().get("core:title", "") or "Briefing"
        preface = f'<p class="note">{_text(note)}</p>\n' if note else ""
        return (
            '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="Briefer {_attr(__version__)}">\n'
            f"<title>{_text(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"{banner_top}<main>\n{preface}{main}{self._notes()}</main>\n{banner_bottom}</body>\n</html>\n"
        )

    def _banner(self, kind: str) -> str:
        """The banner lines of the default header or footer (not the page numbers)."""
        section = self.body.find(_w("sectPr"))
        ref = None
        for candidate in section if section is not None else ():
            if candidate.tag == _w(f"{kind}Reference") and candidate.get(_w("type"), "default") == "default":
                ref = candidate
        target = self.package.related(self.main).get(ref.get(f"{{{_R}}}id", "")) if ref is not None else None
        root = self.package.xml(target[1]) if target and not target[2] else None
        if root is None:
            return ""
        links = self._links(target[1]) if target else {}
        lines = [self._runs(p, _State(links)) for p in root.iter(_w("p")) if self._style_of(p) == "banner"]
        shown = "<br>".join(line for line in lines if line)
        tag = "header" if kind == "header" else "footer"
        return f'<{tag} class="banner">{shown}</{tag}>\n' if shown else ""

    def _contents(self) -> str:
        """A linked list of the Heading 1s, each with its Heading 2s."""
        groups: list[tuple[_Heading, list[_Heading]]] = []
        for heading in self.headings:
            if heading.level == 2 and groups:
                groups[-1][1].append(heading)
            elif heading.level in (1, 2):
                groups.append((heading, []))
        if not groups:
            return ""
        entries = []
        for top, subs in groups:
            nested = "".join(f"<li>{_link(sub)}</li>" for sub in subs)
            entries.append(f"<li>{_link(top)}" + (f"<ol>{nested}</ol>" if nested else "") + "</li>")
        return '<nav class="contents">\n<h2>Contents</h2>\n<ol>\n' + "\n".join(entries) + "\n</ol>\n</nav>"

    def _notes(self) -> str:
        if not self.note_numbers:
            return ""
        root = self.package.xml(self.notes_part) if self.notes_part else None
        notes = {n.get(_w("id"), ""): n for n in root.iter(_w("footnote"))} if root is not None else {}
        links = self._links(self.notes_part) if self.notes_part else {}
        out = ['<section class="notes">\n<h2 id="notes">Notes</h2>\n<ol>']
        for note_id, number in self.note_numbers.items():
            note = notes.get(note_id)
            text = (
                " ".join(self._runs(p, _State(links)) for p in note.iter(_w("p"))) if note is not None else ""
            )
            back = f'<a class="back" href="#ref-{number}" aria-label="back to the text">\u21a9</a>'
            out.append(f'<li id="note-{number}">{text.strip()}{back}</li>')
        out.append("</ol>\n</section>\n")
        return "\n".join(out)

    # -- blocks --------------------------------------------------------------------------------
    def _blocks(self, container: etree._Element, links: dict[str, str]) -> Iterator[_Item]:
        for child in container:
            if child.tag == _w("p"):
                item = self._paragraph(child, links)
                if item is not None:
                    yield item
            elif child.tag == _w("tbl"):
                yield _Item("block", self._table(child, links))
            elif child.tag == _w("sdt"):
                content = child.find(_w("sdtContent"))
                if content is not None:
                    yield from self._blocks(content, links)

    def _style_of(self, p: etree._Element) -> str:
        style = p.find(f"{_w('pPr')}/{_w('pStyle')}")
        return self.styles.get(style.get(_w("val"), ""), "normal") if style is not None else "normal"

    def _paragraph(self, p: etree._Element, links: dict[str, str]) -> _Item | None:
        style = self._style_of(p)
        contents = re.fullmatch(r"toc \d", style) is not None  # an entry of the document's contents
        marks = [b.get(_w("name"), "") for b in p.iter(_w("bookmarkStart")) if b.get(_w("name"))]
        if style in _HEADINGS:
            self._ids.update(marks)  # the heading itself carries its bookmark as its id
        inner = self._runs(p, _State(links, skip_after_tab=contents)).strip()
        if not inner:
            return None
        rtl = ' dir="rtl"' if p.find(f"{_w('pPr')}/{_w('bidi')}") is not None else ""
        kind = "contents" if contents else "block"
        if style == "toc heading":
            return _Item("contents", f"<h2{rtl}>{inner}</h2>")
        if style in _HEADINGS:
            tag = _HEADINGS[style]
            if tag == "h1":
                return _Item("block", f'<h1 class="title"{rtl}>{inner}</h1>')
            plain = re.sub("<[^>]+>", "", inner)
            anchor = marks[0] if marks else self._new_id("s-" + _slug(html.unescape(plain)))
            self.headings.append(_Heading(int(tag[1]) - 1, plain, anchor))
            return _Item(
                "section" if tag == "h2" else "block", f'<{tag} id="{_attr(anchor)}"{rtl}>{inner}</{tag}>'
            )
        if style in ("list bullet", "list paragraph"):
            return _Item("li", f"<li{rtl}>{inner}</li>")
        if style in ("quote", "intense quote"):
            return _Item("quote", f"<p{rtl}>{inner}</p>")
        return _Item(kind, f'<p class="{_slug(style)}"{rtl}>{inner}</p>')

    def _new_id(self, base: str) -> str:
        anchor, n = base, 1
        while anchor in self._ids or anchor in self.bookmarks:
            n += 1
            anchor = f"{base}-{n}"
        self._ids.add(anchor)
        return anchor

    def _table(self, tbl: etree._Element, links: dict[str, str]) -> str:
        style = tbl.find(f"{_w('tblPr')}/{_w('tblStyle')}")
        name = self.styles.get(style.get(_w("val"), ""), "") if style is not None else ""
        css = "grid" if "grid" in name else "plain"
        head: list[str] = []
        rows: list[str] = []
        for tr in tbl.iter(_w("tr")):
            if tr.getparent() is not tbl:
                continue
            header = tr.find(f"{_w('trPr')}/{_w('tblHeader')}") is not None
            cells = "".join(self._cell(tc, links, "th" if header else "td") for tc in tr.findall(_w("tc")))
            (head if header else rows).append(f"<tr>{cells}</tr>")
        thead = f"<thead>{''.join(head)}</thead>" if head else ""
        return f'<table class="{css}">{thead}<tbody>{"".join(rows)}</tbody></table>'

    def _cell(self, tc: etree._Element, links: dict[str, str], tag: str) -> str:
        pr = tc.find(_w("tcPr"))
        attrs = ""
        span = pr.find(_w("gridSpan")) if pr is not None else None
        if span is not None and span.get(_w("val"), "1").isdigit() and int(span.get(_w("val"), "1")) > 1:
            attrs += f' colspan="{int(span.get(_w("val"), "1"))}"'
        shading = pr.find(_w("shd")) if pr is not None else None
        fill = _colour(shading.get(_w("fill")) if shading is not None else None)
        if fill:
            attrs += f' style="background:{fill}"'
        inner = _grouped(list(self._blocks(tc, links)), "")
        return f"<{tag}{attrs}>{inner}</{tag}>"

    # -- runs ----------------------------------------------------------------------------------
    def _runs(self, p: etree._Element, state: _State) -> str:
        return "".join(self._inline(child, state) for child in p)

    def _inline(self, element: etree._Element, state: _State) -> str:
        tag = element.tag
        if state.stopped or not isinstance(tag, str):
            return ""
        if tag == _w("r"):
            return self._run(element, state)
        if tag == _w("hyperlink"):
            inner = "".join(self._inline(child, state) for child in element)
            href = self._href(element, state.links)
            return f'<a href="{_attr(href)}">{inner}</a>' if href and inner else inner
        if tag == _w("bookmarkStart"):
            name = element.get(_w("name"), "")
            if name and name not in self._ids and name not in self.note_of_bookmark:
                self._ids.add(name)
                return f'<span id="{_attr(name)}"></span>'
            return ""
        if tag == _w("fldSimple"):
            instruction = element.get(_w("instr"), "").split()
            if instruction and instruction[0].upper() in COMPUTED_FIELDS:
                return ""
        if tag in (_w("del"), _w("moveFrom"), _w("pPr"), _w("rPr")):
            return ""
        return "".join(self._inline(child, state) for child in element)  # ins, smartTag, sdt ...

    def _href(self, link: etree._Element, links: dict[str, str]) -> str:
        rid, anchor = link.get(f"{{{_R}}}id"), link.get(_w("anchor"))
        if rid:
            url = links.get(rid, "")
            return url if url.lower().startswith(_SAFE_SCHEMES) else ""
        if anchor in self.note_of_bookmark:
            return f"#note-{self.note_of_bookmark[anchor]}"
        return f"#{anchor}" if anchor in self.bookmarks else ""

    def _run(self, r: etree._Element, state: _State) -> str:
        rpr = r.find(_w("rPr"))
        if rpr is not None and _on(rpr.find(_w("vanish"))):
            return ""
        parts: list[str] = []
        for child in r:
            piece = self._run_child(child, state)
            if state.stopped:
                break
            parts.append(piece)
        return _formatted("".join(parts), rpr, self.styles)

    def _run_child(self, child: etree._Element, state: _State) -> str:
        tag = child.tag
        if tag == _w("fldChar"):
            kind = child.get(_w("fldCharType"))
            if kind == "begin":
                state.fields.append(_Field())
            elif kind == "separate" and state.fields:
                state.fields[-1].in_result = True
            elif kind == "end" and state.fields:
                state.fields.pop()
            return ""
        if tag == _w("instrText"):
            if state.fields:
                state.fields[-1].instruction += child.text or ""
            return ""
        if any(not f.in_result or f.computed for f in state.fields):
            return ""  # a field's instruction, or a page number Word computes
        if tag == _w("t"):
            return _text(child.text or "")
        if tag in (_w("tab"), _w("ptab")):
            state.stopped = state.skip_after_tab
            return " "
        if tag in (_w("br"), _w("cr")):
            return "" if child.get(_w("type")) == "page" else "<br>"
        if tag == _w("noBreakHyphen"):
            return "\u2011"
        if tag == _w("footnoteReference"):
            return self._note_ref(child.get(_w("id"), ""))
        if tag == _w("drawing"):
            return self._picture(child)
        return ""

    def _note_ref(self, note_id: str) -> str:
        number = self.note_numbers.get(note_id)
        if number is None:
            return ""
        seen = self._refs[number] = self._refs.get(number, 0) + 1
        ref = f"ref-{number}" if seen == 1 else f"ref-{number}-{seen}"
        return f'<sup class="note-ref"><a id="{ref}" href="#note-{number}">{number}</a></sup>'

    def _picture(self, drawing: etree._Element) -> str:
        blip = next(drawing.iter(f"{{{_A}}}blip"), None)
        rid = blip.get(f"{{{_R}}}embed", "") if blip is not None else ""
        target = self.package.related(self.main).get(rid)
        if not target or target[2]:
            return ""
        kind = _IMAGE_TYPES.get(posixpath.splitext(target[1])[1].lower())
        data = self._member(target[1])
        if kind is None or not data:
            return ""
        encoded = base64.b64encode(data).decode("ascii")
        return f'<img alt="" style="max-width:12em" src="data:{kind};base64,{encoded}">'

    def _member(self, partname: str) -> bytes | None:
        name = partname.lstrip("/")
        return self._zip.read(name) if name in self._zip.namelist() else None


def _formatted(inner: str, rpr: etree._Element | None, styles: dict[str, str]) -> str:
    if not inner or rpr is None:
        return inner
    style_ref = rpr.find(_w("rStyle"))
    style = styles.get(style_ref.get(_w("val"), ""), "") if style_ref is not None else ""
    vertical = rpr.find(_w("vertAlign"))
    superscript = style == "footnote reference" or (
        vertical is not None and vertical.get(_w("val")) == "superscript"
    )
    if superscript and not inner.startswith("<sup"):  # a note reference is a <sup> already
        inner = f"<sup>{inner}</sup>"
    if style in ("strong", "kj lead") or _on(rpr.find(_w("b"))):
        inner = f"<strong>{inner}</strong>"
    if style == "subtle emphasis":
        inner = f'<em class="subtle-emphasis">{inner}</em>'
    elif _on(rpr.find(_w("i"))):
        inner = f"<em>{inner}</em>"
    shading, colour = rpr.find(_w("shd")), rpr.find(_w("color"))
    fill = _colour(shading.get(_w("fill")) if shading is not None else None)
    ink = _colour(colour.get(_w("val")) if colour is not None else None)
    if fill:  # a TLP label: coloured capitals on black
        inner = (
            f'<span style="background:{fill}{";color:" + ink if ink else ""};padding:0 .2em">{inner}</span>'
        )
    return inner


def _on(element: etree._Element | None) -> bool:
    return element is not None and element.get(_w("val"), "true").lower() not in ("0", "false", "off")


def _colour(value: str | None) -> str:
    return f"#{value}" if value and re.fullmatch(r"[0-9A-Fa-f]{6}", value) else ""


def _link(heading: _Heading) -> str:
    return f'<a href="#{_attr(heading.anchor)}">{heading.text}</a>'


def _text(text: str) -> str:
    return html.escape(text, quote=False)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _grouped(items: list[_Item], contents: str) -> str:
    """List items into <ul>, quote paragraphs into <blockquote>, each Heading 1 opens a <section>;
    `contents` goes before the first section."""
    out: list[str] = []
    open_group = ""
    in_section = False

    def close_group() -> None:
        nonlocal open_group
        if open_group:
            out.append(f"</{open_group}>")
            open_group = ""

    for item in items:
        group = {"li": "ul", "quote": "blockquote", "contents": "nav"}.get(item.kind, "")
        if group != open_group:
            close_group()
            if group:
                out.append('<nav class="contents">' if group == "nav" else f"<{group}>")
                open_group = group
        if item.kind == "section":
            if not in_section and contents:
                out.append(contents)
            if in_section:
                out.append("</section>")
            out.append("<section>")
            in_section = True
        out.append(item.html)
    close_group()
    if in_section:
        out.append("</section>")
    elif contents:
        out.append(contents)
    return "\n".join(out) + "\n"


def render(docx: bytes, *, note: str = "") -> str:
    """The HTML page of an exported .docx (its bytes); `note` is a line above the document (mail).
    Raises ValueError when `docx` is not a Word document."""
    try:
        return _Renderer(docx).page(note)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"not a Word document ({exc})") from None
