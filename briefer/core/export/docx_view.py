"""What a reader of an exported .docx sees, read from the package's XML.

The export records this view in the manifest and `verify` reads it again from
the file, with the same code: the lines of every header and footer shown (the
banner among them), the visible text of every paragraph (body, tables, boxes),
text hidden from the reader (w:vanish, on the run or through a style), every
link target, every footnote's text and links in the order a reader sees them
numbered, the comments, and the document's properties (its id among them).
Computed field results (page numbers) are left out: Word and LibreOffice
recompute them.  So is a table of contents (a TOC field's result, which spans
paragraphs): Word rebuilds it when asked to update fields, and the headings it
lists are read where they stand.

The file is read as a zip of XML parts, without python-docx, so a part of any
size Briefer itself writes can be read (a 10 MB paragraph is one huge text
node, which lxml refuses by default); reading is bounded per part and in
total, and entities are never resolved.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree

from briefer.core.briefing.model import BriefingError
from briefer.core.export.ooxml import CUSTOM_PROPS_RT

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PR = "http://schemas.openxmlformats.org/package/2006/relationships"
_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
# Core properties a reader sees in Word's File > Info.  Not the dates and revision (they change on
# every save), nor the keywords (LibreOffice rewrites "Russia; DPRK" as "Russia DPRK").
CORE_FIELDS = ("title", "subject", "creator", "category", "contentStatus")
SELF_HASH = "ManifestSHA256"  # the manifest's own hash: set after the view is taken

MAX_PART = 64 * 1024 * 1024  # uncompressed bytes of one part (a 10 MB paragraph is about 10 MB)
MAX_TOTAL = 256 * 1024 * 1024  # uncompressed bytes read from one document
# Fields whose result Word and LibreOffice compute when they lay the document out.
COMPUTED_FIELDS = frozenset({"PAGE", "NUMPAGES", "SECTIONPAGES", "DATE", "TIME", "PRINTDATE", "SAVEDATE"})


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


_P, _R_, _T, _TAB, _PTAB, _BR, _CR, _NBH = (
    _w(t) for t in ("p", "r", "t", "tab", "ptab", "br", "cr", "noBreakHyphen")
)
_HYPERLINK, _FLDSIMPLE, _FLDCHAR, _INSTR = (_w(t) for t in ("hyperlink", "fldSimple", "fldChar", "instrText"))
_SKIPPED = frozenset({_w("del"), _w("moveFrom"), _w("rPr"), _w("pPr")})  # never seen as text
_TEXTPATH = "{urn:schemas-microsoft-com:vml}textpath"  # a watermark's text ("DRAFT", "SECRET")
_PICTURES = {_w("drawing"): "[picture]", _w("object"): "[object]"}  # seen, though not as text
_VAL = _w("val")


class DocxReadError(BriefingError):
    """A .docx that cannot be read: not a zip, a part missing, malformed or too large."""


# -- the view -------------------------------------------------------------------------------
@dataclass
class Story:
    """One place a reader looks at: its visible text, the text hidden in it, its link targets."""

    text: str = ""
    hidden: str = ""
    links: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text}
        if self.hidden:
            data["hidden"] = self.hidden
        if self.links:
            data["links"] = self.links
        return data

    @classmethod
    def from_json(cls, data: object) -> Story:
        if not isinstance(data, dict):
            raise ValueError("not a story")
        links = data.get("links") or []
        if not isinstance(links, list):
            raise ValueError("links are not a list")
        return cls(str(data.get("text", "")), str(data.get("hidden", "")), [str(link) for link in links])


def _merged(stories: list[Story], separator: str = "\n") -> Story:
    return Story(
        separator.join(s.text for s in stories if s.text),
        separator.join(s.hidden for s in stories if s.hidden),
        [link for s in stories for link in s.links],
    )


@dataclass
class DocxView:
    properties: dict[str, str] = field(default_factory=dict)  # custom, and core ones as "core:title"
    furniture: dict[str, Story] = field(default_factory=dict)  # "header", "first-page footer" ...
    paragraphs: list[Story] = field(default_factory=list)  # the body, in reading order
    footnotes: list[Story] = field(default_factory=list)  # numbered as a reader sees them
    endnotes: list[Story] = field(default_factory=list)
    comments: list[Story] = field(default_factory=list)

    def body_text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)

    def as_json(self) -> dict[str, Any]:
        return {
            "properties": dict(self.properties),
            "furniture": {place: story.as_json() for place, story in self.furniture.items()},
            "paragraphs": [p.as_json() for p in self.paragraphs],
            "footnotes": [n.as_json() for n in self.footnotes],
            "endnotes": [n.as_json() for n in self.endnotes],
            "comments": [c.as_json() for c in self.comments],
        }

    @classmethod
    def from_json(cls, data: object) -> DocxView:
        """Raises ValueError when `data` is not a view as `as_json` writes it."""
        if not isinstance(data, dict):
            raise ValueError("not a view")
        properties, furniture = data.get("properties") or {}, data.get("furniture") or {}
        if not isinstance(properties, dict) or not isinstance(furniture, dict):
            raise ValueError("properties or furniture are not objects")

        def stories(key: str) -> list[Story]:
            found = data.get(key) or []
            if not isinstance(found, list):
                raise ValueError(f"{key} is not a list")
            return [Story.from_json(item) for item in found]

        return cls(
            {str(k): str(v) for k, v in properties.items()},
            {str(k): Story.from_json(v) for k, v in furniture.items()},
            stories("paragraphs"),
            stories("footnotes"),
            stories("endnotes"),
            stories("comments"),
        )


# -- where the parts come from ------------------------------------------------------------------
Members = Callable[[str], bytes | None]  # zip member name ("word/document.xml") -> its bytes, or None


def document_members(document: DocxDocument) -> Members:
    """The parts python-docx would write for `document`, without zipping them (see PackageWriter)."""
    package = document.part.package
    parts = {str(part.partname).lstrip("/"): part for part in package.iter_parts()}
    rels = {str(part.partname.rels_uri).lstrip("/"): part.rels for part in parts.values()}
    rels["_rels/.rels"] = package.rels

    def member(name: str) -> bytes | None:
        data: bytes | str | None = (
            rels[name].xml if name in rels else parts[name].blob if name in parts else None
        )
        return data.encode("utf-8") if isinstance(data, str) else data

    return member


class _ZipMembers:
    """A .docx file's members, each read at most MAX_PART bytes, all together at most MAX_TOTAL."""

    def __init__(self, package: zipfile.ZipFile, path: Path) -> None:
        self._package, self._path = package, path
        self._names = set(package.namelist())
        self._read = 0

    def __call__(self, name: str) -> bytes | None:
        if name not in self._names:
            return None
        with self._package.open(name) as handle:
            data = handle.read(MAX_PART + 1)
        self._read += len(data)
        if len(data) > MAX_PART:
            raise DocxReadError(
                f"{self._path}: {name} is larger than Briefer reads ({_size(MAX_PART)} a part)"
            )
        if self._read > MAX_TOTAL:
            raise DocxReadError(f"{self._path} is larger than Briefer reads ({_size(MAX_TOTAL)} of XML)")
        return data


def _size(count: int) -> str:
    return f"{count // 2**20} MB" if count >= 2**20 else f"{count:,} bytes"


@dataclass
class DocxFile:
    """What `verify` reads from an exported .docx."""

    view: DocxView
    custom_properties: dict[str, str]  # the manifest's hash among them
    legacy_text: str  # what a version 1 manifest hashed
    application: str  # the program that saved it last, as docProps/app.xml says


def read_file(path: Path) -> DocxFile:
    """Read the .docx at `path`; DocxReadError says why it cannot be."""
    try:
        with zipfile.ZipFile(path) as zipped:
            package = _Package(_ZipMembers(zipped, path), path.name)
            return DocxFile(
                _view(package), package.custom_properties(), _legacy_text(package), _application(package)
            )
    except DocxReadError:
        raise
    except FileNotFoundError:
        raise DocxReadError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, NotImplementedError, EOFError, RuntimeError, ValueError, zlib.error) as exc:
        # A damaged or encrypted member, a compression zipfile cannot read.
        raise DocxReadError(f"{path} is not a Word document that can be read ({exc})") from None
    except OSError as exc:
        raise DocxReadError(f"cannot read {path}: {exc.strerror or exc}") from None


# -- reading ------------------------------------------------------------------------------------
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, remove_comments=True
)


class _Package:
    def __init__(self, members: Members, label: str) -> None:
        self._members, self.label = members, label
        self._xml: dict[str, etree._Element | None] = {}
        self._related: dict[str, dict[str, tuple[str, str, bool]]] = {}

    def xml(self, partname: str) -> etree._Element | None:
        if partname not in self._xml:
            data = self._members(partname.lstrip("/"))
            self._xml[partname] = None if data is None else self._parse(partname, data)
        return self._xml[partname]

    def _parse(self, partname: str, data: bytes) -> etree._Element:
        try:
            return etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError as exc:
            raise DocxReadError(
                f"{self.label}: {partname.lstrip('/')} is not well-formed XML ({exc})"
            ) from None

    def related(self, partname: str) -> dict[str, tuple[str, str, bool]]:
        """rId -> (relationship type, target part or external URL, external?) of a part ("/": the package)."""
        if partname not in self._related:
            self._related[partname] = self._read_related(partname)
        return self._related[partname]

    def _read_related(self, partname: str) -> dict[str, tuple[str, str, bool]]:
        folder, base = posixpath.split(partname)
        root = self.xml(posixpath.join(folder, "_rels", base + ".rels"))
        found: dict[str, tuple[str, str, bool]] = {}
        for rel in root if root is not None else ():
            if rel.tag != f"{{{_PR}}}Relationship":
                continue
            target, external = rel.get("Target", ""), rel.get("TargetMode", "") == "External"
            if not external:
                target = posixpath.normpath(
                    target if target.startswith("/") else posixpath.join(folder, target)
                )
            found[rel.get("Id", "")] = (rel.get("Type", ""), target, external)
        return found

    def target(self, partname: str, reltype: str) -> str | None:
        return next(
            (t for kind, t, ext in self.related(partname).values() if kind == reltype and not ext), None
        )

    def custom_properties(self) -> dict[str, str]:
        partname = self.target("/", CUSTOM_PROPS_RT)
        root = self.xml(partname) if partname else None
        return {
            str(prop.get("name")): "".join(prop.itertext())
            for prop in (root if root is not None else ())
            if prop.tag == f"{{{_CUSTOM}}}property" and prop.get("name")
        }

    def core_properties(self) -> dict[str, str]:
        partname = self.target("/", RT.CORE_PROPERTIES)
        root = self.xml(partname) if partname else None
        return {
            f"core:{etree.QName(child).localname}": "".join(child.itertext())
            for child in (root if root is not None else ())
            if isinstance(child.tag, str) and etree.QName(child).localname in CORE_FIELDS
        }


def read_view(members: Members) -> DocxView:
    """The view (see the module docstring) of the package whose parts `members` gives."""
    return _view(_Package(members, "the document"))


def application(members: Members) -> str:
    """The program that saved the package last, as docProps/app.xml says ("" when it does not)."""
    return _application(_Package(members, "the document"))


def _view(package: _Package) -> DocxView:
    main = package.target("/", RT.OFFICE_DOCUMENT)
    root = package.xml(main) if main else None
    body = root.find(_w("body")) if root is not None else None
    if main is None or body is None:
        raise DocxReadError(f"{package.label} has no Word document body")
    styles = _Styles(package.xml(package.target(main, RT.STYLES) or ""))
    reader = _StoryReader(styles)
    links = _links(package.related(main))
    contents = _contents_paragraphs(body)
    properties = {k: v for k, v in package.custom_properties().items() if k != SELF_HASH}
    return DocxView(
        properties=properties | package.core_properties(),
        furniture=_furniture(package, main, body, reader),
        paragraphs=[Story() if p in contents else reader.paragraph(p, links) for p in body.iter(_P)],
        footnotes=_notes(package, main, body, reader, "footnote", RT.FOOTNOTES),
        endnotes=_notes(package, main, body, reader, "endnote", RT.ENDNOTES),
        comments=_comments(package, main, reader),
    )


def _contents_paragraphs(body: etree._Element) -> set[etree._Element]:
    """The paragraphs that hold a TOC field's result (a blank story each in the view)."""
    found: set[etree._Element] = set()
    fields: list[_Field] = []

    def in_contents() -> bool:
        return any(f.in_result and f.contents for f in fields)

    for p in body.iter(_P):
        inside = in_contents()  # a paragraph the result runs through, or ends in
        for element in _own_elements(p):
            if element.tag == _INSTR and fields:
                fields[-1].instruction += element.text or ""
            elif element.tag == _FLDCHAR:
                _field_char(fields, element.get(_w("fldCharType"), ""), [])
                inside = inside or in_contents()  # the one it starts in
        if inside:
            found.add(p)
    return found


def _application(package: _Package) -> str:
    partname = package.target("/", RT.EXTENDED_PROPERTIES)
    root = package.xml(partname) if partname else None
    found = root.find(f"{{{_EXTENDED}}}Application") if root is not None else None
    return (found.text or "").strip() if found is not None and found.text else ""


def _links(related: dict[str, tuple[str, str, bool]]) -> dict[str, str]:
    return {rid: target for rid, (kind, target, _) in related.items() if kind == RT.HYPERLINK}


def _part_story(package: _Package, partname: str, reader: _StoryReader) -> Story:
    root = package.xml(partname)
    links = _links(package.related(partname))
    return _merged([reader.paragraph(p, links) for p in root.iter(_P)] if root is not None else [])


def _furniture(package: _Package, main: str, body: etree._Element, reader: _StoryReader) -> dict[str, Story]:
    """The header and footer shown for each kind of page of each section, by place ("first-page header")."""
    related = package.related(main)
    settings = package.xml(package.target(main, RT.SETTINGS) or "")
    even_pages = settings is not None and _on(settings.find(_w("evenAndOddHeaders")))
    sections = list(body.iter(_w("sectPr")))
    inherited: dict[tuple[str, str], str] = {}
    found: dict[str, Story] = {}
    for number, section in enumerate(sections, start=1):
        for ref in section:
            kind = {_w("headerReference"): "header", _w("footerReference"): "footer"}.get(ref.tag)
            target = related.get(ref.get(f"{{{_R}}}id", ""))
            if kind and target and not target[2]:
                inherited[(ref.get(_w("type"), "default"), kind)] = target[1]
        shown = {"default"} | ({"first"} if _on(section.find(_w("titlePg"))) else set())
        shown |= {"even"} if even_pages else set()
        for (page, kind), partname in inherited.items():
            if page in shown:
                prefix = f"section {number} " if len(sections) > 1 else ""
                which = {"first": "first-page ", "even": "even-page "}.get(page, "")
                found[f"{prefix}{which}{kind}"] = _part_story(package, partname, reader)
    return found


def _notes(
    package: _Package, main: str, body: etree._Element, reader: _StoryReader, kind: str, reltype: str
) -> list[Story]:
    """Notes in the order their references appear in the body: the numbers a reader sees."""
    partname = package.target(main, reltype)
    root = package.xml(partname) if partname else None
    notes = {n.get(_w("id")): n for n in root.iter(_w(kind))} if root is not None else {}
    links = _links(package.related(partname)) if partname else {}
    order = list(dict.fromkeys(ref.get(_w("id")) for ref in body.iter(_w(f"{kind}Reference"))))
    stories = []
    for note_id in order:
        note = notes.get(note_id)
        stories.append(
            _merged([reader.paragraph(p, links) for p in note.iter(_P)])
            if note is not None
            else Story(text=f"(no {kind} with id {note_id})")
        )
    return stories


def _comments(package: _Package, main: str, reader: _StoryReader) -> list[Story]:
    partname = package.target(main, RT.COMMENTS)
    root = package.xml(partname) if partname else None
    if root is None:
        return []
    links = _links(package.related(partname or ""))
    return [_merged([reader.paragraph(p, links) for p in c.iter(_P)]) for c in root.iter(_w("comment"))]


def _on(element: etree._Element | None) -> bool:
    """An OOXML on/off element: present and not switched off."""
    return element is not None and element.get(_VAL, "true").lower() not in ("0", "false", "off")


def _toggle(element: etree._Element | None) -> bool | None:
    return None if element is None else _on(element)


class _Styles:
    """Which styles hide their text (w:vanish), following basedOn."""

    def __init__(self, root: etree._Element | None) -> None:
        self._vanish: dict[str, bool | None] = {}
        self._based_on: dict[str, str] = {}
        self.default_paragraph: str | None = None
        self.document_default: bool = False
        if root is None:
            return
        defaults = root.find(f"{_w('docDefaults')}/{_w('rPrDefault')}/{_w('rPr')}")
        self.document_default = bool(_toggle(defaults.find(_w("vanish")))) if defaults is not None else False
        for style in root.iter(_w("style")):
            style_id = style.get(_w("styleId"), "")
            rpr = style.find(_w("rPr"))
            self._vanish[style_id] = _toggle(rpr.find(_w("vanish"))) if rpr is not None else None
            based = style.find(_w("basedOn"))
            if based is not None:
                self._based_on[style_id] = based.get(_VAL, "")
            if style.get(_w("type")) == "paragraph" and style.get(_w("default")) in ("1", "true", "on"):
                self.default_paragraph = style_id

    def hides(self, style_id: str | None) -> bool | None:
        seen: set[str] = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            value = self._vanish.get(style_id)
            if value is not None:
                return value
            style_id = self._based_on.get(style_id)
        return None

    def run_hidden(self, run: etree._Element, paragraph_style: str | None) -> bool:
        """Direct formatting first, then the run's character style, the paragraph's style, the defaults."""
        rpr = run.find(_w("rPr"))
        if rpr is not None:
            direct = _toggle(rpr.find(_w("vanish")))
            if direct is not None:
                return direct
            character = rpr.find(_w("rStyle"))
            by_style = self.hides(character.get(_VAL)) if character is not None else None
            if by_style is not None:
                return by_style
        by_paragraph = self.hides(paragraph_style or self.default_paragraph)
        return by_paragraph if by_paragraph is not None else self.document_default


@dataclass
class _Field:
    instruction: str = ""
    in_result: bool = False

    @property
    def computed(self) -> bool:
        words = self.instruction.split()
        return bool(words) and words[0].upper() in COMPUTED_FIELDS

    @property
    def contents(self) -> bool:
        """A table of contents: its result is rebuilt from the headings."""
        words = self.instruction.split()
        return bool(words) and words[0].upper() == "TOC"


_HYPERLINK_FIELD = re.compile(r"\s*HYPERLINK\b(.*)", re.IGNORECASE | re.DOTALL)
_FIELD_ARGUMENT = re.compile(r'"([^"]*)"|(\S+)')


def _field_link(instruction: str) -> str | None:
    """The target of a HYPERLINK field: its URL, or "#bookmark" with the \\l switch."""
    found = _HYPERLINK_FIELD.match(instruction)
    if found is None:
        return None
    args = [quoted or bare for quoted, bare in _FIELD_ARGUMENT.findall(found.group(1))]
    url, anchor, i = "", "", 0
    while i < len(args):
        if args[i].lower() == "\\l" and i + 1 < len(args):
            anchor, i = args[i + 1], i + 2
        elif args[i].startswith("\\"):
            i += 2 if args[i].lower() in ("\\o", "\\t") else 1
        else:
            url, i = url or args[i], i + 1
    return url + (f"#{anchor}" if anchor else "")


class _StoryReader:
    def __init__(self, styles: _Styles) -> None:
        self._styles = styles

    def paragraph(self, p: etree._Element, links: dict[str, str]) -> Story:
        """One paragraph's own text (not that of paragraphs nested in it: they are read on their own)."""
        style = p.find(f"{_w('pPr')}/{_w('pStyle')}")
        paragraph_style = style.get(_VAL) if style is not None else None
        visible: list[str] = []
        hidden: list[str] = []
        targets: list[str] = []
        fields: list[_Field] = []
        hidden_runs: dict[etree._Element, bool] = {}
        for element in _own_elements(p):
            tag = element.tag
            if tag == _HYPERLINK:
                targets += _hyperlink_target(element, links)
            elif tag == _FLDSIMPLE:
                link = _field_link(element.get(_w("instr"), ""))
                targets += [link] if link else []
            elif tag == _FLDCHAR:
                _field_char(fields, element.get(_w("fldCharType"), ""), targets)
            elif tag == _INSTR and fields:
                fields[-1].instruction += element.text or ""
            else:
                text = _text_of(element)
                if not text or any(f.in_result and f.computed for f in fields):
                    continue
                run = _run_of(element)
                if run is not None and run not in hidden_runs:
                    hidden_runs[run] = self._styles.run_hidden(run, paragraph_style)
                (hidden if run is not None and hidden_runs[run] else visible).append(text)
        return Story("".join(visible), "".join(hidden), targets)


def _run_of(element: etree._Element) -> etree._Element | None:
    while element is not None and element.tag not in (_R_, _P):
        element = element.getparent()
    return element if element is not None and element.tag == _R_ else None


def _own_elements(p: etree._Element) -> Iterator[etree._Element]:
    """The elements of paragraph `p` in document order, without nested paragraphs, deleted text and
    formatting; a computed simple field's result is skipped too."""
    stack = list(reversed(p))
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str) or element.tag == _P or element.tag in _SKIPPED:
            continue
        yield element
        if element.tag == _FLDSIMPLE and _Field(element.get(_w("instr"), "")).computed:
            continue
        stack.extend(reversed(element))


def _field_char(fields: list[_Field], kind: str, targets: list[str]) -> None:
    if kind == "begin":
        fields.append(_Field())
    elif kind == "separate" and fields:
        fields[-1].in_result = True
        link = _field_link(fields[-1].instruction)
        targets += [link] if link else []
    elif kind == "end" and fields:
        fields.pop()


def _hyperlink_target(element: etree._Element, links: dict[str, str]) -> list[str]:
    """A w:hyperlink's target: the URL its relationship names, or "#bookmark"."""
    rid, anchor = element.get(f"{{{_R}}}id"), element.get(_w("anchor"))
    if rid:
        return [links.get(rid, f"(missing link {rid})")]
    return [f"#{anchor}"] if anchor else []


def _text_of(element: etree._Element) -> str:
    tag = element.tag
    if tag == _T:
        return element.text or ""
    if tag in (_TAB, _PTAB):
        return "\t"
    if tag in (_BR, _CR):
        return "\n"
    if tag == _NBH:
        return "\u2011"
    if tag == _TEXTPATH:
        return str(element.get("string", ""))
    return _PICTURES.get(tag, "")


def _legacy_text(package: _Package) -> str:
    """The text a version 1 manifest hashed: every w:t of the body's and the footnotes' paragraphs."""
    main = package.target("/", RT.OFFICE_DOCUMENT)
    root = package.xml(main) if main else None
    body = root.find(_w("body")) if root is not None else None
    lines = [_all_text(p) for p in body.iter(_P)] if body is not None else []
    notes = package.target(main or "", RT.FOOTNOTES)
    notes_root = package.xml(notes) if notes else None
    lines += [_all_text(p) for p in notes_root.iter(_P)] if notes_root is not None else []
    return "\n".join(lines)


def _all_text(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(_T))
