"""A progress bar for long commands (import, reindex, team push), on a terminal only."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


class TerminalProgress:
    """A one-line progress bar on stderr, redrawn at most ten times a second, on a terminal only.

    Other lines printed while it runs go through `note`, which puts them above the bar on a
    terminal and prints them plainly anywhere else (a log, a pipe): no control codes there.
    """

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self._label = label
        stream = sys.stderr if stream is None else stream  # today's stderr, not the one at import time
        self._stream = stream
        self._enabled = stream.isatty() and os.environ.get("TERM") != "dumb"
        self._last = 0.0
        self._shown: tuple[int, int] | None = None  # what the bar on screen says, if one is drawn

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self._enabled or (now - self._last < 0.1 and done != total):
            return
        self._last = now
        self._draw(done, total)

    def _draw(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else 0
        bar = "#" * filled + "-" * (width - filled)
        self._stream.write(f"\r{self._label} [{bar}] {done}/{total}")
        self._stream.flush()
        self._shown = (done, total)

    def note(self, line: str) -> None:
        """Print `line` on a line of its own (over the bar on a terminal, which is drawn again below)."""
        shown = self._shown
        if shown is not None:
            self._stream.write("\r\033[K")
        self._stream.write(line + "\n")
        self._stream.flush()
        if shown is not None:
            self._draw(*shown)

    def clear(self) -> None:
        if self._shown is not None:
            self._stream.write("\r\033[K")
            self._stream.flush()
            self._shown = None
