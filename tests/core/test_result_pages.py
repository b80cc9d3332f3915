"""Pages past the last one and facets with more values than are shown say so, instead of
"No documents match" and a silently cut list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefer import cli
from briefer.core.archive import Archive
from briefer.core.search.query import SearchRequest
from tests.conftest import write_article

MONTHS = 19  # one article a month from January 2022: more months than the CLI lists (12)


@pytest.fixture(scope="module")
def monthly(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    folder = tmp_path_factory.mktemp("monthly") / "articles"
    for n in range(MONTHS):
        year, month = 2022 + n // 12, n % 12 + 1
        write_article(
            folder,
            f"report-{n:02d}",
            f"Grain report number {n}: the harvest of month {month} in {year}.",
            published=f"{year}-{month:02d}-15T08:00:00+00:00",
        )
    archive = Archive(tmp_path_factory.mktemp("monthly-data") / "data")
    assert archive.import_paths([folder]).counts["imported"] == MONTHS
    return archive


def run(capsys: pytest.CaptureFixture[str], archive: Archive, *args: str) -> tuple[int, list[str], str]:
    status = cli.main(["--data-dir", str(archive.data_dir), "search", *args])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def test_a_page_past_the_last_says_so(monthly: Archive, capsys: pytest.CaptureFixture[str]) -> None:
    status, lines, _ = run(capsys, monthly, "grain", "--page", "999")
    assert status == 0
    assert lines == [f"Page 999 is past the last page (2 pages, {MONTHS} results)."]
    status, lines, _ = run(capsys, monthly, "zeppelin", "--all-words")
    assert lines == ["No documents match 'zeppelin'."]
    results = monthly.search(SearchRequest("grain", page=3, limit=10))
    assert results.hits == [] and results.total == MONTHS
    assert results.pages == 2 and results.past_last_page
    assert not monthly.search(SearchRequest("grain", page=2, limit=10)).past_last_page


def test_json_says_a_page_is_past_the_last_and_facets_carry_the_totals(
    monthly: Archive, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, err = run(capsys, monthly, "grain", "--json", "--page", "999")
    assert status == 0 and "past the last page (2 pages" in err
    assert lines == []  # stdout keeps only hit lines: scripts read one hit per line
    status, lines, _ = run(capsys, monthly, "grain", "--json", "--limit", "5", "--facets")
    *hits, summary = (json.loads(line) for line in lines)
    assert len(hits) == 5 and all("id" in hit for hit in hits)
    assert summary["total"] == MONTHS and summary["pages"] == 4
    assert len(summary["facets"]["month"]) == MONTHS  # scripts get every value


def test_batch_records_carry_the_total(
    monthly: Archive, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    batch = tmp_path / "queries.txt"
    batch.write_text("grain\nzeppelin\n", encoding="utf-8")
    status, lines, _ = run(capsys, monthly, "--batch", str(batch), "--all-words", "--limit", "5")
    assert status == 0
    records = [json.loads(line) for line in lines]
    assert [(r["total"], r["pages"]) for r in records] == [(MONTHS, 4), (0, 1)]


def test_facets_say_how_many_values_are_left_out(
    monthly: Archive, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, _ = run(capsys, monthly, "grain", "--facets")
    assert status == 0
    (months,) = [line for line in lines if line.strip().startswith("month:")]
    assert months.count("(1)") == 12 and months.endswith(f"... and {MONTHS - 12} more months")
    (years,) = [line for line in lines if line.strip().startswith("year:")]
    assert "more" not in years
    # What the window's filter panel is given: the values, and how many were left out.
    facets = monthly.search(SearchRequest("grain", facets=True, facet_values=12)).facets
    assert facets is not None
    assert len(facets["month"]) == 12 and facets["month"].left_out == MONTHS - 12
    assert next(iter(facets["month"])) == "2023-07"  # the newest first
    assert facets["year"] == {"2023": 7, "2022": 12} and facets["year"].left_out == 0
    every = monthly.search(SearchRequest("grain", facets=True)).facets
    assert every is not None and len(every["month"]) == MONTHS and every["month"].left_out == 0
