"""The drafted Source Summary: counts from the citations; re-drafting never overwrites the analyst."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
import pytest

from briefer.cli import main
from briefer.core.archive import Archive
from briefer.core.briefing import codec, edits, storage, templates
from briefer.core.briefing.excerpts import excerpt_from_quote
from briefer.core.briefing.model import Briefing, BriefingError, KeyJudgment, Paragraph, find_section
from briefer.core.briefing.summary import redraft, summary_section, untouched
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.documents import Document
from briefer.core.export.docx_export import export_docx
from tests.conftest import ArchiveTemplate, write_article
from tests.core.test_briefing_storage import SCHEMA, schema_errors

# Five sources: a government statement, two state-media copies of one story, a wire report and an
# outlet whose type the archive does not know.
SOURCES = {
    "state": (
        "Department statement on the treaty",
        "https://www.state.gov/treaty",
        "2024-06-19T12:00:00+00:00",
        "The United States condemns the treaty signed in Pyongyang.",
    ),
    "kcna": (
        "Treaty signed in Pyongyang",
        "https://kcna.kp/en/treaty",
        "2024-06-20T01:00:00+00:00",
        "The leaders signed a treaty of comprehensive strategic partnership.",
    ),
    "tass": (
        "Treaty signed in Pyongyang (TASS)",
        "https://tass.com/politics/treaty",
        "2024-06-20T03:00:00+00:00",
        "The leaders signed a treaty of comprehensive strategic partnership, TASS reported.",
    ),
    "reuters": (
        "Allies weigh response to treaty",
        "https://www.reuters.com/world/treaty",
        "2024-06-21T09:30:00+00:00",
        "Officials in Seoul and Tokyo said they would coordinate their response.",
    ),
    "blog": (
        "A note on the treaty",
        "https://notes.example/treaty",
        "2024-06-22T18:00:00+00:00",
        "Observers disagree about what the treaty changes in practice.",
    ),
}
QUOTES = {
    "state": "condemns the treaty",
    "kcna": "comprehensive strategic partnership",
    "tass": "comprehensive strategic partnership",
    "reuters": "coordinate their response",
    "blog": "Observers disagree",
}


def write_sources(folder: Path) -> None:
    for name, (title, url, published, body) in SOURCES.items():
        write_article(folder, name, body, title=title, url=url, published=published, source=name.upper())


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory) -> ArchiveTemplate:
    """The five SOURCES, imported once a session."""
    return ArchiveTemplate.of_files(tmp_path_factory.mktemp("sources"), write_sources)


@pytest.fixture
def archive(tmp_path: Path, sources: ArchiveTemplate) -> Iterator[Archive]:
    """Here the test's archive holds the SOURCES (a copy)."""
    with Archive(sources.copy_to(tmp_path / "data")) as opened:
        yield opened


@pytest.fixture
def docs(archive: Archive) -> dict[str, Document]:
    found = {d.title: d for d in archive.catalog.documents(archive.catalog.all_ids())}
    return {name: found[fields[0]] for name, fields in SOURCES.items()}


@pytest.fixture
def briefing(docs: dict[str, Document]) -> Briefing:
    b = templates.new_briefing(
        templates.load("assessment"), title="Treaty", now=datetime(2024, 6, 24, tzinfo=UTC)
    )
    edits.apply(b, edits.SetMetadata("info_cutoff", datetime(2024, 6, 23, 18, 0, tzinfo=UTC)))
    quoted = {name: excerpt_from_quote(docs[name], QUOTES[name]) for name in SOURCES}
    for excerpt in quoted.values():
        edits.add_block(b, "background", excerpt)
    for cites in (["state", "reuters"], ["kcna", "tass"], ["reuters"], []):
        kj = KeyJudgment(f"Judgment resting on {cites}.", cites=[quoted[n].id for n in cites])
        edits.add_block(b, "key-judgments", kj)
    return b


def copies(docs: dict[str, Document]) -> Any:
    """TASS re-ran KCNA's story: one cluster (what the archive's near-duplicate clustering says)."""
    return lambda doc_id: docs["kcna"].id if doc_id == docs["tass"].id else doc_id


def test_the_source_types_come_from_the_archive(docs: dict[str, Document]) -> None:
    assert {n: d.source_type for n, d in docs.items()} == {
        "state": "government",
        "kcna": "state media",
        "tass": "state media",
        "reuters": "wire service",
        "blog": "",
    }


def test_the_summary_counts_sources_independent_sources_types_dates_and_judgments(
    briefing: Briefing, docs: dict[str, Document]
) -> None:
    text = redraft(briefing, cluster_of=copies(docs), missing={docs["blog"].id}).text
    assert text == (
        "This assessment cites 5 sources from 5 outlets (5 quoted excerpts), published between "
        "19 Jun 2024 and 22 Jun 2024. "
        "Counting syndicated and near-duplicate copies once, 4 of the 5 sources are independent. "
        "By type: state media 2 (40%), government 1 (20%), wire service 1 (20%), not recorded 1 (20%). "
        "Key judgment(s) 2, 3 rest on a single source (syndicated copies counted once). "
        "Key judgment(s) 2 rest only on state media. "
        "Key judgment(s) 4 cite no source. "
        "No longer in the archive: source(s) 5. "
        "It uses information available as of 23 Jun 2024 1800Z."
    )
    assert 60 <= len(text.split()) <= 150  # the length the template asks for


def test_without_clustering_no_independence_is_claimed(briefing: Briefing, archive: Archive) -> None:
    lookups = ArchiveLookups.of(archive)
    text = redraft(briefing, cluster_of=lookups.clusters(["x"])).text
    if lookups.cluster_of is None:
        assert "independent" not in text
        assert "Key judgment(s) 3 rest on a single source." in text  # kcna and tass count as two
    edits.apply(briefing, edits.SetMetadata("info_cutoff", None))
    assert redraft(briefing).text.endswith("No information cutoff is set.")


def test_redrafting_replaces_an_untouched_draft_and_keeps_an_edited_one(
    briefing: Briefing, docs: dict[str, Document]
) -> None:
    section = summary_section(briefing)
    assert section.id == "source-summary" and not section.blocks
    first = redraft(briefing)
    assert first.outcome == "added" and first.message.startswith("Drafted the source summary")
    for e in first.edits:
        edits.apply(briefing, e)
    (draft,) = section.blocks
    assert isinstance(draft, Paragraph) and untouched(draft) and draft.id == first.block_id

    assert redraft(briefing).outcome == "unchanged" and redraft(briefing).edits == []

    # New citations: the untouched draft is replaced in place (same block, same portion mark).
    edits.retag(briefing, draft.id, "portion", "CUI")
    edits.remove_block(briefing, find_section(briefing, "key-judgments").blocks[-1].id)
    second = redraft(briefing)
    assert second.outcome == "replaced" and second.block_id == draft.id
    stale = draft.text
    undo = [edits.apply(briefing, e) for e in second.edits]
    (replaced,) = section.blocks
    assert isinstance(replaced, Paragraph) and replaced.portion == "CUI" and untouched(replaced)
    assert "cite no source" not in replaced.text
    redo = [edits.apply(briefing, e) for e in reversed(undo)]  # undo: the stale draft is back
    assert [b.text for b in section.blocks] == [stale]  # type: ignore[union-attr]
    for e in reversed(redo):
        edits.apply(briefing, e)
    (replaced,) = section.blocks
    assert isinstance(replaced, Paragraph) and replaced.text != stale

    # The analyst edits it: re-drafting keeps their text and adds the new draft after it.
    edited_text = replaced.text.replace("This assessment cites", "We cite")
    edits.edit_text(briefing, replaced.id, edited_text)
    assert not untouched(replaced)
    edits.add_block(briefing, "key-judgments", KeyJudgment("A new unsourced judgment."))
    third = redraft(briefing)
    assert third.outcome == "kept" and "Your edited source summary was kept" in third.message
    for e in third.edits:
        edits.apply(briefing, e)
    mine, fresh = section.blocks
    assert mine is replaced and mine.text == edited_text  # never overwritten
    assert (
        isinstance(fresh, Paragraph)
        and untouched(fresh)
        and "Key judgment(s) 4 cite no source." in fresh.text
    )

    # Once more: the new untouched draft is the one replaced; the analyst's stays.
    edits.add_block(briefing, "key-judgments", KeyJudgment("Another."))
    fourth = redraft(briefing)
    assert fourth.outcome == "replaced" and fourth.block_id == fresh.id
    for e in fourth.edits:
        edits.apply(briefing, e)
    assert section.blocks[0].text == edited_text and "4, 5 cite no source" in section.blocks[1].text  # type: ignore[union-attr]


def test_text_the_analyst_wrote_is_kept_too(briefing: Briefing) -> None:
    edits.add_block(briefing, "source-summary", Paragraph("Our own statement."))
    result = redraft(briefing)
    assert result.outcome == "kept" and result.message.startswith("The section's text was kept")
    for e in result.edits:
        edits.apply(briefing, e)
    first = summary_section(briefing).blocks[0]
    assert isinstance(first, Paragraph) and first.text == "Our own statement."


def test_a_briefing_without_a_summary_section_says_so(briefing: Briefing) -> None:
    edits.apply(briefing, edits.RemoveSection("source-summary"))
    with pytest.raises(BriefingError, match="no Source Summary section"):
        redraft(briefing)


def test_the_draft_mark_is_saved_only_on_drafts_and_matches_the_schema(
    briefing: Briefing, tmp_path: Path
) -> None:
    for e in redraft(briefing).edits:
        edits.apply(briefing, e)
    edits.add_block(briefing, "analysis", Paragraph("Plain text."))
    path = tmp_path / "b.briefing"
    storage.save(briefing, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert (
        schema_errors(data, json.loads(SCHEMA.read_text(encoding="utf-8")), json.loads(SCHEMA.read_text()))
        == []
    )
    blocks = {s["id"]: s["blocks"] for s in data["sections"]}
    assert len(blocks["source-summary"][0]["drafted_sha256"]) == 64
    assert "drafted_sha256" not in blocks["analysis"][0]
    loaded = storage.load(path)
    (draft,) = summary_section(loaded).blocks
    assert isinstance(draft, Paragraph) and untouched(draft)
    # A file written before drafts existed reads as ordinary paragraphs.
    del blocks["source-summary"][0]["drafted_sha256"]
    older = codec.from_dict(data)
    (plain,) = summary_section(older).blocks
    assert isinstance(plain, Paragraph) and plain.drafted_sha256 == "" and not untouched(plain)


def test_the_export_prints_an_untouched_draft_up_to_date_and_an_edited_one_as_written(
    briefing: Briefing, tmp_path: Path
) -> None:
    for e in redraft(briefing).edits:
        edits.apply(briefing, e)
    edits.add_block(briefing, "key-judgments", KeyJudgment("Late judgment."))  # the draft is now stale
    out = tmp_path / "a.docx"
    report = export_docx(briefing, out)
    assert any("source summary draft was brought up to date" in w for w in report.warnings)
    box = [p.text for t in docx.Document(str(out)).tables for c in t._cells for p in c.paragraphs]
    assert any("Key judgment(s) 4, 5 cite no source." in t for t in box)

    (draft,) = summary_section(briefing).blocks
    edits.edit_text(briefing, draft.id, "Our reading of the sources.")
    export_docx(briefing, out)
    box = [p.text for t in docx.Document(str(out)).tables for c in t._cells for p in c.paragraphs]
    assert "(U) Our reading of the sources." in box


def test_cli_draft_summary(briefing: Briefing, archive: Archive, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "b.briefing"
    storage.save(briefing, path)
    data = str(tmp_path / "data")
    assert main(["--data-dir", data, "brief", "draft-summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Drafted the source summary") and "cites 5 sources from 5 outlets" in out
    assert main(["--data-dir", data, "brief", "draft-summary", str(path)]) == 0
    assert "up to date" in capsys.readouterr().out
    loaded = storage.load(path)
    (draft,) = summary_section(loaded).blocks
    edits.edit_text(loaded, draft.id, draft.text + " Edited.")  # type: ignore[union-attr]
    storage.save(loaded, path)
    assert main(["--data-dir", data, "brief", "draft-summary", "--section", "Source Summary", str(path)]) == 0
    assert "Your edited source summary was kept" in capsys.readouterr().out
    texts = [b.text for b in summary_section(storage.load(path)).blocks]  # type: ignore[union-attr]
    assert len(texts) == 2 and texts[0].endswith(" Edited.") and not texts[1].endswith(" Edited.")
    assert main(["--data-dir", data, "brief", "draft-summary", "--section", "analysis", str(path)]) == 0
    assert main(["--data-dir", data, "brief", "draft-summary", "--section", "nowhere", str(path)]) == 1
    assert "no section 'nowhere'" in capsys.readouterr().err
