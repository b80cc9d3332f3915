"""What the CLI modules share: one way to report an expected failure."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable

Handler = Callable[[argparse.Namespace], int]


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
