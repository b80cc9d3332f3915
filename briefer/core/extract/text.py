"""Plain text and Markdown, with an optional metadata header.

Plain text may start with `Key: value` lines (Title, Author, Source, Published,
Date, URL, Language) and a blank line, as saved-article tools write them.
Markdown may start with front matter between `---` lines of `key: value`.
Without them the title is the first heading, or the first line.
"""

from __future__ import annotations

import re
from pathlib import Path

from briefer.core.documents import Extracted
from briefer.core.extract.dates import parse_date
from briefer.core.extract.encoding import decode
from briefer.core.textnorm import normalize

_HEADER_KEYS = {
    "title": "title",
    "author": "author",
    "by": "author",
    "source": "source",
    "outlet": "source",
    "published": "published",
    "date": "published",
    "url": "url",
    "link": "url",
    "language": "language",
    "lang": "language",
}
_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z _-]{0,20}):[ \t]*(.*)$")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


def _parse_header(lines: list[str]) -> dict[str, str] | None:
    """The metadata of `key: value` lines, or None if any line is not one."""
    meta: dict[str, str] = {}
    for line in lines:
        match = _HEADER_LINE.match(line.strip())
        if not match:
            return None
        key = _HEADER_KEYS.get(match.group(1).strip().lower())
        if key:
            meta[key] = match.group(2).strip().strip('"').strip("'")
    return meta


def _split_plain_header(text: str) -> tuple[dict[str, str], str]:
    head, sep, body = text.partition("\n\n")
    lines = head.strip("\n").split("\n")
    meta = _parse_header(lines) if sep and len(lines) <= 12 else None
    if meta and ("title" in meta or len(meta) >= 2):
        return meta, body
    return {}, text


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---", 4)
    if end < 0:
        return {}, text
    meta = _parse_header([line for line in text[4:end].split("\n") if line.strip()])
    if meta is None:
        return {}, text
    return meta, text[end + 4 :].lstrip("-").lstrip("\n")


def _build(meta: dict[str, str], body: str, title: str, fmt: str) -> Extracted:
    raw_date = meta.get("published", "")
    return Extracted(
        text=normalize(body),
        title=meta.get("title") or title,
        author=meta.get("author", ""),
        source=meta.get("source", ""),
        published=parse_date(raw_date),
        published_raw=raw_date,
        url=meta.get("url", ""),
        language=meta.get("language", ""),
        format=fmt,
    )


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.split("\n") if line.strip()), "")[:300]


def extract_plain(data: bytes, path: Path) -> Extracted:
    meta, body = _split_plain_header(decode(data).replace("\r\n", "\n"))
    return _build(meta, body, _first_line(body) or path.stem, "text")


def _markdown_to_text(markdown: str) -> str:
    text = _HEADING.sub(r"\1", markdown)
    text = _LINK.sub(r"\1", text)
    return _EMPHASIS.sub(r"\2", text)


def extract_markdown(data: bytes, path: Path) -> Extracted:
    meta, body = _split_front_matter(decode(data).replace("\r\n", "\n"))
    heading = _HEADING.search(body)
    title = heading.group(1).strip() if heading else _first_line(body) or path.stem
    return _build(meta, _markdown_to_text(body), _markdown_to_text(title), "markdown")
