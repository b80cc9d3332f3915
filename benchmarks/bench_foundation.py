"""Foundation benchmark: import the Reuters-21578 set, then search it, beside bare Whoosh.

    .venv/bin/python benchmarks/bench_foundation.py [--queries N]

Prints import speed and the peak memory of all the import's processes together,
warm search latency (top 10 with snippets), and the same figures for a bare
Whoosh baseline on the same machine in the same run: the same fields and
analyzers with the body stored, one default writer, `hit.highlights("body")`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import CORPUS, OUT, reuters_records, summary_ms, write_reuters_as_text

QUERIES = Path(__file__).with_name("queries_reuters.txt")


def run_measured(command: list[str]) -> tuple[float, float, str]:
    """Run `command`; return its wall time, the peak summed RSS of its process tree (MB), and how
    that peak divides between the processes ("parent + children", MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(command)
    watched = psutil.Process(process.pid)
    peak = 0
    parts = ""
    while process.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            sizes = [p.memory_info().rss for p in tree]
            if sum(sizes) > peak:
                peak = sum(sizes)
                parts = " + ".join(f"{s / 1e6:.0f}" for s in sizes)
        except psutil.Error:
            pass
        time.sleep(0.05)
    if process.returncode:
        sys.exit(f"{command} failed with {process.returncode}")
    return time.perf_counter() - started, peak / 1e6, parts


BARE_SCRIPT = r"""
import json, sys
from datetime import datetime
from whoosh import fields, index
from whoosh.analysis import RegexTokenizer, LowercaseFilter, StemmingAnalyzer
names = RegexTokenizer() | LowercaseFilter()
schema = fields.Schema(
    id=fields.ID(stored=True, unique=True), title=fields.TEXT(stored=True, field_boost=2.0),
    body=fields.TEXT(analyzer=StemmingAnalyzer(), stored=True), source=fields.TEXT(analyzer=names),
    author=fields.TEXT(analyzer=names), published=fields.DATETIME(stored=True, sortable=True),
    url=fields.ID(), language=fields.ID(), type=fields.ID(), tag=fields.KEYWORD(lowercase=True, commas=True))
ix = index.create_in(sys.argv[1], schema)
writer = ix.writer()
for line in open(sys.argv[2], encoding="utf-8"):
    r = json.loads(line)
    doc = dict(id=r["id"], title=r.get("title") or "", body=r.get("text") or "", source="Reuters")
    if r.get("date"):
        doc["published"] = datetime.fromisoformat(r["date"])
    writer.add_document(**doc)
writer.commit()
"""


def bench_import(root: Path) -> dict[str, float]:
    docs = root / "reuters-txt"
    count = write_reuters_as_text(docs)
    data = root / "briefer-data"
    shutil.rmtree(data, ignore_errors=True)
    command = [sys.executable, "-m", "briefer", "--data-dir", str(data), "index", str(docs)]
    ours, ours_mb, ours_parts = run_measured(command)
    bare_dir = root / "bare-whoosh"
    shutil.rmtree(bare_dir, ignore_errors=True)
    bare_dir.mkdir(parents=True)
    corpus = CORPUS / "reuters21578.jsonl"
    bare, bare_mb, bare_parts = run_measured([sys.executable, "-c", BARE_SCRIPT, str(bare_dir), str(corpus)])
    print(f"\nImport of {count} Reuters articles (.txt files written first)")
    for name, seconds, mb, parts in (
        ("Briefer    ", ours, ours_mb, ours_parts),
        ("bare Whoosh", bare, bare_mb, bare_parts),
    ):
        print(
            f"  {name} {seconds:6.1f} s  {count / seconds:6.0f} docs/s  peak RSS (all) {mb:5.0f} MB"
            f"  (parent first: {parts})"
        )
    print(f"  time ratio Briefer / bare: {ours / bare:.2f}  (targets: >= 1000 docs/s, <= 300 MB)")
    return {"docs": count, "ours_s": ours, "bare_s": bare, "ours_mb": ours_mb, "bare_mb": bare_mb}


def time_queries(search: object, queries: list[str]) -> list[float]:
    for query in queries:  # warm up: caches, lazily loaded segments
        search(query)  # type: ignore[operator]
    timings = []
    for query in queries:
        started = time.perf_counter()
        search(query)  # type: ignore[operator]
        timings.append(time.perf_counter() - started)
    return timings


def bench_search(root: Path, queries: list[str]) -> None:
    from whoosh import index, qparser

    from briefer.core.archive import Archive

    with Archive(root / "briefer-data") as archive:
        ours = time_queries(lambda q: archive.search(q, limit=10), queries)
    bare_ix = index.open_dir(str(root / "bare-whoosh"))
    searcher = bare_ix.searcher()
    parser = qparser.MultifieldParser(["title", "body"], schema=bare_ix.schema)

    def bare_search(query: str) -> list[str]:
        results = searcher.search(parser.parse(query), limit=10)
        return [hit.highlights("body") for hit in results]

    bare = time_queries(bare_search, queries)
    searcher.close()
    print(f"\nWarm search, {len(queries)} queries, top 10 with highlighted snippets")
    print(f"  Briefer     {summary_ms(ours)}")
    print(f"  bare Whoosh {summary_ms(bare)}")
    p95 = sorted(ours)[int(0.95 * (len(ours) - 1))] / sorted(bare)[int(0.95 * (len(bare) - 1))]
    print(f"  p95 ratio Briefer / bare: {p95:.2f}  (target: p95 <= 50 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-import", action="store_true", help="reuse the last run's indexes")
    args = parser.parse_args()
    root = OUT / "foundation"
    root.mkdir(parents=True, exist_ok=True)
    next(reuters_records())  # fails early with a clear message when the corpus is absent
    if not args.skip_import:
        figures = bench_import(root)
        (root / "import.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    queries = [q for q in QUERIES.read_text(encoding="utf-8").splitlines() if q.strip()]
    bench_search(root, queries)
    print(f"\n(run at {datetime.now():%Y-%m-%d %H:%M}; figures vary by a few percent between runs)")


if __name__ == "__main__":
    main()
