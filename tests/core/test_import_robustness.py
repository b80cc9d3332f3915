"""An import never hangs, never crashes and never loses a file, whatever the files hold."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

import psutil
import pytest

from briefer.core.archive import Archive
from briefer.core.archive.files import scan
from briefer.core.archive.importer import Importer
from briefer.core.archive.workers import Job, ParsePool
from tests.conftest import corpus_path
from tests.core import slow_parsers
from tests.core.format_fixtures import ARTICLE_HTML

GOOD = ARTICLE_HTML
HANGING = ARTICLE_HTML.replace("Officials in Seoul", "HANG-FOREVER Officials in Seoul")
CRASHING = ARTICLE_HTML.replace("Officials in Seoul", "CRASH-NOW Officials in Seoul")


def misbehaving_importer(archive: Archive) -> Importer:
    return Importer(archive.catalog, archive.index, parse=slow_parsers.misbehaving_parse)


@pytest.mark.timeout(60)
def test_a_file_that_hangs_the_parser_is_cut_off_and_the_import_goes_on(
    archive: Archive, tmp_path: Path
) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a-good.html").write_text(GOOD, encoding="utf-8")
    (folder / "b-hangs.html").write_text(HANGING, encoding="utf-8")
    (folder / "c-crashes.html").write_text(CRASHING, encoding="utf-8")
    (folder / "d-plain.txt").write_text("Title: Plain\n\nShells moved by rail.\n", encoding="utf-8")
    started = time.monotonic()
    summary = misbehaving_importer(archive).run([folder], time_limit=2.0)
    assert time.monotonic() - started < 30
    outcomes = {Path(o.path).name: (o.status, o.reason) for o in summary.outcomes}
    assert outcomes["a-good.html"] == ("imported", "")
    assert outcomes["b-hangs.html"] == ("failed", "took longer than 2 s to parse (time limit)")
    assert outcomes["c-crashes.html"] == ("failed", "the parser crashed (SIGSEGV)")
    assert outcomes["d-plain.txt"] == ("imported", "")
    assert {f.path.rsplit("/", 1)[1] for f in archive.catalog.failures()} == {
        "b-hangs.html",
        "c-crashes.html",
    }
    assert len(archive.search("cosmodrome").hits) == 1


@pytest.mark.timeout(60)
def test_a_hanging_archive_member_costs_only_that_member(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "zips"
    folder.mkdir()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("1.html", GOOD)
        bundle.writestr("2.html", HANGING)
        bundle.writestr("3.html", GOOD.replace("cosmodrome", "spaceport"))
    (folder / "bundle.zip").write_bytes(buffer.getvalue())
    summary = misbehaving_importer(archive).run([folder], time_limit=2.0)
    outcomes = {o.path.rsplit("/", 1)[1]: (o.status, o.reason) for o in summary.outcomes}
    assert outcomes == {
        "bundle.zip": ("imported", ""),
        "1.html": ("imported", ""),
        "2.html": ("failed", "took longer than 2 s to parse (time limit)"),
        "3.html": ("imported", ""),
    }
    assert len(archive.search("spaceport").hits) == 1


def test_files_over_the_size_limit_are_reported_not_read(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "big.html").write_text(GOOD + " " * 5000, encoding="utf-8")
    (folder / "small.txt").write_text("Title: Small\n\nShort.\n", encoding="utf-8")
    summary = archive.import_paths([folder], max_size=4000)
    outcomes = {Path(o.path).name: (o.status, o.reason) for o in summary.outcomes}
    assert outcomes["small.txt"] == ("imported", "")
    assert outcomes["big.html"][0] == "skipped" and "size limit" in outcomes["big.html"][1]
    again = archive.import_paths([folder])  # the default limit: now it is read
    assert {Path(o.path).name: o.status for o in again.outcomes}["big.html"] == "imported"


def test_pool_hands_back_every_job_and_leaves_no_process(tmp_path: Path) -> None:
    with ParsePool(workers=2, time_limit=10) as pool:
        for number in range(6):
            pool.submit(Job(number, f"p{number}.txt", b"Title: T\n\nBody %d.\n" % number, limits=_limits()))
        done = []
        while len(done) < 6:
            done += [f.job.job_id for f in pool.finished(timeout=5)]
        children = [p for p in psutil.Process().children(recursive=True) if _parser(p)]
        assert len(children) == 2
    assert sorted(done) == list(range(6))
    _, alive = psutil.wait_procs(children, timeout=5)
    assert not alive


@pytest.mark.timeout(120)
def test_small_files_wait_in_a_busy_parsers_pipe_and_none_is_lost_when_it_crashes_hangs_or_leaves(
    tmp_path: Path,
) -> None:
    """A parser gets its next small files while it parses (handed each one only after the pool had
    read the last, one parser idled half its time); when it crashes, hangs or leaves after a file
    (it grew past half its memory limit), the files waiting in its pipe are parsed by the next
    worker, each exactly once."""
    trouble = {7: "CRASH-NOW", 15: "EAT-HALF", 25: "HANG-FOREVER"}
    texts = [trouble.get(n, f"Grain exports rose {n} percent this year.") for n in range(40)]
    with ParsePool(
        workers=1, time_limit=3, max_memory=1024 * 2**20, parse=slow_parsers.misbehaving_parse
    ) as pool:
        for number, text in enumerate(texts):
            pool.submit(Job(number, str(tmp_path / f"a{number:02d}.txt"), text.encode(), limits=_limits()))
        parts: dict[int, list] = {}
        give_up = time.monotonic() + 60
        while len(parts) < len(texts):
            assert time.monotonic() < give_up, f"files lost: {sorted(set(range(len(texts))) - set(parts))}"
            for finished in pool.finished(timeout=5):
                assert finished.job.job_id not in parts, "a file came back twice"
                parts[finished.job.job_id] = finished.job.parts
        assert pool.followed > 0, "no file waited in a busy parser's pipe"
        assert pool.started == 4, "the crash, the hang and the memory did not each cost a worker"
    reasons = {n: p[0].reason for n, p in parts.items() if p[0].status == "failed"}
    assert set(reasons) == {7, 25}
    assert "crashed" in reasons[7] and "time limit" in reasons[25]
    for number, found in parts.items():
        if number not in reasons:
            assert [p.status for p in found] == [""]  # read
            assert found[0].extracted is not None and texts[number] in found[0].extracted.text


def _parser(process: psutil.Process) -> bool:
    """A parser worker, not multiprocessing's resource tracker (which leaves with its parent)."""
    try:
        return "resource_tracker" not in " ".join(process.cmdline())
    except psutil.Error:
        return False


def _limits():
    from briefer.core.extract import Limits

    return Limits()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_awkward_corpus_imports_with_every_file_accounted_for(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFER_OCR", "0")  # scans are reported as such, not read (OCR has its own test)
    folder = corpus_path("awkward")
    files = {str(met.path) for met in scan([folder.resolve()])}
    summary = archive.import_paths([folder])
    top = Counter(o.path for o in summary.outcomes if not o.container)
    assert set(top) == files, "every file has a status"
    assert max(top.values()) == 1, "and only one"
    for outcome in summary.outcomes:
        assert outcome.status in ("imported", "updated", "duplicate", "unchanged", "skipped", "failed")
        if outcome.status in ("skipped", "failed"):
            assert outcome.reason, outcome.path
    assert archive.stats().documents > 200 and archive.stats().unindexed == 0
    reasons = Counter(o.reason for o in summary.outcomes if o.status == "failed")
    assert reasons["password-protected"] >= 5 and reasons["no text layer (scanned)"] >= 3
    for query in ("dingus", "sentinel", "TypeKey"):  # an e-mail, a Word file, a feed entry
        assert archive.search(query).hits, query
    again = archive.import_paths([folder])
    assert again.counts["imported"] == 0 and again.counts["updated"] == 0
    assert Counter(o.path for o in again.outcomes if not o.container).keys() == top.keys()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_killed_import_leaves_no_parser_behind_and_resumes(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    count = 300
    for n in range(count):
        page = GOOD.replace("cosmodrome", f"cosmodrome marker{n}").replace("Seoul reacts", f"Report {n}")
        (folder / f"p{n:04}.html").write_text(page, encoding="utf-8")
    data = tmp_path / "data"
    command = [sys.executable, "-m", "briefer", "--data-dir", str(data), "index", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(process.pid)
    deadline = time.monotonic() + 60
    workers: list[psutil.Process] = []
    while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
        workers = parent.children(recursive=True)
        time.sleep(0.05)
    assert len(workers) >= 2, "the import never started its parsers"
    time.sleep(1.5)  # some pages committed, most not
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, f"parsers outlived their killed parent: {alive}"
    with Archive(data) as archive:
        before = archive.stats().documents
        summary = archive.import_paths([folder])
        assert summary.counts["failed"] == 0
        assert summary.counts["unchanged"] == before  # what was committed stays
        assert archive.stats().documents == count and archive.stats().unindexed == 0
        for n in (0, count // 2, count - 1):
            assert len(archive.search(f"marker{n}").hits) == 1
