"""Hostile queries cannot hang or exhaust a search: long, deeply nested, heavily OR'ed or chained
queries are answered or refused at once with their size, and the work grows in proportion to the
query (issue #18)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from briefer.core.archive import Archive
from briefer.core.query import (
    MAX_DEPTH,
    MAX_LOOKUPS,
    MAX_WORDS,
    QueryError,
    QueryTooBroad,
    QueryTooLong,
    SearchRequest,
)

QUICK = 10.0  # seconds: generous on a loaded CI machine; before the fixes a 1,000-word query took 41 s
WORDS = ["artillery", "shells", "rail", "satellite", "launch", "sanctions", "brokers", "korea", "missile"]
WORDS += ["summit", "cargo", "wheat"]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    folder = tmp_path_factory.mktemp("articles")
    for n in range(40):
        words = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(60))
        (folder / f"a{n}.txt").write_text(f"Title: Report {n}\n\n{words}.\n", encoding="utf-8")
    data = tmp_path_factory.mktemp("data")
    (data / "aliases.tsv").write_text(
        "DPRK\tNorth Korea\tPyongyang\nrail\trailway\ttrain\n", encoding="utf-8"
    )
    with Archive(data) as archive:
        archive.import_paths([folder])
        yield archive


def answered(archive: Archive, query: str) -> tuple[float, int | QueryError]:
    """How long the search took, and its total or the error that explained the query away."""
    started = time.perf_counter()
    try:
        outcome: int | QueryError = archive.search(query).total
    except QueryError as exc:
        outcome = exc
    return time.perf_counter() - started, outcome


def python_calls(work: Callable[[], object]) -> int:
    """How many Python functions `work` calls: a measure of its work that no machine load changes."""
    count = 0

    def counting(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(counting)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


# -- item 1: the size of a query ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "said"),
    [
        (" ".join(f"{WORDS[i % 12]}{i}" for i in range(1000)), "the query has 1,000 words"),
        ("(" * 1000 + "shells" + ")" * 1000, "the query nests parentheses 1,000 deep"),
        (" OR ".join(f"w{i}" for i in range(500)), "the query has 500 words"),
        ('"' + " ".join(f"w{i}" for i in range(1000)) + '"', "the query has 1,000 words"),
        ("NOT " * 800 + "shells", "the query has 801 words, operators and brackets"),
        ("shells " * 5000, "the query has 35,000 characters"),
    ],
    ids=["1000-words", "1000-deep", "500-ored", "1000-word-phrase", "800-nots", "35000-chars"],
)
def test_a_huge_query_is_refused_at_once_saying_how_big_it_is(desk: Archive, query: str, said: str) -> None:
    took, outcome = answered(desk, query)
    assert took < QUICK
    assert isinstance(outcome, QueryTooLong), outcome
    assert str(outcome).startswith(said) and "at most" in str(outcome) and "\n" not in str(outcome)


@pytest.mark.parametrize(
    "query",
    [
        " ".join(f"{WORDS[i % 12]}{i}" for i in range(MAX_WORDS)),  # unknown words: spelling suggestions too
        " ".join(WORDS[i % 12] for i in range(MAX_WORDS)),
        " OR ".join(f"w{i}" for i in range(MAX_WORDS)),
        " ".join(f"dprk rail{i}" for i in range(MAX_WORDS // 2)),  # aliases
        "(" * MAX_DEPTH + "shells OR rail" + ")" * MAX_DEPTH,
        " ANDNOT ".join(["shells", *(f"w{i}" for i in range(MAX_WORDS - 1))]),  # once 2**199 steps
        " ANDMAYBE ".join(WORDS[i % 12] for i in range(MAX_WORDS)),
        "shells " + " ".join(f"-w{i}" for i in range(MAX_WORDS - 1)),
    ],
    ids=["unknown", "known", "ored", "aliases", "deepest", "andnot-chain", "andmaybe-chain", "excluded"],
)
def test_the_largest_queries_allowed_are_answered_quickly(desk: Archive, query: str) -> None:
    took, outcome = answered(desk, query)
    assert took < QUICK
    assert isinstance(outcome, int), outcome


def _distinct_words(count: int, tag: str) -> list[str]:
    return [f"{tag}{count}x{i}" for i in range(count)]


@pytest.mark.parametrize(
    "make",
    [
        lambda n: " ".join(_distinct_words(n, "plain")),
        lambda n: " OR ".join(_distinct_words(n, "either")),
        lambda n: " ".join(f"dprk {w}" for w in _distinct_words(n // 2, "alias")),
        lambda n: " ANDNOT ".join(_distinct_words(n, "chain")),
    ],
    ids=["words", "ored", "aliases", "andnot-chain"],
)
def test_the_work_of_a_search_grows_in_proportion_to_the_query(
    desk: Archive, make: Callable[[int], str]
) -> None:
    """Twice the words, at most a little more than twice the work (counted in Python calls, not
    seconds): alias matching tried every run of words (cubic), Whoosh's parser compared every word
    with every other (quadratic: all (title:w OR body:w) hashed alike), and built both sides of
    each ANDNOT twice (exponential). New words each time: no cache answers for them."""
    desk.search("warm every cache up")
    calls = [python_calls(lambda n=n: answered(desk, make(n))) for n in (16, 32, 64)]
    assert calls[1] < 2.3 * calls[0] and calls[2] < 2.3 * calls[1], calls


def test_a_spelling_suggestion_for_many_ambiguous_typos_grows_in_proportion(tmp_path: Path) -> None:
    """Each word with several corrections was weighed against all the others' documents: quadratic."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for n, words in enumerate(["bark dog", "barn farm", "bare wall", "barn dog", "bark farm"]):
        (folder / f"{n}.txt").write_text(f"Title: t{n}\n\n{words} text\n", encoding="utf-8")
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([folder])
        query = lambda n: " ".join(["barx"] * n + ["dgo"] * n)  # noqa: E731
        assert archive.search(query(1)).suggestion == "bark dog"
        calls = [python_calls(lambda n=n: archive.search(query(n))) for n in (20, 40, 80)]
    assert calls[1] < 2.3 * calls[0] and calls[2] < 2.3 * calls[1], calls


def test_wildcards_that_stand_for_too_many_words_together_are_refused(tmp_path: Path) -> None:
    """Each wildcard may stand for 200 words; six of them together would look up 1,080."""
    folder = tmp_path / "articles"
    folder.mkdir()
    letters = "abcdefghijklmnopqrstuvwxyz"
    for prefix in "bcdfgh":
        words = [f"q{prefix}{letters[i // 26]}{letters[i % 26]}z" for i in range(180)]
        (folder / f"{prefix}.txt").write_text(f"Title: {prefix}\n\n{' '.join(words)}\n", encoding="utf-8")
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([folder])
        assert archive.search("qb* OR qc*").total == 2  # 360 words: searched
        started = time.perf_counter()
        with pytest.raises(QueryTooBroad, match=f"more than {MAX_LOOKUPS:,} different words"):
            archive.search(" OR ".join(f"q{prefix}*" for prefix in "bcdfgh"))
        assert time.perf_counter() - started < QUICK


def test_a_name_with_thousands_of_variants_in_the_aliases_file_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    variants = "\t".join(f"variant{i}" for i in range(MAX_LOOKUPS + 200))
    (data / "aliases.tsv").write_text(f"manyname\t{variants}\n", encoding="utf-8")
    with Archive(data) as archive:
        with pytest.raises(QueryTooBroad, match="name variants"):
            archive.search("manyname")
        assert archive.search(SearchRequest("manyname", aliases=False)).total == 0


def test_operators_with_nothing_between_them_are_explained(desk: Archive) -> None:
    with pytest.raises(QueryError, match="has no word on one of its sides"):
        desk.search("shells NOT ANDMAYBE ANDMAYBE")
