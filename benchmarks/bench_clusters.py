"""Clustering benchmark: what finding near-duplicate copies adds to an import.

    .venv/bin/python benchmarks/bench_clusters.py [--sets reuters,state] [--rounds N] [--sample N]

Imports the Reuters-21578 set (written as .txt files, as bench_foundation.py does) and the
1,337 State Department pages (../shared/corpus/state-dept/html) with `briefer index` into
fresh data folders, each with clustering off and on, in the same run; rounds alternate the
order.  Clustering is switched off the way a user does it, by storing the threshold 0 in the
archive before importing (`briefer cluster --threshold 0`); on is the default threshold 0.8.
Prints the import times, the ratio on / off (target: at most 1.25), how many clusters were
found, and a few random clusters (titles, outlets, dates) to check by eye.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import CORPUS, OUT, need, write_reuters_as_text

ROOT = OUT / "clusters"


def import_once(folder: Path, data: Path, *, cluster: bool) -> tuple[float, float]:
    """Seconds `briefer index FOLDER` takes in a fresh data folder, clustering on or off: wall
    time, and the CPU time of all its processes (parsers and index writers included)."""
    from briefer.core.archive import Archive

    shutil.rmtree(data, ignore_errors=True)
    if not cluster:
        with Archive(data) as archive:
            archive.recluster(0)
    command = [sys.executable, "-m", "briefer", "--data-dir", str(data), "index", str(folder)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu


def show_clusters(data: Path, sample: int, seed: int = 8) -> None:
    from briefer.core.archive import Archive

    with Archive(data) as archive:
        stats = archive.cluster_stats()
        print(f"  {stats.line()}")
        clusters = archive.largest_clusters(limit=100_000)
        sizes = [size for _, size in clusters]
        if sizes:
            print(f"  cluster sizes: largest {max(sizes)}, median {statistics.median(sizes):g}")
        for cluster, size in random.Random(seed).sample(clusters, min(sample, len(clusters))):
            print(f"  - {size} documents:")
            for doc in archive.cluster(cluster):
                when = doc.published.strftime("%Y-%m-%d %H:%M") if doc.published else "undated"
                mark = "*" if doc.id == cluster else " "
                print(f"     {mark} {when}  {doc.source[:24]:24}  {doc.title[:70]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="reuters,state", help="reuters, state or both (default)")
    parser.add_argument("--rounds", type=int, default=1, help="imports of each kind per set (default 1)")
    parser.add_argument("--sample", type=int, default=5, help="random clusters to print (default 5)")
    args = parser.parse_args()
    ROOT.mkdir(parents=True, exist_ok=True)
    sets: dict[str, Path] = {}
    if "reuters" in args.sets:
        need(CORPUS / "reuters21578.jsonl")
        texts = ROOT / "reuters-txt"
        write_reuters_as_text(texts)
        sets["Reuters-21578 (.txt)"] = texts
    if "state" in args.sets:
        sets["State Department (.html)"] = need(CORPUS / "state-dept" / "html")
    for name, folder in sets.items():
        files = sum(1 for p in folder.iterdir() if p.is_file())
        print(f"\n{name}: {files} files")
        times: dict[bool, list[float]] = {False: [], True: []}
        cpus: dict[bool, list[float]] = {False: [], True: []}
        for round_ in range(args.rounds):
            for cluster in (False, True) if round_ % 2 == 0 else (True, False):
                data = ROOT / f"data-{folder.name}-{'on' if cluster else 'off'}"
                seconds, cpu = import_once(folder, data, cluster=cluster)
                times[cluster].append(seconds)
                cpus[cluster].append(cpu)
                print(
                    f"  clustering {'on ' if cluster else 'off'}: {seconds:6.1f} s  (CPU of all processes {cpu:6.1f} s)"
                )
        off, on = statistics.median(times[False]), statistics.median(times[True])
        print(
            f"  median ratio on / off: {on / off:.3f}  ({100 * (on / off - 1):+.1f}%; target: at most +25%)"
        )
        cpu_off, cpu_on = statistics.median(cpus[False]), statistics.median(cpus[True])
        print(
            f"  CPU ratio on / off:    {cpu_on / cpu_off:.3f}  (less sensitive to other work on the machine)"
        )
        show_clusters(ROOT / f"data-{folder.name}-on", args.sample)
    print(f"\n(run at {datetime.now():%Y-%m-%d %H:%M} on a shared 2-core machine; times vary between runs)")


if __name__ == "__main__":
    main()
