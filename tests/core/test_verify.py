"""Quote verification on a real archive: per excerpt, the export gate, the manifest and `briefer verify`."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest

from briefer.cli import main
from briefer.core.archive import Archive
from briefer.core.briefing import edits, storage
from briefer.core.briefing.excerpts import check_sources
from briefer.core.briefing.gate import ReleaseBlocked
from briefer.core.briefing.model import Briefing, Excerpt, excerpts
from briefer.core.briefing.verify import ArchiveLookups, quote_diff, verify_briefing
from briefer.core.documents import Document
from briefer.core.export import manifest as mf
from briefer.core.export.docx_export import export_docx
from briefer.core.export.ooxml import custom_properties
from tests.conftest import write_article
from tests.core.briefing_support import ARTICLES, articles_in, part_xml, rich_briefing, texts


class Cli:
    """Runs `briefer --data-dir DATA ...` and keeps what it printed."""

    def __init__(self, data: Path, capsys: Any) -> None:
        self.data, self.capsys = data, capsys
        self.out = self.err = ""

    def __call__(self, *args: str) -> int:
        status = main(["--data-dir", str(self.data), *args])
        captured = self.capsys.readouterr()
        self.out, self.err = captured.out, captured.err
        return status


@pytest.fixture
def archive(briefing_archive: Archive) -> Archive:
    """Here the test's archive holds the three ARTICLES."""
    return briefing_archive


@pytest.fixture
def docs(archive: Archive) -> dict[str, Document]:
    return articles_in(archive)


@pytest.fixture
def rich(docs: dict[str, Document]) -> Briefing:
    return rich_briefing(docs)


@pytest.fixture
def lookups(archive: Archive) -> ArchiveLookups:
    return ArchiveLookups.of(archive)


@pytest.fixture
def saved(rich: Briefing, tmp_path: Path) -> Path:
    path = tmp_path / "rich.briefing"
    storage.save(rich, path)
    return path


@pytest.fixture
def cli(tmp_path: Path, capsys: Any, archive: Archive) -> Cli:
    return Cli(tmp_path / "data", capsys)


def rewrite(archive: Archive, folder: Path, name: str, body: str) -> None:
    """Change an article's file and import it again (same document id, a new text version)."""
    fields = dict(ARTICLES[name])
    fields.pop("body")
    write_article(folder, name, body, **fields)
    archive.import_paths([folder])


def by_quote(briefing: Briefing, words: str) -> Excerpt:
    return next(e for e in excerpts(briefing).values() if words in e.quote)


def verify(briefing: Briefing, lookups: ArchiveLookups) -> Any:
    return verify_briefing(briefing, lookups.document, lookups.text_version)


PACT = str(ARTICLES["pact"]["body"])


# -- the checks -----------------------------------------------------------------------------
def test_an_untouched_briefing_verifies(rich: Briefing, lookups: ArchiveLookups) -> None:
    result = verify(rich, lookups)
    assert result.ok and len(result) == 4
    assert result.counts() == {"ok": 4, "moved": 0, "missing": 0, "changed": 0, "mismatch": 0}
    assert result.summary() == "4 quotes: 4 verified"
    assert all(c.detail == "" and c.diff == "" for c in result.checks.values())


def test_an_edited_document_is_changed_with_the_difference(
    rich: Briefing, archive: Archive, lookups: ArchiveLookups, article_files: Path
) -> None:
    rewrite(archive, article_files, "pact", PACT.replace('respond "firmly"', 'respond "decisively"'))
    result = verify(rich, lookups)
    firmly, delay = by_quote(rich, "firmly"), by_quote(rich, "without delay")
    check = result.get(firmly.id)
    assert check is not None and check.status == "changed" and check.failed and not result.ok
    assert "today's text no longer holds the quote" in check.detail
    today = archive.document(firmly.doc_id)
    assert today is not None
    first, second = check.diff.splitlines()[:2]
    assert first.startswith("--- captured ") and first.endswith(f"(sha256 {firmly.citation.text_hash[:12]})")
    assert second == f"+++ archive today (sha256 {today.text_hash[:12]})"
    assert '-Officials in Seoul said they would respond "firmly" to any transfer' in check.diff
    assert '+Officials in Seoul said they would respond "decisively" to any transfer' in check.diff
    assert re.search(r"^@@ -1,2 \+1,2 @@$", check.diff, re.M)
    # The other quote of the same document is untouched: ok, pointing at today's text.
    ok = result.get(delay.id)
    assert ok is not None and ok.status == "ok"
    assert "changed since the quote was captured; the quote did not" in ok.detail
    assert (
        check_sources(rich, archive.document, archive.catalog.text_version)[firmly.doc_id].status == "changed"
    )


def test_a_moved_quote_gets_its_new_span_and_the_update_is_undoable(
    rich: Briefing, archive: Archive, lookups: ArchiveLookups, article_files: Path
) -> None:
    rewrite(archive, article_files, "pact", "A new first paragraph.\n\n" + PACT)
    result = verify(rich, lookups)
    assert result.ok  # moved quotes still match their source
    firmly = by_quote(rich, "firmly")
    check = result.get(firmly.id)
    assert check is not None and check.status == "moved"
    today = archive.document(firmly.doc_id)
    assert today is not None and today.text[check.start : check.end] == firmly.quote
    assert check.start == firmly.start + len("A new first paragraph.\n\n")
    assert (
        f"now at {check.start}:{check.end} of the current text (was {firmly.start}:{firmly.end})"
        in check.detail
    )
    old = (firmly.start, firmly.end, firmly.citation.text_hash)
    moves = result.span_edits()
    assert len(moves) == 2  # both quotes of the pact moved
    inverses = [edits.apply(rich, move) for move in moves]
    assert (firmly.start, firmly.end, firmly.citation.text_hash) == (check.start, check.end, today.text_hash)
    assert firmly.quote == today.text[firmly.start : firmly.end]  # the quote itself never changes
    assert verify(rich, lookups).counts()["ok"] == 4
    for inverse in reversed(inverses):
        edits.apply(rich, inverse)
    assert (firmly.start, firmly.end, firmly.citation.text_hash) == old
    with pytest.raises(Exception, match="cannot hold the quote"):
        edits.apply(rich, edits.UpdateSpan(firmly.id, 0, 3, None, today.text_hash))


def test_a_deleted_source_is_missing_and_does_not_fail(
    rich: Briefing, archive: Archive, lookups: ArchiveLookups, article_files: Path
) -> None:
    (article_files / "trilateral.txt").unlink()
    archive.import_paths([article_files], prune=True)
    result = verify(rich, lookups)
    warning = by_quote(rich, "missile warning data")
    check = result.get(warning.id)
    assert check is not None and check.status == "missing" and result.ok
    assert "the quote matches the text captured when it was quoted" in check.detail  # the catalog kept it


def test_a_quote_edited_in_the_file_is_a_mismatch(rich: Briefing, lookups: ArchiveLookups) -> None:
    knowhow = by_quote(rich, "re-entry vehicles")
    knowhow.quote = knowhow.quote.replace("re-entry", "hypersonic")  # by hand, in the JSON
    check = verify(rich, lookups).get(knowhow.id)
    assert check is not None and check.status == "mismatch"
    assert "no longer has the SHA-256 stored with it" in check.detail


def test_quote_diff_shows_only_the_quotes_paragraphs() -> None:
    old = "One.\n\nTwo stays.\n\nThree old words.\n\nFour.\n\nFive.\n\nSix.\n\nSeven old."
    new = "One.\n\nTwo stays.\n\nThree new words.\n\nFour.\n\nFive.\n\nSix.\n\nSeven new."
    start = old.index("old words")
    diff = quote_diff(old, new, start, start + 9, old_label="then", new_label="now")
    assert diff.splitlines() == [
        "--- then",
        "+++ now",
        "@@ -2,3 +2,3 @@",
        " Two stays.",
        "-Three old words.",
        "+Three new words.",
        " Four.",
    ]


# -- the export gate ----------------------------------------------------------------------------
def test_export_refuses_quotes_that_no_longer_match_and_allow_unverified_marks_them(
    rich: Briefing, archive: Archive, lookups: ArchiveLookups, tmp_path: Path, article_files: Path
) -> None:
    rewrite(archive, article_files, "pact", PACT.replace('respond "firmly"', 'respond "decisively"'))
    out = tmp_path / "out.docx"
    result = verify(rich, lookups)
    with pytest.raises(ReleaseBlocked) as refused:
        export_docx(rich, out, checks=result)
    [finding] = refused.value.findings
    assert (finding.code, finding.block) == ("unverified-quote", by_quote(rich, "firmly").id)
    assert refused.value.overridable
    assert finding.message.startswith("Implications for the United States and Allies > Republic of Korea: ")
    assert '\u201crespond "firmly"\u201d (Harbor Wire Service' in finding.message
    assert not out.exists() and not mf.manifest_path(out).exists()
    # Per-source checks (what the send dialog passes) refuse too.
    with pytest.raises(ReleaseBlocked):
        export_docx(rich, out, checks=check_sources(rich, archive.document, archive.catalog.text_version))

    distributed = export_docx(rich, out, checks=result, allow_unverified=True)
    assert [c.excerpt_id for c in distributed.unverified] == [by_quote(rich, "firmly").id]
    assert "(unverified)" not in texts(part_xml(out, "word/document.xml"))  # readers see no states
    assert "(unverified)" not in texts(part_xml(out, "word/footnotes.xml"))
    report = export_docx(rich, out, checks=result, allow_unverified=True, copy="review")
    assert [c.excerpt_id for c in report.unverified] == [by_quote(rich, "firmly").id]
    notes = part_xml(out, "word/footnotes.xml")
    pact_note = next(t for t in (texts(n) for n in notes) if "Harbor Wire Service" in t)
    assert pact_note.endswith("(unverified)")
    assert texts(notes).count("(unverified)") == 1  # the other sources verified
    quote = next(p for p in docx.Document(str(out)).paragraphs if "firmly" in p.text)
    assert quote.text.endswith("(unverified)") and getattr(quote.runs[-1].style, "name", "") == "Strong"
    listed = [
        p.text for p in docx.Document(str(out)).paragraphs if getattr(p.style, "name", "") == "Bibliography"
    ]
    harbor = next(t for t in listed if "Harbor Wire Service" in t)
    assert "(unverified) Overall source classification: UNCLASSIFIED." in harbor
    data = json.loads(mf.manifest_path(out).read_text(encoding="utf-8"))
    states = {e["id"]: (e["exported_as"], e["verification"]["status"]) for e in data["excerpts"]}
    assert states[by_quote(rich, "firmly").id] == ("unverified", "changed")
    assert states[by_quote(rich, "without delay").id] == ("verified", "ok")


def test_a_deleted_source_does_not_block_and_is_cited_from_its_snapshot(
    rich: Briefing, archive: Archive, lookups: ArchiveLookups, tmp_path: Path, article_files: Path
) -> None:
    (article_files / "trilateral.txt").unlink()
    archive.import_paths([article_files], prune=True)
    out = tmp_path / "out.docx"
    report = export_docx(rich, out, checks=verify(rich, lookups), copy="review")
    assert [c.doc_id for _, c in report.missing] == [by_quote(rich, "missile warning").doc_id]
    assert texts(part_xml(out, "word/footnotes.xml")).count("(source no longer in archive)") == 1
    entry = next(
        e for e in json.loads(mf.manifest_path(out).read_text())["excerpts"] if "warning" in e["quote"]
    )
    assert entry["exported_as"] == "snapshot" and entry["verification"]["status"] == "missing"


# -- the manifest -------------------------------------------------------------------------------
def test_the_manifest_round_trips_and_its_hash_is_in_the_document(
    rich: Briefing, lookups: ArchiveLookups, tmp_path: Path
) -> None:
    out = tmp_path / "brief.docx"
    report = export_docx(rich, out, checks=verify(rich, lookups))
    manifest = tmp_path / "brief.manifest.json"
    assert report.manifest == manifest and manifest.is_file()
    properties = custom_properties(docx.Document(str(out)))
    assert properties["ManifestSHA256"] == hashlib.sha256(manifest.read_bytes()).hexdigest()
    data = json.loads(manifest.read_text(encoding="utf-8"))
    assert data["format"] == "briefer.manifest" and data["version"] == 2
    assert data["briefing"]["id"] == rich.id == properties["BriefingId"]
    assert data["briefing"]["sha256"] == properties["BriefingSHA256"]
    assert data["document"]["file"] == "brief.docx"
    assert [e["id"] for e in data["excerpts"]] == list(excerpts(rich))
    for entry in data["excerpts"]:
        excerpt = excerpts(rich)[entry["id"]]
        assert entry["quote"] == excerpt.quote and entry["quote_sha256"] == excerpt.quote_sha256
        assert (entry["start"], entry["end"], entry["text_hash"]) == (
            excerpt.start,
            excerpt.end,
            excerpt.citation.text_hash,
        )
        assert entry["verification"]["status"] == "ok" and entry["exported_as"] == "verified"
    assert [(s["number"], s["doc_id"]) for s in data["sources"]] == [
        (1, by_quote(rich, "re-entry").doc_id),
        (2, by_quote(rich, "without delay").doc_id),
        (3, by_quote(rich, "missile warning").doc_id),
    ]
    assert all(re.fullmatch(r"[0-9a-f]{64}", s["text_hash"]) for s in data["sources"])
    checked = mf.verify_docx(out, lookups)
    assert checked.ok and checked.problems == [] and checked.verification is not None
    assert checked.verification.counts()["ok"] == 4


def test_tampering_with_the_manifest_the_property_or_the_text_is_detected(
    rich: Briefing, lookups: ArchiveLookups, tmp_path: Path
) -> None:
    out = tmp_path / "brief.docx"
    export_docx(rich, out, checks=verify(rich, lookups))
    manifest = mf.manifest_path(out)
    original = manifest.read_bytes()

    manifest.write_bytes(original.replace(b'"edition": 1', b'"edition": 2'))
    edited = mf.verify_docx(out, lookups)
    assert not edited.ok
    assert edited.problems == [
        "the manifest brief.manifest.json does not match the document's ManifestSHA256: the manifest "
        "was edited, or it belongs to another export, or the property was changed"
    ]
    manifest.write_bytes(original)

    # The property changed inside the package (custom.xml rewritten).
    forged = tmp_path / "forged.docx"
    digest = hashlib.sha256(original).hexdigest().encode()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(forged, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/custom.xml":
                assert digest in content
                content = content.replace(digest, b"0" * 64)
            target.writestr(item, content)
    forged.with_suffix(".manifest.json").write_bytes(original)
    assert any(
        "does not match the document's ManifestSHA256" in p for p in mf.verify_docx(forged, lookups).problems
    )

    # The text edited in Word after the export.
    document = docx.Document(str(out))
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            if "without delay" in run.text:  # a run's text setter drops a field's marks: leave the rest
                run.text = run.text.replace("without delay", "within a week")
    changed = tmp_path / "changed.docx"
    document.save(str(changed))
    problems = mf.verify_docx(changed, lookups, manifest).problems
    assert re.fullmatch(
        r'paragraph \d+: text changed from \u201c.*"without delay".*\u201d to \u201c.*"within a week".*',
        problems[0],
    )
    quote = f'{by_quote(rich, "without delay").id} \u201cassistance "without delay"\u201d'
    assert f"excerpt {quote} is no longer in the document" in problems

    # No manifest at all.
    lonely = tmp_path / "lonely.docx"
    lonely.write_bytes(out.read_bytes())
    assert (
        mf.verify_docx(lonely, lookups)
        .problems[0]
        .startswith(f"no manifest at {tmp_path / 'lonely.manifest.json'}")
    )


def test_a_document_whose_sources_changed_since_export_fails(
    rich: Briefing, archive: Archive, lookups: ArchiveLookups, tmp_path: Path, article_files: Path
) -> None:
    out = tmp_path / "brief.docx"
    export_docx(rich, out, checks=verify(rich, lookups))
    rewrite(archive, article_files, "knowhow", "Nothing about missiles any more.")
    checked = mf.verify_docx(out, lookups)
    assert checked.problems == [] and not checked.ok
    assert checked.verification is not None
    assert [c.status for c in checked.verification.failures] == ["changed"]


def test_a_failed_export_leaves_neither_document_nor_manifest(
    rich: Briefing, tmp_path: Path, monkeypatch: Any
) -> None:
    out = tmp_path / "out.docx"

    def broken_save(self: Any, target: Any) -> None:
        target.write(b"PK half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(docx.document.Document, "save", broken_save)
    with pytest.raises(OSError, match="No space"):
        export_docx(rich, out)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == []


# -- the command line -------------------------------------------------------------------------------
def test_cli_verify_a_briefing_exit_codes_update_and_json(
    saved: Path, cli: Cli, archive: Archive, article_files: Path
) -> None:
    assert cli("verify", str(saved)) == 0
    assert cli.out.count("ok       ") == 4 and "4 quotes: 4 verified" in cli.out and cli.err == ""

    rewrite(archive, article_files, "pact", "A new first paragraph.\n\n" + PACT)
    before = saved.read_bytes()
    assert cli("verify", str(saved)) == 0  # moved quotes still match
    assert cli.out.count("moved    ") == 2 and "--update saves them" in cli.out
    assert saved.read_bytes() == before
    assert cli("verify", "--update", str(saved)) == 0
    assert "updated the positions of 2 moved quote(s)" in cli.out
    assert cli("verify", str(saved)) == 0 and cli.out.count("ok       ") == 4

    rewrite(
        archive,
        article_files,
        "pact",
        "A new first paragraph.\n\n" + PACT.replace("firmly", "softly"),
    )
    assert cli("verify", str(saved)) == 1
    assert "CHANGED  " in cli.out and '-Officials in Seoul said they would respond "firmly"' in cli.out
    assert "1 quote(s) no longer match their source" in cli.err
    assert cli("verify", "--json", str(saved)) == 1
    data = json.loads(cli.out)
    assert data["ok"] is False and data["kind"] == "briefing" and data["counts"]["changed"] == 1
    changed = next(e for e in data["excerpts"] if e["status"] == "changed")
    assert changed["failed"] and changed["diff"].startswith("--- captured") and "firmly" in changed["quote"]
    assert changed["section"] == "Implications for the United States and Allies > Republic of Korea"


def test_cli_export_refuses_then_marks_and_verify_checks_the_docx(
    saved: Path, cli: Cli, archive: Archive, tmp_path: Path, article_files: Path
) -> None:
    out = tmp_path / "out.docx"
    assert cli("export", str(saved), "-o", str(out)) == 0
    assert f"manifest {tmp_path / 'out.manifest.json'}" in cli.out
    assert cli("verify", str(out)) == 0
    assert "the manifest and the document's text are as exported" in cli.out

    (tmp_path / "out.manifest.json").write_text("{}", encoding="utf-8")
    assert cli("verify", str(out)) == 1 and "PROBLEM" in cli.out and "FAILED" in cli.err
    assert cli("verify", str(out), "--update") == 1 and "only checked" in cli.err

    rewrite(archive, article_files, "knowhow", "Nothing about missiles any more.")
    out.unlink()
    (tmp_path / "out.manifest.json").unlink()
    assert cli("export", str(saved), "-o", str(out)) == 1
    assert "[unverified-quote]" in cli.err and "source changed" in cli.err and "--allow-unverified" in cli.err
    assert f"briefer verify {saved}" in cli.err and "nothing was written" in cli.err
    assert not out.exists() and not (tmp_path / "out.manifest.json").exists()
    assert cli("export", str(saved), "-o", str(out), "--allow-unverified") == 0
    assert "1 quote(s) no longer match their source and were exported unmarked" in cli.err
    assert "(unverified)" not in texts(part_xml(out, "word/footnotes.xml"))  # a distribution copy
    assert cli("export", str(saved), "-o", str(out), "--allow-unverified", "--copy", "review") == 0
    assert "1 quote(s) no longer match their source and were exported marked" in cli.err
    assert "(unverified)" in texts(part_xml(out, "word/footnotes.xml"))
    assert cli("verify", str(out)) == 1 and "CHANGED" in cli.out  # still does not match
    assert cli("verify", "--json", str(out)) == 1
    data = json.loads(cli.out)
    assert data["kind"] == "docx" and data["problems"] == [] and data["counts"]["changed"] == 1
    moved = tmp_path / "elsewhere.json"
    (tmp_path / "out.manifest.json").rename(moved)
    assert cli("verify", str(out)) == 1 and "no manifest at" in cli.out
    assert "name the manifest with --manifest PATH" in cli.out  # the CLI words how to name it
    assert cli("verify", str(out), "--manifest", str(moved)) == 1 and "PROBLEM" not in cli.out


def test_cli_verify_against_an_archive_without_the_sources_refuses(
    saved: Path, tmp_path: Path, capsys: Any
) -> None:
    elsewhere = tmp_path / "elsewhere"
    Archive(elsewhere).close()  # an archive, without these sources
    assert main(["--data-dir", str(elsewhere), "verify", str(saved)]) == 2  # the wrong archive
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"is in the archive at {elsewhere}" in captured.err and "--data-dir" in captured.err
    assert main(["--data-dir", str(elsewhere), "verify", "--no-archive-check", str(saved)]) == 0
    assert capsys.readouterr().out.count("missing  ") == 4


def test_cli_send_checks_quotes_like_export_and_allow_unverified_marks_them(
    saved: Path, cli: Cli, archive: Archive, tmp_path: Path, article_files: Path
) -> None:
    import email
    import email.policy

    rewrite(archive, article_files, "knowhow", "Nothing about missiles any more.")
    eml = tmp_path / "draft.eml"
    send = ("send", str(saved), "--to", "desk@agency.example", "--eml", str(eml))
    assert cli(*send) == 1
    assert "[unverified-quote]" in cli.err and "nothing was sent" in cli.err
    assert "--allow-unverified" in cli.err and not eml.exists()
    assert cli(*send, "--allow-unverified") == 0
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    [attachment] = [part for part in message.walk() if part.get_filename()]
    attached = tmp_path / "attached.docx"
    attached.write_bytes(attachment.get_content())
    assert "(unverified)" not in texts(part_xml(attached, "word/footnotes.xml"))  # recipients' copy
