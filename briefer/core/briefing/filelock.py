"""An exclusive lock on a file, shared by every process that saves it: a sidecar `.NAME.lock`.

POSIX: `flock` on the sidecar, which exists only while someone holds it (the holder removes it,
and a waiter that locked a sidecar already removed tries again).  Windows: `msvcrt.locking` on
its first byte; the sidecar stays.  The lock is re-entrant within a process (a save inside an
edit that already holds it), and threads of one process take turns.  A process that dies
releases its lock with its files, so a lock is never left stale.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

POLL = 0.02  # seconds between attempts while another process holds the lock
_UNWRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


class LockTimeout(Exception):
    """Another process (or thread) held the lock of `path` for longer than `waited` seconds."""

    def __init__(self, path: Path, waited: float) -> None:
        super().__init__(f"{path} stayed locked by another writer for {waited:.0f} s")
        self.path = path
        self.waited = waited


def sidecar(path: Path) -> Path:
    return path.with_name(f".{path.name}.lock")


class _Held:
    """This process's hold on one sidecar: a thread lock, the open sidecar, how often it is taken."""

    def __init__(self) -> None:
        self.turn = threading.RLock()
        self.fd: int | None = None
        self.depth = 0


_registry_guard = threading.Lock()
_registry: dict[str, _Held] = {}


def _held(lock_path: Path) -> _Held:
    with _registry_guard:
        return _registry.setdefault(str(lock_path), _Held())


@contextlib.contextmanager
def locked(path: Path, timeout: float) -> Iterator[None]:
    """Hold the exclusive lock of `path` (raises LockTimeout after `timeout` seconds of waiting).

    Where the sidecar cannot be created (a folder or file system we may not write), there is no
    lock to take and nothing we could save there either: the block runs unlocked.
    """
    lock_path = sidecar(path)
    held = _held(lock_path)
    deadline = time.monotonic() + timeout
    if not held.turn.acquire(timeout=max(timeout, 0)):
        raise LockTimeout(path, timeout)
    try:
        if held.depth == 0:
            held.fd = _acquire(path, deadline, timeout)
        held.depth += 1
        try:
            yield
        finally:
            held.depth -= 1
            if held.depth == 0:
                _release(lock_path, held.fd)
                held.fd = None
    finally:
        held.turn.release()


def _acquire(path: Path, deadline: float, timeout: float) -> int | None:
    lock_path = sidecar(path)
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            if exc.errno in _UNWRITABLE:
                return None
            raise
        try:
            if _try_lock(fd) and _still_the_sidecar(lock_path, fd):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
        if time.monotonic() >= deadline:
            raise LockTimeout(path, timeout)
        time.sleep(POLL)


def _still_the_sidecar(lock_path: Path, fd: int) -> bool:
    """False when the holder we waited for removed the sidecar: ours is an orphan, lock anew."""
    if sys.platform == "win32":
        return True
    try:
        return os.stat(lock_path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _release(lock_path: Path, fd: int | None) -> None:
    if fd is None:
        return
    try:
        if sys.platform != "win32":  # removed while held, so nobody can lock it after us
            with contextlib.suppress(OSError):
                lock_path.unlink()
        _unlock(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
