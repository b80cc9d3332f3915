"""An import's cost per document stays flat as the archive grows (#24): what a document costs the
importing process must not depend on how many copies of its story the archive already holds, and
the index writers' memory must not grow with the number of documents they write."""

from __future__ import annotations

import random
import sqlite3
import tracemalloc
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage

from briefer.core.archive import Archive, clusters
from briefer.core.search._whoosh_write import MarshalPool
from tests.conftest import write_article
from tests.core.test_clusters import ADDED, STORY
from tests.fault_support import kill_import


def write_versions_and_story(folder: Path) -> None:
    """Five earlier versions of the story, each missing three of its ten paragraphs: alike enough to
    be compared exactly with the full story, not enough to be copies (about 0.7 < 0.8)."""
    for n in range(5):
        kept = [p for i, p in enumerate(STORY) if (i - 2 * n) % 10 >= 3]
        write_article(folder / "versions", f"v{n}", "\n\n".join(kept), title=f"Version {n}")
    write_article(folder / "full", "full", "\n\n".join(STORY), title="The whole story")


def count_cuts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The titles of the texts this (the importing) process cuts into shingles from now on: every
    cutting goes through `_shingle_runs_many` (the parser workers are other processes)."""
    cut: list[str] = []
    real = clusters._shingle_runs_many

    def counted(documents):  # type: ignore[no-untyped-def]
        cut.extend(title for title, _ in documents)
        return real(documents)

    monkeypatch.setattr(clusters, "_shingle_runs_many", counted)
    return cut


def test_a_new_story_is_cut_into_shingles_once_however_many_versions_it_is_compared_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_versions_and_story(tmp_path)
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([tmp_path / "versions"], workers=1)
        with archive.catalog.transaction():  # signed by an older Briefer: no filter turns them away
            archive.catalog._db.execute("UPDATE signatures SET shingle_filter = NULL")
    with Archive(tmp_path / "data") as archive:  # a new process: the versions' texts are read back
        cut = count_cuts(monkeypatch)
        archive.import_paths([tmp_path / "full"], workers=1)
        compared = {title for title in cut if title.startswith("Version")}
        assert len(compared) >= 3, "the versions were compared with the story"
        assert len(cut) == len(set(cut)), "no text is cut twice"
        assert cut.count("The whole story") == 0, "the parser worker sent the story's shingles"
        assert archive.cluster_stats().clusters == 0  # the same outcome: no version is a copy


def test_a_document_signed_by_a_parser_worker_and_compared_exactly_is_never_cut_by_the_importing_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The story and a version arrive together and are compared with each other; later the other
    versions and a copy are compared with both: the shingles their parser workers sent serve every
    comparison, as the new document's own and as a candidate's, in the same import and the next."""
    write_versions_and_story(tmp_path)
    copy = write_article(
        tmp_path / "later", "copy", "\n\n".join([*STORY[:3], ADDED, *STORY[3:]]), title="Grain ships sail"
    )
    versions = sorted((tmp_path / "versions").iterdir())
    compared = 0
    real_alike = clusters.Clusters._alike

    def counted_alike(*args):  # type: ignore[no-untyped-def]
        nonlocal compared
        compared += 1  # exactly, or by the bound of the other's shingle filter
        return real_alike(*args)

    monkeypatch.setattr(clusters.Clusters, "_alike", counted_alike)
    cut = count_cuts(monkeypatch)
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([tmp_path / "full", versions[0]], workers=1)
        assert compared == 1, "the story and its version were compared"
        archive.import_paths([*versions[1:], copy], workers=1)
        assert compared >= 6, "the later versions and the copy were compared with the first two"
        assert cut == []
        titles = {archive.document(d).title: d for d in archive.catalog.all_ids()}  # type: ignore[union-attr]
        story = {d.title for d in archive.cluster(titles["Grain ships sail"])}
        assert story == {"The whole story", "Grain ships sail"}
        assert archive.cluster_stats().clusters == 1  # the versions stay apart


def test_merging_many_posting_runs_holds_a_small_piece_of_each(tmp_path: Path) -> None:
    """A sub-writer merges one run per LIMIT_MB of postings when it writes its segment: the more
    documents it wrote, the more runs.  The merge must read each run a small piece at a time."""
    pool = MarshalPool(FileStorage(str(tmp_path)), None, limitmb=1)
    postings = [
        ("body", f"term{(doc * 7 + k) % 5000:05d}".encode(), doc, 1.0, b"\x01\x00\x00\x00B\x03")
        for doc in range(12_000)
        for k in range(10)
    ]
    for posting in postings:
        pool.add(posting)
    assert len(pool.runs) >= 16
    tracemalloc.start()
    try:
        merged = pool.iter_postings()
        previous = next(merged)
        count = 1
        for posting in merged:
            assert previous <= posting
            previous, count = posting, count + 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == len(postings)
    # 16 runs and more, of about 6,000 postings each: 4,096 postings of each took 11 MB; 512, 1.5 MB.
    assert peak < 4 * 2**20, f"the merge held {peak / 2**20:.1f} MB"


def _unrelated_articles(folder: Path, count: int) -> None:
    rng = random.Random(24)
    vocabulary = [
        f"{a}{b}"
        for a in ("grain", "port", "envoy", "rail", "mine", "tariff", "drone", "bond")
        for b in ("ash", "bel", "cor", "dun", "eth", "fal", "gor", "hin", "ist", "jor")
    ]
    for n in range(count):
        body = " ".join(rng.choice(vocabulary) for _ in range(60))
        write_article(folder, f"a{n:05}", f"{body}.", title=f"Report {n}")


def _bands_missing(data: Path) -> int:
    """Band keys of stored signatures that `signature_bands` lacks."""
    with sqlite3.connect(data / "catalog.sqlite3") as db:
        wanted = {
            (int.from_bytes(packed[i : i + 4], "little"), n)
            for n, packed in db.execute("SELECT n, bands FROM signatures")
            for i in range(0, len(packed), 4)
        }
        present = set(db.execute("SELECT key, n FROM signature_bands"))
    return len(wanted - present)


@pytest.mark.slow
def test_band_keys_a_killed_import_left_waiting_are_written_by_the_next_import(tmp_path: Path) -> None:
    """An import writes its signatures' band keys (how copies are found) in a few large steps, not
    with each chunk: a run killed in between loses none of them, and copies of what it imported
    are still found."""
    first = tmp_path / "first"
    write_article(first, "0story", "\n\n".join(STORY), title="Grain corridor", source="Wire")  # read first
    _unrelated_articles(first, 1_500)
    data = tmp_path / "data"
    killed = kill_import(data, first, "catalog:+600", random.Random(7))
    assert not killed.finished_first, "the import ended before it could be killed"
    assert not killed.survivors
    copy = write_article(
        tmp_path / "later", "copy", "\n\n".join(STORY[:-1]), title="Corridor reopens", source="Paper"
    )
    with Archive(data) as archive:
        archive.import_paths([tmp_path / "later"])
        copy_id = archive.catalog.locations()[str(copy.resolve())].doc_id
        assert copy_id is not None
        assert len(archive.cluster(copy_id)) == 2, "the copy found the original the killed run signed"
        archive.import_paths([first])
    assert _bands_missing(data) == 0


def test_an_import_settles_each_path_as_the_scan_meets_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder's paths are not listed first (a Path per file: 39 MB of a 100,000-file import's
    peak): each one is settled as the scan meets it, and unchanged files are reported meanwhile."""
    from briefer.core.archive import importer

    folder = tmp_path / "articles"
    for n in range(40):
        write_article(folder, f"a{n:02}", f"Article number {n} about grain exports.", title=f"Report {n}")
    real_scan = importer.scan
    reported: list[object] = []
    reported_when_met: list[int] = []

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        for met in real_scan(*args, **kwargs):
            reported_when_met.append(len(reported))
            yield met

    with Archive(tmp_path / "data") as archive:
        archive.import_paths([folder], workers=1)
        monkeypatch.setattr(importer, "scan", watched)
        summary = archive.import_paths([folder], on_outcome=reported.append, workers=1)
    assert summary.counts["unchanged"] == 40
    assert reported_when_met[-1] == 39, "the files met before the last were reported as the scan went"


def test_a_run_keeps_its_files_outcomes_packed_and_gives_them_back_whole(tmp_path: Path) -> None:
    """A 100,000-file import held an outcome object, its path and its document id per file for its
    whole run (33 MB): plain outcomes are kept packed, and come back as they were."""
    import gc

    from briefer.core.archive.importer import FileOutcome

    folder = tmp_path / "articles"
    for n in range(300):
        write_article(folder, f"a{n:03}", f"Article number {n} about grain exports.", title=f"Report {n}")
    (folder / "Straße, naïve.txt").write_bytes(b"An article whose file name is not ASCII, about grain.")
    (folder / "odd name \udcff.txt").write_bytes(b"An article whose file name is not UTF-8, about grain.")
    with Archive(tmp_path / "data") as archive:
        summary = archive.import_paths([folder], workers=1)
        gc.collect()
        alive = sum(isinstance(o, FileOutcome) for o in gc.get_objects())
        outcomes = summary.outcomes
        locations = archive.catalog.locations()
    assert alive < 10, f"{alive} outcome objects held by the run"
    assert len(outcomes) == summary.files == 302
    imported = [o for o in outcomes if o.status == "imported"]
    assert len(imported) == 301
    assert all(o.doc_id == locations[o.path].doc_id for o in imported)
    assert any(o.path.endswith("Straße, naïve.txt") for o in imported)
    (odd,) = [o for o in outcomes if "odd name" in o.path]
    assert odd.status == "skipped" and "UTF-8" in odd.reason


def test_an_import_of_plain_texts_parses_with_one_worker_and_a_slow_file_starts_the_others(
    tmp_path: Path,
) -> None:
    """One parser keeps up with plain texts (each worker is a process of about 50 MB); a file that is
    not plain text (a PDF, a web page), or a text whose parsing takes CPU or time (a file that
    hangs), starts the others."""
    from briefer.core.archive.workers import Job, ParsePool
    from briefer.core.extract import Limits
    from tests.core.slow_parsers import misbehaving_parse

    def parse_all(pool: ParsePool, names: list[str]) -> None:
        for number, name in enumerate(names):
            pool.submit(Job(number, str(tmp_path / name), b"Grain exports rose again this year.", Limits()))
        done = 0
        while done < len(names):
            done += len(list(pool.finished(timeout=30)))

    with ParsePool(workers=2, start_with=1, parse=misbehaving_parse) as pool:
        parse_all(pool, [f"article-{n}.txt" for n in range(200)])
        assert pool.started == 1, "plain texts started a second parser"
    for first in ("busy-report.txt", "slow-report.txt", "page.html"):
        with ParsePool(workers=2, start_with=1, parse=misbehaving_parse) as pool:
            parse_all(pool, [first, *(f"article-{n}.txt" for n in range(20))])
            assert pool.started == 2, f"{first} did not start the second parser"


GERMAN = (
    "Die Getreideausfuhren stiegen in diesem Jahr erneut, berichtete das Ministerium am Montag. "
    "Händler erwarten für den Herbst weiter steigende Preise an den Warenbörsen in Europa."
)


@pytest.mark.parametrize("sign", [False, True])
def test_loading_the_language_model_at_the_first_undeclared_text_does_not_start_a_second_parser(
    tmp_path: Path, sign: bool
) -> None:
    """Texts that declare no language are detected with py3langid, whose model a worker loads at
    its first such text (about 80 ms of CPU, more than a slow file's): that loading is not the
    file's cost, or every archive of undeclared texts (Reuters) ran a second 85 MB parser."""
    from briefer.core.archive.workers import Job, ParsePool
    from briefer.core.extract import Limits, language

    # The model unpacked into the cache first (once per machine, up to 1.5 s: past SLOW_FILE_S).
    assert language.detect(GERMAN) == "de"
    with ParsePool(workers=2, start_with=1, sign=sign) as pool:
        for number in range(30):
            pool.submit(Job(number, str(tmp_path / f"bericht-{number}.txt"), GERMAN.encode(), Limits()))
        finished = []
        while len(finished) < 30:
            finished += pool.finished(timeout=30)
        assert pool.started == 1, "loading the language model passed for a slow file"
    parts = [part for done in finished for part in done.job.parts]
    assert {part.extracted.language for part in parts if part.extracted} == {"de"}
