"""The .briefing file: JSON, versioned, saved atomically with a backup of the previous version.

A file that is corrupt, comes from a newer Briefer or may not be written is refused with a
clear message and never overwritten.  The JSON form itself lives in codec.py.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import socket
import stat
import tempfile
import time
from pathlib import Path

from briefer.core.briefing.codec import (
    FORMAT,
    VERSION,
    BriefingFileError,
    NewerFormatError,
    check_header,
    dumps,
    from_dict,
    to_dict,
)
from briefer.core.briefing.model import Briefing

__all__ = [
    "FORMAT",
    "VERSION",
    "BriefingFileError",
    "NewerFormatError",
    "ReadOnlyBriefingError",
    "backup_path",
    "dumps",
    "from_dict",
    "load",
    "save",
    "to_dict",
]

log = logging.getLogger(__name__)

SUFFIX = ".briefing"


class ReadOnlyBriefingError(BriefingFileError):
    """Saving over a briefing file the user may not write."""


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


# -- lone surrogates --------------------------------------------------------------
# A lone surrogate (pasted from a broken source) has no UTF-8 form, so it is written as a \uXXXX
# escape.  JSON reads an escaped high surrogate followed by an escaped low one as one astral
# character, so a file holding lone surrogates says so with this top-level key; in such a file
# every other character is raw UTF-8 (an astral character is never escaped), and every escaped
# surrogate is read back on its own.  Readers that do not know the key join such pairs, as before.
LONE_SURROGATES = "lone_surrogates"
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([dD][89a-fA-F][0-9a-fA-F]{2})")


def _encode(briefing: Briefing) -> bytes:
    try:
        return dumps(briefing).encode("utf-8")
    except UnicodeEncodeError:
        fields = list(to_dict(briefing).items())
        data = dict([*fields[:2], (LONE_SURROGATES, "escaped"), *fields[2:]])  # after format, version
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        return _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", text).encode("utf-8")


def _decode(text: str) -> object:
    data = json.loads(text)
    if isinstance(data, dict) and data.get(LONE_SURROGATES) == "escaped":
        # The escapes become the characters themselves, which JSON keeps as they are, unpaired.
        data = json.loads(_ESCAPED_SURROGATE.sub(lambda m: m[1] + chr(int(m[2], 16)), text))
    return data


# -- files --------------------------------------------------------------------
def load(path: Path) -> Briefing:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BriefingFileError(f"{path}: no such briefing file") from None
    try:
        data = _decode(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        hint = f"; the previous version is in {backup_path(path)}" if backup_path(path).exists() else ""
        raise BriefingFileError(f"{path} is corrupt and cannot be read ({exc}){hint}") from None
    return from_dict(data, str(path))


def save(briefing: Briefing, path: Path, *, overwrite: bool = True) -> None:
    """Write atomically: temp file in the same folder, fsync, rename; the old file becomes FILE.bak.

    An existing file is replaced only if it is a briefing this Briefer can read the header of,
    so a corrupt or newer file is never lost, and only if the user may write it (the rename
    needs only a writable folder), so a read-only file stays as it is.  Temporary files that
    earlier saves of the same file left behind when they were killed are removed.
    """
    if path.exists():
        if not overwrite:
            raise BriefingFileError(f"{path} already exists")
        _check_replaceable(path)
        if not os.access(path, os.W_OK):
            raise ReadOnlyBriefingError(
                f"{path} is read-only; it was left unchanged: save the briefing under another name"
            )
    payload = _encode(briefing)
    remove_stale_temps(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path.name), suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        _copy_mode(path, tmp)
        if path.exists():
            _keep_backup(path)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _check_replaceable(path: Path) -> None:
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BriefingFileError(
            f"{path} exists but is not a readable briefing ({exc}); refusing to overwrite it"
        ) from None
    check_header(data, str(path))


def _keep_backup(path: Path) -> None:
    """FILE.bak becomes the current FILE, atomically (a hard link when the file system allows)."""
    backup = backup_path(path)
    staging = backup.with_name(f".{backup.name}.tmp")
    staging.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        if os.path.samefile(path, backup):
            # A save killed after keeping the backup: FILE.bak is FILE already.  (Renaming a link
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


def _copy_mode(original: Path, tmp: Path) -> None:
    # mkstemp makes 0600 files; keep the old file's mode, or the usual umask-based one.
    if original.exists():
        shutil.copymode(original, tmp)
        return
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not possible on Windows; the rename is still atomic there
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- temporary files left by killed saves -----------------------------------------
# A save writes .NAME.HOST-PID.RANDOM.tmp beside NAME; one killed before its rename leaves it.
# The next save of NAME removes those whose writer (on this machine) is dead, and any older than
# STALE_AFTER seconds (a writer on another machine, a reused process id, the .NAME.RANDOM.tmp
# of earlier Briefers).  A save in progress rewrites its file within seconds, so it is never taken.
STALE_AFTER = 10 * 60
_HOST = re.sub(r"[^A-Za-z0-9-]", "", socket.gethostname().split(".")[0])[:16]
_TEMP = re.compile(r"(?:(?P<host>[A-Za-z0-9-]*)-(?P<pid>[0-9]{1,9})\.)?[a-z0-9_]{8}")


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


def temp_prefix(name: str) -> str:
    """How this process names its temporary files for `name` (the export uses it too)."""
    return f".{name}.{_HOST}-{os.getpid()}."


def remove_stale_temps(path: Path) -> None:
    """Remove the temporary files killed writers of `path` left (see above); never raises."""
    prefix = f".{path.name}."
    try:
        names = [p.name for p in path.parent.iterdir()]
    except OSError:
        return
    now = time.time()
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        found = _TEMP.fullmatch(name[len(prefix) : -len(".tmp")])
        if found is None:
            continue
        tmp = path.parent / name
        try:
            info = tmp.lstat()
            if not stat.S_ISREG(info.st_mode):
                continue
            if now - info.st_mtime > STALE_AFTER or _writer_gone(found["host"], found["pid"]):
                tmp.unlink()
                log.info("removed %s, left by a save that did not finish", tmp)
        except OSError:  # gone already, or not ours to remove: never a reason to fail a save
            continue
