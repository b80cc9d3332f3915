"""PDF page layout: from the positioned lines of each page to clean paragraphs.

`pdf.py` reads each page's lines with their height on the page and their font; this module,
free of any PDF library, turns them into text:

- running headers and footers go: a line near the top or bottom edge that recurs at the same
  height on another page, its digits allowed to differ ("Page 3 of 12", "CRS-4", a date);
- headings stay paragraphs of their own: a line in a larger font than the body, a bold short
  line, a numbered heading ("2.1 Findings"), or a short line set apart by space; a bold run-in
  heading that opens a paragraph ("Funding. Congress provided...") is split from its text;
- a word hyphenated across lines is joined ("imple-" + "mentation"), a real hyphen kept
  ("Russia-" + "North", "weapons-" + "grade" when the document uses both words alone);
- paragraphs end at a blank line, a gap wider than the line spacing, a heading, or a short line
  that ends a sentence.

Lines without a position (OCR output) get the rules that need none.
"""

from __future__ import annotations

import functools
import itertools
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

SOFT_HYPHEN = "\ufffe"  # PDFium's mark for a hyphen at a line end it joined to the next line
EDGE_BAND = 0.15  # running headers and footers sit within this share of the page height from an edge
SAME_HEIGHT = 3.0  # points: a running line recurs at the same height give or take this
LARGER_FONT = 1.0  # points above the body size that make a heading
PARAGRAPH_GAP = 1.4  # a line spacing this many times the usual one starts a paragraph
_SENTENCE_END = (".", "?", "!", ":", '"', "\u201d")
_NO_HEADING_END = (".", ",", ";")
_BULLETS = ("\u2022", "\u25aa", "\u25e6", "\u2023", "\u25cf", "\u25a0", "\uf0b7")  # each starts a paragraph
_NUMBERED = re.compile(r"^(\d{1,2}(\.\d{1,2})*\.?|[IVXL]{1,5}\.|[A-Z]\.)\s+\S")
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"\w[\w'\u2019]*(?:-[\w'\u2019]+)*")


class Line(NamedTuple):  # a tuple: a page has hundreds, made fast
    text: str  # "" for a blank line
    baseline: float | None = None  # first character's, in points from the bottom; None: unknown (OCR)
    last_baseline: float | None = None  # last character's (lower when PDFium joined a hyphenated line)
    size: float = 0.0  # font size of its first letter or digit (a bullet may be larger); 0: unknown
    bold: bool = False  # the whole line is bold
    run_in: int = 0  # length of a bold lead followed by regular text ("Funding. Congress ...")


@dataclass(frozen=True)
class Page:
    lines: Sequence[Line]
    height: float = 0.0  # points; 0 when unknown
    bottom: float = 0.0  # the page's lowest y (a page box need not start at 0)


@dataclass(frozen=True)
class _Body:
    """What ordinary body text looks like in this document."""

    size: float  # its font size (0: unknown)
    pitch: float  # baseline to baseline (0: unknown)
    length: int  # a typical full line's length in characters


@dataclass(frozen=True)
class Layout:
    texts: list[str]  # each page's text in paragraphs (not yet normalized)
    running: list[str]  # the running headers and footers removed, once each
    body_size: float  # the body text's font size (0: unknown)


def layout(pages: Sequence[Page]) -> Layout:
    """The pages' text without running headers and footers, in paragraphs."""
    drops = running_lines(pages)
    kept = [_without(page.lines, drop) for page, drop in zip(pages, drops, strict=True)]
    body = _body(line for lines in kept for line in lines)
    words = _Vocabulary(kept)
    running = [
        page.lines[i].text.strip() for page, drop in zip(pages, drops, strict=True) for i in sorted(drop)
    ]
    texts = [_paragraphs(lines, body, words) for lines in kept]
    return Layout(texts, list(dict.fromkeys(running)), body.size)


def running_lines(pages: Sequence[Page]) -> list[set[int]]:
    """Per page, the indexes of its running headers and footers.

    A line counts when it lies in the top or bottom band of its page and another page has a
    line with the same text (digits aside) at the same height: within SAME_HEIGHT points, found
    by bands of that height (so up to twice that apart), which keeps the work linear when a
    hostile file repeats one line a million times.
    """
    places: list[tuple[int, int, str, int]] = []  # page, line, key, height band
    pages_at: dict[tuple[str, int], set[int]] = defaultdict(set)  # (key, band) -> pages
    for number, page in enumerate(pages):
        for index, line in enumerate(page.lines):
            if line.text.strip() and line.baseline is not None and at_edge(line.baseline, page):
                key, band = running_key(line.text), round(line.baseline / SAME_HEIGHT)
                places.append((number, index, key, band))
                pages_at[key, band].add(number)
    drop: list[set[int]] = [set() for _ in pages]
    for number, index, key, band in places:
        near = (pages_at.get((key, b), set()) for b in (band - 1, band, band + 1))
        if any(len(found) > 1 or number not in found for found in near if found):
            drop[number].add(index)
    return drop


def running_key(text: str) -> str:
    """A line as running headers compare it: digits stand for any number ("Page # of #")."""
    return _DIGITS.sub("#", " ".join(text.split()).casefold())


def at_edge(baseline: float, page: Page) -> bool:
    """Whether a line lies in the top or bottom band of its page."""
    height = page.height
    up = baseline - page.bottom
    return height > 0 and (up <= height * EDGE_BAND or up >= height * (1 - EDGE_BAND))


def _without(lines: Sequence[Line], drop: set[int]) -> list[Line]:
    return [line for index, line in enumerate(lines) if index not in drop]


def _body(lines: Iterable[Line]) -> _Body:
    """The body's font size (the size of most characters), line spacing and line length."""
    lines = [line for line in lines if line.text.strip()]
    by_size: Counter[float] = Counter()
    for line in lines:
        by_size[round(line.size * 2) / 2] += len(line.text)
    size = by_size.most_common(1)[0][0] if by_size else 0.0
    pitches = [
        gap
        for before, after in itertools.pairwise(lines)
        if abs(before.size - size) < 0.5
        and abs(after.size - size) < 0.5
        and 0.8 * size <= (gap := _gap(before, after)) <= 3 * size
    ]
    lengths = sorted(len(line.text.strip()) for line in lines if abs(line.size - size) < 0.5)
    return _Body(
        size=size,
        pitch=statistics.median(pitches) if pitches else 0.0,
        length=lengths[len(lengths) * 3 // 4] if lengths else 0,
    )


class _Vocabulary:
    """The words a document uses whole on a line: evidence for a hyphen at a line break."""

    def __init__(self, pages: Sequence[Sequence[Line]]) -> None:
        self._pages = pages

    @functools.cached_property
    def words(self) -> set[str]:
        """Made at the first hyphen at a line break: most pages have none."""
        words = {word.casefold() for word in _WORD.findall("\n".join(_whole_words(self._pages)))}
        words.update(part for word in list(words) if "-" in word for part in word.split("-"))
        return words

    def joiner(self, left: str, right: str) -> str:
        """ "" when `left` + `right` is one word broken by hyphenation, "-" when the hyphen is real."""
        if not left or not right:
            return "-"
        whole, hyphened = (left + right).casefold(), f"{left}-{right}".casefold()
        if hyphened in self.words:
            return "-"
        if whole in self.words:
            return ""
        if not (left[-1].isalpha() and left[-1].islower() and right[0].isalpha() and right[0].islower()):
            return "-"  # "Russia-North", "U.S.-Mexico", "114-255", "F-35"
        both_words = left.casefold() in self.words and right.casefold() in self.words
        return "-" if both_words else ""  # "weapons-grade" but "imple-mentation"

    def mend(self, text: str) -> str:
        """The line with PDFium's marked line-break hyphens resolved (split, not a regex search,
        which rescans a long run of letters at each of its positions)."""
        if SOFT_HYPHEN not in text:
            return text
        pieces = text.split(SOFT_HYPHEN)
        mended = [pieces[0]]
        for before, after in itertools.pairwise(pieces):
            mended += [self.joiner(_trailing_word(before), _leading_word(after)), after]
        return "".join(mended)


def _whole_words(pages: Sequence[Sequence[Line]]) -> Iterable[str]:
    """The lines without the halves of words broken at their ends (no words of their own)."""
    for lines in pages:
        broken = False  # the line before ended in a hyphen
        for line in lines:
            tokens = line.text.split()
            first = 1 if broken else 0
            broken = bool(tokens) and tokens[-1].endswith("-")
            whole = tokens[first : len(tokens) - 1 if broken else len(tokens)]
            yield " ".join(token for token in whole if SOFT_HYPHEN not in token)


def _trailing_word(text: str) -> str:
    start = len(text)
    while start and _word_char(text[start - 1]):
        start -= 1
    return text[start:]


def _leading_word(text: str) -> str:
    end = 0
    while end < len(text) and _word_char(text[end]):
        end += 1
    return text[:end]


def _word_char(char: str) -> bool:
    return char.isalnum() or char in "_'\u2019"


def _paragraphs(lines: Sequence[Line], body: _Body, words: _Vocabulary) -> str:
    """One page's lines as paragraphs separated by blank lines."""
    blocks: list[list[str]] = []
    previous: Line | None = None
    ends_block = True
    previous_heading = False
    for index, line in enumerate(lines):
        text = words.mend(line.text.strip())
        if not text:
            ends_block = True
            continue
        gap = _gap(previous, line)
        following = lines[index + 1] if index + 1 < len(lines) else None
        continued = following is not None and following.text.lstrip()[:1].islower()
        heading = not continued and _is_heading(line, text, gap, _gap(line, following), body, ends_block)
        if heading and previous_heading and previous is not None and _same_heading(previous, line):
            blocks[-1] += [" ", text]  # a heading set on two lines
        elif (
            ends_block
            or heading
            or previous_heading
            or text.startswith(_BULLETS)
            or (body.pitch and gap > PARAGRAPH_GAP * body.pitch)
        ):
            blocks.extend([part] for part in ([text] if heading else _split_run_in(line, text)))
        else:
            _continue(blocks[-1], text, words)
        ends_block = heading or _ends_paragraph(text, body)
        previous, previous_heading = line, heading
    return "\n\n".join("".join(block) for block in blocks)


def _gap(above: Line | None, below: Line | None) -> float:
    """Baseline distance going down the page; 0 when unknown or when the text moves up (a column)."""
    if above is None or below is None or above.last_baseline is None or below.baseline is None:
        return 0.0
    return max(0.0, above.last_baseline - below.baseline)


def _is_heading(line: Line, text: str, gap_above: float, gap_below: float, body: _Body, starts: bool) -> bool:
    """Whether a line is a heading (see the module docstring)."""
    words = len(text.split())
    if words > 20:
        return False
    if body.size and line.size >= body.size + LARGER_FONT:
        return True
    short = len(text) < 0.8 * body.length
    if not short or text.endswith(_NO_HEADING_END) or not (text[0].isupper() or text[0].isdigit()):
        return False
    if line.bold:
        return True
    set_apart = body.pitch > 0 and gap_above > PARAGRAPH_GAP * body.pitch
    if _NUMBERED.match(text) and words <= 12 and (starts or set_apart):
        return True
    spaced_below = gap_below > 1.1 * body.pitch
    return set_apart and spaced_below and len(text) < 0.6 * body.length and words <= 10


def _same_heading(first: Line, second: Line) -> bool:
    return abs(first.size - second.size) < 0.5 and first.bold == second.bold and _gap(first, second) > 0


def _split_run_in(line: Line, text: str) -> list[str]:
    """[heading, rest] for a bold run-in heading that closes with a full stop or colon, else [text]."""
    lead = line.text[: line.run_in].strip()
    rest = text[len(lead) :].strip() if text.startswith(lead) else ""
    if not lead or not rest or not lead.endswith((".", ":")) or not rest[0].isupper():
        return [text]
    words = len(lead.split())
    if words > 10 or (words == 1 and lead.endswith(":")):  # "Sources:", "Note:" stay with their text
        return [text]
    return [lead, rest]


def _ends_paragraph(text: str, body: _Body) -> bool:
    """A short line that ends a sentence ends its paragraph."""
    return text.endswith(_SENTENCE_END) and len(text) < 0.8 * body.length


def _continue(block: list[str], text: str, words: _Vocabulary) -> None:
    """Add a line to a paragraph (a list of pieces, joined once at the end: adding to a string
    copied it at each line), rejoining a word hyphenated across the break."""
    last = block[-1]  # the previous line
    if last.endswith("-") and len(last) > 1 and not last[-2].isspace():
        left, right = _trailing_word(last[:-1]), _leading_word(text)
        block[-1] = last[:-1] + (words.joiner(left, right) if left and right else "-")
        block.append(text)  # "U.S.-" + "(Mexico)" keeps its hyphen, with no space
        return
    block += [" ", text]
