"""Zip archives: each member read in memory (never unpacked to disk) and imported on its own.

Members are named by their path inside the archive.  Archives inside the
archive are refused, and so are members whose size or compression ratio is
absurd (a zip bomb), or which are encrypted; each such member is reported.
The members of the whole file, nested ones included, are bounded in number and
in bytes unpacked (`Limits.take`): the member where a bound stopped the reading
says which.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from briefer.core.extract.errors import ExtractionError
from briefer.core.extract.parts import Begin, Limits, Part, failed, skipped
from briefer.core.limits import MIN_RATIO_BYTES

ARCHIVE_SUFFIXES = frozenset(
    {".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar", ".zst", ".jar", ".z", ".lz", ".cab"}
)


def _hidden(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def zip_parts(data: bytes, path: Path, limits: Limits, begin: Begin) -> Iterator[Part]:
    from briefer.core.extract import extract_member

    begin("")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ExtractionError(f"not a readable zip archive ({exc})") from exc
    files = [i for i in infos if not i.is_dir() and not _hidden(i.filename)]
    if not files:
        yield skipped("", "the archive holds no files")
        return
    with archive:
        for info in files:
            name = info.filename.replace("\\", "/").lstrip("/")
            if limits.skips(name):
                continue
            refused = _refusal(name, info, limits)
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
