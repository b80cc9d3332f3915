"""Hostile input cannot hang, exhaust or deceive the parsers (issue #18).

Every parser is linear in its input and runs in a worker process under the per-file time limit
and a memory limit; containers (zip archives, mailboxes, e-mails with attachments, nested) are
bounded as a whole in members and in bytes unpacked; each limit a file hits is named in its status.
Every hostile file is built here, in tmp_path.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from briefer.core import textnorm
from briefer.core.extract import extract_parts, text


def _parse_seconds(data: bytes, name: str) -> float:
    """The best of three timings of a full parse (decoding, conversion, normalization, language)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        parts = list(extract_parts(data, Path(name)))
        best = min(best, time.perf_counter() - started)
        assert parts and all(p.status in ("", "failed", "skipped") for p in parts)
    return best


def _assert_linear(make: Callable[[int], bytes], name: str, size: int = 256 * 1024) -> None:
    """Parsing 4N bytes costs about 4 times parsing N (under 8 times, generous), and far less than
    the 30 s time limit."""
    small, large = make(size), make(4 * size)
    small_seconds, large_seconds = _parse_seconds(small, name), _parse_seconds(large, name)
    assert large_seconds < 5, f"{name}: {len(large)} bytes took {large_seconds:.1f} s"
    assert large_seconds < 8 * max(small_seconds, 0.005), (
        f"{name}: {len(small)} bytes in {small_seconds:.3f} s, {len(large)} in {large_seconds:.3f} s"
    )


ADVERSARIAL_MARKDOWN: dict[str, Callable[[int], bytes]] = {
    "brackets": lambda n: b"[" * n,
    "links never closed": lambda n: b"[a](" * (n // 4),
    "images never closed": lambda n: b"![a](b " * (n // 7),
    "stars": lambda n: b"*" * n,
    "underscores": lambda n: b"_" * n,
    "bold never closed": lambda n: b"**a __b " * (n // 8),
    "backticks": lambda n: b"`" * n,
    "a heading of hashes": lambda n: b"# " + b"#" * (n - 3) + b"x",
    "hashes without end": lambda n: b"# " + b"# " * (n // 2),
    "nested lists and quotes": lambda n: b"".join(
        b"> " * (i % 40) + b"- " * (i % 7) + b"[*item*](x) __y__\n" for i in range(n // 100)
    ),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", sorted(ADVERSARIAL_MARKDOWN))
def test_adversarial_markdown_of_1_mb_parses_in_linear_time(kind: str) -> None:
    _assert_linear(ADVERSARIAL_MARKDOWN[kind], f"{kind}.md")


@pytest.mark.timeout(120)
def test_a_mailbox_of_2_mb_full_of_from_lines_parses_in_linear_time() -> None:
    def from_lines_without_end(n: int) -> bytes:  # one line of years that never ends
        return b"From someone@example.org " + b"2024 " * (n // 5)

    def many_messages(n: int) -> bytes:
        message = b"From a@example.org Mon Jan  1 00:00:00 2024\nSubject: s\n\nbody\n"
        return message * (n // len(message))

    _assert_linear(from_lines_without_end, "box.mbox", size=512 * 1024)
    _assert_linear(many_messages, "box.mbox", size=128 * 1024)


@pytest.mark.timeout(60)
def test_a_pdf_page_hyphenated_on_every_line_is_joined_in_linear_time() -> None:
    from briefer.core.extract.pdf import _paragraphs

    def seconds(lines: int) -> float:
        started = time.perf_counter()
        joined = _paragraphs("ab-\n" * lines + "end.")
        assert joined == "ab" * lines + "end."
        return time.perf_counter() - started

    assert seconds(400_000) < 8 * max(seconds(100_000), 0.005)


# -- the linear code computes what the regexes did --------------------------------------------------
_OLD_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_OLD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_OLD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
MARKDOWNISH = hs.text(alphabet="#*_[]()!` \t\nab", max_size=60)


@settings(max_examples=400, deadline=None)
@given(MARKDOWNISH)
def test_markdown_becomes_the_same_text_as_with_the_old_regexes(markdown: str) -> None:
    old = _OLD_EMPHASIS.sub(r"\2", _OLD_LINK.sub(r"\1", _OLD_HEADING.sub(r"\1", markdown)))
    assert text._markdown_to_text(markdown) == old
    old_heading = _OLD_HEADING.search(markdown)
    heading = text._HEADING.search(markdown)
    assert (heading and heading.group(1)) == (old_heading and old_heading.group(1))


@settings(max_examples=300, deadline=None)
@given(hs.text(alphabet=" \t\n\xa0ab", max_size=40))
def test_the_first_line_is_the_same_as_split_into_lines(body: str) -> None:
    old = next((line.strip() for line in body.split("\n") if line.strip()), "")[:5]
    assert text._first_line(body, limit=5) == old


def _old_normalize(raw: str) -> str:
    """textnorm.normalize before it worked in pieces: the rules, in one go."""
    spaced = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    controls = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe\uffff]"
    spaced = re.sub(controls, "", spaced.replace("\u2029", "\n\n"))
    blocks = re.split(r"\n[ \t\u00a0]*\n", spaced.replace("\u2028", "\n"))
    return "\n\n".join(p for p in (re.sub(r"\s+", " ", b).strip() for b in blocks) if p)


# Characters that compose, reorder, break paragraphs, count as spaces or are dropped.
TRICKY = "ae.\u0301\u0327\u0323 \t\n\r\xa0\u2028\u2029\x00\x0b\ufeff\u3000\u2000"
TRICKY += "\u1100\u1161\u11a8\u0b47\u0b3e"  # Hangul jamo and an Oriya vowel sign: starters that compose


@settings(max_examples=600, deadline=None)
@given(hs.text(alphabet=TRICKY, max_size=80), hs.integers(min_value=1, max_value=9))
def test_text_normalized_in_pieces_is_the_text_normalized_in_one_go(raw: str, piece: int) -> None:
    whole = textnorm.PIECE_CHARS
    textnorm.PIECE_CHARS = piece
    try:
        assert textnorm.normalize(raw) == _old_normalize(raw)
    finally:
        textnorm.PIECE_CHARS = whole
