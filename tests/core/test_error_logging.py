"""Expected failures (ours, the file system's) are one line for the user and the log; bugs keep
their traceback."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from briefer.cli import main
from briefer.core.archive import ArchiveBusy
from briefer.core.briefing.gate import ReleaseBlocked
from briefer.core.errors import BrieferError, is_expected, log_failure
from briefer.core.export.docx_export import ExportError

log = logging.getLogger("briefer.test")


def test_our_typed_errors_and_os_errors_are_expected_and_bugs_are_not() -> None:
    assert all(is_expected(e) for e in (ArchiveBusy("busy"), ExportError("x"), PermissionError(13, "denied")))
    assert issubclass(ReleaseBlocked, BrieferError)
    assert not any(
        is_expected(e) for e in (KeyError("id"), TypeError("x"), AssertionError(), ValueError("x"))
    )


def test_an_expected_failure_is_one_warning_line_and_a_bug_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        log_failure(log, "Export failed", ExportError("cannot write in /reports:\nPermission denied"))
        try:
            {}["missing"]
        except KeyError as bug:
            log_failure(log, "Export failed", bug)
    expected, bug_record = caplog.records
    assert (expected.levelno, expected.exc_info) == (logging.WARNING, None)
    assert (
        expected.getMessage() == "Export failed: ExportError: cannot write in /reports: / Permission denied"
    )
    assert bug_record.levelno == logging.ERROR and bug_record.exc_info is not None
    assert "Traceback" in caplog.text and "KeyError: 'missing'" in caplog.text


def test_a_folder_holding_a_foreign_index_is_one_line_on_the_command_line(
    tmp_path: Path, articles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "index", str(articles)]) == 0
    for path in (data / "whoosh").iterdir():
        path.unlink()
    (data / "whoosh" / "_MAIN_1.toc").write_bytes(b"not ours")
    capsys.readouterr()
    assert main(["--data-dir", str(data), "stats"]) == 1
    err = capsys.readouterr().err
    foreign = f"{data / 'whoosh'} holds files that Briefer did not create; refusing to open it as an index"
    assert err == f"briefer: {foreign}\n"
