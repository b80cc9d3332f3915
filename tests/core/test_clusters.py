"""Near-duplicate clusters: syndicated copies found at import, collapsed in search, cited once."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from briefer.core.archive import Archive, clusters, workers
from briefer.core.archive.catalog import SCHEMA_VERSION
from briefer.core.archive.clusters import Signature, jaccard, shingles, sign
from briefer.core.archive.copy_diff import cluster_diff, word_diff
from briefer.core.briefing.citations import citation_pieces, plain
from briefer.core.briefing.excerpts import hit_excerpt
from briefer.core.documents import Extracted
from briefer.core.extract import Part
from briefer.core.search.query import SearchRequest
from tests.conftest import ArchiveTemplate, corpus_path, write_article

STORY = [
    "Grain ministers from six Black Sea states agreed on Monday to reopen a shipping corridor "
    "for wheat and maize, ending a blockade that had stranded more than forty cargo ships.",
    "Under the accord, vessels will sail in convoys escorted by naval patrols from two neutral "
    "countries, and inspectors will check every hold in Istanbul before and after each voyage.",
    "Traders said wheat futures fell almost four percent in Chicago after the announcement, the "
    "steepest daily drop since the spring, as buyers expected fresh supplies within weeks.",
    "The agreement runs for one hundred and twenty days and can be renewed if no party objects, "
    "the ministers said in a joint statement read out at the end of the talks in Varna.",
    "Aid agencies welcomed the deal, warning that food prices in East Africa and the Middle East "
    "had doubled since the corridor closed and that millions faced hunger without the exports.",
    "Shipping companies said the first convoy could leave within ten days, once mine clearance "
    "teams had swept the approaches to the three ports named in the accord.",
    "Farmers' unions in the exporting countries said silos were full from last year's harvest and "
    "that the new crop, due in weeks, would otherwise have rotted in the fields.",
    "Diplomats who attended the talks said the breakthrough came after the neutral countries "
    "offered to guarantee compensation for any ship damaged while sailing in a convoy.",
    "The United Nations secretary-general called the accord a beacon of hope and urged all "
    "parties to implement it in full and without delay.",
    "Insurance brokers cautioned that premiums for ships entering the corridor would stay high "
    "until the first convoys completed their voyages without incident.",
]
ADDED = (
    "Our correspondent in Odesa reported that port workers had already begun clearing berths "
    "and repairing cranes damaged during the months of closure."
)
OTHER_STORY = [
    "Fishermen on the northern coast protested on Tuesday against new quotas for herring and "
    "mackerel, blocking three harbours with their boats for most of the day.",
    "The fisheries ministry said the quotas followed scientific advice that stocks had fallen to "
    "their lowest level in two decades and would recover only with deep cuts.",
    "Union leaders demanded compensation for crews who would lose up to half of their season, "
    "and threatened to extend the blockade to the ferry terminals next week.",
]


def write_syndicated(folder: Path) -> dict[str, Path]:
    """The wire original, two papers' copies (new headline, one with an added paragraph), and an
    unrelated story."""
    body = "\n\n".join(STORY)
    return {
        "wire": write_article(
            folder,
            "wire",
            body,
            title="Black Sea states agree to reopen grain corridor",
            source="Northern Wire Service",
            published="2023-07-17T09:00:00+00:00",
        ),
        "paper": write_article(
            folder,
            "paper",
            "\n\n".join([*STORY[:3], ADDED, *STORY[3:]]),
            title="Grain ships to sail again as blockade ends",
            source="Seoul Harbour Times",
            published="2023-07-17T15:30:00+00:00",
        ),
        "tabloid": write_article(
            folder,
            "tabloid",
            "\n\n".join(STORY[:-1]),
            title="WHEAT DEAL: corridor reopens",
            source="Continental Review",
            published="2023-07-18T06:00:00+00:00",
        ),
        "other": write_article(
            folder,
            "other",
            "\n\n".join(OTHER_STORY),
            title="Fishermen blockade harbours over quotas",
            source="Seoul Harbour Times",
            published="2023-07-18T08:00:00+00:00",
        ),
    }


def doc_ids(archive: Archive, paths: dict[str, Path]) -> dict[str, str]:
    locations = archive.catalog.locations()
    return {name: locations[str(path.resolve())].doc_id or "" for name, path in paths.items()}


@pytest.fixture(scope="session")
def syndicated_template(tmp_path_factory: pytest.TempPathFactory) -> ArchiveTemplate:
    """The four articles of `write_syndicated`, imported once a session."""
    return ArchiveTemplate.of_files(tmp_path_factory.mktemp("syndicated"), write_syndicated)


@pytest.fixture
def news(syndicated_template: ArchiveTemplate) -> Path:
    """The folder of the articles in `syndicated` (as they were imported, in every test)."""
    assert syndicated_template.files is not None
    return syndicated_template.files


@pytest.fixture
def syndicated(
    tmp_path: Path, syndicated_template: ArchiveTemplate, news: Path
) -> Iterator[tuple[Archive, dict[str, str]]]:
    """An archive of the four articles of `write_syndicated` (a copy), and their ids by name."""
    archive = Archive(syndicated_template.copy_to(tmp_path / "data"))
    yield archive, doc_ids(archive, {path.stem: path for path in news.glob("*.txt")})
    archive.close()


# -- the algorithm -----------------------------------------------------------------------
def test_a_copy_with_a_new_headline_and_an_added_paragraph_stays_alike() -> None:
    original = shingles("Black Sea states agree", "\n\n".join(STORY))
    copy = shingles("Grain ships to sail again", "\n\n".join([*STORY[:3], ADDED, *STORY[3:]]))
    assert jaccard(original, copy) >= 0.8
    assert jaccard(original, shingles("", "\n\n".join(OTHER_STORY))) < 0.05
    assert sign("t", "too short to tell").minhash == b""  # a form letter is never clustered


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Grain ships to sail again", "\n\n".join([*STORY[:3], ADDED, *STORY[3:]])),
        ("Grain ships", "Grain ships\n\n" + "\n\n".join(STORY)),  # a title paragraph is read once
        ("t", "too short to tell"),
        ("", ""),
    ],
)
def test_a_parser_worker_sends_what_the_importing_process_would_compute(title: str, text: str) -> None:
    signed = workers._signed(Part("", Extracted(text=text, title=title)))
    assert signed is not None
    minhash, keys, sent, shingle_filter = signed
    made = sign(title, text)
    assert (minhash, keys, shingle_filter) == (made.minhash, made.keys, made.filter())
    received = Signature.sent(minhash, keys, sent, shingle_filter).words()
    assert received.dtype == np.uint64 and np.array_equal(received, shingles(title, text))
    assert len(sent) == 8 * len(received)  # 8 bytes a distinct shingle travel, nothing else
    assert Signature.sent(minhash, keys, sent, shingle_filter).filter() == shingle_filter


def test_the_shingles_kept_for_later_comparisons_stay_within_their_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clusters, "RECENT_SHINGLE_BYTES", 8 * 1000)
    recent = clusters._RecentShingles()
    for n in range(30):
        recent.put(f"long{n}", np.arange(300, dtype=np.uint64))
    kept = [f"long{n}" for n in range(30) if recent.get(f"long{n}") is not None]
    assert kept == ["long27", "long28", "long29"]  # the newest within 8,000 bytes
    recent.put("huge", np.arange(5000, dtype=np.uint64))
    assert recent.get("huge") is not None and recent.get("long29") is None  # the one just compared stays
    for n in range(2 * clusters.CHUNK + 5):
        recent.put(f"short{n}", np.arange(1, dtype=np.uint64))
    assert recent.get("short4") is None and recent.get("short5") is not None  # 2 * CHUNK documents


def _variant(words: list[str], changed: int, rng: np.random.Generator) -> str:
    """`words` with `changed` of them, at random places, replaced by words no other text has."""
    out = list(words)
    for i, at in enumerate(rng.choice(len(out), size=changed, replace=False)):
        out[at] = f"changed{rng.integers(1 << 30)}x{i}"
    return " ".join(out)


def _stories(count: int, rng: np.random.Generator) -> list[list[str]]:
    return [[f"s{s}w{rng.integers(400)}" for _ in range(300)] for s in range(count)]


def test_a_shingle_filter_bounds_the_similarity_from_above_and_turns_most_near_copies_away() -> None:
    rng = np.random.default_rng(7)
    turned_away = near = 0
    for words in _stories(12, rng):
        filter_of = {}
        base = shingles("", " ".join(words))
        filter_of["base"] = clusters.shingle_filter(base)
        assert int.from_bytes(filter_of["base"][:4], "little") == len(base)
        for changed in (1, 2, 4, 6, 8, 12, 30):
            other = shingles("", _variant(words, changed, rng))
            exact = jaccard(other, base)
            bound = clusters.similarity_bound(other, filter_of["base"])
            assert bound >= exact  # never below: a copy is never turned away
            assert clusters.similarity_bound(base, clusters.shingle_filter(other)) >= exact
            if 0.5 <= exact < 0.8:
                near += 1
                turned_away += bound < 0.8
    assert near >= 20 and turned_away >= 0.85 * near  # the filters do their work
    assert clusters.shingle_filter(np.arange(clusters.FILTER_MAX_SHINGLES + 1, dtype=np.uint64)) == b""
    assert clusters.shingle_filter(np.zeros(0, dtype=np.uint64)) == b""


def _import_near_copies(
    data: Path, bases: Path, variants: Path, *, filters: bool
) -> tuple[dict[str, list[str]], int]:
    """Import the bases (without their shingle filters, as an older Briefer stored them, unless
    `filters`), then the variants; each file's cluster (the names of its members), and how many
    texts the clustering read back from the catalog to compare them."""
    with Archive(data) as archive:
        archive.import_paths([bases])
        if not filters:
            with archive.catalog.transaction():
                archive.catalog._db.execute("UPDATE signatures SET shingle_filter = NULL")
        read_back = 0
        titles_and_texts = archive.catalog.titles_and_texts

        def counted(doc_ids: list[str]) -> dict[str, tuple[str, str, str]]:
            nonlocal read_back
            read_back += len(doc_ids)
            return titles_and_texts(doc_ids)

        archive.catalog.titles_and_texts = counted  # type: ignore[method-assign]
        archive.import_paths([variants])
        archive.catalog.titles_and_texts = titles_and_texts  # type: ignore[method-assign]
        names = {p.stem: p for folder in (bases, variants) for p in folder.glob("*.txt")}
        ids = doc_ids(archive, names)
        groups: dict[str, set[str]] = {}
        for name, doc_id in ids.items():
            groups.setdefault(archive.cluster_of(doc_id), set()).add(name)
        return {name: sorted(groups[archive.cluster_of(i)]) for name, i in ids.items()}, read_back


def test_near_copies_turned_away_by_filters_cluster_as_the_full_comparison_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(11)
    copies, near = 0, 0
    for s, words in enumerate(_stories(6, rng)):
        write_article(tmp_path / "bases", f"base{s}", " ".join(words), title=f"Story {s}")
        for v, changed in enumerate((1, 2, 9, 11, 13, 15)):
            body = _variant(words, changed, rng)
            write_article(tmp_path / "variants", f"v{s}-{v}", body, title=f"Story {s}")
            alike = jaccard(shingles("", body), shingles("", " ".join(words)))
            copies += alike >= 0.8
            near += 0.6 <= alike < 0.8
    assert copies >= 6 and near >= 12
    # Every base has dropped out of the shingles remembered by the time its variants come.
    monkeypatch.setattr(clusters, "RECENT_SHINGLE_BYTES", 0)
    folders = (tmp_path / "bases", tmp_path / "variants")
    filtered, read_filtered = _import_near_copies(tmp_path / "filtered", *folders, filters=True)
    full, read_full = _import_near_copies(tmp_path / "full", *folders, filters=False)
    assert filtered == full
    assert all(f"base{s}" in filtered[f"v{s}-0"] for s in range(6))  # one word changed: a copy
    # Without filters most near copies' bases are read back to be compared; with them only the
    # copies' (and a near copy whose bound came out at 0.82) are.
    assert read_full >= copies + near // 2
    assert read_filtered <= copies + near // 4, (read_filtered, read_full, copies, near)


# -- import ----------------------------------------------------------------------------
def test_syndicated_copies_cluster_with_the_wire_original_first(syndicated) -> None:
    archive, ids = syndicated
    assert archive.cluster_of(ids["paper"]) == ids["wire"]
    assert archive.cluster_of(ids["tabloid"]) == ids["wire"]
    assert archive.cluster_of(ids["other"]) == ids["other"]  # a lone document is its own cluster
    members = archive.cluster(ids["tabloid"])
    assert [d.id for d in members] == [ids["wire"], ids["paper"], ids["tabloid"]]
    assert archive.also_carried_by(ids["wire"]) == ("Seoul Harbour Times", "Continental Review")
    assert archive.cluster_stats().clusters == 1


def test_among_copies_published_at_the_same_time_the_wire_service_leads(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    body = "\n\n".join(STORY)
    write_article(
        folder,
        "a-paper",
        body,
        title="Paper",
        source="Seoul Harbour Times",
        published="2023-07-17T09:00:00+00:00",
    )
    wire = write_article(
        folder,
        "z-wire",
        body + "\n\n" + ADDED,
        title="Wire",
        source="Northern Wire Service",
        published="2023-07-17T09:00:00+00:00",
    )
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([folder])
        wire_id = doc_ids(archive, {"w": wire})["w"]
        assert archive.document(wire_id).source_type == "wire service"
        assert archive.cluster_of(wire_id) == wire_id


def test_web_pages_signed_by_the_parser_workers_cluster_too(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for name, outlet, title, paragraphs in (
        ("wire.html", "Northern Wire Service", "Grain corridor to reopen", STORY),
        ("paper.html", "Seoul Harbour Times", "Grain ships sail again", [*STORY[:3], ADDED, *STORY[3:]]),
    ):
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        (folder / name).write_text(
            f"<html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"<meta property='og:site_name' content='{outlet}'></head>"
            f"<body><article><h1>{title}</h1>{body}</article></body></html>",
            encoding="utf-8",
        )
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([folder], workers=1)
        ids = sorted(archive.catalog.all_ids())
        assert archive.catalog.count_signed() == 2
        assert {archive.cluster_of(i) for i in ids} == {archive.cluster_of(ids[0])}
        assert len(archive.cluster(ids[0])) == 2


def test_a_copy_imported_later_joins_the_existing_cluster(tmp_path: Path) -> None:
    paths = write_syndicated(tmp_path / "first")
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([tmp_path / "first"])
        ids = doc_ids(archive, paths)
        late = write_article(
            tmp_path / "later",
            "late",
            "\n\n".join(STORY[1:]) + "\n\n" + ADDED,
            title="Corridor deal",
            source="Kyiv Evening Ledger",
            published="2023-07-19T10:00:00+00:00",
        )
        summary = archive.import_paths([tmp_path / "later"])
        assert summary.counts["imported"] == 1
        late_id = doc_ids(archive, {"late": late})["late"]
        assert archive.cluster_of(late_id) == ids["wire"]
        assert len(archive.cluster(ids["wire"])) == 4
        # An earlier copy, imported last, becomes the representative.
        early = write_article(
            tmp_path / "earlier",
            "early",
            "\n\n".join(STORY),
            title="Early",
            source="Pacific Security Monitor",
            published="2023-07-16T23:00:00+00:00",
        )
        archive.import_paths([tmp_path / "earlier"])
        early_id = doc_ids(archive, {"e": early})["e"]
        assert archive.cluster_of(ids["paper"]) == early_id
        assert archive.cluster(late_id)[0].id == early_id


def test_removing_the_representative_promotes_the_next_copy(syndicated, news: Path) -> None:
    archive, ids = syndicated
    agency = write_article(
        news,
        "agency",
        "\n\n".join(STORY),
        title="Corridor to reopen",
        source="Pacific Security Monitor",
        published="2023-07-17T12:00:00+00:00",
    )
    archive.import_paths([news])
    ids["agency"] = doc_ids(archive, {"a": agency})["a"]
    assert archive.cluster_of(ids["agency"]) == ids["wire"]
    (news / "wire.txt").unlink()
    archive.import_paths([news], prune=True)
    assert archive.document(ids["wire"]) is None
    assert archive.cluster_of(ids["tabloid"]) == ids["agency"]  # the earliest of the rest
    assert [d.id for d in archive.cluster(ids["paper"])] == [ids["agency"], ids["paper"], ids["tabloid"]]
    # The paper's copy (a paragraph added) and the tabloid's (one cut) are alike only through
    # the full text: without it they are two lone documents again.
    (news / "agency.txt").unlink()
    archive.import_paths([news], prune=True)
    assert archive.cluster_of(ids["tabloid"]) == ids["tabloid"]
    assert archive.cluster_of(ids["paper"]) == ids["paper"]
    assert archive.cluster_stats().clusters == 0
    assert archive.catalog.count_signed() == 3


def test_a_copy_edited_into_another_story_leaves_the_cluster(syndicated, news: Path) -> None:
    archive, ids = syndicated
    write_article(
        news,
        "tabloid",
        "\n\n".join(OTHER_STORY[::-1]),
        title="Changed",
        source="Continental Review",
        published="2023-07-18T06:00:00+00:00",
    )
    summary = archive.import_paths([news])
    assert summary.counts["updated"] == 1
    assert archive.cluster_of(ids["tabloid"]) == ids["tabloid"]
    assert [d.id for d in archive.cluster(ids["wire"])] == [ids["wire"], ids["paper"]]


def test_the_threshold_setting_changes_the_outcome(syndicated) -> None:
    archive, ids = syndicated
    stats = archive.recluster(1.0)  # only identical texts
    assert stats.threshold == 1.0 and stats.clusters == 0
    assert archive.cluster_of(ids["paper"]) == ids["paper"]
    assert archive.recluster(0.8).clusters == 1
    assert archive.cluster_of(ids["paper"]) == ids["wire"]
    assert archive.recluster(0).clusters == 0  # off
    assert archive.cluster_stats().line().startswith("clustering is off")
    with pytest.raises(ValueError, match=r"between 0\.5 and 1"):
        archive.recluster(0.2)


def test_switched_off_nothing_is_signed_and_switching_on_signs_everything(tmp_path: Path) -> None:
    paths = write_syndicated(tmp_path / "news")
    with Archive(tmp_path / "data") as archive:
        archive.recluster(0)
        archive.import_paths([tmp_path / "news"])
        assert archive.catalog.count_signed() == 0
        assert archive.cluster_stats().clusters == 0
        stats = archive.recluster(0.8)
        ids = doc_ids(archive, paths)
        assert stats.signed == 4 and stats.clusters == 1
        assert archive.cluster_of(ids["paper"]) == ids["wire"]


def test_an_archive_from_before_clusters_is_signed_by_reindex(tmp_path: Path) -> None:
    paths = write_syndicated(tmp_path / "news")
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([tmp_path / "news"])
    db = sqlite3.connect(tmp_path / "data" / "catalog.sqlite3")
    for table in ("signatures", "signature_bands", "clusters"):
        db.execute(f"DROP TABLE {table}")
    db.execute("UPDATE meta SET value='2' WHERE key='schema_version'")
    db.commit()
    db.close()
    with Archive(tmp_path / "data") as archive:
        version = archive.catalog._db.execute("SELECT value FROM meta WHERE key='schema_version'")
        assert version.fetchone()[0] == str(SCHEMA_VERSION)
        ids = doc_ids(archive, paths)
        assert archive.cluster_of(ids["paper"]) == ids["paper"]  # not signed yet
        archive.reindex()
        assert archive.cluster_of(ids["paper"]) == ids["wire"]


# -- search ----------------------------------------------------------------------------
def test_search_shows_one_hit_per_story_with_the_other_outlets(syndicated) -> None:
    archive, ids = syndicated
    results = archive.search("grain corridor")
    assert results.total == 3 and results.stories == 1
    (hit,) = results.hits
    assert hit.cluster == ids["wire"] and hit.cluster_size == 3
    assert len(hit.also_carried_by) == 2 and hit.copies_note() == "also carried by 2 outlets"
    data = hit.as_json()
    assert data["cluster"] == ids["wire"] and data["cluster_size"] == 3
    everything = archive.search(SearchRequest("grain corridor", collapse=False))
    assert everything.stories is None and len(everything.hits) == 3
    assert {h.cluster for h in everything.hits} == {ids["wire"]}
    # The copy that matches best is shown, and brings its representative for citing.
    odesa = archive.search("odesa cranes berths")
    assert [h.id for h in odesa.hits] == [ids["paper"]]
    assert odesa.hits[0].representative is not None and odesa.hits[0].representative.id == ids["wire"]
    assert odesa.hits[0].also_carried_by == ("Northern Wire Service", "Continental Review")


def test_collapsed_pages_count_stories(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    body = "\n\n".join(STORY)
    for i in range(5):  # five outlets carry the story, five other stories mention grain once
        write_article(
            folder,
            f"copy{i}",
            body,
            title=f"Copy {i}",
            source=f"Outlet {i}",
            published=f"2023-07-1{i}T09:00:00+00:00",
        )
        write_article(
            folder,
            f"single{i}",
            f"Story {i}: grain prices. " + OTHER_STORY[i % 3] * (i + 1),
            title=f"Single {i}",
            source="Seoul Harbour Times",
        )
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([folder])
        first = archive.search(SearchRequest("grain", limit=4))
        second = archive.search(SearchRequest("grain", limit=4, page=2))
        assert first.total == 10 and first.stories == 6
        shown = [h.id for h in first.hits + second.hits]
        assert len(shown) == 6 == len(set(shown))
        assert sum(1 for h in first.hits + second.hits if h.cluster_size == 5) == 1


# -- diffs and citations ---------------------------------------------------------------
def test_the_diff_shows_the_new_headline_and_the_added_paragraph(syndicated) -> None:
    archive, ids = syndicated
    wire, paper, tabloid = (archive.document(ids[k]) for k in ("wire", "paper", "tabloid"))
    diff = cluster_diff(wire, paper)
    assert diff.headline_changed and diff.title_after == "Grain ships to sail again as blockade ends"
    assert diff.added == [ADDED] and diff.removed == [] and diff.unchanged == len(STORY)
    assert cluster_diff(wire, tabloid).removed == [STORY[-1]]
    assert cluster_diff(wire, wire).identical
    assert ("-", "Monday ") in word_diff("on Monday to", "on Tuesday to")


def test_a_citation_of_a_syndicated_story_says_who_else_carried_it(syndicated) -> None:
    archive, _ = syndicated
    hit = archive.search("grain corridor").hits[0]
    excerpt = hit_excerpt(
        hit.document, [(p.start, p.end) for p in hit.passages], carried_by=archive.carried_by_count
    )
    assert excerpt.citation.also_carried_by == 2
    assert "also carried by 2 outlets" in plain(citation_pieces(excerpt.citation))
    alone = archive.search("fishermen quotas").hits[0]
    lone = hit_excerpt(alone.document, [], carried_by=archive.carried_by_count)
    assert "also carried" not in plain(citation_pieces(lone.citation))


# -- the state department releases: same topic, different stories ---------------------------
# Readouts of four of the Secretary's calls with the Ukrainian foreign minister: the same title,
# the same people, the same template, written days apart.  The first two share the most
# wording of any pair of such readouts (Jaccard 0.56): still two stories.
KULEBA_CALLS = [
    "2022-03-08-secretary-blinkens-call-with-ukrainian-foreign-minister-kuleba-13.html",
    "2022-03-14-secretary-blinkens-call-with-ukrainian-foreign-minister-kuleba-17.html",
    "2022-03-10-secretary-blinkens-call-with-ukrainian-foreign-minister-kuleba-14.html",
    "2022-02-25-secretary-blinkens-call-with-ukrainian-foreign-minister-kuleba-9.html",
]


def test_releases_on_the_same_topic_are_not_merged(tmp_path: Path) -> None:
    html = corpus_path("state-dept", "html")
    folder = tmp_path / "state"
    folder.mkdir()
    for name in KULEBA_CALLS:
        (folder / name).write_bytes((html / name).read_bytes())
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([folder])
        docs = archive.catalog.documents(archive.catalog.all_ids())
        assert len(docs) == len(KULEBA_CALLS)
        assert {d.title for d in docs} == {"Secretary Blinken’s Call with Ukrainian Foreign Minister Kuleba"}
        assert archive.catalog.count_signed() == len(KULEBA_CALLS)
        first, second = (next(d for d in docs if d.path.endswith(n)) for n in KULEBA_CALLS[:2])
        assert 0.5 < jaccard(shingles(first.title, first.text), shingles(second.title, second.text)) < 0.8
        assert archive.cluster_stats().clusters == 0
        results = archive.search("Kuleba")
        assert results.stories == results.total == len(KULEBA_CALLS)


# -- the command line ------------------------------------------------------------------
def test_the_command_line_lists_diffs_and_sets_the_threshold(tmp_path: Path, capsys, monkeypatch) -> None:
    from tests.core.cli_support import Cli

    paths = write_syndicated(tmp_path / "news")
    cli = Cli(tmp_path / "data", capsys, monkeypatch)
    assert cli("index", str(tmp_path / "news")) == 0
    with Archive(tmp_path / "data") as archive:
        ids = doc_ids(archive, paths)
    assert cli("search", "grain", "corridor") == 0
    assert "3 match(es) in 1 story" in cli.out and "also carried by 2 outlets" in cli.out
    assert cli("search", "--no-collapse", "--json", "grain", "corridor") == 0
    hits = [json.loads(line) for line in cli.out.splitlines()]
    assert len(hits) == 3 and {h["cluster"] for h in hits} == {ids["wire"]}
    assert all(h["cluster_size"] == 3 for h in hits)
    assert cli("cluster", ids["paper"]) == 0
    lines = cli.out.splitlines()
    assert "3 documents, also carried by 2 outlets" in lines[0]
    assert lines[1].strip().startswith("* ") and ids["wire"] in lines[1]
    assert cli("cluster", ids["wire"], "--diff", ids["paper"]) == 0
    assert "+ Grain ships to sail again as blockade ends" in cli.out and f"+ {ADDED}" in cli.out
    assert cli("cluster", "--json", ids["wire"], "--diff", ids["tabloid"]) == 0
    assert json.loads(cli.out)["changes"] == [{"kind": "removed", "before": STORY[-1], "after": ""}]
    assert cli("cluster", "--list") == 0 and ids["wire"] in cli.out
    assert cli("cluster") == 0 and cli.out.startswith("1 clusters")
    assert cli("cluster", "--threshold", "1") == 0 and cli.out.startswith("0 clusters")
    with pytest.raises(SystemExit):
        cli("cluster", "--threshold", "0.3")
    assert "between 0.5 and 1" in capsys.readouterr().err


def test_an_excerpt_added_from_the_command_line_says_who_else_carried_it(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    from briefer.core.briefing import storage
    from briefer.core.briefing.model import excerpts
    from tests.core.cli_support import Cli

    paths = write_syndicated(tmp_path / "news")
    cli = Cli(tmp_path / "data", capsys, monkeypatch)
    assert cli("index", str(tmp_path / "news")) == 0, cli.err
    with Archive(tmp_path / "data") as archive:
        ids = doc_ids(archive, paths)
    brief = tmp_path / "b.briefing"
    assert cli("brief", "new", "--template", "spot", "-o", str(brief)) == 0
    section = storage.load(brief).sections[0].id
    quote = "wheat futures"
    for doc in (ids["wire"], ids["paper"]):
        assert (
            cli("brief", "add-excerpt", str(brief), "--section", section, "--doc", doc, "--quote", quote) == 0
        )
    cited = [e.citation.also_carried_by for e in excerpts(storage.load(brief)).values()]
    assert cited == [2, 2]  # the wire: the paper and the tabloid; the paper: the wire and the tabloid
