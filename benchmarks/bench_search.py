"""Search benchmark: Briefer's search beside bare Whoosh, on Reuters and on a 100,000-article set.

    .venv/bin/python benchmarks/bench_search.py [--sets reuters,100k] [--fresh N] [--open-only]
        [--data DIR] [--search-only] [--baseline CHECKOUT]

For each set, in the same run, Briefer and a bare Whoosh index of the same
articles (a default setup: StemmingAnalyzer, stored body, `hit.highlights()`,
`groupedby=` facets, the plain query parser) answer the queries of
queries_search.txt (over 100: words, phrases, fields, Boolean, wildcards, date
ranges, facet filters), top 20 with snippets, then again with facets.  Each
engine runs in its own process, warmed first with other queries
(queries_reuters.txt), so the figures are warm searches of queries it has not
seen; memory is that process's peak RSS.  A sample of queries is also run each
in a fresh process (Python start, open, first result).

Then opening a result: for the best hits of each query, the time from asking
the reader (offscreen) to show the hit to its first screen shown with the
highlights, by the path before issue #19 (the reader prepared, parsed and
evaluated the query again to find the highlights) and by today's (the hit
carries its spans), in the same process, on the same archive, alternately.

The Reuters set is written as .txt files and imported with `briefer index`.
The 100k set is built here from Reuters and State Department articles: each
article mixes the sentences of one source article with a few from others, with
varied outlets, dates (1987-2024) and languages, so no two are copies.  Both
sets and both indexes are cached under benchmarks/out/search/ and rebuilt when
the index schema changes.  `--data DIR` searches an archive already imported
instead (one set; it is opened, so give a copy of one that must stay untouched).

Each set's report ends with the first pass (each query searched once, after the
warm-up) in CPU time: phrase p95, all queries' p95 and the slowest query, the
figures issue #24 sets targets for.  `--search-only` prints only those (no bare
Whoosh, fresh processes or reader), and `--baseline CHECKOUT` measures another
checkout's Briefer (e.g. `git worktree add /tmp/main main`) on the same archive
in the same run, alternately with this one, `--rounds` times.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import CORPUS, OUT, need, percentile, reuters_records, write_reuters_as_text

ROOT = OUT / "search"
QUERIES = Path(__file__).with_name("queries_search.txt")
WARMUP = Path(__file__).with_name("queries_reuters.txt")
BIG_COUNT = 100_000
TOP = 20

# Outlets of the 100k set: name, web domain, source type, share.
OUTLETS = [
    ("Reuters", "reuters.com", "wire service", 30),
    ("Associated Press", "apnews.com", "wire service", 8),
    ("Yonhap", "yna.co.kr", "wire service", 4),
    ("U.S. Department of State", "state.gov", "government", 12),
    ("TASS", "tass.com", "state media", 5),
    ("Xinhua", "xinhuanet.com", "state media", 5),
    ("KCNA", "kcna.kp", "state media", 2),
    ("BBC", "bbc.com", "news", 8),
    ("The Guardian", "theguardian.com", "news", 6),
    ("Seoul Harbour Times", "seoulharbour.example", "news", 4),
    ("RAND Corporation", "rand.org", "think tank", 4),
    ("Brookings", "brookings.edu", "think tank", 4),
    ("Atlantic Policy Forum", "atlanticpolicy.example", "think tank", 3),
    ("Department Notes", "departmentnotes.example", "government", 5),
]
AUTHORS = [
    f"{a} {b}"
    for a in ("Anna", "Ben", "Chris", "Dana", "Eli", "Fay", "Gus", "Hana")
    for b in ("Smith", "Park", "Ivanova", "Chen", "Okafor")
] + [""] * 20
TITLE_PREFIXES = ["", "", "", "UPDATE 1-", "ANALYSIS-", "FACTBOX-", "WRAPUP 2-", "Explainer: ", "Opinion: "]
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


# -- the data sets -----------------------------------------------------------------------
def _schema_version() -> int:
    from briefer.core.search.index import SCHEMA_VERSION

    return SCHEMA_VERSION


def _archive_ready(data: Path) -> bool:
    marker = data / "whoosh" / "briefer-index.json"
    if not marker.is_file() or not (data / "catalog.sqlite3").is_file():
        return False
    return json.loads(marker.read_text(encoding="utf-8")).get("schema") == _schema_version()


def build_reuters(root: Path) -> Path:
    texts = root / "reuters-txt"
    write_reuters_as_text(texts)
    return texts


def _reuters_articles() -> Iterator[tuple[str, str]]:
    for record in reuters_records():
        text = str(record.get("text") or "").strip()
        if len(text) > 200:
            yield str(record.get("title") or "Untitled"), " ".join(text.split())


def _state_articles() -> Iterator[tuple[str, str]]:
    for path in sorted(need(CORPUS / "state-dept" / "articles").glob("*.json")):
        article = json.loads(path.read_text(encoding="utf-8"))
        text = str(article.get("text") or "").strip()
        if len(text) > 200:
            yield str(article["title"]).strip(), " ".join(text.split())


def build_big(root: Path, count: int = BIG_COUNT) -> Path:
    """Write `count` varied articles (see the module docstring) as .txt files, 1,000 a folder."""
    folder = root / "big-txt"
    done = folder / "DONE"
    if done.is_file() and done.read_text(encoding="utf-8").strip() == str(count):
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    rng = random.Random(1987)
    sources = [(t, _SENTENCE.split(x)) for t, x in _reuters_articles()]
    state = [(t, _SENTENCE.split(x)) for t, x in _state_articles()]
    names, weights = zip(*((o[:3], o[3]) for o in OUTLETS), strict=True)
    start = time.perf_counter()
    for n in range(count):
        title, sentences = rng.choice(state if rng.random() < 0.25 else sources)
        keep = max(1, int(len(sentences) * rng.uniform(0.6, 1.0)))
        first = rng.randrange(0, len(sentences) - keep + 1)
        body = sentences[first : first + keep]
        for _ in range(rng.randint(1, 3)):  # a few sentences from elsewhere
            _, other = rng.choice(sources if rng.random() < 0.7 else state)
            body.insert(rng.randrange(len(body) + 1), rng.choice(other))
        if len(body) > 3 and rng.random() < 0.3:
            i = rng.randrange(len(body) - 1)
            body[i], body[i + 1] = body[i + 1], body[i]
        paragraphs, i = [], 0
        while i < len(body):
            step = rng.randint(2, 4)
            paragraphs.append(" ".join(body[i : i + step]))
            i += step
        outlet, domain, _kind = rng.choices(names, weights)[0]
        year = 1987 if rng.random() < 0.2 else rng.randint(1990, 2024)
        when = datetime(year, 1, 1) + timedelta(seconds=rng.randrange(365 * 86400))
        language = rng.choices(["en", "fr", "de"], [96, 2, 2])[0]
        header = [
            f"Title: {rng.choice(TITLE_PREFIXES)}{title}",
            f"Source: {outlet}",
            f"Author: {rng.choice(AUTHORS)}",
            f"Published: {when.isoformat()}+00:00",
            f"URL: https://www.{domain}/{year}/{n}",
            f"Language: {language}",
        ]
        target = folder / f"{n // 1000:03d}" / f"a{n:06d}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            "\n".join(h for h in header if not h.endswith(": ")) + "\n\n" + "\n\n".join(paragraphs)
        )
    done.write_text(str(count), encoding="utf-8")
    print(f"  wrote {count} articles in {time.perf_counter() - start:.0f} s")
    return folder


def import_set(texts: Path, data: Path) -> None:
    if _archive_ready(data):
        return
    shutil.rmtree(data, ignore_errors=True)
    started = time.perf_counter()
    command = [sys.executable, "-m", "briefer", "--data-dir", str(data), "index", str(texts)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"  imported {texts.name} with briefer in {time.perf_counter() - started:.0f} s")


def _read_txt(path: Path) -> dict[str, str]:
    head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    meta = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head.splitlines())}
    meta["body"] = body
    return meta


BARE_BUILD = r"""
import json, sys
from datetime import datetime, timezone
from pathlib import Path
from whoosh import fields, index
from whoosh.analysis import RegexTokenizer, LowercaseFilter, StemmingAnalyzer
sys.path.insert(0, sys.argv[3])
from benchmarks.bench_search import _read_txt, outlet_type
names = RegexTokenizer() | LowercaseFilter()
schema = fields.Schema(
    id=fields.ID(stored=True, unique=True), title=fields.TEXT(stored=True, field_boost=2.0),
    body=fields.TEXT(analyzer=StemmingAnalyzer(), stored=True), source=fields.TEXT(analyzer=names),
    outlet=fields.ID(), author=fields.TEXT(analyzer=names), published=fields.DATETIME(stored=True, sortable=True),
    url=fields.ID(), language=fields.ID(), type=fields.ID(), tag=fields.KEYWORD(lowercase=True, commas=True),
    year=fields.ID(), month=fields.ID())
ix = index.create_in(sys.argv[1], schema)
writer = ix.writer()
for path in sorted(Path(sys.argv[2]).rglob("*.txt")):
    meta = _read_txt(path)
    if not meta["body"].strip():
        continue
    doc = dict(id=path.stem, title=meta.get("title", ""), body=meta["body"], source=meta.get("source", ""),
               outlet=meta.get("source", ""), author=meta.get("author", ""), url=meta.get("url", ""),
               language=meta.get("language", "en"), type=outlet_type(meta.get("source", "")))
    if meta.get("published"):
        when = datetime.fromisoformat(meta["published"])
        if when.tzinfo:
            when = when.astimezone(timezone.utc).replace(tzinfo=None)
        doc.update(published=when, year=f"{when.year}", month=f"{when:%Y-%m}")
    writer.add_document(**{k: v for k, v in doc.items() if v})
writer.commit()
"""


def outlet_type(name: str) -> str:
    return next((kind for outlet, _, kind, _ in OUTLETS if outlet == name), "")


def build_bare(texts: Path, target: Path) -> None:
    stamp = target / "BUILT"
    if stamp.is_file():
        return
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    started = time.perf_counter()
    root = str(Path(__file__).resolve().parents[1])
    subprocess.run([sys.executable, "-c", BARE_BUILD, str(target), str(texts), root], check=True)
    stamp.write_text("ok", encoding="utf-8")
    print(f"  indexed {texts.name} with bare Whoosh in {time.perf_counter() - started:.0f} s")


# -- queries --------------------------------------------------------------------------------
def read_queries(path: Path) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        query, _, spec = line.partition("\t")
        filters = tuple(tuple(part.split("=", 1)) for part in spec.split(";") if "=" in part)
        out.append((query, filters))  # type: ignore[arg-type]
    return out


def category(query: str, filters: tuple[tuple[str, str], ...]) -> str:
    if "published:" in query or any(f in ("year", "month") for f, _ in filters):
        return "date"
    if filters:
        return "faceted"
    if re.search(r"[*?]", query):
        return "wildcard"
    if '"' in query:
        return "phrase"
    if re.search(r"\b\w+:", query):
        return "field"
    if re.search(r"\b(AND|OR|NOT)\b", query):
        return "boolean"
    return "words"


# -- the measuring processes ----------------------------------------------------------------
def ours_engine(data: Path) -> Callable[[str, tuple[tuple[str, str], ...], bool], int]:
    from briefer.core.archive import Archive
    from briefer.core.search.query import SearchRequest

    archive = Archive(data)

    def search(query: str, filters: tuple[tuple[str, str], ...], facets: bool) -> int:
        results = archive.search(SearchRequest(query, limit=TOP, filters=filters, facets=facets))
        return len(results.hits)

    return search


def bare_engine(target: Path) -> Callable[[str, tuple[tuple[str, str], ...], bool], int]:
    from whoosh import index, qparser, query, sorting

    from briefer.core.search.query import date_span

    ix = index.open_dir(str(target))
    searcher = ix.searcher()
    parser = qparser.MultifieldParser(["title", "body"], schema=ix.schema)
    parser.add_plugin(qparser.GtLtPlugin())
    facets = [sorting.FieldFacet(name) for name in ("outlet", "type", "year", "month", "language")]
    facets.append(sorting.FieldFacet("tag", allow_overlap=True))
    field_of = {"source": "outlet", "type": "type", "year": "year", "month": "month", "language": "language"}
    today = datetime.now().date()
    clause = re.compile(r'published:(\[[^\]]*\]|\{[^}]*\}|"[^"]*"|[<>]=?\S+|\S+)')

    def absolute(match: re.Match[str]) -> str:
        # Bare Whoosh reads neither natural nor relative dates: give it the same days, spelled out.
        first, last = date_span(match.group(1), today)
        low = first.strftime("%Y%m%d") if first else "19000101"
        high = last.strftime("%Y%m%d") if last else "21000101"
        return f"published:[{low} to {high}]"

    def search(text: str, filters: tuple[tuple[str, str], ...], with_facets: bool) -> int:
        q = parser.parse(clause.sub(absolute, text).replace("lang:", "language:"))
        terms = [query.Term(field_of[f], v) for f, v in filters if f in field_of]
        options: dict[str, Any] = {"limit": TOP}
        if terms:
            options["filter"] = query.And(terms)
        if with_facets:
            options["groupedby"] = facets
        results = searcher.search(q, **options)
        snippets = [hit.highlights("body") for hit in results]
        if with_facets:
            for facet in ("outlet", "type", "year", "month", "language", "tag"):
                results.groups(facet)
        return len(snippets)

    return search


OPEN_HITS = 3  # the best hits of each query opened in the reader


def measure_open(data: Path) -> dict[str, Any]:
    """Child process: open the best hits of every query in an offscreen reader, by the old path
    (re-query) and the new one (the hit's spans), alternating which goes first."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from briefer.core.archive import Archive
    from briefer.core.search import Hit, SearchIndex, SearchRequest
    from briefer.gui.reader.content import PreparedDocument, prepare_document
    from briefer.gui.reader.pane import ReaderPane

    app = QApplication.instance() or QApplication([])
    archive = Archive(data)
    engine = archive.index
    assert isinstance(engine, SearchIndex)  # the old path asked the Whoosh engine itself

    class RequeryingReader(ReaderPane):
        """The reader as it was before issue #19: its job found the highlights by evaluating the
        query again (`Archive.highlight_spans`: `query_terms`, then the spans in the text)."""

        def show_requeried(self, hit: Hit, query: str) -> None:
            def job(progress: Any, cancel: Any) -> PreparedDocument:
                spans = engine.query_terms(query).spans(hit.document.text)
                return prepare_document(hit.document, spans, cancel)

            self._runner.submit(job)  # the pane's own runner, as the old show_highlighted used it

    reader = RequeryingReader(carried_by=archive.carried_by_count)
    reader.resize(800, 900)
    shown: list[str] = []
    reader.document_shown.connect(shown.append)

    def until_shown(start: Callable[[], None]) -> float:
        shown.clear()
        started = time.perf_counter()
        start()
        while not shown:
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        elapsed = time.perf_counter() - started
        reader.clear_document()
        app.processEvents()
        return elapsed

    out: dict[str, Any] = {"old": [], "new": [], "requery": [], "same": True}
    for number, (text, filters) in enumerate(read_queries(QUERIES)):
        try:
            results = archive.search(SearchRequest(text, limit=100, filters=filters, facets=True))
        except Exception:  # a query the engine refuses has nothing to open
            continue
        for hit in results.hits[:OPEN_HITS]:
            old = functools.partial(reader.show_requeried, hit, text)
            new = functools.partial(reader.show_highlighted, hit.document, hit.spans)
            first, second = ("old", "new") if number % 2 else ("new", "old")
            for path in (first, second):
                out[path].append(until_shown(old if path == "old" else new))
            started = time.perf_counter()
            again = engine.query_terms(text).spans(hit.document.text)
            out["requery"].append(time.perf_counter() - started)
            out["same"] = out["same"] and again == list(hit.spans)
    return out


def measure(args: argparse.Namespace) -> None:
    """Child process: warm up, time every query with and without facets, print JSON."""
    if args.child == "open":
        print(json.dumps(measure_open(Path(args.child_data))))
        return
    if args.child_code:  # another checkout's Briefer (--baseline): imported from there
        sys.path.insert(0, args.child_code)
    engine = (
        ours_engine(Path(args.child_data)) if args.child == "ours" else bare_engine(Path(args.child_data))
    )
    for text in (q for q in WARMUP.read_text(encoding="utf-8").splitlines() if q.strip()):
        engine(text, (), True)
    out: dict[str, Any] = {"plain": [], "facets": [], "errors": [], "first_cpu": []}
    for mode in ("plain", "facets"):
        if mode == "facets" and args.child_skip_facets:
            out[mode] = [float("nan")] * len(out["plain"])
            continue
        for text, filters in read_queries(QUERIES):
            started, cpu = time.perf_counter(), time.process_time()
            try:
                engine(text, filters, mode == "facets")
            except Exception as exc:
                out["errors"].append(f"{text}: {exc}")
            out[mode].append(time.perf_counter() - started)
            if mode == "plain":
                out["first_cpu"].append(time.process_time() - cpu)
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


FRESH = r"""
import sys, time
started = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from benchmarks.bench_search import ours_engine, bare_engine
from pathlib import Path
engine = (ours_engine if sys.argv[2] == "ours" else bare_engine)(Path(sys.argv[3]))
engine(sys.argv[4], tuple(tuple(f.split("=", 1)) for f in sys.argv[5:]), True)
print(time.perf_counter() - started)
"""


def fresh(
    engine: str, where: Path, queries: list[tuple[str, tuple[tuple[str, str], ...]]]
) -> tuple[list[float], list[float]]:
    """Wall time of a whole process per query (Python start included), and the in-process part."""
    walls, inside = [], []
    root = str(Path(__file__).resolve().parents[1])
    for text, filters in queries:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", FRESH, root, engine, str(where), text, *(f"{f}={v}" for f, v in filters)],
            check=True,
            capture_output=True,
            text=True,
        )
        walls.append(time.perf_counter() - started)
        inside.append(float(done.stdout.strip().splitlines()[-1]))
    return walls, inside


def run_child(engine: str, where: Path, *, facets: bool = True, code: str = "") -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", engine, "--child-data", str(where)]
    command += [] if facets else ["--child-skip-facets"]
    command += ["--child-code", code] if code else []
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# -- the report ----------------------------------------------------------------------------
def ms(values: list[float], share: float) -> float:
    values = [v for v in values if v == v]  # NaN: not measured
    return percentile([v * 1000 for v in values], share) if values else float("nan")


FIRST_PASS_TARGETS = {"phrase p95": 60.0, "all p95": 100.0, "slowest": 500.0}  # issue #24, at 100k


def first_pass(figures: dict[str, Any]) -> dict[str, float]:
    """Phrase p95, all queries' p95 and the slowest query of the first pass, in CPU ms."""
    cpu = figures["first_cpu"]
    phrases = [t for t, (q, f) in zip(cpu, read_queries(QUERIES), strict=True) if category(q, f) == "phrase"]
    return {"phrase p95": ms(phrases, 0.95), "all p95": ms(cpu, 0.95), "slowest": ms(cpu, 1)}


def report_first_pass(label: str, figures: dict[str, Any], targets: dict[str, float] | None) -> None:
    found = first_pass(figures)
    shown = "  ".join(
        f"{name} {value:6.1f}" + ("" if targets is None else f" (<= {targets[name]:g})")
        for name, value in found.items()
    )
    print(f"  first pass, CPU ms, {label:10} {shown}")


def report_open(opening: dict[str, Any]) -> None:
    old, new, requery = opening["old"], opening["new"], opening["requery"]
    print(
        f"  opening a result: {len(new)} hits (the best {OPEN_HITS} of each query), from asking the "
        "offscreen reader to its first screen shown with the highlights (in ms)"
    )
    for label, values in (("re-query (before #19)", old), ("hit's spans (now)", new)):
        print(
            f"    {label:24} p50 {ms(values, 0.5):6.1f}  p95 {ms(values, 0.95):6.1f}  max {ms(values, 1):6.1f}"
        )
    print(f"    the re-query alone      p50 {ms(requery, 0.5):6.1f}  p95 {ms(requery, 0.95):6.1f}")
    print(f"    same highlights both ways: {'yes' if opening['same'] else 'NO'}")


def report(
    name: str,
    docs: int,
    ours: dict[str, Any],
    bare: dict[str, Any],
    fresh_figures: dict[str, Any],
    targets: dict[str, float],
) -> None:
    queries = read_queries(QUERIES)
    cats = [category(q, f) for q, f in queries]
    print(f"\n{name}: {docs:,} articles, {len(queries)} queries, top {TOP} with snippets (warm, in ms)")
    print(
        f"  {'':24} {'Briefer p50':>11} {'p95':>7} {'max':>7}   {'Whoosh p50':>10} {'p95':>7} {'max':>7}   p95 ratio"
    )
    rows: list[tuple[str, list[int]]] = [("all queries", list(range(len(queries))))]
    rows += [(f"  {c}", [i for i, k in enumerate(cats) if k == c]) for c in sorted(set(cats))]
    for mode in ("plain", "facets"):
        label = "snippets" if mode == "plain" else "snippets + facets"
        print(f"  -- {label}")
        for row, picked in rows:
            a = [ours[mode][i] for i in picked]
            b = [bare[mode][i] for i in picked]
            ratio = ms(a, 0.95) / ms(b, 0.95)
            print(
                f"  {row + f' ({len(picked)})':24} {ms(a, 0.5):11.1f} {ms(a, 0.95):7.1f} {ms(a, 1):7.1f}   "
                f"{ms(b, 0.5):10.1f} {ms(b, 0.95):7.1f} {ms(b, 1):7.1f}   {ratio:6.2f}"
            )
    walls, inside = fresh_figures["ours"]
    bwalls, binside = fresh_figures["bare"]
    print(
        f"  fresh process, {len(walls)} queries with snippets + facets (median; whole process / open + search):\n"
        f"    Briefer {statistics.median(walls) * 1000:.0f} / {statistics.median(inside) * 1000:.0f} ms"
        f"   bare Whoosh {statistics.median(bwalls) * 1000:.0f} / {statistics.median(binside) * 1000:.0f} ms"
    )
    print(
        f"  peak memory of the searching process: Briefer {ours['rss_mb']:.0f} MB, bare Whoosh {bare['rss_mb']:.0f} MB"
    )
    if ours["errors"] or bare["errors"]:
        print(f"  errors: Briefer {ours['errors'][:3]}  bare Whoosh {bare['errors'][:3]}")
    date_rows = [i for i, k in enumerate(cats) if k == "date"]
    checks = {
        "p50 snippets": (ms(ours["plain"], 0.5), targets.get("p50")),
        "p95 snippets": (ms(ours["plain"], 0.95), targets.get("p95")),
        "p95 snippets + facets": (ms(ours["facets"], 0.95), targets.get("p95_facets")),
        "p95 date-filtered": (ms([ours["plain"][i] for i in date_rows], 0.95), targets.get("p95_date")),
        "slowest query": (max(ours["plain"] + ours["facets"]) * 1000, 1000.0),
        "p95 ratio to bare Whoosh": (ms(ours["plain"], 0.95) / ms(bare["plain"], 0.95), 0.7),
        "memory MB": (ours["rss_mb"], targets.get("memory")),
    }
    print("  targets:")
    for label, (value, limit) in checks.items():
        if limit is not None:
            verdict = "ok" if value <= limit else "MISSED"
            print(f"    {label:28} {value:8.2f} <= {limit:<8g} {verdict}")
    report_first_pass("Briefer", ours, FIRST_PASS_TARGETS if docs >= 100_000 else None)


def search_only(title: str, data: Path, baseline: str, rounds: int) -> None:
    """The first pass of Briefer (and of a baseline checkout), alternately, in one run."""
    print(f"\n{title}: {len(read_queries(QUERIES))} queries, first pass after the warm-up")
    runs = [("baseline", baseline), ("this", "")] if baseline else [("this", "")]
    for _ in range(max(1, rounds if baseline else 1)):
        for label, code in runs:
            report_first_pass(label, run_child("ours", data, facets=False, code=code), FIRST_PASS_TARGETS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="reuters,100k", help="reuters, 100k or both (default)")
    parser.add_argument("--fresh", type=int, default=15, help="queries run each in a fresh process")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-data", help=argparse.SUPPRESS)
    parser.add_argument("--child-skip-facets", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-bare-facets",
        action="store_true",
        help="skip bare Whoosh's facet run (groupedby takes seconds a query: about 10 minutes at 100k)",
    )
    parser.add_argument(
        "--open-only", action="store_true", help="only time opening results (no search figures)"
    )
    parser.add_argument(
        "--data", help="an imported Briefer data folder to search (one set), instead of building it"
    )
    parser.add_argument(
        "--search-only", action="store_true", help="only the first pass of Briefer's search (no bare Whoosh)"
    )
    parser.add_argument("--baseline", default="", help="another checkout whose Briefer is measured beside")
    parser.add_argument(
        "--rounds", type=int, default=1, help="with --baseline: measurements of each, alternating"
    )
    parser.add_argument("--child-code", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(args)
        return
    ROOT.mkdir(parents=True, exist_ok=True)
    next(reuters_records())  # fails early with a clear message when the corpus is absent
    queries = read_queries(QUERIES)
    sample = queries[:: max(1, len(queries) // max(1, args.fresh))][: args.fresh]
    sets = {
        "reuters": ("Reuters-21578", build_reuters, {"p50": 10, "p95": 40, "p95_facets": 80, "p95_date": 40}),
        "100k": (
            "100k articles (Reuters + State Department, varied)",
            build_big,
            {"p95": 150, "memory": 250},
        ),
    }
    if args.data and "," in args.sets:
        parser.error("--data is one set's archive: name that set alone in --sets")
    for key in args.sets.split(","):
        title, build, targets = sets[key]
        data, bare_dir = ROOT / f"{key}-data", ROOT / f"{key}-bare"
        if args.data:
            data = Path(args.data)
            print(f"\n== {title}: searching {data}")
        else:
            print(f"\n== {title}: preparing (cached under {ROOT})")
            texts = build(ROOT)
            import_set(texts, data)
        if args.search_only:
            search_only(title, data, args.baseline, args.rounds)
            continue
        if args.data:
            texts = build(ROOT)  # bare Whoosh indexes the same articles
        if args.open_only:
            print(f"\n{title}")
            report_open(run_child("open", data))
            continue
        build_bare(texts, bare_dir)
        from briefer.core.archive import Archive

        with Archive(data) as archive:
            docs = archive.stats().documents
        ours, bare = run_child("ours", data), run_child("bare", bare_dir, facets=not args.no_bare_facets)
        figures = {"ours": fresh("ours", data, sample), "bare": fresh("bare", bare_dir, sample)}
        report(title, docs, ours, bare, figures, targets)
        report_open(run_child("open", data))
    print(f"\n(run at {datetime.now():%Y-%m-%d %H:%M}; warm figures vary by some percent between runs)")


if __name__ == "__main__":
    main()
