"""Turn a file into clean text and metadata: one module per format behind one interface.

Two kinds of extractor, chosen by file suffix:

- `EXTRACTORS`: a file that is one document.  `extract(data: bytes, path: Path)
  -> Extracted`, raising `ExtractionError` with a one-line reason.
- `CONTAINERS`: a file that holds several documents (a zip archive, an mbox, a
  feed) or a document with others attached (an e-mail).  `parts(data, path,
  limits, begin) -> Iterator[Part]`, one `Part` per member; see `parts.py`.

`extract_parts(data, path)` hides the difference: it yields the parts of any
supported file, a single-document file giving one part named "".  Every part
that carries text has been through `finish`, which adds the language and the
source type.

A format's module (and the libraries it needs: lxml for pages, mail and feeds) is
imported when a file of that format is first extracted, so that a parser process
that reads only text files or PDFs never loads the others.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from briefer.core.archive.files import NotRegularFile, TooLarge, read_file
from briefer.core.documents import Extracted
from briefer.core.extract import zipped
from briefer.core.extract.errors import ExtractionError, UnsupportedFormat
from briefer.core.extract.language import detect, normalize_tag
from briefer.core.extract.parts import (
    DEFAULT_MAX_BYTES,
    Begin,
    Limits,
    Part,
    Unpacked,
    failed,
    no_begin,
    skipped,
)
from briefer.core.extract.source_types import classify

Extractor = Callable[[bytes, Path], Extracted]
PartsExtractor = Callable[[bytes, Path, Limits, Begin], Iterator[Part]]


def _loaded_on_call(module: str, function: str) -> Callable[..., Any]:
    """`briefer.core.extract.<module>.<function>`, its module imported on the first call."""

    def call(*args: Any) -> Any:
        return getattr(importlib.import_module(f"{__name__}.{module}"), function)(*args)

    call.__qualname__ = call.__name__ = f"{module}.{function}"
    return call


EXTRACTORS: dict[str, Extractor] = {
    ".txt": _loaded_on_call("text", "extract_plain"),
    ".text": _loaded_on_call("text", "extract_plain"),
    ".md": _loaded_on_call("text", "extract_markdown"),
    ".markdown": _loaded_on_call("text", "extract_markdown"),
    ".html": _loaded_on_call("html", "extract"),
    ".htm": _loaded_on_call("html", "extract"),
    ".xhtml": _loaded_on_call("html", "extract"),
    ".mhtml": _loaded_on_call("mhtml", "extract"),
    ".mht": _loaded_on_call("mhtml", "extract"),
    ".pdf": _loaded_on_call("pdf", "extract"),
    ".docx": _loaded_on_call("word", "extract"),
}
CONTAINERS: dict[str, PartsExtractor] = {
    ".eml": _loaded_on_call("mail", "eml_parts"),
    ".mbox": _loaded_on_call("mail", "mbox_parts"),
    ".rss": _loaded_on_call("feeds", "feed_parts"),
    ".atom": _loaded_on_call("feeds", "feed_parts"),
    ".rdf": _loaded_on_call("feeds", "feed_parts"),
    ".xml": _loaded_on_call("feeds", "feed_parts"),  # only a feed: any other .xml is reported unsupported
    ".zip": zipped.zip_parts,
}
# What third-party parsers raise on malformed input, besides ExtractionError: reported, never raised.
_PARSER_ERRORS = (
    ValueError, LookupError, UnicodeError, RecursionError, AttributeError, TypeError, EOFError, zlib.error,
)  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_METADATA_FIELDS = ("title", "author", "source", "published_raw", "url", "language", "source_type")
MAX_DEPTH = 3  # a zip holding an e-mail with a forwarded message with an attachment, and no deeper

__all__ = [
    "CONTAINERS",
    "EXTRACTORS",
    "ExtractionError",
    "Limits",
    "Part",
    "UnsupportedFormat",
    "extract_bytes",
    "extract_file",
    "extract_member",
    "extract_parts",
    "finish",
    "supports",
]


def supports(path: Path | PurePosixPath) -> bool:
    suffix = path.suffix.lower()
    return suffix in EXTRACTORS or suffix in CONTAINERS


def unsupported_reason(path: Path | PurePosixPath) -> str:
    return f"unsupported format {path.suffix or '(no suffix)'}"


def finish(extracted: Extracted) -> Extracted:
    """Check an extractor's result and complete it: language and source type; no control characters."""
    extracted = _without_controls(extracted)
    if not extracted.text.strip() and extracted.format not in ("text", "markdown"):
        # A text file with only its metadata header is a document (a headline); a PDF,
        # page or Word file without text is not, and saying so beats an empty hit.
        raise ExtractionError("no text")
    language = normalize_tag(extracted.language) or detect(extracted.text)
    source_type = extracted.source_type or classify(extracted.url, extracted.source)
    return replace(extracted, language=language, source_type=source_type)


def _without_controls(extracted: Extracted) -> Extracted:
    """Every metadata field without NUL and the other control characters no text means (Word refuses them).

    The last defence, for every format at once: a title read from bytes decoded
    wrongly (UTF-16 taken for 8-bit text) must not carry them into the catalog,
    the index and an exported briefing.  The text is normalized already, which
    drops them: its offsets are left alone.
    """
    fields: dict[str, str] = {name: getattr(extracted, name) for name in _METADATA_FIELDS}
    cleaned: dict[str, Any] = {name: _CONTROL.sub("", v) for name, v in fields.items() if _CONTROL.search(v)}
    return replace(extracted, **cleaned) if cleaned else extracted


def _guarded(run: Callable[[], Extracted]) -> Extracted:
    try:
        return finish(run())
    except ExtractionError:
        raise
    except _PARSER_ERRORS as exc:
        # Third-party parsers raise these on malformed input; report, don't crash.
        raise ExtractionError(f"could not parse: {exc}") from exc


def extract_bytes(data: bytes, path: Path) -> Extracted:
    """Extract a single-document file; raises ExtractionError or UnsupportedFormat."""
    extractor = EXTRACTORS.get(path.suffix.lower())
    if extractor is None:
        raise UnsupportedFormat(unsupported_reason(path))
    return _guarded(lambda: extractor(data, path))


def extract_file(path: Path) -> Extracted:
    if path.suffix.lower() not in EXTRACTORS:
        raise UnsupportedFormat(unsupported_reason(path))
    try:
        data = read_file(path.resolve(), DEFAULT_MAX_BYTES)  # a regular file, within the size limit
    except (NotRegularFile, TooLarge) as exc:
        raise ExtractionError(str(exc)) from exc
    except OSError as exc:
        raise ExtractionError(f"cannot read: {exc.strerror or exc}") from exc
    return extract_bytes(data, path)


def extract_parts(
    data: bytes, path: Path | PurePosixPath, *, limits: Limits | None = None, begin: Begin = no_begin
) -> Iterator[Part]:
    """Every document in a file: one part for a single-document file, one per member otherwise.

    Never raises for bad content: a file or member that cannot be read is a
    part with status "failed" (or "skipped") and a reason.
    """
    limits = limits or Limits()
    suffix = path.suffix.lower()
    container = CONTAINERS.get(suffix)
    if container is None and suffix not in EXTRACTORS:
        begin("")
        yield skipped("", unsupported_reason(path))
        return
    try:
        if container is not None and limits.depth == 0:
            yield from _bounded_tree(container, data, Path(path), limits, begin)
        elif container is not None:
            yield from container(data, Path(path), limits, begin)
        else:
            begin("")
            extractor = EXTRACTORS[suffix]
            yield Part("", _guarded(lambda: extractor(data, Path(path))))
    except ExtractionError as exc:
        yield failed("", str(exc))
    except _PARSER_ERRORS as exc:
        yield failed("", f"could not parse: {exc}")


def _bounded_tree(
    container: PartsExtractor, data: bytes, path: Path, limits: Limits, begin: Begin
) -> Iterator[Part]:
    """The parts of a top-level container, its members counted as a whole (`Limits.take`).

    A bound hit stops every container in the tree at its next member, each naming the member it
    did not read; a file that is no document itself (an archive, a mailbox) then fails with the
    bound as its reason, which says how to raise it.
    """
    limits = replace(limits, unpacked=Unpacked(len(data)))
    own = False
    for part in container(data, path, limits, begin):
        own = own or part.member == ""
        yield part
    if limits.unpacked.stopped and not own:
        yield failed("", limits.unpacked.stopped)


def _join(container: str, member: str) -> str:
    return f"{container}/{member}" if container and member else container or member


def extract_member(
    data: bytes, name: str, limits: Limits, begin: Begin, *, parent: str | None = None
) -> Iterator[Part]:
    """The parts of a member found inside a container, named under `name` (relative to it).

    `parent` is the member whose document this one belongs to (an attachment's
    message); the member's own parts name it as theirs.
    """
    if limits.skips(name):
        return
    full = _join(limits.prefix, name)
    member_path = PurePosixPath(name)
    suffix = member_path.suffix.lower()
    if not supports(member_path):
        yield skipped(name, unsupported_reason(member_path), parent=parent)
        return
    if suffix in zipped.ARCHIVE_SUFFIXES and limits.depth > 0:
        yield skipped(name, "nested archive (not opened)", parent=parent)
        return
    if limits.depth >= MAX_DEPTH:
        yield skipped(name, "nested too deeply (not opened)", parent=parent)
        return
    inner = replace(limits, depth=limits.depth + 1, prefix=full)
    digest = hashlib.sha256(data).hexdigest()
    for part in extract_parts(data, member_path, limits=inner, begin=lambda m: begin(_join(name, m))):
        if part.member:
            relative_parent = None if part.parent is None else _join(name, part.parent)
            yield replace(part, member=_join(name, part.member), parent=relative_parent)
        else:
            yield replace(part, member=name, parent=parent, content_hash=part.content_hash or digest)
