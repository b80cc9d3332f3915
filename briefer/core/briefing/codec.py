"""Briefing <-> JSON-ready dicts: the one serialization, used by .briefing files and drag payloads.

The format is documented in docs/briefing-format.md and described by
resources/schemas/briefing-v1.schema.json.  Reading checks every field and
names the place of a problem ("FILE.sections[2].blocks[0]: missing 'quote'").
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from briefer import __version__
from briefer.core.briefing.model import (
    BLOCK_TYPES,
    Block,
    Briefing,
    BriefingError,
    BulletList,
    Citation,
    CuiDesignation,
    Domain,
    Excerpt,
    KeyJudgment,
    MatrixCell,
    Metadata,
    Paragraph,
    Recipient,
    Section,
    walk_blocks,
    walk_sections,
)
from briefer.core.distribution.accounts import AccountError, check_address
from briefer.core.documents import ArchiveIdentity

FORMAT = "briefer.briefing"
VERSION = 1
# Arrays and objects nest 2 levels per level of sections (a briefing's own nest 2 deep, its file 9):
# deeper is no briefing but a bomb that would exhaust the parser's recursion.  Writing checks it too,
# so what Briefer saves it can read.
MAX_NESTING = 100


class BriefingFileError(BriefingError):
    """A .briefing file that cannot be read (corrupt, not a briefing, or unreadable)."""


class NewerFormatError(BriefingFileError):
    """A .briefing file written by a newer Briefer."""


# -- model -> JSON ------------------------------------------------------------
def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def citation_to_dict(c: Citation) -> dict[str, Any]:
    data: dict[str, Any] = {
        "doc_id": c.doc_id,
        "title": c.title,
        "author": c.author,
        "outlet": c.outlet,
        "published": _time(c.published),
        "published_raw": c.published_raw,
        "url": c.url,
        "source_type": c.source_type,
        "language": c.language,
        "text_hash": c.text_hash,
        "captured_at": _time(c.captured_at),
    }
    if c.also_carried_by:  # only when some: older files and readers stay as they were
        data["also_carried_by"] = c.also_carried_by
    if c.archive is not None:
        data["archive"] = archive_to_dict(c.archive)
    return data


def archive_to_dict(archive: ArchiveIdentity) -> dict[str, str]:
    return {"id": archive.id, "path": archive.path}


def block_to_dict(block: Block) -> dict[str, Any]:
    data: dict[str, Any] = {"type": block.kind, "id": block.id, "portion": block.portion}
    if isinstance(block, Excerpt):
        data |= {"doc_id": block.doc_id, "start": block.start, "end": block.end, "page": block.page}
        data |= {"quote": block.quote, "quote_sha256": block.quote_sha256, "comment": block.comment}
        data["citation"] = citation_to_dict(block.citation)
        return data
    if isinstance(block, BulletList):
        data["items"] = list(block.items)
    else:
        data["text"] = block.text
    if isinstance(block, KeyJudgment):
        data |= {"likelihood": block.likelihood, "confidence": block.confidence}
    if isinstance(block, MatrixCell):
        data |= {"actor": block.actor, "domain": block.domain}
        data |= {"impact": block.impact, "likelihood": block.likelihood}
    data["cites"] = list(block.cites)
    if isinstance(block, Paragraph) and block.drafted_sha256:
        data["drafted_sha256"] = block.drafted_sha256  # only on drafted text: older files stay as they were
    return data


def section_to_dict(section: Section) -> dict[str, Any]:
    return {
        "id": section.id,
        "title": section.title,
        "kind": section.kind,
        "actor": section.actor,
        "guidance": section.guidance,
        "domains": [{"id": d.id, "title": d.title} for d in section.domains],
        "blocks": [block_to_dict(b) for b in section.blocks],
        "sections": [section_to_dict(s) for s in section.sections],
    }


def metadata_to_dict(m: Metadata) -> dict[str, Any]:
    return {
        "title": m.title,
        "subtitle": m.subtitle,
        "product_line": m.product_line,
        "product_number": m.product_number,
        "edition": m.edition,
        "date": _time(m.date),
        "info_cutoff": _time(m.info_cutoff),
        "author": m.author,
        "office": m.office,
        "audience": m.audience,
        "scope_note": m.scope_note,
        "contact": m.contact,
        "marking_profile": m.marking_profile,
        "tlp": m.tlp,
        "title_portion": m.title_portion,
        "keywords": list(m.keywords),
        "cui": {
            "controlled_by": m.cui.controlled_by,
            "office": m.cui.office,
            "categories": list(m.cui.categories),
            "dissemination": m.cui.dissemination,
            "poc": m.cui.poc,
        },
        "distribution": [{"name": r.name, "address": r.address} for r in m.distribution],
    }


def to_dict(briefing: Briefing) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "generator": f"Briefer {__version__}",
        "id": briefing.id,
        "template": briefing.template,
        "created_at": _time(briefing.created_at),
        "estimative_key": briefing.estimative_key,
        "metadata": metadata_to_dict(briefing.metadata),
        "sections": [section_to_dict(s) for s in briefing.sections],
    }


def dumps(briefing: Briefing) -> str:
    return json.dumps(to_dict(briefing), ensure_ascii=False, indent=1) + "\n"


# -- JSON -> model ------------------------------------------------------------
_JSON_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]', re.S)


def nesting_too_deep(text: str) -> int | None:
    """The line where JSON text nests arrays and objects deeper than MAX_NESTING; None if it never does."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket = token[0]
        if bracket in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return text.count("\n", 0, token.start()) + 1
        elif bracket in "]}":
            depth -= 1
    return None


def parse_json(text: str, where: str) -> Any:
    """JSON text -> value; a bomb, broken JSON or a number too long to convert is a BriefingFileError."""
    line = nesting_too_deep(text)
    if line is not None:
        raise BriefingFileError(
            f"{where} nests arrays and objects more than {MAX_NESTING} levels deep (line {line}); "
            "no briefing does, so it was not read"
        )
    try:
        return json.loads(text)
    except ValueError as exc:  # JSONDecodeError, or an integer of more than 4300 digits
        raise BriefingFileError(f"{where} is corrupt and cannot be read ({exc})") from None


class _Reader:
    """Typed access to one JSON object, with errors that say where in the file the problem is."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise BriefingFileError(f"{where}: expected an object")
        self.data: dict[str, Any] = data
        self.where = where

    def _get(self, key: str, types: tuple[type, ...], default: Any, required: bool) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                raise BriefingFileError(f"{self.where}: missing {key!r}")
            return default
        value = self.data[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise BriefingFileError(f"{self.where}.{key}: unexpected value {value!r}")
        return value

    def text(self, key: str, default: str = "", *, required: bool = False) -> str:
        return str(self._get(key, (str,), default, required))

    def opt_text(self, key: str) -> str | None:
        value = self._get(key, (str,), None, False)
        return None if value is None else str(value)

    def number(self, key: str, *, required: bool = False) -> int | None:
        value = self._get(key, (int,), None, required)
        return None if value is None else int(value)

    def flag(self, key: str, default: bool) -> bool:
        return bool(self._get(key, (bool,), default, False))

    def texts(self, key: str) -> list[str]:
        values = self._get(key, (list,), [], False)
        if not all(isinstance(v, str) for v in values):
            raise BriefingFileError(f"{self.where}.{key}: expected a list of strings")
        return list(values)

    def items(self, key: str) -> list[_Reader]:
        values = self._get(key, (list,), [], False)
        return [_Reader(v, f"{self.where}.{key}[{i}]") for i, v in enumerate(values)]

    def child(self, key: str) -> _Reader:
        return _Reader(self._get(key, (dict,), {}, False), f"{self.where}.{key}")

    def time(self, key: str) -> datetime | None:
        value = self.opt_text(key)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise BriefingFileError(f"{self.where}.{key}: {value!r} is not an ISO 8601 time") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # the format says UTC


def citation_from(r: _Reader) -> Citation:
    return Citation(
        doc_id=r.text("doc_id", required=True),
        title=r.text("title"),
        author=r.text("author"),
        outlet=r.text("outlet"),
        published=r.time("published"),
        published_raw=r.text("published_raw"),
        url=r.text("url"),
        source_type=r.text("source_type"),
        language=r.text("language"),
        text_hash=r.text("text_hash"),
        captured_at=r.time("captured_at"),
        also_carried_by=max(0, r.number("also_carried_by") or 0),
        archive=archive_from(r.child("archive")),
    )


def archive_from(r: _Reader) -> ArchiveIdentity | None:
    """The archive a citation was quoted from; None when the file does not say (an older file)."""
    archive_id = r.text("id")
    return ArchiveIdentity(archive_id, r.text("path")) if archive_id else None


def block_from(r: _Reader) -> Block:
    kind = r.text("type", required=True)
    if kind not in BLOCK_TYPES:
        raise BriefingFileError(f"{r.where}: unknown block type {kind!r}")
    common: dict[str, Any] = {"id": r.text("id", required=True), "portion": r.opt_text("portion")}
    if kind == "excerpt":
        start, end = r.number("start", required=True), r.number("end", required=True)
        assert start is not None and end is not None
        return Excerpt(
            quote=r.text("quote", required=True),
            doc_id=r.text("doc_id", required=True),
            start=start,
            end=end,
            quote_sha256=r.text("quote_sha256"),
            citation=citation_from(r.child("citation")),
            page=r.number("page"),
            comment=r.text("comment"),
            **common,
        )
    common["cites"] = r.texts("cites")
    if kind == "bullet_list":
        return BulletList(items=r.texts("items"), **common)
    text = r.text("text")
    if kind == "key_judgment":
        return KeyJudgment(text, r.opt_text("likelihood"), r.opt_text("confidence"), **common)
    if kind == "matrix_cell":
        actor, domain = r.text("actor", required=True), r.text("domain", required=True)
        return MatrixCell(actor, domain, text, r.opt_text("impact"), r.opt_text("likelihood"), **common)
    return Paragraph(text, drafted_sha256=r.text("drafted_sha256"), **common)


def section_from(r: _Reader) -> Section:
    return Section(
        id=r.text("id", required=True),
        title=r.text("title"),
        kind=r.text("kind", "text"),
        actor=r.text("actor"),
        guidance=r.text("guidance"),
        domains=[Domain(d.text("id", required=True), d.text("title")) for d in r.items("domains")],
        blocks=[block_from(b) for b in r.items("blocks")],
        sections=[section_from(s) for s in r.items("sections")],
    )


def metadata_from(r: _Reader) -> Metadata:
    cui = r.child("cui")
    defaults = Metadata()
    return Metadata(
        title=r.text("title", defaults.title),
        subtitle=r.text("subtitle"),
        product_line=r.text("product_line", defaults.product_line),
        product_number=r.text("product_number"),
        edition=r.number("edition") or 1,
        date=r.time("date"),
        info_cutoff=r.time("info_cutoff"),
        author=r.text("author"),
        office=r.text("office"),
        audience=r.text("audience"),
        scope_note=r.text("scope_note"),
        contact=r.text("contact"),
        marking_profile=r.text("marking_profile", defaults.marking_profile),
        tlp=r.opt_text("tlp"),
        title_portion=r.opt_text("title_portion"),
        keywords=r.texts("keywords"),
        cui=CuiDesignation(
            controlled_by=cui.text("controlled_by"),
            office=cui.text("office"),
            categories=tuple(cui.texts("categories")),
            dissemination=cui.text("dissemination"),
            poc=cui.text("poc"),
        ),
        distribution=[recipient_from(d) for d in r.items("distribution")],
    )


def recipient_from(r: _Reader) -> Recipient:
    """An entry of the distribution list, held to what `briefer recipients --add` accepts."""
    name, address = r.text("name"), r.text("address", required=True)
    if any(c in name for c in "\r\n"):
        raise BriefingFileError(f"{r.where}.name: {name!r} spans several lines")
    try:
        return Recipient(name.strip(), check_address(address))
    except AccountError as exc:
        raise BriefingFileError(f"{r.where}.address: {exc}") from None


def from_dict(data: Any, where: str = "briefing") -> Briefing:
    check_header(data, where)
    r = _Reader(data, where)
    briefing = Briefing(
        metadata=metadata_from(r.child("metadata")),
        sections=[section_from(s) for s in r.items("sections")],
        template=r.text("template"),
        estimative_key=r.flag("estimative_key", True),
        id=r.text("id") or Briefing().id,
        created_at=r.time("created_at"),
    )
    _check_ids(briefing, where)
    return briefing


def check_header(data: Any, where: str) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BriefingFileError(f'{where} is not a Briefer briefing (no "format": "{FORMAT}")')
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BriefingFileError(f"{where} has an invalid format version {version!r}")
    if version > VERSION:
        raise NewerFormatError(
            f"{where} was written by a newer Briefer (format version {version}; this Briefer "
            f"reads version {VERSION}). Update Briefer to open it; the file was left unchanged."
        )


def _check_ids(briefing: Briefing, where: str) -> None:
    seen: set[str] = set()
    ids = [s.id for _, s in walk_sections(briefing)] + [b.id for _, b in walk_blocks(briefing)]
    for item_id in ids:
        if item_id in seen:
            raise BriefingFileError(f"{where}: the id {item_id!r} is used twice")
        seen.add(item_id)


def block_from_dict(data: Any, where: str = "block") -> Block:
    """One block from its JSON form (a drag or clipboard payload)."""
    return block_from(_Reader(data, where))


def section_from_dict(data: Any, where: str = "section") -> Section:
    """One section, with its blocks and subsections, from its JSON form."""
    return section_from(_Reader(data, where))
