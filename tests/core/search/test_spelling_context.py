"""Did-you-mean weighs a misspelt word's corrections by the query's other words, and reads a
word's documents only when another word needs them as context: a one-word query reads none
(on a team archive each read is every document of a common correction, over the network)."""

from __future__ import annotations

from collections.abc import Iterable

from briefer.core.search.spelling import suggest

# "opec" is rarer than "oper" (operating, in earnings tables) but goes with "prices".
DOCS = {
    "opec": {1, 2, 3},
    "oper": {4, 5, 6, 7, 8, 9, 10, 11},
    "prices": {1, 2, 3, 4},
    "output": {2, 3},
}


class CountingVocabulary:
    """A vocabulary of DOCS that counts which words' documents were read."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def has_word(self, word: str) -> bool:
        return word in DOCS

    def spelled_like(self, word: str) -> Iterable[str]:
        return list(DOCS)

    def popularity(self, word: str) -> int:
        return len(DOCS.get(word, ()))

    def docs_with(self, word: str) -> set[int]:
        self.read.append(word)
        return DOCS.get(word, set())


def spans(query: str) -> list[tuple[int, int, str]]:
    found, pos = [], 0
    for word in query.split():
        start = query.index(word, pos)
        found.append((start, start + len(word), word))
        pos = start + len(word)
    return found


def test_a_one_word_query_reads_no_documents() -> None:
    vocabulary = CountingVocabulary()
    assert suggest(vocabulary, "opek", spans("opek")) == "oper"  # the commoner, with nothing to go by
    assert vocabulary.read == []


def test_the_other_words_pick_the_correction_that_fits() -> None:
    vocabulary = CountingVocabulary()
    assert suggest(vocabulary, "opek prices", spans("opek prices")) == "opec prices"
    assert suggest(CountingVocabulary(), "prices opek output", spans("prices opek output")) == (
        "prices opec output"
    )
    assert "prices" in vocabulary.read  # the context was read, as it must be
