"""The core's root exception, and which failures are the user's to act on and which are bugs.

`BrieferError` is the root of the core's exceptions (ArchiveBusy, BriefingError,
MailError, AccountError, FeedError, ...; each family keeps its other base, e.g.
ValueError, so older `except` clauses still catch it).  A subclass carries a
structured reason (an enum) and the facts (paths, names, counts) as attributes;
its message states the fact only, never a command of the CLI nor a menu of the
window: each front end words the advice for its own user from the reason.

Those errors carry a reason written for the person using Briefer, and so does an
OSError (a folder that cannot be written, a full disk): they are expected, and a
log needs one warning line, not a traceback.  Anything else (a KeyError, a
TypeError, ...) is a bug: logged at ERROR with its traceback.
"""

from __future__ import annotations

import logging

_PACKAGE = __name__.split(".")[0]


class BrieferError(Exception):
    """A failure with a reason for the user; subclasses add a typed reason and the facts."""


def is_expected(exc: BaseException) -> bool:
    """Whether `exc` is a failure with a reason for the user (ours, or the file system's)."""
    # The module test also covers our classes not (yet) under BrieferError.
    return isinstance(exc, BrieferError | OSError) or type(exc).__module__.split(".")[0] == _PACKAGE


def one_line(exc: BaseException) -> str:
    """`ExportError: cannot write in /x: Permission denied`, its lines joined."""
    text = " / ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def log_failure(logger: logging.Logger, what: str, exc: BaseException) -> None:
    """Log that `what` failed: one warning line for an expected failure, the traceback for a bug."""
    if is_expected(exc):
        logger.warning("%s: %s", what, one_line(exc))
    else:
        logger.error("%s", what, exc_info=exc)
