"""Child processes that never outlive the import that started them, and their memory."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import os
import signal
import sys
from typing import Any

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to kill this process when the thread that started it ends.

    Without it, a killed import leaves its parser or index workers running,
    holding the index's write lock.  Elsewhere this is a no-op.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        log.warning("cannot tie worker processes to their parent")


def release_free_memory() -> None:
    """Give the pages the C allocator holds free back to the system (glibc's `malloc_trim`).

    An import's process frees the texts of each chunk it has written, but glibc keeps most of
    them mapped, scattered between live objects: trimmed after each chunk, the importing
    process of a 100,000-article import peaked about 9 MB lower.  Elsewhere a no-op.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    """glibc's `malloc_trim`, looked up once (called after every chunk and sub-writer job); None
    off Linux or without glibc (musl has none)."""
    if not sys.platform.startswith("linux"):
        return None
    with contextlib.suppress(OSError, AttributeError):
        return ctypes.CDLL(None).malloc_trim
    return None


def limit_memory(max_bytes: int | None) -> None:
    """Limit this process's address space (and its children's: tesseract) to `max_bytes`.

    An allocation past it fails: Python raises MemoryError, C libraries report an error or abort.
    Without the `resource` module (Windows) this is a no-op; the time limit still holds.
    """
    if not max_bytes:
        return
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Linux or macOS
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        log.warning("cannot limit the memory of parser processes")


def peak_memory(pid: int | str | None = "self") -> int | None:
    """The peak address space (VmPeak, bytes) of a process so far; None where Linux does not say.

    Read with three system calls and one search: a parser asks for each file it reads, and the
    buffered file and line loop this once used were a fifth of its CPU on an import of short texts.
    """
    if pid is None:
        return None
    try:
        fd = os.open(f"/proc/{pid}/status", os.O_RDONLY)
    except OSError:
        return None
    try:
        status = os.read(fd, _STATUS_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)
    start = status.find(b"VmPeak:")
    end = status.find(b"kB", start)
    if start < 0 or end < 0:
        return None
    try:
        return int(status[start + len(b"VmPeak:") : end]) * 1024
    except ValueError:
        return None


_STATUS_BYTES = 4096  # /proc/PID/status is about 1.5 kB, VmPeak in its first third
