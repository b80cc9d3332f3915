"""`briefer brief ...` and `briefer export` end to end, on a real archive in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx
import pytest

from briefer.cli import main
from briefer.core.archive import Archive
from briefer.core.briefing import storage
from briefer.core.documents import Document
from tests.conftest import ArchiveTemplate
from tests.core.briefing_support import ARTICLES, articles_in, part_xml, texts


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
def docs(tmp_path: Path, briefing_articles: ArchiveTemplate) -> dict[str, Document]:
    """The three ARTICLES, in the archive in tmp_path/data (a copy of `briefing_articles`)."""
    with Archive(briefing_articles.copy_to(tmp_path / "data")) as archive:
        return articles_in(archive)


@pytest.fixture
def cli(tmp_path: Path, capsys: Any, docs: dict[str, Document]) -> Cli:
    return Cli(tmp_path / "data", capsys)


@pytest.fixture
def brief(tmp_path: Path, cli: Cli) -> Path:
    path = tmp_path / "b.briefing"
    assert cli("brief", "new", "--template", "assessment", "-o", str(path), "--title", "Test briefing") == 0
    return path


def test_new_creates_a_briefing_from_a_template(brief: Path, cli: Cli) -> None:
    assert "created" in cli.out
    loaded = storage.load(brief)
    assert loaded.metadata.title == "Test briefing" and loaded.template == "assessment"
    assert cli("brief", "new", "-o", str(brief)) == 1
    assert "already exists; use --force" in cli.err
    assert cli("brief", "new", "--template", "weekly", "-o", str(brief.with_name("w.briefing"))) == 1
    assert cli.err.strip() == "briefer: no template 'weekly'; available: assessment, policy, spot"
    assert not brief.with_name("w.briefing").exists()


def test_add_excerpt_by_quote_or_span_with_section_id_or_title(brief: Path, cli: Cli, docs: Any) -> None:
    pact = docs["pact"]
    assert (
        cli(
            "brief",
            "add-excerpt",
            str(brief),
            "--section",
            "ANALYSIS",
            "--doc",
            pact.id,
            "--quote",
            "military  assistance \u201cwithout delay\u201d",
        )
        == 0
    )
    assert "added excerpt" in cli.out and "to Analysis" in cli.out
    assert (
        cli(
            "brief",
            "add-excerpt",
            str(brief),
            "--section",
            "japan",
            "--doc",
            pact.id,
            "--span",
            "0:6",
            "--comment",
            "why",
            "--portion",
            "CUI",
        )
        == 0
    )
    assert "Implications for the United States and Allies > Japan" in cli.out
    loaded = storage.load(brief)
    analysis = next(s for s in loaded.sections if s.id == "analysis")
    quote = analysis.blocks[0]
    assert quote.quote == 'military assistance "without delay"'  # type: ignore[union-attr]
    assert pact.text[quote.start : quote.end] == quote.quote  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--section", "nowhere", "--span", "0:5"],
            "no section 'nowhere' in this briefing; sections: key-judgments",
        ),
        (["--section", "analysis", "--span", "5:99999"], "span 5:99999 is outside document"),
        (["--section", "analysis", "--quote", "not in it"], "quote not found: document"),
    ],
)
def test_bad_excerpt_requests_fail_clearly_and_leave_the_file(
    brief: Path, cli: Cli, docs: Any, args: list[str], message: str
) -> None:
    before = brief.read_bytes()
    assert cli("brief", "add-excerpt", str(brief), "--doc", docs["pact"].id, *args) == 1
    assert cli.err.startswith("briefer: ") and message in cli.err
    assert brief.read_bytes() == before


def test_unknown_document_and_ambiguous_titles_are_errors(brief: Path, cli: Cli, tmp_path: Path) -> None:
    assert (
        cli("brief", "add-excerpt", str(brief), "--section", "analysis", "--doc", "nope", "--span", "0:1")
        == 1
    )
    assert "no document 'nope' in the archive" in cli.err
    data = json.loads(brief.read_text(encoding="utf-8"))
    data["sections"][3]["sections"] = [dict(data["sections"][4]["sections"][2], id="analysis-japan")]
    brief.write_text(json.dumps(data), encoding="utf-8")
    assert cli("brief", "add-text", str(brief), "--section", "Japan", "hello") == 1
    assert "matches 2 sections; use an id: analysis-japan (Analysis > Japan); japan (Implications" in cli.err


def test_add_text_judgment_set_and_show(brief: Path, cli: Cli, docs: Any) -> None:
    assert (
        cli(
            "brief",
            "add-excerpt",
            str(brief),
            "--section",
            "background",
            "--doc",
            docs["knowhow"].id,
            "--quote",
            "re-entry vehicles",
        )
        == 0
    )
    excerpt_id = storage.load(brief).sections[2].blocks[0].id
    assert (
        cli("brief", "add-text", str(brief), "--section", "Analysis", "We assess X.", "--cite", excerpt_id)
        == 0
    )
    assert (
        cli(
            "brief",
            "add-judgment",
            str(brief),
            "X is likely.",
            "--likelihood",
            "likely",
            "--confidence",
            "moderate",
            "--cite",
            excerpt_id,
        )
        == 0
    )
    assert cli("brief", "add-text", str(brief), "--section", "analysis", "x", "--cite", "bogus") == 1
    assert "--cite names no excerpt" in cli.err
    assert (
        cli(
            "brief",
            "set",
            str(brief),
            "--product-number",
            "BRF-2024-0099",
            "--tlp",
            "green",
            "--info-cutoff",
            "2024-06-23T18:00",
        )
        == 0
    )
    assert cli("brief", "show", str(brief)) == 0
    shown = cli.out
    assert "Test briefing" in shown and "BRF-2024-0099" in shown and "TLP:GREEN" in shown
    assert "Key Judgments  [key-judgments]" in shown and "<likely, moderate> X is likely." in shown
    assert "1. Strategic Review Institute; Daniel Ortiz;" in shown
    assert "Markings: ready for export." in shown
    assert cli("brief", "show", str(brief), "--json") == 0
    assert json.loads(cli.out)["metadata"]["tlp"] == "GREEN"
    assert (
        cli(
            "brief",
            "set",
            str(brief),
            "--tlp",
            "none",
            "--cui-controlled-by",
            "Dept",
            "--cui-office",
            "Office",
            "--cui-category",
            "SP-PRVCY",
            "--cui-category",
            "LEI",
            "--cui-poc",
            "J. Doe",
        )
        == 0
    )
    meta = storage.load(brief).metadata
    assert meta.tlp is None and meta.cui.categories == ("SP-PRVCY", "LEI") and meta.cui.poc == "J. Doe"


def test_list_templates(cli: Cli) -> None:
    assert cli("brief", "list-templates") == 0
    assert [line.split()[0] for line in cli.out.splitlines() if not line.startswith(" ")] == [
        "assessment",
        "policy",
        "spot",
    ]


def test_export_writes_word_and_reports_deleted_sources(
    brief: Path, cli: Cli, docs: Any, tmp_path: Path, article_files: Path
) -> None:
    for name, quote in (("pact", "without delay"), ("trilateral", "missile warning data")):
        assert (
            cli(
                "brief",
                "add-excerpt",
                str(brief),
                "--section",
                "analysis",
                "--doc",
                docs[name].id,
                "--quote",
                quote,
            )
            == 0
        )
    out = tmp_path / "b.docx"
    assert cli("export", str(brief), "-o", str(out)) == 0
    assert "wrote" in cli.out and "2 source(s), 2 footnote(s)" in cli.out
    # Only the release gate's warnings (the template's sections left empty), which never stop it,
    # and the note that Word numbers the contents (the tests skip the LibreOffice pass).
    assert cli.err and all(
        line.startswith(("briefer: warning: [empty-section] ", "briefer: note: the table of contents"))
        for line in cli.err.splitlines()
    )
    assert docx.Document(str(out)).sections[0].header.paragraphs[0].text == "UNCLASSIFIED"
    # the trilateral article leaves the archive
    (article_files / "trilateral.txt").unlink()
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([article_files], prune=True)
        assert archive.document(docs["trilateral"].id) is None
    assert cli("export", str(brief), "-o", str(out), "--copy", "review") == 0
    assert "1 source(s) are no longer in the archive" in cli.err
    assert f"[2] {docs['trilateral'].id} '{ARTICLES['trilateral']['title']}'" in cli.err
    notes = part_xml(out, "word/footnotes.xml")
    assert texts(notes).count("(source no longer in archive)") == 1


def test_export_refusals_leave_no_file(brief: Path, cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "x.docx"
    data = json.loads(brief.read_text(encoding="utf-8"))
    data["sections"][3]["blocks"] = [{"type": "paragraph", "id": "p1", "portion": "CUI", "text": "x"}]
    brief.write_text(json.dumps(data), encoding="utf-8")
    assert cli("export", str(brief), "-o", str(out)) == 1
    assert "[invalid-marking]" in cli.err and "missing POC" in cli.err and "nothing was written" in cli.err
    assert cli("export", str(brief), "-o", str(brief)) == 1
    assert "would overwrite the briefing itself" in cli.err
    data["version"] = 9
    brief.write_text(json.dumps(data), encoding="utf-8")
    assert cli("export", str(brief), "-o", str(out)) == 1
    assert "written by a newer Briefer" in cli.err
    brief.write_text("{", encoding="utf-8")
    assert cli("brief", "add-text", str(brief), "--section", "analysis", "x") == 1
    assert "is corrupt and cannot be read" in cli.err and brief.read_text(encoding="utf-8") == "{"
    assert cli("export", str(brief), "-o", str(out), "--reference-docx", str(tmp_path / "no.docx")) == 1
    assert not out.exists()
