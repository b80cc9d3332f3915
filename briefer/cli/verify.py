"""`briefer verify FILE.briefing|OUT.docx`: re-check every quote against the archive.

A .briefing: each excerpt is verified (ok, moved, changed with the difference,
missing, mismatch).  `--update` writes the new positions of moved quotes into
the file (one undoable kind of edit, `UpdateSpan`); without it nothing is
written.  A .docx: its manifest (beside it, or `--manifest`) must hash to the
document's `ManifestSHA256` property, the document must show what the manifest
recorded (each difference is printed on its own line, naming its place), and
every quote the manifest lists must still match the archive.

Exit status 0 when every quote matches its source (moved quotes and sources
that left the archive included), 1 when a quote no longer matches, a document
fails its integrity check, or the file cannot be read, 2 when the archive is
the wrong one: it holds none of the quoted documents and is not the archive the
briefing was built on (`--no-archive-check` checks the quotes anyway).
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from briefer.cli.common import fail, reporting, wrong_archive
from briefer.core.archive import Archive
from briefer.core.briefing import edits, storage
from briefer.core.briefing.model import BriefingError, Excerpt, excerpts, section_path, walk_blocks
from briefer.core.briefing.verify import ArchiveLookups, ExcerptCheck, Verification, WrongArchive
from briefer.core.escaping import json_text, visible
from briefer.core.export.manifest import DocxVerification, verify_docx
from briefer.core.textnorm import strip_bidi

OpenArchive = Callable[[argparse.Namespace], Archive]

_reporting = reporting(BriefingError)

MARKS = {"ok": "ok", "moved": "moved", "missing": "missing", "changed": "CHANGED", "mismatch": "MISMATCH"}


def _is_docx(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(2) == b"PK"  # a zip package; a .briefing is JSON
    except OSError:
        return path.suffix.lower() == ".docx"


def _cmd_verify(open_archive: OpenArchive, args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.exists():
        return fail(f"{path}: no such file")
    is_docx = _is_docx(path)
    if is_docx and args.update:
        return fail("--update changes a .briefing; a Word document is only checked")
    if not is_docx and args.manifest:
        return fail("--manifest goes with a Word document (.docx)")
    try:
        if is_docx:
            return _verify_docx(open_archive, args, path)
        return _verify_briefing(open_archive, args, path)
    except WrongArchive as exc:
        return wrong_archive(exc, path)


# -- a .briefing -----------------------------------------------------------------------------
def _verify_briefing(open_archive: OpenArchive, args: argparse.Namespace, path: Path) -> int:
    if not args.update:
        return _check_briefing(open_archive, args, path, storage.read(path))
    with storage.editing(path) as loaded:  # no other writer saves between this read and the update
        return _check_briefing(open_archive, args, path, loaded)


def _check_briefing(
    open_archive: OpenArchive, args: argparse.Namespace, path: Path, loaded: storage.Loaded
) -> int:
    briefing = loaded.briefing  # read first: a bad file fails before the archive opens
    with open_archive(args) as archive:
        verification = ArchiveLookups.of(archive).verify(
            excerpts(briefing).values(), archive_check=not args.no_archive_check
        )
    updated = 0
    moves = verification.span_edits()
    if args.update and moves:
        for edit in moves:
            edits.apply(briefing, edit)
        storage.save(briefing, path, expected=loaded.revision)
        updated = len(moves)
    found = excerpts(briefing)
    places = {b.id: section_path(briefing, s.id) for s, b in walk_blocks(briefing) if isinstance(b, Excerpt)}
    if args.json:
        _print_json(path, "briefing", verification, [], places, found, updated)
    else:
        _print_checks(verification, found, places)
        print(verification.summary())
        _print_archive_notice(verification)
        if updated:
            print(f"updated the positions of {updated} moved quote(s) in {path}")
        elif moves:
            print(f"the new positions of {len(moves)} moved quote(s) were not saved; --update saves them")
        _print_verdict(verification)
    return 0 if verification.ok else 1


# -- a .docx ---------------------------------------------------------------------------------
def _verify_docx(open_archive: OpenArchive, args: argparse.Namespace, path: Path) -> int:
    manifest = Path(args.manifest) if args.manifest else None
    with open_archive(args) as archive:
        lookups = ArchiveLookups.of(archive)
        outcome = verify_docx(path, lookups, manifest, archive_check=not args.no_archive_check)
    verification = outcome.verification
    found = {e.id: e for e in outcome.excerpts}
    places = {str(e.get("id", "")): str(e.get("section", "")) for e in _entries(outcome)}
    if args.json:
        _print_json(path, "docx", verification, outcome.problems, places, found, 0, outcome)
        return 0 if outcome.ok else 1
    print(f"{path}: manifest {outcome.manifest_path}")
    for problem in outcome.problems:  # one line per difference from what was exported
        print(f"  PROBLEM  {visible(problem)}")
    for note in outcome.notes:
        print(f"  note: {visible(note)}")
    if outcome.manifest_missing:
        print("  note: name the manifest with --manifest PATH")
    if not outcome.problems:
        print("  the manifest and the document's text are as exported")
    if line := _team_line(outcome.manifest):
        print(f"  {line}")
    if verification is not None:
        _print_checks(verification, found, places)
        print(verification.summary())
        _print_archive_notice(verification)
        _print_verdict(verification)
    if outcome.problems:
        print("verification FAILED: the document does not match what was exported", file=sys.stderr)
    return 0 if outcome.ok else 1


def _entries(outcome: DocxVerification) -> list[dict[str, Any]]:
    entries = (outcome.manifest or {}).get("excerpts") or []
    return [e for e in entries if isinstance(e, dict)]


# -- printing ----------------------------------------------------------------------------------
def _print_checks(verification: Verification, found: dict[str, Excerpt], places: dict[str, str]) -> None:
    for check in verification.checks.values():
        excerpt = found.get(check.excerpt_id)
        quote = _clip(excerpt.quote) if excerpt is not None else ""
        where = visible(places.get(check.excerpt_id, ""))
        print(f"{MARKS[check.status]:<9}{check.excerpt_id}  {where}: \u201c{quote}\u201d ({check.doc_id})")
        if check.detail:
            print(f"         {visible(check.detail)}")
        if check.diff:
            for line in check.diff.splitlines():
                print(f"         {visible(line)}")


def _print_archive_notice(verification: Verification) -> None:
    """A briefing built across archives, or on another archive that holds some of its documents."""
    if verification.archive is not None and verification.archive.notice():
        print(f"briefer: warning: {verification.archive.notice()}", file=sys.stderr)


def _print_verdict(verification: Verification) -> None:
    failures = verification.failures
    if failures:
        print(
            f"briefer: {len(failures)} quote(s) no longer match their source; the export refuses them "
            "unless given --allow-unverified",
            file=sys.stderr,
        )


def _print_json(
    path: Path,
    kind: str,
    verification: Verification | None,
    problems: list[str],
    places: dict[str, str],
    found: dict[str, Excerpt],
    updated: int,
    outcome: DocxVerification | None = None,
) -> None:
    checks = list(verification.checks.values()) if verification is not None else []
    ok = outcome.ok if outcome is not None else verification is not None and verification.ok
    result: dict[str, Any] = {
        "file": str(path),
        "kind": kind,
        "ok": ok,
        "problems": problems,
        "counts": verification.counts() if verification is not None else {},
        "excerpts": [_check_json(c, places, found) for c in checks],
        "updated": updated,
    }
    if outcome is not None:
        result["manifest"] = str(outcome.manifest_path)
        result["notes"] = outcome.notes
    print(json_text(result, indent=1))


def _check_json(check: ExcerptCheck, places: dict[str, str], found: dict[str, Excerpt]) -> dict[str, Any]:
    excerpt = found.get(check.excerpt_id)
    data = check.as_dict()
    data["section"] = places.get(check.excerpt_id, "")
    data["quote"] = excerpt.quote if excerpt is not None else ""
    data["stored_start"] = check.key[1]
    data["stored_end"] = check.key[2]
    data["failed"] = check.failed
    return data


def _clip(text: str, width: int = 70) -> str:
    text = " ".join(strip_bidi(text).split())  # a U+202E in a quote would reverse the terminal line
    return visible(text if len(text) <= width else text[: width - 1] + "\u2026")


def _team_line(manifest: object) -> str:
    """ "exported from version 3 of the team briefing … in postgresql://…", when it was."""
    briefing = manifest.get("briefing") if isinstance(manifest, dict) else None
    origin = briefing.get("team") if isinstance(briefing, dict) else None
    if not isinstance(origin, dict):
        return ""
    changed = " with local changes" if origin.get("local_changes") else ""
    where = visible(str(origin.get("archive", "")))
    return f"exported from version {origin.get('version')}{changed} of the team briefing in {where}"


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], open_archive: OpenArchive
) -> None:
    """Add `verify`."""
    verify = commands.add_parser(
        "verify",
        help="re-check a briefing's quotes, or an exported document, against the archive",
        description="Re-check every quote of a .briefing, or of an exported .docx (with its manifest), "
        "against the archive. Exit status 0 when every quote matches its source, 1 when one does not "
        "or the document fails its integrity check, 2 when the archive holds none of the quoted documents "
        "and is not the one the briefing was built on (the wrong archive: see --data-dir).",
    )
    verify.add_argument("file", metavar="FILE", help="a .briefing, or a .docx Briefer exported")
    verify.add_argument(
        "--update",
        action="store_true",
        help="save the new positions of quotes that moved in their source (a .briefing only)",
    )
    verify.add_argument(
        "--manifest", metavar="PATH", help="the export manifest (default: OUT.manifest.json beside OUT.docx)"
    )
    verify.add_argument("--json", action="store_true", help="one JSON object with every result")
    verify.add_argument(
        "--no-archive-check",
        action="store_true",
        help="check the quotes even against an archive that holds none of the quoted documents "
        "(each is then reported missing)",
    )
    verify.set_defaults(run=_reporting(functools.partial(_cmd_verify, open_archive)))
