"""Zip archives: each member read in memory (never unpacked to disk) and imported on its own.

Members are named by their path inside the archive, cleaned (backslashes as
slashes, no "." or empty steps) and made unique: a name that several members
share (a zip may hold "a.txt" twice, or "dir/x.txt" and "dir\\x.txt") is given
to the first, and the others become "a#2.txt", "a#3.txt"..., a number no other
member uses, so that each is imported and reported on its own.  A name that
climbs out of the archive ("../x") or is absolute ("/x", "C:/x") is refused
with its status, named without those steps: "bundle.zip/../notes.txt" would
read as the file beside the archive.  Archives inside the archive are refused,
and so are members whose size or compression ratio is absurd (a zip bomb), or
which are encrypted; each such member is reported.  The members of the whole
file, nested ones included, are bounded in number and in bytes unpacked
(`Limits.take`): the member where a bound stopped the reading says which.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from briefer.core.archive.limits import MIN_RATIO_BYTES
from briefer.core.extract.errors import ExtractionError
from briefer.core.extract.parts import Begin, Limits, Part, failed, skipped

ARCHIVE_SUFFIXES = frozenset(
    {".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar", ".zst", ".jar", ".z", ".lz", ".cab"}
)


_DRIVE = re.compile(r"^[A-Za-z]:(?=/|$)")  # "C:/x" (backslashes made slashes), not "a:b.txt"


def _hidden(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _clean_name(raw: str) -> tuple[str, str]:
    """A member's name as Briefer names it, and why it is unsafe ("" when it is not)."""
    name = raw.replace("\\", "/")
    absolute = name.startswith("/") or bool(_DRIVE.match(name))
    steps = [step for step in _DRIVE.sub("", name).split("/") if step not in ("", ".")]
    climbs = ".." in steps
    clean = "/".join(step for step in steps if step != "..") or "unnamed"
    if climbs:
        return clean, f"unsafe name {raw!r}: it points outside the archive"
    if absolute:
        return clean, f"unsafe name {raw!r}: an absolute path"
    return clean, ""


def _numbered(name: str, number: int) -> str:
    """'dir/a.txt', 2 -> 'dir/a#2.txt': the suffix stays last, so the format is still known."""
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}#{number}{path.suffix}"))


def _unique(names: list[str]) -> list[str]:
    """`names` made unique: the first of a name keeps it, the next get the lowest free numbers."""
    taken = set(names)
    seen: set[str] = set()
    last: dict[str, int] = {}  # the number a name was last given: 10,000 copies cost no more than one
    unique = []
    for name in names:
        if name in seen:
            number = last.get(name, 1) + 1
            while _numbered(name, number) in taken:
                number += 1
            last[name] = number
            name = _numbered(name, number)
            taken.add(name)
        seen.add(name)
        unique.append(name)
    return unique


def zip_parts(data: bytes, path: Path, limits: Limits, begin: Begin) -> Iterator[Part]:
    from briefer.core.extract import extract_member

    begin("")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ExtractionError(f"not a readable zip archive ({exc})") from exc
    named = [(info, *_clean_name(info.filename)) for info in infos if not info.is_dir()]
    # No more names than can be read (the bound stops the reading at the next one): a million
    # entries are not all cleaned and made unique.
    named = [(info, name, unsafe) for info, name, unsafe in named if not _hidden(name)][
        : limits.max_members + 1
    ]
    if not named:
        yield skipped("", "the archive holds no files")
        return
    names = _unique([name for _, name, _ in named])
    with archive:
        for (info, _, unsafe), name in zip(named, names, strict=True):
            if limits.skips(name):
                continue
            refused = skipped(name, unsafe) if unsafe else _refusal(name, info, limits)
            # Every member met counts, the refused ones too (a million entries would be a million
            # statuses); only those read count their bytes.
            stopped = limits.take(0 if refused else info.file_size)
            if stopped:
                yield skipped(name, stopped)
                break
            if refused:
                yield refused
                continue
            begin(name)
            try:
                with archive.open(info) as member:
                    payload = member.read(limits.max_bytes + 1)  # headers can lie about sizes
            except (
                zipfile.BadZipFile,
                OSError,
                ValueError,
                EOFError,
                NotImplementedError,
                RuntimeError,
            ) as exc:
                yield failed(name, f"cannot unpack: {exc}")
                continue
            if len(payload) > limits.max_bytes:
                yield failed(name, "refused: unpacks beyond the size limit")
                continue
            yield from extract_member(payload, name, limits, begin)


def _refusal(name: str, info: zipfile.ZipInfo, limits: Limits) -> Part | None:
    """Why a member is not read, as its part; None when it is read."""
    if PurePosixPath(name).suffix.lower() in ARCHIVE_SUFFIXES:
        return skipped(name, "nested archive (not opened)")
    if info.flag_bits & 0x1:
        return failed(name, "password-protected")
    if info.file_size > limits.max_bytes:
        return skipped(name, f"too large: {info.file_size / 1e6:.0f} MB unpacked (size limit)")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size >= MIN_RATIO_BYTES and ratio > limits.max_ratio:
        return failed(name, f"refused: compression ratio {ratio:.0f}:1 (a zip bomb?)")
    return None
