"""How the PostgreSQL engine ranks against the Whoosh engine, on a test collection (issue #23).

    .venv/bin/python benchmarks/ranking_pg_vs_whoosh.py [--collection DIR] [--team URL]

The collection is in the BEIR layout that ../shared/tools/eval_ranking.py reads (default:
../shared/corpus/cranfield).  Its documents (title and text) are indexed into both engines in this
process: a Whoosh index in a temporary folder, and the PostgreSQL engine in the database `--team`
names (its search tables are emptied first: use a scratch database), or, without it, in a server
of its own started in a temporary folder (initdb, as the tests do).  Every judged query runs on
both, its words joined with OR as eval_ranking.py sends them, with the shipped ranking and the
documents' texts for its feedback factor; the table shows nDCG@10, R@100 and MRR@10 as
eval_ranking.py computes them, and the CPU time of the searches (this process; the server's own
time is not in it) and their wall time.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import CORPUS, need
from benchmarks.tune_ranking import Collection, load, mrr_at_10, ndcg_at_10, recall_at_100
from briefer.core.documents import Document
from briefer.core.search import PostgresIndex, SearchEngine, SearchIndex, SearchRequest

LIMIT = 100


def documents(folder: Path) -> list[Document]:
    found = []
    for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            found.append(
                Document(id=str(item["_id"]), title=item.get("title", ""), text=item["text"], text_hash="")
            )
    return found


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def evaluate(engine: SearchEngine, collection: Collection) -> dict[str, float]:
    ndcg, recall, mrr = [], [], []
    started_cpu, started = cpu_seconds(), time.perf_counter()
    for qid, query in collection.queries.items():
        results = engine.search(SearchRequest(query, limit=LIMIT, relax=False, collapse=False))
        ranked = [hit.doc_id for hit in results.hits]
        judged = collection.qrels[qid]
        ndcg.append(ndcg_at_10(ranked, judged))
        recall.append(recall_at_100(ranked, judged))
        mrr.append(mrr_at_10(ranked, judged))
    count = len(collection.queries)
    return {
        "nDCG@10": statistics.fmean(ndcg),
        "R@100": statistics.fmean(recall),
        "MRR@10": statistics.fmean(mrr),
        "cpu ms/query": 1000 * (cpu_seconds() - started_cpu) / count,
        "wall ms/query": 1000 * (time.perf_counter() - started) / count,
    }


def index(engine: SearchEngine, docs: list[Document]) -> float:
    started = time.perf_counter()
    with engine.batch(bulk=True) as batch:
        for document in docs:
            batch.put(document, new=True)
    return time.perf_counter() - started


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """The database to use: `url` (migrated), or one on a server of our own."""
    import psycopg

    from briefer.core.team.schema import migrate

    if url is not None:
        with psycopg.connect(url) as connection:
            migrate(connection)
        yield url
        return
    from tests.postgres_server import create_database, temporary_server

    with temporary_server() as server:
        made = create_database(server, "cranfield")
        with psycopg.connect(made) as connection:
            migrate(connection)
        yield made


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--collection", type=Path, default=CORPUS / "cranfield")
    parser.add_argument("--team", help="a scratch team database (its search tables are emptied)")
    args = parser.parse_args()
    folder = need(args.collection)
    collection = load(folder)
    docs = documents(folder)
    by_id = {d.id: d.text for d in docs}
    texts: Callable[[list[str]], list[str]] = lambda ids: [by_id.get(i, "") for i in ids]  # noqa: E731
    work = Path(tempfile.mkdtemp(prefix="briefer-ranking-"))
    rows: dict[str, dict[str, float]] = {}
    try:
        whoosh = SearchIndex(work / "index", texts=texts)
        seconds = index(whoosh, docs)
        rows["whoosh"] = {**evaluate(whoosh, collection), "index s": seconds}
        whoosh.close()
        with database(args.team) as url:
            postgres = PostgresIndex(url, texts=texts, statement_timeout_ms=60_000)
            postgres.reset()
            seconds = index(postgres, docs)
            rows["postgres"] = {**evaluate(postgres, collection), "index s": seconds}
            postgres.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"{folder.name}: {len(docs)} documents, {len(collection.queries)} judged queries (words joined with OR)"
    )
    columns = list(rows["whoosh"])
    print(f"{'engine':10}" + "".join(f"{c:>15}" for c in columns))
    for name, row in rows.items():
        print(f"{name:10}" + "".join(f"{row[c]:>15.4f}" for c in columns))


if __name__ == "__main__":
    main()
