"""Shared helpers of the benchmarks: corpus location, timing, memory."""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BRIEFER_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"
OUT = REPO / "benchmarks" / "out"


def need(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"benchmark needs {path} (the shared corpus beside the checkout)")
    return path


def reuters_records() -> Iterator[dict[str, object]]:
    with need(CORPUS / "reuters21578.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def write_reuters_as_text(folder: Path) -> int:
    """Write each Reuters article as a .txt with Briefer's metadata header; returns the count."""
    if folder.is_dir() and any(folder.iterdir()):
        return sum(1 for _ in folder.iterdir())
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for record in reuters_records():
        header = [
            f"Title: {record.get('title') or 'Untitled'}",
            "Source: Reuters",
            f"Published: {record.get('date') or ''}",
        ]
        body = str(record.get("text") or "")
        (folder / f"{record['id']}.txt").write_text("\n".join(header) + "\n\n" + body, encoding="utf-8")
        count += 1
    return count


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary_ms(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"p50 {percentile(ms, 0.5):6.1f} ms  p95 {percentile(ms, 0.95):6.1f} ms  "
        f"max {max(ms):6.1f} ms  mean {statistics.mean(ms):6.1f} ms"
    )


def peak_rss_mb_children_and_self() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest waited-for child, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children
