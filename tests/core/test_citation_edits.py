"""Correcting an excerpt's citation snapshot: SetCitation, its inverse, what it refuses, the export."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import docx
import pytest

from briefer.core.archive import Archive
from briefer.core.briefing import codec, edits, templates
from briefer.core.briefing.excerpts import excerpt_from_quote
from briefer.core.briefing.model import Briefing, BriefingError, Excerpt, Paragraph, get_block
from briefer.core.documents import Document
from briefer.core.export.docx_export import export_docx
from tests.core.briefing_support import NS, W, articles_in, part_xml, rich_briefing, texts

NOW = datetime(2024, 6, 24, 12, 0, tzinfo=UTC)
TEXT = "Officials met in Vienna.\n\nThey agreed on a timetable.\n\nTalks resume in May."
DOC = Document(
    id="doc1",
    title="Talks in Vinna",  # the archive's typo, kept in the snapshot until corrected
    text=TEXT,
    text_hash="ab" * 32,
    author="",
    source="Test Wire",
    published=None,
    published_raw="Tuesday morning",
    url="https://wire.example/1",
    language="en",
)
OTHER = replace(DOC, id="doc2", title="Another source", source="Other Desk", published_raw="")


def briefing_with_excerpts() -> tuple[Briefing, list[Excerpt]]:
    b = templates.new_briefing(templates.load("assessment"), title="T", now=NOW)
    quotes = [
        excerpt_from_quote(DOC, "Officials met in Vienna."),
        excerpt_from_quote(OTHER, "They agreed"),
        excerpt_from_quote(DOC, "Talks resume in May."),
    ]
    for quote in quotes:
        quote.citation = replace(quote.citation, captured_at=NOW)
    edits.add_block(b, "background", quotes[0])
    edits.add_block(b, "analysis", quotes[1])
    edits.add_block(b, "japan", quotes[2])
    return b, quotes


def snapshot(b: Briefing) -> str:
    return json.dumps(codec.to_dict(b), sort_keys=True)


def test_set_citation_changes_the_named_fields_and_its_inverse_restores_them() -> None:
    b, (first, *_) = briefing_with_excerpts()
    before = snapshot(b)
    published = datetime(2024, 6, 18, 9, 30, tzinfo=timezone(timedelta(hours=9)))  # Seoul time
    undo = edits.apply(
        b,
        edits.SetCitation(
            first.id,
            (("title", "Talks in Vienna"), ("author", "M. Park"), ("published", published)),
        ),
    )
    citation = first.citation
    assert (citation.title, citation.author) == ("Talks in Vienna", "M. Park")
    assert citation.published == published and citation.published.tzinfo == UTC  # stored in UTC
    assert citation.published_raw == ""  # the analyst's date replaces what the file said
    # Untouched fields and the provenance stay as captured.
    assert (citation.outlet, citation.url, citation.language) == ("Test Wire", DOC.url, "en")
    assert (citation.doc_id, citation.text_hash, citation.captured_at) == ("doc1", "ab" * 32, NOW)
    assert first.quote == "Officials met in Vienna."
    assert isinstance(undo, edits.SetCitation) and undo.block_id == first.id
    redo = edits.apply(b, undo)
    assert snapshot(b) == before and first.citation.published_raw == "Tuesday morning"
    edits.apply(b, redo)
    assert first.citation.title == "Talks in Vienna" and first.citation.published_raw == ""


def test_clearing_the_date_and_round_trips_through_the_file_format() -> None:
    b, quotes = briefing_with_excerpts()
    edits.apply(b, edits.SetCitation(quotes[1].id, (("published", None), ("source_type", "think tank"))))
    loaded = codec.from_dict(json.loads(json.dumps(codec.to_dict(b))))
    again = get_block(loaded, quotes[1].id)
    assert isinstance(again, Excerpt)
    assert again.citation.published is None and again.citation.source_type == "think tank"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ((("doc_id", "other"),), "doc_id is provenance"),
        ((("text_hash", "00"),), "text_hash is provenance"),
        ((("captured_at", NOW),), "captured_at is provenance"),
        ((("quote", "Officials met"),), "the quote is the source's own words"),
        ((("publisher", "X"),), "no citation field 'publisher'; editable: title, author, outlet"),
        ((("author", None),), "citation author must be text"),
        ((("published", "2024-06-18"),), "citation published must be a date and time, or none"),
        ((("published", datetime(2024, 6, 18)),), "needs a time zone"),
        ((("outlet", "Two\nlines"),), "citation outlet must be one line"),
        ((("author", "A"), ("author", "B")), "'author' is given twice"),
        ((), "no citation field to change"),
        # A good change next to a bad one: nothing at all is applied.
        ((("author", "A"), ("doc_id", "other")), "doc_id is provenance"),
    ],
)
def test_refused_citation_edits_change_nothing(changes: Any, message: str) -> None:
    b, (first, *_) = briefing_with_excerpts()
    before = snapshot(b)
    with pytest.raises(BriefingError) as refused:
        edits.apply(b, edits.SetCitation(first.id, changes))
    assert message in str(refused.value)
    assert snapshot(b) == before


def test_only_excerpts_have_citations() -> None:
    b, _ = briefing_with_excerpts()
    para = Paragraph("Our words.")
    edits.add_block(b, "analysis", para)
    with pytest.raises(BriefingError, match="a paragraph has no citation: only excerpts cite a source"):
        edits.apply(b, edits.SetCitation(para.id, (("author", "X"),)))
    with pytest.raises(BriefingError, match="no block with id 'gone'"):
        edits.apply(b, edits.SetCitation("gone", (("author", "X"),)))


def test_citation_edits_reach_every_excerpt_of_the_source_and_only_those() -> None:
    b, (first, other, last) = briefing_with_excerpts()
    assert [e.id for e in edits.excerpts_of_source(b, "doc1")] == [first.id, last.id]
    assert edits.citation_edits(b, first.id, {"author": "M. Park"}) == [
        edits.SetCitation(first.id, (("author", "M. Park"),))
    ]
    # An excerpt already corrected gets no edit; one holding the values already is skipped too.
    edits.apply(b, edits.SetCitation(last.id, (("author", "M. Park"),)))
    todo = edits.citation_edits(b, first.id, {"author": "M. Park", "url": DOC.url}, same_source=True)
    assert todo == [edits.SetCitation(first.id, (("author", "M. Park"),))]
    todo = edits.citation_edits(b, first.id, {"outlet": "Test Wire Service"}, same_source=True)
    for edit in todo:
        edits.apply(b, edit)
    assert [first.citation.outlet, last.citation.outlet] == ["Test Wire Service"] * 2
    assert other.citation.outlet == "Other Desk"
    with pytest.raises(BriefingError, match="text_hash is provenance"):
        edits.citation_edits(b, first.id, {"text_hash": "x"}, same_source=True)


# -- the export ----------------------------------------------------------------------------
@pytest.fixture
def archive(briefing_archive: Archive) -> Archive:
    """Here the test's archive holds the three ARTICLES."""
    return briefing_archive


@pytest.fixture
def docs(archive: Archive) -> dict[str, Document]:
    return articles_in(archive)


def footnote_texts(path: Path) -> list[str]:
    root = part_xml(path, "word/footnotes.xml")
    return [texts(n) for n in root.findall("w:footnote", NS) if n.get(f"{{{W}}}type") is None]


def test_the_export_cites_the_corrected_author_and_outlet(docs: dict[str, Document], tmp_path: Path) -> None:
    rich = rich_briefing(docs)
    before = tmp_path / "before.docx"
    export_docx(rich, before)
    assert footnote_texts(before)[1].startswith(" (U) Harbor Wire Service; Mina Park;")
    pact = edits.excerpts_of_source(rich, docs["pact"].id)
    assert len(pact) == 2  # quoted twice: the footnote and the source list follow both
    for edit in edits.citation_edits(
        rich, pact[0].id, {"author": "Mina Park-Lee", "outlet": "Harbour Wire"}, same_source=True
    ):
        edits.apply(rich, edit)
    after = tmp_path / "after.docx"
    export_docx(rich, after)
    note = footnote_texts(after)[1]
    assert note.startswith(" (U) Harbour Wire; Mina Park-Lee;")
    assert "Harbor Wire Service" not in note and "Mina Park;" not in note
    annex = [p.text for p in docx.Document(str(after)).paragraphs if p.style.name == "Bibliography"][-2]
    assert f"Archive id {docs['pact'].id}" in annex and docs["pact"].text_hash in annex  # provenance kept
    listed = [p.text for p in docx.Document(str(after)).paragraphs if p.style.name == "Bibliography"]
    assert listed[1].startswith("2.\t(U) Harbour Wire; Mina Park-Lee;")
