"""The words the index keeps for spelling suggestions are found by the parser worker that read the
text, once: the importing process, the busiest of an import, does not read each text again."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefer.core import scripts
from briefer.core.archive import Archive, workers
from briefer.core.documents import Extracted
from briefer.core.extract import Part
from briefer.core.search import spelling
from briefer.core.textnorm import PIECE_CHARS
from tests.conftest import write_article

TEXTS = [
    ("Satellite launch", "The satellite launch from Vostochny drew protests_2024 and 3,000 comments."),
    ("", "Ünïcode wörds, ÉCOLE, straße; 東京都で会議 and ไทย stay out; a1b2 no."),
    ("Long", ("filler words " * (PIECE_CHARS // 13 + 5)) + "lastword"),  # read in two pieces
    ("Empty", ""),
]


@pytest.mark.parametrize(("title", "text"), TEXTS)
def test_a_parser_worker_sends_the_words_the_index_would_find(title: str, text: str) -> None:
    part = Part("", Extracted(text=text, title=title))
    _, signed, words = workers._Prepare(sign=False, words=True)(part)
    assert signed is None and words is not None
    assert set(words.split()) == scripts.words_in(title, text)
    assert len(words.split()) == len(scripts.words_in(title, text))  # each once
    assert workers._Prepare(sign=False, words=False)(part)[2] is None


def test_a_text_too_long_for_the_worker_s_time_leaves_its_words_to_the_importing_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workers, "SIGN_MAX_CHARS", 40)
    long = Part("", Extracted(text="word " * 9, title="t"))
    assert workers._Prepare(sign=True, words=True)(long)[1:] == (None, None)


def test_imported_texts_are_not_read_again_for_their_words_and_suggestions_still_come(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n, (title, text) in enumerate(TEXTS[:2]):
        write_article(tmp_path / "news", f"a{n}", text, title=title)
    found_here = 0
    real = spelling.words_in

    def counted(*texts: str) -> set[str]:
        nonlocal found_here
        found_here += 1
        return real(*texts)

    monkeypatch.setattr(spelling, "words_in", counted)  # the importing process's, not the workers'
    with Archive(tmp_path / "data") as archive:
        assert archive.import_paths([tmp_path / "news"]).counts["imported"] == 2
        assert found_here == 0
        assert archive.search("satelite launch").suggestion == "satellite launch"
        assert archive.search("strase").suggestion == "straße"
