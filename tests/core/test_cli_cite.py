"""`briefer brief cite`: correcting an excerpt's citation from the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from briefer.core.archive import Archive
from briefer.core.briefing import storage
from briefer.core.briefing.model import Excerpt, excerpts
from briefer.core.documents import Document
from tests.conftest import ArchiveTemplate
from tests.core.briefing_support import articles_in
from tests.core.test_cli_brief import Cli


@pytest.fixture
def docs(tmp_path: Path, briefing_articles: ArchiveTemplate) -> dict[str, Document]:
    """The three ARTICLES, in the archive in tmp_path/data (a copy of `briefing_articles`)."""
    with Archive(briefing_articles.copy_to(tmp_path / "data")) as archive:
        return articles_in(archive)


@pytest.fixture
def cli(tmp_path: Path, capsys: Any, docs: dict[str, Document]) -> Cli:
    return Cli(tmp_path / "data", capsys)


@pytest.fixture
def brief(tmp_path: Path, cli: Cli, docs: dict[str, Document]) -> Path:
    """A briefing quoting the pact article twice and the know-how article once."""
    path = tmp_path / "b.briefing"
    assert cli("brief", "new", "-o", str(path), "--title", "Cite test") == 0
    for section, name, quote in (
        ("background", "pact", "without delay"),
        ("analysis", "knowhow", "re-entry vehicles"),
        ("japan", "pact", 'respond "firmly"'),
    ):
        args = ("brief", "add-excerpt", str(path), "--section", section, "--doc", docs[name].id)
        assert cli(*args, "--quote", quote) == 0
    return path


def quoted(path: Path) -> list[Excerpt]:
    """The briefing's excerpts in outline order: pact (background), know-how, pact (Japan)."""
    return list(excerpts(storage.load(path)).values())


def test_cite_corrects_one_excerpt_and_prints_the_new_citation(brief: Path, cli: Cli) -> None:
    first, knowhow, second = quoted(brief)
    args = ["--author", "Mina Park-Lee", "--outlet", "Harbour Wire", "--published", "2024-06-19T10:00+09:00"]
    assert cli("brief", "cite", str(brief), first.id, *args, "--source-type", "wire service") == 0
    assert f"updated the citation of 1 excerpt in {brief}" in cli.out
    assert "Harbour Wire; Mina Park-Lee;" in cli.out and "19 Jun 2024 0100Z; wire service;" in cli.out
    after = quoted(brief)
    citation = after[0].citation
    assert (citation.author, citation.outlet, citation.source_type) == (
        "Mina Park-Lee",
        "Harbour Wire",
        "wire service",
    )
    assert citation.published == datetime(2024, 6, 19, 1, 0, tzinfo=UTC)
    # Provenance and the quote are as captured; the other excerpt of the source is untouched.
    before = first.citation
    assert (citation.doc_id, citation.text_hash, citation.captured_at) == (
        before.doc_id,
        before.text_hash,
        before.captured_at,
    )
    assert after[0].quote == first.quote
    assert after[2].citation == second.citation and after[1].citation == knowhow.citation


def test_same_source_changes_every_excerpt_of_that_document_only(brief: Path, cli: Cli) -> None:
    first, knowhow, _ = quoted(brief)
    assert cli("brief", "cite", str(brief), first.id, "--title", "Pact signed", "--same-source") == 0
    assert "updated the citation of 2 excerpts" in cli.out
    after = quoted(brief)
    assert [e.citation.title for e in after] == ["Pact signed", knowhow.citation.title, "Pact signed"]
    # Values already set: nothing to do, and the file is left alone.
    written = brief.read_bytes()
    assert cli("brief", "cite", str(brief), first.id, "--title", "Pact signed", "--same-source") == 0
    assert "updated the citation of nothing (the values are already set)" in cli.out
    assert brief.read_bytes() == written


def test_published_none_clears_the_date(brief: Path, cli: Cli) -> None:
    first = quoted(brief)[0]
    assert cli("brief", "cite", str(brief), first.id, "--published", "none") == 0
    assert quoted(brief)[0].citation.published is None and "n.d." in cli.out


def test_bad_cite_requests_fail_clearly_and_leave_the_file(brief: Path, cli: Cli) -> None:
    first = quoted(brief)[0]
    before = brief.read_bytes()
    assert cli("brief", "cite", str(brief), "nope", "--author", "X") == 1
    assert cli.err.startswith("briefer: no excerpt 'nope' in this briefing; excerpts: ")
    assert f"{first.id} (Harbor Wire Service)" in cli.err
    assert cli("brief", "cite", str(brief), first.id) == 1
    assert "nothing to change: give --title, --author" in cli.err
    assert cli("brief", "cite", str(brief), first.id, "--outlet", "Two\nlines") == 1
    assert cli.err.strip() == "briefer: citation outlet must be one line (got 'Two\\nlines')"
    with pytest.raises(SystemExit) as usage:
        cli("brief", "cite", str(brief), first.id, "--published", "last Tuesday")
    assert usage.value.code == 2 and "is not an ISO date or time" in cli.capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli("brief", "cite", str(brief), first.id, "--doc-id", "other")  # provenance has no option
    assert brief.read_bytes() == before


def test_cite_on_a_paragraph_says_only_excerpts_cite(brief: Path, cli: Cli) -> None:
    assert cli("brief", "add-text", str(brief), "--section", "analysis", "We assess.") == 0
    paragraph_id = cli.out.split()[2]
    assert cli("brief", "cite", str(brief), paragraph_id, "--author", "X") == 1
    assert f"no excerpt {paragraph_id!r} in this briefing" in cli.err
