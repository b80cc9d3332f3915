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
from collections.abc import Iterator

NORMALIZATION_VERSION = 1

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe\uffff]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n")
_SPACE = re.compile(r"\s+")
_NOT_SPACE = re.compile(r"\S")
_ANY_SPACE = re.compile(r"\s")
_NFC_CUT = re.compile(r"[\x21-\x7e]|(?<=\s)")  # see _nfc
PIECE_CHARS = 1 << 20  # a long text is normalized in pieces of about this many characters

# Embeddings, overrides and isolates (U+202A-202E, U+2066-2069) and the implicit marks (LRM,
# RLM, ALM): one U+202E in an author's name reverses everything after it on the line.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
FSI, PDI = "\u2068", "\u2069"


def normalize(raw: str) -> str:
    """Return `raw` as normalized text (see module docstring).

    A long text is normalized a piece at a time, cut where no rule looks across the cut, so
    that the result is the same as in one go: in one go, a regex substitution or split makes a
    string object per word or line, and a 200 MB text needed several GB.
    """
    text = _nfc(raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _without_controls(text.replace("\u2029", "\n\n").replace("\u2028", "\n"))
    return "".join(_paragraphs_normalized(text))


def _normalize_piece(text: str) -> str:
    """The rules at once, for a text short enough (and the reference for the pieces)."""
    paragraphs = (_SPACE.sub(" ", block).strip() for block in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def word_pieces(text: str) -> Iterator[str]:
    """`text` in pieces of about `PIECE_CHARS` characters, each after the first starting with
    whitespace: no word spans two, so a long text's words can be found a piece at a time (a list
    of every word of a 200 MB text is several GB)."""
    return _pieces(text, _ANY_SPACE)


def _pieces(text: str, cut: re.Pattern[str]) -> Iterator[str]:
    """`text` in pieces of about `PIECE_CHARS`, each (but the first) starting where `cut` matches."""
    start = 0
    while len(text) - start > PIECE_CHARS:
        found = cut.search(text, start + PIECE_CHARS)
        if found is None:
            break
        yield text[start : found.start()]
        start = found.start()
    yield text[start:] if start else text


def _nfc(text: str) -> str:
    """Unicode NFC, a piece at a time.  Nothing composes or reorders across a cut before printable
    ASCII (a starter that is never the second of a composition) or after whitespace (a starter that
    is never the first)."""
    if unicodedata.is_normalized("NFC", text):
        return text
    return "".join(unicodedata.normalize("NFC", piece) for piece in _pieces(text, _NFC_CUT))


def _without_controls(text: str) -> str:
    """`text` without control characters: a rule on single characters, so any cut will do."""
    if not _CONTROL.search(text):
        return text
    pieces = (text[at : at + PIECE_CHARS] for at in range(0, len(text), PIECE_CHARS))
    return "".join(_CONTROL.sub("", piece) for piece in pieces)


def _paragraphs_normalized(text: str) -> Iterator[str]:
    """Paragraphs and spaces normalized, a piece at a time.  Each piece is cut before a character
    that is not whitespace, so a run of whitespace (a space, a paragraph break) lies within one
    piece; a piece's trailing run becomes what separates it from the next piece."""
    started = False
    between = ""  # what the previous piece's trailing whitespace stands for
    for piece in _pieces(text, _NOT_SPACE):
        body = piece.rstrip()
        normalized = _normalize_piece(body)
        if normalized:  # only the first piece can be blank (a later one starts with a character)
            if started:
                yield between
            yield normalized
            started = True
        tail = piece[len(body) :]
        between = ("\n\n" if _PARAGRAPH_BREAK.search(tail) else " ") if tail else ""


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


def title_paragraph_end(text: str, title: str) -> int:
    """Where the opening paragraph ends when it only repeats the title (extracted text often
    starts so); 0 when it says something else."""
    if not title:
        return 0
    end = text.find("\n\n")
    end = len(text) if end < 0 else end
    if not len(title) // 2 <= end <= len(title) * 2 + 40:  # far shorter or longer: not the title
        return 0
    first, wanted = _squashed(text[:end]), _squashed(title)
    if first and (first == wanted or (wanted in first and len(first) <= len(wanted) * 1.5 + 20)):
        return end
    return 0


def _squashed(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))
