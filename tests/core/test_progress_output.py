"""Progress bars draw on a terminal only; lines printed during an import are plain text elsewhere."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from briefer.cli.main import TerminalProgress, main


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_failed_file_in_redirected_output_is_a_plain_line(
    tmp_path: Path, articles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (articles / "broken.html").write_bytes(b"")
    assert main(["--data-dir", str(tmp_path / "data"), "index", str(articles)]) == 0
    err = capsys.readouterr().err  # captured: not a terminal, as in `briefer index ... 2> log`
    assert err == f"failed: {articles / 'broken.html'}: empty file\n"


def test_on_a_terminal_a_line_is_printed_over_the_bar_and_the_bar_drawn_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TERM", "xterm")
    screen = Terminal()
    bar = TerminalProgress("Importing", screen)
    bar(3, 10)
    bar.note("failed: a.html: empty file")
    bar.clear()
    drawn = "Importing [#########---------------------] 3/10"
    assert screen.getvalue() == f"\r{drawn}\r\033[Kfailed: a.html: empty file\n\r{drawn}\r\033[K"


def test_no_control_codes_where_nothing_was_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    for stream, term in ((io.StringIO(), "xterm"), (Terminal(), "dumb")):
        monkeypatch.setenv("TERM", term)
        bar = TerminalProgress("Importing", stream)
        bar(3, 10)
        bar.note("failed: a.html: empty file")
        bar.clear()
        assert stream.getvalue() == "failed: a.html: empty file\n"
