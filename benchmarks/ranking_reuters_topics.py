"""A second-domain check of the ranking: Reuters-21578 topic labels as (unjudged) relevance.

    .venv/bin/python benchmarks/ranking_reuters_topics.py

Not a test collection: nobody judged these documents for these queries.  Each
query names one of Reuters' topic labels in plain words (`coffee`, `crude oil
prices`, ...) and a hit counts as relevant when the story carries that label;
labels are incomplete, so figures are lower bounds.  It answers one question:
does the ranking that was tuned on Cranfield (aeronautics abstracts, long
queries) hurt short newswire searches?  Plain BM25F and `ranking.DEFAULT` run
the same queries, words ANDed (as analysts type them) and ORed; precision-based
nDCG@10 (every label has at least 10 stories) and MRR@10.

It reads the archive that benchmarks/bench_foundation.py imports (run that first).
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import OUT, need, reuters_records

QUERIES = {
    "crude": "crude oil prices",
    "grain": "grain exports",
    "interest": "interest rates",
    "money-fx": "foreign exchange currency",
    "trade": "trade deficit",
    "wheat": "wheat",
    "ship": "shipping ports",
    "corn": "corn",
    "money-supply": "money supply",
    "sugar": "sugar",
    "gnp": "gross national product",
    "coffee": "coffee",
    "veg-oil": "vegetable oil",
    "gold": "gold",
    "nat-gas": "natural gas",
    "soybean": "soybean",
    "livestock": "cattle hogs livestock",
    "cpi": "consumer prices inflation",
    "copper": "copper",
    "cocoa": "cocoa",
    "jobs": "unemployment jobs",
    "rice": "rice",
    "iron-steel": "steel",
    "cotton": "cotton",
    "rubber": "rubber",
    "alum": "aluminium",
    "zinc": "zinc",
    "silver": "silver",
    "acq": "acquisition merger",
    "earn": "quarterly earnings",
}
IDEAL = sum(1 / math.log2(i + 2) for i in range(10))


def main() -> None:
    from briefer.core.archive import Archive
    from briefer.core.search import SearchRequest
    from briefer.core.search.ranking import DEFAULT, PLAIN

    labels = {str(r["id"]): set(r.get("topics") or ()) for r in reuters_records()}  # type: ignore[arg-type]
    with Archive(need(OUT / "foundation" / "briefer-data")) as archive:
        names: dict[str, str] = {}

        def story(doc_id: str) -> str:  # the Reuters id: the imported file's name
            if doc_id not in names:
                doc = archive.document(doc_id)
                names[doc_id] = Path(doc.paths[0]).stem if doc and doc.paths else doc_id
            return names[doc_id]

        for join in (" ", " OR "):
            for label, ranking in (("plain BM25F", PLAIN), ("ranking.DEFAULT", DEFAULT)):
                archive.index.ranking = ranking  # type: ignore[attr-defined]
                ndcg, mrr = [], []
                for topic, words in QUERIES.items():
                    hits = archive.index.search(SearchRequest(join.join(words.split()), limit=10)).hits
                    good = [topic in labels.get(story(h.doc_id), ()) for h in hits]
                    ndcg.append(sum(1 / math.log2(i + 2) for i, g in enumerate(good) if g) / IDEAL)
                    mrr.append(next((1 / (i + 1) for i, g in enumerate(good) if g), 0.0))
                print(
                    json.dumps({"join": join.strip() or "AND", "ranking": label,
                                "ndcg@10": round(statistics.fmean(ndcg), 4),
                                "mrr@10": round(statistics.fmean(mrr), 4)})
                )  # fmt: skip


if __name__ == "__main__":
    main()
