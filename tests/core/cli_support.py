"""Running the `briefer` command in-process, as a user would type it, with what it printed kept."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from briefer.cli import main


class Cli:
    """`cli("credentials", "set", "work", stdin="secret")` runs `briefer --data-dir DATA ...`;
    `out`/`err` hold the last command's output, `printed` everything printed so far."""

    def __init__(self, data: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.data, self.capsys, self.monkeypatch = data, capsys, monkeypatch
        self.out = self.err = ""
        self.printed: list[str] = []

    def __call__(self, *args: str, stdin: str = "") -> int:
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        status = main(["--data-dir", str(self.data), *args])
        captured = self.capsys.readouterr()
        self.out, self.err = captured.out, captured.err
        self.printed += [self.out, self.err]
        return status
