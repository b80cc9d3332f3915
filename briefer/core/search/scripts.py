"""The scripts written without spaces between words, for the analyzer (analysis.py) and for the
parts of the search that must not import Whoosh (the query's size limits)."""

from __future__ import annotations

import re

# The letters (and their vowel signs and tone marks) of scripts written without spaces between
# words; their punctuation and the Katakana middle dot separate runs like any punctuation.
UNSPACED = (
    "\u0e01-\u0e3a\u0e40-\u0e4e"  # Thai
    "\u0e81-\u0edf"  # Lao
    "\u1000-\u1049\u1050-\u109f"  # Myanmar
    "\u1780-\u17d3\u17d7\u17dc\u17dd"  # Khmer
    "\u3005-\u3007\u303b"  # iteration and closing marks, ideographic zero
    "\u3041-\u309f"  # Hiragana
    "\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # Katakana, half-width too
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # Han
)
_RUN = re.compile(f"[{UNSPACED}]{{3,}}")


def extra_pairs(text: str) -> int:
    """How many more words the index searches for in `text` than a word count finds: a run of n
    unspaced letters, one word to a regex, is searched as its n - 1 pairs of letters."""
    return sum(len(run) - 2 for run in _RUN.findall(text))


__all__ = ["UNSPACED", "extra_pairs"]
