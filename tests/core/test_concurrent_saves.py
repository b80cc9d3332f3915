"""Several writers on one .briefing: real processes, real files; no edit is lost without a word."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from briefer.core.briefing import edits, filelock, storage, templates
from briefer.core.briefing.model import Paragraph
from tests.concurrency_support import (
    REPO,
    add_judgment,
    add_recipient,
    add_text,
    lost_edits,
    paragraph_texts,
    run_together,
    window_writer,
)


def new_briefing_file(path: Path) -> Path:
    storage.save(templates.new_briefing(templates.load("assessment"), title="Shared"), path)
    return path


@pytest.mark.slow  # 20 processes at once, about 20 s
def test_twenty_parallel_add_text_processes_keep_all_twenty_paragraphs(tmp_path: Path) -> None:
    path = new_briefing_file(tmp_path / "shared.briefing")
    texts = [f"Parallel paragraph {n}." for n in range(20)]
    outcomes = run_together(tmp_path / "data", [add_text(path, text) for text in texts])
    assert [(o.status, o.stderr) for o in outcomes] == [(0, "")] * 20
    assert sorted(paragraph_texts(path)) == sorted(texts)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "data") == [
        "shared.briefing",
        "shared.briefing.bak",
    ]  # no lock or temporary file left behind


@pytest.mark.slow  # a dozen processes at once
def test_commands_of_every_kind_and_merging_windows_at_once_lose_nothing(tmp_path: Path) -> None:
    path = new_briefing_file(tmp_path / "shared.briefing")
    writers = [
        window_writer(path, "Window paragraph 0.", pause=0),
        *(add_text(path, f"Command paragraph {n}.") for n in range(3)),
        add_judgment(path, "We judge it likely."),
        *(add_recipient(path, f"desk{n}@agency.example") for n in range(2)),
        window_writer(path, "Window paragraph 1.", pause=0.3),
    ]
    outcomes = run_together(tmp_path / "data", writers)
    assert [(o.status, o.stderr) for o in outcomes] == [(0, "")] * len(writers)
    assert lost_edits(path, writers) == []
    assert all(
        o.stdout.startswith("merged ") and o.stdout != "merged 0 times\n" for o in outcomes if o.writer.window
    )


def test_a_save_over_a_version_it_did_not_read_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    path = new_briefing_file(tmp_path / "b.briefing")
    mine = storage.read(path)
    theirs = storage.read(path)
    edits.add_block(theirs.briefing, "analysis", Paragraph("Saved by the other writer."))
    storage.save(theirs.briefing, path, expected=theirs.revision)
    saved = path.read_bytes()
    edits.add_block(mine.briefing, "analysis", Paragraph("Mine, from an outdated read."))
    with pytest.raises(storage.ChangedOnDiskError, match="was changed by another program since it was read"):
        storage.save(mine.briefing, path, expected=mine.revision)
    assert path.read_bytes() == saved
    path.unlink()
    with pytest.raises(storage.ChangedOnDiskError, match="was deleted since it was read"):
        storage.save(mine.briefing, path, expected=mine.revision)
    assert not path.exists()


HOLD = """
import sys, time
from pathlib import Path
from briefer.core.briefing import edits, storage
from briefer.core.briefing.model import Paragraph
path = Path(sys.argv[1])
with storage.editing(path) as loaded:
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    edits.add_block(loaded.briefing, "analysis", Paragraph("Added while holding the lock."))
    storage.save(loaded.briefing, path, expected=loaded.revision)
"""


def hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process that holds the file's lock for `seconds`, then adds a paragraph and saves."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    with holder.stdout:
        assert holder.stdout.readline() == "locked\n"
    return holder


def test_a_writer_waits_for_another_process_holding_the_lock_then_keeps_its_edit(tmp_path: Path) -> None:
    path = new_briefing_file(tmp_path / "b.briefing")
    holder = hold_lock(path, seconds=2)
    assert filelock.sidecar(path).exists()
    busy = r"another program.*\.b\.briefing\.lock.* for 0 s"
    with pytest.raises(storage.BriefingBusyError, match=busy), storage.editing(path, timeout=0.2):
        pass
    started = time.monotonic()
    with storage.editing(path) as loaded:  # waits for the holder's save, then reads it
        assert time.monotonic() - started > 0.5
        edits.add_block(loaded.briefing, "analysis", Paragraph("Added after waiting."))
        storage.save(loaded.briefing, path, expected=loaded.revision)
    assert holder.wait(timeout=30) == 0
    assert paragraph_texts(path)[-2:] == ["Added while holding the lock.", "Added after waiting."]
    assert not filelock.sidecar(path).exists()


def test_a_killed_lock_holder_never_leaves_the_file_locked(tmp_path: Path) -> None:
    path = new_briefing_file(tmp_path / "b.briefing")
    holder = hold_lock(path, seconds=60)
    holder.kill()
    holder.wait(timeout=30)
    assert filelock.sidecar(path).exists()  # left by the killed holder, but no longer locked
    with storage.editing(path, timeout=1) as loaded:
        storage.save(loaded.briefing, path, expected=loaded.revision)
    assert not filelock.sidecar(path).exists()


def test_threads_of_one_process_take_turns_and_lose_nothing(tmp_path: Path) -> None:
    path = new_briefing_file(tmp_path / "b.briefing")

    def add(n: int) -> None:
        with storage.editing(path) as loaded:
            edits.add_block(loaded.briefing, "analysis", Paragraph(f"Thread {n}."))
            storage.save(loaded.briefing, path, expected=loaded.revision)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(paragraph_texts(path)) == sorted(f"Thread {n}." for n in range(8))
