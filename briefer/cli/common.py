"""What the CLI modules share: one way to report an expected failure."""

from __future__ import annotations

import argparse
import functools
import shlex
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from briefer.core.briefing.verify import WrongArchive

Handler = Callable[[argparse.Namespace], int]

WRONG_ARCHIVE = 2  # exit status of export, send and verify against an archive that is not the briefing's


def fail(message: str, status: int = 1) -> int:
    print(f"briefer: {message}", file=sys.stderr)
    return status


def reporting(*expected: type[Exception]) -> Callable[[Handler], Handler]:
    """Turn `expected` errors and OSErrors into `briefer: ...` and status 1, never a traceback."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def run(args: argparse.Namespace) -> int:
            try:
                return handler(args)
            except expected as exc:
                return fail(str(exc))
            except OSError as exc:
                where = f"{exc.filename}: " if exc.filename else ""
                return fail(f"{where}{exc.strerror or exc}")

        return run

    return decorate


def wrong_archive(exc: WrongArchive, briefing: object) -> int:
    """Refuse, naming both archives and how to name the right one; exit status WRONG_ARCHIVE."""
    from briefer.core.briefing.verify import describe_archive, none_of_the_documents  # loaded when used

    match = exc.match
    absent = none_of_the_documents(match, str(briefing))
    print(f"briefer: wrong archive: {absent} {describe_archive(match.open)}", file=sys.stderr)
    if match.built_on:
        built = match.built_on[0]
        others = len(match.built_on) - 1
        also = f" (and {others} other archive{'s' if others > 1 else ''})" if others else ""
        where = shlex.quote(built.path) if built.path else "DIR"
        origin = f"{briefing} was built on {describe_archive(built)}{also}: run the command again with"
        advice = f"{origin} `briefer --data-dir {where} ...`"
    else:
        advice = (
            f"{briefing} does not record the archive it was built on (an older Briefer saved it): "
            "name that archive's folder with `briefer --data-dir DIR ...`"
        )
    print(f"briefer: {advice}, or add --no-archive-check to go on without this check", file=sys.stderr)
    return WRONG_ARCHIVE
