"""Choose the ranking's parameters on one half of a test collection's queries, confirm on the other.

    .venv/bin/python benchmarks/tune_ranking.py [--collection DIR] [--tune odd|even] [--quick]

The collection is in the BEIR layout that ../shared/tools/eval_ranking.py reads
(default: ../shared/corpus/cranfield).  Its documents are written and imported
with `briefer index` exactly as eval_ranking.py does it (once; cached under
benchmarks/out/tune/), then every query runs in this process, its words joined
with OR as there, against each candidate `Ranking`.

Queries are split by id: odd ids form one half, even ids the other.  The
search walks one parameter group at a time (coordinate ascent) and keeps a
change only when it raises nDCG@10 on the tuning half; the other half is only
reported, never used to choose.  The end table shows nDCG@10, R@100 and MRR@10
of plain BM25F (Briefer before issue #21), the shipped `ranking.DEFAULT` and
the tuned parameters, on both halves and overall.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import statistics
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import CORPUS, OUT, need

OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}


@dataclass
class Collection:
    queries: dict[str, str]  # id -> query as eval_ranking.py sends it
    qrels: dict[str, dict[str, int]]


def load(folder: Path) -> Collection:
    queries = {}
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            words = [w.lower() if w in OPERATORS else w for w in re.findall(r"\w+", item["text"])]
            queries[str(item["_id"])] = " OR ".join(words)
    qrels: dict[str, dict[str, int]] = {}
    for line in (folder / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            qid, docid, grade = line.split("\t")[:3]
            qrels.setdefault(qid, {})[docid] = int(float(grade))
    judged = {q: t for q, t in queries.items() if t and q in qrels and max(qrels[q].values()) > 0}
    return Collection(judged, qrels)


def build(folder: Path, work: Path) -> Path:
    """The Briefer data folder of the collection, imported as eval_ranking.py imports it."""
    data = work / "data"
    if (data / "done").is_file():
        return data
    shutil.rmtree(work, ignore_errors=True)
    docs = work / "docs"
    docs.mkdir(parents=True)
    for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            doc = json.loads(line)
            body = f"{doc.get('title') or ''}\n\n{doc.get('text') or ''}\n"
            (docs / (quote(str(doc["_id"]), safe="") + ".txt")).write_text(body, encoding="utf-8")
    command = [sys.executable, "-m", "briefer", "--data-dir", str(data), "index", str(docs)]
    subprocess.run(command, check=True, capture_output=True)
    (data / "done").write_text("", encoding="utf-8")
    return data


# -- metrics: as eval_ranking.py computes them -----------------------------------------
def ndcg_at_10(ranked: list[str], judgments: dict[str, int]) -> float:
    dcg = sum(judgments.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted((g for g in judgments.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at_100(ranked: list[str], judgments: dict[str, int]) -> float:
    relevant = {d for d, g in judgments.items() if g > 0}
    return len(relevant.intersection(ranked[:100])) / len(relevant)


def mrr_at_10(ranked: list[str], judgments: dict[str, int]) -> float:
    return next((1 / (i + 1) for i, d in enumerate(ranked[:10]) if judgments.get(d, 0) > 0), 0.0)


class Runner:
    """Runs the collection's queries against an archive with a given ranking."""

    def __init__(self, data: Path, collection: Collection) -> None:
        from briefer.core.archive import Archive

        self.archive = Archive(data)
        self.collection = collection
        self.names: dict[str, str] = {}  # document id -> corpus id
        self.cache: dict[tuple[str, str], list[str]] = {}

    def name(self, doc_id: str) -> str:
        found = self.names.get(doc_id)
        if found is None:
            doc = self.archive.document(doc_id)
            found = unquote(Path(doc.paths[0]).name.removesuffix(".txt")) if doc and doc.paths else doc_id
            self.names[doc_id] = found
        return found

    def ranked(self, ranking: object, qid: str) -> list[str]:
        from briefer.core.search import SearchRequest

        key = (repr(ranking), qid)
        if key not in self.cache:
            self.archive.index.ranking = ranking  # type: ignore[attr-defined]
            request = SearchRequest(self.collection.queries[qid], limit=100, facets=False)
            found = self.archive.index.search(request)
            self.cache[key] = [self.name(h.doc_id) for h in found.hits]
        return self.cache[key]

    def scores(self, ranking: object, qids: Iterable[str]) -> dict[str, float]:
        per_query = []
        for qid in qids:
            ranked, judged = self.ranked(ranking, qid), self.collection.qrels[qid]
            per_query.append(
                (ndcg_at_10(ranked, judged), recall_at_100(ranked, judged), mrr_at_10(ranked, judged))
            )
        return {
            name: statistics.fmean(m[i] for m in per_query) for i, name in enumerate(("ndcg", "r100", "mrr"))
        }


def halves(collection: Collection) -> dict[str, list[str]]:
    odd = [q for q in collection.queries if q.isdigit() and int(q) % 2 == 1]
    odd_set = set(odd)
    return {"odd": odd, "even": [q for q in collection.queries if q not in odd_set]}


def candidates(ranking: object, quick: bool) -> Iterable[tuple[str, list[object]]]:
    """Parameter groups to try, each as a list of rankings differing from `ranking` in that group."""
    from briefer.core.search.ranking import FieldModel, Ranking

    assert isinstance(ranking, Ranking)

    def with_field(name: str, **changes: float) -> Ranking:
        model = ranking.field(name)
        fields = dict(ranking.fields)
        fields[name] = FieldModel(**{**model.__dict__, **changes})
        return ranking.with_(fields=fields)

    grid = (lambda values: values[::2]) if quick else (lambda values: values)
    yield "idf", [ranking.with_(idf_formula=v) for v in ("whoosh", "bm25")]
    yield "body k1", [with_field("body", k1=v) for v in grid([0.6, 0.9, 1.2, 1.5, 1.8, 2.2])]
    yield "body b", [with_field("body", b=v) for v in grid([0.3, 0.45, 0.6, 0.75, 0.9])]
    yield "title weight", [with_field("title", weight=v) for v in grid([0.25, 0.5, 0.75, 1.0, 1.5])]
    yield "title b", [with_field("title", b=v) for v in grid([0.3, 0.5, 0.75, 0.9])]
    yield "proximity", [ranking.with_(proximity=v) for v in grid([0.0, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0])]
    yield "window", [ranking.with_(window=v) for v in grid([3, 5, 8, 12])]
    yield (
        "feedback weight",
        [
            ranking.with_(feedback_docs=ranking.feedback_docs or 10, feedback_weight=v)
            for v in grid([0.0, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5])
        ],
    )
    yield "feedback min docs", [ranking.with_(feedback_min_docs=v) for v in (1, 2)]
    yield "feedback docs", [ranking.with_(feedback_docs=v) for v in grid([3, 5, 10, 20])]
    yield "feedback terms", [ranking.with_(feedback_terms=v) for v in grid([5, 10, 20, 30])]
    yield "depth", [ranking.with_(depth=v) for v in grid([50, 100, 200, 400])]


def tune(runner: Runner, start: object, qids: list[str], rounds: int, quick: bool) -> object:
    best, best_score = start, runner.scores(start, qids)["ndcg"]
    for round_ in range(rounds):
        improved = False
        for group, tried in candidates(best, quick):
            for ranking in tried:
                score = runner.scores(ranking, qids)["ndcg"]
                if score > best_score + 1e-4:
                    best, best_score, improved = ranking, score, True
            print(f"  round {round_ + 1} {group:16} best nDCG@10 {best_score:.4f}", file=sys.stderr)
        if not improved:
            break
    return best


def main() -> None:
    from briefer.core.search.ranking import DEFAULT, PLAIN

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collection", type=Path, default=CORPUS / "cranfield")
    parser.add_argument("--tune", choices=("odd", "even"), default="odd", help="the half to choose on")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="every other value of each grid")
    parser.add_argument("--no-tune", action="store_true", help="only compare plain BM25F with the default")
    args = parser.parse_args()
    collection = load(need(args.collection))
    data = build(args.collection, OUT / "tune" / args.collection.name)
    runner = Runner(data, collection)
    split = halves(collection)
    rankings = {"plain BM25F": PLAIN, "ranking.DEFAULT": DEFAULT}
    if not args.no_tune:
        print(f"tuning on the {args.tune} half ({len(split[args.tune])} queries)", file=sys.stderr)
        tuned = tune(runner, DEFAULT, split[args.tune], args.rounds, args.quick)
        rankings["tuned"] = tuned
        print(f"tuned: {tuned}")
    print(f"{'':16} {'half':>5} {'nDCG@10':>8} {'R@100':>7} {'MRR@10':>7}")
    for label, ranking in rankings.items():
        for half, qids in (*split.items(), ("all", list(collection.queries))):
            found = runner.scores(ranking, qids)
            print(f"{label:16} {half:>5} {found['ndcg']:8.4f} {found['r100']:7.4f} {found['mrr']:7.4f}")
    runner.archive.close()


if __name__ == "__main__":
    main()
