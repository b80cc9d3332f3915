"""A killed import leaves no process behind and resumes on the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from briefer.core.archive import Archive
from briefer.core.archive.importer import BULK_THRESHOLD

WORDS = [
    "artillery",
    "shells",
    "rail",
    "convoy",
    "satellite",
    "launch",
    "sanctions",
    "envoy",
    "cosmodrome",
    "treaty",
]


def make_articles(folder: Path, count: int) -> None:
    folder.mkdir()
    for n in range(count):
        words = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(40))
        (folder / f"a{n:05}.txt").write_text(f"Title: Report {n}\n\nmarker{n} {words}.\n", encoding="utf-8")


@pytest.mark.slow
def test_killed_bulk_import_leaves_no_worker_and_resumes(tmp_path: Path) -> None:
    count = BULK_THRESHOLD + 500  # large enough for the two-process index writer
    folder = tmp_path / "articles"
    make_articles(folder, count)
    data = tmp_path / "data"
    command = [sys.executable, "-m", "briefer", "--data-dir", str(data), "index", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(process.pid)
    deadline = time.monotonic() + 120
    workers: list[psutil.Process] = []
    while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
        workers = parent.children(recursive=True)
        time.sleep(0.05)
    assert len(workers) >= 2, "the bulk import never started its index workers"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, f"index workers outlived their killed parent: {alive}"

    with Archive(data) as archive:  # the next run finishes the job
        summary = archive.import_paths([folder])
        assert summary.counts["failed"] == 0
        assert archive.stats().documents == count
        assert archive.stats().unindexed == 0
        for n in (0, count // 2, count - 1):
            assert len(archive.search(f"marker{n}").hits) == 1
