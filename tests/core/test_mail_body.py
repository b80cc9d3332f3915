"""The e-mail of a briefing: an HTML body with the key judgments and a linked contents list, a
plain-text alternative, the .docx attached and, when asked, its PDF (a real SMTP server on loopback)."""

from __future__ import annotations

import email
import email.policy
import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest

from briefer.core.archive import Archive
from briefer.core.briefing import edits
from briefer.core.briefing.model import Briefing, Recipient
from briefer.core.credentials import CredentialStore
from briefer.core.distribution.accounts import SmtpAccount
from briefer.core.distribution.delivery import attachment_name, save_draft, send_briefing
from briefer.core.distribution.ledger import Ledger
from briefer.core.export.pdf_export import LibreOfficeMissing
from tests.core.briefing_support import articles_in, rich_briefing
from tests.core.smtp_server import (
    PASSWORD,
    USER,
    MemoryKeyring,
    TestCertificate,
    make_certificate,
    smtp_server,
)
from tests.core.test_html_pdf_export import Page, contents_links, sections

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> TestCertificate:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def briefing(briefing_archive: Archive) -> Briefing:
    b = rich_briefing(articles_in(briefing_archive))
    edits.apply(b, edits.SetMetadata("distribution", [Recipient("Desk Officer", "desk@agency.example")]))
    return b


@pytest.fixture
def store(tmp_path: Path) -> CredentialStore:
    store = CredentialStore.for_data_dir(tmp_path / "data-keys", MemoryKeyring())
    store.set("work", PASSWORD)
    return store


def account(port: int) -> SmtpAccount:
    return SmtpAccount(
        name="work", host="127.0.0.1", port=port, security="starttls", user=USER, sender="a@agency.example"
    )


def received(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def send(briefing: Briefing, tmp_path: Path, certificate: TestCertificate, store: CredentialStore,
         **options: object) -> tuple[EmailMessage, Path]:  # fmt: skip
    docx = tmp_path / "out" / attachment_name(briefing)
    docx.parent.mkdir()
    ledger = Ledger.for_data_dir(tmp_path / "l")
    with smtp_server(certificate) as server:
        send_briefing(
            briefing, docx, account=account(server.port), store=store, ledger=ledger,
            cafile=server.cafile, timeout=10, **options,
        )  # fmt: skip
    (envelope,) = server.sink.messages
    raw = envelope.content
    return received(raw if isinstance(raw, bytes) else raw.encode()), docx


def test_the_html_body_has_the_key_judgments_and_a_linked_contents(
    briefing: Briefing, tmp_path: Path, certificate: TestCertificate, store: CredentialStore
) -> None:
    message, docx = send(briefing, tmp_path, certificate, store)
    html_part = message.get_body(("html",))
    plain_part = message.get_body(("plain",))
    assert html_part is not None and plain_part is not None  # the plain-text alternative stays
    page = Page(html_part.get_content())
    words = page.all_text
    assert "We assess Russia is likely to transfer missile technology." in words
    assert "Allies will deepen cooperation." in words
    assert ("h2", "Key Judgments") in page.headings and ("h2", "Contents") in page.headings
    assert f"attached as {docx.name}" in words
    assert contents_links(page) == sections(page)  # each section linked from the contents
    assert "script" not in page.tags and page.sources == []
    (attached,) = list(message.iter_attachments())
    assert attached.get_filename() == docx.name and attached.get_content() == docx.read_bytes()
    assert "We assess Russia is likely" in plain_part.get_content()


def test_send_attaches_the_pdf_when_asked(
    briefing: Briefing, tmp_path: Path, certificate: TestCertificate, store: CredentialStore
) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: no PDF to attach")
    message, docx = send(briefing, tmp_path, certificate, store, attach_pdf=True)
    names = [(a.get_filename(), a.get_content_type()) for a in message.iter_attachments()]
    assert names == [(docx.name, docx_type()), (docx.with_suffix(".pdf").name, "application/pdf")]
    pdf = next(a for a in message.iter_attachments() if a.get_content_type() == "application/pdf")
    assert pdf.get_content().startswith(b"%PDF-")
    html_part = message.get_body(("html",))
    assert html_part is not None
    assert (
        f"attached as {docx.name} and {docx.with_suffix('.pdf').name}"
        in Page(html_part.get_content()).all_text
    )


def docx_type() -> str:
    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_draft_has_the_same_body(briefing: Briefing, tmp_path: Path) -> None:
    eml, docx = tmp_path / "d.eml", tmp_path / "d.docx"
    save_draft(briefing, eml, docx, Ledger.for_data_dir(tmp_path / "l"))
    message = received(eml.read_bytes())
    html_part = message.get_body(("html",))
    assert (
        html_part is not None and "Allies will deepen cooperation." in Page(html_part.get_content()).all_text
    )
    assert [a.get_filename() for a in message.iter_attachments()] == ["d.docx"]


def test_attaching_a_pdf_without_libreoffice_sends_nothing(
    briefing: Briefing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    eml, docx = tmp_path / "d.eml", tmp_path / "d.docx"
    with pytest.raises(LibreOfficeMissing):
        save_draft(briefing, eml, docx, Ledger.for_data_dir(tmp_path / "l"), attach_pdf=True)
    assert not eml.exists() and not docx.exists()
