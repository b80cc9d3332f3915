"""`briefer check FILE.briefing`: the release gate's findings, and how export and send word them.

Each finding is one line: severity, code, the block concerned and what is wrong.  `--json`
prints one JSON object per finding per line: `{"code", "severity", "block", "message"}`.
Exit status 0 when nothing blocks a release (warnings included), 1 when something blocks it,
2 when the file cannot be read.  The archive of `--data-dir` is the one the quotes are checked
against (`--no-archive-check` leaves the quotes and the archive out).
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from briefer.cli.common import fail, reporting, wrong_archive
from briefer.core.archive import Archive
from briefer.core.briefing import storage
from briefer.core.briefing.gate import WARNING, Finding, ReleaseBlocked, run_gate
from briefer.core.briefing.model import BriefingError, excerpts
from briefer.core.briefing.verify import ArchiveLookups, Verification
from briefer.core.escaping import json_text, visible

OpenArchive = Callable[[argparse.Namespace], Archive]

BLOCKED = 1  # exit status of `check` when a finding blocks the release
UNREADABLE = 2  # ... when the briefing cannot be read


def _cmd_check(open_archive: OpenArchive, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        briefing = storage.load(path)  # read first: a bad file fails before the archive opens
    except BriefingError as exc:  # names the file itself
        return fail(str(exc), UNREADABLE)
    except OSError as exc:
        return fail(f"{path}: {exc.strerror or exc}", UNREADABLE)
    verification: Verification | None = None
    if not args.no_archive_check:
        with open_archive(args) as archive:
            verification = ArchiveLookups.of(archive).verify(excerpts(briefing).values(), archive_check=False)
    result = run_gate(briefing, verification)
    if args.json:
        for found in result.findings:
            print(json_text(found.as_dict()))
    else:
        for found in result.findings:
            print(line(found))
        blocking, warnings = len(result.blocking), len(result.warnings)
        verdict = "blocks the release" if blocking else "does not block the release"
        print(f"{blocking} blocking, {warnings} warning(s): {path} {verdict}")
    return BLOCKED if result.blocking else 0


def line(found: Finding) -> str:
    """ "BLOCK    invalid-marking      3f2a9c1d  Analysis > paragraph 2: ..." """
    return f"{found.severity.upper():<8} {found.code:<20} {found.block or '-':<12} {visible(found.message)}"


# -- what export and send say --------------------------------------------------------------------
def print_warnings(findings: Iterable[Finding]) -> None:
    """The gate's warnings on stderr: they never stop a release."""
    for found in findings:
        if found.severity == WARNING:
            print(f"briefer: warning: [{found.code}] {visible(found.message)}", file=sys.stderr)


def refused(exc: ReleaseBlocked, briefing: Path, verb: str) -> int:
    """Why the gate stopped an export (`verb` "exported") or a send ("sent"); nothing was written.
    The wrong archive keeps its own exit status and advice (common.wrong_archive)."""
    wrong = exc.wrong_archive
    if wrong is not None:
        return wrong_archive(wrong, briefing)
    print(f"briefer: {len(exc.findings)} finding(s) block the release:", file=sys.stderr)
    for found in exc.findings:
        print(f"  - [{found.code}] {visible(found.message)}", file=sys.stderr)
    print_warnings(exc.result.findings)
    advice = [f"nothing was {verb}"]
    if "unverified-quote" in exc.codes:
        advice.append(
            f"`briefer verify {briefing}` shows what changed; --allow-unverified goes on (a review copy, "
            "`export --copy review`, marks those citations \u201c(unverified)\u201d)"
        )
    if "invalid-marking" in exc.codes:
        advice.append(f"`briefer brief show {briefing}` lists the markings to fix")
    return fail("; ".join(advice))


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], open_archive: OpenArchive
) -> None:
    """Add `check`."""
    check = commands.add_parser(
        "check",
        help="the release gate: what blocks a briefing's release, and what to look at first",
        description="Print the release gate's findings for a briefing: blocking ones (unverified-quote, "
        "invalid-marking, wrong-archive), which export and send refuse, and warnings (unsourced-judgment, "
        "unsourced-cell, after-cutoff, empty-section, boilerplate-cell, estimative-conflict). Exit status "
        "0 when nothing blocks, 1 when something does.",
    )
    check.add_argument("file", metavar="FILE.briefing", help="the .briefing file")
    check.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per finding, per line: {"code", "severity", "block", "message"}',
    )
    check.add_argument(
        "--no-archive-check",
        action="store_true",
        help="leave out the quotes and the archive (no unverified-quote or wrong-archive findings)",
    )
    check.set_defaults(run=reporting(BriefingError)(functools.partial(_cmd_check, open_archive)))
