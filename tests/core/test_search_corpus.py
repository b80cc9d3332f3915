"""Search on real pages (the State Department corpus) and while an import is writing."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefer.core.archive import Archive
from briefer.core.search.query import SearchRequest
from tests.conftest import ArchiveTemplate, write_article


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory, state_dept_template: ArchiveTemplate) -> Archive:
    assert state_dept_template.summary.counts["failed"] == 0
    return Archive(state_dept_template.copy_to(tmp_path_factory.mktemp("state-search") / "data"))


def words_of(archive: Archive, doc_id: str) -> str:
    doc = archive.document(doc_id)
    assert doc is not None
    return (doc.title + " " + doc.text).lower()


@pytest.mark.corpus
@pytest.mark.slow  # imports the whole State Department corpus (once a session)
def test_more_like_a_release_finds_releases_on_the_same_subject(state: Archive) -> None:
    for query, subject in (('"Nord Stream 2"', "nord stream"), ("Somalia visa restrictions", "somalia")):
        source = state.search(query, limit=1).hits[0].document
        similar = state.more_like(source.id, limit=5).hits
        assert source.id not in {h.document.id for h in similar}
        on_subject = [h for h in similar if subject in words_of(state, h.document.id)]
        assert len(on_subject) >= 3, (query, [h.document.title for h in similar])


@pytest.mark.corpus
@pytest.mark.slow  # imports the whole State Department corpus (once a session)
def test_more_like_a_passage_follows_the_passage(state: Archive) -> None:
    hit = state.search('"Nord Stream 2" sanctions', limit=1).hits[0]
    passage = next(p for p in hit.passages if "sanction" in p.text.lower())
    similar = state.more_like(hit.document.id, span=(passage.start, passage.end), limit=5).hits
    assert sum("sanction" in words_of(state, h.document.id) for h in similar) >= 4


@pytest.mark.corpus
@pytest.mark.slow  # imports the whole State Department corpus (once a session)
def test_real_facets_narrow_to_their_counts(state: Archive) -> None:
    results = state.search(SearchRequest("Ukraine", facets=True, limit=5))
    assert results.facets is not None
    years = results.facets["year"]
    assert set(years) == {"2021", "2022"} and sum(years.values()) == results.total
    for month, count in list(results.facets["month"].items())[:4]:
        narrowed = state.search(SearchRequest("Ukraine", filters=(("month", month),), limit=1))
        assert narrowed.total == count
    source, count = next(iter(results.facets["source"].items()))
    assert state.search(SearchRequest("Ukraine", filters=(("source", source),))).total == count


@pytest.mark.corpus
@pytest.mark.slow  # imports the whole State Department corpus (once a session)
def test_relative_dates_and_suggestions_on_real_pages(state: Archive) -> None:
    now = datetime(2022, 4, 30, tzinfo=UTC)
    recent = state.search(SearchRequest('published:"last 30 days"', limit=500, now=now))
    assert recent.total > 50
    for hit in recent.hits:
        assert (
            hit.document.published is not None
            and hit.document.published.date() >= datetime(2022, 3, 31).date()
        )
    assert state.search("Blinkin Ukriane").suggestion == "Blinken Ukraine"


@pytest.mark.corpus
@pytest.mark.slow  # imports the whole State Department corpus (once a session)
def test_aliases_on_real_pages_find_every_name(state: Archive) -> None:
    expanded = {h.document.id for h in state.search(SearchRequest("DPRK", limit=500)).hits}
    separately = set()
    for name in ("DPRK", '"North Korea"', "Pyongyang", '"Democratic People\'s Republic of Korea"'):
        separately |= {
            h.document.id for h in state.search(SearchRequest(name, limit=500, aliases=False)).hits
        }
    assert expanded == separately and len(expanded) > 20


@pytest.mark.corpus
@pytest.mark.slow  # imports the whole State Department corpus (once a session)
def test_alias_phrases_count_and_mark_only_the_names_on_real_pages(state: Archive) -> None:
    """A press event with the Republic of Korea is no match of "Democratic People's Republic of
    Korea": its "Republic", "Korea" and "people" are neither counted nor marked (103 "matches")."""
    names = re.compile(
        r"\b(?:Lavrov|DPRK|North Korea|Pyongyang|Democratic People[\u2019']s Republic of Korea)\b", re.I
    )
    results = state.search(SearchRequest("Lavrov Pyongyang", limit=10))
    assert any("Republic of Korea" in h.document.title for h in results.hits)
    for hit in results.hits:
        text = hit.document.text
        assert hit.matches == len(names.findall(text)), hit.document.title
        marked = [hit.snippet.text[a:b] for a, b in hit.snippet.highlights]
        marked += [p.text[a:b] for p in hit.passages for a, b in p.highlights]
        marked += [text[a:b] for a, b in hit.spans]  # what the reader marks
        assert marked and all(names.fullmatch(word) for word in marked), hit.document.title


# -- searching while an import writes --------------------------------------------------------
def flood(folder: Path, count: int) -> Path:
    for n in range(count):
        write_article(folder, f"n{n:05d}", f"Bulletin {n}: the floodmarker report number {n}.")
    return folder


@pytest.mark.slow
def test_search_during_an_import_in_a_thread(archive: Archive, tmp_path: Path) -> None:
    folder = flood(tmp_path / "flood", 2500)
    failures: list[BaseException] = []
    finished = threading.Event()

    def run() -> None:
        try:
            archive.import_paths([folder])
        except BaseException as exc:  # the test reports it
            failures.append(exc)
        finally:
            finished.set()

    importer = threading.Thread(target=run)
    importer.start()
    totals, told = [], False
    while not finished.is_set():
        results = archive.search("floodmarker", limit=3)
        totals.append(results.total)
        told |= any("import is running" in n for n in results.notices)
        time.sleep(0.005)
    importer.join()
    assert not failures
    assert totals == sorted(totals), "a search saw fewer documents than an earlier one"
    assert archive.search("floodmarker").total == 2500
    assert told or totals[-1] == 2500


@pytest.mark.slow
def test_search_during_an_import_in_another_process(tmp_path: Path) -> None:
    folder = flood(tmp_path / "flood", 2500)
    data = tmp_path / "data"
    with Archive(data) as archive:
        command = [sys.executable, "-m", "briefer", "--data-dir", str(data), "index", str(folder)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        totals, told = [], False
        try:
            while process.poll() is None:
                results = archive.search("floodmarker", limit=3)
                totals.append(results.total)
                told |= results.incomplete
                time.sleep(0.01)
        finally:
            _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors
        assert totals == sorted(totals)
        assert archive.search("floodmarker").total == 2500
        assert told, "results never said the import was running"
        assert not archive.search("floodmarker").incomplete
