"""A multi-word alias (and any phrase) matches, counts and is highlighted only as the whole phrase:
searching DPRK must not light up "Republic of Korea" in a text about South Korea, nor "people"."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from briefer.core.archive import Archive
from briefer.core.search.analysis import MatchTerms, match_spans
from briefer.core.search.query import SearchRequest
from tests.conftest import write_article

SEOUL = (
    "The Republic of Korea (ROK) hosted Japanese officials in Seoul.\n\n"
    "The people of the Republic of Korea watched the talks; officials said the Republic of Korea "
    "would host the next round."
)
NORTH = (
    "The Democratic People\u2019s Republic of Korea fired a missile on Friday.\n\n"
    "Its people were told of the launch. The Republic of Korea protested."
)


@pytest.fixture(scope="module")
def korea(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """Two articles, imported once for the module's searches (which change nothing)."""
    folder = tmp_path_factory.mktemp("korea")
    write_article(folder, "seoul", SEOUL, title="Seoul hosts talks")
    write_article(folder, "north", NORTH, title="Missile test")
    archive = Archive(tmp_path_factory.mktemp("korea-data") / "data")
    assert archive.import_paths([folder]).counts["imported"] == 2
    return archive


def marked(text: str, spans: Sequence[tuple[int, int]]) -> list[str]:
    return [text[a:b] for a, b in spans]


def test_a_multi_word_alias_matches_counts_and_highlights_only_as_the_whole_phrase(korea: Archive) -> None:
    results = korea.search(SearchRequest("DPRK", relax=False))
    assert [h.document.title for h in results.hits] == ["Missile test"]  # Seoul's text never matches
    (hit,) = results.hits
    text = hit.document.text
    phrase = "Democratic People\u2019s Republic of Korea"
    assert hit.matches == 1  # not "people", "Republic" and "Korea" one by one (7 of them)
    assert marked(hit.snippet.text, hit.snippet.highlights) == [phrase]
    assert [marked(p.text, p.highlights) for p in hit.passages] == [[phrase]]
    # The reader marks the same spans: the hit's, and what the results' terms find in the text.
    assert marked(text, hit.spans) == [phrase]
    assert marked(text, results.terms.spans(text)) == [phrase]


def test_the_relaxed_tier_does_not_mark_the_words_of_an_alias_phrase(korea: Archive) -> None:
    # No document has both: the relaxed tier includes Seoul's for "officials" alone.
    results = korea.search(SearchRequest("DPRK officials"))
    seoul = next(h for h in results.hits if h.document.title == "Seoul hosts talks")
    assert seoul.match == "most"
    assert {w.lower() for w in marked(seoul.snippet.text, seoul.snippet.highlights)} == {"officials"}
    assert seoul.matches == 2
    for passage in seoul.passages:
        assert {w.lower() for w in marked(passage.text, passage.highlights)} == {"officials"}
    assert korea.search("DPRK").terms.spans(SEOUL) == []


def test_typed_phrases_are_marked_whole_and_words_inside_them_once(korea: Archive) -> None:
    text = "North Korea and South Korea met. Korea is divided."
    spans = korea.search('korea "north korea"').terms.spans(text)
    assert marked(text, spans) == ["North Korea", "Korea", "Korea"]  # the phrase once, then the words
    # Stop words and punctuation between the words are part of the phrase, as in the index.
    assert marked(SEOUL, korea.search('"republic korea"').terms.spans(SEOUL))[0] == "Republic of Korea"


def test_match_spans_takes_phrases_of_stems() -> None:
    text = "The shells were artillery shells; shelling artillery continued."
    assert marked(text, match_spans(text, frozenset({("artilleri", "shell")}))) == ["artillery shells"]
    assert MatchTerms(frozenset({("artilleri", "shell")})).spans(text) == match_spans(
        text, frozenset({("artilleri", "shell")})
    )
    assert marked(text, match_spans(text, frozenset({("shell",)}))) == ["shells", "shells", "shelling"]


def test_only_the_variants_of_several_words_are_searched_as_phrases(korea: Archive) -> None:
    """Phrases cost more to evaluate: a one-word variant stays a plain word."""
    index = korea.index
    leaves = list(index.parse(index.prepare("DPRK").text).leaves())
    phrases = {" ".join(q.words) for q in leaves if type(q).__name__ == "Phrase"}
    words = {q.text for q in leaves if type(q).__name__ == "Term"}
    assert phrases == {"north korea", "democrat peopl republ korea"}
    assert words == {"dprk", "pyongyang"}
