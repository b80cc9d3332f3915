"""`make stress`: the long versions of the fault tests, with the counts they ran.

    python -m tests.stress.run [--kills 24] [--saves 20] [--writers 20] [--rounds 5] [--fuzz 2000]
                               [--minutes 12] [--seed N]

Kills `briefer index` with SIGKILL at random moments (parsing, index commits, the final commit and
its merge, bulk imports with index sub-writers) and checks what each kill left; kills briefing saves,
.docx exports and autosaving sessions; runs rounds of many processes writing one briefing at once
(`briefer brief` edits and window-like writers that merge) and checks that no edit was lost;
feeds mutated real files to the importers' parser workers;
runs the property-based tests with 20 times their examples; races index opens against another
process's commits.  Every section is bounded in time.  Exit status 1 when a check failed; the known
bugs (strict xfails in the suite) are counted apart.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests import concurrency_support as cs
from tests import fault_support as fs
from tests.conftest import CORPUS

FOLDERS = {  # name: (text articles, HTML pages); the bulk one uses the two-process index writer
    "commits": (2600, 40),
    "bulk": (5300, 0),
}


class Tally:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str]] = []
        self.failures: list[str] = []

    def add(self, section: str, counts: str, verdict: str) -> None:
        self.rows.append((section, counts, verdict))
        print(f"== {section}: {counts} -> {verdict}", flush=True)

    def fail(self, problem: str) -> None:
        self.failures.append(problem)
        print(f"   PROBLEM {problem}", flush=True)


def kill_imports(tally: Tally, work: Path, kills: int, rng: random.Random, budget: float) -> None:
    started = time.monotonic()
    done = finished_first = resumes = cycles = 0
    phases: Counter[str] = Counter()
    triggers: Counter[str] = Counter()
    folders = {}
    for name, (count, pages) in FOLDERS.items():
        folders[name] = (
            work / f"articles-{name}",
            fs.make_import_folder(work / f"articles-{name}", count, pages=pages),
        )
    while done < kills and time.monotonic() - started < budget:
        cycles += 1
        name = "bulk" if cycles % 3 == 0 else "commits"
        folder, total = folders[name]
        data = work / f"data-{cycles}"
        for round_ in range(rng.randint(2, 4)):
            trigger = rng.choice(
                ["time:0.3-2.5", "time:1.5-6", f"catalog:+{rng.randint(100, total // 2)}",
                 f"catalog:+{rng.randint(total // 2, total)}", "complete", "complete"]
            )  # fmt: skip
            if name == "bulk" and round_ == 0:  # the sub-writers at work, or the final multi-segment commit
                trigger = "complete" if cycles % 2 else f"catalog:+{rng.randint(500, total)}"
            kill = fs.kill_import(data, folder, trigger, rng)
            if kill.finished_first:
                finished_first += 1
                break
            done += 1
            resumes += round_ > 0
            triggers[trigger.split(":")[0]] += 1
            if kill.survivors:
                tally.fail(f"import kill {done} ({name}, {trigger}): survivors {kill.survivors}")
            found = fs.inspect_archive(data)
            phase = f"{'bulk' if name == 'bulk' and round_ == 0 else 'normal'}: {found.phase(total)}"
            phases[phase] += 1
            for problem in found.problems + fs.searchable_sample(data, rng, 5):
                tally.fail(f"import kill {done} ({name}, {trigger}, {phase}): {problem}")
        result = subprocess.run(
            fs.briefer_command(data, "index", str(folder)), capture_output=True, text=True
        )
        found = fs.inspect_archive(data)
        if result.returncode != 0 or found.problems or found.documents != total or found.in_index != total:
            tally.fail(
                f"re-run after cycle {cycles} ({name}): exit {result.returncode}, {found}, "
                + result.stderr[-300:]
            )
    tally.add(
        "kill during import",
        f"{done} SIGKILLs in {cycles} imports ({resumes} of them on a resumed import); "
        f"triggers {dict(triggers)}; phases {dict(phases)}; "
        f"{finished_first} imports ended before their kill; {time.monotonic() - started:.0f} s",
        "ok" if done >= kills else f"only {done} kills within the time budget",
    )
    if done < kills:
        tally.fail(f"only {done} of {kills} import kills within {budget:.0f} s")


def kill_writes(tally: Tally, work: Path, kills: int, rng: random.Random) -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])  # noqa: F841  (the sessions need one)
    for label, loop, target, check, delay in (
        (
            "kill during briefing save",
            "save_loop",
            work / "s" / "b.briefing",
            fs.saved_briefing_check,
            (0.2, 1.5),
        ),
        (
            "kill during .docx export",
            "export_loop",
            work / "e" / "b.docx",
            fs.exported_docx_check,
            (0.5, 2.5),
        ),
        ("kill during autosave", "autosave_loop", work / "a", fs.autosave_check, (0.3, 1.5)),
    ):
        started = time.monotonic()
        folder = target if loop == "autosave_loop" else target.parent
        folder.mkdir(parents=True)
        problems = fs.run_kills(loop, target, kills, rng, check(target), delay)
        for problem in problems:
            tally.fail(f"{label}: {problem}")
        leftovers = sum(1 for p in folder.rglob("*.tmp"))
        tally.add(
            label,
            f"{kills} SIGKILLs, {time.monotonic() - started:.0f} s; "
            f"{leftovers} temporary files left by the kills",
            "ok" if not problems else f"{len(problems)} problems",
        )


def concurrent_saves(tally: Tally, work: Path, rounds: int, writers: int, rng: random.Random) -> None:
    """Rounds of `writers` processes started at once on one briefing: `brief add-text`,
    `add-judgment`, `recipients --add` and window-like writers that keep the file a while, then
    merge with what the others saved.  Every one must succeed and leave its edit in the file."""
    from briefer.core.briefing import storage, templates

    started = time.monotonic()
    kinds: Counter[str] = Counter()
    merges = problems = 0
    for round_ in range(rounds):
        path = work / f"round-{round_}" / "shared.briefing"
        path.parent.mkdir(parents=True)
        storage.save(templates.new_briefing(templates.load("assessment"), title=f"Round {round_}"), path)
        team = [_writer(path, f"{round_}.{n}", rng, kinds) for n in range(writers)]
        outcomes = cs.run_together(work / "data", team)
        for outcome in outcomes:
            if outcome.status or outcome.stderr:
                problems += 1
                tally.fail(
                    f"round {round_}: {outcome.writer.args} -> {outcome.status}: {outcome.stderr[-300:]}"
                )
        for lost in cs.lost_edits(path, team):
            problems += 1
            tally.fail(f"round {round_}: lost the {lost}")
        left = sorted(p.name for p in path.parent.iterdir()) != [path.name, f"{path.name}.bak"]
        if left:
            problems += 1
            tally.fail(f"round {round_}: files left beside the briefing: {sorted(os.listdir(path.parent))}")
        merges += sum(int(o.stdout.split()[1]) for o in outcomes if o.writer.window and o.stdout)
    tally.add(
        "concurrent saves from several processes",
        f"{rounds} rounds of {writers} writers at once ({dict(kinds)}); the window-like writers "
        f"merged {merges} times; {time.monotonic() - started:.0f} s",
        "ok" if not problems else f"{problems} problems",
    )


def _writer(path: Path, tag: str, rng: random.Random, kinds: Counter[str]) -> cs.Writer:
    kind = rng.choices(["add-text", "add-judgment", "recipients", "window"], weights=[6, 2, 2, 2])[0]
    kinds[kind] += 1
    if kind == "add-judgment":
        return cs.add_judgment(path, f"Judgment {tag}.")
    if kind == "recipients":
        return cs.add_recipient(path, f"desk-{tag.replace('.', '-')}@agency.example")
    if kind == "window":
        return cs.window_writer(path, f"Window paragraph {tag}.", pause=rng.uniform(0, 1))
    return cs.add_text(path, f"Paragraph {tag}.")


def fuzz_files(tally: Tally, work: Path, cases: int, rng: random.Random, budget: float) -> None:
    seeds = fs.fuzz_seeds(CORPUS)
    if not seeds:
        tally.add("file fuzzing", "skipped", f"{CORPUS} is absent")
        return
    keep = work / "fuzz-findings"
    report = fs.fuzz_importers(seeds, cases, rng, budget=budget, time_limit=20, keep=keep)
    for finding in report.findings:
        tally.fail(f"fuzz {finding}")
    sizes = {kind: len(paths) for kind, paths in seeds.items()}
    tally.add(
        "file fuzzing (mutated real files, parser workers)",
        f"{report.cases} cases from {sum(sizes.values())} seeds {sizes} in {report.seconds:.0f} s: "
        f"{report.outcomes}",
        "ok"
        if not report.findings and report.cases >= cases
        else f"{len(report.findings)} findings; kept in {keep}",
    )
    if report.cases < cases:
        tally.fail(f"only {report.cases} of {cases} fuzz cases within {budget:.0f} s")


def stress_only_tests(tally: Tally) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "tests/core/test_faults.py",
         "tests/core/test_hostile_input.py", "tests/core/test_two_instances.py", "-k",
         "live_writer or whole_import or started_together"],
        capture_output=True, text=True, cwd=fs.REPO, env={**os.environ, "BRIEFER_STRESS": "1"},
    )  # fmt: skip
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-300:]
    if result.returncode != 0 or "skipped" in last:
        tally.fail(f"stress-only tests: {result.stdout[-3000:]}")
    tally.add(
        "stress-only tests (a live lock holder, a whole hostile import, two imports at once)",
        f"{time.monotonic() - started:.0f} s",
        last,
    )


def properties(tally: Tally, scale: int) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/core/test_hostile_input.py",
         "-k", "any_ or damaged_briefing", "--hypothesis-show-statistics"],
        capture_output=True, text=True, cwd=fs.REPO, env={**os.environ, "BRIEFER_FUZZ_SCALE": str(scale)},
    )  # fmt: skip
    examples = sum(
        int(line.split()[1])
        for line in result.stdout.splitlines()
        if line.strip().startswith("- ") and "passing" in line
    )
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-300:]
    if result.returncode != 0:
        tally.fail(f"property-based tests: {result.stdout[-3000:]}")
    tally.add(
        f"property-based tests x{scale}",
        f"{examples} examples (queries, HTML, feeds, e-mail, Word, briefing files, exports) in "
        f"{time.monotonic() - started:.0f} s",
        last,
    )


def open_race(tally: Tally, work: Path, seconds: float) -> None:
    """Opening the index while another process commits: every open must find the index whole, and
    none may rebuild it under the writer (tests/core/test_two_instances.py makes one such race)."""
    from briefer.core.index import SearchIndex

    folder, data = work / "race-articles", work / "race-data"
    fs.make_import_folder(folder, 50)
    subprocess.run(fs.briefer_command(data, "index", str(folder)), check=True, capture_output=True)
    writer = subprocess.Popen(
        [sys.executable, "-c", fs.TAGGER, str(data), str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=fs.REPO,
    )
    opens, outcomes = 0, Counter[str]()
    while writer.poll() is None:
        try:
            index = SearchIndex(data / "whoosh")
            outcomes["rebuilt (deleted under the writer)" if index.rebuilt_reason else "ok"] += 1
            index.close()
        except Exception as exc:
            outcomes[f"{type(exc).__name__}"] += 1
        opens += 1
    out, err = writer.communicate()
    last_words = (err or "").strip().splitlines()[-1:] or ["?"]
    died = f"; the writing process died: {last_words[0]}" if writer.returncode else ""
    bad = opens - outcomes["ok"]
    if bad or died:
        tally.fail(f"index opened during another process's commits: {bad} bad opens{died}")
    tally.add(
        "index opened during another process's commits",
        f"{opens} opens during {out.strip() or 'its'} commits: {dict(outcomes)}{died}",
        f"{bad} bad opens" if bad or died else "ok",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=24, help="SIGKILLs of `briefer index` (default 24)")
    parser.add_argument("--saves", type=int, default=20, help="SIGKILLs of each save, export, autosave")
    parser.add_argument("--writers", type=int, default=20, help="processes writing one briefing at once")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of those concurrent writers")
    parser.add_argument("--fuzz", type=int, default=2000, help="mutated files to parse (default 2000)")
    parser.add_argument("--scale", type=int, default=20, help="property-based examples, times the suite's")
    parser.add_argument("--minutes", type=float, default=12, help="time budget of each long section")
    parser.add_argument("--seed", type=int, default=random.randrange(1 << 30))
    args = parser.parse_args()
    print(f"stress run, seed {args.seed} (--seed {args.seed} repeats it)", flush=True)
    rng = random.Random(args.seed)
    tally = Tally()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="briefer-stress-") as folder:
        work = Path(folder)
        kill_imports(tally, work / "import", args.kills, rng, args.minutes * 60)
        kill_writes(tally, work / "writes", args.saves, rng)
        concurrent_saves(tally, work / "concurrent", args.rounds, args.writers, rng)
        fuzz_files(tally, work, args.fuzz, rng, args.minutes * 60)
        properties(tally, args.scale)
        stress_only_tests(tally)
        open_race(tally, work, 20)
        if tally.failures:  # keep what the findings need to be reproduced
            kept = fs.REPO / "benchmarks" / "out" / "stress-findings"
            kept.mkdir(parents=True, exist_ok=True)
            for path in (work / "fuzz-findings").glob("*"):
                path.replace(kept / path.name)
    print(f"\nstress summary (seed {args.seed}, {time.monotonic() - started:.0f} s):")
    for section, counts, verdict in tally.rows:
        print(f"- {section}: {counts}\n  -> {verdict}")
    print(f"{len(tally.failures)} problems" + (":" if tally.failures else ""))
    for problem in tally.failures:
        print(f"  {problem}")
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
