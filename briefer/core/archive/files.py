"""What an import meets on disk: the files it reads, the paths it does not, and reading within bounds.

`scan` walks the folders being imported and meets every path in them once.  It
reads only regular files, and says why of anything else: a named pipe, a socket
or a device is never opened (a pipe would block the import for ever, /dev/zero
never ends); a link is followed only to a file inside one of the folders being
imported (a link to /etc/shadow is not an article); links to folders are never
followed (they loop, and their files are met where they are); a folder that
cannot be listed, a path longer than the system allows and a name that is not
UTF-8 (which the catalog cannot hold) are reported instead of dropped, or of
stopping the import.  Hidden entries and a saved page's assets folder are left
alone on purpose, as before.

`read_file` reads one file whatever happened since the scan: it opens without
following a link and without blocking, checks on the open file that it is a
regular file, and reads at most the size limit plus one byte, so a file that
grows, or whose size the system misreports, cannot get past the limit.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefer.core.errors import BrieferError

MB = 1024 * 1024  # what --max-size counts in
MAX_PATH_BYTES = 4096  # PATH_MAX on Linux, its final NUL included: a longer path cannot be opened
READ_CHUNK = MB  # what is read at a time once a file proves longer than its size said
# Folders that browsers' "Save page complete" writes beside page.html: assets, not pages.
_ASSET_FOLDER_SUFFIXES = ("_files", "-Dateien", "_archivos", "-fichiers", "_bestanden")
_PAGE_SUFFIXES = (".html", ".htm", ".xhtml")
# Never block on a pipe or a device, never follow a link swapped in after the scan.
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)

SKIPPED = "skipped"
FAILED = "failed"
LINK_OUTSIDE = "link to a file outside the imported folder"
LINK_TO_FOLDER = "link to a folder (not followed: its files are imported where they are)"
BROKEN_LINK = "broken link (nothing is at its target)"
LINK_LOOP = "link that leads to itself (a loop)"
PATH_TOO_LONG = f"path longer than {MAX_PATH_BYTES:,} bytes (the system cannot open it)"
NAME_NOT_UTF8 = "name not in UTF-8 (rename it to import it)"


class NotRegularFile(BrieferError, OSError):
    """A path that is no regular file: a pipe, a socket, a device, a folder, or a link where none may be.

    `kind` is what it is, in a report's words ("named pipe")."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"not a regular file ({kind})")
        self.kind = kind


class TooLarge(BrieferError, OSError):
    """More bytes than the size limit `limit`, found while reading, whatever the size said before."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"too large: more than the {limit / MB:.0f} MB size limit")
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Met:
    """A path the scan met: a file to read (no status), or a status and the reason it is not read."""

    path: Path  # where it was met: a link's own path, not its target's
    status: str = ""  # "" for a file to read; "skipped" or "failed"
    reason: str = ""
    target: Path | None = None  # for a link that is followed: the file read in its place
    report_only: bool = False  # not kept in the catalog: a folder not walked, a name it cannot hold

    @property
    def readable(self) -> bool:
        return not self.status


def kind_of(mode: int) -> str:
    """What a non-regular file is, in the words a report uses."""
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISLNK(mode):
        return "symbolic link"
    return "special file"


def _too_long(path: str) -> bool:
    return len(os.fsencode(path)) >= MAX_PATH_BYTES


def _not_utf8(path: str) -> Met | None:
    """A path whose name holds bytes that are not UTF-8, named with those bytes escaped (b'\\xe9')."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # os.fsdecode made the bytes surrogates, which no UTF-8 text holds
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        return Met(Path(shown), SKIPPED, NAME_NOT_UTF8, report_only=True)
    return None


def is_within(path: str, folder: Path) -> bool:
    return path == str(folder) or path.startswith(str(folder).rstrip(os.sep) + os.sep)


def known_gone(path: str) -> bool:
    """Whether nothing is at `path` any more.  Not when it cannot be told: os.path.exists says
    False for a file in a folder without rights, or past PATH_MAX, and --prune took that for gone."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except (OSError, ValueError):  # no rights, a name too long...: perhaps there
        return False
    return False


# -- walking ---------------------------------------------------------------------------------------
def scan(roots: Sequence[Path], exclude: frozenset[str] = frozenset()) -> Iterator[Met]:
    """Every path under `roots` (resolved files and folders), once each, in a stable order.

    A root named twice, or inside another root, is met once (as a root: the
    folder around it passes it by).  A root that is a file is read even when the
    user named it through a link (`roots` are resolved): naming it is the
    user's choice.  Links that are followed come last, so that the file itself,
    met before, holds the document and the link is its duplicate.
    """
    roots = list(dict.fromkeys(roots))
    folders = [root for root in roots if root.is_dir()]
    named = {str(root) for root in roots}
    links: list[Met] = []  # last: a file and a link to it are one document, found at the file
    for root in roots:
        badly_named = _not_utf8(str(root))
        if badly_named:
            yield badly_named
            continue
        met = _walk(root, folders, named, exclude) if root in folders else [_root_file(root)]
        for found in met:
            if found.target is not None:
                links.append(found)
            else:
                yield found
    yield from links


def _root_file(root: Path) -> Met:
    try:
        mode = root.stat().st_mode
    except OSError as exc:
        return Met(root, FAILED, f"cannot read: {exc.strerror or exc}")
    if stat.S_ISREG(mode):
        return Met(root)
    return Met(root, SKIPPED, f"not a regular file ({kind_of(mode)})")


def _walk(top: Path, folders: list[Path], named: set[str], exclude: frozenset[str]) -> Iterator[Met]:
    """Depth first, a folder's files before its subfolders, names sorted (as os.walk did)."""
    stack = [top]
    while stack:
        folder = stack.pop()
        if _too_long(str(folder)):
            yield Met(folder, SKIPPED, PATH_TOO_LONG, report_only=True)
            continue
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            yield Met(folder, FAILED, f"cannot read the folder: {exc.strerror or exc}", report_only=True)
            continue
        names = {entry.name for entry in entries}
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if _is_real_folder(entry):
                if entry.path in named or _page_assets(entry.name, names):
                    continue  # a root inside is walked as a root
                badly_named = _not_utf8(entry.path)
                if badly_named:
                    yield badly_named  # its files would be named so too: one status for all
                else:
                    subfolders.append(Path(entry.path))
            elif entry.name not in exclude and entry.path not in named:
                yield _not_utf8(entry.path) or _entry(entry, folders)
        stack.extend(reversed(subfolders))


def _is_real_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _entry(entry: os.DirEntry[str], folders: Iterable[Path]) -> Met:
    path = Path(entry.path)
    if _too_long(entry.path):
        return Met(path, SKIPPED, PATH_TOO_LONG)
    try:
        if entry.is_file(follow_symlinks=False):  # from the listing itself: no system call
            return Met(path)
        mode = entry.stat(follow_symlinks=False).st_mode
    except OSError as exc:
        return Met(path, FAILED, f"cannot read: {exc.strerror or exc}")
    if stat.S_ISREG(mode):
        return Met(path)
    if stat.S_ISLNK(mode):
        return _link(path, folders)
    return Met(path, SKIPPED, f"not a regular file ({kind_of(mode)})")


def _link(path: Path, folders: Iterable[Path]) -> Met:
    """A link is read in place of its target only when that is a regular file inside the import."""
    try:
        mode = path.stat().st_mode  # follows the link, every step of it
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return Met(path, SKIPPED, BROKEN_LINK)
        if exc.errno == errno.ELOOP:
            return Met(path, SKIPPED, LINK_LOOP)
        return Met(path, FAILED, f"cannot read: {exc.strerror or exc}")
    if stat.S_ISDIR(mode):
        return Met(path, SKIPPED, LINK_TO_FOLDER)
    target = os.path.realpath(path)
    if not any(is_within(target, folder) for folder in folders):
        return Met(path, SKIPPED, LINK_OUTSIDE)
    if not stat.S_ISREG(mode):
        return Met(path, SKIPPED, f"not a regular file ({kind_of(mode)})")
    return Met(path, target=Path(target))


def _page_assets(folder: str, siblings: set[str]) -> bool:
    for suffix in _ASSET_FOLDER_SUFFIXES:
        if folder.endswith(suffix) and len(folder) > len(suffix):
            stem = folder[: -len(suffix)]
            if any(stem + page in siblings for page in _PAGE_SUFFIXES):
                return True
    return False


# -- reading ---------------------------------------------------------------------------------------
def read_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of the regular file at `path`, if there are at most `max_bytes` of them.

    Raises NotRegularFile (a pipe, socket, device or folder, or a link: `path`
    must be the file itself), TooLarge, or OSError when it cannot be opened.
    """
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP and os.path.islink(path):  # O_NOFOLLOW met a link
            raise NotRegularFile("symbolic link") from exc
        raise
    try:
        info = os.fstat(fd)  # the file opened, not the one a path named a moment before
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(kind_of(info.st_mode))
        return _read_at_most(fd, info.st_size, max_bytes)
    finally:
        os.close(fd)


def _read_at_most(fd: int, expected: int, limit: int) -> bytes:
    """Up to `limit` bytes; one read when the file is as long as `expected` (the usual case)."""
    chunks: list[bytes] = []
    total = 0
    want = min(expected, limit) + 1  # one byte more than expected: did it grow?
    while total <= limit:
        chunk = os.read(fd, want)
        if not chunk:
            return b"".join(chunks)  # a single chunk is returned as it is, not copied
        chunks.append(chunk)
        total += len(chunk)
        want = min(READ_CHUNK, limit + 1 - total)
    raise TooLarge(limit)
