"""Zip archives: each member read in memory (never unpacked to disk) and imported on its own.

Members are named by their path inside the archive.  Archives inside the
archive are refused, and so are members whose size or compression ratio is
absurd (a zip bomb), or which are encrypted; each such member is reported.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from briefer.core.extract.errors import ExtractionError
from briefer.core.extract.parts import Begin, Limits, Part, failed, skipped

ARCHIVE_SUFFIXES = frozenset(
    {".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar", ".zst", ".jar", ".z", ".lz", ".cab"}
)
MIN_RATIO_CHECK_BYTES = 1024 * 1024  # small members may compress very well without being a bomb
MAX_MEMBERS = 50_000


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
    total = 0
    with archive:
        for number, info in enumerate(files, start=1):
            name = info.filename.replace("\\", "/").lstrip("/")
            if limits.skips(name):
                continue
            if number > MAX_MEMBERS:
                yield skipped(name, f"only the first {MAX_MEMBERS} members are read")
                break
            if PurePosixPath(name).suffix.lower() in ARCHIVE_SUFFIXES:
                yield skipped(name, "nested archive (not opened)")
                continue
            if info.flag_bits & 0x1:
                yield failed(name, "password-protected")
                continue
            if info.file_size > limits.max_bytes:
                yield skipped(name, f"too large: {info.file_size / 1e6:.0f} MB unpacked (size limit)")
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size >= MIN_RATIO_CHECK_BYTES and ratio > limits.max_ratio:
                yield failed(name, f"refused: compression ratio {ratio:.0f}:1 (a zip bomb?)")
                continue
            total += info.file_size
            if total > 4 * limits.max_bytes:
                yield failed(name, "refused: the archive unpacks to more than the size limit allows")
                break
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
