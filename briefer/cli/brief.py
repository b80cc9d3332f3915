"""`briefer brief ...` and `briefer export`: build a briefing from the command line and export it to Word.

`register(commands, open_archive)` adds the subcommands to the main parser;
every handler returns an exit status and reports problems as `briefer: ...`
on stderr.  A command that fails leaves the .briefing file as it was.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from briefer.cli.check import print_warnings, refused
from briefer.cli.common import fail, reporting
from briefer.core import paths, team
from briefer.core.archive import Archive
from briefer.core.briefing import edits, markings, storage, templates
from briefer.core.briefing.bullets import bullet_edits
from briefer.core.briefing.citations import citation_pieces, format_time, number_sources, plain
from briefer.core.briefing.excerpts import excerpt_from_quote, excerpt_from_span
from briefer.core.briefing.gate import ReleaseBlocked
from briefer.core.briefing.matrix import (
    NO_IMPLICATION,
    CellValues,
    cell_edits,
    find_cell,
    find_slot,
    values_of,
)
from briefer.core.briefing.model import (
    CONFIDENCE_LEVELS,
    IMPACT_LEVELS,
    LIKELIHOOD_TERMS,
    PORTIONS,
    Block,
    Briefing,
    BriefingError,
    BulletList,
    Excerpt,
    KeyJudgment,
    MatrixCell,
    Paragraph,
    Section,
    UnknownName,
    excerpts,
    key_judgments_section,
    resolve_section,
    section_path,
    walk_sections,
)
from briefer.core.briefing.summary import redraft, summary_section
from briefer.core.briefing.verify import (
    ArchiveLookups,
    ClusterOf,
    Verification,
    archives_of,
    describe_archive,
)
from briefer.core.distribution.delivery import export_and_record
from briefer.core.distribution.ledger import Ledger
from briefer.core.escaping import json_text, visible
from briefer.core.export import toc_pages
from briefer.core.export.docx_export import COMMENT_MODES, COPY_MODES, PROVENANCE_MODES
from briefer.core.export.formats import FORMATS, FormatReport, format_of
from briefer.core.export.pdf_export import LibreOfficeMissing

OpenArchive = Callable[[argparse.Namespace], Archive]


_fail = fail
_reporting = reporting(BriefingError)


def _data_dir(args: argparse.Namespace) -> Path:
    return paths.resolve_data_dir(getattr(args, "data_dir", None))


# -- brief new / list-templates ---------------------------------------------------
def _when(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date or time (e.g. 2024-06-20T12:00Z)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _cmd_new(args: argparse.Namespace) -> int:
    out = Path(args.output)
    if out.exists() and not args.force:
        return _fail(f"{out} already exists; use --force to replace it (a .bak copy is kept)")
    template = templates.load(args.template, _data_dir(args))
    briefing = templates.new_briefing(template, title=args.title or "")
    _apply_metadata(briefing, args)
    storage.save(briefing, out, overwrite=args.force)
    print(f"created {out} from template {template.id!r} ({template.name})")
    return 0


def _apply_metadata(briefing: Briefing, args: argparse.Namespace) -> None:
    names: tuple[str, ...] = ("title", "subtitle", "product_number", "author", "office", "audience")
    names += ("scope_note", "contact", "marking_profile", "tlp")
    for name in (*names, "edition", "date", "info_cutoff"):
        value = getattr(args, name, None)
        if value is not None:
            if name == "tlp" and value == "NONE":
                value = None
            edits.apply(briefing, edits.SetMetadata(name, value))
    cui = briefing.metadata.cui
    changes = {
        key: getattr(args, f"cui_{key}", None) for key in ("controlled_by", "office", "dissemination", "poc")
    }
    categories = getattr(args, "cui_category", None)
    if any(v is not None for v in changes.values()) or categories is not None:
        updated = replace(cui, **{k: v for k, v in changes.items() if v is not None})
        if categories is not None:
            updated = replace(updated, categories=tuple(categories))
        edits.apply(briefing, edits.SetMetadata("cui", updated))
    if getattr(args, "title_portion", None) is not None:
        edits.apply(briefing, edits.SetMetadata("title_portion", args.title_portion))


def _cmd_list_templates(args: argparse.Namespace) -> int:
    for template in templates.available(_data_dir(args)).values():
        where = "built-in" if template.builtin else str(template.path)
        print(f"{template.id:<12} {template.name:<14} {where}\n             {template.description}")
    return 0


# -- brief show ---------------------------------------------------------------------
def _summary(block: Block, width: int = 90) -> str:
    if isinstance(block, Excerpt):
        text = f"\u201c{block.quote}\u201d ({block.doc_id} {block.start}:{block.end})"
    elif isinstance(block, BulletList):
        text = " \u2022 ".join(block.items)
    else:
        text = block.text
    tags = []
    if isinstance(block, KeyJudgment | MatrixCell):
        tags = [t for t in (getattr(block, "likelihood", None), getattr(block, "confidence", None)) if t]
    if isinstance(block, MatrixCell):
        tags = [
            f"{block.actor} x {block.domain}",
            *([f"impact {block.impact}"] if block.impact else []),
            *tags,
        ]
    text = " ".join(text.split())
    text = text if len(text) <= width else text[: width - 1] + "\u2026"
    mark = f"({block.portion}) " if block.portion else "(unmarked) "
    label = block.kind.replace("_", " ")
    return visible(f"[{label} {block.id}] {mark}" + (f"<{', '.join(tags)}> " if tags else "") + text)


def _cmd_show(args: argparse.Namespace) -> int:
    briefing = storage.load(Path(args.file))
    if args.json:
        print(json_text(storage.to_dict(briefing), indent=1))
        return 0
    meta = briefing.metadata
    print(visible(meta.title))
    if meta.subtitle:
        print(f"  {visible(meta.subtitle)}")
    facts = [meta.product_line, meta.product_number, f"edition {meta.edition}"]
    facts += [format_time(meta.date)] if meta.date else []
    print("  " + visible(" \u00b7 ".join(f for f in facts if f)))
    tlp = f" \u00b7 TLP:{meta.tlp}" if meta.tlp else ""
    banner = f"banner {markings.banner(briefing)}{tlp} \u00b7 marking profile {meta.marking_profile}"
    print(f"  {visible(banner)}")
    for depth, section in walk_sections(briefing):
        indent = "  " * depth
        print(
            f"\n{indent}{visible(section.title)}  [{section.id}]"
            + (f"  ({section.kind})" if section.kind != "text" else "")
        )
        for block in section.blocks:
            print(f"{indent}  {_summary(block)}")
    _print_sources(briefing)
    problems = markings.validate(briefing)
    if problems:
        print(f"\nMarkings: {len(problems)} problem(s) to fix before export:")
        for problem in problems:
            print(f"  - {visible(str(problem))}")
    else:
        print("\nMarkings: ready for export.")
    return 0


def _print_sources(briefing: Briefing) -> None:
    numbers = number_sources(briefing)
    if len(numbers):
        print("\nSources (numbered by first appearance):")
        for number, citation in numbers.ordered():
            print(f"  {number}. {visible(plain(citation_pieces(citation)))}")


# -- adding blocks ------------------------------------------------------------------
def _span(text: str) -> tuple[int, int]:
    try:
        start, end = (int(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a span START:END (e.g. 120:245)") from None
    return start, end


def _add(args: argparse.Namespace, block: Block) -> Briefing:
    """Lock, load, add the block to --section, save, unlock; the file is untouched when any step fails.
    Returns the briefing as saved."""
    path = Path(args.file)
    with storage.editing(path) as loaded:
        briefing = loaded.briefing
        named = args.section
        section = _judgments_home(briefing) if named is None else resolve_section(briefing, named)
        _check_cites(briefing, getattr(args, "cite", None) or [])
        edits.add_block(briefing, section.id, block)
        storage.save(briefing, path, expected=loaded.revision)
    print(f"added {block.kind.replace('_', ' ')} {block.id} to {section_path(briefing, section.id)}")
    return briefing


def _judgments_home(briefing: Briefing) -> Section:
    """Where a key judgment goes unless --section says otherwise."""
    return key_judgments_section(briefing) or resolve_section(briefing, "key-judgments")


def _check_cites(briefing: Briefing, cites: list[str]) -> None:
    known = {b.id for _, s in walk_sections(briefing) for b in s.blocks if isinstance(b, Excerpt)}
    unknown = [c for c in cites if c not in known]
    if unknown:
        raise BriefingError(f"--cite names no excerpt of this briefing: {', '.join(unknown)}")


def _cmd_add_excerpt(open_archive: OpenArchive, args: argparse.Namespace) -> int:
    briefing = storage.load(Path(args.file))  # read first: a bad file fails before the archive opens
    resolve_section(briefing, args.section)
    with open_archive(args) as archive:
        document = archive.document(args.doc)
        if document is None:
            return _fail(f"no document {args.doc!r} in the archive at {archive.where}")
        if args.span is not None:
            excerpt = excerpt_from_span(
                document,
                *args.span,
                page=args.page,
                comment=args.comment,
                portion=args.portion,
                carried_by=archive.carried_by_count,
            )
        else:
            excerpt = excerpt_from_quote(
                document,
                args.quote,
                page=args.page,
                comment=args.comment,
                portion=args.portion,
                carried_by=archive.carried_by_count,
            )
    spanned = archives_of(list(excerpts(_add(args, excerpt)).values()))
    print(f"  \u201c{_clip(excerpt.quote)}\u201d ({excerpt.doc_id} {excerpt.start}:{excerpt.end})")
    if len(spanned) > 1:
        names = ", ".join(describe_archive(a) for a in spanned)
        print(
            f"briefer: warning: {args.file} now quotes documents from {len(spanned)} archives ({names}); "
            "checked against one of them, the others' sources are cited from the briefing's snapshot",
            file=sys.stderr,
        )
    return 0


def _clip(text: str, width: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _cmd_add_text(args: argparse.Namespace) -> int:
    _add(args, Paragraph(args.text, portion=args.portion, cites=list(args.cite or [])))
    return 0


def _cmd_add_judgment(args: argparse.Namespace) -> int:
    kj = KeyJudgment(args.text, args.likelihood, args.confidence, args.portion, list(args.cite or []))
    _add(args, kj)
    return 0


def _named(exc: UnknownName, option: str, path: str) -> int:
    """An unknown section, actor or domain, worded with the option that named it."""
    if exc.what == "matrix" and not exc.ref:
        return _fail(f"{path} has no implications matrix (a section of kind implications with domains)")
    if exc.what == "matrix":
        known = ", ".join(f"{id_} ({title})" for id_, title in exc.known) or "none"
        return _fail(f"{option} {exc.ref!r} is not an implications matrix; matrices: {known}")
    known = ", ".join(f"{id_} ({title})" for id_, title in exc.known) or "none"
    if exc.what == "section":
        return _fail(f"{option} {exc.ref!r} names no section of {path}; sections: {known}")
    place = "an actor (row)" if exc.what == "actor" else "a domain (column)"
    return _fail(
        f"{option} {exc.ref!r} is not {place} of the implications matrix in {path}; {exc.what}s: {known}"
    )


def _cmd_add_bullet(args: argparse.Namespace) -> int:
    path = Path(args.file)
    with storage.editing(path) as loaded:
        briefing = loaded.briefing
        try:
            section = resolve_section(briefing, args.section)
        except UnknownName as exc:
            return _named(exc, "--section", args.file)
        _check_cites(briefing, args.cite or [])
        added = bullet_edits(
            briefing,
            section.id,
            args.text,
            portion=args.portion,
            cites=args.cite or [],
            new_list=args.new_list,
        )
        for edit in added.edits:
            edits.apply(briefing, edit)
        storage.save(briefing, path, expected=loaded.revision)
    count = len(args.text)
    what = f"{count} bullet{'s' if count != 1 else ''}"
    into = "a new bullet list" if added.new_list else "bullet list"
    print(
        f"added {what} to {into} {added.list_id} in {visible(section_path(briefing, section.id))} "
        f"({added.items} item{'s' if added.items != 1 else ''})"
    )
    return 0


_NONE = "none"


def _level(choices: tuple[str, ...]) -> Callable[[str], str]:
    """An option's value: one of `choices` (any case), or 'none'."""

    def parse(text: str) -> str:
        wanted = text.strip().casefold()
        for choice in (*choices, _NONE):
            if choice.casefold() == wanted:
                return choice
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join((*choices, _NONE))}")

    return parse


def _cmd_set_cell(args: argparse.Namespace) -> int:
    """Fill one cell of the implications matrix; options left out keep the cell's values."""
    path = Path(args.file)
    with storage.editing(path) as loaded:
        briefing = loaded.briefing
        try:
            slot = find_slot(briefing, args.actor, args.domain, args.section)
        except UnknownName as exc:
            option = {"actor": "--actor", "domain": "--domain"}.get(exc.what, "--section")
            return _named(exc, option, args.file)
        _check_cites(briefing, args.cite or [])
        cell = find_cell(slot.section, slot.actor.id, slot.domain.id)
        old = values_of(cell)
        values = CellValues(
            args.text,
            old.impact if args.impact is None else _or_none(args.impact),
            old.likelihood if args.likelihood is None else _or_none(args.likelihood),
            old.portion if args.portion is None else args.portion,
            old.cites if not args.cite else tuple(dict.fromkeys(args.cite)),
        )
        todo = cell_edits(briefing, slot.section.id, slot.actor.id, slot.domain.id, values)
        for edit in todo:
            edits.apply(briefing, edit)
        if todo:
            storage.save(briefing, path, expected=loaded.revision)
    where = f"{slot.actor.title} \u00d7 {slot.domain.title}"
    now = find_cell(slot.section, slot.actor.id, slot.domain.id)
    if not todo:
        print(f"nothing to change: the cell {visible(where)} already holds that")
    elif now is None:
        print(f"emptied the cell {visible(where)} (the export prints \u201c{NO_IMPLICATION}\u201d)")
    else:
        print(f"set matrix cell {now.id} ({visible(where)}) in {path}")
        print(f"  {_summary(now)}")
    return 0


def _or_none(value: str) -> str | None:
    return None if value == _NONE else value


def _when_or_none(text: str) -> datetime | None:
    return None if text.strip().lower() in ("none", "") else _when(text)


_CITE_OPTIONS = ("title", "author", "outlet", "published", "url", "source_type", "language")


def _cmd_cite(args: argparse.Namespace) -> int:
    """Correct an excerpt's citation snapshot (and, with --same-source, its siblings')."""
    path = Path(args.file)
    changes = {name: getattr(args, name) for name in _CITE_OPTIONS if getattr(args, name) is not ...}
    if not changes:
        return _fail(
            "nothing to change: give --title, --author, --outlet, --published, --url, "
            "--source-type or --language"
        )
    changes = {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}
    with storage.editing(path) as loaded:
        briefing = loaded.briefing
        excerpt = _find_excerpt(briefing, args.excerpt)
        todo = edits.citation_edits(briefing, excerpt.id, changes, same_source=args.same_source)
        for edit in todo:
            edits.apply(briefing, edit)
        if todo:
            storage.save(briefing, path, expected=loaded.revision)
    count = len(todo)
    what = f"{count} excerpt{'s' if count != 1 else ''}" if count else "nothing (the values are already set)"
    print(f"updated the citation of {what} in {path}")
    print(f"  {plain(citation_pieces(excerpt.citation, page=excerpt.page))}")
    return 0


def _find_excerpt(briefing: Briefing, excerpt_id: str) -> Excerpt:
    found = excerpts(briefing)
    if excerpt_id in found:
        return found[excerpt_id]
    if not found:
        raise BriefingError("this briefing has no excerpts")
    known = ", ".join(f"{e.id} ({e.citation.outlet or e.doc_id})" for e in found.values())
    raise BriefingError(f"no excerpt {excerpt_id!r} in this briefing; excerpts: {known}")


def _cmd_set(args: argparse.Namespace) -> int:
    path = Path(args.file)
    with storage.editing(path) as loaded:
        briefing = loaded.briefing
        _apply_metadata(briefing, args)
        storage.save(briefing, path, expected=loaded.revision)
    print(f"updated {path}; banner {markings.banner(briefing)}")
    return 0


# -- export -------------------------------------------------------------------------
def _cmd_export(open_archive: OpenArchive, args: argparse.Namespace) -> int:
    source, out = Path(args.file), Path(args.output)
    if out.resolve() == source.resolve():
        return _fail("the output would overwrite the briefing itself; choose another -o")
    fmt = args.format or format_of(out)
    if format_of(out, fmt) != fmt:
        return _fail(f"-o {out} names a {out.suffix} file, but --format is {fmt}; choose one")
    briefing = storage.load(source)
    checks: Verification | None = None
    cluster_of: ClusterOf | None = None
    if not args.no_archive_check:
        with open_archive(args) as archive:
            checks, cluster_of = ArchiveLookups.of(archive).export_checks(briefing)
    reference = Path(args.reference_docx) if args.reference_docx else None
    ledger = Ledger.for_data_dir(_data_dir(args))  # every export is recorded, failed ones too
    try:
        made = export_and_record(
            briefing,
            out,
            ledger,
            fmt=fmt,
            reference=reference,
            checks=checks,
            allow_unverified=args.allow_unverified,
            cluster_of=cluster_of,
            comments=args.comments,
            copy=args.copy,
            provenance=args.provenance,
            numbering=args.numbering,
            logo=Path(args.logo) if args.logo else None,
            toc_pages=toc_pages.wanted(),
            team=_team_origin(args, source, briefing),
        )
    except ReleaseBlocked as exc:
        return refused(exc, source, "written")
    except LibreOfficeMissing as exc:
        return _fail(
            f"{exc}; install it (Debian, Ubuntu: sudo apt-get install {exc.package}; elsewhere: "
            "https://www.libreoffice.org) or export with --format docx or --format html"
        )
    report = made.docx
    print(_wrote(made))
    if fmt == "docx" and report.manifest is not None:
        print(
            f"manifest {report.manifest} (its SHA-256 is in the document; check with `briefer verify {out}`)"
        )
    if report.unverified:
        print(
            f"briefer: {len(report.unverified)} quote(s) no longer match their source and were exported "
            + (
                "marked \u201c(unverified)\u201d"
                if report.copy == "review"
                else "unmarked in this distribution copy (--copy review marks them)"
            ),
            file=sys.stderr,
        )
    if report.missing:
        listed = "; ".join(f"[{n}] {c.doc_id} {c.title!r}" for n, c in report.missing)
        print(
            f"briefer: {len(report.missing)} source(s) are no longer in the archive; "
            f"cited from the briefing's snapshot{' and marked as such' if report.copy == 'review' else ''}: "
            f"{listed}",
            file=sys.stderr,
        )
    for warning in report.warnings:
        print(f"briefer: warning: {warning}", file=sys.stderr)
    print_warnings(report.findings)
    for notice in report.notices:
        print(f"briefer: note: {notice}", file=sys.stderr)
    return 0


def _team_origin(args: argparse.Namespace, source: Path, briefing: Briefing) -> dict[str, object] | None:
    """The team version the file is a copy of (`briefer team checkout/save`), for the manifest."""
    checkout = team.Checkouts(_data_dir(args)).get(source)
    return checkout.origin(briefing) if checkout and checkout.briefing_id == briefing.id else None


def _wrote(made: FormatReport) -> str:
    """ "wrote OUT: ... in 1.20 s", with the Word export's and the conversion's times apart."""
    report = made.docx
    counts = f"{report.sources} source(s), {report.footnotes} footnote(s)"
    numbering = report.render_seconds
    rendered = f", {numbering:.1f} s of it numbering the contents" if numbering else ""
    if made.format == "docx":
        return f"wrote {made.path} ({report.copy} copy): {counts} in {report.seconds:.2f} s{rendered}"
    times = f"Word {report.seconds:.2f} s{rendered} + {made.format.upper()} {made.convert_seconds:.2f} s"
    return f"wrote {made.path} ({report.copy} copy): {counts} in {made.seconds:.2f} s ({times})"


# -- the source summary ----------------------------------------------------------------
def _cmd_draft_summary(open_archive: OpenArchive, args: argparse.Namespace) -> int:
    """Draft the Source Summary section from the citations; an edited draft is never overwritten."""
    path = Path(args.file)
    with storage.editing(path) as loaded:  # the archive's answers are quick: hold the file meanwhile
        return _draft_summary(open_archive, args, path, loaded)


def _draft_summary(
    open_archive: OpenArchive, args: argparse.Namespace, path: Path, loaded: storage.Loaded
) -> int:
    briefing = loaded.briefing
    section = summary_section(briefing, resolve_section(briefing, args.section).id if args.section else None)
    cited = [e.doc_id for e in excerpts(briefing).values()]
    missing: set[str] = set()
    cluster_of: ClusterOf | None = None
    if not args.no_archive_check:
        with open_archive(args) as archive:
            lookups = ArchiveLookups.of(archive)
            missing = lookups.missing(cited)
            cluster_of = lookups.clusters(cited)
    result = redraft(briefing, section.id, cluster_of=cluster_of, missing=missing)
    for edit in result.edits:
        edits.apply(briefing, edit)
    if result.edits:
        storage.save(briefing, path, expected=loaded.revision)
    print(result.message)
    print(f"  [{result.block_id}] {result.text}")
    return 0


# -- the parser -----------------------------------------------------------------------
def _block_options(parser: argparse.ArgumentParser, *, section_required: bool = True) -> None:
    parser.add_argument("file", help="the .briefing file")
    parser.add_argument("--section", required=section_required, help="section id or title (case-insensitive)")
    parser.add_argument("--portion", choices=PORTIONS, default="U", help="portion mark (default U)")


def _metadata_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--title")
    parser.add_argument("--subtitle")
    parser.add_argument("--product-number", metavar="NO", help="e.g. BRF-2024-0017")
    parser.add_argument("--edition", type=int)
    parser.add_argument("--date", type=_when, help="product date, ISO 8601 (UTC if no zone)")
    parser.add_argument("--info-cutoff", type=_when, metavar="WHEN", help="information cutoff, ISO 8601")
    parser.add_argument("--author")
    parser.add_argument("--office")
    parser.add_argument("--audience")
    parser.add_argument("--scope-note", metavar="TEXT", help="what the product covers (page 2 of the export)")
    parser.add_argument("--contact", metavar="TEXT", help="whom readers ask; one item a line (page 2)")
    parser.add_argument("--marking-profile", choices=list(markings.PROFILES))
    parser.add_argument(
        "--tlp", choices=[*markings.TLP_LABELS, "NONE"], type=str.upper, help="TLP 2.0 label, or none"
    )
    parser.add_argument("--title-portion", choices=PORTIONS, help="the title's portion mark")
    cui = parser.add_argument_group("CUI designation block (required once any portion is CUI)")
    cui.add_argument("--cui-controlled-by", metavar="ORG")
    cui.add_argument("--cui-office", metavar="OFFICE")
    cui.add_argument("--cui-category", action="append", metavar="CAT", help="e.g. SP-PRVCY (repeatable)")
    cui.add_argument("--cui-dissemination", metavar="LDC", help="e.g. FEDCON or NOFORN")
    cui.add_argument("--cui-poc", metavar="POC", help="name, phone or e-mail")


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], open_archive: OpenArchive
) -> None:
    """Add `brief` (new, show, add-excerpt, add-text, add-judgment, add-bullet, set-cell, set, cite,
    draft-summary, list-templates), `export`."""
    brief = commands.add_parser("brief", help="create and edit briefings (.briefing files)")
    sub = brief.add_subparsers(dest="brief_command", metavar="ACTION", required=True)

    new = sub.add_parser("new", help="start a briefing from a template")
    new.add_argument("--template", default="assessment", help="template id or name (see list-templates)")
    new.add_argument("-o", "--output", required=True, metavar="FILE", help="the .briefing file to create")
    new.add_argument("--force", action="store_true", help="replace an existing briefing")
    _metadata_options(new)
    new.set_defaults(run=_reporting(_cmd_new))

    show = sub.add_parser("show", help="print a briefing's outline, sources and marking check")
    show.add_argument("file")
    show.add_argument("--json", action="store_true", help="print the file's JSON")
    show.set_defaults(run=_reporting(_cmd_show))

    excerpt = sub.add_parser("add-excerpt", help="quote an archived document")
    _block_options(excerpt)
    excerpt.add_argument("--doc", required=True, metavar="ID", help="document id (see `briefer search`)")
    where = excerpt.add_mutually_exclusive_group(required=True)
    where.add_argument("--span", type=_span, metavar="START:END", help="character offsets in the text")
    where.add_argument("--quote", metavar="TEXT", help="text that must occur in the document")
    excerpt.add_argument("--page", type=int, help="page number, when known")
    excerpt.add_argument("--comment", default="", help="analyst comment on the quote")
    excerpt.set_defaults(run=_reporting(functools.partial(_cmd_add_excerpt, open_archive)))

    text = sub.add_parser("add-text", help="add an analyst paragraph")
    _block_options(text)
    text.add_argument("text")
    text.add_argument("--cite", action="append", metavar="EXCERPT_ID", help="excerpt the paragraph rests on")
    text.set_defaults(run=_reporting(_cmd_add_text))

    kj = sub.add_parser("add-judgment", help="add a key judgment (default section: key-judgments)")
    _block_options(kj, section_required=False)
    kj.add_argument("text")
    kj.add_argument("--likelihood", choices=LIKELIHOOD_TERMS, help="ICD 203 likelihood term")
    kj.add_argument("--confidence", choices=CONFIDENCE_LEVELS)
    kj.add_argument("--cite", action="append", metavar="EXCERPT_ID")
    kj.set_defaults(run=_reporting(_cmd_add_judgment))

    bullet = sub.add_parser(
        "add-bullet",
        help="add bullets to a section's bullet list",
        description="Add each TEXT as a bullet to the bullet list that ends the section (when it has the "
        "same portion mark), else to a new bullet list.",
    )
    _block_options(bullet)
    bullet.add_argument("text", nargs="+", metavar="TEXT", help="one bullet (several: several bullets)")
    bullet.add_argument("--cite", action="append", metavar="EXCERPT_ID", help="excerpt the list rests on")
    bullet.add_argument("--new-list", action="store_true", help="start a new list even after a list")
    bullet.set_defaults(run=_reporting(_cmd_add_bullet))

    cell = sub.add_parser(
        "set-cell",
        help="fill a cell of the implications matrix",
        description="Set the cell of the implications matrix at --actor and --domain (ids or titles, see "
        "`brief show`). Options left out keep the cell's current values; 'none' clears a tag. An empty "
        "TEXT with no impact, likelihood or citation empties the cell.",
    )
    cell.add_argument("file", help="the .briefing file")
    cell.add_argument("--actor", required=True, help="the row: an actor section's id or title")
    cell.add_argument("--domain", required=True, help="the column: a domain's id or title")
    cell.add_argument("text", metavar="TEXT", help="the implication")
    cell.add_argument("--impact", type=_level(IMPACT_LEVELS), metavar="H|M|L", help="impact: H, M, L or none")
    cell.add_argument(
        "--likelihood", type=_level(LIKELIHOOD_TERMS), metavar="TERM", help="ICD 203 likelihood term, or none"
    )
    cell.add_argument("--portion", choices=PORTIONS, help="portion mark (a new cell: U)")
    cell.add_argument(
        "--cite",
        action="append",
        metavar="EXCERPT_ID",
        help="excerpt the cell rests on (replaces its citations)",
    )
    cell.add_argument("--section", help="the implications section, when the briefing has several")
    cell.set_defaults(run=_reporting(_cmd_set_cell))

    meta = sub.add_parser("set", help="change a briefing's metadata")
    meta.add_argument("file")
    _metadata_options(meta)
    meta.set_defaults(run=_reporting(_cmd_set))

    cite = sub.add_parser(
        "cite",
        help="correct an excerpt's citation (outlet, author, title, date, URL, source type, language)",
        description="Correct the citation snapshot an excerpt carries. The quote, the archive id, "
        "the text hash and the capture time are provenance and cannot be changed.",
    )
    cite.add_argument("file", help="the .briefing file")
    cite.add_argument("excerpt", metavar="EXCERPT_ID", help="the excerpt's id (see `brief show`)")
    for name, help_text in (
        ("title", "the source's title"),
        ("author", "the author(s), as they should be cited"),
        ("outlet", "the outlet or publisher"),
        ("url", "the source's address"),
        ("source-type", "government, state media, wire service, think tank, news, other, or your own"),
        ("language", "e.g. en, ru, ko"),
    ):
        cite.add_argument(f"--{name}", default=..., metavar="TEXT", help=help_text)
    cite.add_argument(
        "--published",
        type=_when_or_none,
        default=...,
        metavar="WHEN",
        help="publication date, ISO 8601 (UTC if no zone), or 'none'",
    )
    cite.add_argument(
        "--same-source",
        action="store_true",
        help="change every excerpt of this briefing that quotes the same document",
    )
    cite.set_defaults(run=_reporting(_cmd_cite))

    draft = sub.add_parser(
        "draft-summary",
        help="draft the Source Summary section from the citations",
        description="Draft the Source Summary section from the briefing's citations: sources, independent "
        "sources, source types, date span, single-source judgments, information cutoff. A draft you have "
        "not edited is replaced; an edited one is kept and the new draft is added after it.",
    )
    draft.add_argument("file", help="the .briefing file")
    draft.add_argument("--section", help="the section (default: the first of kind source_summary)")
    draft.add_argument(
        "--no-archive-check",
        action="store_true",
        help="do not ask the archive which sources are gone or which are syndicated copies",
    )
    draft.set_defaults(run=_reporting(functools.partial(_cmd_draft_summary, open_archive)))

    listing = sub.add_parser("list-templates", help="the templates `brief new` can use")
    listing.set_defaults(run=_reporting(_cmd_list_templates))

    export = commands.add_parser("export", help="export a briefing to Word (.docx), PDF or HTML")
    export.add_argument("file", help="the .briefing file")
    export.add_argument("-o", "--output", required=True, metavar="OUT.docx")
    export.add_argument(
        "--format",
        choices=FORMATS,
        help="docx (default, or what -o ends with), pdf (the Word document laid out by LibreOffice) "
        "or html (one self-contained page, the footnotes as linked endnotes)",
    )
    export.add_argument("--reference-docx", metavar="STYLE.docx", help="your organisation's styles")
    export.add_argument(
        "--copy",
        choices=COPY_MODES,
        default="distribution",
        help="distribution (default): for readers, without analyst comments or internal states; "
        "review: comments in Word's margin, sources no longer in the archive and unverified quotes marked, "
        "each block bookmarked so that `briefer review import` places reviewers' comments",
    )
    export.add_argument(
        "--comments",
        choices=COMMENT_MODES,
        help="analyst comments on excerpts: Word comments, inline, or omitted "
        "(default: omitted in a distribution copy, in the margin in a review copy)",
    )
    export.add_argument(
        "--provenance",
        choices=PROVENANCE_MODES,
        default="annex",
        help="archive ids, capture times and SHA-256s: in a Source Verification annex (default), "
        "in the footnotes and reference list, or none (the manifest keeps them in every case)",
    )
    export.add_argument(
        "--numbering", action="store_true", help="number the sections (1, 1.1) and the paragraphs (1., 2.)"
    )
    export.add_argument("--logo", metavar="IMAGE", help="your organisation's logo for the cover (PNG, JPEG)")
    export.add_argument(
        "--no-archive-check",
        action="store_true",
        help="do not check the quoted sources against the archive, nor that it is the briefing's archive "
        "(without it: exit status 2 when the archive holds none of the quoted documents)",
    )
    export.add_argument(
        "--allow-unverified",
        action="store_true",
        help="export even when quotes no longer match their source (a review copy marks them (unverified))",
    )
    export.set_defaults(run=_reporting(functools.partial(_cmd_export, open_archive)))
