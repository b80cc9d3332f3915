"""Shared pieces of the briefing tests: a small real archive, a rich briefing, reading .docx parts."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from briefer.core.archive import Archive
from briefer.core.briefing import edits, templates
from briefer.core.briefing.excerpts import excerpt_from_quote
from briefer.core.briefing.model import Briefing, BulletList, KeyJudgment, MatrixCell, Paragraph
from briefer.core.documents import Document
from tests.conftest import write_article

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W, "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}

ARTICLES = {
    "pact": dict(
        title="Leaders sign mutual assistance pact in Pyongyang",
        author="Mina Park",
        source="Harbor Wire Service",
        published="2024-06-19T14:30:00+00:00",
        url="https://news.example/harbor/pact",
        body="Russia and North Korea signed a treaty that commits each side to provide military assistance "
        '"without delay" if the other is attacked.\n\n'
        'Officials in Seoul said they would respond "firmly" to any transfer of military technology.',
    ),
    "knowhow": dict(
        title="Analysts see missile know-how as the real prize",
        author="Daniel Ortiz",
        source="Strategic Review Institute",
        published="2024-06-21T09:00:00+00:00",
        url="https://think.example/know-how",
        body="The most consequential part may be assistance with re-entry vehicles, satellite launch "
        "technology and submarine propulsion.\n\nNorth Korea has supplied artillery shells to Russia.",
    ),
    "trilateral": dict(
        title="Tokyo and Seoul pledge closer coordination with Washington",
        author="",
        source="Pacific Ledger",
        published="2024-06-22T03:15:00+00:00",
        url="https://ledger.example/trilateral",
        body="Japan and South Korea agreed to expand real-time sharing of missile warning data with the "
        "United States.",
    ),
}


def write_articles(folder: Path) -> Path:
    """ARTICLES as .txt files in `folder`."""
    for name, fields in ARTICLES.items():
        fields = dict(fields)
        write_article(folder, name, str(fields.pop("body")), **fields)
    return folder


def articles_in(archive: Archive) -> dict[str, Document]:
    """The documents of ARTICLES in `archive`, by short name."""
    by_title = {doc.title: doc for doc in archive.catalog.documents(archive.catalog.all_ids())}
    return {name: by_title[str(fields["title"])] for name, fields in ARTICLES.items()}


def import_articles(archive: Archive, folder: Path) -> dict[str, Document]:
    """Write ARTICLES as .txt files, import them, and return the documents by short name."""
    archive.import_paths([write_articles(folder)])
    return articles_in(archive)


def rich_briefing(docs: dict[str, Document]) -> Briefing:
    """An assessment with every block kind, reused sources and a filled matrix."""
    b = templates.new_briefing(
        templates.load("assessment"),
        title="Treaty Likely To Accelerate DPRK Missile Advances",
        now=datetime(2024, 6, 24, 12, 0, tzinfo=UTC),
    )
    for name, value in (
        ("subtitle", "Implications of the June 2024 treaty"),
        ("product_number", "BRF-2024-0017"),
        ("author", "J. Analyst"),
        ("office", "Office of Regional Assessments"),
        ("audience", "Senior policymakers"),
        ("info_cutoff", datetime(2024, 6, 23, 18, 0, tzinfo=UTC)),
        ("keywords", ["Russia", "DPRK"]),
    ):
        edits.apply(b, edits.SetMetadata(name, value))
    pact = excerpt_from_quote(docs["pact"], 'assistance "without delay"', comment="Check the Korean text.")
    knowhow = excerpt_from_quote(docs["knowhow"], "re-entry vehicles, satellite launch technology")
    warning = excerpt_from_quote(docs["trilateral"], "real-time sharing of missile warning data")
    firmly = excerpt_from_quote(docs["pact"], 'respond "firmly"')
    kj = KeyJudgment("We assess Russia is likely to transfer missile technology.", "likely", "moderate")
    kj.cites = [knowhow.id, pact.id]
    edits.add_block(b, "key-judgments", kj)
    edits.add_block(
        b, "key-judgments", KeyJudgment("Allies will deepen cooperation.", "almost certain", "high")
    )
    edits.add_block(b, "background", Paragraph("The treaty was signed on 19 June 2024."))
    edits.add_block(b, "background", pact)
    edits.add_block(b, "analysis", knowhow)
    edits.add_block(b, "analysis", Paragraph("Moscow will pay in technology.", cites=[pact.id]))
    edits.add_block(b, "analysis", BulletList(["Assumption one.", "Assumption two."]))
    edits.add_block(
        b, "implications", MatrixCell("us", "military", "Homeland defence demands rise.", "H", "likely")
    )
    edits.add_block(
        b, "implications", MatrixCell("japan", "diplomatic", "Closer trilateral ties.", "M", None)
    )
    edits.add_block(b, "japan", warning)
    edits.add_block(b, "rok", firmly)
    return b


def part_xml(docx_path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(docx_path) as package:
        return etree.fromstring(package.read(name))


def texts(element: etree._Element) -> str:
    return "".join(element.itertext())


def to_pdf_text(docx_path: Path, workdir: Path) -> list[str]:
    """Convert with LibreOffice (own profile per run) and return the text of each page."""
    soffice = shutil.which("soffice")
    if soffice is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) or pdftotext is not installed; PDF rendering not checked")
    profile = workdir / "lo-profile"
    outdir = workdir / "pdf"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(docx_path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = outdir / (docx_path.stem + ".pdf")
    assert pdf.exists(), "LibreOffice wrote no PDF"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    return text.stdout.split("\f")[:-1] if text.stdout.endswith("\f") else text.stdout.split("\f")
