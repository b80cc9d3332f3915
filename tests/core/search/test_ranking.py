"""Ranking beyond BM25 (issue #21): feedback, proximity, and `briefer search --explain`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from briefer.cli import main
from briefer.core.archive import Archive
from briefer.core.search import SearchRequest
from briefer.core.search.ranking import DEFAULT, PLAIN
from tests.conftest import write_article

FILLER = [
    ("harvest", "The wheat harvest in the northern plains was late this year because of rain."),
    ("budget", "The city council approved the budget for schools and roads after a long debate."),
    ("election", "Voters in the provinces go to the polls on Sunday to choose a new parliament."),
    ("football", "The home side won the cup final after extra time in front of a full stadium."),
    ("shipping", "Container rates fell again as new ships entered service on the Asia routes."),
    ("museum", "The museum reopened its modern art wing with works lent by private collectors."),
]


def _archive(tmp_path: Path, articles: list[tuple[str, str, str]]) -> Archive:
    """An archive of the filler articles and `articles` (name, title, body), imported in that order."""
    if (tmp_path / "data").is_dir():
        return Archive(tmp_path / "data")
    folder = tmp_path / "articles"
    for number, (name, body) in enumerate(FILLER):
        write_article(folder, f"{number:02d}-{name}", body, title=name.title())
    for number, (name, title, body) in enumerate(articles, start=len(FILLER)):
        write_article(folder, f"{number:02d}-{name}", body, title=title)
    archive = Archive(tmp_path / "data")
    archive.import_paths([folder])
    return archive


# Engines of one kind: three reports on turbine blades, six logs, and two one-line notes that each
# mention a civil jet engine once, alike in every count, one of them about turbines too.
ENGINES = [
    (
        "report-1",
        "Civil jet engine report",
        "The civil jet engine turbine blades need cooling; turbine cooling air.",
    ),
    (
        "report-2",
        "Civil jet engine study",
        "Civil jet engine turbine blades crack when turbine cooling fails.",
    ),
    (
        "report-3",
        "Civil jet engine tests",
        "Tests of civil jet engine turbine blades and their cooling channels.",
    ),
    ("log-1", "Hangar log", "Civil jet engine removed from the aircraft for inspection."),
    ("log-2", "Hangar log", "Civil jet engine mounted again after the inspection."),
    ("log-3", "Fuel log", "The civil jet engine burned less fuel on the long route."),
    ("log-4", "Noise log", "Noise of a civil jet engine measured near the runway."),
    ("log-5", "Parts log", "Spare parts for a civil jet engine arrived by truck."),
    ("log-6", "Crew log", "Crew training on the civil jet engine started on Monday."),
    ("note-marketing", "A note", "A civil jet engine appeared in the marketing budget meeting slides."),
    ("note-turbine", "A note", "A civil jet engine turbine blade appeared in the workshop slides."),
]


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data folder of an archive of the filler and ENGINES (made once: tests only read it)."""
    folder = tmp_path_factory.mktemp("engines")
    _archive(folder, ENGINES).close()
    return folder / "data"


def _notes(archive: Archive, query: str) -> list[str]:
    return [
        Path(h.document.path).stem for h in archive.search(query, limit=20).hits if "note" in h.document.path
    ]


def test_feedback_ranks_a_document_about_the_topic_above_one_that_only_names_it(engines: Path) -> None:
    """Both notes match the query alike; the top documents are about turbine blades, so the note
    about turbine blades comes first (plain BM25 ties them and puts the earlier one first)."""
    with Archive(engines) as archive:
        assert archive.search("civil jet engine", limit=20).total == 11
        assert _notes(archive, "civil jet engine")[0].endswith("note-turbine")
        archive.index.ranking = PLAIN  # type: ignore[attr-defined]
        assert _notes(archive, "civil jet engine")[0].endswith("note-marketing")  # the tie: import order


def test_feedback_adds_no_documents_and_leaves_phrases_and_short_queries_alone(engines: Path) -> None:
    with Archive(engines) as archive:
        # "turbine" is a strong feedback word, but a query's matches stay its own.
        found = archive.search(SearchRequest("civil jet engine", limit=20, explain=True))
        assert found.total == 11
        assert any(f.kind == "feedback" for h in found.hits for f in h.factors)
        for query in ('"civil jet engine"', "jet engine"):  # a phrase; too few words to learn from
            other = archive.search(SearchRequest(query, limit=20, explain=True))
            assert other.total == 11
            assert not [f for h in other.hits for f in h.factors if f.kind == "feedback"], query


def test_near_words_rank_above_scattered_ones(tmp_path: Path) -> None:
    """Two documents with the same words, as often, in texts of the same length: the one where
    they stand together ranks first (plain BM25 ties them: the earlier import came first)."""
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike"
    scattered = f"export {words} controls"
    together = f"{words} export controls"
    if DEFAULT.proximity <= 0:
        pytest.skip("the shipped ranking has no proximity bonus")
    with _archive(tmp_path, [("scattered", "One", scattered), ("together", "Two", together)]) as archive:
        hits = archive.search("export controls", limit=5).hits
        assert [h.document.title for h in hits] == ["Two", "One"]
        archive.index.ranking = PLAIN  # type: ignore[attr-defined]
        assert [h.document.title for h in archive.search("export controls", limit=5).hits] == ["One", "Two"]


# -- briefer search --explain ----------------------------------------------------------------
def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    "query",
    [
        "civil jet engine",
        "jet OR turbine OR cooling",
        "civil jet AND NOT marketing",
        '"jet engine" OR blade*',
        "civil jet turbine",
    ],
)
def test_explain_json_factors_add_up_to_the_printed_score(
    engines: Path, capsys: pytest.CaptureFixture[str], query: str
) -> None:
    data = str(engines)
    out = _cli(capsys, "--data-dir", data, "search", "--json", "--explain", "--limit", "10", query)
    hits = [json.loads(line) for line in out.splitlines()]
    assert hits
    if query == "civil jet turbine":  # the marketing note has most of the words: the relaxed tier
        assert [h["match"] for h in hits] == ["all"] * 4 + ["most"] * 6
    for hit in hits:
        factors = hit["explain"]
        assert round(sum(f["score"] for f in factors), 4) == hit["score"]
        assert {f["factor"] for f in factors} <= {"bm25", "proximity", "feedback"}  # no unexplained rest
        assert any(f["factor"] == "bm25" and f["field"] in ("title", "body") for f in factors)
    plain = _cli(capsys, "--data-dir", data, "search", "--json", "--limit", "10", query)
    assert all("explain" not in json.loads(line) for line in plain.splitlines())


def test_explain_text_lists_factors_that_add_up_to_each_score(
    engines: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _cli(capsys, "--data-dir", str(engines), "search", "--explain", "civil jet engine")
    blocks = re.findall(r"score (\d+\.\d\d) =\n((?:\s+[+-]\d+\.\d\d  .*\n?)+)", out)
    assert len(blocks) == 10
    for total, lines in blocks:
        parts = [float(m) for m in re.findall(r"^\s+([+-]\d+\.\d\d)  ", lines, flags=re.M)]
        assert round(sum(parts), 2) == float(total)
    assert "body: jet" in out and "feedback word in the body: turbin" in out


def test_batch_carries_the_explanation_too(
    engines: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "queries.txt"
    batch.write_text("jet OR engine\n", encoding="utf-8")
    out = _cli(capsys, "--data-dir", str(engines), "search", "--explain", "--batch", str(batch))
    record = json.loads(out)
    assert record["hits"] and all(
        round(sum(f["score"] for f in h["explain"]), 4) == h["score"] for h in record["hits"]
    )
