"""The same archive and the same queries give the same results, ids and scores: the guard for the
speed work of #24 (phrase and proximity queries decoded differently, import changes), whose results
must not move.  The archive is generated from a fixed seed; `fixed_results.json` holds what the
ranking in place when #24 started (BM25F per field, proximity and feedback of #21) returns.

After an intended ranking change, regenerate it: `BRIEFER_WRITE_GOLDEN=1 pytest this file`, and
say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path

import pytest

from briefer.core.archive import Archive
from briefer.core.search import SearchRequest
from tests.conftest import write_article

GOLDEN = Path(__file__).with_name("fixed_results.json")
WORDS = (  # noqa: SIM905 - a sentence of words reads better than 46 quoted strings
    "artillery shells rail convoy satellite launch sanctions envoy cosmodrome treaty harbour port grain "
    "exports missile defence alliance summit pyongyang moscow tokyo seoul kyiv brussels warsaw pact "
    "shipment ammunition drone radar submarine frigate border crossing customs inspection talks "
    "ministry statement officials analysts prices markets tankers oil embargo"
).split()
OUTLETS = ("Harbor Wire", "Border Post", "Eurasia State Radio", "Continental Review")
QUERIES = (
    "artillery shells",
    '"artillery shells"',
    '"rail convoy"~3',
    "satellite OR cosmodrome",
    "sanctions -embargo",
    "+missile defence alliance",
    "title:summit",
    'source:"Harbor Wire" grain',
    "published:[2023-01-01 to 2023-06-30] tankers",
    "grain exports prices markets",
    "drone radar submarine frigate border",
    "pyongyang moscow pact shipment",
    "(seoul OR tokyo) AND missile",
    "ammun*",
    "envoy talks ministry statement",
)


def build(folder: Path) -> None:
    rng = random.Random(20261207)
    for n in range(600):
        words = [rng.choice(WORDS) for _ in range(rng.randint(40, 160))]
        title = " ".join(rng.choice(WORDS) for _ in range(4)).capitalize()
        day = f"2023-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}T09:00:00+00:00"
        body = " ".join(words) + "."
        write_article(folder, f"a{n:04}", body, title=title, source=rng.choice(OUTLETS), published=day)


def results(archive: Archive) -> dict[str, object]:
    found: dict[str, object] = {}
    for query in QUERIES:
        # Every hit, not a page: documents of equal score may come in either order (the import's
        # parser processes finish in any order), so they are compared sorted by score, then name.
        page = archive.search(SearchRequest(query, limit=1000))
        hits = [[Path(hit.document.paths[0]).name, round(hit.score, 4), hit.match] for hit in page.hits]
        ordered = sorted(hits, key=lambda h: (-h[1], h[0]))
        every = hashlib.sha256(json.dumps(ordered).encode()).hexdigest()  # all of them, compactly
        found[query] = {"total": page.total, "first": ordered[:10], "all_sha256": every}
    return found


def test_the_fixed_archive_gives_the_recorded_results(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    build(folder)
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([folder])
        got = results(archive)
    if os.environ.get("BRIEFER_WRITE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        pytest.skip(f"wrote {GOLDEN.name}")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for query in QUERIES:
        assert got[query] == expected[query], f"results changed for {query!r}"
