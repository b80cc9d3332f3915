"""Control characters in titles and file names reach neither the terminal nor the log raw: an escape
sequence cannot clear the screen, and a newline in a file name cannot forge a line (issue #18)."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from briefer.core.escaping import EscapingFormatter, json_text, visible
from tests.core.cli_support import Cli
from tests.fault_support import REPO, briefer_command

BAD = "\x1b[2J\r\n\u009b"  # clear the screen, back to the line's start, a new line, a C1 CSI
SHOWN = "\\x1b[2J\\r\\n\\x9b"
# What must never reach a terminal or a log raw: C0 controls but tab and newline, DEL, C1 controls.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def test_controls_are_written_as_escapes_and_ordinary_unicode_is_kept() -> None:
    assert visible(f"Evil{BAD}title") == f"Evil{SHOWN}title"
    assert visible("tab\there\x00\x07\x7f\u0085\u2028") == "tab\\there\\x00\\x07\\x7f\\x85\\u2028"
    ordinary = "Café · 北京 · Россия · العربية · \U0001f680 · \u00a0 · \\ · ok"
    assert visible(ordinary) == ordinary
    assert visible("two\nlines\x1b", keep="\n") == "two\nlines\\x1b"


def test_json_keeps_the_text_exactly_without_a_raw_control() -> None:
    record = {"title": f"Evil{BAD}\x7f\u2028 Café", "n": 1}
    line = json_text(record)
    assert not RAW_CONTROL.search(line) and "\n" not in line
    assert json.loads(line) == record
    assert "Café" in line  # non-ASCII text is not \u-escaped


def test_a_log_record_stays_on_one_line_whatever_its_arguments(tmp_path: Path) -> None:
    handler = logging.FileHandler(tmp_path / "briefer.log", encoding="utf-8")
    handler.setFormatter(EscapingFormatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("briefer.test_escaping")
    logger.addHandler(handler)
    try:
        logger.warning("import failed: %s: %s", Path(f"/in/broken{BAD}.pdf"), "not\na PDF")
        try:
            raise ValueError(f"bad {BAD}")
        except ValueError:
            logger.exception("with a traceback")
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = (tmp_path / "briefer.log").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == f"WARNING briefer.test_escaping: import failed: /in/broken{SHOWN}.pdf: not\\na PDF"
    assert lines[1] == "ERROR briefer.test_escaping: with a traceback"
    assert lines[2] == "Traceback (most recent call last):"  # a traceback keeps its lines
    assert lines[-1] == f"ValueError: bad {SHOWN}"
    assert not RAW_CONTROL.search(text)


@pytest.fixture(scope="module")
def evil_archive(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    """An archive with a document whose file name holds BAD and whose title and source hold what a
    text header can (ESC and a C1 control), and a file of the same kind of name that fails; imported
    by `briefer -v index`, whose log (stderr) is kept."""
    folder = tmp_path_factory.mktemp("articles")
    (folder / f"evil{BAD}name.txt").write_text(
        "Title: Evil\x1b[2J\u009btitle\nSource: Wire\x1b[31m\n\nThe zebracorn crossed the border.\n",
        encoding="utf-8",
    )
    (folder / f"broken{BAD}.pdf").write_bytes(b"%PDF-1.4 not really")
    data = tmp_path_factory.mktemp("data")
    imported = subprocess.run(
        briefer_command(data, "-v", "index", str(folder)),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr
    return data, folder, imported


def _assert_shown_safely(output: str) -> None:
    assert not RAW_CONTROL.search(output), repr(output)
    assert "\x1b" not in output and "\r" not in output


def test_the_import_log_and_its_failure_lines_cannot_be_forged(
    evil_archive: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    log = evil_archive[2].stderr
    _assert_shown_safely(log)
    failed = [line for line in log.splitlines() if "broken" in line]
    assert failed and all(f"broken{SHOWN}.pdf" in line for line in failed), log
    assert any(line.startswith("INFO briefer.core.archive.importer: import failed: ") for line in failed), log
    assert not any(line.startswith("\\x9b.pdf") or line.startswith("\x9b") for line in log.splitlines())


def test_search_shows_titles_outlets_and_paths_with_visible_escapes(
    evil_archive: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    data, folder, _ = evil_archive
    found = subprocess.run(
        briefer_command(data, "search", "zebracorn"), capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert found.returncode == 0, found.stderr
    _assert_shown_safely(found.stdout + found.stderr)
    # The import drops C0 controls from metadata (what an older catalog may still hold is escaped
    # like the rest); a C1 control is kept, and shown as an escape.
    assert "1. Evil[2J\\x9btitle" in found.stdout or "1. Evil\\x1b[2J\\x9btitle" in found.stdout
    as_json = subprocess.run(
        briefer_command(data, "search", "--json", "zebracorn"),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    _assert_shown_safely(as_json.stdout)
    (hit,) = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert hit["path"] == str(folder / f"evil{BAD}name.txt")  # JSON keeps the exact value
    assert hit["title"].endswith("[2J\u009btitle")


def test_stats_failures_brief_show_and_verify_show_escapes(
    evil_archive: tuple[Path, Path, subprocess.CompletedProcess[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data, folder, _ = evil_archive
    cli = Cli(data, capsys, monkeypatch)
    assert cli("stats", "--failures") == 0
    failure = [line for line in cli.out.splitlines() if "failed:" in line]
    assert failure == [f"  failed: {folder}/broken{SHOWN}.pdf: {failure[0].split('.pdf: ', 1)[1]}"]
    brief = tmp_path / "evil.briefing"
    assert cli("brief", "new", "-o", str(brief), "--title", f"Brief{BAD}") == 0
    assert cli("search", "--ids", "zebracorn") == 0
    doc = cli.out.strip()
    assert (
        cli(
            "brief",
            "add-excerpt",
            str(brief),
            "--section",
            "Background",
            "--doc",
            doc,
            "--quote",
            "zebracorn",
        )
        == 0
    )
    assert cli("brief", "show", str(brief)) == 0
    shown = cli.out
    assert cli("verify", str(brief)) == 0
    for output in cli.printed:
        _assert_shown_safely(output)
    assert shown.startswith(f"Brief{SHOWN}\n")
    assert "[2J\\x9btitle" in shown  # the source's title, in the citation
    assert cli("tags") == 0 and cli("search", "--json", "--facets", "zebracorn") == 0
    _assert_shown_safely(cli.out)


def test_the_gui_log_file_escapes_too(tmp_path: Path) -> None:
    """The window logs to a file through the same formatter (checked without starting Qt's event loop)."""
    code = (
        "import logging, sys\n"
        "from pathlib import Path\n"
        "from briefer.gui.app import configure_logging\n"
        "handler, path = configure_logging(Path(sys.argv[1]))\n"
        "logging.getLogger('briefer.core.archive.importer').info('import failed: %s: %s', sys.argv[2], 'x')\n"
        "handler.close()\n"
    )
    bad_path = f"/in/broken{BAD}.pdf"
    subprocess.run([sys.executable, "-c", code, str(tmp_path), bad_path], check=True, cwd=REPO, timeout=60)
    text = (tmp_path / "briefer.log").read_text(encoding="utf-8")
    _assert_shown_safely(text)
    assert text.count("\n") == 1 and f"import failed: /in/broken{SHOWN}.pdf: x" in text
