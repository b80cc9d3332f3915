"""Word (.docx): paragraphs, headings, tables and footnotes in reading order; core properties.

python-docx reads the body and the core properties; footnotes and endnotes,
which it does not model, are read from their parts with lxml.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from datetime import UTC
from pathlib import Path
from typing import Any

from briefer.core.archive.limits import MAX_RATIO, MIN_RATIO_BYTES, ratio_reason
from briefer.core.documents import Extracted
from briefer.core.extract.errors import ExtractionError
from briefer.core.textnorm import normalize

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_NOTE_PARTS = ("word/footnotes.xml", "word/endnotes.xml")
MAX_PART_BYTES = 64 * 1024 * 1024  # an XML part larger than this unpacked is refused (zip bomb)


def extract(data: bytes, path: Path) -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    has_core_properties = _check_package(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ExtractionError(f"not a readable Word file ({exc})") from exc
    except etree.LxmlError as exc:  # a part that is not well-formed XML, or an entity bomb
        raise ExtractionError(f"not a readable Word file (broken XML: {exc})") from exc
    blocks = list(_body_blocks(document))
    blocks += _notes(data)
    text = normalize("\n\n".join(blocks))
    props = document.core_properties
    title = (props.title or "").strip() if has_core_properties else ""
    if not title:
        title = next((b for b in blocks if b.strip()), "")[:200] or path.stem
    # Without a core-properties part python-docx makes up fresh ones, dated now.
    published = (props.created or props.modified) if has_core_properties else None
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)  # OOXML dates are W3CDTF, in UTC
    return Extracted(
        text=text,
        title=" ".join(title.split()),
        author=(props.author or "").strip() if has_core_properties else "",
        published=published.astimezone(UTC) if published is not None else None,
        published_raw=published.isoformat() if published is not None else "",
        language=(props.language or "").strip(),
        format="docx",
    )


def _check_package(data: bytes) -> bool:
    """Refuse what is not a sane Word package; returns whether it has core properties."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            for info in package.infolist():
                if info.file_size > MAX_PART_BYTES:
                    raise ExtractionError(f"refused: part {info.filename} unpacks to {info.file_size} bytes")
            # python-docx reads every part and makes objects of its XML: a 180 KB file of repeated
            # empty paragraphs unpacked to 63 MB took minutes and a GB.
            unpacked = sum(info.file_size for info in package.infolist())
            if unpacked >= MIN_RATIO_BYTES and unpacked > MAX_RATIO * len(data):
                raise ExtractionError(f"refused: {ratio_reason()}")
            if "word/document.xml" not in package.namelist():
                raise ExtractionError("not a Word document (no word/document.xml)")
            return "docProps/core.xml" in package.namelist()
    except zipfile.BadZipFile as exc:
        raise ExtractionError(f"not a readable Word file ({exc})") from exc


def _body_blocks(document: Any) -> list[str]:
    """Paragraphs and tables of the body in order; each table row becomes one paragraph."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            blocks.append(item.text)
        elif isinstance(item, Table):
            blocks.extend(_table_rows(item))
    return blocks


def _table_rows(table: Any) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            value = " ".join(cell.text.split())
            if value and (not cells or cells[-1] != value):  # merged cells repeat their text
                cells.append(value)
        if cells:
            rows.append(" | ".join(cells))
    return rows


def _notes(data: bytes) -> list[str]:
    """Footnote and endnote texts, numbered as Word shows them."""
    from lxml import etree

    found: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = set(package.namelist())
        for part in _NOTE_PARTS:
            if part not in names:
                continue
            try:
                root = etree.fromstring(package.read(part), parser=etree.XMLParser(resolve_entities=False))
            except (etree.XMLSyntaxError, zipfile.BadZipFile, zlib.error, EOFError):
                continue  # damaged notes: the body is still worth reading
            kind = "Footnote" if "foot" in part else "Endnote"
            number = 0
            for note in root.iter(_W + "footnote", _W + "endnote"):
                if note.get(_W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
                    continue
                paragraphs = ["".join(t.text or "" for t in p.iter(_W + "t")) for p in note.iter(_W + "p")]
                body = " ".join(p.strip() for p in paragraphs if p.strip())
                if body:
                    number += 1
                    found.append(f"{kind} {number}: {body}")
    return found
