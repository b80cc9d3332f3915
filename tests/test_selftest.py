"""`briefer --self-test`: the check a built app runs, here from the source checkout."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from briefer import __version__, cli
from briefer.core import paths
from briefer.gui import selftest

STEPS = (
    "main window",
    "keyring backends",
    "language model",
    "sample import",
    "file formats",
    "search",
    "briefing",
    "Word export",
    "verification",
)


@pytest.fixture
def restore_app_style(qapp):
    yield
    qapp.setStyleSheet("")  # the self-test styles the shared test QApplication


@pytest.mark.slow  # about 10 s: the whole self-test, parser processes included
def test_the_self_test_passes_every_step_and_cleans_up(qapp, tmp_path: Path, restore_app_style) -> None:
    out = io.StringIO()
    root = tmp_path / "self-test"
    root.mkdir()

    status = selftest.SelfTest(out=out, root=root).run()

    report = out.getvalue()
    assert status == 0, report
    for step in STEPS:
        assert f"  ok      {step}: " in report
    assert report.rstrip().splitlines()[-1].startswith("self-test passed in ")
    assert not root.exists()


def test_a_failing_step_stops_the_test_keeps_its_files_and_says_why(
    qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_app_style
) -> None:
    broken = tmp_path / "sample-archive"
    broken.mkdir()
    (broken / "report.pdf").write_bytes(b"%PDF-1.7 this is not really a PDF")
    monkeypatch.setattr(paths, "SAMPLE_ARCHIVE", broken)
    out = io.StringIO()
    root = tmp_path / "self-test"
    root.mkdir()

    status = selftest.SelfTest(out=out, root=root).run()

    report = out.getvalue()
    assert status == 1
    assert "  FAILED  sample import: 0 of 1 sample articles imported, 1 failed: " in report
    assert "report.pdf" in report
    assert "  ok      file formats" not in report
    assert report.rstrip().splitlines()[-1].startswith("self-test FAILED at sample import")
    assert root.is_dir() and str(root) in report


def test_the_command_line_flag_runs_the_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selftest, "run", lambda: 7)
    assert cli.main(["--self-test"]) == 7


def test_python_m_briefer_prints_the_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "briefer", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"briefer {__version__}"


def test_process_age_is_measured_from_the_process_start() -> None:
    age = selftest.seconds_since_process_start()
    if sys.platform.startswith("linux"):
        assert age is not None and 0 < age < 24 * 3600


def test_the_generated_format_samples_are_what_each_parser_reads(tmp_path: Path) -> None:
    from briefer.core.extract import extract_parts

    folder = selftest.write_format_samples(tmp_path / "formats")

    titles = set()
    for path in sorted(folder.iterdir()):
        for part in extract_parts(path.read_bytes(), path):
            assert part.extracted is not None, (path.name, part.reason)
            assert selftest.FORMATS_WORD in part.extracted.text.lower(), path.name
            titles.add(part.extracted.title)
    assert titles == set(selftest.FORMAT_TITLES.values())
