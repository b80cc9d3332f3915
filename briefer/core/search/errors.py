"""The search package's errors, under the core's root error (`briefer.core.errors.BrieferError`).

Each keeps its older base too (ValueError for a query, RuntimeError for the
index), so that `except ValueError` or `except RuntimeError` still catch them.
Messages state the fact in the user's terms; the facts beside them (which limit
a query passed, which word stands for too many, which folder) let a front end
word its own advice.  Any engine raises these: they name no engine.
"""

from __future__ import annotations

import enum
from pathlib import Path

from briefer.core.errors import BrieferError


class QueryError(BrieferError, ValueError):
    """The query cannot be understood; the message says why, in the user's terms."""


class QueryTooBroad(QueryError):
    """The query would match too many different words to answer quickly; the message says which.

    `word` is the wildcard, fuzzy word or range as typed when one of them is the
    cause, "" when the query as a whole stands for too many words.
    """

    def __init__(self, message: str, *, word: str = "") -> None:
        super().__init__(message)
        self.word = word


class QueryLimit(enum.StrEnum):
    """Which of a query's sizes is past its limit (see query.MAX_CHARS and the others)."""

    CHARACTERS = "characters"
    WORDS = "words"
    DEPTH = "depth"  # parentheses inside each other
    PARTS = "parts"  # words, operators, fields, signs and parentheses


class QueryTooLong(QueryError):
    """The query has more words, parts or nested parentheses than are searched; the message says
    how many it has and how many are allowed (`limit`, `size` and `allowed` say it as facts)."""

    def __init__(
        self, message: str, *, limit: QueryLimit | None = None, size: int = 0, allowed: int = 0
    ) -> None:
        super().__init__(message)
        self.limit = limit
        self.size = size
        self.allowed = allowed


class IndexBusy(BrieferError, RuntimeError):
    """Another writer holds the index."""


class IndexWriterDied(BrieferError, RuntimeError):
    """A process writing the search index stopped before its work was done: nothing of the batch
    was committed (the catalog still lists those documents as waiting, for the next import).
    `exit_code` is the process's (negative: the signal that stopped it)."""

    def __init__(self, exit_code: int | None) -> None:
        if exit_code is not None and exit_code < 0:
            how = f"was stopped by signal {-exit_code}"
        else:
            how = f"stopped (exit {exit_code})"
        super().__init__(
            f"a search-index writer process {how} before it finished; the documents it had not "
            "committed are kept in the catalog and the next import indexes them"
        )
        self.exit_code = exit_code


class ForeignIndexFolder(BrieferError, RuntimeError):
    """The index folder holds files Briefer did not create: never opened (Whoosh unpickles them).
    `folder` is that folder."""

    def __init__(self, message: str, *, folder: Path | None = None) -> None:
        super().__init__(message)
        self.folder = folder


__all__ = [
    "ForeignIndexFolder",
    "IndexBusy",
    "IndexWriterDied",
    "QueryError",
    "QueryLimit",
    "QueryTooBroad",
    "QueryTooLong",
]
