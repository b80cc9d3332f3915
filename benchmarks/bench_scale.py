"""Scale benchmark (#24): import and search as the archive grows, with bare Whoosh beside each figure.

    .venv/bin/python benchmarks/bench_scale.py [--size 100000] [--imports reuters,first,big]
                                               [--skip-search] [--skip-pdf] [--skip-bare]

In one run:
  - `briefer index` of Reuters-21578 (21,578 short articles) and of bench_search.py's own
    generated set of `--size` articles (build_big), each into a fresh data folder: docs/s, CPU
    per document and per KB of text (user + system time of every process of the command: parent,
    parsers, sub-writers; and by process role), their ratios, and the peak resident memory of each
    process and of all of them together (sampled every 50 ms);
  - the same articles indexed by bare Whoosh (bench_search.py's default setup, one process), measured
    the same way;
  - at `--size`, bench_search.py's queries (warm, top 20 with snippets): p95 and max of all
    queries, the phrases and the date-filtered ones, Briefer beside bare Whoosh;
  - PDF pages/s beside raw pypdfium2 (bench_import.py's `pdf_throughput`).
The generated texts are cached under benchmarks/out/search/ (shared with bench_search.py); the
archives are built afresh in benchmarks/out/scale/ on every run.  The machine's load average is
printed with the figures: CPU times are what to compare on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import bench_search
from benchmarks.common import OUT, reuters_records

ROOT = OUT / "scale"
REUTERS = 21_578
TARGET_RATE = 600.0  # docs/s at 100k
TARGET_CPU_RATIO = 1.2  # CPU per document at 100k / at 21k
TARGET_RSS_MB = 300.0  # peak of all import processes together
TARGET_P95_PHRASE = 60.0
TARGET_P95_ALL = 100.0
TARGET_MAX = 500.0
TARGET_PDF_SHARE = 0.7  # of raw pypdfium2's serial pages/s
_SAMPLE_S = 0.05
_FAMILY_S = 0.25  # how often the process tree is walked again for new processes


@dataclass
class Run:
    """One measured command: wall and CPU seconds, documents, peak RSS by process role."""

    label: str
    docs: int
    text_bytes: int  # of the files imported: the sets' articles differ in length
    wall: float
    cpu: float
    peaks: dict[str, float] = field(default_factory=dict)  # role -> peak MB (the largest of that role)
    total_peak: float = 0.0  # the peak of the sum over all processes at one instant
    cpu_by_role: dict[str, float] = field(default_factory=dict)  # role -> CPU s, as last sampled

    @property
    def ms_per_kb(self) -> float:
        """CPU per KB of text: the sets' articles differ in length, and so does their cost."""
        return 1000 * self.cpu / (self.text_bytes / 1024)

    @property
    def rate(self) -> float:
        return self.docs / self.wall

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.docs

    @property
    def kb_per_doc(self) -> float:
        return self.text_bytes / 1024 / self.docs


def _role(proc: psutil.Process, root: int, cmdlines: dict[int, str]) -> str:
    """parent, parser (a spawned worker under a memory limit), sub-writer (a spawned worker
    without one), or other (the resource tracker, or a process that has exited).  A process's
    command line is read once (`cmdlines`); its limit each time (a parser sets it once started)."""
    if proc.pid == root:
        return "parent"
    try:
        line = cmdlines.get(proc.pid) or cmdlines.setdefault(proc.pid, " ".join(proc.cmdline()))
        if "resource_tracker" in line or "spawn_main" not in line:
            return "other"
        soft, _ = proc.rlimit(psutil.RLIMIT_AS)
    except psutil.Error:
        return "other"
    return "sub-writer" if soft == psutil.RLIM_INFINITY else "parser"


def watched(label: str, command: list[str], texts: tuple[int, int]) -> Run:
    """Run `command`, sampling the resident memory of it and every process it starts.

    The sampling keeps its own cost down (it shares the 2 cores it measures): the process tree is
    walked every _FAMILY_S (a walk reads every process of the machine), each process's command line
    is read once, and a parser's role, once known, is not asked again."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    per_pid: dict[int, tuple[str, float]] = {}
    cpu_of: dict[int, float] = {}  # pid -> user + system CPU s when last sampled
    cmdlines: dict[int, str] = {}
    total_peak = 0.0
    root = psutil.Process(proc.pid)
    family: list[psutil.Process] = [root]
    walked = 0.0
    while proc.poll() is None:
        if time.perf_counter() - walked >= _FAMILY_S:
            try:
                known = {p.pid: p for p in family}
                family = [root, *(known.get(c.pid, c) for c in root.children(recursive=True))]
            except psutil.Error:
                family = [root]
            walked = time.perf_counter()
        total = 0.0
        for p in family:
            try:
                rss = p.memory_info().rss / 2**20
                times = p.cpu_times()
            except psutil.Error:
                continue
            cpu_of[p.pid] = times.user + times.system
            total += rss
            role, peak = per_pid.get(p.pid, ("", 0.0))
            if role != "parser":  # a parser sets its memory limit once started: asked until then
                found = _role(p, proc.pid, cmdlines)
                if found != "other" or not role:  # an exiting process reads as "other": keep its role
                    role = found
            per_pid[p.pid] = (role, max(peak, rss))
        total_peak = max(total_peak, total)
        time.sleep(_SAMPLE_S)
    wall = time.perf_counter() - started
    if proc.returncode:
        sys.exit(f"{label}: {' '.join(command)} exited with {proc.returncode}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    run = Run(label, texts[0], texts[1], wall, cpu, total_peak=total_peak)
    for pid, (role, _) in per_pid.items():  # up to 50 ms of each process's last CPU is not seen
        run.cpu_by_role[role] = run.cpu_by_role.get(role, 0.0) + cpu_of.get(pid, 0.0)
    counts: dict[str, int] = {}
    for role, peak in sorted(per_pid.values(), key=lambda rp: -rp[1]):
        counts[role] = counts.get(role, 0) + 1
        run.peaks[f"{role} {counts[role]}" if role != "parent" else role] = peak
    return run


def briefer_import(label: str, folders: list[Path], data: Path) -> Run:
    shutil.rmtree(data, ignore_errors=True)
    command = [sys.executable, "-m", "briefer", "--data-dir", str(data), "index", *map(str, folders)]
    return watched(label, command, measure_texts(folders))


def bare_import(label: str, texts: Path, target: Path) -> Run:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    root = str(Path(__file__).resolve().parents[1])
    return watched(
        label,
        [sys.executable, "-c", bench_search.BARE_BUILD, str(target), str(texts), root],
        measure_texts([texts]),
    )


def measure_texts(folders: list[Path]) -> tuple[int, int]:
    """How many .txt files `folders` hold, and their bytes."""
    sizes = [path.stat().st_size for folder in folders for path in folder.rglob("*.txt")]
    return len(sizes), sum(sizes)


# -- the report ----------------------------------------------------------------------------
def verdict(value: float, limit: float, *, at_least: bool = False) -> str:
    ok = value >= limit if at_least else value <= limit
    return f"{'>=' if at_least else '<='} {limit:<7g} {'ok' if ok else 'MISSED'}"


def report_imports(small: Run | None, same_set: Run | None, big: Run | None, bare: list[Run]) -> None:
    """The import figures of the runs made (`--imports` may leave some out), with the ratios and
    targets that the runs made allow."""
    print("\nImport (`briefer index` into a fresh data folder; bare Whoosh: one writer, same texts)")
    print(
        f"  {'':36} {'docs':>7} {'KB/doc':>6} {'docs/s':>7} {'CPU ms/doc':>10} {'ms/KB':>6} "
        f"{'peak MB (all)':>13}"
    )
    ours = [run for run in (small, same_set, big) if run is not None]
    runs = ours + bare
    for run in runs:
        print(
            f"  {run.label:36} {run.docs:7d} {run.kb_per_doc:6.2f} {run.rate:7.0f} {run.cpu_ms:10.2f} "
            f"{run.ms_per_kb:6.2f} {run.total_peak:13.0f}"
        )
    if big is not None and same_set is not None:
        print(
            f"  CPU/doc at {big.docs:,} over the same set's first {same_set.docs:,} (articles alike in "
            f"length): {big.cpu_ms / same_set.cpu_ms:.2f}"
        )
    if big is not None and small is not None:
        print(
            f"  CPU per KB at {big.docs:,} over Reuters' (articles of different length): "
            f"{big.ms_per_kb / small.ms_per_kb:.2f}"
        )
    print("  CPU by process role (s; ms per document):")
    for run in ours:
        parts = ", ".join(
            f"{role} {cpu:.1f} ({1000 * cpu / run.docs:.2f})" for role, cpu in sorted(run.cpu_by_role.items())
        )
        print(f"    {run.label:32} {parts}")
    print("  peak resident memory by process (MB):")
    for run in runs:
        parts = ", ".join(f"{role} {mb:.0f}" for role, mb in run.peaks.items())
        print(f"    {run.label:32} {parts}; sum of peaks {sum(run.peaks.values()):.0f}")
    print("  targets:")
    if big is not None:
        print(
            f"    docs/s at {big.docs:,}{'':14} {big.rate:8.0f} {verdict(big.rate, TARGET_RATE, at_least=True)}"
        )
    if big is not None and small is not None:
        ratio = big.cpu_ms / small.cpu_ms
        print(
            f"    CPU/doc {big.docs:,} / {small.docs:,}{'':8} {ratio:8.2f} {verdict(ratio, TARGET_CPU_RATIO)}"
        )
    for run in ours:
        print(
            f"    peak MB, all processes, {run.docs:>7,} {run.total_peak:6.0f} {verdict(run.total_peak, TARGET_RSS_MB)}"
        )
    if len(bare) == 2 and big is not None:
        bare_small, bare_big = bare
        bare_ratio = bare_big.cpu_ms / bare_small.cpu_ms
        print(
            f"    (bare Whoosh's CPU/doc ratio {bare_ratio:.2f}; Briefer / bare at {big.docs:,}: "
            f"{big.cpu_ms / bare_big.cpu_ms:.2f}x CPU, {big.rate / bare_big.rate:.2f}x docs/s)"
        )


def query_rows(figures: dict[str, Any], key: str = "plain") -> dict[str, list[float]]:
    queries = bench_search.read_queries(bench_search.QUERIES)
    cats = [bench_search.category(q, f) for q, f in queries]
    plain = figures[key]
    return {
        "all": plain,
        "phrase": [t for t, c in zip(plain, cats, strict=True) if c == "phrase"],
        "date": [t for t, c in zip(plain, cats, strict=True) if c == "date"],
    }


def report_queries(size: int, ours: dict[str, Any], bare: dict[str, Any] | None) -> None:
    print(f"\nSearch at {size:,} (bench_search.py's queries, warm, top {bench_search.TOP} with snippets, ms)")
    mine = query_rows(ours)
    theirs = query_rows(bare) if bare is not None else {}
    targets = {"all": TARGET_P95_ALL, "phrase": TARGET_P95_PHRASE, "date": None}
    print(f"  {'':12} {'Briefer p95':>11} {'max':>7}   {'Whoosh p95':>10} {'max':>7}   target")
    for row, values in mine.items():
        p95, top = bench_search.ms(values, 0.95), bench_search.ms(values, 1.0)
        other = theirs.get(row)
        bare_cols = (
            f"{bench_search.ms(other, 0.95):10.1f} {bench_search.ms(other, 1.0):7.1f}"
            if other
            else f"{'-':>10} {'-':>7}"
        )
        limit = targets[row]
        aim = f"p95 {verdict(p95, limit)}" if limit else ""
        print(f"  {row + f' ({len(values)})':12} {p95:11.1f} {top:7.1f}   {bare_cols}   {aim}")
    worst = bench_search.ms(mine["all"], 1.0)
    print(f"  slowest query {worst:.0f} ms {verdict(worst, TARGET_MAX)}")
    if ours.get("first_cpu"):  # bench_search.py's first pass in CPU ms, what #24's targets read
        cpu = query_rows(ours, "first_cpu")
        print(
            "  first pass, CPU ms (Briefer): "
            + ", ".join(
                f"{row} p95 {bench_search.ms(v, 0.95):.1f} max {bench_search.ms(v, 1.0):.1f}"
                for row, v in cpu.items()
            )
        )


def report_pdf() -> None:
    """PDF pages/s beside raw pypdfium2: bench_import.py's measurement (`pdf_throughput`)."""
    from benchmarks import bench_import

    figures = bench_import.pdf_throughput(OUT / "import")
    ours, raw = figures["pages_per_s"], figures["raw_pages_per_s"]
    print(
        f"\nPDF: {figures['pages']:.0f} pages in {figures['files']:.0f} files (`briefer index`, process start included)"
    )
    print(f"  Briefer {ours:.0f} pages/s, raw pypdfium2 (serial) {raw:.0f} pages/s")
    print(f"  share {figures['ratio']:.2f} {verdict(figures['ratio'], TARGET_PDF_SHARE, at_least=True)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="articles of the generated set (100000)")
    parser.add_argument("--skip-search", action="store_true", help="no query figures")
    parser.add_argument("--skip-pdf", action="store_true", help="no PDF figures")
    parser.add_argument("--skip-bare", action="store_true", help="no bare Whoosh figures")
    parser.add_argument(
        "--imports",
        default="reuters,first,big",
        help="which Briefer imports to run, comma-separated: reuters, first (the set's first 22,000), "
        "big (the whole set); default all three",
    )
    args = parser.parse_args()
    next(reuters_records())  # fails early with a clear message when the corpus is absent
    ROOT.mkdir(parents=True, exist_ok=True)
    bench_search.ROOT.mkdir(parents=True, exist_ok=True)
    print(f"== preparing the texts (cached under {bench_search.ROOT})")
    reuters = bench_search.build_reuters(bench_search.ROOT)
    big = (
        bench_search.build_big(bench_search.ROOT, args.size) if args.size == bench_search.BIG_COUNT else None
    )
    if big is None:
        big = bench_search.build_big(ROOT / f"set-{args.size}", args.size)
    load_before = os.getloadavg()
    wanted = set(args.imports.split(","))
    small_run = same_set = big_run = None
    if "reuters" in wanted:
        small_run = briefer_import("Briefer, Reuters", [reuters], ROOT / "reuters-data")
    if "first" in wanted:
        # The generated set's first folders (1,000 articles each) as many as Reuters has articles:
        # its articles are about twice as long as Reuters', so this tells growth from length.
        first = sorted(p for p in big.iterdir() if p.is_dir())[: -(-REUTERS // 1000)]
        same_set = briefer_import(f"Briefer, first {len(first)},000 of the set", first, ROOT / "first-data")
    big_data = ROOT / f"{args.size}-data"
    if "big" in wanted:
        big_run = briefer_import(f"Briefer, {args.size:,}", [big], big_data)
    bare: list[Run] = []
    if not args.skip_bare:
        bare.append(bare_import("bare Whoosh, Reuters", reuters, ROOT / "reuters-bare"))
        bare.append(bare_import(f"bare Whoosh, {args.size:,}", big, ROOT / f"{args.size}-bare"))
    report_imports(small_run, same_set, big_run, bare)
    if not args.skip_search and big_run is not None:  # the queries run on the whole set's archive
        ours = bench_search.run_child("ours", big_data)
        bare = (
            None
            if args.skip_bare
            else bench_search.run_child("bare", ROOT / f"{args.size}-bare", facets=False)
        )
        report_queries(args.size, ours, bare)
    if not args.skip_pdf:
        report_pdf()
    load_after = os.getloadavg()
    print(
        f"\n(run at {datetime.now():%Y-%m-%d %H:%M}; load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after, on {os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    main()
