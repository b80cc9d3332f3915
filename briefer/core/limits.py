"""The default per-file import limits, in a module of their own so that reading them (the CLI's
help, the archive's signatures) does not load every parser."""

from __future__ import annotations

DEFAULT_MAX_BYTES = 200 * 1024 * 1024  # a file larger than this is skipped, with the reason
DEFAULT_TIME_LIMIT = 30.0  # seconds a parser may spend on one file before it is stopped
