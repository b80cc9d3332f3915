"""The briefing model: templates, id-addressed edits and their inverses, excerpts, markings, citations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from briefer.core.briefing import codec, edits, markings, templates
from briefer.core.briefing.citations import (
    citation_pieces,
    format_time,
    number_sources,
    plain,
    source_summary,
)
from briefer.core.briefing.excerpts import (
    QuoteNotFound,
    SpanError,
    check_sources,
    excerpt_from_quote,
    excerpt_from_span,
    find_quote,
    sha256_text,
)
from briefer.core.briefing.model import (
    Briefing,
    BriefingError,
    BulletList,
    Citation,
    CuiDesignation,
    Excerpt,
    KeyJudgment,
    MatrixCell,
    Paragraph,
    Section,
    find_block,
    get_block,
    resolve_section,
    walk_sections,
)
from briefer.core.documents import Document

NOW = datetime(2024, 6, 24, 12, 0, tzinfo=UTC)
DOC = Document(
    id="doc1",
    title="A report",
    text="First paragraph with \u201ccurly\u201d quotes.\n\nSecond   paragraph here.",
    text_hash="ab" * 32,
    author="A. Writer",
    source="Test Wire",
    published=datetime(2024, 6, 19, 14, 30, tzinfo=UTC),
    url="https://wire.example/1",
)


def assessment() -> Briefing:
    return templates.new_briefing(templates.load("assessment"), title="T", now=NOW)


def snapshot(b: Briefing) -> str:
    return json.dumps(codec.to_dict(b), sort_keys=True)


# -- templates ---------------------------------------------------------------------
def test_assessment_template_has_the_required_sections_actors_and_matrix() -> None:
    b = assessment()
    assert [s.title for s in b.sections] == [
        "Key Judgments",
        "Source Summary",
        "Background",
        "Analysis",
        "Implications for the United States and Allies",
        "Alternative Scenarios",
        "Indicators to Watch",
        "Source Reference Citations",
    ]
    implications = resolve_section(b, "implications")
    assert [s.title for s in implications.sections] == [
        "United States",
        "NATO and European allies",
        "Japan",
        "Republic of Korea",
        "Ukraine",
    ]
    assert all(s.kind == "actor" for s in implications.sections)
    assert [d.title for d in implications.domains] == [
        "Military/security",
        "Deterrence and nonproliferation",
        "Sanctions/economic",
        "Diplomatic/alliance cohesion",
    ]
    assert b.template == "assessment" and b.estimative_key
    assert b.metadata.product_line == "Briefer Assessment"


def test_spot_and_policy_templates_exist_and_differ() -> None:
    spot = templates.new_briefing(templates.load("Spot brief"))
    policy = templates.new_briefing(templates.load("policy"))
    assert [s.id for s in spot.sections] == ["assessment", "evidence", "other-views", "sources"]
    assert "considerations" in [s.id for s in policy.sections]
    assert not spot.estimative_key


def test_user_templates_add_and_override_and_broken_ones_are_named(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    mine = {
        "format": "briefer.template",
        "version": 1,
        "id": "weekly",
        "name": "Weekly note",
        "sections": [{"title": "Highlights"}, {"title": "Sources", "kind": "sources"}],
    }
    (folder / "weekly.json").write_text(json.dumps(mine), encoding="utf-8")
    (folder / "broken.json").write_text("{not json", encoding="utf-8")
    found = templates.available(tmp_path)
    assert {"assessment", "spot", "policy", "weekly"} <= set(found)
    b = templates.new_briefing(templates.load("weekly", tmp_path))
    assert [s.id for s in b.sections] == ["highlights", "sources"]
    with pytest.raises(templates.TemplateError, match="cannot be read"):
        templates.load("broken", tmp_path)


def test_unknown_template_lists_the_available_ones() -> None:
    with pytest.raises(
        templates.TemplateError, match="no template 'nope'; available: assessment, policy, spot"
    ):
        templates.load("nope")


# -- finding sections --------------------------------------------------------------
def test_sections_resolve_by_id_or_case_insensitive_title() -> None:
    b = assessment()
    assert resolve_section(b, "japan").title == "Japan"
    assert resolve_section(b, "  key   JUDGMENTS ").id == "key-judgments"
    edits.apply(b, edits.AddSection("analysis", -1, Section("Japan", id="analysis-japan")))
    with pytest.raises(BriefingError, match="matches 2 sections") as err:
        resolve_section(b, "JAPAN")
    assert "japan (Implications for the United States and Allies > Japan)" in str(err.value)
    assert "analysis-japan (Analysis > Japan)" in str(err.value)
    with pytest.raises(BriefingError, match="no section 'Nowhere'"):
        resolve_section(b, "Nowhere")


# -- edits and inverses ------------------------------------------------------------
def test_each_edit_returns_its_inverse() -> None:
    b = assessment()
    before = snapshot(b)
    para = Paragraph("One")
    steps = [
        edits.AddBlock("analysis", -1, para),
        edits.AddBlock("analysis", 0, KeyJudgment("Two", "likely", "low")),
        edits.MoveBlock(para.id, "analysis", 0),
        edits.MoveBlock(para.id, "japan", 0),
        edits.EditText(para.id, "One, edited"),
        edits.Retag(para.id, "portion", "CUI"),
        edits.SetCites(para.id, ("x",)),
        edits.AddSection(None, 1, Section("Extra", id="extra")),
        edits.MoveSection("extra", "implications", 2),
        edits.RenameSection("extra", "Australia"),
        edits.SetMetadata("title", "New title"),
        edits.SetMetadata("tlp", "AMBER"),
        edits.RemoveSection("ukraine"),
        edits.RemoveBlock(para.id),
    ]
    undo = [edits.apply(b, step) for step in steps]
    assert snapshot(b) != before
    for inverse in reversed(undo):
        edits.apply(b, inverse)
    assert snapshot(b) == before


def test_moves_within_and_between_sections_count_after_removal() -> None:
    b = assessment()
    blocks = [Paragraph(str(i)) for i in range(3)]
    for block in blocks:
        edits.add_block(b, "analysis", block)
    back = edits.move_block(b, blocks[0].id, "analysis", 2)
    assert [p.text for p in resolve_section(b, "analysis").blocks] == ["1", "2", "0"]  # type: ignore[union-attr]
    edits.apply(b, back)
    assert [p.text for p in resolve_section(b, "analysis").blocks] == ["0", "1", "2"]  # type: ignore[union-attr]
    edits.move_block(b, blocks[1].id, "rok", 0)
    assert find_block(b, blocks[1].id)[0].id == "rok"


def test_bad_edits_raise_and_change_nothing() -> None:
    b = assessment()
    kj = KeyJudgment("x")
    edits.add_block(b, "key-judgments", kj)
    before = snapshot(b)
    bad = [
        edits.Retag(kj.id, "likelihood", "probably"),
        edits.Retag(kj.id, "portion", "SECRET"),
        edits.Retag(kj.id, "impact", "H"),
        edits.AddBlock("no-such-section", -1, Paragraph("x")),
        edits.AddBlock("analysis", 7, Paragraph("x")),
        edits.AddBlock("analysis", -1, kj),  # same id twice
        edits.MoveBlock("missing", "analysis", 0),
        edits.MoveSection("implications", "japan", 0),  # into itself
        edits.AddSection(None, -1, Section("Dup", id="japan")),
        edits.SetMetadata("edition", "two"),
        edits.SetMetadata("marking_profile", "capco"),
        edits.SetMetadata("nonsense", 1),
        edits.EditText("missing", "x"),
    ]
    for edit in bad:
        with pytest.raises(BriefingError):
            edits.apply(b, edit)
    assert snapshot(b) == before


def test_excerpt_text_edits_touch_the_comment_not_the_quote() -> None:
    b = assessment()
    excerpt = excerpt_from_span(DOC, 0, 5)
    edits.add_block(b, "analysis", excerpt)
    undo = edits.edit_text(b, excerpt.id, "my note")
    assert excerpt.quote == "First" and excerpt.comment == "my note"
    edits.apply(b, undo)
    assert excerpt.comment == ""


_texts = hs.text(max_size=30)
_portions = hs.sampled_from(["U", "CUI", None])


@hs.composite
def _edit_for(draw: hs.DrawFn, b: Briefing) -> edits.Edit:
    sections = [s.id for _, s in walk_sections(b)]
    blocks = [blk.id for _, s in walk_sections(b) for blk in s.blocks]
    kind = draw(hs.sampled_from(["add", "add", "remove", "move", "text", "retag", "rename", "section"]))
    if kind == "add" or not blocks:
        text = draw(_texts)
        block = draw(hs.sampled_from([Paragraph(text), KeyJudgment(text), BulletList(text.splitlines())]))
        return edits.AddBlock(draw(hs.sampled_from(sections)), -1, block)
    block_id = draw(hs.sampled_from(blocks))
    if kind == "remove":
        return edits.RemoveBlock(block_id)
    if kind == "move":
        target = draw(hs.sampled_from(sections))
        return edits.MoveBlock(block_id, target, draw(hs.integers(0, len(resolve_section(b, target).blocks))))
    if kind == "text":
        return edits.EditText(block_id, draw(_texts))
    if kind == "retag":
        return edits.Retag(block_id, "portion", draw(_portions))
    if kind == "rename":
        return edits.RenameSection(draw(hs.sampled_from(sections)), draw(_texts))
    return edits.MoveSection(draw(hs.sampled_from(["scenarios", "indicators", "us"])), None, 0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hs.data())
def test_any_edit_sequence_undoes_and_redoes_exactly(data: hs.DataObject) -> None:
    b = assessment()
    states, undo = [snapshot(b)], []
    for _ in range(data.draw(hs.integers(1, 12))):
        edit = data.draw(_edit_for(b))
        try:
            undo.append(edits.apply(b, edit))
        except BriefingError:
            assert snapshot(b) == states[-1]  # a refused edit changes nothing
            continue
        states.append(snapshot(b))
    redo = []
    for inverse in reversed(undo):
        redo.append(edits.apply(b, inverse))
        states.pop()
        assert snapshot(b) == states[-1]
    for again in reversed(redo):
        edits.apply(b, again)
    assert len(redo) == len(undo)


@given(hs.lists(hs.text(alphabet=hs.characters(blacklist_characters="\n\r"), max_size=8), max_size=5), _texts)
def test_bullet_text_edits_round_trip(items: list[str], text: str) -> None:
    b = assessment()
    bullets = BulletList(items)
    kept = list(bullets.items)
    assert kept == [item for item in items if item.strip()]  # blank bullets are dropped
    edits.add_block(b, "analysis", bullets)
    undo = edits.edit_text(b, bullets.id, text)
    edits.apply(b, undo)
    assert bullets.items == kept


# -- excerpts ----------------------------------------------------------------------
def test_excerpt_from_span_keeps_exact_text_hash_and_snapshot() -> None:
    excerpt = excerpt_from_span(DOC, 6, 15, page=3, comment="c")
    assert excerpt.quote == "paragraph" == DOC.text[6:15]
    assert excerpt.quote_sha256 == sha256_text("paragraph")
    assert excerpt.citation.outlet == "Test Wire" and excerpt.citation.text_hash == DOC.text_hash
    assert excerpt.page == 3 and excerpt.citation.captured_at is not None


@pytest.mark.parametrize("span", [(-1, 4), (5, 5), (10, 4), (0, 10_000)])
def test_spans_outside_the_document_are_refused(span: tuple[int, int]) -> None:
    with pytest.raises(SpanError, match=r"outside document doc1 .*valid spans: 0 <= START < END <= 62\)"):
        excerpt_from_span(DOC, *span)


def test_quotes_are_found_exactly_or_ignoring_spacing_and_curly_quotes() -> None:
    assert find_quote(DOC.text, "Second   paragraph") == (DOC.text.index("Second"), DOC.text.index(" here"))
    excerpt = excerpt_from_quote(DOC, 'with "curly" quotes.  Second paragraph')
    assert excerpt.quote == DOC.text[excerpt.start : excerpt.end]
    assert excerpt.quote.startswith("with \u201ccurly\u201d") and excerpt.quote.endswith("Second   paragraph")
    with pytest.raises(QuoteNotFound, match=r"quote not found: document doc1 .* does not contain"):
        excerpt_from_quote(DOC, "not in the text")
    with pytest.raises(QuoteNotFound, match="empty"):
        excerpt_from_quote(DOC, "   ")


def test_check_sources_reports_missing_moved_and_changed() -> None:
    b = assessment()
    excerpt = excerpt_from_span(DOC, 0, 5)
    edits.add_block(b, "analysis", excerpt)
    assert check_sources(b, lambda _: DOC)["doc1"].status == "ok"
    assert check_sources(b, lambda _: None)["doc1"].missing
    moved = Document(**{**DOC.__dict__, "text": "Intro. " + DOC.text, "text_hash": "cd" * 32})
    assert check_sources(b, lambda _: moved)["doc1"].status == "moved"
    changed = Document(**{**DOC.__dict__, "text": "Rewritten.", "text_hash": "cd" * 32})
    assert (
        check_sources(b, lambda _: changed, lambda h: DOC.text if h == DOC.text_hash else None)["doc1"].status
        == "changed"
    )
    assert check_sources(b, lambda _: changed)["doc1"].status == "mismatch"


# -- markings ------------------------------------------------------------------------
def test_banner_is_the_most_restrictive_mark_spelled_per_profile() -> None:
    b = assessment()
    para = Paragraph("x")
    edits.add_block(b, "analysis", para)
    assert markings.banner(b) == "UNCLASSIFIED"
    edits.retag(b, para.id, "portion", "CUI")
    assert markings.banner(b) == "CUI"
    b.metadata.cui = CuiDesignation("Dept", "Office", ("SP-PRVCY", "LEI"), "FEDCON", "J. Doe")
    assert markings.banner(b) == "CUI//SP-PRVCY/LEI//FEDCON"
    b.metadata.marking_profile = "dod"
    assert markings.banner(b) == "CUI"
    assert markings.validate(b) == []


def test_validator_lists_every_marking_problem() -> None:
    b = assessment()
    unmarked, cui = Paragraph("(CUI) typed mark", portion=None), Paragraph("FOUO stuff", portion="CUI")
    edits.add_block(b, "analysis", unmarked)
    edits.add_block(b, "analysis", cui)
    edits.add_block(b, "background", Paragraph("x", portion="S"))
    b.metadata.tlp = "PURPLE"
    problems = [str(p) for p in markings.validate(b)]
    assert "Analysis > paragraph 1: no portion mark (this profile marks every portion)" in problems
    assert any("typed mark '(CUI)'" in p for p in problems)
    assert any("legacy marking 'FOUO'" in p for p in problems)
    assert any("unknown portion mark 'S'" in p for p in problems)
    assert any("missing controlled by (organisation)" in p for p in problems)
    assert any("missing POC" in p for p in problems)
    assert any("'PURPLE' is not a TLP 2.0 label" in p for p in problems)
    with pytest.raises(markings.MarkingError, match="not ready for release") as err:
        markings.ensure_exportable(b)
    assert len(err.value.problems) == len(problems)


def test_banner_only_profile_needs_no_portion_marks_but_checks_the_banner() -> None:
    b = assessment()
    b.metadata.marking_profile = "banner-only"
    edits.add_block(b, "analysis", Paragraph("x", portion=None))
    assert markings.validate(b) == []
    assert markings.portion_prefix(b, "U") == ""
    assert markings.check_banner("UNCLASSIFIED", b) == []
    assert "does not match" in str(markings.check_banner("CUI", b)[0])


# -- citations -------------------------------------------------------------------------
def test_sources_are_numbered_by_first_appearance_and_keep_their_number() -> None:
    b = assessment()
    other = Document(**{**DOC.__dict__, "id": "doc2", "source": "Other"})
    first, second, again = (
        excerpt_from_span(other, 0, 5),
        excerpt_from_span(DOC, 0, 5),
        excerpt_from_span(other, 6, 9),
    )
    edits.add_block(b, "analysis", first)
    edits.add_block(b, "analysis", second)
    edits.add_block(b, "background", again)
    edits.add_block(b, "key-judgments", KeyJudgment("kj", cites=[second.id]))
    numbers = number_sources(b)
    assert [(n, c.doc_id) for n, c in numbers.ordered()] == [(1, "doc1"), (2, "doc2")]


def test_citation_text_is_icd206_style_and_survives_missing_metadata() -> None:
    full = Citation(
        "doc1",
        "Title",
        "A. Writer",
        "Wire",
        datetime(2024, 6, 19, 14, 30, tzinfo=UTC),
        url="https://x",
        source_type="wire service",
        text_hash="f" * 64,
        captured_at=NOW,
    )
    text = plain(citation_pieces(full, portion="(U) ", full=True))
    assert text.startswith(
        "(U) Wire; A. Writer; \u201cTitle\u201d (U); 19 Jun 2024 1430Z; wire service; https://x;"
    )
    assert "Briefer doc1 sha256:ffffffffffff; captured 24 Jun 2024 1200Z" in text
    assert text.endswith("Overall source classification: UNCLASSIFIED.")
    bare = plain(citation_pieces(Citation("doc9"), missing=True))
    assert bare == (
        "[outlet unknown]; n.a.; \u201cuntitled\u201d; n.d.; source type not recorded; Briefer doc9. "
        "(source no longer in archive)"
    )
    assert format_time(datetime(2024, 1, 2, tzinfo=UTC)) == "02 Jan 2024"


def test_source_summary_is_drafted_from_the_citations() -> None:
    b = assessment()
    edits.add_block(b, "analysis", excerpt_from_span(DOC, 0, 5))
    kj = KeyJudgment("kj", cites=[get_block(b, resolve_section(b, "analysis").blocks[0].id).id])
    edits.add_block(b, "key-judgments", kj)
    edits.add_block(b, "key-judgments", KeyJudgment("unsourced"))
    text = source_summary(b, missing={"doc1"})
    assert "cites 1 source from 1 outlet (1 quoted excerpt), published 19 Jun 2024." in text
    assert "Key judgment(s) 1 rest on a single source." in text
    assert "Key judgment(s) 2 cite no source." in text
    assert "No longer in the archive: source(s) 1." in text
    assert text.endswith("uses information available as of 24 Jun 2024 1200Z.")


def test_matrix_cells_and_excerpts_are_blocks_like_any_other() -> None:
    b = assessment()
    cell = MatrixCell("us", "military", "x", "H", "likely")
    edits.add_block(b, "implications", cell)
    assert edits.retag(b, cell.id, "impact", "L") == edits.Retag(cell.id, "impact", "H")
    assert isinstance(excerpt_from_span(DOC, 0, 3), Excerpt)
