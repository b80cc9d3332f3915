"""Several real processes writing one .briefing at once (the suite and `make stress`).

Two kinds of writer: `briefer brief ...` commands, and a window-like writer that reads the file,
keeps it a while (the analyst edits), then saves, merging when the file changed meanwhile.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Writer:
    """One process and the paragraph, judgment or recipient it must leave in the file."""

    args: tuple[str, ...]  # `briefer` arguments, or a window-like writer's (see `window_writer`)
    paragraph: str = ""
    judgment: str = ""
    recipient: str = ""
    window: bool = False

    def argv(self, data: Path) -> list[str]:
        if self.window:
            code = (
                "import sys; from tests.concurrency_support import save_like_a_window as w; w(*sys.argv[1:])"
            )
            return [sys.executable, "-c", code, *self.args]
        return [sys.executable, "-m", "briefer", "--data-dir", str(data), *self.args]


@dataclass(frozen=True)
class Outcome:
    writer: Writer
    status: int
    stdout: str
    stderr: str


def add_text(path: Path, text: str, section: str = "analysis") -> Writer:
    return Writer(("brief", "add-text", str(path), "--section", section, text), paragraph=text)


def add_judgment(path: Path, text: str) -> Writer:
    return Writer(("brief", "add-judgment", str(path), text, "--likelihood", "likely"), judgment=text)


def add_recipient(path: Path, address: str) -> Writer:
    return Writer(("recipients", str(path), "--add", address), recipient=address)


def window_writer(path: Path, text: str, pause: float) -> Writer:
    return Writer((str(path), text, str(pause)), paragraph=text, window=True)


def run_together(data: Path, writers: list[Writer], timeout: float = 300) -> list[Outcome]:
    """Start every writer as its own process at once, wait for all; their exit status and stderr."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = [
        (
            writer,
            subprocess.Popen(
                writer.argv(data),
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for writer in writers
    ]
    outcomes = []
    for writer, process in started:
        out, err = process.communicate(timeout=timeout)
        outcomes.append(Outcome(writer, process.returncode, out, err))
    return outcomes


def save_like_a_window(path: str, text: str, pause: str) -> None:
    """Read the file, keep it until another writer saved it (at most a minute) and `pause` seconds
    more, add a paragraph, save: the file changed meanwhile, so merge with what the others left
    (three-way, by id) and save that, as the window does.  Prints how many merges it took."""
    from briefer.core.briefing import edits, storage
    from briefer.core.briefing.merge import merge
    from briefer.core.briefing.model import Paragraph

    loaded = storage.read(Path(path))
    base, expected = loaded.briefing, loaded.revision
    mine = copy.deepcopy(base)
    edits.add_block(mine, "analysis", Paragraph(text))
    waited = time.monotonic()
    while storage.current_revision(Path(path)) == expected and time.monotonic() - waited < 60:
        time.sleep(0.02)
    time.sleep(float(pause))
    merges = 0
    while True:
        try:
            storage.save(mine, Path(path), expected=expected)
            print(f"merged {merges} times")
            return
        except storage.ChangedOnDiskError:
            now = storage.read(Path(path))
            mine = merge(base, mine, now.briefing).briefing
            base, expected = now.briefing, now.revision
            merges += 1


def paragraph_texts(path: Path) -> list[str]:
    from briefer.core.briefing import storage
    from briefer.core.briefing.model import Paragraph, walk_blocks

    return [b.text for _, b in walk_blocks(storage.load(path)) if isinstance(b, Paragraph)]


def lost_edits(path: Path, writers: list[Writer]) -> list[str]:
    """What the writers added that the file no longer holds."""
    from briefer.core.briefing import storage
    from briefer.core.briefing.model import KeyJudgment, walk_blocks

    briefing = storage.load(path)
    paragraphs = set(paragraph_texts(path))
    judgments = {b.text for _, b in walk_blocks(briefing) if isinstance(b, KeyJudgment)}
    recipients = {r.address for r in briefing.metadata.distribution}
    lost = [f"paragraph {w.paragraph!r}" for w in writers if w.paragraph and w.paragraph not in paragraphs]
    lost += [f"judgment {w.judgment!r}" for w in writers if w.judgment and w.judgment not in judgments]
    return lost + [
        f"recipient {w.recipient}" for w in writers if w.recipient and w.recipient not in recipients
    ]
