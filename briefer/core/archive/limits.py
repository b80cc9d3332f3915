"""The per-file import limits, in a module of their own so that reading them (the CLI's help, the
archive's signatures) does not load every parser.

Each limit has a default, a command-line option (`briefer index`, `briefer extract`) and an
environment variable, which is how the window's imports get another value.  docs/importing.md
has the table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 200 * MB  # a file larger than this is skipped, with the reason
DEFAULT_TIME_LIMIT = 30.0  # seconds a parser may spend on one file before it is stopped
DEFAULT_MAX_MEMORY = 2048 * MB  # address space of a parser process (RLIMIT_AS)
DEFAULT_MAX_MEMBERS = 10_000  # members read from one file, at every depth (archive, mailbox, attachments)
DEFAULT_MAX_EXPANSION = 1024 * MB  # bytes unpacked from one file, at every depth
MAX_RATIO = 200.0  # what a file may unpack to, as a multiple of its own size (past MIN_RATIO_BYTES)
MIN_RATIO_BYTES = MB  # small files may compress very well without being a bomb

# name: (environment variable, unit in bytes: values are given in MB; 0 for plain numbers)
ENVIRONMENT = {
    "time_limit": ("BRIEFER_TIME_LIMIT", 0),
    "max_size": ("BRIEFER_MAX_SIZE", MB),
    "max_memory": ("BRIEFER_MAX_MEMORY", MB),
    "max_members": ("BRIEFER_MAX_MEMBERS", 0),
    "max_expansion": ("BRIEFER_MAX_EXPANSION", MB),
}


class LimitError(ValueError):
    """A limit given a value it cannot have (not a number, not positive)."""


@dataclass(frozen=True)
class ImportLimits:
    """What one file may cost an import: parse time, size, memory, members and bytes unpacked."""

    time_limit: float = DEFAULT_TIME_LIMIT  # seconds per file (per archive member)
    max_size: int = DEFAULT_MAX_BYTES  # bytes of a file (and of an archive member) read
    max_memory: int = DEFAULT_MAX_MEMORY  # bytes of address space of a parser process
    max_members: int = DEFAULT_MAX_MEMBERS  # members of one file, nested ones included
    max_expansion: int = DEFAULT_MAX_EXPANSION  # bytes unpacked from one file, nested ones included

    @classmethod
    def configured(cls, environ: Mapping[str, str] = os.environ) -> ImportLimits:
        """The defaults, changed by the BRIEFER_* variables that are set; LimitError names a bad one."""
        return cls().but(**{name: _from_environment(name, environ) for name in ENVIRONMENT})

    def but(self, **changes: float | None) -> ImportLimits:
        """These limits with the values given (None: unchanged); LimitError for a value not positive."""
        given = {name: value for name, value in changes.items() if value is not None}
        for name, value in given.items():
            if value <= 0:
                raise LimitError(f"--{name.replace('_', '-')} must be positive")
        integers = {f.name for f in fields(self) if f.type in ("int", int)}
        typed: dict[str, Any] = {n: int(v) if n in integers else float(v) for n, v in given.items()}
        return replace(self, **typed)


def _from_environment(name: str, environ: Mapping[str, str]) -> float | None:
    variable, unit = ENVIRONMENT[name]
    raw = environ.get(variable, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise LimitError(f"{variable}={raw!r} is not a number") from None
    if value <= 0:
        raise LimitError(f"{variable}={raw!r} must be positive")
    return value * unit if unit else value


def size_text(count: float) -> str:
    """A size as the options take it: "200 MB", "2 GB", "1.5 GB"."""
    if count >= 1024 * MB:
        return f"{count / (1024 * MB):.3g} GB"
    if count >= MB:
        return f"{count / MB:.4g} MB"
    return f"{count:,.0f} bytes"


def memory_reason(max_memory: int) -> str:
    return f"needed more than {size_text(max_memory)} of memory (the memory limit per file)"


def members_reason(max_members: int) -> str:
    return f"stopped after {max_members:,} members (the members limit per file)"


def expansion_reason(max_expansion: int) -> str:
    return f"expands beyond {size_text(max_expansion)} (the unpacking limit per file)"


def ratio_reason(ratio: float = MAX_RATIO) -> str:
    return f"expands beyond {ratio:g} times its own size (a zip bomb?)"
