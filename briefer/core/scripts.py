"""The scripts written without spaces between words, and the words worth spelling: for the
search's analyzer and spelling suggestions, and for what must not load the search engine (the
query's size limits; the parser workers, which find each text's words where the text is)."""

from __future__ import annotations

import re

from briefer.core.textnorm import word_pieces

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
# Words worth correcting (and worth keeping in the vocabulary); the index has no words of the scripts
# written without spaces (Chinese, Japanese, Thai...), only pairs of letters: nothing to spell there.
WORD = re.compile(rf"[^\W\d_{UNSPACED}]{{3,}}")


def extra_pairs(text: str) -> int:
    """How many more words the index searches for in `text` than a word count finds: a run of n
    unspaced letters, one word to a regex, is searched as its n - 1 pairs of letters."""
    return sum(len(run) - 2 for run in _RUN.findall(text))


def words_in(*texts: str) -> set[str]:
    """The distinct `WORD`s of `texts`, in lower case: what the index keeps for suggestions.  Read
    a piece at a time: neither a lower-case copy of a long text nor a list of its words is made."""
    words: set[str] = set()
    for text in texts:
        for piece in word_pieces(text):
            words.update(WORD.findall(piece.lower()))
    return words


__all__ = ["UNSPACED", "WORD", "extra_pairs", "words_in"]
