"""A file name made from a title, for what Briefer proposes to save (an export, a briefing).

Letters, digits, spaces and hyphens are kept; a dash becomes a hyphen, an apostrophe
goes ("Russia's" -> "Russias"), "&" becomes "and", anything else a space; a long title
is cut at a word boundary.  The name is then safe on Windows, macOS and Linux.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 80
MAX_BYTES = 200  # UTF-8: well under the 255 bytes file systems allow, with room for a suffix
_APOSTROPHES = "'\u2019\u2018\u02bc\u0060\u00b4"
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d/\\"
_WINDOWS_DEVICES = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}


def _char(c: str) -> str:
    if c.isalnum():
        return c
    if c in _APOSTROPHES:
        return ""
    if c in _DASHES:
        return "-"
    return " and " if c == "&" else " "


def _cut(stem: str) -> str:
    """At most MAX_CHARS characters and MAX_BYTES bytes, ending at a word boundary when there is one."""

    def fits(text: str) -> bool:
        return len(text) <= MAX_CHARS and len(text.encode("utf-8")) <= MAX_BYTES

    if fits(stem):
        return stem
    words = stem.split(" ")
    kept = ""
    for word in words:
        longer = f"{kept} {word}" if kept else word
        if not fits(longer):
            break
        kept = longer
    if not kept:  # one word longer than the limit: cut inside it
        kept = stem
        while not fits(kept):
            kept = kept[:-1]
    return kept.rstrip(" -")


def file_stem(title: str, fallback: str = "briefing") -> str:
    """`title` made safe as a file name without its suffix: "Russia's Summit: What Next?" ->
    "Russias Summit What Next"; `fallback` when nothing is left."""
    text = unicodedata.normalize("NFC", title)
    stem = "".join(_char(c) for c in text)
    stem = re.sub(r"\s*-[\s-]*", lambda m: " - " if m.group(0).strip() != m.group(0) else "-", stem)
    stem = " ".join(stem.split()).strip(" -")
    stem = _cut(stem)
    if stem.casefold() in _WINDOWS_DEVICES:
        stem = f"{stem} {fallback}"
    return stem or fallback


def export_file_name(title: str) -> str:
    """The name the Word export proposes for a briefing titled `title`."""
    return file_stem(title) + ".docx"
