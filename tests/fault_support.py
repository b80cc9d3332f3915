"""Real faults for the reliability tests and `make stress`: SIGKILLed imports and saves, mutated files.

Everything here runs real processes on real files.  The pytest suite uses it
with small counts (tests/core/test_faults.py, tests/core/test_hostile_input.py,
tests/gui/test_crash_recovery.py); tests/stress/run.py with large ones.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[1]
CATALOG = "catalog.sqlite3"
INDEX = "whoosh"

# Tests too slow for the normal run (and covered there by a faster sibling) run in `make stress` only.
STRESS_ONLY = pytest.mark.skipif(os.environ.get("BRIEFER_STRESS") != "1", reason="runs in make stress")

__all__ = ["REPO", "ImportKill", "Inspection", "inspect_archive", "kill_import", "make_import_folder"]


_WORDS = (
    "artillery shells rail convoy satellite launch sanctions envoy cosmodrome treaty summit border "
    "minister ministry embassy officials analysts reported warned announced denied confirmed talks "
    "missile drills exports grain port shipping tanker cargo customs inspectors banks payments oil "
    "gas pipeline energy prices market inflation currency budget parliament election coalition vote "
    "protest court ruling prosecutor investigation intelligence agency defence navy army air force "
    "exercise fleet submarine drone strike attack ceasefire negotiation mediator delegation visit "
    "agreement memorandum cooperation technology chips factory supply chain steel aluminium fertilizer "
    "wheat harvest drought flood storm refugees aid hospital vaccine outbreak cyber hackers network"
)
VOCABULARY = _WORDS.split()


def make_import_folder(folder: Path, count: int, *, pages: int = 0, word: str = "marker") -> int:
    """`count` text articles "Report n" with the word `word`N, plus `pages` HTML pages (parsed by workers).

    Each article draws its words at random (seeded by its number), so no two are near-duplicates.
    """
    folder.mkdir(parents=True)
    for n in range(count):
        words = random.Random(f"{word}{n}").choices(VOCABULARY, k=60)
        (folder / f"a{n:05}.txt").write_text(
            f"Title: Report {n}\n\n{word}{n} {' '.join(words)}.\n", encoding="utf-8"
        )
    for n in range(count, count + pages):
        (folder / f"p{n:05}.html").write_text(
            f"<html><head><title>Report {n}</title></head><body><article><h1>Report {n}</h1>"
            f"<p>marker{n} {' '.join(random.Random(n).choices(VOCABULARY, k=40))}.</p>"
            f"<p>{' '.join(random.Random(-n).choices(VOCABULARY, k=40))}.</p>"
            "</article></body></html>",
            encoding="utf-8",
        )
    return count + pages


def without_file_rights() -> None:
    """In a child about to exec: drop the capabilities that let root ignore file permissions."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone after exec
            raise OSError(ctypes.get_errno(), "cannot drop a capability")


def briefer_command(data: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "briefer", "--data-dir", str(data), *args]


def catalog_count(data: Path) -> int:
    """Documents the catalog holds now (read from another process, as a reader: WAL shows the last commit)."""
    path = data / CATALOG
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.Error:
        return 0


# -- killing an import -------------------------------------------------------------------------------
@dataclass
class ImportKill:
    """One `briefer index` run killed with SIGKILL, and what it left."""

    trigger: str
    seconds: float  # from the start of the process to the kill
    finished_first: bool = False  # the import ended before the kill landed
    children: int = 0  # its worker processes (parsers, index sub-writers) seen while it ran
    survivors: list[str] = field(default_factory=list)  # of those, alive 10 s after the kill


def kill_import(
    data: Path, folder: Path, trigger: str, rng: random.Random, *, timeout: float = 120
) -> ImportKill:
    """Start `briefer index folder` and SIGKILL it when `trigger` fires.

    Triggers: "time:A-B" (a random moment A..B s after the start), "catalog:+N" (once the catalog
    holds N more documents than when it started, then a random 0-0.3 s more), "complete" (once
    every file is in the catalog: the last index commit and its merge, then 0-0.25 s more).
    """
    before = catalog_count(data)
    total = sum(1 for _ in folder.iterdir())
    process = subprocess.Popen(
        briefer_command(data, "index", str(folder)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    started = time.monotonic()
    parent = psutil.Process(process.pid)
    seen: dict[int, psutil.Process] = {}
    kind, _, value = trigger.partition(":")
    fire_at: float | None = None
    if kind == "time":
        low, high = (float(x) for x in value.split("-"))
        fire_at = started + rng.uniform(low, high)
    deadline = started + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            for child in parent.children(recursive=True):
                seen.setdefault(child.pid, child)
        except psutil.Error:
            pass
        now = time.monotonic()
        if fire_at is None:
            count = catalog_count(data)
            if (kind == "catalog" and count >= before + int(value)) or (
                kind == "complete" and count >= total
            ):
                fire_at = now + rng.uniform(0, 0.3 if kind == "catalog" else 0.25)
        if fire_at is not None and now >= fire_at:
            break
        time.sleep(0.02)
    record = ImportKill(trigger, time.monotonic() - started)
    if process.poll() is not None:
        record.finished_first = True
    else:
        try:
            for child in parent.children(recursive=True):
                seen.setdefault(child.pid, child)
        except psutil.Error:
            pass
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    record.children = len(seen)
    _, alive = psutil.wait_procs(list(seen.values()), timeout=10)
    for survivor in alive:
        record.survivors.append(f"{survivor.pid} {survivor.name()}")
        survivor.kill()  # leave no orphan behind, whatever the verdict
    return record


# -- what a killed import left -------------------------------------------------------------------------
@dataclass
class Inspection:
    """The archive on disk after a kill, read before Briefer opens it (and so before it repairs anything)."""

    documents: int = 0  # in the catalog
    marked_indexed: int = 0  # in the catalog and marked as committed to the index
    in_index: int = 0
    segments: int = 0
    problems: list[str] = field(default_factory=list)

    def phase(self, total: int) -> str:
        """Where the kill landed, as what it left shows (`total`: documents the import brings)."""
        if self.documents >= total and self.marked_indexed < self.documents:
            return "final index commit and merge"
        if self.in_index == 0:
            return "parsing, before the first index commit"
        return "parsing, after an index commit"


def inspect_archive(data: Path) -> Inspection:
    """Check the catalog and the index as a killed process left them.

    Problems: the catalog fails SQLite's integrity check, a document lacks its text or its file, the
    index cannot be opened, holds a document twice or one the catalog does not know (half-indexed),
    or misses one the catalog says it committed.  The write locks must be free again.
    """
    from whoosh import index as whoosh_index  # tests may read the index directly

    found = Inspection()
    catalog = data / CATALOG
    if not catalog.exists():
        return found
    with sqlite3.connect(catalog, timeout=5) as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            found.problems.append(f"catalog integrity: {integrity}")
        docs = dict(db.execute("SELECT id, indexed FROM documents").fetchall())
        textless = db.execute(
            "SELECT count(*) FROM documents d LEFT JOIN texts t ON d.text_hash = t.hash WHERE t.hash IS NULL"
        ).fetchone()[0]
        homeless = db.execute(
            "SELECT count(*) FROM documents WHERE id NOT IN "
            "(SELECT doc_id FROM locations WHERE doc_id IS NOT NULL)"
        ).fetchone()[0]
    found.documents = len(docs)
    found.marked_indexed = sum(1 for v in docs.values() if v)
    if textless:
        found.problems.append(f"{textless} catalog document(s) without their text")
    if homeless:
        found.problems.append(f"{homeless} catalog document(s) without a file")
    _check_lock_free(data / "import.lock", found, "the import lock")
    folder = data / INDEX
    if not (folder / "briefer-index.json").exists():
        if found.marked_indexed:
            found.problems.append(f"no index, yet {found.marked_indexed} documents are marked indexed")
        return found
    try:
        ix = whoosh_index.open_dir(str(folder))
        found.segments = len(ix._segments())
        with ix.searcher() as searcher:
            ids = [fields["id"] for fields in searcher.all_stored_fields()]
        writer = ix.writer(timeout=0)  # the write lock is free: nothing of the killed import holds it
        writer.cancel()
        ix.close()
    except Exception as exc:
        found.problems.append(f"the index cannot be read: {type(exc).__name__}: {exc}")
        return found
    found.in_index = len(ids)
    unique = set(ids)
    if len(unique) != len(ids):
        found.problems.append(f"{len(ids) - len(unique)} document(s) indexed twice")
    ghosts = unique - docs.keys()
    if ghosts:
        found.problems.append(f"{len(ghosts)} indexed document(s) unknown to the catalog, e.g. {min(ghosts)}")
    missing = {d for d, indexed in docs.items() if indexed} - unique
    if missing:
        found.problems.append(f"{len(missing)} document(s) marked indexed are not in the index")
    return found


def _check_lock_free(path: Path, found: Inspection, what: str) -> None:
    import fcntl

    if not path.exists():
        return
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            found.problems.append(f"{what} is still held after the kill")
        else:
            fcntl.flock(handle, fcntl.LOCK_UN)


def searchable_sample(data: Path, rng: random.Random, size: int = 8) -> list[str]:
    """Open the archive as Briefer does and search for a sample of committed documents by body and title.

    Returns problems (a document that a search does not find, or finds twice).
    """
    from briefer.core.archive import Archive

    problems = []
    with Archive(data) as archive:
        committed = [d for d in archive.catalog.all_ids() if d not in set(archive.catalog.unindexed_ids())]
        for doc in archive.catalog.documents(rng.sample(committed, min(size, len(committed)))):
            number = doc.title.removeprefix("Report ")
            for query in (f"marker{number}", f'title:"report {number}" marker{number}'):
                hits = [h.id for h in archive.search(query).hits]
                if hits != [doc.id]:
                    problems.append(f"{query!r} found {hits}, not {doc.id}")
    return problems


# -- killing a writer of one file --------------------------------------------------------------------
WRITER_LOOP = """
import sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from tests.fault_support import {function}
{function}(Path({target!r}), int({start!r}))
"""


def kill_writer_loop(function: str, target: Path, start: int, delay: float) -> tuple[int, str]:
    """Run `function(target, start)` (it rewrites `target` in a loop, printing each version it
    finished) in a child, SIGKILL it after `delay` s; returns the last version it reported and stderr."""
    code = WRITER_LOOP.format(repo=str(REPO), function=function, target=str(target), start=start)
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # "ready": the imports are done, the loop starts
    if not first.startswith("ready"):
        process.kill()
        _, err = process.communicate()
        raise RuntimeError(f"the writer did not start: {first!r} {err[-2000:]}")
    time.sleep(delay)
    os.kill(process.pid, signal.SIGKILL)
    out, err = process.communicate()
    done = [int(line) for line in out.split() if line.isdigit()]
    return (done[-1] if done else start - 1), err


def briefing_version(n: int) -> object:
    """Version `n` of a briefing: title "Version n" and paragraphs 0..n-1, big enough to take a while."""
    from briefer.core.briefing import edits, templates
    from briefer.core.briefing.model import Paragraph

    briefing = templates.new_briefing(templates.load("assessment"), title=f"Version {n}")
    briefing.id = "b0000000000000000000000000000001"
    filler = " ".join(f"word{k}" for k in range(400))
    for k in range(n):
        edits.add_block(briefing, "analysis", Paragraph(f"paragraph {k} {filler}"))
    return briefing


def version_of(title: str, paragraphs: list[str]) -> int:
    """The version a loaded briefing is, or -1 if its parts disagree (a mix of two versions)."""
    n = int(title.removeprefix("Version "))
    expected = [f"paragraph {k} " for k in range(n)]
    if len(paragraphs) != n or any(not p.startswith(e) for p, e in zip(paragraphs, expected, strict=True)):
        return -1
    return n


def save_loop(target: Path, start: int) -> None:
    """Save versions start, start+1, ... of a briefing to `target` until killed."""
    from briefer.core.briefing import storage

    print("ready", flush=True)
    for n in range(start, start + 100_000):
        storage.save(briefing_version(n % 40 + 1), target)  # type: ignore[arg-type]
        print(n, flush=True)


def export_loop(target: Path, start: int) -> None:
    """Export versions start, start+1, ... of a briefing to `target` (.docx) until killed."""
    from briefer.core.export.docx_export import export_docx

    print("ready", flush=True)
    for n in range(start, start + 100_000):
        export_docx(briefing_version(n % 6 + 1), target)  # type: ignore[arg-type]
        print(n, flush=True)


def autosave_loop(target: Path, start: int) -> None:
    """A briefing session edited and autosaved (recovery folder `target`) until killed."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from briefer.core.briefing import edits
    from briefer.gui.briefing.session import BriefingSession

    app = QApplication([])
    settings = QSettings(str(target / "settings.ini"), QSettings.Format.IniFormat)
    session = BriefingSession(settings=settings, recovery_dir=target / "recovery")
    session.new()
    print("ready", flush=True)
    for n in range(start, start + 100_000):
        session.model.do(edits.RenameSection("analysis", f"Edit {n}"))
        if session.autosave() is not None:
            print(n, flush=True)
    app.quit()


def saved_briefing_check(target: Path) -> Callable[[int, int], str]:
    """For `save_loop`: the file loads, and is the version saved last or the one being saved."""
    from briefer.core.briefing import storage
    from briefer.core.briefing.model import find_section

    def check(last: int, attempt: int) -> str:
        if not target.exists():
            return "" if last < 1 else "the briefing file is gone"
        loaded = storage.load(target)  # raises on a half-written file
        paragraphs = [b.text for b in find_section(loaded, "analysis").blocks]  # type: ignore[attr-defined]
        version = version_of(loaded.metadata.title, paragraphs)
        allowed = {last % 40 + 1, (last + 1) % 40 + 1} if last >= 1 else {1}
        if version not in allowed:
            return f"version {version} on disk after version {last % 40 + 1} was saved"
        if storage.backup_path(target).exists():
            storage.load(storage.backup_path(target))
        return ""

    return check


def exported_docx_check(target: Path) -> Callable[[int, int], str]:
    """For `export_loop`: the document opens, and is the version exported last or the one being written."""
    import docx

    def check(last: int, attempt: int) -> str:
        if not target.exists():
            return "" if last < 1 else "the exported document is gone"
        document = docx.Document(str(target))  # raises on a half-written file
        title = document.core_properties.title
        quoted = [p for p in document.paragraphs if "paragraph " in p.text]
        version = int(title.removeprefix("Version "))
        allowed = {last % 6 + 1, (last + 1) % 6 + 1} if last >= 1 else {1}
        if version not in allowed or len(quoted) != version:
            return f"{title!r} with {len(quoted)} paragraphs on disk after version {last % 6 + 1}"
        return ""

    return check


def autosave_check(folder: Path) -> Callable[[int, int], str]:
    """For `autosave_loop` (needs a QApplication): the next session offers exactly one recovery copy,
    holding at least the last edit the killed session had autosaved."""
    from PySide6.QtCore import QSettings

    from briefer.core.briefing.model import find_section
    from briefer.gui.briefing.session import BriefingSession

    def check(last: int, attempt: int) -> str:
        if last < 1:
            return ""
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        session = BriefingSession(settings=settings, recovery_dir=folder / "recovery")
        found = session.recoveries()
        if len(found) != 1:
            return f"{len(found)} recovery copies offered"
        session.recover(found[0])
        if not session.modified:
            return "the recovered briefing does not count as unsaved"
        edit = int(find_section(session.briefing, "analysis").title.removeprefix("Edit "))
        session.close()
        return "" if edit >= last else f"recovered edit {edit}, but edit {last} had been autosaved"

    return check


def run_kills(
    loop: str,
    target: Path,
    kills: int,
    rng: random.Random,
    check: Callable[[int, int], str],
    delay: tuple[float, float],
) -> list[str]:
    """Kill the writer `loop` `kills` times at random moments; `check(last_reported, attempt)` says
    what is wrong with what it left ("" when nothing).  Returns the problems."""
    problems = []
    last = 0
    for attempt in range(kills):
        last, err = kill_writer_loop(loop, target, last + 1, rng.uniform(*delay))
        if "Traceback" in err:
            problems.append(f"kill {attempt}: the writer failed before the kill: {err[-1500:]}")
        problem = check(last, attempt)
        if problem:
            problems.append(f"kill {attempt}: {problem}")
    return problems


# -- file-level fuzzing of the importers -------------------------------------------------------------
FUZZ_MAX_BYTES = 2_000_000
_INTERESTING = [
    b"\x00",
    b"\xff",
    b"<",
    b">",
    b"&",
    b'"',
    b"%",
    b"\n",
    b"\r\n",
    b"\x1b",
    b"&#0;",
    b"]]>",
    b"\xef\xbb\xbf",
]


def fuzz_seeds(corpus: Path, *, pages: int = 60) -> dict[str, list[Path]]:
    """Real files the importers read, by kind, as seeds for mutation: ../shared/corpus/awkward, plus
    `pages` State Department web pages (awkward/ holds no HTML)."""
    from briefer.core import extract

    kinds: dict[str, list[Path]] = {}
    for path in sorted(corpus.joinpath("awkward").rglob("*")):
        if path.is_file() and extract.supports(path) and 0 < path.stat().st_size <= FUZZ_MAX_BYTES:
            kinds.setdefault(path.suffix.lower().replace(".md", ".txt"), []).append(path)
    html = sorted(corpus.joinpath("state-dept", "html").glob("*.html"))[:pages]
    if html:
        kinds[".html"] = html
    return kinds


def mutate(data: bytes, rng: random.Random, other: bytes = b"") -> bytes:
    """A few random byte-level changes; inside a zip (a .docx) the changes go into one member, re-zipped,
    so that they reach the XML parsers instead of stopping at the archive's checksums."""
    import io
    import zipfile

    if data[:2] == b"PK" and rng.random() < 0.8:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as source:
                items = [(i, source.read(i.filename)) for i in source.infolist()]
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            items = []
        if items:
            xml = [n for n, (info, _) in enumerate(items) if info.filename.endswith(".xml")] or [0]
            chosen = rng.choice(xml)
            info, content = items[chosen]
            items[chosen] = (info, _mutate_bytes(content, rng, other))
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
                for info, content in items:
                    target.writestr(info.filename, content)
            return buffer.getvalue()
    return _mutate_bytes(data, rng, other)


def _mutate_bytes(data: bytes, rng: random.Random, other: bytes) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3, 8))):
        where = rng.randrange(len(buffer) + 1)
        kind = rng.randrange(8)
        if kind == 0 and buffer:  # flip bits
            for _ in range(rng.randint(1, 16)):
                spot = rng.randrange(len(buffer))
                buffer[spot] ^= 1 << rng.randrange(8)
        elif kind == 1:  # an interesting token
            token = rng.choice(_INTERESTING)
            buffer[where : where + rng.choice((0, len(token)))] = token
        elif kind == 2:  # cut a piece out
            del buffer[where : where + rng.randint(1, 4096)]
        elif kind == 3:  # repeat a piece
            piece = buffer[where : where + rng.randint(1, 256)]
            buffer[where:where] = piece * rng.randint(2, 200)
        elif kind == 4:  # truncate
            del buffer[where:]
        elif kind == 5 and other:  # splice in part of another file
            start = rng.randrange(len(other))
            buffer[where:where] = other[start : start + rng.randint(1, 2048)]
        elif kind == 6:  # random bytes
            buffer[where:where] = rng.randbytes(rng.randint(1, 64))
        else:  # deep nesting
            tag = rng.choice((b"<div>", b"<p>", b"<b>", b"<item>", b"["))
            buffer[where:where] = tag * rng.randint(100, 5000)
    return bytes(buffer[: FUZZ_MAX_BYTES * 2])


@dataclass
class FuzzReport:
    cases: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # read, refused, crash, hang, escaped
    findings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def fuzz_importers(
    seeds: dict[str, list[Path]],
    cases: int,
    rng: random.Random,
    *,
    budget: float,
    time_limit: float = 20.0,
    keep: Path | None = None,
) -> FuzzReport:
    """Parse `cases` mutated seeds in the import's worker pool (as an import would), within `budget` s.

    Each case picks a kind of file (feed, PDF, e-mail, Word, text, HTML) at random, then a seed of it.

    A crash (the worker died), a hang (the time limit) or an exception that escaped the extractors
    ("parser error: ...") is a finding; the mutated file is written to `keep` to reproduce it.
    """
    from briefer.core.archive.workers import Job, ParsePool
    from briefer.core.extract import Limits

    report = FuzzReport()
    started = time.monotonic()
    sources: dict[int, tuple[Path, bytes]] = {}
    with ParsePool(workers=2, time_limit=time_limit) as pool:
        submitted = 0
        while True:
            while submitted < cases and pool.outstanding < 6 and time.monotonic() - started < budget:
                kind = rng.choice(sorted(seeds))
                seed = rng.choice(seeds[kind])
                other = rng.choice(seeds[rng.choice(sorted(seeds))]).read_bytes()
                data = mutate(seed.read_bytes(), rng, other)
                submitted += 1
                sources[submitted] = (seed, data)
                pool.submit(Job(submitted, str(seed), data, Limits()))
            if not pool.outstanding:
                break
            for finished in pool.finished(timeout=1.0):
                report.cases += 1
                seed, data = sources.pop(finished.job.job_id)
                outcome = _fuzz_outcome(finished.job.parts)
                report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
                if outcome in ("crash", "hang", "escaped"):
                    reasons = "; ".join(p.reason for p in finished.job.parts if p.reason)[:300]
                    name = f"{finished.job.job_id:05}-{seed.name}"
                    report.findings.append(f"{outcome}: {name} (from {seed}): {reasons}")
                    if keep is not None:
                        keep.mkdir(parents=True, exist_ok=True)
                        (keep / name).write_bytes(data)
    report.seconds = time.monotonic() - started
    return report


def _fuzz_outcome(parts: list[object]) -> str:
    reasons = [str(getattr(p, "reason", "")) for p in parts]
    if any(r.startswith(("the parser crashed", "the parser stopped")) for r in reasons):
        return "crash"
    if any("(time limit)" in r for r in reasons):
        return "hang"
    if any(r.startswith("parser error:") for r in reasons):
        return "escaped"
    if any(getattr(p, "extracted", None) is not None for p in parts):
        return "read"
    return "refused"


# -- a first Briefer, held in the middle of its import ------------------------------------------------
PAUSED_IMPORT = """
import sys
from pathlib import Path
from briefer.core.archive import Archive

def pause_once(outcome, paused=[]):
    if not paused:  # the first chunk is in the catalog, its documents not yet committed to the index
        paused.append(outcome)
        print("paused", flush=True)
        sys.stdin.readline()

with Archive(Path(sys.argv[1])) as archive:
    print(archive.import_paths([Path(sys.argv[2])], on_outcome=pause_once).line(), flush=True)
"""


@contextlib.contextmanager
def paused_import(data: Path, folder: Path) -> Iterator[subprocess.Popen[str]]:
    """A real import in another process, paused once its first chunk is in the catalog (it holds the
    import lock and an open index batch); it finishes when the block ends, and must succeed."""
    process = subprocess.Popen(
        [sys.executable, "-c", PAUSED_IMPORT, str(data), str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        line = process.stdout.readline()
        if line.strip() != "paused":
            raise RuntimeError(f"the import did not pause: {line!r} {process.stderr.read()[-2000:]}")  # type: ignore[union-attr]
        yield process
        process.stdin.write("\n")
        process.stdin.flush()
        _, err = process.communicate(timeout=120)
        if process.returncode != 0:
            raise RuntimeError(f"the first import failed ({process.returncode}): {err[-2000:]}")
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


TAGGER = """
import sys, time
from pathlib import Path
from briefer.core.archive import Archive

with Archive(Path(sys.argv[1])) as archive:  # one small index commit after another
    ids, started, commits = archive.catalog.all_ids(), time.monotonic(), 0
    while time.monotonic() - started < float(sys.argv[2]):
        archive.tag(ids[commits % len(ids)], [f"t{commits % 7}"])
        commits += 1
    print(commits)
"""
