"""Writing files so that a crash, a full disk or a reader in another process sees the old content or
the new, never a part of it.  The one module that renames files.

Every file Briefer keeps is written here: briefings (with their `.bak`), exports and their manifests,
the keychain choice, account and feed settings, credentials metadata, saved searches, feed
snapshots, the import status, recovery notes, e-mail drafts, the language model's unpacked cache
(a whole folder) and the ledger (appended to, never rewritten).

A replacement goes to a temporary file beside its target, `.NAME.HOST-PID.RANDOM.tmp`: the same
folder, hence the same file system, so the rename is atomic even when the target is on another
drive than the data folder.  It is flushed and fsynced, given its mode, renamed over the target,
and the folder is fsynced (where the OS allows) so that the rename survives a power cut too.  Any
failure removes the temporary file and leaves the target as it was; the error is the one the OS
gave.  A writer killed before its rename leaves its temporary file: the next write of the same
target removes those whose writer is dead (see `remove_stale_temporaries`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TypedDict, Unpack

__all__ = [
    "STALE_AFTER",
    "Options",
    "Staged",
    "append",
    "fsync_folder",
    "new_directory",
    "remove_stale_temporaries",
    "replacing",
    "staged",
    "temp_prefix",
    "write_bytes",
    "write_text",
]

log = logging.getLogger(__name__)


class Options(TypedDict, total=False):
    """How a file is replaced; every writer takes these keywords.

    mode: the new file's permission bits; absent or None: what a new file gets under the umask.
    keep_mode: an existing target keeps its permission bits (`mode` is then for a new file only).
    durable: fsync the file and its folder (default True); False for an advisory file rewritten
        many times a second, whose loss in a power cut costs nothing.
    backup: before the rename, this path becomes a copy of the current target (a hard link where
        the file system allows), itself replaced atomically.
    mtime_ns: the new file's modification time (readers that trust size and mtime need a new one).
    """

    mode: int | None
    keep_mode: bool
    durable: bool
    backup: Path | None
    mtime_ns: int | None


# -- replacing a file ----------------------------------------------------------------------------
class Staged:
    """The new content of `target`, in a temporary file beside it until `commit()` renames it there.

    Made by `staged()`, which removes the temporary file again unless it was committed."""

    def __init__(self, target: Path, options: Options) -> None:
        self.target = target
        self._options = options
        self._committed = False
        remove_stale_temporaries(target)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=temp_prefix(target.name), suffix=".tmp")
        self.temporary = Path(name)
        self.file: BinaryIO = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        self.file.write(data)

    def seal(self) -> None:
        """The content written so far is all of it: flushed (and fsynced, when durable), the file closed."""
        if self.file.closed:
            return
        try:
            self.file.flush()
            if self._options.get("durable", True):
                os.fsync(self.file.fileno())
        finally:
            self.file.close()

    def commit(self) -> None:
        """Seal the file and rename it over the target (keeping the backup first, if asked)."""
        self.seal()
        os.chmod(self.temporary, _mode_for(self.target, self._options))
        mtime = self._options.get("mtime_ns")
        if mtime is not None:
            os.utime(self.temporary, ns=(mtime, mtime))
        backup = self._options.get("backup")
        if backup is not None and self.target.exists():
            _keep_backup(self.target, backup)
        os.replace(self.temporary, self.target)
        self._committed = True
        if self._options.get("durable", True):
            fsync_folder(self.target.parent)

    def discard(self) -> None:
        """Remove the temporary file (nothing once committed); never raises."""
        if self._committed:
            return
        with contextlib.suppress(OSError):  # a full disk fails the flush of the close as well
            self.file.close()
        with contextlib.suppress(OSError):
            self.temporary.unlink(missing_ok=True)


@contextlib.contextmanager
def staged(target: Path, **options: Unpack[Options]) -> Iterator[Staged]:
    """A `Staged` new content of `target`; the caller writes it and commits it.  Whatever is not
    committed when the block ends (an error, or no commit) is removed.  For writers that replace
    several files together (a document and its manifest) or treat the write's errors apart."""
    new = Staged(target, options)
    try:
        yield new
    finally:
        new.discard()


@contextlib.contextmanager
def replacing(target: Path, **options: Unpack[Options]) -> Iterator[BinaryIO]:
    """A binary file to write the new content of `target` to (e.g. python-docx's `save(stream)`);
    it replaces `target` when the block ends without an error, and is removed when it raises."""
    with staged(target, **options) as new:
        yield new.file
        new.commit()


def write_bytes(target: Path, data: bytes, **options: Unpack[Options]) -> None:
    """Replace `target` with `data`: a crash leaves the old content or the new one."""
    with staged(target, **options) as new:
        new.write(data)
        new.commit()


def write_text(target: Path, text: str, **options: Unpack[Options]) -> None:
    """Replace `target` with `text` in UTF-8 (newlines as they are)."""
    write_bytes(target, text.encode("utf-8"), **options)


def _mode_for(target: Path, options: Options) -> int:
    if options.get("keep_mode", False):
        with contextlib.suppress(FileNotFoundError):
            return stat.S_IMODE(os.stat(target).st_mode)
    mode = options.get("mode")
    return 0o666 & ~_umask() if mode is None else mode  # mkstemp made it 0600 whatever the umask


def _umask() -> int:
    """The process's umask, read without setting it where the OS says it (setting it to read it
    would, for that moment, give files another thread creates the wrong mode)."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        status = Path("/proc/self/status").read_text(encoding="ascii")
        return int(next(line for line in status.splitlines() if line.startswith("Umask:")).split()[1], 8)
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _keep_backup(path: Path, backup: Path) -> None:
    """`backup` becomes the current `path`, atomically (a hard link when the file system allows)."""
    staging = backup.with_name(f".{backup.name}.tmp")
    staging.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        if os.path.samefile(path, backup):
            # A write killed after keeping the backup: the backup is `path` already.  (Renaming a link
            # over another link of the same file does nothing, which would leave the staging link.)
            return
    try:
        try:
            os.link(path, staging)
        except OSError:
            shutil.copy2(path, staging)
        os.replace(staging, backup)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise


# -- a whole folder, an append-only file ------------------------------------------------------------
@contextlib.contextmanager
def new_directory(target: Path, *, durable: bool = True) -> Iterator[Path]:
    """A new folder beside `target` to fill; when the block ends without an error it becomes `target`
    in one rename.  A `target` that exists and is not empty (another process made it first) stays as
    it is: OSError.  On any failure the new folder is removed."""
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=temp_prefix(target.name), suffix=".tmp"))
    try:
        yield staging
        if durable:
            for entry in staging.iterdir():
                if entry.is_file():
                    _fsync_path(entry, os.O_RDONLY)
            fsync_folder(staging)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if durable:
        fsync_folder(target.parent)


def append(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Add `data` at the end of `path` with a single write, then fsync (and a new file's folder):
    a log that is never rewritten.  A new file gets `mode`; a write the disk cut short raises OSError."""
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
    try:
        written = os.write(fd, data)
        if written != len(data):  # a full disk: say so rather than leave half a line unnoticed
            raise OSError(f"{path}: only {written} of {len(data)} bytes could be written")
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new file in `folder` durable; a no-op where folders cannot be opened (Windows:
    the rename is atomic there all the same)."""
    _fsync_path(folder, os.O_RDONLY)


def _fsync_path(path: Path, flags: int) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- temporary files left by killed writers --------------------------------------------------------
# A writer of NAME writes .NAME.HOST-PID.RANDOM.tmp beside it; one killed before its rename leaves it.
# The next write of NAME removes those whose writer (on this machine) is dead, and any older than
# STALE_AFTER seconds (a writer on another machine, a reused process id, the .NAME.RANDOM.tmp of
# earlier Briefers).  A write in progress rewrites its file within seconds, so it is never taken.
STALE_AFTER = 10 * 60
_HOST = re.sub(r"[^A-Za-z0-9-]", "", socket.gethostname().split(".")[0])[:16]
_TEMP = re.compile(r"(?:(?P<host>[A-Za-z0-9-]*)-(?P<pid>[0-9]{1,9})\.)?[a-z0-9_]{8}")


def temp_prefix(name: str) -> str:
    """How this process names its temporary files for a target called `name`."""
    return f".{name}.{_HOST}-{os.getpid()}."


def remove_stale_temporaries(target: Path) -> None:
    """Remove the temporary files that killed writers of `target` left (see above); never raises."""
    prefix = f".{target.name}."
    try:
        names = [p.name for p in target.parent.iterdir()]
    except OSError:
        return
    now = time.time()
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        found = _TEMP.fullmatch(name[len(prefix) : -len(".tmp")])
        if found is None:
            continue
        tmp = target.parent / name
        try:
            info = tmp.lstat()
            if not stat.S_ISREG(info.st_mode):
                continue
            if now - info.st_mtime > STALE_AFTER or _writer_gone(found["host"], found["pid"]):
                tmp.unlink()
                log.info("removed %s, left by a write that did not finish", tmp)
        except OSError:  # gone already, or not ours to remove: never a reason to fail a write
            continue


def _writer_gone(host: str | None, pid: str | None) -> bool:
    if host != _HOST or pid is None or os.name == "nt":  # on Windows, os.kill(pid, 0) is not a probe
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, someone else's; or a number no process can have
        return False
    return False
