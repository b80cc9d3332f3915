"""Bidirectional controls in metadata and quotes cannot reorder what Briefer prints.

A U+202E (right-to-left override) in a source's author reversed everything after
it in the exported citation: title, date, URL and archive id read backwards.
Single-line metadata loses such controls wherever it is shown; quoted body text
keeps them only when it is in a right-to-left script, inside an isolate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from briefer.core.archive import Archive
from briefer.core.briefing import edits, templates
from briefer.core.briefing.excerpts import excerpt_from_quote
from briefer.core.briefing.model import Briefing
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.documents import Document
from briefer.core.export import manifest as mf
from briefer.core.export.docx_export import export_docx
from briefer.core.textnorm import BIDI_CONTROLS, isolate_bidi, reveal_bidi, strip_bidi
from tests.conftest import ArchiveTemplate, write_article
from tests.core.briefing_support import NS, W, part_xml, texts, to_pdf_text
from tests.core.cli_support import Cli

RLO, PDF, LRE, RLM, FSI, PDI = "\u202e", "\u202c", "\u202a", "\u200f", "\u2068", "\u2069"
ARABIC = "\u0642\u0627\u0644 \u0627\u0644\u0648\u0632\u064a\u0631"  # "the minister said"
ARABIC_QUOTE = f"{ARABIC}{RLM} 2024"  # the mark keeps the year on the right side of the Arabic


@pytest.mark.parametrize(
    "control", "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
def test_every_bidi_control_is_known(control: str) -> None:
    assert strip_bidi(f"a{control}b") == "ab" and BIDI_CONTROLS.search(control)


def test_body_text_is_isolated_in_right_to_left_scripts_and_stripped_elsewhere() -> None:
    assert isolate_bidi("plain text") == "plain text"
    assert isolate_bidi(ARABIC) == ARABIC  # nothing to contain: printed as it is
    assert isolate_bidi(f"evil{RLO} text") == "evil text"
    assert isolate_bidi(ARABIC_QUOTE) == f"{FSI}{ARABIC_QUOTE}{PDI}"
    assert reveal_bidi(f"Mina{RLO} Park") == "Mina<U+202E> Park"


# -- the Word export ------------------------------------------------------------------------------
def write_hostile(folder: Path) -> None:
    """An article whose author, title and URL each carry a right-to-left override."""
    write_article(
        folder,
        "pact",
        f"Russia and North Korea signed a treaty{RLO} of mutual assistance.\n\n"
        f"An official was quoted in Arabic: {ARABIC_QUOTE}.",
        title=f"Leaders sign pact{RLO} in Pyongyang",
        author=f"Mina Park{RLO}",
        source=f"Harbor{RLO} Wire",
        url=f"https://news.example/{RLO}pact",
    )


@pytest.fixture(scope="session")
def hostile_template(tmp_path_factory: pytest.TempPathFactory) -> ArchiveTemplate:
    return ArchiveTemplate.of_files(tmp_path_factory.mktemp("bidi"), write_hostile)


@pytest.fixture
def archive(tmp_path: Path, hostile_template: ArchiveTemplate) -> Iterator[Archive]:
    """Here the test's archive holds the hostile article (a copy)."""
    with Archive(hostile_template.copy_to(tmp_path / "data")) as opened:
        yield opened


@pytest.fixture
def hostile(archive: Archive) -> Document:
    (doc,) = archive.catalog.documents(archive.catalog.all_ids())
    assert RLO in doc.author and RLO in doc.title and RLO in doc.url  # the archive keeps what the file says
    return doc


@pytest.fixture
def briefing(hostile: Document) -> Briefing:
    b = templates.new_briefing(templates.load("assessment"), title=f"Treaty{RLO} brief")
    edits.add_block(b, "background", excerpt_from_quote(hostile, f"a treaty{RLO} of mutual assistance"))
    edits.add_block(b, "analysis", excerpt_from_quote(hostile, ARABIC_QUOTE))
    return b


CITATION = (
    "(U) Harbor Wire; Mina Park; \u201cLeaders sign pact in Pyongyang\u201d; 13 Sep 2023 1000Z; "
    "source type not recorded; https://news.example/pact"  # the archive id is in the annex
)


@pytest.fixture
def exported(briefing: Briefing, archive: Archive, tmp_path: Path) -> Path:
    out = tmp_path / "treaty.docx"
    export_docx(briefing, out, checks=ArchiveLookups.of(archive).export_checks(briefing)[0])
    return out


def test_the_citation_reads_in_order_with_its_link_unreversed(exported: Path) -> None:
    notes = [
        n
        for n in part_xml(exported, "word/footnotes.xml").findall("w:footnote", NS)
        if n.get(f"{{{W}}}type") is None
    ]
    assert len(notes) == 1
    note = texts(notes[0]).strip()
    assert note.startswith(CITATION) and not BIDI_CONTROLS.search(note)
    rels = part_xml(exported, "word/_rels/footnotes.xml.rels")
    assert [r.get("Target") for r in rels] == ["https://news.example/pact"]
    body = part_xml(exported, "word/document.xml")
    entry = next(p for p in body.iter(f"{{{W}}}p") if "Mina Park" in texts(p))  # the reference list
    listed = CITATION.replace("Pyongyang\u201d;", "Pyongyang\u201d (U);")
    assert texts(entry).startswith(f"1.{listed}")  # "1.", a w:tab, the citation
    assert not BIDI_CONTROLS.search(texts(entry))


def test_quotes_keep_their_controls_only_inside_an_isolate(exported: Path) -> None:
    body = [texts(p) for p in part_xml(exported, "word/document.xml").iter(f"{{{W}}}p")]
    assert any(t.startswith("(U) \u201ca treaty of mutual assistance\u201d") for t in body)
    assert any(f"\u201c{FSI}{ARABIC_QUOTE}{PDI}\u201d" in t for t in body)
    stray = [t for t in body if BIDI_CONTROLS.search(t.replace(f"{FSI}{ARABIC_QUOTE}{PDI}", ""))]
    assert stray == []


def test_core_properties_carry_no_controls(exported: Path) -> None:
    core = etree.tostring(part_xml(exported, "docProps/core.xml"), encoding="unicode")
    assert "<dc:title>Treaty brief</dc:title>" in core and not BIDI_CONTROLS.search(core)


def test_the_export_still_verifies(exported: Path, archive: Archive) -> None:
    outcome = mf.verify_docx(exported, ArchiveLookups.of(archive))
    assert outcome.problems == [] and outcome.ok


@pytest.mark.slow  # LibreOffice renders the document
def test_the_rendered_citation_reads_in_order(exported: Path, tmp_path: Path) -> None:
    pages = to_pdf_text(exported, tmp_path)
    text = " ".join(" ".join(pages).split())
    assert "Harbor Wire; Mina Park; \u201cLeaders sign pact in Pyongyang\u201d; 13 Sep 2023 1000Z" in text
    assert "https://news.example/pact" in text


# -- the terminal ---------------------------------------------------------------------------------
def test_search_output_prints_metadata_without_controls(
    hostile: Document, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = Cli(tmp_path / "data", capsys, monkeypatch)
    assert cli("search", "treaty") == 0
    assert "Leaders sign pact in Pyongyang" in cli.out and "Harbor Wire" in cli.out
    header_lines = [line for line in cli.out.splitlines() if not line.startswith("     ")]  # not the snippet
    assert not any(BIDI_CONTROLS.search(line) for line in header_lines)
    meta = next(line for line in cli.out.splitlines() if "score" in line)
    assert re.search(r"2023-09-13 \u00b7 Harbor Wire \u00b7 score", meta)
