"""`briefer verify OUT.docx` against a real export whose XML was edited after the fact.

Each test exports the rich briefing from a real archive, edits one part of the
.docx as a tamperer would (the zip's XML, with lxml), keeps the manifest beside
it, and checks that verify names each difference on its own line.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from briefer.core.archive import Archive
from briefer.core.briefing import edits, storage, templates
from briefer.core.briefing.model import Briefing, Paragraph
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.documents import Document
from briefer.core.export import docx_view
from briefer.core.export import manifest as mf
from briefer.core.export.docx_export import export_docx
from tests.conftest import REPO
from tests.core.briefing_support import NS, W, articles_in, rich_briefing
from tests.core.cli_support import Cli

Edit = Callable[[etree._Element], None]
PACT_URL = "https://news.example/harbor/pact"


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
def exported(rich: Briefing, lookups: ArchiveLookups, tmp_path: Path) -> Path:
    out = tmp_path / "brief.docx"
    export_docx(rich, out, checks=lookups.export_checks(rich)[0])
    return out


@pytest.fixture
def cli(tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch, archive: Archive) -> Cli:
    return Cli(tmp_path / "data", capsys, monkeypatch)


def tampered(out: Path, edits_by_part: Mapping[str, Edit], name: str = "tampered.docx") -> Path:
    """A copy of the export `out`, each named part edited as XML, with the export's manifest beside it."""
    copy = out.with_name(name)
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename in edits_by_part:
                root = etree.fromstring(content)
                edits_by_part[item.filename](root)
                content = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(item, content)
    assert set(edits_by_part) <= set(zipfile.ZipFile(out).namelist())
    shutil.copy(mf.manifest_path(out), mf.manifest_path(copy))
    return copy


def part_named(out: Path, prefix: str) -> str:
    return next(n for n in zipfile.ZipFile(out).namelist() if n.startswith(prefix))


def replace_text(old: str, new: str) -> Edit:
    def edit(root: etree._Element) -> None:
        found = [t for t in root.iter(f"{{{W}}}t") if t.text and old in t.text]
        assert found, f"{old!r} is not in the part"
        for t in found:
            t.text = t.text.replace(old, new)

    return edit


def paragraph_with(root: etree._Element, words: str) -> etree._Element:
    return next(p for p in root.iter(f"{{{W}}}p") if words in "".join(p.itertext()))


def problems(path: Path, lookups: ArchiveLookups) -> list[str]:
    outcome = mf.verify_docx(path, lookups)
    assert outcome.verification is not None and outcome.verification.ok  # the quotes still match
    return outcome.problems


def test_an_untouched_export_verifies(exported: Path, lookups: ArchiveLookups, cli: Cli) -> None:
    assert problems(exported, lookups) == []
    assert json.loads(mf.manifest_path(exported).read_text(encoding="utf-8"))["version"] == 2
    assert cli("verify", str(exported)) == 0
    assert "PROBLEM" not in cli.out and "the manifest and the document's text are as exported" in cli.out


def test_a_changed_banner_is_named_in_the_header_and_footer(exported: Path, lookups: ArchiveLookups) -> None:
    header, footer = part_named(exported, "word/header"), part_named(exported, "word/footer")
    forged = tampered(
        exported, {header: replace_text("UNCLASSIFIED", "CUI"), footer: replace_text("UNCLASSIFIED", "CUI")}
    )
    assert problems(forged, lookups) == [
        "header: banner changed from \u201cUNCLASSIFIED\u201d to \u201cCUI\u201d",
        "footer: banner changed from \u201cUNCLASSIFIED\u201d to \u201cCUI\u201d",
    ]


def test_a_redirected_citation_link_is_named_by_footnote_and_paragraph(
    exported: Path, lookups: ArchiveLookups
) -> None:
    def redirect(root: etree._Element) -> None:
        for rel in root:
            if rel.get("Target") == PACT_URL:
                rel.set("Target", "https://evil.example/pact")

    forged = tampered(
        exported, {"word/_rels/footnotes.xml.rels": redirect, "word/_rels/document.xml.rels": redirect}
    )
    found = problems(forged, lookups)
    assert len(found) == 2
    assert re.fullmatch(  # the source list at the end
        rf"paragraph \d+: link target changed from {PACT_URL} to https://evil.example/pact", found[0]
    )
    assert found[1] == f"footnote 2: link target changed from {PACT_URL} to https://evil.example/pact"


def test_a_link_turned_into_a_hyperlink_field_is_still_followed(
    exported: Path, lookups: ArchiveLookups
) -> None:
    """Word also links through a HYPERLINK field: its target counts like a w:hyperlink's."""

    def as_field(root: etree._Element) -> None:
        link = next(h for h in root.iter(f"{{{W}}}hyperlink") if PACT_URL in "".join(h.itertext()))
        runs = etree.fromstring(
            f'<w:p xmlns:w="{W}"><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            '<w:r><w:instrText xml:space="preserve"> HYPERLINK "https://evil.example/pact" </w:instrText>'
            "</w:r>"
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>{PACT_URL}</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        )
        for run in list(runs):
            link.addprevious(run)
        link.getparent().remove(link)

    found = problems(tampered(exported, {"word/footnotes.xml": as_field}), lookups)
    assert found == [f"footnote 2: link target changed from {PACT_URL} to https://evil.example/pact"]


def test_hidden_text_added_to_a_judgment_is_reported(exported: Path, lookups: ArchiveLookups) -> None:
    def add_hidden_run(root: etree._Element) -> None:
        hidden = '<w:rPr><w:vanish/></w:rPr><w:t xml:space="preserve"> Disregard this.</w:t>'
        run = etree.fromstring(f'<w:r xmlns:w="{W}">{hidden}</w:r>')
        paragraph_with(root, "We assess Russia is likely").append(run)

    found = problems(tampered(exported, {"word/document.xml": add_hidden_run}), lookups)
    assert len(found) == 1
    assert re.fullmatch(r"hidden text added in paragraph \d+: \u201cDisregard this.\u201d", found[0])


def test_text_hidden_in_place_reads_as_changed_and_hidden(exported: Path, lookups: ArchiveLookups) -> None:
    def hide(root: etree._Element) -> None:
        run = next(r for r in root.iter(f"{{{W}}}r") if "Moscow will pay" in "".join(r.itertext()))
        properties = run.find("w:rPr", NS)
        if properties is None:
            properties = etree.SubElement(run, f"{{{W}}}rPr")
            run.insert(0, properties)
        properties.append(etree.Element(f"{{{W}}}vanish"))

    found = problems(tampered(exported, {"word/document.xml": hide}), lookups)
    assert len(found) == 2
    assert re.fullmatch(
        r"paragraph \d+: text changed from "
        r"\u201c\(U\) Moscow will pay in technology\.2\u201d to \u201c\(U\) 2\u201d",
        found[0],
    )
    assert re.fullmatch(
        r"hidden text added in paragraph \d+: \u201cMoscow will pay in technology\.\u201d", found[1]
    )


def test_text_hidden_through_a_style_is_found(exported: Path, lookups: ArchiveLookups) -> None:
    """w:vanish on the Quote style hides every quotation, though no run says so."""

    def hide_quotes(root: etree._Element) -> None:
        style = next(s for s in root.iter(f"{{{W}}}style") if s.get(f"{{{W}}}styleId") == "Quote")
        properties = style.find("w:rPr", NS)
        if properties is None:
            properties = etree.SubElement(style, f"{{{W}}}rPr")
        properties.append(etree.Element(f"{{{W}}}vanish"))

    found = problems(tampered(exported, {"word/styles.xml": hide_quotes}), lookups)
    hidden = [line for line in found if line.startswith("hidden text added in paragraph")]
    gone = [line for line in found if line.endswith("is no longer in the document")]
    # Each quote: its paragraph's text changed, its text hidden, its excerpt no longer visible.
    assert len(hidden) == len(gone) == 4 and len(found) == 12
    assert any("without delay" in line for line in hidden) and any("without delay" in line for line in gone)


def test_a_watermark_or_a_picture_added_to_the_header_is_reported(
    exported: Path, lookups: ArchiveLookups
) -> None:
    header = part_named(exported, "word/header")

    def add_marks(root: etree._Element) -> None:
        vml = "urn:schemas-microsoft-com:vml"
        root.append(
            etree.fromstring(
                f'<w:p xmlns:w="{W}" xmlns:v="{vml}"><w:r><w:pict><v:shape><v:textpath string="SECRET"/>'
                "</v:shape></w:pict></w:r></w:p>"
            )
        )
        root.append(etree.fromstring(f'<w:p xmlns:w="{W}"><w:r><w:drawing/></w:r></w:p>'))

    assert problems(tampered(exported, {header: add_marks}), lookups) == [
        "header: line added: \u201cSECRET\u201d",
        "header: line added: \u201c[picture]\u201d",
    ]


def test_a_forged_citation_is_named_by_its_footnote(exported: Path, lookups: ArchiveLookups) -> None:
    forged = tampered(exported, {"word/footnotes.xml": replace_text("Mina Park", "Nina Park")})
    found = problems(forged, lookups)
    assert len(found) == 1
    assert found[0].startswith("footnote 2: text changed from \u201c") and "Mina Park" in found[0]
    was, now = found[0].split(" to \u201c", 1)
    assert "Mina Park" in was and "Nina Park" in now


def test_a_mismatched_document_id_is_reported(
    rich: Briefing, exported: Path, lookups: ArchiveLookups
) -> None:
    def other_id(root: etree._Element) -> None:
        prop = next(p for p in root if p.get("name") == "BriefingId")
        prop[0].text = "0" * 32

    forged = tampered(exported, {"docProps/custom.xml": other_id})
    assert problems(forged, lookups) == [
        f"document id (BriefingId) changed from \u201c{rich.id}\u201d to \u201c{'0' * 32}\u201d"
    ]


def test_the_cli_prints_one_line_per_difference_and_exits_1(exported: Path, cli: Cli) -> None:
    header = part_named(exported, "word/header")

    def redirect(root: etree._Element) -> None:
        next(rel for rel in root if rel.get("Target") == PACT_URL).set("Target", "https://evil.example/")

    forged = tampered(
        exported,
        {
            header: replace_text("UNCLASSIFIED", "CUI"),
            "word/_rels/footnotes.xml.rels": redirect,
            "word/footnotes.xml": replace_text("Daniel Ortiz", "D. Ortiz"),
        },
    )
    assert cli("verify", str(forged)) == 1
    lines = [line.strip() for line in cli.out.splitlines() if line.strip().startswith("PROBLEM")]
    assert lines == [
        "PROBLEM  header: banner changed from \u201cUNCLASSIFIED\u201d to \u201cCUI\u201d",
        "PROBLEM  footnote 1: text changed from "
        "\u201c\u2026egic Review Institute; Daniel Ortiz; \u201cAnalysts see mi\u2026\u201d to "
        "\u201c\u2026egic Review Institute; D. Ortiz; \u201cAnalysts see mi\u2026\u201d",
        f"PROBLEM  footnote 2: link target changed from {PACT_URL} to https://evil.example/",
    ]
    assert "verification FAILED" in cli.err
    assert cli("verify", "--json", str(forged)) == 1
    assert json.loads(cli.out)["problems"] == [line.removeprefix("PROBLEM  ") for line in lines]


@pytest.mark.slow  # LibreOffice saves the document again
def test_a_copy_saved_again_by_libreoffice_still_verifies(
    exported: Path, lookups: ArchiveLookups, tmp_path: Path
) -> None:
    """LibreOffice rewrites every part of the package; what a reader sees stays the same."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; a re-saved copy is not checked")
    outdir = tmp_path / "resaved"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(outdir),
            str(exported),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    resaved = outdir / exported.name
    assert resaved.exists(), "LibreOffice wrote no document"
    assert docx_view.read_file(resaved).application.startswith("LibreOffice")
    shutil.copy(mf.manifest_path(exported), mf.manifest_path(resaved))
    outcome = mf.verify_docx(resaved, lookups)
    assert outcome.problems == [] and outcome.ok

    # An edit made there is still named, with a note on who saved the file.
    def forge(root: etree._Element) -> None:
        replace_text("Mina Park", "Nina Park")(root)

    forged = tampered(resaved, {"word/footnotes.xml": forge}, "forged.docx")
    outcome = mf.verify_docx(forged, lookups)
    assert [line.split(":")[0] for line in outcome.problems] == ["footnote 2"]
    assert outcome.notes and "saved again by LibreOffice" in outcome.notes[0]


def test_a_manifest_of_version_1_is_still_checked_by_its_text_hash(
    exported: Path, lookups: ArchiveLookups
) -> None:
    """Documents exported before the view was recorded keep verifying the way they did."""
    data = json.loads(mf.manifest_path(exported).read_text(encoding="utf-8"))
    text = docx_view.read_file(exported).legacy_text
    data["version"] = 1
    data["document"] = {"file": exported.name, "text_sha256": mf.sha256_hex(text.encode("utf-8"))}
    del data["view"]
    old_manifest = mf.encode(data)

    def old_property(root: etree._Element) -> None:
        next(p for p in root if p.get("name") == mf.PROPERTY)[0].text = mf.sha256_hex(old_manifest)

    old = tampered(exported, {"docProps/custom.xml": old_property}, "old.docx")
    mf.manifest_path(old).write_bytes(old_manifest)
    assert problems(old, lookups) == []
    edited = tampered(old, {"word/footnotes.xml": replace_text("Mina", "Nina")}, "edited.docx")
    assert problems(edited, lookups) == ["the document's text was changed after the export"]


# -- size and space ---------------------------------------------------------------------------------
def test_an_export_with_a_paragraph_over_10_mb_verifies(tmp_path: Path, cli: Cli) -> None:
    """lxml refuses a text node over 10,000,000 characters unless told otherwise: verify used to fail
    with a traceback on a document Briefer itself had written."""
    briefing = templates.new_briefing(templates.load("assessment"), title="A very long analysis")
    edits.add_block(briefing, "analysis", Paragraph("word " * 2_100_000))
    out = tmp_path / "long.docx"
    export_docx(briefing, out)
    assert cli("verify", str(out)) == 0, cli.err
    assert "the manifest and the document's text are as exported" in cli.out and cli.err == ""


def test_a_part_larger_than_verify_reads_is_one_clear_line(exported: Path, cli: Cli) -> None:
    # The document is read in a worker process (its own memory limit): the part must really be larger.
    with zipfile.ZipFile(exported) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    parts["word/document.xml"] += b" " * docx_view.MAX_PART  # whitespace after the root element
    with zipfile.ZipFile(exported, "w", zipfile.ZIP_DEFLATED) as padded:
        for name, data in parts.items():
            padded.writestr(name, data)
    assert cli("verify", str(exported)) == 1
    assert cli.err.count("\n") == 1 and "Traceback" not in cli.err
    assert re.fullmatch(
        rf"briefer: {re.escape(str(exported))}: word/\S+ is larger than Briefer reads .*\n", cli.err
    )


def test_a_damaged_document_is_one_clear_line(exported: Path, cli: Cli) -> None:
    data = exported.read_bytes()
    exported.write_bytes(data[: len(data) // 2])
    assert cli("verify", str(exported)) == 1
    assert cli.err.startswith(f"briefer: {exported} is not a Word document that can be read (")
    assert cli.err.count("\n") == 1


def test_past_500_differences_the_rest_are_counted(
    exported: Path, lookups: ArchiveLookups, tmp_path: Path
) -> None:
    """A manifest of another export lists every paragraph as different: the list stops, with a count."""
    other = rich_briefing_with_more_paragraphs(tmp_path, lookups, 600)
    found = mf.verify_docx(exported, lookups, manifest=mf.manifest_path(other)).problems
    assert found[0].startswith(
        "the manifest other.manifest.json does not match the document's ManifestSHA256"
    )
    assert len(found) == 1 + mf.MAX_DIFFERENCES + 1
    assert re.fullmatch(r"\u2026 and \d+ more differences from the exported document", found[-1])


def rich_briefing_with_more_paragraphs(tmp_path: Path, lookups: ArchiveLookups, count: int) -> Path:
    briefing = templates.new_briefing(templates.load("assessment"), title="Another briefing")
    for i in range(count):
        edits.add_block(briefing, "analysis", Paragraph(f"Paragraph number {i} of another briefing."))
    out = tmp_path / "other.docx"
    export_docx(briefing, out)
    return out


FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, like a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
from briefer.cli import main
sys.exit(main({argv!r}))
"""


def test_an_export_onto_a_full_disk_says_so_in_one_line(rich: Briefing, tmp_path: Path) -> None:
    """The document used to be zipped straight into its file: the failed write left a zip whose
    clean-up printed a second error, with a traceback, after ours."""
    brief, out = tmp_path / "b.briefing", tmp_path / "out" / "b.docx"
    storage.save(rich, brief)
    out.parent.mkdir()
    argv = ["--data-dir", str(tmp_path / "data"), "export", str(brief), "-o", str(out), "--no-archive-check"]
    code = FULL_DISK.format(limit=8_000, argv=argv)  # the document needs about 40 KB
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert result.returncode == 1
    assert result.stderr == f"briefer: {out}: File too large\n"
    assert list(out.parent.iterdir()) == []  # no document, no manifest, no temporary file
