"""Team archive scale benchmark (issue #23): a search engine loaded to 1,000,000 documents and more.

    .venv/bin/python benchmarks/bench_team.py [--engine postgres|whoosh] [--sizes 100000,300000,1000000]
        [--keep DIR] [--budget-minutes 120] [--analysts 20] [--importers 2] [--load-seconds 90]

Written against the `SearchEngine` protocol only (`batch()` -> `put(Document)`, `search(SearchRequest)`),
so the same run measures the team archive's `PostgresIndex` or, for a dry run at small sizes, the
desktop's Whoosh `SearchIndex`.

The documents: the real corpora as they are (Reuters-21578, the State Department articles: every
50th document until all are in) among generated ones made like bench_search.py's 100k set: each
mixes the sentences of one real article with a few from others, with varied outlets (and their source types), authors, languages
and dates spread over 1987-2026 (more of them recent, as in a living archive).  Document n is
made from its own seed, so any range can be made again; nothing is written to disk.

Sizes are cumulative: the run loads to the first size, measures, loads on to the next, measures,
and so on.  At each size it prints the import rate of that step, the index's size, and warm
search latencies (p50/p95/max, wall clock, one query at a time) for:
  - selective: rare names and words of the corpus (goal p95 <= 100 ms);
  - phrase: two- and three-word phrases of rare sentences (goal p95 <= 100 ms);
  - misspelt: rare names with a letter left out, as typed in haste (did-you-mean; goal p95 <= 100 ms);
  - broad: common words within the default date window, the last 12 months (goal p95 <= 1 s);
  - facets: the broad queries with their facet counts (goal p95 <= 1 s);
  - broad phrases: two common words as a phrase within the default date window (goal p95 <= 1 s);
  - broad, all years: the same words without a window (no goal: shows what the window buys).
Then, at the last size reached, `--analysts` processes each with its own engine (its own
connection) search with a realistic mix while `--importers` processes add new documents in
batches of 200 (an analyst's import); afterwards every document an importer committed must be
found by a search (by its importer's marker word, ids compared) and counted by `doc_count`.

With `--engine postgres` the benchmark starts its own server (initdb + pg_ctl in a temporary
folder, Unix socket only, as the `postgres` user when run as root) with bulk-load settings
(SERVER_SETTINGS) and stops it at the end; `--keep DIR` keeps the cluster in DIR so the next run
starts from what is loaded.  Slow queries' plans (EXPLAIN ANALYZE by auto_explain, in the
server's log) are written to benchmarks/out/team/plans-SIZE.txt.

`--budget-minutes` stops before a size whose load would not finish in time (estimated from the
rate so far) and reports the sizes reached.  Figures go to benchmarks/out/team/results.json.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_search import AUTHORS, OUTLETS, TITLE_PREFIXES, _reuters_articles, _state_articles
from benchmarks.common import CORPUS, OUT, need, percentile, reuters_records
from briefer.core.documents import Document
from briefer.core.search import IndexBusy, SearchEngine, SearchRequest

ROOT = OUT / "team"
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # "today" for relative dates: figures do not drift
WINDOW = 'published:"last 12 months"'  # the default date window of a broad search
COMMIT_EVERY = 5_000  # documents per commit while loading
IMPORT_BATCH = 200  # documents per commit of a concurrent importer (one analyst's import)
GOALS_MS = {
    "selective": 100,
    "phrase": 100,
    "misspelt": 100,
    "broad": 1000,
    "facets": 1000,
    "broad phrases": 1000,
}
# The server's settings for a bulk load on a 2-core machine with a few GB to spare.
SERVER_SETTINGS = {
    "shared_buffers": "1GB",
    "maintenance_work_mem": "512MB",
    "work_mem": "32MB",
    "effective_cache_size": "4GB",
    "max_wal_size": "8GB",
    "min_wal_size": "1GB",
    "checkpoint_timeout": "30min",
    "checkpoint_completion_target": "0.9",
    "wal_compression": "on",
    "wal_buffers": "64MB",
    "synchronous_commit": "off",  # a crash may lose the last commits, never corrupt: fine for a load
    "max_connections": "60",
    "jit": "off",  # JIT compilation costs more than it saves on short queries
    "auto_explain.log_min_duration": "0",  # loaded only by the sessions of `Server.explain_slow`
    "auto_explain.log_analyze": "on",
    "auto_explain.log_buffers": "on",
    "auto_explain.log_timing": "off",  # per-node timing would slow every query
    "log_min_duration_statement": "-1",
}
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[A-Za-z][a-z]{5,}")
LANGUAGES = (("en", 88), ("fr", 4), ("de", 3), ("es", 2), ("ru", 2), ("ko", 1))


# -- the documents ------------------------------------------------------------------------
@dataclass(frozen=True)
class Sources:
    """The real articles: kept whole (see `documents`) and as sentences to recombine."""

    real: list[Document]
    reuters: list[tuple[str, list[str]]]
    state: list[tuple[str, list[str]]]


@cache
def sources() -> Sources:
    real: list[Document] = []
    for record in reuters_records():
        text = str(record.get("text") or "").strip()
        if len(text) > 200:
            when = (
                datetime.fromisoformat(str(record["date"])).replace(tzinfo=UTC)
                if record.get("date")
                else None
            )
            real.append(_document(str(record["id"]), str(record.get("title") or "Untitled"), text, when))
    for path in sorted(need(CORPUS / "state-dept" / "articles").glob("*.json")):
        article = json.loads(path.read_text(encoding="utf-8"))
        text = str(article.get("text") or "").strip()
        if len(text) > 200:
            when = datetime.fromisoformat(article["date"]).astimezone(UTC) if article.get("date") else None
            real.append(
                _document(
                    f"state-{path.stem}",
                    str(article["title"]),
                    text,
                    when,
                    "U.S. Department of State",
                    "government",
                )
            )
    reuters = [(t, _SENTENCE.split(x)) for t, x in _reuters_articles()]
    state = [(t, _SENTENCE.split(x)) for t, x in _state_articles()]
    return Sources(real, reuters, state)


def _document(
    doc_id: str,
    title: str,
    text: str,
    published: datetime | None,
    source: str = "Reuters",
    source_type: str = "wire service",
    **extra: Any,
) -> Document:
    text = "\n\n".join(" ".join(p.split()) for p in text.split("\n\n") if p.strip())
    return Document(
        id=doc_id,
        title=title,
        text=text,
        text_hash=hashlib.sha256(text.encode()).hexdigest(),
        source=source,
        source_type=source_type,
        published=published,
        published_raw=published.isoformat() if published else "",
        format="text",
        language=extra.pop("language", "en"),
        imported_at=NOW,
        **extra,
    )


_OUTLET_NAMES = [o[:3] for o in OUTLETS]
_OUTLET_WEIGHTS = [o[3] for o in OUTLETS]
_YEARS = list(range(1987, 2027))
_YEAR_WEIGHTS = [1 + (y - 1987) * 0.15 for y in _YEARS]  # a living archive: more recent articles


def generated(n: int, *, marker: str = "") -> Document:
    """Generated document n (from its own seed): one real article's sentences mixed with others'."""
    src = sources()
    rng = random.Random(n * 7919 + 1987)
    title, sentences = rng.choice(src.state if rng.random() < 0.25 else src.reuters)
    keep = max(1, int(len(sentences) * rng.uniform(0.6, 1.0)))
    first = rng.randrange(0, len(sentences) - keep + 1)
    body = sentences[first : first + keep]
    for _ in range(rng.randint(1, 3)):
        _, other = rng.choice(src.reuters if rng.random() < 0.7 else src.state)
        body.insert(rng.randrange(len(body) + 1), rng.choice(other))
    if len(body) > 3 and rng.random() < 0.3:
        i = rng.randrange(len(body) - 1)
        body[i], body[i + 1] = body[i + 1], body[i]
    paragraphs = [" ".join(body[i : i + 3]) for i in range(0, len(body), 3)]
    if marker:
        paragraphs.append(marker)
    outlet, domain, kind = rng.choices(_OUTLET_NAMES, _OUTLET_WEIGHTS)[0]
    year = rng.choices(_YEARS, _YEAR_WEIGHTS)[0]
    start = datetime(year, 1, 1, tzinfo=UTC)
    span = (min(NOW, datetime(year + 1, 1, 1, tzinfo=UTC)) - start).total_seconds()
    when = start + timedelta(seconds=rng.randrange(int(span)))
    return _document(
        f"g{n:08d}" if not marker else f"{marker}-{n}",
        f"{rng.choice(TITLE_PREFIXES)}{title}",
        "\n\n".join(paragraphs),
        when,
        outlet,
        kind,
        language=rng.choices([lang for lang, _ in LANGUAGES], [w for _, w in LANGUAGES])[0],
        author=rng.choice(AUTHORS),
        url=f"https://www.{domain}/{year}/{n}",
    )


REAL_EVERY = 50  # every 50th document is a real article, as they are, until all are in


def documents(start: int, stop: int) -> Iterator[Document]:
    """Documents start..stop-1 of the benchmark's archive: generated, with the real ones among them."""
    real = sources().real
    for n in range(start, stop):
        whole, rest = divmod(n, REAL_EVERY)
        yield real[whole] if rest == 0 and whole < len(real) else generated(n)


# -- the queries ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Queries:
    selective: list[str]
    phrase: list[str]
    broad: list[str]
    broad_phrases: list[str]


BROAD_WORDS = [
    "said",
    "government",
    "oil prices",
    "market",
    "percent year",
    "president",
    "security",
    "trade",
    "bank rates",
    "foreign minister",
    "company shares",
    "united states",
    "economic growth",
    "officials",
    "agreement",
]


@cache
def queries() -> Queries:
    """Queries drawn from the corpus with a fixed seed: rare capitalised names (in 2 to 4 source
    articles) and phrases of three words from sentences holding one, as an analyst after a
    particular person, company or event would type them; and the common words above."""
    src = sources()
    counts: dict[str, int] = {}
    where: dict[str, str] = {}
    for _, sentences in src.reuters + src.state:
        for word in {w for s in sentences for w in _WORD.findall(s)}:
            counts[word] = counts.get(word, 0) + 1
        for s in sentences:
            for w in _WORD.findall(s):
                where.setdefault(w, s)
    rare = sorted(w for w, c in counts.items() if 2 <= c <= 4 and w[0].isupper() and w.lower() not in counts)
    rng = random.Random(23)
    names = rng.sample(rare, 60)
    phrases = []
    for name in names[:40]:
        words = where[name].split()
        i = next(i for i, w in enumerate(words) if name in w)
        before = i > 0 and words[i - 1][:1].isupper()  # a name's first part, or the word after
        piece = [re.sub(r"[^\w'-]", "", w) for w in words[i - 1 : i + 1] if before] or [
            re.sub(r"[^\w'-]", "", w) for w in words[i : i + 2]
        ]
        if all(piece) and len(piece) == 2:
            phrases.append('"' + " ".join(piece) + '"')
    broad_phrases = [f'"{words}"' for words in BROAD_WORDS if " " in words]
    return Queries(selective=names, phrase=phrases[:30], broad=BROAD_WORDS, broad_phrases=broad_phrases)


def request(query: str, *, facets: bool = False, window: bool = True) -> SearchRequest:
    return SearchRequest(f"{query} {WINDOW}" if window else query, facets=facets, now=NOW)


def query_set(kind: str) -> list[SearchRequest]:
    q = queries()
    if kind == "selective":
        return [request(x, window=False) for x in q.selective]
    if kind == "phrase":
        return [request(x, window=False) for x in q.phrase]
    if kind == "misspelt":
        return [request(x[:3] + x[4:], window=False) for x in q.selective[:30]]
    if kind == "broad":
        return [request(x) for x in q.broad]
    if kind == "facets":
        return [request(x, facets=True) for x in q.broad]
    if kind == "broad phrases":
        return [request(x) for x in q.broad_phrases]
    if kind == "broad, all years":
        return [request(x, window=False) for x in q.broad]
    raise ValueError(kind)


KINDS = ("selective", "phrase", "misspelt", "broad", "facets", "broad phrases", "broad, all years")
MIX = (("selective", 40), ("phrase", 20), ("broad", 25), ("facets", 15))  # what analysts type


# -- engines --------------------------------------------------------------------------------
@dataclass(frozen=True)
class EngineSpec:
    """How a process opens the engine under test (picklable: each worker opens its own)."""

    kind: str  # "postgres" or "whoosh"
    location: str  # a libpq URL, or the Whoosh index folder


def open_engine(spec: EngineSpec) -> SearchEngine:
    if spec.kind == "whoosh":
        from briefer.core.search import SearchIndex

        return SearchIndex(Path(spec.location))
    postgres = importlib.import_module("briefer.core.search.postgres")  # on branch pgengine until merged
    engine: SearchEngine = postgres.PostgresIndex(spec.location)
    return engine


def prepare_postgres(url: str) -> None:
    """The team schema (all migrations) in the benchmark's database."""
    import psycopg

    from briefer.core.team import schema

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"SET search_path = {schema.SCHEMA}")
        schema.migrate(connection)


class Server:
    """A PostgreSQL server of the benchmark's own, on a Unix socket in `root` (see SERVER_SETTINGS)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.bindir = _pg_bin()
        self.url = f"postgresql://postgres@/briefer?host={root}"

    def _run(self, *args: str) -> None:
        subprocess.run(
            _as_server_user([str(self.bindir / args[0]), *args[1:]]), check=True, capture_output=True
        )

    def start(self) -> None:
        fresh = not (self.data / "PG_VERSION").is_file()
        if fresh:
            self.root.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.root, user="postgres")
            self.root.chmod(0o700)
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale",
                "C.UTF-8",
            )
        settings = " ".join(f"-c {k}={v}" for k, v in SERVER_SETTINGS.items())
        options = f"-k {self.root} -c listen_addresses='' {settings}"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-o", options, "start")
        if fresh:
            self._run("createdb", "-h", str(self.root), "-U", "postgres", "briefer")

    @property
    def log(self) -> Path:
        return self.root / "log"

    def stop(self) -> None:
        subprocess.run(
            _as_server_user([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"]),
            capture_output=True,
        )

    def sql(self, statement: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            cursor = connection.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def cpu_seconds(self) -> float:
        """CPU time the server's processes used so far (those that ended included)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
        total = sum(_proc_ticks(postmaster, children=True))
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == postmaster:
                    total += int(fields[11]) + int(fields[12])
        return total / ticks

    def database_bytes(self) -> int:
        return int(self.sql("SELECT pg_database_size('briefer')")[0][0])

    def explain_slow(self, slow: list[SearchRequest], spec: EngineSpec, target: Path) -> None:
        """Run the slowest queries again with auto_explain on (EXPLAIN ANALYZE into the log)."""
        self.sql("ALTER SYSTEM SET session_preload_libraries = 'auto_explain'")
        self.sql("SELECT pg_reload_conf()")
        mark = self.log.stat().st_size
        try:
            engine = open_engine(spec)
            for req in slow:
                with contextlib.suppress(Exception):  # the statements before a time-out are logged
                    engine.search(req)
            engine.close()
        finally:
            self.sql("ALTER SYSTEM RESET session_preload_libraries")
            self.sql("SELECT pg_reload_conf()")
        with self.log.open(encoding="utf-8", errors="replace") as log:
            log.seek(mark)
            plans = log.read()
        listed = "\n".join(f"-- {r.query}{' (with facets)' if r.facets else ''}" for r in slow)
        target.write_text(f"{listed}\n\n{plans}", encoding="utf-8")


def _proc_ticks(pid: int, *, children: bool = False) -> list[int]:
    """utime, stime (and the waited-for children's) of a process, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return [int(f) for f in fields[11 : 15 if children else 13]]


def _pg_bin() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    for version in ("17", "16", "15"):
        candidate = Path(f"/usr/lib/postgresql/{version}/bin")
        if (candidate / "initdb").exists():
            return candidate
    sys.exit("the benchmark needs the PostgreSQL server binaries (Debian: postgresql postgresql-contrib)")


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


# -- measuring ------------------------------------------------------------------------------
def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def load(engine: SearchEngine, start: int, stop: int, server_cpu: Callable[[], float]) -> dict[str, float]:
    """Add documents start..stop-1 in bulk, committing every COMMIT_EVERY; the rate achieved."""
    wall, cpu, server_before = time.perf_counter(), cpu_seconds(), server_cpu()
    engine_s = 0.0  # in put and commit
    with engine.batch(bulk=True) as batch:
        for n, doc in enumerate(documents(start, stop), start=1):
            t = time.perf_counter()
            batch.put(doc, new=True)
            if n % COMMIT_EVERY == 0 and start + n < stop:  # (the batch's end commits the last)
                batch.commit_and_continue()
            engine_s += time.perf_counter() - t
            if n % COMMIT_EVERY == 0:
                rate = n / (time.perf_counter() - wall)
                print(
                    f"    {start + n:>9,} documents  {rate:6.0f} docs/s  load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    seconds = time.perf_counter() - wall
    count = stop - start
    return {
        "documents": count,
        "seconds": seconds,
        "docs_per_s": count / seconds if seconds else 0.0,
        "client_cpu_s": cpu_seconds() - cpu,
        "server_cpu_s": server_cpu() - server_before,
        "engine_s": engine_s,  # of `seconds`, in put and commit (the rest: making the documents)
    }


def timed_search(engine: SearchEngine, req: SearchRequest) -> tuple[float, int]:
    started = time.perf_counter()
    results = engine.search(req)
    return time.perf_counter() - started, results.total


def latencies(engine: SearchEngine) -> dict[str, dict[str, Any]]:
    """Each query set once warm (after one pass over other queries), one query at a time.  A search
    that fails (a statement timeout) counts with the time it took, and is listed."""
    for req in query_set("selective")[-10:] + query_set("broad")[:3]:
        with contextlib.suppress(Exception):  # a failure counts below, when measured
            engine.search(req)
    out: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        times, totals, failed = [], [], []
        for req in query_set(kind):
            started = time.perf_counter()
            try:
                totals.append(float(engine.search(req).total))
            except Exception as exc:
                failed.append(f"{req.query}: {type(exc).__name__}: {exc}")
            times.append((time.perf_counter() - started) * 1000)
        matches = percentile(totals, 0.5) if totals else 0.0
        out[kind] = stats_ms(times) | {"median_matches": matches, "failed": failed}
    return out


def stats_ms(times: list[float]) -> dict[str, float]:
    if not times:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "max": 0.0}
    return {"n": len(times), "p50": percentile(times, 0.5), "p95": percentile(times, 0.95), "max": max(times)}


def slowest(engine: SearchEngine) -> list[SearchRequest]:
    """The slowest query of each kind among its first 8 (not one that ran out of time: its plan
    would not be logged)."""
    found = []
    for kind in KINDS:
        timed = []
        for req in query_set(kind)[:8]:
            with contextlib.suppress(Exception):
                timed.append((timed_search(engine, req)[0], req))
        found += [max(timed, key=lambda pair: pair[0])[1]] if timed else []
    return found


# -- concurrency ----------------------------------------------------------------------------
def analyst(
    spec: EngineSpec,
    sets: dict[str, list[SearchRequest]],
    seconds: float,
    think: float,
    seed: int,
    go: Any,
    out: Any,
) -> None:
    """One analyst: searches the mix of MIX, with `think` seconds (mean) between searches."""
    engine = open_engine(spec)
    rng = random.Random(seed)
    kinds, weights = [kind for kind, _ in MIX], [weight for _, weight in MIX]
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    errors: list[str] = []
    go.wait()  # every worker ready: the clock starts for all at once
    cpu = cpu_seconds()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        kind = rng.choices(kinds, weights)[0]
        try:
            times[kind].append(timed_search(engine, rng.choice(sets[kind]))[0] * 1000)
        except Exception as exc:  # counted and reported: a failed search is a result too
            errors.append(f"{kind}: {type(exc).__name__}: {exc}")
        if think:
            time.sleep(rng.expovariate(1 / think))
    engine.close()
    out.put(("analyst", times, errors, cpu_seconds() - cpu))


def importer(spec: EngineSpec, seconds: float, number: int, run: str, go: Any, out: Any) -> None:
    """One analyst's import: batches of IMPORT_BATCH new documents, each committed, for `seconds`;
    reports the ids committed (a batch counts once its `with` block has ended)."""
    engine = open_engine(spec)
    sources()
    marker = f"zzimporter{number}run{run}"  # new ids in every run: a kept archive has the last run's
    committed: list[str] = []
    busy = 0
    n = number * 10_000_000
    go.wait()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        docs = [generated(n + i, marker=marker) for i in range(IMPORT_BATCH)]
        try:
            with engine.batch() as batch:
                for doc in docs:
                    batch.put(doc, new=True)
        except IndexBusy:  # one writer at a time (the Whoosh engine): wait and try again
            busy += 1
            time.sleep(0.2)
            continue
        committed += [d.id for d in docs]
        n += IMPORT_BATCH
    engine.close()
    out.put(("importer", number, marker, committed, busy))


def concurrent(spec: EngineSpec, args: argparse.Namespace, server_cpu: Callable[[], float]) -> dict[str, Any]:
    """`args.analysts` searching while `args.importers` import; then every committed write is checked."""
    engine = open_engine(spec)
    before = engine.doc_count()
    engine.close()
    context = multiprocessing.get_context("spawn")  # no inherited connections or open files
    out = context.Queue()
    go = context.Barrier(args.analysts + args.importers + 1)
    sets = {kind: query_set(kind) for kind, _ in MIX}
    seconds = args.load_seconds
    workers = [
        context.Process(target=analyst, args=(spec, sets, seconds, args.think, 100 + i, go, out))
        for i in range(args.analysts)
    ] + [
        context.Process(target=importer, args=(spec, seconds, k, f"{before}", go, out))
        for k in range(args.importers)
    ]
    for worker in workers:
        worker.start()
    go.wait()
    started, server_before = time.perf_counter(), server_cpu()
    reports = [out.get() for _ in workers]
    for worker in workers:
        worker.join()
    wall, server_used = time.perf_counter() - started, server_cpu() - server_before
    analysts_cpu = sum(report[3] for report in reports if report[0] == "analyst")
    times: dict[str, list[float]] = {kind: [] for kind, _ in MIX}
    errors: list[str] = []
    imported: list[tuple[int, str, list[str], int]] = []
    for report in reports:
        if report[0] == "analyst":
            for kind, values in report[1].items():
                times[kind] += values
            errors += report[2]
        else:
            imported.append(report[1:])
    return {
        "wall_s": wall,
        "server_cpu_s": server_used,  # searches and imports together
        "analysts_cpu_s": analysts_cpu,  # the analysts' own processes (parsing, BM25F re-scoring)
        "searches": sum(len(v) for v in times.values()),
        "latency": {kind: stats_ms(values) for kind, values in times.items()}
        | {"all": stats_ms([t for v in times.values() for t in v])},
        "errors": errors[:10],
        "error_count": len(errors),
        # Searches that failed (time-outs), by kind: the latencies are of those that answered.
        "failed": {kind: sum(e.startswith(f"{kind}:") for e in errors) for kind in times},
        "writes": check_writes(spec, before, imported),
    }


def check_writes(
    spec: EngineSpec, before: int, imported: list[tuple[int, str, list[str], int]]
) -> dict[str, Any]:
    """Every committed document is counted and found by its importer's marker word (ids compared)."""
    engine = open_engine(spec)
    lost: list[str] = []
    paged_missing = 0
    committed = 0
    for _number, marker, ids, _busy in imported:
        committed += len(ids)
        # One page holding them all: pages of equal scores need not split the same way twice.
        req = SearchRequest(marker, limit=len(ids) + 100, relax=False, collapse=False, aliases=False, now=NOW)
        found = {hit.doc_id for hit in engine.search(req).hits} if ids else set()
        lost += sorted(set(ids) - found)
        paged_missing += len(found - paged(engine, marker, len(found)))
    count = engine.doc_count()
    engine.close()
    return {
        "committed": committed,
        "busy_waits": sum(b for *_, b in imported),
        "doc_count_before": before,
        "doc_count_after": count,
        "counted": count - before == committed,
        "not_found": len(lost),
        "not_found_ids": lost[:10],
        "missing_when_paged": paged_missing,  # found on one page, on none of the pages of 100
    }


def paged(engine: SearchEngine, query: str, total: int) -> set[str]:
    """The ids of `query`'s results read page by page, 100 a page (as a user pages through)."""
    found: set[str] = set()
    for page in range(1, total // 100 + 2):
        req = SearchRequest(query, limit=100, page=page, relax=False, collapse=False, aliases=False, now=NOW)
        found |= {hit.doc_id for hit in engine.search(req).hits}
    return found


# -- the run --------------------------------------------------------------------------------
def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def print_latencies(table: dict[str, dict[str, Any]], goals: bool = True) -> None:
    for kind, s in table.items():
        goal = GOALS_MS.get(kind)
        verdict = (
            "" if not goals or goal is None else ("  ok" if s["p95"] <= goal else f"  OVER goal {goal} ms")
        )
        matches = f"  median matches {s['median_matches']:>9,.0f}" if "median_matches" in s else ""
        print(
            f"  {kind:<17} n={s['n']:>4.0f}  p50 {s['p50']:8.1f} ms  p95 {s['p95']:8.1f} ms  "
            f"max {s['max']:8.1f} ms{matches}{verdict}"
        )
        if s.get("failed"):
            print(f"    {len(s['failed'])} failed, e.g. {s['failed'][0]}")


def run(args: argparse.Namespace) -> None:
    ROOT.mkdir(parents=True, exist_ok=True)
    deadline = time.perf_counter() + args.budget_minutes * 60
    server: Server | None = None
    scratch: Path | None = None
    if args.engine == "postgres":
        scratch = None if args.keep else Path(tempfile.mkdtemp(prefix="briefer-bench-pg-"))
        server = Server(Path(args.keep) if args.keep else scratch)  # type: ignore[arg-type]
        server.start()
        prepare_postgres(server.url)
        spec = EngineSpec("postgres", server.url)
    else:
        folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="briefer-bench-whoosh-"))
        scratch = None if args.keep else folder
        spec = EngineSpec("whoosh", str(folder))
    results: dict[str, Any] = {"engine": args.engine, "sizes": {}, "started": datetime.now(UTC).isoformat()}
    try:
        print(f"{args.engine}: preparing the corpus's sentences and queries", flush=True)
        sources()
        queries()
        engine = open_engine(spec)
        have = engine.doc_count()
        rate = 0.0
        for size in [] if args.concurrent_only else args.sizes:
            if size > have:
                if rate and (size - have) / rate > deadline - time.perf_counter():
                    print(f"\nstopping before {size:,}: at {rate:.0f} docs/s the load would pass the budget")
                    break
                print(f"\nloading {have:,} -> {size:,} (load average {os.getloadavg()[0]:.1f})", flush=True)
                step = load(engine, have, size, server.cpu_seconds if server else lambda: 0.0)
                rate = step["docs_per_s"]
                have = size
            else:
                step = {}
            figures = measure(engine, spec, server, step)
            results["sizes"][str(have)] = figures
            (ROOT / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
        engine.close()
        if args.analysts or args.importers:
            print(
                f"\n{args.analysts} analysts searching while {args.importers} import, {args.load_seconds:.0f} s",
                flush=True,
            )
            load_before = os.getloadavg()[0]
            under_load = concurrent(spec, args, server.cpu_seconds if server else lambda: 0.0)
            under_load["load_average"] = [load_before, os.getloadavg()[0]]
            results["concurrent"] = under_load
            print_concurrent(under_load)
        (ROOT / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
        print(f"\nfigures in {ROOT / 'results.json'}")
    finally:
        if server is not None:
            server.stop()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def measure(
    engine: SearchEngine, spec: EngineSpec, server: Server | None, step: dict[str, float]
) -> dict[str, Any]:
    count = engine.doc_count()
    size_bytes = server.database_bytes() if server else engine.size_bytes()
    print(f"\n== {count:,} documents  (load average {os.getloadavg()[0]:.1f})")
    if step:
        print(
            f"  import      {step['docs_per_s']:8.0f} docs/s  ({step['documents']:,} in {step['seconds']:.0f} s; "
            f"CPU: client {step['client_cpu_s']:.0f} s, server {step['server_cpu_s']:.0f} s; "
            f"{step['engine_s']:.0f} s in put and commit)"
        )
    print(f"  size        {human_bytes(size_bytes)}  ({size_bytes / max(count, 1):,.0f} bytes a document)")
    table = latencies(engine)
    print_latencies(table)
    figures: dict[str, Any] = {
        "documents": count,
        "import": step,
        "bytes": size_bytes,
        "latency_ms": table,
        "load_average": os.getloadavg()[0],
    }
    if server is not None:
        target = ROOT / f"plans-{count}.txt"
        server.explain_slow(slowest(engine), spec, target)
        print(f"  plans of the slowest queries: {target}")
    return figures


def print_concurrent(figures: dict[str, Any]) -> None:
    searches = max(figures["searches"], 1)
    print(
        f"  {figures['searches']:,} searches in {figures['wall_s']:.0f} s; load average {figures['load_average']}; "
        f"CPU: server {figures['server_cpu_s']:.0f} s (imports included), "
        f"analysts {figures['analysts_cpu_s'] / searches * 1000:.0f} ms a search"
    )
    for kind, s in figures["latency"].items():
        goal = GOALS_MS.get(kind)
        verdict = (
            "" if goal is None or not s["n"] else ("  ok" if s["p95"] <= goal else f"  OVER goal {goal} ms")
        )
        print(
            f"  {kind:<17} n={s['n']:>5.0f}  p50 {s['p50']:8.1f} ms  p95 {s['p95']:8.1f} ms  max {s['max']:8.1f} ms{verdict}"
        )
    if figures["error_count"]:
        failed = ", ".join(f"{kind} {n}" for kind, n in figures["failed"].items() if n)
        print(f"  {figures['error_count']} searches failed ({failed}; not in the figures above), e.g.")
        print(f"    {figures['errors'][0]}")
    w = figures["writes"]
    verdict = "no write lost" if w["counted"] and not w["not_found"] else "WRITES LOST"
    print(
        f"  imported {w['committed']:,} documents (waited for the writer {w['busy_waits']} times): "
        f"doc_count {w['doc_count_before']:,} -> {w['doc_count_after']:,}, "
        f"{w['not_found']} not found by search: {verdict}"
    )
    if w["missing_when_paged"]:
        print(f"  paging 100 at a time through the same results missed {w['missing_when_paged']} of them")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=("postgres", "whoosh"), default="postgres")
    parser.add_argument("--sizes", default="100000,300000,1000000", help="cumulative sizes, comma-separated")
    parser.add_argument("--keep", help="keep the server's cluster (or the Whoosh index) in this folder")
    parser.add_argument("--budget-minutes", type=float, default=120.0)
    parser.add_argument("--analysts", type=int, default=20)
    parser.add_argument("--importers", type=int, default=2)
    parser.add_argument("--load-seconds", type=float, default=90.0, help="how long the concurrent phase runs")
    parser.add_argument(
        "--think", type=float, default=1.0, help="an analyst's mean pause between searches (s)"
    )
    parser.add_argument(
        "--concurrent-only", action="store_true", help="with --keep: only the concurrent phase"
    )
    args = parser.parse_args(argv)
    args.sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(","))
    run(args)


if __name__ == "__main__":
    main()
