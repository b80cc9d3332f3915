"""`briefer index` and `briefer search` load what they run, not the other commands' libraries
(issue #24: every command paid 0.6 s of imports, python-docx and numpy among them, before it ran),
and say the same as before: help, usage and errors come from the whole parser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from briefer.cli import build_parser

REPO = Path(__file__).resolve().parents[2]

RUN_AND_LIST_MODULES = """
import sys
from briefer.cli import main
status = main(sys.argv[1:])
print("MODULES", " ".join(sorted(sys.modules)))
sys.exit(status)
"""


def _modules_of(*argv: str) -> set[str]:
    command = [sys.executable, "-c", RUN_AND_LIST_MODULES, *argv]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split("MODULES", 1)[1].split())


def test_search_loads_neither_the_word_export_nor_the_briefing_commands(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Title: Rail\n\nCoal crossed the bridge at Tumangang.\n", encoding="utf-8")
    data = str(tmp_path / "data")
    assert _modules_of("--data-dir", data, "index", str(folder))
    loaded = _modules_of("--data-dir", data, "search", "coal")
    assert "briefer.cli.search" in loaded
    unused = {
        "docx",
        "briefer.core.export.docx_export",
        "briefer.cli.brief",
        "briefer.cli.distribution",
        "keyring",  # the keychain: searching a personal archive needs no password
    }
    assert not unused & loaded, unused & loaded
    assert not {m for m in loaded if m.startswith(("numpy", "lxml", "trafilatura", "pypdfium2"))}


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "briefer", *argv], capture_output=True, text=True, cwd=REPO, timeout=120
    )


def test_help_and_errors_of_a_quickly_parsed_command_are_the_whole_parsers() -> None:
    parser = build_parser()
    assert _run("--help").stdout == parser.format_help()
    index_help = _run("index", "--help")
    assert index_help.returncode == 0 and "--prune" in index_help.stdout
    # An error in the arguments of `index` is worded by the whole parser, as it was.
    wrong = _run("--no-such-option", "index")
    assert wrong.returncode == 2
    assert wrong.stderr.startswith(parser.format_usage()), wrong.stderr
    assert "unrecognized arguments: --no-such-option" in wrong.stderr


def test_the_briefer_script_imports_nothing_before_it_runs() -> None:
    """The `briefer` script imports `briefer.cli` before its `if __name__ == "__main__"`, and each
    parser process of an import started from it ("spawn") runs the script again: that import must
    load neither the command line nor the archive's facade."""
    script = "import sys\nfrom briefer.cli import main\nprint(' '.join(sorted(sys.modules)))"
    command = [sys.executable, "-c", script]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    assert not {"briefer.cli.main", "briefer.core.archive.facade", "whoosh", "sqlite3"} & loaded
