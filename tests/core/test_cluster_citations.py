"""Citations of syndicated stories: "also carried by N outlets", kept in the briefing file."""

from __future__ import annotations

from briefer.core.briefing.citations import citation_pieces, plain
from briefer.core.briefing.codec import citation_from, citation_to_dict
from briefer.core.briefing.excerpts import excerpt_from_quote, hit_excerpt
from briefer.core.briefing.model import Citation
from briefer.core.documents import Document

STORY = Document(
    id="d1",
    title="Ministers agree on grain corridor",
    text="Ministers agreed on a grain corridor on Monday.\n\nShips will sail under escort.",
    text_hash="ab" * 32,
    source="Northern Wire",
)


def test_an_excerpt_counts_the_other_outlets_from_the_lookup_it_is_given() -> None:
    excerpt = excerpt_from_quote(STORY, "grain corridor", carried_by={"d1": 3}.get)
    assert excerpt.citation.also_carried_by == 3
    assert "also carried by 3 outlets" in plain(citation_pieces(excerpt.citation))
    single = hit_excerpt(STORY, [(0, 10)], carried_by=lambda _doc: 1)
    assert "also carried by 1 outlet." in plain(citation_pieces(single.citation))


def test_without_a_lookup_or_copies_the_citation_is_as_before() -> None:
    excerpt = excerpt_from_quote(STORY, "grain corridor")
    assert excerpt.citation.also_carried_by == 0
    assert "also carried" not in plain(citation_pieces(excerpt.citation))


def test_the_count_survives_the_file_and_older_files_read_as_none() -> None:
    from briefer.core.briefing.codec import _Reader

    cited = Citation(doc_id="d1", outlet="Northern Wire", also_carried_by=2)
    data = citation_to_dict(cited)
    assert data["also_carried_by"] == 2
    assert citation_from(_Reader(data, "citation")) == cited
    older = citation_to_dict(Citation(doc_id="d1"))
    assert "also_carried_by" not in older  # files without copies are written as before
    assert citation_from(_Reader(older, "citation")).also_carried_by == 0
