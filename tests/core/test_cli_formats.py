"""`briefer export --format docx|pdf|html` and `briefer send --attach-pdf`, end to end."""

from __future__ import annotations

import email
import email.policy
import shutil
from pathlib import Path
from typing import Any

import pytest

from briefer.core.archive import Archive
from briefer.core.briefing import edits, storage, templates
from briefer.core.briefing.model import Recipient
from briefer.core.distribution.ledger import Ledger
from briefer.core.documents import Document
from tests.conftest import ArchiveTemplate
from tests.core.briefing_support import articles_in, rich_briefing
from tests.core.test_cli_brief import Cli
from tests.core.test_html_pdf_export import Page

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def docs(tmp_path: Path, briefing_articles: ArchiveTemplate) -> dict[str, Document]:
    with Archive(briefing_articles.copy_to(tmp_path / "data")) as archive:
        return articles_in(archive)


@pytest.fixture
def cli(tmp_path: Path, capsys: Any, docs: dict[str, Document]) -> Cli:
    return Cli(tmp_path / "data", capsys)


@pytest.fixture
def brief(tmp_path: Path, docs: dict[str, Document]) -> Path:
    briefing = rich_briefing(docs)
    edits.apply(briefing, edits.SetMetadata("distribution", [Recipient("Desk", "desk@agency.example")]))
    path = tmp_path / "b.briefing"
    storage.save(briefing, path)
    return path


def test_export_html(cli: Cli, brief: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.html"
    assert cli("export", str(brief), "-o", str(out), "--format", "html") == 0
    assert cli.out.startswith(f"wrote {out} (distribution copy): 3 source(s), 3 footnote(s) in ")
    assert "(Word " in cli.out and " + HTML " in cli.out and "manifest" not in cli.out
    page = Page(out.read_text(encoding="utf-8"))
    assert ("h2", "Key Judgments") in page.headings
    assert not list(tmp_path.glob("b.docx*")) and not list(tmp_path.glob("*.manifest*"))
    (entry,) = Ledger.for_data_dir(cli.data).entries()
    assert (entry.action, entry.file, entry.result) == ("export", str(out), "ok")


def test_the_format_follows_the_output_name_and_docx_stays_the_default(
    cli: Cli, brief: Path, tmp_path: Path
) -> None:
    assert cli("export", str(brief), "-o", str(tmp_path / "page.htm")) == 0
    assert (tmp_path / "page.htm").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert cli("export", str(brief), "-o", str(tmp_path / "b.docx")) == 0
    assert (tmp_path / "b.docx").read_bytes().startswith(b"PK") and "manifest" in cli.out
    assert cli("export", str(brief), "-o", str(tmp_path / "x.docx"), "--format", "pdf") == 1
    assert "names a .docx file, but --format is pdf" in cli.err
    assert not (tmp_path / "x.docx").exists()


def test_export_pdf(cli: Cli, brief: Path, tmp_path: Path) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: no PDF to make")
    out = tmp_path / "b.pdf"
    assert cli("export", str(brief), "-o", str(out), "--format", "pdf") == 0
    assert " + PDF " in cli.out and out.read_bytes().startswith(b"%PDF-")


def test_export_pdf_without_libreoffice(
    cli: Cli, brief: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    out = tmp_path / "b.pdf"
    assert cli("export", str(brief), "-o", str(out)) == 1
    assert cli.err.startswith("briefer: PDF export needs LibreOffice, which is not installed")
    assert "sudo apt-get install libreoffice-writer-nogui" in cli.err and "--format html" in cli.err
    assert not out.exists()
    (entry,) = Ledger.for_data_dir(cli.data).entries()
    assert entry.result == "failed"


def test_send_attach_pdf_in_a_draft(cli: Cli, brief: Path, tmp_path: Path) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: no PDF to attach")
    eml, kept = tmp_path / "d.eml", tmp_path / "kept.docx"
    assert cli("send", str(brief), "--eml", str(eml), "--docx", str(kept), "--attach-pdf") == 0
    assert "(kept.docx and kept.pdf attached)" in cli.out
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    names = [part.get_filename() for part in message.iter_attachments()]
    assert names == ["kept.docx", "kept.pdf"] and kept.with_suffix(".pdf").exists()
    assert message.get_body(("html",)) is not None


def test_send_attach_pdf_without_libreoffice(
    cli: Cli, brief: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    eml = tmp_path / "d.eml"
    assert cli("send", str(brief), "--eml", str(eml), "--attach-pdf") == 1
    assert "needs LibreOffice" in cli.err and "without --attach-pdf" in cli.err and not eml.exists()


def test_a_pdf_or_page_into_a_missing_folder_names_the_folder(cli: Cli, tmp_path: Path) -> None:
    briefing = tmp_path / "b.briefing"
    storage.save(templates.new_briefing(templates.load("spot"), title="Rail"), briefing)
    for name in ("out.html", "out.pdf"):
        target = tmp_path / "gone" / name
        assert cli("export", str(briefing), "-o", str(target), "--no-archive-check") == 1
        assert f"cannot write in {target.parent}: No such file or directory" in cli.err
        assert ".tmp" not in cli.err


def test_a_page_is_not_laid_out_by_libreoffice_to_number_a_contents_it_does_not_have(tmp_path: Path) -> None:
    from briefer.core.export.formats import export_as

    made = export_as(
        "html",
        templates.new_briefing(templates.load("spot"), title="Rail"),
        tmp_path / "p.html",
        toc_pages=True,
    )
    assert made.docx.render_seconds == 0 and made.docx.notices == []
