"""'Did you mean': corrections for the words of a query, from the archive's own words.

Corrections come from the words as the archive writes them (an unstemmed
vocabulary: corrections over stems give nonsense such as "opek prises" ->
"seek rise"), and are ranked by how well they fit the query's other words.
The index provides the vocabulary (`Vocabulary`); nothing here knows Whoosh.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from briefer.core.scripts import WORD, words_in

MAX_EDITS = 2
RARE_WORD = 2  # a known word in at most this many documents may still be a typo...
COMMONER = 20  # ...when a word one edit away is this many times more common
FEW_RESULTS = 5  # ...and the query finds fewer documents than this
KEEP = 8  # candidates weighed per word


class Vocabulary(Protocol):
    """What the index tells about the archive's words."""

    def has_word(self, word: str) -> bool:
        """Whether the archive uses `word` exactly (lower case)."""

    def spelled_like(self, word: str) -> Iterable[str]:
        """The archive's words that may be up to two edits from `word` (a superset: each is checked)."""

    def popularity(self, word: str) -> int:
        """How many documents use `word`, in any form (title and text counted apart)."""

    def docs_with(self, word: str) -> set[int]:
        """The documents that use `word`, in any form."""


def suggest(
    vocabulary: Vocabulary, original: str, words: Sequence[tuple[int, int, str]], *, rare_too: bool = True
) -> str:
    """`original` with each word the archive does not know replaced by its likeliest correction;
    '' when every word is known.

    `words` are the plain words of the query with their spans in `original`.
    Candidates are known words one edit away (two when none is), ranked by how
    many documents contain them together with the query's other words, weighed
    by how common they are: "opek prices" is "opec prices" even where "oper"
    (operating, in earnings tables) is the commoner word.  `rare_too` also
    questions known words that hardly occur (archives have typos too).
    """
    lowered = [word.lower() for _, _, word in words]
    choices: dict[int, list[str]] = {}
    questioned: dict[str, list[str] | None] = {}  # a word typed twice is looked at once
    for i, lower in enumerate(lowered):
        if lower not in questioned:
            questioned[lower] = _questioned(vocabulary, lower, rare_too=rare_too)
        found = questioned[lower]
        if found is not None:
            choices[i] = found
    picks = {i: found[0] for i, found in choices.items() if found}
    _pick_by_context(vocabulary, lowered, choices, picks)
    if not picks:
        return ""
    out, pos = [], 0
    for i in sorted(picks):
        start, end, word = words[i]
        better = picks[i].capitalize() if word[:1].isupper() else picks[i]
        out += [original[pos:start], better]
        pos = end
    return "".join([*out, original[pos:]])


def _questioned(vocabulary: Vocabulary, word: str, *, rare_too: bool) -> list[str] | None:
    """The corrections to weigh for `word` (perhaps none), or None when it is not in question."""
    if not WORD.fullmatch(word):
        return None
    if not vocabulary.has_word(word):
        return _candidates(vocabulary, word)
    if rare_too and (used := vocabulary.popularity(word)) <= RARE_WORD:
        return _candidates(vocabulary, word, at_least=COMMONER * max(1, used))
    return None


def _pick_by_context(
    vocabulary: Vocabulary, lowered: list[str], choices: dict[int, list[str]], picks: dict[int, str]
) -> None:
    """For each word with several candidates, pick the one that fits the query's other words (as
    corrected so far) best.  The documents of the words before and after each one are intersected
    as a running product, once: intersecting all the others for each word grew with the square of
    the query's length."""
    ambiguous = {i for i, found in choices.items() if len(found) > 1}
    if not ambiguous:
        return
    docs: dict[str, set[int]] = {}

    def docs_of(word: str) -> set[int]:
        if word not in docs:
            docs[word] = vocabulary.docs_with(word)
        return docs[word]

    # The other words that count: those not in question, and the corrected ones.  A word's
    # documents are read only when an ambiguous word before or after it needs them as context
    # (a common word's are many: a one-word query reads none).
    counted = [j in picks or j not in choices for j in range(len(lowered))]
    first, last = min(ambiguous), max(ambiguous)
    after: dict[int, set[int] | None] = {}  # the words after each ambiguous one, as first picked
    running: set[int] | None = None
    for j in reversed(range(len(lowered))):
        if j in ambiguous:
            after[j] = running
        if counted[j] and j > first:
            running = _meet(running, docs_of(picks.get(j, lowered[j])))
    before: set[int] | None = None  # the words before, as picked by then
    for i in range(len(lowered)):
        if i in ambiguous:
            context = _meet(before, after[i])
            if context:
                # Shared documents, weighed by how much of the candidate's use they are: a common
                # word shares many documents with anything.
                found = choices[i]
                fit = {c: len(docs_of(c) & context) ** 2 / max(1, vocabulary.popularity(c)) for c in found}
                picks[i] = max(found, key=lambda c: fit[c])  # ties keep the popularity order
        if counted[i] and i < last:
            before = _meet(before, docs_of(picks.get(i, lowered[i])))


def _meet(docs: set[int] | None, more: set[int] | None) -> set[int] | None:
    """The documents in both (None stands for no restriction)."""
    if docs is None:
        return more
    return docs if more is None else docs & more


def _candidates(vocabulary: Vocabulary, word: str, at_least: int = 1) -> list[str]:
    """Known words one edit from `word` (else two), the most widely used first."""
    known = [c for c in one_edit(word) if vocabulary.has_word(c)]
    if not known and len(word) > 3:  # two edits: words that start as typed, of a length that can fit
        for candidate in vocabulary.spelled_like(word):
            if abs(len(candidate) - len(word)) <= MAX_EDITS and edit_distance(word, candidate) <= MAX_EDITS:
                known.append(candidate)
    ranked = sorted(
        ((vocabulary.popularity(c), c) for c in known if c != word), key=lambda pc: (-pc[0], pc[1])
    )
    return [c for n, c in ranked[:KEEP] if n >= at_least]


def one_edit(word: str) -> set[str]:
    """Every string one deletion, swap, replacement or insertion away from `word`."""
    letters = "abcdefghijklmnopqrstuvwxyz" + "".join(sorted({c for c in word if c.isalpha()}))
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in letters]
    inserts = [a + c + b for a, b in splits for c in letters]
    return set(deletes + swaps + replaces + inserts)


def edit_distance(a: str, b: str, limit: int = MAX_EDITS) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), or `limit + 1` once it is beyond."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, y in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


__all__ = ["WORD", "Vocabulary", "edit_distance", "one_edit", "suggest", "words_in"]
