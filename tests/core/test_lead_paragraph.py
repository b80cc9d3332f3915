"""The lead paragraph of a document: what dragging a search result quotes."""

from __future__ import annotations

import pytest

from briefer.core.briefing.excerpts import (
    SpanError,
    lead_excerpt,
    lead_paragraph_span,
    paragraph_spans,
    sha256_text,
)
from briefer.core.documents import Document


def doc(text: str, title: str = "Grain exports recover", pages: tuple[int, ...] = ()) -> Document:
    return Document(id="d1", title=title, text=text, text_hash="h", pages=pages)


def test_paragraph_spans_skip_blank_paragraphs_and_trim_white_space():
    text = "One.\n\n  Two, indented. \n\n\n\nThree"
    assert [text[a:b] for a, b in paragraph_spans(text)] == ["One.", "Two, indented.", "Three"]


def test_the_lead_skips_the_title_and_a_short_dateline():
    text = (
        "Grain exports recover\n\nODESA, Sept 30\n\n"
        "Ports on the Black Sea shipped more grain in September than in any month this year.\n\n"
        "Traders were surprised."
    )
    start, end = lead_paragraph_span(doc(text))
    assert text[start:end].startswith("Ports on the Black Sea")
    assert text[end:].startswith("\n\nTraders")


def test_a_short_document_quotes_what_it_has():
    assert lead_paragraph_span(doc("Only a line.")) == (0, 12)
    assert lead_paragraph_span(doc("Grain exports recover", title="Grain exports recover")) == (0, 21)


def test_an_empty_document_has_no_lead():
    with pytest.raises(SpanError):
        lead_paragraph_span(doc("  \n\n "))


def test_the_lead_excerpt_is_exact_and_paged():
    text = "Grain exports recover\n\n" + "Ports shipped more grain in September than in any month. " * 2
    excerpt = lead_excerpt(doc(text, pages=(0, 10)))
    assert excerpt.quote == text[excerpt.start : excerpt.end]
    assert excerpt.quote_sha256 == sha256_text(excerpt.quote)
    assert excerpt.page == 2
    assert excerpt.citation.doc_id == "d1"


# -- drag and clipboard payloads (briefer.core.briefing.clipboard) ----------------
def test_excerpt_payloads_round_trip_with_fresh_ids():
    from briefer.core.briefing import clipboard

    excerpt = lead_excerpt(doc("Ports shipped more grain in September than in any month this year."))
    [back] = clipboard.excerpts_from_payload(clipboard.excerpts_payload([excerpt]))
    assert back.id != excerpt.id
    assert (back.quote, back.start, back.end, back.citation) == (
        excerpt.quote,
        excerpt.start,
        excerpt.end,
        excerpt.citation,
    )
    assert clipboard.quote_with_citation(excerpt).startswith("\u201cPorts shipped")


def test_payloads_from_a_newer_briefer_or_garbage_are_refused():
    from briefer.core.briefing import clipboard

    with pytest.raises(clipboard.PayloadError, match="newer"):
        clipboard.excerpts_from_payload(b'{"version": 99, "excerpts": []}')
    with pytest.raises(clipboard.PayloadError):
        clipboard.nodes_from_payload(b"not json")


def test_copies_keep_free_ids_and_renew_taken_ones():
    from briefer.core.briefing import clipboard
    from briefer.core.briefing.model import Briefing, Domain, MatrixCell, Paragraph, Section

    japan = Section("Japan", kind="actor", id="japan")
    cell = MatrixCell("japan", "military", "More patrols")
    implications = Section(
        "Implications",
        kind="implications",
        id="impl",
        sections=[japan],
        domains=[Domain("military", "Military")],
        blocks=[cell],
    )
    para = Paragraph("We assess", id="p1")
    briefing = Briefing(sections=[Section("Analysis", id="analysis", blocks=[para]), implications])
    payload = clipboard.nodes_from_payload(clipboard.nodes_payload(briefing.id, [implications, para]))
    assert payload.briefing_id == briefing.id
    copy = clipboard.copy_for(briefing, payload.nodes[0])
    assert isinstance(copy, Section) and copy.id != "impl"
    assert copy.blocks[0].actor == copy.sections[0].id != "japan"  # type: ignore[union-attr]
    assert clipboard.copy_for(Briefing(), payload.nodes[1]).id == "p1"  # free: kept
