"""The .briefing file: JSON, versioned, saved atomically with a backup of the previous version.

A file that is corrupt, comes from a newer Briefer or may not be written is refused with a
clear message and never overwritten.  The JSON form itself lives in codec.py.

Several writers (CLI commands, windows) may work on one file.  Each save holds the file's lock
(filelock.py) and, given the revision its writer read (`read(path).revision`), refuses when the
file is no longer that version instead of overwriting what another writer saved meanwhile.  An
edit that must not be lost runs as lock -> read -> apply -> save (`with locked(path): ...`).
Through a symbolic link, the file it points to is read and written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from briefer.core import atomic_write
from briefer.core.briefing import filelock
from briefer.core.briefing.codec import (
    FORMAT,
    MAX_NESTING,
    VERSION,
    BriefingFileError,
    NewerFormatError,
    check_header,
    dumps,
    from_dict,
    nesting_too_deep,
    parse_json,
    to_dict,
)
from briefer.core.briefing.model import Briefing

__all__ = [
    "FORMAT",
    "VERSION",
    "BriefingBusyError",
    "BriefingFileError",
    "ChangedOnDiskError",
    "Loaded",
    "NewerFormatError",
    "ReadOnlyBriefingError",
    "backup_path",
    "dumps",
    "editing",
    "from_dict",
    "load",
    "locked",
    "read",
    "save",
    "to_dict",
]

SUFFIX = ".briefing"
LOCK_TIMEOUT = 30.0  # seconds a writer waits for another one's save (or edit) to end


class ReadOnlyBriefingError(BriefingFileError):
    """Saving over a briefing file the user may not write."""


class ChangedOnDiskError(BriefingFileError):
    """The file is no longer the version its writer read: another writer saved it meanwhile."""

    def __init__(self, path: Path, found: str | None) -> None:
        what = "was deleted" if found is None else "was changed by another program"
        super().__init__(f"{path} {what} since it was read; it was left as it is")
        self.path = path
        self.found = found  # the revision on disk now; None: there is no file


class BriefingBusyError(BriefingFileError):
    """Another writer held the file's lock for longer than this one would wait."""


@dataclass(frozen=True)
class Loaded:
    """A briefing as read from its file, and which version of the file that was."""

    briefing: Briefing
    revision: str  # SHA-256 of the file's bytes: pass it to save() as `expected`


def revision_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


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


def _encode(briefing: Briefing, where: str) -> bytes:
    text = dumps(briefing)
    if nesting_too_deep(text) is not None:  # what could not be read back is not written
        raise BriefingFileError(
            f"{where} was not saved: its sections are nested so deep that its file would nest arrays "
            f"and objects more than {MAX_NESTING} levels, which Briefer refuses to read; move some "
            "sections up a level"
        )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        fields = list(to_dict(briefing).items())
        data = dict([*fields[:2], (LONE_SURROGATES, "escaped"), *fields[2:]])  # after format, version
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        return _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", text).encode("utf-8")


def _decode(raw: bytes, where: str) -> object:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BriefingFileError(f"{where} is corrupt and cannot be read ({exc})") from None
    data = parse_json(text, where)
    if isinstance(data, dict) and data.get(LONE_SURROGATES) == "escaped":
        # The escapes become the characters themselves, which JSON keeps as they are, unpaired.
        data = parse_json(_ESCAPED_SURROGATE.sub(lambda m: m[1] + chr(int(m[2], 16)), text), where)
    return data


# -- files --------------------------------------------------------------------
def read(path: Path) -> Loaded:
    """The briefing in `path` and the revision read; BriefingFileError says why it cannot be."""
    raw = _read_bytes(path)
    if raw is None:
        raise BriefingFileError(f"{path}: no such briefing file")
    try:
        data = _decode(raw, str(path))
    except BriefingFileError as exc:
        hint = f"; the previous version is in {backup_path(path)}" if backup_path(path).exists() else ""
        raise BriefingFileError(f"{exc}{hint}") from None
    return Loaded(from_dict(data, str(path)), revision_of(raw))


def load(path: Path) -> Briefing:
    return read(path).briefing


def current_revision(path: Path) -> str | None:
    """The revision of the file now; None when there is none."""
    raw = _read_bytes(path)
    return None if raw is None else revision_of(raw)


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BriefingFileError(f"{path} cannot be read ({exc.strerror or exc})") from None


def write_target(path: Path) -> Path:
    """The file a save of `path` replaces: through a symbolic link, the file it points to."""
    if not path.is_symlink():
        return path
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a loop of links
        raise BriefingFileError(f"{path} is a symbolic link that leads to no file (a loop)") from None


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the lock every writer of `path` takes; waits up to `timeout` seconds for another."""
    target = write_target(path)
    with contextlib.ExitStack() as hold:
        try:
            hold.enter_context(filelock.locked(target, timeout))
        except filelock.LockTimeout:
            raise BriefingBusyError(
                f"{path} is being saved by another program, which has held its lock "
                f"({filelock.sidecar(target).name}) for {timeout:.0f} s; try again when it is done"
            ) from None
        yield


@contextlib.contextmanager
def editing(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[Loaded]:
    """Lock, read: the caller applies its edits and saves with `expected=loaded.revision`; unlock.

    While the lock is held no other writer saves, so nobody's edit is lost in between."""
    with locked(path, timeout):
        yield read(path)


def save(
    briefing: Briefing,
    path: Path,
    *,
    overwrite: bool = True,
    expected: str | None = None,
    timeout: float = LOCK_TIMEOUT,
) -> str:
    """Write atomically: temp file in the same folder, fsync, rename; the old file becomes FILE.bak.
    Returns the revision written.

    Under the file's lock: with `expected` (the revision its writer read), a file that is no
    longer that version (or is gone) is left as it is (ChangedOnDiskError).  An existing file is
    replaced only if it is a briefing this Briefer can read the header of, so a corrupt or newer
    file is never lost, and only if the user may write it (the rename needs only a writable
    folder), so a read-only file stays as it is.  Temporary files that earlier saves of the same
    file left behind when they were killed are removed.
    """
    target = write_target(path)
    payload = _encode(briefing, str(path))
    with locked(target, timeout):
        _check_writable(target, overwrite, expected)
        _write(target, payload)
    return revision_of(payload)


def _check_writable(path: Path, overwrite: bool, expected: str | None) -> None:
    raw = _read_bytes(path)
    if expected is not None and (raw is None or revision_of(raw) != expected):
        raise ChangedOnDiskError(path, None if raw is None else revision_of(raw))
    if raw is None:
        return
    if not overwrite:
        raise BriefingFileError(f"{path} already exists")
    _check_replaceable(path, raw)
    if not os.access(path, os.W_OK):
        raise ReadOnlyBriefingError(
            f"{path} is read-only; it was left unchanged: save the briefing under another name"
        )


def _write(path: Path, payload: bytes) -> None:
    atomic_write.write_bytes(path, payload, keep_mode=True, backup=backup_path(path))


def _check_replaceable(path: Path, raw: bytes) -> None:
    try:
        data = _decode(raw, str(path))
    except BriefingFileError as exc:
        raise BriefingFileError(f"{exc}; refusing to overwrite it") from None
    check_header(data, str(path))
