"""The search package's errors sit under the core's root error, keep their older bases (so an
`except ValueError` or `except RuntimeError` written before still catches them) and carry the
facts a front end words its advice from."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefer.core.errors import BrieferError, is_expected
from briefer.core.search import (
    ForeignIndexFolder,
    IndexBusy,
    QueryError,
    QueryLimit,
    QueryTooBroad,
    QueryTooLong,
    SearchIndex,
    SearchRequest,
)
from briefer.core.search.query import MAX_DEPTH, MAX_WORDS, MIN_PREFIX


@pytest.mark.parametrize(
    ("cls", "old"),
    [
        (QueryError, ValueError),
        (QueryTooBroad, QueryError),
        (QueryTooLong, QueryError),
        (IndexBusy, RuntimeError),
        (ForeignIndexFolder, RuntimeError),
    ],
)
def test_search_errors_share_the_core_root_and_keep_their_old_bases(cls: type, old: type) -> None:
    assert issubclass(cls, BrieferError) and issubclass(cls, old)


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(None)  # in memory: the errors come before any document is read


def test_a_query_too_long_says_which_limit_and_by_how_much(index: SearchIndex) -> None:
    with pytest.raises(QueryTooLong) as words:
        index.search(SearchRequest(" ".join(["grain"] * (MAX_WORDS + 1))))
    error = words.value
    assert (error.limit, error.size, error.allowed) == (QueryLimit.WORDS, MAX_WORDS + 1, MAX_WORDS)
    assert str(error) == f"the query has {MAX_WORDS + 1} words; a query may have at most {MAX_WORDS}"
    assert is_expected(error)
    with pytest.raises(QueryTooLong) as nested:
        index.search(SearchRequest("(" * (MAX_DEPTH + 1) + "grain" + ")" * (MAX_DEPTH + 1)))
    assert (nested.value.limit, nested.value.size) == (QueryLimit.DEPTH, MAX_DEPTH + 1)


def test_a_query_too_broad_names_the_word_that_is(index: SearchIndex) -> None:
    pattern = "g" * (MIN_PREFIX - 1) + "*"
    with pytest.raises(QueryTooBroad) as broad:
        index.search(SearchRequest(f"wheat {pattern}"))
    assert broad.value.word == pattern and pattern in str(broad.value)


def test_a_foreign_index_folder_names_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "whoosh"
    folder.mkdir()
    (folder / "notes.txt").write_text("not an index", encoding="utf-8")
    with pytest.raises(ForeignIndexFolder) as foreign:
        SearchIndex(folder)
    assert foreign.value.folder == folder and str(folder) in str(foreign.value)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "not an index"  # left as it was
