"""`make stress`: the long versions of the fault tests, with the counts they ran.

    python -m tests.stress.run [--kills 24] [--saves 20] [--writers 20] [--rounds 5] [--fuzz 2000]
                               [--minutes 12] [--hostile 12] [--bomb-rounds 2] [--seed N]

Kills `briefer index` with SIGKILL at random moments (parsing, index commits, the final commit and
its merge, bulk imports with index sub-writers) and checks what each kill left; kills briefing saves,
.docx exports and autosaving sessions; runs rounds of many processes writing one briefing at once
(`briefer brief` edits and window-like writers that merge) and checks that no edit was lost;
feeds mutated real files to the importers' parser workers;
runs the property-based tests with 20 times their examples; races index opens against another
process's commits; imports folders full of named pipes, sockets, device files, links to devices and
files that grow while the import runs, and folders of expansion and memory bombs.  Every section is
bounded in time.  Exit status 1 when a check failed; the known bugs (strict xfails in the suite) are
counted apart.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests import concurrency_support as cs
from tests import fault_support as fs
from tests.conftest import CORPUS
from tests.core import hostile_files as hostile

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


def expansion_bombs(tally: Tally, work: Path, rng: random.Random, rounds: int) -> None:
    """A folder of bombs imported with the default limits: each ends with the bound it hit (or the
    time limit), the good file beside them is imported, and the import stays within bounds."""
    statuses: Counter[str] = Counter()
    bombs = seconds = peak = catalog = 0.0
    for round_ in range(rounds):
        folder = work / f"bombs-{round_}"
        expected = hostile.make_bombs(folder, rng)
        bombs += len(expected)
        data, report = work / f"bombs-data-{round_}", work / f"bombs-{round_}.json"
        started = time.monotonic()
        code, round_peak = hostile.run_watched(
            fs.briefer_command(data, "index", "--report", str(report), str(folder))
        )
        seconds += time.monotonic() - started
        peak = max(peak, round_peak)
        catalog = max(catalog, (data / fs.CATALOG).stat().st_size if (data / fs.CATALOG).exists() else 0)
        if code != 0 or not report.exists():
            tally.fail(f"bombs round {round_}: briefer index exited with {code}")
            continue
        found = {f["path"]: f for f in json.loads(report.read_text())["files"]}
        for name, wanted in expected.items():
            got = found.get(str(folder.resolve() / name))
            statuses[f"{got['status']}: {got['reason']}" if got else "missing"] += 1
            if got is None or not any(f"{got['status']}: {got['reason']}".startswith(w) for w in wanted):
                tally.fail(
                    f"bombs round {round_}: {name}: {got and (got['status'], got['reason'])}, not {wanted}"
                )
    if peak > hostile.BOMB_MAX_PEAK:
        tally.fail(f"bombs: the import's processes peaked at {peak / 2**20:.0f} MB")
    tally.add(
        "expansion and memory bombs (zip, e-mail, mailbox, Word, PDF, nested, adversarial text)",
        f"{bombs:.0f} bombs in {rounds} imports, {seconds:.0f} s; peak {peak / 2**20:.0f} MB for the "
        f"import's processes; largest catalog {catalog / 2**20:.1f} MB; {dict(statuses.most_common())}",
        "ok" if not [f for f in tally.failures if f.startswith("bombs")] else "problems",
    )


def stress_only_tests(tally: Tally) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "tests/core/test_faults.py",
         "tests/core/test_hostile_input.py", "tests/core/test_two_instances.py",
         "tests/core/test_parser_limits.py", "-k",
         "live_writer or whole_import or started_together or 199_mb"],
        capture_output=True, text=True, cwd=fs.REPO, env={**os.environ, "BRIEFER_STRESS": "1"},
    )  # fmt: skip
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-300:]
    if result.returncode != 0 or "skipped" in last:
        tally.fail(f"stress-only tests: {result.stdout[-3000:]}")
    tally.add(
        "stress-only tests (a live lock holder, a whole hostile import, two imports at once, a 199 MB text)",
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
    from briefer.core.search.index import SearchIndex

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


HOSTILE_MAX_MB = 2  # the imports' --max-size: growing files cross it at random moments
HOSTILE_TIMEOUT = 180  # seconds: an import of a hostile folder that takes longer has hung
HOSTILE_PEAK_MB = 1500  # all of an import's processes together: /dev/zero read whole would pass it fast


@dataclass
class HostileFolder:
    """A folder of articles sown with special files; what each special path's status must be."""

    folder: Path
    articles: int
    expected: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (status, reason)
    kinds: Counter[str] = field(default_factory=Counter)
    growing: list[Path] = field(default_factory=list)
    sockets: list[socket.socket] = field(default_factory=list)


def sow_hostile_folder(folder: Path, rng: random.Random) -> HostileFolder:
    """Articles in a few subfolders, with named pipes, sockets, device nodes (when this process may
    make them), links to devices in and out of the folder, and files that will grow."""
    from briefer.core.archive import files

    # Pages keep the parser workers busy, and so the reading of the files after them paced.
    articles = fs.make_import_folder(folder, rng.randint(50, 300), pages=rng.randint(10, 60))
    sown = HostileFolder(folder, articles)
    places = [folder, folder / "sub", folder / "sub" / "deeper"]
    for place in places[1:]:
        place.mkdir(exist_ok=True)

    def spot(kind: str, n: int) -> Path:
        return rng.choice(places) / f"{kind}{n}{rng.choice(['.txt', '.html', '.pdf', '.zip', '.eml'])}"

    def expect(path: Path, kind: str, reason: str) -> None:
        sown.expected[str(path)] = ("skipped", reason)
        sown.kinds[kind] += 1

    for n in range(rng.randint(1, 4)):
        pipe = spot("pipe", n)
        os.mkfifo(pipe)
        expect(pipe, "named pipes", "not a regular file (named pipe)")
        link = spot("to-pipe", n)
        os.symlink(pipe, link)
        expect(link, "links to named pipes", "not a regular file (named pipe)")
    for n in range(rng.randint(1, 2)):
        path = folder / f"s{n}.txt"  # a short path: a Unix socket's name is at most 107 bytes
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(path))
        listener.listen()
        sown.sockets.append(listener)
        expect(path, "sockets", "not a regular file (socket)")
    for n, (device, kind, major, minor) in enumerate(
        [("zero", stat.S_IFCHR, 1, 5), ("urandom", stat.S_IFCHR, 1, 9), ("loop", stat.S_IFBLK, 7, 0)]
    ):
        outside = spot(f"dev-{device}-", n)
        os.symlink(f"/dev/{device}" if device != "loop" else "/dev/zero", outside)
        expect(outside, "links to /dev", files.LINK_OUTSIDE)
        node = spot(f"node-{device}-", n)
        try:
            os.mknod(node, 0o600 | kind, os.makedev(major, minor))
        except OSError:
            continue  # not allowed here: the links above still stand for devices
        name = "character device" if kind == stat.S_IFCHR else "block device"
        expect(node, "device nodes", f"not a regular file ({name})")
        link = spot(f"to-node-{device}-", n)
        os.symlink(node, link)
        expect(link, "links to device nodes", f"not a regular file ({name})")
    late = folder / "zz-logs"  # read last: the import's other files give them time to grow meanwhile
    late.mkdir()
    for n in range(rng.randint(1, 3)):  # from a fifth of the size limit to just under it
        path = rng.choice([late, *places]) / f"growing{n}.txt"
        lines = rng.randint(HOSTILE_MAX_MB * 1024 * 1024 // 70, HOSTILE_MAX_MB * 1024 * 1024 * 19 // 280)
        path.write_text(f"Title: Growing {n}\n\ngrowingword{n} " + "line of a log\n" * lines)
        sown.growing.append(path)
    return sown


@contextlib.contextmanager
def growing(paths: list[Path], rng: random.Random, limit: int) -> Iterator[Counter[str]]:
    """A thread appends to each of `paths` while the `with` runs, each at a pace that takes it past
    `limit` at a random moment from 0.5 to 6 s on (before the import's scan, between its scan and its
    read of the file, or after), up to a cap between 0.8 and 3 times `limit` (some stay under it)."""
    stop = threading.Event()
    written: Counter[str] = Counter()
    tick = 0.01
    plans = []
    for path in paths:
        per_tick = max(27, int((limit - path.stat().st_size) / rng.uniform(0.5, 6.0) * tick))
        plans.append((path, per_tick, rng.uniform(0.8, 3.0) * limit))

    def append() -> None:
        while not stop.is_set() and plans:
            for plan in list(plans):
                path, chunk, cap = plan
                if path.stat().st_size >= cap:
                    plans.remove(plan)
                    continue
                with path.open("ab") as out:
                    out.write(b"more log lines growingword\n" * (chunk // 27))
                written[str(path)] += chunk
            time.sleep(tick)

    writer = threading.Thread(target=append, name="grower", daemon=True)
    writer.start()
    try:
        yield written
    finally:
        stop.set()
        writer.join(timeout=10)


def watch_import(
    command: list[str], timeout: float
) -> tuple[subprocess.CompletedProcess[str], float, list[str]]:
    """Run an import, sampling the memory of its process tree; (result, peak MB, survivors)."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=fs.REPO
    )
    parent = psutil.Process(process.pid)
    seen: dict[int, psutil.Process] = {}
    peak = 0.0
    started = time.monotonic()
    while process.poll() is None and time.monotonic() - started < timeout:
        with contextlib.suppress(psutil.Error):
            tree = [parent, *parent.children(recursive=True)]
            seen.update({p.pid: p for p in tree[1:]})
            peak = max(peak, sum(p.memory_info().rss for p in tree) / 1e6)
        time.sleep(0.05)
    if process.poll() is None:
        process.kill()
    out, err = process.communicate()
    _, alive = psutil.wait_procs(list(seen.values()), timeout=10)
    result = subprocess.CompletedProcess(command, process.returncode, out, err)
    return result, peak, [f"{p.pid} {p.name()}" for p in alive]


def hostile_folders(tally: Tally, work: Path, rounds: int, rng: random.Random, budget: float) -> None:
    """Imports of folders sown with pipes, sockets, devices and growing files: each must end in time,
    within bounded memory, every path with one status (the special ones the right one), growing files
    imported whole under the size limit or skipped, and the archive whole."""
    started = time.monotonic()
    done = 0
    kinds: Counter[str] = Counter()
    grown: Counter[str] = Counter()
    peaks: list[float] = []
    limit = HOSTILE_MAX_MB * 1024 * 1024
    while done < rounds and time.monotonic() - started < budget:
        done += 1
        sown = sow_hostile_folder(work / f"hostile-{done}", rng)
        data, report = work / f"hostile-data-{done}", work / f"hostile-report-{done}.json"
        command = fs.briefer_command(
            data, "index", str(sown.folder), "--report", str(report), "--max-size", str(HOSTILE_MAX_MB)
        )
        try:
            with growing(sown.growing, rng, limit):
                result, peak, survivors = watch_import(command, HOSTILE_TIMEOUT)
        finally:
            for listener in sown.sockets:
                listener.close()
        kinds.update(sown.kinds)
        peaks.append(peak)
        problems = check_hostile_import(sown, result, report, data, limit, grown)
        if peak > HOSTILE_PEAK_MB:
            problems.append(f"its processes held {peak:.0f} MB")
        if survivors:
            problems.append(f"survivors {survivors}")
        for problem in problems:
            tally.fail(f"hostile folder {done}: {problem}")
    tally.add(
        "hostile folders (pipes, sockets, devices, links to them, growing files)",
        f"{done} imports; special paths met {dict(kinds)}; growing files {dict(grown)}; "
        f"peak memory {max(peaks, default=0):.0f} MB; {time.monotonic() - started:.0f} s",
        "ok" if done >= rounds else f"only {done} imports within the time budget",
    )
    if done < rounds:
        tally.fail(f"only {done} of {rounds} hostile-folder imports within {budget:.0f} s")


def check_hostile_import(
    sown: HostileFolder,
    result: subprocess.CompletedProcess[str],
    report: Path,
    data: Path,
    limit: int,
    grown: Counter[str],
) -> list[str]:
    if result.returncode != 0 or "Traceback" in result.stderr:
        return [f"exit {result.returncode} (killed after {HOSTILE_TIMEOUT} s?): {result.stderr[-500:]}"]
    rows = json.loads(report.read_text(encoding="utf-8"))["files"]
    statuses = {row["path"]: (row["status"], row["reason"]) for row in rows}
    problems = [f"{len(rows) - len(statuses)} paths reported twice"] if len(statuses) != len(rows) else []
    for path, expected in sown.expected.items():
        if statuses.get(path) != expected:
            problems.append(f"{path}: {statuses.get(path)}, expected {expected}")
    for path in sown.growing:
        status, reason = statuses.get(str(path), ("missing", ""))
        if status == "imported":
            grown["imported under the limit"] += 1
        elif status == "skipped" and "grew past" in reason:
            grown["grew past the limit while read"] += 1
        elif status == "skipped" and reason.startswith("too large"):
            grown["over the limit when scanned"] += 1
        else:
            problems.append(f"growing file {path}: {status} {reason}")
    growing = {str(path) for path in sown.growing}
    articles = sum(1 for path, (s, _) in statuses.items() if s == "imported" and path not in growing)
    if articles != sown.articles:
        problems.append(f"{articles} of {sown.articles} articles imported")
    problems += fs.inspect_archive(data).problems
    with sqlite3.connect(data / fs.CATALOG) as db:
        longest = db.execute("SELECT max(length(text)) FROM texts").fetchone()[0] or 0
    if longest > limit:
        problems.append(f"a text of {longest} characters got past the {limit}-byte size limit")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=24, help="SIGKILLs of `briefer index` (default 24)")
    parser.add_argument("--saves", type=int, default=20, help="SIGKILLs of each save, export, autosave")
    parser.add_argument("--writers", type=int, default=20, help="processes writing one briefing at once")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of those concurrent writers")
    parser.add_argument("--fuzz", type=int, default=2000, help="mutated files to parse (default 2000)")
    parser.add_argument("--scale", type=int, default=20, help="property-based examples, times the suite's")
    parser.add_argument("--minutes", type=float, default=12, help="time budget of each long section")
    parser.add_argument("--hostile", type=int, default=12, help="imports of folders of pipes, devices...")
    parser.add_argument("--bomb-rounds", type=int, default=2, help="imports of a folder of bombs (default 2)")
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
        expansion_bombs(tally, work, rng, args.bomb_rounds)
        properties(tally, args.scale)
        stress_only_tests(tally)
        open_race(tally, work, 20)
        hostile_folders(tally, work / "hostile", args.hostile, rng, args.minutes * 60)
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
