"""Turn a file into clean text and metadata: one module per format behind one interface.

`extract_file(path)` picks the extractor by file suffix.  A new format is one
module with an `extract(data: bytes, path: Path) -> Extracted` function, listed
in `EXTRACTORS`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from briefer.core.documents import Extracted
from briefer.core.extract import html, text
from briefer.core.extract.errors import ExtractionError, UnsupportedFormat

Extractor = Callable[[bytes, Path], Extracted]

EXTRACTORS: dict[str, Extractor] = {
    ".txt": text.extract_plain,
    ".text": text.extract_plain,
    ".md": text.extract_markdown,
    ".markdown": text.extract_markdown,
    ".html": html.extract,
    ".htm": html.extract,
    ".xhtml": html.extract,
}

__all__ = ["EXTRACTORS", "ExtractionError", "UnsupportedFormat", "extract_bytes", "extract_file", "supports"]


def supports(path: Path) -> bool:
    return path.suffix.lower() in EXTRACTORS


def extract_bytes(data: bytes, path: Path) -> Extracted:
    """Extract `data`, read from `path`; raises ExtractionError or UnsupportedFormat."""
    extractor = EXTRACTORS.get(path.suffix.lower())
    if extractor is None:
        raise UnsupportedFormat(f"unsupported format {path.suffix or '(no suffix)'}")
    try:
        return extractor(data, path)
    except ExtractionError:
        raise
    except (ValueError, LookupError, UnicodeError, RecursionError) as exc:
        raise ExtractionError(f"could not parse: {exc}") from exc


def extract_file(path: Path) -> Extracted:
    if not supports(path):
        raise UnsupportedFormat(f"unsupported format {path.suffix or '(no suffix)'}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractionError(f"cannot read: {exc.strerror or exc}") from exc
    return extract_bytes(data, path)
