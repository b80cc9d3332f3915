"""Plain text and Markdown, with an optional metadata header.

Plain text may start with `Key: value` lines (Title, Author, Source, Published,
Date, URL, Language) and a blank line, as saved-article tools write them.
Markdown may start with front matter between `---` lines of `key: value`.
Without them the title is the first heading, or the first line.

Every step is linear in the text: a regex that can restart its scan at each
of many openings ("[[[[...", a heading of "#" signs, "****...") took 41 s on
100 KB, so links and emphasis are found by scanning forward with `str.find`.
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
# "# Title ##": the text is everything from the first character to the last that is not a space,
# tab or "#" (at least one character).  Greedy, not `(.+?)[ \t#]*$`: that retried the tail from
# every character, quadratic on a long line of "#".
_HEADING = re.compile(r"^#{1,6}[ \t]+(.(?:.*[^ \t#\n])?)[ \t#]*$", re.MULTILINE)
_EMPHASIS_MARKS = ("**", "__")
_MAX_HEADER_LINES = 12
_NON_SPACE = re.compile(r"\S")


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
    if not sep or head.count("\n") > _MAX_HEADER_LINES:  # counted, not split: a long text has many lines
        return {}, text
    lines = head.strip("\n").split("\n")
    meta = _parse_header(lines) if len(lines) <= _MAX_HEADER_LINES else None
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


def _line_end(text: str, at: int) -> int:
    """Where the line holding `at` ends: its "\\n", or the end of the text."""
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _first_line(text: str, limit: int = 300) -> str:
    """The first line that is not blank, stripped, at most `limit` characters: what
    `next(l.strip() for l in text.split("\\n") if l.strip())[:limit]` gives, without a list of
    every line nor a copy of a line as long as the text."""
    start = 0
    while start < len(text):
        end = _line_end(text, start)
        first = _NON_SPACE.search(text, start, end)
        if first is not None:
            cut = first.start() + limit
            head = text[first.start() : min(end, cut)]
            more = cut < end and _NON_SPACE.search(text, cut, end) is not None
            return head if more else head.rstrip()
        start = end + 1
    return ""


def extract_plain(data: bytes, path: Path) -> Extracted:
    meta, body = _split_plain_header(decode(data).replace("\r\n", "\n"))
    return _build(meta, body, _first_line(body) or path.stem, "text")


def _markdown_to_text(markdown: str) -> str:
    return _without_emphasis(_without_links(_HEADING.sub(r"\1", markdown)))


def _without_links(text: str) -> str:
    """`[text](target)` and `![alt](image)` as their text, what `!?\\[([^\\]]*)\\]\\([^)]*\\)` matches.

    A "[" whose "](" or ")" never comes fails, and so does every "[" before the same "]": the
    scan goes on after that "]", and stops when no ")" is left at all.
    """
    pieces: list[str] = []
    kept = 0  # text[:kept] is in pieces
    at = 0
    while (start := text.find("[", at)) >= 0:
        close = text.find("]", start + 1)
        if close < 0:
            break
        if not text.startswith("(", close + 1):
            at = close + 1
            continue
        end = text.find(")", close + 2)
        if end < 0:
            break
        bang = start > kept and text[start - 1] == "!"
        pieces += (text[kept : start - bang], text[start + 1 : close])
        kept = at = end + 1
    if not pieces:
        return text
    pieces.append(text[kept:])
    return "".join(pieces)


def _without_emphasis(text: str) -> str:
    """`**bold**` and `__bold__` as their text: what `(\\*\\*|__)(.+?)\\1` matches, within a line."""
    pieces: list[str] = []
    kept = 0
    line_end = -1  # where the line of the current opening ends
    # Where each mark next opens: searched for once and again only when passed, so no stretch of
    # the text is searched twice for the same mark.
    opening = {mark: text.find(mark) for mark in _EMPHASIS_MARKS}
    while live := [(at, mark) for mark, at in opening.items() if at >= 0]:
        start, mark = min(live)
        if start > line_end:
            line_end = _line_end(text, start)
        end = text.find(mark, start + 3, line_end)  # at least one character between the marks
        if end < 0:  # no later opening of this mark on this line can close either
            opening[mark] = text.find(mark, line_end)
            continue
        pieces += (text[kept:start], text[start + 2 : end])
        kept = end + 2
        for other, at in opening.items():
            if 0 <= at < kept:
                opening[other] = text.find(other, kept)
    if not pieces:
        return text
    pieces.append(text[kept:])
    return "".join(pieces)


def extract_markdown(data: bytes, path: Path) -> Extracted:
    meta, body = _split_front_matter(decode(data).replace("\r\n", "\n"))
    heading = _HEADING.search(body)
    title = heading.group(1).strip() if heading else _first_line(body) or path.stem
    return _build(meta, _markdown_to_text(body), _markdown_to_text(title), "markdown")
