"""Reviewers' comments back in the app (issue 22): a review copy tags its blocks, and the comments
and tracked changes a reviewer makes in it come back into the briefing on the blocks they were
made on.  Real files: the export re-opened with python-docx, marked up as Word would."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from briefer.core.archive import Archive
from briefer.core.briefing import codec, edits, reviews, storage
from briefer.core.briefing.codec import BriefingFileError
from briefer.core.briefing.model import Briefing, BriefingError, KeyJudgment, Paragraph, Review, walk_blocks
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.export import manifest as mf
from briefer.core.export.docx_export import export_docx
from briefer.core.export.review_marks import bookmark_name, read_reviews
from tests.core.briefing_support import NS, articles_in, part_xml, rich_briefing
from tests.core.cli_support import Cli
from tests.core.review_support import (
    ALLIES,
    MOSCOW,
    REVIEWER,
    SIGNED,
    block_of,
    paragraph_with,
    reviewed_copy,
    run_with,
)


@pytest.fixture
def rich(briefing_archive: Archive) -> Briefing:
    return rich_briefing(articles_in(briefing_archive))


def by_text(found: list[Review] | tuple[Review, ...]) -> dict[str, Review]:
    return {r.text: r for r in found}


# -- the review copy ---------
def test_a_review_copy_bookmarks_every_block_and_a_distribution_copy_none(
    rich: Briefing, tmp_path: Path, briefing_archive: Archive
) -> None:
    export_docx(rich, tmp_path / "review.docx", copy="review")
    export_docx(rich, tmp_path / "plain.docx")
    names = {
        b.get(f"{{{NS['w']}}}name")
        for b in part_xml(tmp_path / "review.docx", "word/document.xml").iter(f"{{{NS['w']}}}bookmarkStart")
    }
    assert {bookmark_name(block.id) for _, block in walk_blocks(rich)} <= names
    lookups = ArchiveLookups.of(briefing_archive)
    for copy_made in ("review.docx", "plain.docx"):  # both still verify against their manifests
        assert mf.verify_docx(tmp_path / copy_made, lookups).ok
    plain = part_xml(tmp_path / "plain.docx", "word/document.xml")
    assert not [
        b for b in plain.iter(f"{{{NS['w']}}}bookmarkStart") if b.get(f"{{{NS['w']}}}name").startswith("blk_")
    ]


def test_an_id_word_cannot_keep_as_a_name_is_hashed_the_same_way_both_ways() -> None:
    assert bookmark_name("3f2a9c1d0e4b") == "blk_3f2a9c1d0e4b"
    odd = bookmark_name("an id with spaces and ünïcode that is far too long for Word")
    assert (
        odd.startswith("blk_h")
        and len(odd) <= 40
        and odd == bookmark_name("an id with spaces and ünïcode that is far too long for Word")
    )


# -- reading a reviewed copy ---------
def test_comments_and_tracked_changes_come_back_on_the_blocks_they_were_made_on(
    rich: Briefing, tmp_path: Path
) -> None:
    found = by_text(read_reviews(reviewed_copy(rich, tmp_path), rich))
    say = found["Say what technology."]
    assert (say.kind, say.block_id, say.author, say.quote) == (
        "comment",
        block_of(rich, MOSCOW),
        REVIEWER,
        MOSCOW,
    )
    across = found["These two overlap."]
    assert across.block_id == block_of(rich, "We assess Russia is likely to transfer missile technology.")
    insertion = found[" in Pyongyang"]
    assert (insertion.kind, insertion.block_id, insertion.author) == (
        "insertion",
        block_of(rich, SIGNED),
        REVIEWER,
    )
    assert insertion.date is not None and insertion.date.isoformat() == "2026-12-01T09:30:00+00:00"
    assert insertion.before.endswith("The treaty was signed") and insertion.after.startswith(" on 19 June")
    deletion = found[" will"]
    assert (deletion.kind, deletion.block_id) == ("deletion", block_of(rich, ALLIES))
    assert found["Shorter title?"].block_id is None  # on the title: no block, but kept
    assert "Check the Korean text." not in found  # the analyst's own margin comment is no review


def test_import_stores_them_once_keeps_the_unplaceable_and_the_file_round_trips(
    rich: Briefing, tmp_path: Path
) -> None:
    reviewed = reviewed_copy(rich, tmp_path)
    moscow = block_of(rich, MOSCOW)
    edits.remove_block(rich, moscow)  # the analyst deleted the block the reviewer commented on
    first = reviews.new_reviews(rich, read_reviews(reviewed, rich))
    assert first.edit is not None
    edits.apply(rich, first.edit)
    unplaced = {r.text for r in first.unplaced}
    assert unplaced == {"Shorter title?", "Say what technology."}  # listed, never dropped
    assert len(first.placed) == 3
    again = reviews.new_reviews(rich, read_reviews(reviewed, rich))
    assert again.edit is None and again.known == 5  # the same file twice: nothing new
    saved = tmp_path / "b.briefing"
    storage.save(rich, saved)
    assert storage.load(saved).reviews == rich.reviews


def test_old_files_load_without_reviews_and_a_bad_review_state_is_refused(rich: Briefing) -> None:
    data = codec.to_dict(rich)
    assert "reviews" not in data  # files without reviews stay as they were
    assert codec.from_dict(data).reviews == []
    data["reviews"] = [{"id": "rv1", "block": None, "text": "x", "state": "maybe"}]
    with pytest.raises(BriefingFileError, match=r"reviews\[0\]\.state"):
        codec.from_dict(data)
    data["reviews"] = [{"id": "rv1", "text": "x"}, {"id": "rv1", "text": "y"}]
    with pytest.raises(BriefingFileError, match="used twice"):
        codec.from_dict(data)


# -- the analyst's answers ---------
def imported(rich: Briefing, tmp_path: Path) -> dict[str, Review]:
    result = reviews.new_reviews(rich, read_reviews(reviewed_copy(rich, tmp_path), rich))
    assert result.edit is not None
    edits.apply(rich, result.edit)
    return by_text(rich.reviews)


def text_of(briefing: Briefing, block_id: str) -> str:
    for _, block in walk_blocks(briefing):
        if block.id == block_id:
            assert isinstance(block, Paragraph | KeyJudgment)
            return block.text
    raise AssertionError(block_id)


def test_accepting_suggestions_edits_the_text_and_undo_puts_it_back(rich: Briefing, tmp_path: Path) -> None:
    found = imported(rich, tmp_path)
    signed, allies = block_of(rich, SIGNED), block_of(rich, ALLIES)
    decision = reviews.accept(rich, found[" in Pyongyang"].id)
    assert decision.note == ""
    undo = edits.apply(rich, decision.edit)
    assert text_of(rich, signed) == "The treaty was signed in Pyongyang on 19 June 2024."
    assert reviews.review_by_id(rich, found[" in Pyongyang"].id).state == "accepted"
    edits.apply(rich, edits.apply(rich, undo))  # undo, redo
    with pytest.raises(BriefingError, match="already accepted"):  # never made twice
        reviews.accept(rich, found[" in Pyongyang"].id)
    assert text_of(rich, signed) == "The treaty was signed in Pyongyang on 19 June 2024."
    edits.apply(rich, undo)
    assert text_of(rich, signed) == SIGNED
    assert reviews.review_by_id(rich, found[" in Pyongyang"].id).state == "open"
    edits.apply(rich, reviews.accept(rich, found[" will"].id).edit)
    assert text_of(rich, allies) == "Allies deepen cooperation."


def test_a_suggestion_whose_text_changed_is_only_marked_and_says_why(rich: Briefing, tmp_path: Path) -> None:
    found = imported(rich, tmp_path)
    signed = block_of(rich, SIGNED)
    edits.edit_text(rich, signed, "Signed in June.")
    decision = reviews.accept(rich, found[" in Pyongyang"].id)
    assert "changed since the review copy" in decision.note
    edits.apply(rich, decision.edit)
    assert text_of(rich, signed) == "Signed in June."
    assert reviews.review_by_id(rich, found[" in Pyongyang"].id).state == "accepted"


def test_dismiss_and_reply_are_undoable_and_a_reply_on_an_excerpt_becomes_its_comment(
    rich: Briefing, tmp_path: Path
) -> None:
    found = imported(rich, tmp_path)
    overlap = found["These two overlap."]
    undo = edits.apply(rich, reviews.dismiss(rich, overlap.id).edit)
    assert reviews.review_by_id(rich, overlap.id).state == "dismissed"
    edits.apply(rich, undo)
    assert reviews.review_by_id(rich, overlap.id).state == "open"
    undo = edits.apply(rich, reviews.reply(rich, overlap.id, "Merged them.", "J. Analyst").edit)
    assert [r.text for r in reviews.review_by_id(rich, overlap.id).replies] == ["Merged them."]
    edits.apply(rich, undo)
    assert reviews.review_by_id(rich, overlap.id).replies == ()
    excerpt = next(b for _, b in walk_blocks(rich) if b.kind == "excerpt")
    on_excerpt = Review("rv-x", excerpt.id, REVIEWER, None, "Is this the official text?")
    edits.apply(rich, edits.AddReviews((on_excerpt,)))
    edits.apply(rich, reviews.reply(rich, "rv-x", "Yes, from KCNA.", "J. Analyst").edit)
    assert excerpt.comment.endswith(f"Reply to {REVIEWER}: Yes, from KCNA.")


# -- the command ---------
def test_cli_review_import_prints_the_summary_and_json(
    rich: Briefing, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reviewed = reviewed_copy(rich, tmp_path)
    path = tmp_path / "b.briefing"
    storage.save(rich, path)
    cli = Cli(tmp_path / "data", capsys, monkeypatch)
    assert cli("review", "import", str(path), str(reviewed)) == 0
    assert "4 placed, 1 unplaced" in cli.out and "unplaced: comment by R. Reviewer" in cli.out
    assert len(storage.load(path).reviews) == 5
    assert cli("review", "import", "--json", str(path), str(reviewed)) == 0
    assert json.loads(cli.out) == {"placed": 0, "unplaced": 0, "known": 5, "reviews": []}
    assert len(storage.load(path).reviews) == 5
    (tmp_path / "junk.docx").write_bytes(b"not a zip")
    assert cli("review", "import", str(path), str(tmp_path / "junk.docx")) == 1
    assert "is not a Word document" in cli.err


# -- LibreOffice ---------
def test_bookmarks_and_a_comment_survive_a_libreoffice_round_trip(rich: Briefing, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; its round trip is not checked")
    out = tmp_path / "review.docx"
    export_docx(rich, out, copy="review")
    document = docx.Document(str(out))
    moscow = paragraph_with(document, MOSCOW)
    document.add_comment(run_with(moscow, MOSCOW), "Say what technology.", author=REVIEWER, initials="RR")
    before = tmp_path / "before" / "reviewed.docx"
    before.parent.mkdir()
    document.save(str(before))
    after = tmp_path / "after"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(after),
            str(before),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    found = by_text(read_reviews(after / "reviewed.docx", rich))
    assert found["Say what technology."].block_id == block_of(rich, MOSCOW)
    first = by_text(read_reviews(before, rich))["Say what technology."]
    assert found["Say what technology."].id == first.id  # saved again elsewhere: still one comment
    names = {
        b.get(f"{{{NS['w']}}}name")
        for b in part_xml(after / "reviewed.docx", "word/document.xml").iter(f"{{{NS['w']}}}bookmarkStart")
    }
    assert bookmark_name(block_of(rich, SIGNED)) in names


def with_reply_thread(reviewed: Path, parent_text: str, reply_text: str) -> None:
    """Make `reply_text`'s comment a reply to `parent_text`'s, as Word 2013+ threads them
    (w14:paraId on the comments' paragraphs, word/commentsExtended.xml naming the parent)."""
    w14 = "http://schemas.microsoft.com/office/word/2010/wordml"
    with zipfile.ZipFile(reviewed) as package:
        members = {name: package.read(name) for name in package.namelist()}
    comments = etree.fromstring(members["word/comments.xml"])
    for comment in comments.iter(f"{{{NS['w']}}}comment"):
        text = "".join(comment.itertext())
        for paragraph in comment.iter(f"{{{NS['w']}}}p"):
            paragraph.set(f"{{{w14}}}paraId", "00000001" if text == parent_text else "00000002")
    members["word/comments.xml"] = etree.tostring(comments, xml_declaration=True, encoding="UTF-8")
    members["word/commentsExtended.xml"] = (
        b'<w15:commentsEx xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
        b'<w15:commentEx w15:paraId="00000001" w15:done="0"/>'
        b'<w15:commentEx w15:paraId="00000002" w15:paraIdParent="00000001" w15:done="0"/></w15:commentsEx>'
    )
    rels = "word/_rels/document.xml.rels"
    members[rels] = members[rels].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdThread" Type="http://schemas.microsoft.com/office/2011/relationships/'
        b'commentsExtended" Target="commentsExtended.xml"/></Relationships>',
    )
    with zipfile.ZipFile(reviewed, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(name, data)


def test_a_reply_in_words_thread_comes_back_as_a_reply_not_a_comment_of_its_own(
    rich: Briefing, tmp_path: Path
) -> None:
    out = tmp_path / "review.docx"
    export_docx(rich, out, copy="review")
    document = docx.Document(str(out))
    run = run_with(paragraph_with(document, MOSCOW), MOSCOW)
    document.add_comment(run, "Say what technology.", author=REVIEWER, initials="RR")
    document.add_comment(run, "Missiles, surely.", author="A. Second", initials="AS")
    reviewed = tmp_path / "reviewed.docx"
    document.save(str(reviewed))
    with_reply_thread(reviewed, "Say what technology.", "Missiles, surely.")
    found = by_text(read_reviews(reviewed, rich))
    assert "Missiles, surely." not in found
    thread = found["Say what technology."]
    assert thread.block_id == block_of(rich, MOSCOW)
    assert [(r.author, r.text) for r in thread.replies] == [("A. Second", "Missiles, surely.")]
