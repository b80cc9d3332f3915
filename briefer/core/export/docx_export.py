"""Briefing -> Word document that reads like a professional assessment.

Page 1: masthead, title, key judgments.  Excerpts become quotations with real
footnotes (ICD 206-style, numbered by first appearance, a reused source keeps
its number), the implications matrix a table, the estimative-language key a
small box, and the end a "Source Reference Citations" list.  The banner,
computed from the portion marks, heads and foots every page with "Page X of Y".

The export asks the release gate (briefing/gate.py) first and refuses on its
blocking findings (markings that do not validate, the wrong archive, quotes that
no longer match their sources unless told to export them marked "(unverified)");
its warnings go into the report.  It sanitizes every string (bidirectional controls cannot
reorder a citation, see textnorm), writes a manifest beside the document
recording what a reader sees in it (its SHA-256 in the custom property
`ManifestSHA256`, see manifest.py), and writes both to temporary files it
renames, so a failed export leaves no half-written file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
from docx.document import Document as DocxDocument

from briefer import __version__
from briefer.core import atomic_write, paths
from briefer.core.briefing import markings, storage
from briefer.core.briefing.citations import format_time
from briefer.core.briefing.excerpts import SourceCheck
from briefer.core.briefing.gate import Finding, run_gate
from briefer.core.briefing.model import (
    Briefing,
    BriefingError,
    Citation,
    Excerpt,
    excerpts,
    walk_blocks,
)
from briefer.core.briefing.verify import ClusterOf, ExcerptCheck, Verification
from briefer.core.export import finish, layout, toc_pages
from briefer.core.export import manifest as mf
from briefer.core.export import styles as st
from briefer.core.export.body import BodyWriter, Finish
from briefer.core.export.docx_view import application, document_members, read_view
from briefer.core.export.ooxml import clean, renumber_comments, set_custom_properties
from briefer.core.textnorm import strip_bidi

COMMENT_MODES = ("margin", "inline", "omit")
COPY_MODES = ("distribution", "review")
PROVENANCE_MODES = ("footnotes", "annex", "none")
COPY_COMMENTS = {"distribution": "omit", "review": "margin"}  # what each copy does with comments
NO_PAGE_NUMBERS = (
    "the table of contents has no page numbers yet: Word fills them in when it opens the document "
    "(it asks to update fields)"
)


class ExportError(BriefingError):
    """The document could not be written (bad reference document, unwritable folder ...)."""


def default_reference() -> Path:
    return paths.RESOURCES / "templates" / "reference.docx"


@dataclass
class ExportReport:
    path: Path
    seconds: float
    footnotes: int
    sources: int
    missing: list[tuple[int, Citation]] = field(default_factory=list)  # (number, citation)
    warnings: list[str] = field(default_factory=list)
    manifest: Path | None = None
    unverified: list[ExcerptCheck] = field(default_factory=list)  # quotes that no longer match
    verification: Verification | None = None
    copy: str = "distribution"
    notices: list[str] = field(default_factory=list)  # how the document was finished (the contents)
    render_seconds: float = 0.0  # of `seconds`, the LibreOffice pass that numbered the contents
    findings: list[Finding] = field(default_factory=list)  # the release gate's (warnings; overridden blocks)


def export_docx(
    briefing: Briefing,
    out: Path,
    *,
    reference: Path | None = None,
    checks: Verification | Mapping[str, SourceCheck] | None = None,
    allow_unverified: bool = False,
    cluster_of: ClusterOf | None = None,
    comments: str | None = None,
    copy: str = "distribution",
    provenance: str = "annex",
    numbering: bool = False,
    logo: Path | None = None,
    toc_pages: bool = False,
    team: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> ExportReport:
    """Write `briefing` to `out` (.docx) and its manifest beside it (`manifest.manifest_path(out)`).

    `checks` is the quote verification (verify.verify_briefing; per-source
    checks from excerpts.check_sources are accepted too).  The release gate's
    blocking findings refuse the export (gate.ReleaseBlocked): markings that do
    not validate, the wrong archive, quotes that no longer match their source
    unless `allow_unverified`, which exports them (a review copy marks them
    "(unverified)"); its warnings are the report's `findings`.  Sources no
    longer in the archive are cited from the snapshot (a review copy marks
    them).  `cluster_of` (document id -> near-duplicate cluster) feeds the
    drafted source summary.  Raises
    ExportError when the reference document is unusable; `out` and its manifest
    are untouched in every refusal.

    `copy` "distribution" is what recipients read: no analyst comments unless
    `comments` says otherwise, and no internal states (a source no longer in
    the archive, an unverified quote) printed; "review" puts the comments in
    Word's margin and shows those states.  `provenance` puts the archive ids,
    capture times and SHA-256s in the footnotes, in a "Source Verification"
    annex (default) or nowhere (the manifest has them in every case).
    `numbering` numbers sections and paragraphs, `logo` goes on the cover.
    With `toc_pages` and LibreOffice installed, the document is rendered once
    to write the contents' page numbers; otherwise Word is asked to update
    them on open and `notices` says so.
    """
    started = time.perf_counter()
    finishing = _finish(copy, comments, provenance, numbering, logo)
    verification = as_verification(briefing, checks)
    release = run_gate(briefing, verification)
    release.ensure_releasable(allow_unverified=allow_unverified)
    failures = list(release.failures)
    document = open_reference(reference or default_reference())
    style_ids = st.ensure_styles(document)
    banner = markings.banner(briefing)
    layout.clear_story(document.element.body)
    meta = briefing.metadata
    cui_block = cui_designation_lines(briefing)
    number = strip_bidi(meta.product_number)
    layout.header_and_footer(document, banner, meta.tlp, number, style_ids, cui_block)
    by_source = verification.by_source() if verification is not None else {}
    missing_ids = {doc_id for doc_id, check in by_source.items() if check.missing}
    unverified = {check.excerpt_id for check in failures}
    review = copy == "review"  # internal states print in a review copy only
    writer = BodyWriter(
        briefing,
        document,
        style_ids,
        missing_ids if review else set(),
        finishing,
        unverified=unverified if review else frozenset(),
        cluster_of=cluster_of,
    )
    try:
        writer.write()
    except finish.LogoError as exc:
        raise ExportError(str(exc)) from None
    renumber_comments(document)
    notices, render_seconds = _number_the_contents(document, writer, render=toc_pages)
    moment = now or datetime.now(UTC)
    briefing_sha256 = hashlib.sha256(storage.dumps(briefing).encode("utf-8", "surrogatepass")).hexdigest()
    _properties(briefing, document, banner, moment, briefing_sha256, copy)
    members = document_members(document)  # the document as it is saved below
    manifest = mf.encode(
        mf.build(
            briefing,
            briefing_sha256=briefing_sha256,
            docx_name=out.name,
            banner=banner,
            view=read_view(members),
            application=application(members),
            numbers=writer.numbers,
            verification=verification,
            unverified=unverified,
            missing=missing_ids,
            exported_at=moment,
            team=team,
        )
    )
    set_custom_properties(document, {mf.PROPERTY: mf.sha256_hex(manifest)})  # not part of the view
    manifest_file = mf.manifest_path(out)
    _save_atomically(_serialized(document), out, manifest, manifest_file)
    missing = [(n, c) for n, c in writer.numbers.ordered() if c.doc_id in missing_ids]
    warnings = list(writer.warnings) + _dangling_cites(briefing)
    if verification is not None:
        if verification.archive is not None and verification.archive.notice():
            warnings.insert(0, verification.archive.notice())  # a briefing built across archives
        warnings += [f"{c.doc_id}: {c.detail}" for c in verification.of("moved")]
    return ExportReport(
        path=out,
        seconds=time.perf_counter() - started,
        footnotes=writer.footnotes.count,
        sources=len(writer.numbers),
        missing=missing,
        warnings=warnings,
        manifest=manifest_file,
        unverified=failures,
        verification=verification,
        copy=copy,
        notices=notices,
        render_seconds=render_seconds,
        findings=list(release.findings),
    )


def _finish(copy: str, comments: str | None, provenance: str, numbering: bool, logo: Path | None) -> Finish:
    """The copy's finish; `comments` overrides the copy's default."""
    for value, allowed, what in (
        (copy, COPY_MODES, "copy"),
        (comments or "omit", COMMENT_MODES, "comments"),
        (provenance, PROVENANCE_MODES, "provenance"),
    ):
        if value not in allowed:
            raise ExportError(f"{what} must be one of {', '.join(allowed)}, not {value!r}")
    return Finish(comments or COPY_COMMENTS[copy], provenance, numbering, logo, tag_blocks=copy == "review")


def _number_the_contents(
    document: DocxDocument, writer: BodyWriter, *, render: bool
) -> tuple[list[str], float]:
    """Write the contents' page numbers from one LibreOffice render, or ask Word to on open.

    Returns the notices for the user and the seconds the render took."""
    assert writer.contents is not None
    if render and toc_pages.renderer_available():
        started = time.perf_counter()
        try:
            pages = toc_pages.page_texts(_serialized(document))
        except toc_pages.RenderFailed as exc:
            finish.ask_word_to_update_fields(document)
            return [f"{NO_PAGE_NUMBERS} ({exc})"], time.perf_counter() - started
        headings = [heading.text for heading in writer.headings]
        writer.contents.fill(toc_pages.heading_pages(pages, headings, first=1))
        return [], time.perf_counter() - started
    finish.ask_word_to_update_fields(document)
    if render:
        return [f"{NO_PAGE_NUMBERS}; install LibreOffice and poppler-utils to number it on export"], 0.0
    return [NO_PAGE_NUMBERS], 0.0


def as_verification(
    briefing: Briefing, checks: Verification | Mapping[str, SourceCheck] | None
) -> Verification | None:
    """Per-excerpt checks: `checks` itself, or per-source checks applied to each excerpt of the source."""
    if checks is None or isinstance(checks, Verification):
        return checks
    return Verification(
        {
            excerpt.id: ExcerptCheck(
                excerpt.id,
                excerpt.doc_id,
                source.status,
                source.detail,
                excerpt.start,
                excerpt.end,
                excerpt.page,
                excerpt.citation.text_hash,
            )
            for excerpt in excerpts(briefing).values()
            if (source := checks.get(excerpt.doc_id)) is not None
        }
    )


def _dangling_cites(briefing: Briefing) -> list[str]:
    """Blocks that cite an excerpt no longer in the briefing (the citation is silently lost otherwise)."""
    known = excerpts(briefing)
    return [
        f"{block.kind.replace('_', ' ')} {block.id} cites excerpt {cited}, which is not in the briefing"
        for _, block in walk_blocks(briefing)
        if not isinstance(block, Excerpt)
        for cited in block.cites
        if cited not in known
    ]


def cui_designation_lines(briefing: Briefing) -> list[str]:
    """The CUI designation indicator block, when any portion is CUI (else no lines)."""
    if markings.overall(markings.all_portions(briefing)) != "CUI":
        return []
    cui = briefing.metadata.cui
    lines = [
        f"Controlled by: {cui.controlled_by}",
        f"Controlled by: {cui.office}",
        f"CUI Category: {', '.join(cui.categories)}",
        f"Distribution/Dissemination Control: {cui.dissemination or 'None'}",
        f"POC: {cui.poc}",
    ]
    return [strip_bidi(line) for line in lines]


def open_reference(path: Path) -> DocxDocument:
    """The reference document whose styles, page setup and parts the export starts from."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"cannot read the reference document {path}: {exc.strerror or exc}") from None
    try:
        return docx.Document(io.BytesIO(_as_document(data)))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExportError(f"{path} is not a usable Word .docx reference document ({exc})") from None


def _as_document(data: bytes) -> bytes:
    """A .dotx template is a .docx with another main content type; python-docx only opens the latter."""
    template_ct = b"wordprocessingml.template.main+xml"
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        types = source.read("[Content_Types].xml")
        if template_ct not in types:
            return data
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                content = source.read(item.filename)
                if item.filename == "[Content_Types].xml":
                    content = content.replace(template_ct, b"wordprocessingml.document.main+xml")
                target.writestr(item, content)
        return buffer.getvalue()


def _properties(
    briefing: Briefing, document: DocxDocument, banner: str, now: datetime, briefing_sha256: str, copy: str
) -> None:
    """Core and custom properties, all but the manifest's hash (set once the manifest is written)."""
    meta = briefing.metadata
    core = document.core_properties

    def single_line(text: str) -> str:  # core properties are capped at 255 characters
        return strip_bidi(clean(text))[:255]

    core.title = single_line(meta.title)
    core.subject = single_line(f"{meta.product_line} {meta.product_number}".strip())
    core.author = single_line(meta.author or meta.office)
    core.keywords = single_line("; ".join(meta.keywords))
    core.category = single_line(meta.product_line)
    core.comments = f"Generated by Briefer {__version__}"
    core.content_status = banner[:255]
    core.last_modified_by = "Briefer"
    core.revision = max(1, meta.edition)
    core.created = (meta.date or now).astimezone(UTC).replace(tzinfo=None)
    core.modified = now.astimezone(UTC).replace(tzinfo=None)
    values: dict[str, str | int] = {
        "BrieferProductNo": meta.product_number,
        "Edition": meta.edition,
        "InfoCutoffUTC": format_time(meta.info_cutoff) if meta.info_cutoff else "",
        "OverallMarking": banner,
        "MarkingProfile": meta.marking_profile,
        "BriefingId": briefing.id,
        "BriefingSHA256": briefing_sha256,
        "BrieferCopy": copy,
    }
    if meta.tlp:
        values["TLP"] = f"TLP:{meta.tlp}"
    set_custom_properties(document, values)


def _serialized(document: DocxDocument) -> bytes:
    """The .docx in memory: a write that fails (a full disk) then fails on plain bytes, never in the
    middle of a zip whose clean-up would print a second error after ours."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _save_atomically(document: bytes, out: Path, manifest: bytes, manifest_file: Path) -> None:
    """Write both files to temporary files in the target folder, then rename them into place.

    Any failure while writing removes both temporary files and leaves the
    previous document and manifest as they were.  The manifest is renamed first:
    if the document's rename then fails, the new manifest is removed again.  A
    failed write raises OSError naming the file the user asked for.
    """
    with contextlib.ExitStack() as stack:
        new_document = _staged(stack, out)
        _write(new_document, document)
        new_manifest = _staged(stack, manifest_file)
        _write(new_manifest, manifest)
        new_manifest.commit()
        try:
            new_document.commit()
        except BaseException:
            manifest_file.unlink(missing_ok=True)  # no manifest for a document that is not there
            raise


def _write(new: atomic_write.Staged, data: bytes) -> None:
    try:
        new.write(data)
        new.seal()
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(new.target)) from None


def _staged(stack: contextlib.ExitStack[bool | None], target: Path) -> atomic_write.Staged:
    """A temporary file for `target`, removed with `stack` unless committed.  The export's files take
    the umask's mode, as new files do, whatever mode the files they replace had."""
    try:
        return stack.enter_context(atomic_write.staged(target))
    except OSError as exc:
        raise ExportError(f"cannot write in {target.parent}: {exc.strerror or exc}") from None
