"""The export manifest: what a .docx quotes, cites and shows, so the document can be re-checked.

Beside `OUT.docx` the export writes `OUT.manifest.json`: the briefing's id and
SHA-256, every excerpt (quote, span, SHA-256 of the quote, the text version it
was captured from, its verification result at export), every source (number,
document id, SHA-256 of the captured text) and the document as a reader sees
it (`view`, see docx_view.py: the banner and every header and footer line, the
visible text and link targets of every paragraph and footnote, the comments,
the document's properties and id).  The SHA-256 of the manifest file is stored
in the .docx as the custom property `ManifestSHA256`.

`verify_docx` re-checks the chain: the manifest beside the document (or the
one named) hashes to the property; the document, read again, shows what the
manifest recorded (each difference is one line naming its place: "footnote 3:
link target changed from X to Y", "header: banner changed ...", "hidden text
added in paragraph 12 ..."); every quote still matches the archive.  This
detects an edited manifest, a changed or removed property, a document edited
after the export, and quotes whose sources changed since.  It is integrity
checking, not a signature: someone who edits the document, rewrites the
manifest to match and updates the property is not detected.

Version 1 manifests (before the view) recorded only the SHA-256 of the body's
and the footnotes' text; they are still checked that way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from briefer import __version__
from briefer.core.archive.workers import WorkerFailed, run_limited
from briefer.core.briefing.citations import SourceNumbers
from briefer.core.briefing.codec import archive_to_dict
from briefer.core.briefing.model import Briefing, BriefingError, Citation, Excerpt, section_path, walk_blocks
from briefer.core.briefing.verify import ArchiveLookups, ExcerptCheck, Verification
from briefer.core.documents import ArchiveIdentity
from briefer.core.export import docx_view
from briefer.core.export.body import quote_paragraphs
from briefer.core.export.docx_view import DocxFile, DocxView
from briefer.core.export.view_diff import differences, quoted

FORMAT = "briefer.manifest"
VERSION = 2  # 2: the document's view; 1: the SHA-256 of its text only
MAX_DIFFERENCES = 500  # beyond this many, the document is not the exported one in any useful sense
PROPERTY = "ManifestSHA256"
SUFFIX = ".manifest.json"


class ManifestError(BriefingError):
    """A document or manifest that cannot be read at all."""


def manifest_path(docx_path: Path) -> Path:
    """`summit.docx` -> `summit.manifest.json`, in the same folder."""
    stem = docx_path.stem if docx_path.suffix.lower() in (".docx", ".docm") else docx_path.name
    return docx_path.with_name(stem + SUFFIX)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- writing --------------------------------------------------------------------------
def build(
    briefing: Briefing,
    *,
    briefing_sha256: str,
    docx_name: str,
    banner: str,
    view: DocxView,
    application: str,
    numbers: SourceNumbers,
    verification: Verification | None,
    unverified: set[str],
    missing: set[str],
    exported_at: datetime,
    team: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest as a JSON-ready dict (see the module docstring and docs/briefings.md); `team`
    names the shared briefing's version in a team archive when the file is a copy of one."""
    meta = briefing.metadata
    excerpt_entries = []
    for section, block in walk_blocks(briefing):
        if not isinstance(block, Excerpt):
            continue
        check = verification.get(block.id) if verification is not None else None
        if block.id in unverified:
            exported_as = "unverified"
        elif block.doc_id in missing:
            exported_as = "snapshot"
        else:
            exported_as = "verified" if check is not None else "unchecked"
        excerpt_entries.append(
            {
                "id": block.id,
                "section": section_path(briefing, section.id),
                "doc_id": block.doc_id,
                "source_number": numbers.number(block.doc_id),
                "start": block.start,
                "end": block.end,
                "page": block.page,
                "quote": block.quote,
                "quote_sha256": block.quote_sha256,
                "text_hash": block.citation.text_hash,
                "captured_at": _time(block.citation.captured_at),
                "exported_as": exported_as,
                "verification": _check_entry(check),
            }
            | _archive_entry(block.citation.archive)
        )
    by_source = verification.by_source() if verification is not None else {}
    sources = [
        {
            "number": number,
            "doc_id": citation.doc_id,
            "title": citation.title,
            "outlet": citation.outlet,
            "url": citation.url,
            "text_hash": citation.text_hash,
            "status": by_source[citation.doc_id].status if citation.doc_id in by_source else "unchecked",
        }
        for number, citation in numbers.ordered()
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "generator": f"Briefer {__version__}",
        "exported_at": _time(exported_at),
        "briefing": {
            "id": briefing.id,
            "sha256": briefing_sha256,
            "title": meta.title,
            "product_number": meta.product_number,
            "edition": meta.edition,
            **({"team": dict(team)} if team else {}),
        },
        "document": {"file": docx_name, "banner": banner, "application": application},
        "view": view.as_json(),
        "verification": {
            "checked": verification is not None,
            "checked_at": _time(verification.checked_at) if verification is not None else None,
            "counts": verification.counts() if verification is not None else {},
            "unverified_exported": len(unverified),
        },
        "excerpts": excerpt_entries,
        "sources": sources,
    }


def _archive_entry(archive: ArchiveIdentity | None) -> dict[str, Any]:
    """The archive an excerpt was quoted from, when the briefing recorded it."""
    return {"archive": archive_to_dict(archive)} if archive is not None else {}


def _check_entry(check: ExcerptCheck | None) -> dict[str, Any]:
    if check is None:
        return {"status": "unchecked"}
    entry: dict[str, Any] = {"status": check.status, "detail": check.detail}
    if check.status == "moved":
        entry |= {"start": check.start, "end": check.end, "text_hash": check.text_hash}
    return entry


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def encode(manifest: dict[str, Any]) -> bytes:
    """UTF-8 JSON; text with a lone surrogate (no UTF-8 form) is written with \\u escapes instead."""
    try:
        return (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(manifest, ensure_ascii=True, indent=1) + "\n").encode("ascii")


# -- checking a document ------------------------------------------------------------------
@dataclass
class DocxVerification:
    """The outcome of `verify_docx`: integrity problems (one line per difference from the manifest),
    notes that explain them, and the quotes re-checked against the archive."""

    path: Path
    manifest_path: Path
    problems: list[str] = field(default_factory=list)
    verification: Verification | None = None
    manifest: dict[str, Any] | None = None
    excerpts: list[Excerpt] = field(default_factory=list)  # as the manifest lists them
    notes: list[str] = field(default_factory=list)
    manifest_missing: bool = False  # none where it was looked for: each front end says how to name one

    @property
    def ok(self) -> bool:
        return not self.problems and self.verification is not None and self.verification.ok


def verify_docx(
    path: Path, lookups: ArchiveLookups, manifest: Path | None = None, *, archive_check: bool = True
) -> DocxVerification:
    """Re-check an exported document against its manifest and the archive (see the module docstring).
    Raises WrongArchive when the archive holds none of the quoted documents (unless `archive_check`
    is False), as `ArchiveLookups.verify` does."""
    try:
        # Read in a worker process within the import's time and memory limits: the document may be
        # anyone's (a 7.4 MB file needed GBs of memory), and verify must not die of it.
        document = run_limited(docx_view.read_file, path)
    except docx_view.DocxReadError as exc:
        raise ManifestError(str(exc)) from None
    except WorkerFailed as exc:
        raise ManifestError(f"{path} cannot be read: {exc}") from None
    found = manifest or manifest_path(path)
    outcome = DocxVerification(path, found)
    expected = document.custom_properties.get(PROPERTY, "").strip().lower()
    try:
        raw = _read_manifest(found)
    except FileNotFoundError:
        outcome.problems.append(f"no manifest at {found}: it is written beside the document at export")
        outcome.manifest_missing = True
        return outcome
    except OSError as exc:
        raise ManifestError(f"cannot read the manifest {found}: {exc.strerror or exc}") from None
    if not expected:
        outcome.problems.append(
            f"the document carries no {PROPERTY} property: it was not exported with a manifest, "
            "or the property was removed"
        )
    elif sha256_hex(raw) != expected:
        outcome.problems.append(
            f"the manifest {found.name} does not match the document's {PROPERTY}: the manifest was "
            "edited, or it belongs to another export, or the property was changed"
        )
    data = _parse(raw, found)
    if data is None:
        outcome.problems.append(f"{found} is not a Briefer export manifest")
        return outcome
    outcome.manifest = data
    outcome.excerpts = _excerpts(data, found)
    if data["version"] >= 2:
        outcome.problems += _view_problems(data, document, outcome.excerpts, found)
    else:
        outcome.problems += _text_problems(data, document, outcome.excerpts)
    outcome.notes += _saved_again(data, document) if outcome.problems else []
    outcome.verification = lookups.verify(outcome.excerpts, archive_check=archive_check)
    return outcome


def _view_problems(
    data: dict[str, Any], document: DocxFile, excerpts: list[Excerpt], where: Path
) -> list[str]:
    """Each difference between the document as exported (the manifest's view) and as it is now."""
    try:
        recorded = DocxView.from_json(data.get("view"))
    except ValueError:
        raise ManifestError(f"{where}: its record of the document is incomplete") from None
    banner = str((data.get("document") or {}).get("banner", ""))
    lines = differences(recorded, document.view, banner)
    body = document.view.body_text()
    lines += [
        f"excerpt {e.id} {quoted(e.quote, 60)} is no longer in the document"
        for e in excerpts
        if not _printed(e.quote, body)
    ]
    if len(lines) > MAX_DIFFERENCES:
        more = len(lines) - MAX_DIFFERENCES
        lines = [*lines[:MAX_DIFFERENCES], f"\u2026 and {more} more differences from the exported document"]
    return lines


def _text_problems(data: dict[str, Any], document: DocxFile, excerpts: list[Excerpt]) -> list[str]:
    """A version 1 manifest: the briefing id, and the SHA-256 of the body's and footnotes' text."""
    problems = []
    briefing_id = str((data.get("briefing") or {}).get("id", ""))
    carried = document.custom_properties.get("BriefingId", "")
    if carried != briefing_id:
        problems.append(
            f"the manifest is for briefing {briefing_id or '(none)'}, the document for {carried or '(none)'}"
        )
    recorded = str((data.get("document") or {}).get("text_sha256", ""))
    if sha256_hex(document.legacy_text.encode("utf-8")) != recorded:
        changed = [e for e in excerpts if not _printed(e.quote, document.legacy_text)]
        which = "; quotes no longer in it: " + ", ".join(f"{e.id} {quoted(e.quote, 60)}" for e in changed)
        problems.append(f"the document's text was changed after the export{which if changed else ''}")
    return problems


def _saved_again(data: dict[str, Any], document: DocxFile) -> list[str]:
    """A note when another program saved the document after the export: it explains some differences."""
    recorded = (data.get("document") or {}).get("application")
    if recorded is None or not document.application or document.application == recorded:
        return []
    return [
        f"the document was saved again by {document.application} after the export; some of these "
        "differences may be how that program writes the same content"
    ]


def _read_manifest(path: Path) -> bytes:
    with path.open("rb") as handle:
        raw = handle.read(docx_view.MAX_TOTAL + 1)
    if len(raw) > docx_view.MAX_TOTAL:
        raise ManifestError(f"{path} is larger than any manifest Briefer writes")
    return raw


def _parse(raw: bytes, where: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    version = data.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise ManifestError(f"{where} was written by a newer Briefer (manifest version {version})")
    return data


def _excerpts(data: dict[str, Any], where: Path) -> list[Excerpt]:
    out = []
    for i, entry in enumerate(data.get("excerpts") or []):
        try:
            out.append(
                Excerpt(
                    quote=str(entry["quote"]),
                    doc_id=str(entry["doc_id"]),
                    start=int(entry["start"]),
                    end=int(entry["end"]),
                    quote_sha256=str(entry.get("quote_sha256", "")),
                    citation=Citation(
                        doc_id=str(entry["doc_id"]),
                        text_hash=str(entry.get("text_hash", "")),
                        captured_at=_from_time(entry.get("captured_at")),
                        archive=_archive_from(entry.get("archive")),
                    ),
                    page=entry.get("page") if isinstance(entry.get("page"), int) else None,
                    id=str(entry.get("id") or f"excerpt-{i + 1}"),
                )
            )
        except (KeyError, TypeError, ValueError):
            raise ManifestError(f"{where}: excerpt {i + 1} is incomplete") from None
    return out


def _archive_from(value: object) -> ArchiveIdentity | None:
    if not isinstance(value, dict) or not isinstance(value.get("id"), str) or not value["id"]:
        return None
    path = value.get("path")
    return ArchiveIdentity(value["id"], path if isinstance(path, str) else "")


def _from_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _printed(quote: str, text: str) -> bool:
    """Whether every paragraph of the quote is in the document's text, as the export prints it."""
    return all(part in text for part in quote_paragraphs(quote))
