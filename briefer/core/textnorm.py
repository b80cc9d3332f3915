"""Normalized text: the one form of a document's text that offsets refer to.

Excerpts and passages are character spans of this text, so its rules are
fixed: Unicode NFC, no control characters, whitespace inside a paragraph
collapsed to single spaces, paragraphs separated by exactly one blank line.
Changing these rules would shift every stored span; add a new rule version
instead (`NORMALIZATION_VERSION`).

Bidirectional controls are kept in that text (right-to-left quotes may need
them) but never shown raw: `strip_bidi` for single-line metadata (a title, an
author, a URL), `isolate_bidi` for body text, `reveal_bidi` for diagnostics.
"""

from __future__ import annotations

import re
import unicodedata

NORMALIZATION_VERSION = 1

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe\uffff]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n")
_SPACE = re.compile(r"\s+")

# Embeddings, overrides and isolates (U+202A-202E, U+2066-2069) and the implicit marks (LRM,
# RLM, ALM): one U+202E in an author's name reverses everything after it on the line.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
FSI, PDI = "\u2068", "\u2069"


def normalize(raw: str) -> str:
    """Return `raw` as normalized text (see module docstring)."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text.replace("\u2029", "\n\n").replace("\u2028", "\n"))
    paragraphs = (_SPACE.sub(" ", block).strip() for block in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def paragraphs(text: str) -> list[tuple[int, int]]:
    """The (start, end) span of each paragraph of a normalized text."""
    spans = []
    start = 0
    for block in text.split("\n\n"):
        spans.append((start, start + len(block)))
        start += len(block) + 2
    return [s for s in spans if s[1] > s[0]]


def strip_bidi(text: str) -> str:
    """Single-line metadata without bidirectional controls: nothing it holds can reorder what follows."""
    return BIDI_CONTROLS.sub("", text)


def isolate_bidi(text: str) -> str:
    """Body text that cannot reorder the text around it.

    Text in a right-to-left script keeps its controls (Arabic and Hebrew quotes
    may need them) inside one first-strong isolate (FSI ... PDI), which ends
    whatever the controls opened; any other text has no use for them and loses them.
    """
    if not BIDI_CONTROLS.search(text):
        return text
    if any(unicodedata.bidirectional(char) in ("R", "AL") for char in text):
        return FSI + text + PDI
    return strip_bidi(text)


def reveal_bidi(text: str) -> str:
    """Text for a diagnostic line: each bidirectional control spelled out as <U+202E>."""
    return BIDI_CONTROLS.sub(lambda found: f"<U+{ord(found.group()):04X}>", text)
