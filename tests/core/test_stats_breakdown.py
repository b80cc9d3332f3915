"""The archive's documents by outlet, source type, language and year (`Archive.stats(breakdown=True)`),
as `briefer stats` prints them and `--json` gives them: computed once, in the facade, from the catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefer.core.archive import Archive, Breakdown
from tests.conftest import write_article
from tests.core.cli_support import Cli


def write_mixed_archive(folder: Path) -> Path:
    """Five articles: two outlets (one spelt two ways), a state medium, a French page, an undated note."""
    wire = {"source": "Northern Wire Service", "url": "https://northernwire.example/a"}
    write_article(folder, "a", "Grain left Odesa.", published="2023-09-13T08:00:00+00:00", **wire)
    write_article(folder, "b", "Ships were insured.", published="2023-10-01T08:00:00+00:00", **wire)
    write_article(
        folder,
        "c",
        "The talks went on.",
        source="northern wire  service",  # the same outlet, spelt otherwise
        published="2022-01-05T08:00:00+00:00",
        url="https://northernwire.example/c",
    )
    write_article(
        folder,
        "d",
        "The radio said the summit was a success.",
        source="Eurasia State Radio",
        published="2022-06-01T08:00:00+00:00",
        url="https://esr.example/d",
    )
    (folder / "e.txt").write_text(
        "Title: Note\nLanguage: fr-FR\n\nLe sommet s'est tenu hier; les ministres ont parlé des céréales.\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def mixed(tmp_path: Path) -> Archive:
    archive = Archive(tmp_path / "data")
    archive.import_paths([write_mixed_archive(tmp_path / "inbox")])
    return archive


def test_the_breakdown_counts_documents_by_outlet_type_language_and_year(mixed: Archive) -> None:
    with mixed:
        stats = mixed.stats(breakdown=True)
    breakdown = stats.breakdown
    assert breakdown is not None and stats.documents == 5
    assert breakdown.source == (("Northern Wire Service", 3), ("", 1), ("Eurasia State Radio", 1))
    assert breakdown.type == (("wire service", 3), ("", 1), ("state media", 1))
    assert breakdown.language == (("", 4), ("fr", 1))  # the short English texts say too little
    assert breakdown.year == (("", 1), ("2022", 2), ("2023", 2))  # oldest first, unknown ahead
    assert all(sum(n for _, n in getattr(breakdown, f)) == 5 for f in ("source", "type", "language", "year"))


def test_the_breakdown_is_read_only_when_asked_for(mixed: Archive) -> None:
    with mixed:
        assert mixed.stats().breakdown is None  # the window's status line reads stats after each import
        assert mixed.stats(breakdown=True).breakdown is not None


def test_an_empty_archive_has_an_empty_breakdown(tmp_path: Path) -> None:
    with Archive(tmp_path / "data") as archive:
        assert archive.stats(breakdown=True).breakdown == Breakdown()


def test_stats_json_adds_the_breakdown_and_keeps_its_keys(mixed: Archive, capsys, monkeypatch) -> None:
    mixed.close()
    cli = Cli(mixed.data_dir, capsys, monkeypatch)
    assert cli("stats", "--json") == 0
    record = json.loads(cli.out)
    assert {"documents", "failed", "index_bytes", "last_import", "interrupted"} <= set(record)
    assert record["breakdown"] == {
        "source": {"Northern Wire Service": 3, "": 1, "Eurasia State Radio": 1},
        "type": {"wire service": 3, "": 1, "state media": 1},
        "language": {"": 4, "fr": 1},
        "year": {"": 1, "2022": 2, "2023": 2},
    }


def test_stats_prints_one_line_per_facet(mixed: Archive, capsys, monkeypatch) -> None:
    mixed.close()
    cli = Cli(mixed.data_dir, capsys, monkeypatch)
    assert cli("stats") == 0
    lines = cli.out.splitlines()
    assert "Documents:    5" in lines
    assert lines[-4:] == [
        "By outlet:    Northern Wire Service 3, (not known) 1, Eurasia State Radio 1",
        "By type:      wire service 3, (not known) 1, state media 1",
        "By language:  (not known) 4, fr 1",
        "By year:      (not known) 1, 2022 2, 2023 2",
    ]


def test_a_long_tail_of_outlets_is_cut_in_the_text_not_in_json(tmp_path: Path, capsys, monkeypatch) -> None:
    folder = tmp_path / "inbox"
    for n in range(11):
        write_article(folder, f"n{n}", f"Story number {n} about grain.", source=f"Outlet {n:02d}")
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([folder])
    cli = Cli(tmp_path / "data", capsys, monkeypatch)
    assert cli("stats") == 0
    (outlets,) = [line for line in cli.out.splitlines() if line.startswith("By outlet:")]
    assert outlets.endswith("Outlet 07 1, and 3 more (--json lists all)")
    assert cli("stats", "--json") == 0 and len(json.loads(cli.out)["breakdown"]["source"]) == 11
