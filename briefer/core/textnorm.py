"""Normalized text: the one form of a document's text that offsets refer to.

Excerpts and passages are character spans of this text, so its rules are
fixed: Unicode NFC, no control characters, whitespace inside a paragraph
collapsed to single spaces, paragraphs separated by exactly one blank line.
Changing these rules would shift every stored span; add a new rule version
instead (`NORMALIZATION_VERSION`).
"""

from __future__ import annotations

import re
import unicodedata

NORMALIZATION_VERSION = 1

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe\uffff]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n")
_SPACE = re.compile(r"\s+")


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
