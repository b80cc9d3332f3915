"""An import of many PDFs: the parser workers start once for the whole import, and what the import
stores is what the PDF extractor reads from each file (issue #24: the speed-ups around pypdfium2
must not change the text, its pages or its metadata)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from briefer.core.archive import Archive
from briefer.core.archive.workers import Job, ParsePool, default_workers
from briefer.core.extract import Limits, Part, extract_parts, pdf
from tests.core.extract.pdf_writer import Text, body_lines, make_layout_pdf

REPORTS = 24


def _report(number: int) -> bytes:
    """A report of five pages: a running header, a page footer, a bold heading, body paragraphs."""
    pages = []
    for page in range(1, 6):
        body = [f"Shipments through the port of Rason rose in week {page} of report {number}, officials"]
        body += ["said, as rail cars of coal and grain crossed the bridge from Khasan to Tumangang.", ""]
        body += [f"Customs data for the year show {number * page} cars, against {page} a year before."]
        pages.append(
            [
                Text(f"Harbour Research Service  Report {number}", 760, size=8),
                Text("Rail Traffic", 660, size=12, bold=True),
                *body_lines(body, top=640),
                Text(f"Page {page} of 5", 40, x=280, size=8),
            ]
        )
    info = {"Title": f"Rail traffic report {number}", "CreationDate": "D:20231013"}
    return make_layout_pdf(pages, info=info)


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    for number in range(1, REPORTS + 1):
        (folder / f"report-{number:02}.pdf").write_bytes(_report(number))
    return folder


def test_an_import_of_many_pdfs_starts_its_parser_workers_once(
    archive: Archive, reports: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="briefer.core.archive.workers"):
        summary = archive.import_paths([reports])
    assert summary.counts["imported"] == REPORTS
    pools = [r.getMessage() for r in caplog.records if r.getMessage().startswith("parsed ")]
    workers = default_workers()
    assert pools == [f"parsed {REPORTS} files in {workers} worker processes (0 killed at the time limit)"]


def test_an_imported_pdf_is_what_the_extractor_reads_from_it(archive: Archive, reports: Path) -> None:
    summary = archive.import_paths([reports])
    for outcome in summary.outcomes:
        path = Path(outcome.path)
        expected = pdf.extract(path.read_bytes(), path)
        assert outcome.doc_id is not None
        stored = archive.document(outcome.doc_id)
        assert stored is not None
        assert (stored.title, stored.text, stored.pages, stored.source, stored.published) == (
            expected.title,
            expected.text,
            expected.pages,
            expected.source,
            expected.published,
        )
        # The running header and the page numbers are gone; the heading is a paragraph of its own.
        assert "Harbour Research Service" not in stored.text and "Page 3 of 5" not in stored.text
        assert stored.text.startswith("Rail Traffic\n\nShipments through the port of Rason rose in week 1")


def parse_and_mark(data: bytes, path: Path, **options: Any) -> Iterator[Part]:
    """The real parsing, and a "<file>.parsed" file beside the file once it is parsed (workers run
    this by name)."""
    yield from extract_parts(data, path, **options)
    path.with_name(path.name + ".parsed").touch()


def test_the_workers_go_on_parsing_while_the_import_is_busy_writing(reports: Path) -> None:
    """The import hands parsed files to the catalog and the index in the same thread that fed the
    workers: they stood idle, their next files waiting in the pool, until it came back."""
    paths = sorted(reports.glob("*.pdf"))[:6]
    with ParsePool(workers=2, parse=parse_and_mark) as pool:
        for number, path in enumerate(paths):
            pool.submit(Job(number, str(path), path.read_bytes(), Limits()))
        # The caller is busy elsewhere (writing the index): it does not call the pool meanwhile.
        give_up = time.monotonic() + 60
        while not all(path.with_name(path.name + ".parsed").exists() for path in paths):
            assert time.monotonic() < give_up, "the workers stopped while the caller was busy"
            time.sleep(0.1)
        done = []
        while len(done) < len(paths):
            done += [finished.job for finished in pool.finished(timeout=10)]
    assert sorted(job.job_id for job in done) == list(range(len(paths)))
    assert all(job.parts[0].status == "" and job.parts[0].extracted is not None for job in done)


def test_a_starting_worker_does_not_hold_the_import_nor_the_next_worker(
    reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first file was sent to the first worker as soon as it was started: the import waited
    until that worker could read it (its whole start), and only then started the second worker."""
    from tests.core import slow_start_parser

    monkeypatch.setenv(slow_start_parser.SLOW_START_ENV, "1")  # for the workers: imported here already
    data = (reports / "report-01.pdf").read_bytes()
    large = data + b"\n%" + b"0" * 4_000_000  # more than a pipe holds: sent, it waits for a reader
    with ParsePool(workers=2, parse=slow_start_parser.parse) as pool:
        began = time.monotonic()
        pool.submit(Job(1, str(reports / "large.pdf"), large, Limits()))
        pool.submit(Job(2, str(reports / "report-01.pdf"), data, Limits()))
        assert time.monotonic() - began < slow_start_parser.START_SECONDS / 2
        done = []
        while len(done) < 2:
            done += [finished.job for finished in pool.finished(timeout=30)]
    assert pool.started == 2
    assert all(job.parts[0].extracted is not None for job in done)
