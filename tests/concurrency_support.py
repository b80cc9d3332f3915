"""Several real `briefer` processes writing one .briefing at once (the suite and `make stress`)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Writer:
    """One `briefer brief ...` command and what it must leave in the file."""

    args: tuple[str, ...]
    paragraph: str = ""  # the paragraph text it adds, if any


@dataclass(frozen=True)
class Outcome:
    writer: Writer
    status: int
    stderr: str


def add_text(path: Path, text: str, section: str = "analysis") -> Writer:
    return Writer(("brief", "add-text", str(path), "--section", section, text), paragraph=text)


def run_together(data: Path, writers: list[Writer], timeout: float = 300) -> list[Outcome]:
    """Start every writer as its own process at once, wait for all; their exit status and stderr."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = [
        (
            writer,
            subprocess.Popen(
                [sys.executable, "-m", "briefer", "--data-dir", str(data), *writer.args],
                cwd=REPO,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for writer in writers
    ]
    outcomes = []
    for writer, process in started:
        _, err = process.communicate(timeout=timeout)
        outcomes.append(Outcome(writer, process.returncode, err))
    return outcomes


def paragraph_texts(path: Path) -> list[str]:
    from briefer.core.briefing import storage
    from briefer.core.briefing.model import Paragraph, walk_blocks

    return [b.text for _, b in walk_blocks(storage.load(path)) if isinstance(b, Paragraph)]
