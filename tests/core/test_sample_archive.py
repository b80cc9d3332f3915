"""The bundled sample archive: what a new user searches first."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from briefer.core import paths
from briefer.core.archive import Archive

MANIFEST = json.loads((paths.SAMPLE_ARCHIVE / "MANIFEST.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    archive = Archive(tmp_path_factory.mktemp("sample") / "data")
    summary = archive.import_sample()
    assert summary.counts["imported"] == len(MANIFEST) and summary.counts["failed"] == 0
    return archive


def test_sample_imports_every_article_with_its_metadata(sample: Archive) -> None:
    by_path = {loc.split("/")[-1]: loc for loc in sample.catalog.locations()}
    assert "README.md" not in by_path and "MANIFEST.json" not in by_path
    for entry in MANIFEST:
        doc_id = sample.catalog.locations()[by_path[entry["file"]]].doc_id
        doc = sample.document(doc_id)
        assert (doc.title, doc.author, doc.source, doc.url) == (
            entry["title"],
            entry["author"],
            entry["source"],
            entry["url"],
        ), entry["file"]
        assert doc.published == datetime.fromisoformat(entry["published"]), entry["file"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Malligyong-1", 1),
        ('"Komsomolsk-on-Amur"', 1),
        ('"1718 Committee"', 1),
        ('"Camp David"', 2),
    ],
)
def test_sample_answers_the_questions_of_a_first_search(sample: Archive, query: str, expected: int) -> None:
    assert len(sample.search(query).hits) == expected


def test_sample_can_be_removed(tmp_path) -> None:
    with Archive(tmp_path / "data") as archive:
        archive.import_sample()
        assert archive.has_sample()
        assert archive.remove_sample() == len(MANIFEST)
        assert archive.is_empty() and not archive.has_sample()
        assert archive.search("Vostochny").hits == []
