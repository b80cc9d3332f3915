"""RSS and Atom feeds (feedparser): each entry becomes a document of its own.

Entries are members named by their id (else their link), and carry that id as
their key, so the same entry met again (a later snapshot of the feed, another
file) is recognised instead of imported twice.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from briefer.core.documents import Extracted
from briefer.core.extract.dates import parse_date
from briefer.core.extract.encoding import declared_html_encoding, decode, without_xml_declaration
from briefer.core.extract.errors import ExtractionError
from briefer.core.extract.html import html_to_text
from briefer.core.extract.parts import Begin, Limits, Part, skipped
from briefer.core.textnorm import normalize

_ROOT = re.compile(rb"<(?:[\w-]+:)?(rss|feed|RDF|channel)[\s>/]", re.IGNORECASE)
_MARKUP_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")
MAX_ENTRIES = 20_000


def looks_like_feed(data: bytes) -> bool:
    """Whether an .xml file's root element is a feed's (rss, feed, rdf:RDF, channel)."""
    head = data[:8192].replace(b"\x00", b"")  # UTF-16 and UTF-32 keep ASCII tags readable this way
    return _ROOT.search(head) is not None


def _as_utf8(data: bytes) -> bytes:
    """The feed decoded by Briefer's rules (see `encoding.decode`), as UTF-8 that says so.

    feedparser reads a declared `Shift_JIS` or `EUC-KR` with Python's strict
    codecs, and a feed with one character from Windows' supersets of them
    (cp932, cp949) falls back to windows-1252, garbled; without a declaration
    it guesses windows-1252 too (a feed saved in KOI8-R, say).
    """
    text = without_xml_declaration(decode(data, declared_html_encoding(data)))
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text).encode("utf-8", "replace")


def _when(entry: Any, *names: str) -> tuple[datetime | None, str]:
    for name in names:
        # dict.get: feedparser's own get() maps a missing "updated" to "published", with a warning.
        raw = str(dict.get(entry, name) or "")
        parsed = dict.get(entry, f"{name}_parsed")
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC), raw
            except (OverflowError, ValueError, OSError, TypeError):
                return parse_date(raw), raw
        if raw:
            return parse_date(raw), raw
    return None, ""


def _content(entry: Any) -> str:
    candidates = [c for c in entry.get("content") or [] if c.get("value")]
    detail = entry.get("summary_detail") or {}
    if entry.get("summary"):
        candidates.append({"value": entry.get("summary"), "type": detail.get("type", "text/html")})
    if not candidates:
        return ""
    best = max(candidates, key=lambda c: len(str(c.get("value") or "")))
    value = str(best.get("value") or "")
    if str(best.get("type") or "text/html").lower() in _MARKUP_TYPES or "<" in value:
        return html_to_text(value)
    return normalize(value)


def feed_parts(data: bytes, path: Path, limits: Limits, begin: Begin) -> Iterator[Part]:
    import feedparser  # type: ignore[import-untyped]

    begin("")
    if path.suffix.lower() == ".xml" and not looks_like_feed(data):
        yield skipped("", "unsupported format .xml (not an RSS or Atom feed)")
        return
    parsed = feedparser.parse(_as_utf8(data))  # bytes: feedparser never fetches for bytes
    feed = parsed.get("feed") or {}
    entries = parsed.get("entries") or []
    if not entries:
        if parsed.get("bozo") and not feed:
            raise ExtractionError(f"not a readable feed ({parsed.get('bozo_exception')})")
        yield skipped("", "the feed has no entries")
        return
    source = " ".join(str(feed.get("title") or "").split())
    feed_language = str(feed.get("language") or "")
    taken: set[str] = set()
    for number, entry in enumerate(entries[:MAX_ENTRIES], start=1):
        ident = str(entry.get("id") or entry.get("link") or "").strip()
        title = " ".join(str(entry.get("title") or "").split())
        published, raw_date = _when(entry, "published", "updated", "created")
        if not ident:
            ident = "entry-" + hashlib.sha256(f"{title}\n{raw_date}".encode()).hexdigest()[:16]
        member = ident if ident not in taken else f"{ident}#{number}"
        taken.add(member)
        if limits.skips(member):
            continue
        begin(member)
        # An entry with no content (a headline feed) is still known by its title.
        text = _content(entry) or normalize(title)
        if not text:
            yield skipped(member, "the entry has neither text nor title")
            continue
        author = str(entry.get("author") or "")
        extracted = Extracted(
            text=text,
            title=title or text.split("\n\n", 1)[0][:200],
            author=" ".join(author.split()),
            source=source,
            published=published,
            published_raw=raw_date,
            url=str(entry.get("link") or ""),
            language=feed_language,
            format="feed",
        )
        digest = hashlib.sha256(
            f"{ident}\n{title}\n{raw_date}\n{text}".encode("utf-8", "replace")
        ).hexdigest()
        from briefer.core.extract import finish

        yield Part(member, finish(extracted), content_hash=digest, key=f"feed-entry:{ident}")
    if len(entries) > MAX_ENTRIES:
        yield skipped(f"entry-{MAX_ENTRIES + 1}", f"only the first {MAX_ENTRIES} entries are read")
