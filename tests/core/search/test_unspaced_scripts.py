"""Every script searchable (issue #21): Chinese, Japanese and Thai read as pairs of letters.

An archive of 200 generated Chinese and Japanese articles mixed with English, with known counts:
100 hold 日本, 21 hold 中国, 5 the run 中华人民共和国, and others hold only look-alikes split by
a Latin letter, a space or punctuation (日A本, 中 国, 中华。人民, 本日), which must not match.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh import fields

from briefer import cli
from briefer.core.archive import Archive
from briefer.core.search import QueryTooLong, SearchRequest
from briefer.core.search.analysis import ANALYZER, MatchTerms, analyzed
from briefer.core.search.index import SCHEMA, SCHEMA_VERSION
from briefer.core.search.query import MAX_WORDS
from briefer.core.search.results import SNIPPET_CHARS, make_passages, make_snippet
from tests.conftest import ArchiveTemplate, write_article

DOCUMENTS = 200
QUICK = 2.0  # seconds: a refusal or an answer "at once", with room for a loaded machine
JAPAN = frozenset(range(0, DOCUMENTS, 2))  # 100 articles hold 日本
CHINA = frozenset(range(0, 63, 3))  # 21 hold 中国
PRC = frozenset({1, 7, 33, 77, 151})  # 5 hold 中华人民共和国
JAPAN_LOOKALIKES = ("日A本", "日 本", "日、本", "本日", "日Tokyo本")
CHINA_LOOKALIKES = ("中 国", "中。国", "国中", "中x国")
PRC_LOOKALIKES = ("中华。人民", "人民中华", "中华 人民")
# Filler words that hold none of the letters searched for (日 本 中 国 华 人 民), so no pair of
# them is one of the words searched.
CHINESE = ("经济", "政策", "会议", "发展", "合作", "安全", "市场", "银行", "汽车", "东京", "外交", "部长")
JAPANESE = ("です", "ました", "について", "経済", "会談", "首相", "外務省", "東京", "発表", "政府")
ENGLISH = (
    "The committee met in Geneva on Tuesday.",
    "Officials declined to comment on the talks.",
    "Markets closed higher after the announcement.",
)
KOREAN = "한국어 기사: 서울에서 외교 회담이 열렸다."
RUSSIAN = "Москва и Пекин обсудили торговлю."
THAI = "รัฐบาลประเทศไทยประกาศนโยบายใหม่"
MAINLAND = "ປະເທດລາວ ព្រះរាជាណាចក្រកម្ពុជា မြန်မာနိုင်ငံ"  # Lao, Khmer, Myanmar


def _article(number: int, rng: random.Random) -> str:
    filler = JAPANESE if number % 4 < 2 else CHINESE
    pieces: list[str] = []
    for _ in range(rng.randint(30, 60)):
        pieces.append(rng.choice(filler))
        if rng.random() < 0.1:
            pieces.append("。" if rng.random() < 0.5 else "，")
    wanted = []
    if number in JAPAN:
        wanted += ["日本"] * rng.randint(1, 3)
    if number in CHINA:
        wanted += ["中国"]
    if number in PRC:
        wanted += ["中华人民共和国"]
    lookalikes = []
    if number not in JAPAN:
        lookalikes.append(rng.choice(JAPAN_LOOKALIKES))
    if number not in CHINA:
        lookalikes.append(rng.choice(CHINA_LOOKALIKES))
    if number not in PRC:
        lookalikes.append(rng.choice(PRC_LOOKALIKES))
    for word in wanted + lookalikes:
        pieces.insert(rng.randrange(len(pieces) + 1), word)  # inside a run of other letters, mostly
    english = rng.choice(ENGLISH)
    return "".join(pieces[:20]) + f" {english} " + "".join(pieces[20:]) + "\n\n" + rng.choice(ENGLISH)


def _write_articles(folder: Path) -> None:
    rng = random.Random(21)
    for number in range(DOCUMENTS):
        write_article(folder, f"cjk-{number:03}", _article(number, rng), title=f"Dispatch {number}")
    write_article(folder, "korean", KOREAN, title="Seoul dispatch")
    write_article(folder, "russian", RUSSIAN, title="Moscow dispatch")
    write_article(folder, "thai", THAI, title="Bangkok dispatch")
    write_article(folder, "mainland", MAINLAND, title="Mekong dispatch")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> ArchiveTemplate:
    return ArchiveTemplate.of_files(tmp_path_factory.mktemp("cjk"), _write_articles)


@pytest.fixture
def desk(template: ArchiveTemplate, tmp_path: Path) -> Iterator[Archive]:
    with Archive(template.copy_to(tmp_path / "data")) as opened:
        yield opened


def _numbers(archive: Archive, query: str) -> set[int]:
    results = archive.search(SearchRequest(query, limit=DOCUMENTS + 10, collapse=False, relax=False))
    assert results.total == len(results.hits)
    return {
        int(hit.document.title.split()[-1]) for hit in results.hits if hit.document.title.startswith("Disp")
    }


def _occurrences(text: str, word: str) -> list[tuple[int, int]]:
    return [(m.start(), m.start() + len(word)) for m in re.finditer(f"(?={re.escape(word)})", text)]


@pytest.mark.parametrize(("word", "expected"), [("日本", JAPAN), ("中国", CHINA), ("中华人民", PRC)])
def test_every_article_with_the_word_is_found_and_no_lookalike(
    desk: Archive, word: str, expected: frozenset[int]
) -> None:
    """Recall 100 %, precision 100 %: the letters split by a Latin letter, a space or punctuation
    (日A本, 中 国, 中华。人民) are no match, nor the pair reversed (本日), nor the run's letters
    in another order (人民中华)."""
    found = _numbers(desk, word)
    assert found == expected, (len(found), len(expected))


def test_highlights_snippets_and_passages_land_on_the_word(desk: Archive) -> None:
    results = desk.search(SearchRequest("日本", limit=DOCUMENTS, collapse=False))
    assert len(results.hits) == len(JAPAN)
    for hit in results.hits:
        text = hit.document.text
        assert list(hit.spans) == _occurrences(text, "日本")  # every occurrence, at its exact offsets
        assert hit.matches == len(hit.spans)
        snippet = hit.snippet
        assert snippet.highlights and all(
            snippet.text[a:b] == "日本" == text[snippet.start + a : snippet.start + b]
            for a, b in snippet.highlights
        )
        for passage in hit.passages:
            assert passage.highlights and all(passage.text[a:b] == "日本" for a, b in passage.highlights)
            assert text[passage.start : passage.end] == passage.text  # a quote of it cites these offsets


def test_a_longer_query_is_the_phrase_of_its_pairs_and_is_marked_whole(desk: Archive) -> None:
    for hit in desk.search(SearchRequest("中华人民", limit=20)).hits:
        assert [hit.document.text[a:b] for a, b in hit.spans] == ["中华人民"]
    mixed = desk.search(SearchRequest("日本 Geneva", limit=DOCUMENTS, collapse=False, relax=False))
    assert {h.document.title for h in mixed.hits} <= {f"Dispatch {n}" for n in JAPAN}
    assert all({h.document.text[a:b] for a, b in h.spans} <= {"日本", "Geneva"} for h in mixed.hits)


@pytest.mark.parametrize(
    ("query", "title", "marked"),
    [
        ("서울에서", "Seoul dispatch", "서울에서"),
        ("Москва", "Moscow dispatch", "Москва"),
        ("ไทย", "Bangkok dispatch", "ไทย"),
        ("ລາວ", "Mekong dispatch", "ລາວ"),
        ("កម្ពុជា", "Mekong dispatch", "កម្ពុជា"),
        ("မြန်မာ", "Mekong dispatch", "မြန်မာ"),
    ],
)
def test_korean_cyrillic_thai_lao_khmer_and_myanmar_are_found_and_marked(
    desk: Archive, query: str, title: str, marked: str
) -> None:
    """Korean keeps its words (spaces separate them); Thai, Lao, Khmer and Myanmar, written without
    spaces, are read in pairs of letters like Chinese, so a word inside a run (ประเทศไทย) is found,
    its vowel signs and tone marks with it."""
    hits = desk.search(query).hits
    assert [h.document.title for h in hits] == [title]
    assert [hits[0].document.text[a:b] for a, b in hits[0].spans] == [marked]


def test_a_lone_letter_is_read_alone_and_a_run_as_its_pairs() -> None:
    text = "東京都、日A本 Tokyo"
    assert [(term, text[a:b]) for term, a, b in analyzed(text) if term] == [
        ("東京", "東京"),
        ("京都", "京都"),
        ("日", "日"),
        ("本", "本"),
        ("tokyo", "Tokyo"),
    ]
    # A query's word goes through the same analyzer: three letters are the phrase of two pairs.
    assert [t.text for t in ANALYZER("京都と", mode="query")] == ["京都", "都と"]
    assert MatchTerms(frozenset({("日",)})).spans(text) == [(4, 5)]  # the lone 日, not the one in 日本
    assert MatchTerms(frozenset({("日",)})).spans("日本") == []
    # Phrases across scripts are marked whole, in a text with unspaced letters as in one without.
    mixed = "原油crude oil价格，在東京Olympics开幕"
    phrases = MatchTerms(frozenset({("crude", "oil"), ("東京", "olympic")}))
    assert [mixed[a:b] for a, b in phrases.spans(mixed)] == ["crude oil", "東京Olympics"]
    assert [t.text for t in ANALYZER("東京Olympics", mode="query")] == ["東京", "olympic"]


def test_fast_indexing_gives_the_analyzer_s_own_postings_for_every_script() -> None:
    text = (
        "日本の経済は東京で。中华人民共和国 ประเทศไทย 한국어 단어 Москва shells 日A本 X東京Y " * 3
        + "gap " * 300
        + "人"
    )
    body, reference = SCHEMA["body"], fields.TEXT(analyzer=ANALYZER)

    def postings(field: object) -> dict[bytes, tuple[int, float, list[int]]]:
        return {
            term: (freq, weight, field.format.decode_positions(value))  # type: ignore[attr-defined]
            for term, freq, weight, value in field.index(text)  # type: ignore[attr-defined]
        }

    assert postings(body) == postings(reference)
    assert "日本".encode() in postings(body) and "人".encode() in postings(body)


def test_an_index_of_the_old_analyzer_is_rebuilt_when_opened(
    template: ArchiveTemplate, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An index whose marker names an older version (one that read 日本の経済 as one word) is
    rebuilt from the catalog when the archive opens, saying so on stderr; nothing is lost."""
    data = template.copy_to(tmp_path / "data")
    marker = data / "whoosh" / "briefer-index.json"
    assert json.loads(marker.read_text(encoding="utf-8"))["schema"] == SCHEMA_VERSION
    marker.write_text(json.dumps({"format": "briefer.index", "schema": SCHEMA_VERSION - 1}), encoding="utf-8")
    capsys.readouterr()
    search = ["search", "--ids", "--no-collapse", "--limit", str(DOCUMENTS), "日本"]
    assert cli.main(["--data-dir", str(data), *search]) == 0
    out, err = capsys.readouterr()
    assert "the search index is of another version and is rebuilt" in err
    assert f"the search index was rebuilt from the catalog ({DOCUMENTS + 4} documents)" in err
    assert len(out.split()) == len(JAPAN)
    assert json.loads(marker.read_text(encoding="utf-8"))["schema"] == SCHEMA_VERSION
    with Archive(data) as reopened:
        assert not reopened.notices  # rebuilt once: the next start finds it current
        assert reopened.search(SearchRequest("中国", collapse=False)).total == len(CHINA)
        assert reopened.catalog.count_documents() == DOCUMENTS + 4


def test_no_spelling_is_offered_for_unspaced_scripts(desk: Archive) -> None:
    """The vocabulary behind 'did you mean' holds the archive's spaced words only: a run of Chinese
    or Japanese letters is no word to correct (it held whole clauses: 経済です外務省...)."""
    assert desk.index.words("経") == [] and desk.index.words("日") == []
    assert desk.index.words("tok") == ["tokyo"]  # the Latin word between 日 and 本 is kept
    for query in ("日本国", "経済会議", "ประเทศลาว"):
        assert desk.search(query).suggestion == ""


def test_a_long_run_counts_its_pairs_against_the_query_size_limit(desk: Archive) -> None:
    """A run of n letters is searched as a phrase of n - 1 pairs, and is counted so: a pasted page
    of Chinese (19,000 letters, 7 s of work before) is refused at once; 201 letters are answered."""
    rng = random.Random(5)
    page = "".join(rng.choice(CHINESE + JAPANESE) for _ in range(8000))[:19_000]
    started = time.perf_counter()
    with pytest.raises(
        QueryTooLong, match=rf"^the query has {len(page) - 1:,} words; a query may have at most"
    ):
        desk.search(page)
    assert time.perf_counter() - started < QUICK
    started = time.perf_counter()
    assert desk.search(page[: MAX_WORDS + 1]).total == 0
    assert time.perf_counter() - started < QUICK


def test_a_snippet_of_a_long_run_without_punctuation_stays_short(tmp_path: Path) -> None:
    """A snippet never cuts a word, but letters of a run are no words: in 3,000 letters with no
    punctuation (text extracted from a PDF that lost it) the snippet is about SNIPPET_CHARS long,
    around the match, not the whole run."""
    rng = random.Random(3)
    run = "".join(rng.choice(CHINESE) for _ in range(1500))
    text = run[:1500] + "日本" + run[1500:3000] + " Tokyo"
    snippet = make_snippet(text, MatchTerms(frozenset({("日本",)})).spans(text))
    assert len(snippet.text) <= SNIPPET_CHARS
    assert [snippet.text[a:b] for a, b in snippet.highlights] == ["日本"]
    assert text[snippet.start : snippet.start + len(snippet.text)] == snippet.text


def test_a_passage_of_a_long_chinese_paragraph_holds_its_match() -> None:
    """Chinese sentences end at a full stop (。) with no space after: a paragraph of 3,000 letters is cut to
    its best sentences around the match, not to its first 1,200 letters (which lack it)."""
    rng = random.Random(4)
    paragraph = "".join(rng.choice(CHINESE) + ("。" if rng.random() < 0.1 else "") for _ in range(1500))
    text = paragraph[:2000] + "日本" + paragraph[2000:]
    (passage,) = make_passages(text, MatchTerms(frozenset({("日本",)})).spans(text))
    assert [passage.text[a:b] for a, b in passage.highlights] == ["日本"]
    assert passage.text == text[passage.start : passage.end] and passage.text.endswith("。")
