"""The contract of long operations: a progress callable and a cancel event."""

from __future__ import annotations

import threading
from collections.abc import Callable

Progress = Callable[[int, int], None]  # progress(done, total); total 0 = unknown


class Cancelled(Exception):
    """Raised inside a long operation once its cancel event is set."""


def no_progress(done: int, total: int) -> None:
    """A Progress callback that ignores updates."""


def raise_if_cancelled(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled
