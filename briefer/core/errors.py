"""Which failures are the user's to act on and which are bugs, and how each is logged.

Briefer's own exception classes (ArchiveBusy, ExportError, QueryError, ...) carry a
reason written for the person using it, and so does an OSError (a folder that
cannot be written, a full disk): those are expected, and a log needs one
warning line, not a traceback.  Anything else (a KeyError, a TypeError, ...) is
a bug: logged at ERROR with its traceback.  Front ends word the message for
their user; this only decides how the log records it.
"""

from __future__ import annotations

import logging

_PACKAGE = __name__.split(".")[0]


def is_expected(exc: BaseException) -> bool:
    """Whether `exc` is a failure with a reason for the user (ours, or the file system's)."""
    return isinstance(exc, OSError) or type(exc).__module__.split(".")[0] == _PACKAGE


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
