"""Sending briefings against a real SMTP server on loopback (aiosmtpd, a test-made certificate)."""

from __future__ import annotations

import email
import email.policy
import hashlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from briefer.core.briefing import edits, templates
from briefer.core.briefing.model import Briefing, KeyJudgment, Recipient
from briefer.core.credentials import CredentialStore, CredentialsUnavailable
from briefer.core.distribution.accounts import AccountError, SmtpAccount
from briefer.core.distribution.delivery import attachment_name, save_draft, send_briefing
from briefer.core.distribution.ledger import Ledger, LedgerEntry
from briefer.core.distribution.mail import MailError, compose, parse_recipient, subject, summary_text
from tests.core.smtp_server import PASSWORD, USER, MemoryKeyring, TestCertificate, free_port, smtp_server

pytestmark = pytest.mark.timeout(30)
NOW = datetime(2024, 6, 24, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> TestCertificate:
    from tests.core.smtp_server import make_certificate

    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def briefing() -> Briefing:
    b = templates.new_briefing(
        templates.load("assessment"), title="Treaty Likely To Accelerate DPRK Missiles"
    )
    edits.apply(b, edits.SetMetadata("product_number", "BRF-2024-0017"))
    edits.apply(b, edits.SetMetadata("date", NOW))
    edits.apply(b, edits.SetMetadata("tlp", "AMBER"))
    judgment = KeyJudgment("We assess Russia will transfer missile know-how.", "likely", "moderate")
    edits.add_block(b, "key-judgments", judgment)
    edits.apply(b, edits.SetMetadata("distribution", [Recipient("Desk Officer", "desk@agency.example")]))
    return b


@pytest.fixture
def store(tmp_path: Path) -> CredentialStore:
    store = CredentialStore.for_data_dir(tmp_path / "data", MemoryKeyring())
    store.set("work", PASSWORD)
    return store


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.for_data_dir(tmp_path / "data")


def account(port: int, security: str = "starttls", **changes: str) -> SmtpAccount:
    values = dict(name="work", host="127.0.0.1", port=port, security=security, user=USER)
    values |= {"sender": "analyst@agency.example"} | changes
    return SmtpAccount(**values)  # type: ignore[arg-type]


def received(envelope_content: bytes | str) -> EmailMessage:
    raw = envelope_content if isinstance(envelope_content, bytes) else envelope_content.encode()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def last(ledger: Ledger) -> LedgerEntry:
    entries = ledger.entries()
    assert entries, "nothing was recorded"
    return entries[-1]


@pytest.fixture(autouse=True)
def fast(request: pytest.FixtureRequest) -> Iterator[None]:
    started = time.perf_counter()
    yield
    assert time.perf_counter() - started < 2.0, f"{request.node.name} took too long"


# -- delivery -------------------------------------------------------------------------------
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_delivery_with_the_attachment_intact(
    security: str, certificate: TestCertificate, briefing: Briefing, store: CredentialStore, ledger: Ledger,
    tmp_path: Path,
) -> None:  # fmt: skip
    docx = tmp_path / attachment_name(briefing)
    with smtp_server(certificate, security) as server:
        outcome = send_briefing(
            briefing,
            docx,
            account=account(server.port, security),
            store=store,
            ledger=ledger,
            recipients=[
                parse_recipient("Jane Doe <jane@agency.example>"),
                Recipient("", "bob@agency.example"),
            ],
            cafile=server.cafile,
            timeout=5,
            now=NOW,
            comments="margin",
        )
    assert outcome.result == "ok" and outcome.refused == {}
    (envelope,) = server.sink.messages
    assert envelope.mail_from == "analyst@agency.example"
    assert envelope.rcpt_tos == ["jane@agency.example", "bob@agency.example"]
    message = received(envelope.content)
    (attached,) = list(message.iter_attachments())
    assert attached.get_filename() == "BRF-2024-0017-ed1.docx" == docx.name
    assert attached.get_content_type().endswith("wordprocessingml.document")
    content = attached.get_content()
    assert content == docx.read_bytes()
    assert hashlib.sha256(content).hexdigest() == outcome.sha256
    assert message["Subject"] == subject(briefing)
    assert message["Subject"].startswith("[UNCLASSIFIED TLP:AMBER] Treaty Likely")
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    for expected in ("Treaty Likely To Accelerate", "Edition 1", "24 Jun 2024", "TLP:AMBER"):
        assert expected in text
    # led as the document leads it, from the structured terms
    assert "(U) Likely (55\u201380%) \u00b7 Moderate confidence: We assess" in text
    entry = last(ledger)
    assert (entry.action, entry.result, entry.sha256) == ("send", "ok", outcome.sha256)
    assert entry.recipients == ("Jane Doe <jane@agency.example>", "bob@agency.example")
    assert (entry.briefing_id, entry.edition, entry.marking) == (briefing.id, 1, "UNCLASSIFIED TLP:AMBER")
    assert entry.account == "work"


def test_the_distribution_list_is_the_default(
    certificate: TestCertificate, briefing: Briefing, store: CredentialStore, ledger: Ledger, tmp_path: Path
) -> None:
    with smtp_server(certificate) as server:
        send_briefing(
            briefing, tmp_path / "b.docx", account=account(server.port), store=store, ledger=ledger,
            cafile=server.cafile, timeout=5,
        )  # fmt: skip
    assert server.sink.messages[0].rcpt_tos == ["desk@agency.example"]
    assert last(ledger).recipients == ("Desk Officer <desk@agency.example>",)


def test_a_refused_recipient_is_reported_and_recorded_as_partial(
    certificate: TestCertificate, briefing: Briefing, store: CredentialStore, ledger: Ledger, tmp_path: Path
) -> None:
    to = [Recipient("", "nobody@agency.example"), Recipient("", "desk@agency.example")]
    with smtp_server(certificate) as server:
        outcome = send_briefing(
            briefing, tmp_path / "b.docx", account=account(server.port), store=store, ledger=ledger,
            recipients=to, cafile=server.cafile, timeout=5,
        )  # fmt: skip
    assert outcome.result == "partial"
    assert outcome.refused == {"nobody@agency.example": "550 5.1.1 No such user here"}
    assert server.sink.messages[0].rcpt_tos == ["desk@agency.example"]
    entry = last(ledger)
    assert entry.result == "partial" and "refused nobody@agency.example: 550" in entry.detail


def test_every_recipient_refused_is_a_failure(
    certificate: TestCertificate, briefing: Briefing, store: CredentialStore, ledger: Ledger, tmp_path: Path
) -> None:
    with smtp_server(certificate) as server:
        error = _send_failing(
            server.port, briefing, store, ledger, tmp_path, cafile=server.cafile,
            recipients=[Recipient("", "nobody@agency.example")],
        )  # fmt: skip
    assert error.reason == "recipients" and "refused every recipient" in str(error)


# -- failures: a clear message, a ledger line, nothing delivered ------------------------------
def _send_failing(
    server_port: int, briefing: Briefing, store: CredentialStore, ledger: Ledger, tmp_path: Path, **kw: object
) -> MailError:
    with pytest.raises(MailError) as failure:
        send_briefing(
            briefing, tmp_path / "b.docx", account=kw.pop("acct", None) or account(server_port),  # type: ignore[arg-type]
            store=store, ledger=ledger, timeout=5, **kw,  # type: ignore[arg-type]
        )  # fmt: skip
    entry = last(ledger)
    assert (entry.action, entry.result) == ("send", "failed")
    assert entry.detail == str(failure.value)
    assert len(entry.sha256) == 64  # the export was made; the ledger says which file failed to go
    assert PASSWORD not in str(failure.value)
    return failure.value


def test_wrong_password(
    certificate: TestCertificate, briefing: Briefing, ledger: Ledger, tmp_path: Path
) -> None:
    wrong = CredentialStore.for_data_dir(tmp_path / "data", MemoryKeyring())
    wrong.set("work", "not-the-password")
    with smtp_server(certificate) as server:
        error = _send_failing(server.port, briefing, wrong, ledger, tmp_path, cafile=server.cafile)
    assert error.reason == "auth"
    assert "refused the user name or password of the account 'work'" in str(error)
    assert (error.account, error.credential) == ("work", "work")  # the CLI and the window word the advice
    assert "not-the-password" not in str(error)
    assert server.sink.messages == []


def test_untrusted_certificate_is_refused(
    certificate: TestCertificate, briefing: Briefing, store: CredentialStore, ledger: Ledger, tmp_path: Path
) -> None:
    with smtp_server(certificate) as server:
        error = _send_failing(server.port, briefing, store, ledger, tmp_path)  # system CAs only
    assert error.reason == "certificate"
    assert "could not be verified" in str(error) and not error.cafile
    assert server.sink.messages == []


def test_untrusted_certificate_is_refused_over_implicit_tls(
    certificate: TestCertificate, briefing: Briefing, store: CredentialStore, ledger: Ledger, tmp_path: Path
) -> None:
    with smtp_server(certificate, "tls") as server:
        error = _send_failing(
            server.port, briefing, store, ledger, tmp_path, acct=account(server.port, "tls")
        )
    assert error.reason == "certificate"


def test_server_without_starttls_is_refused(
    certificate: TestCertificate, briefing: Briefing, store: CredentialStore, ledger: Ledger, tmp_path: Path
) -> None:
    with smtp_server(certificate, "plain") as server:
        error = _send_failing(server.port, briefing, store, ledger, tmp_path, cafile=server.cafile)
    assert error.reason == "no-starttls"
    assert "does not offer STARTTLS" in str(error) and "nothing was sent" in str(error)
    assert server.sink.messages == []


def test_connection_refused(
    briefing: Briefing, store: CredentialStore, ledger: Ledger, tmp_path: Path
) -> None:
    error = _send_failing(free_port(), briefing, store, ledger, tmp_path)
    assert error.reason == "refused"
    assert "connection was refused" in str(error)
    assert (error.account, error.where[:10]) == ("work", "127.0.0.1:")


def test_implicit_tls_against_a_starttls_port_says_so(
    certificate: TestCertificate, briefing: Briefing, store: CredentialStore, ledger: Ledger, tmp_path: Path
) -> None:
    with smtp_server(certificate) as server:
        error = _send_failing(
            server.port, briefing, store, ledger, tmp_path, acct=account(server.port, "tls"),
            cafile=server.cafile,
        )  # fmt: skip
    assert error.reason in ("tls", "protocol", "timeout", "disconnected") and error.security == "tls"


def test_no_password_and_no_keychain(briefing: Briefing, ledger: Ledger, tmp_path: Path) -> None:
    from keyring.backends import fail

    broken = CredentialStore.for_data_dir(tmp_path / "data", fail.Keyring())
    with pytest.raises(CredentialsUnavailable, match="No system keychain"):
        send_briefing(
            briefing, tmp_path / "b.docx", account=account(free_port()), store=broken, ledger=ledger
        )
    assert (last(ledger).result, last(ledger).action) == ("failed", "send")


def test_without_a_keychain_the_password_is_asked_once_and_kept_in_memory(
    certificate: TestCertificate, briefing: Briefing, ledger: Ledger, tmp_path: Path
) -> None:
    from keyring.backends import fail

    broken = CredentialStore.for_data_dir(tmp_path / "data", fail.Keyring())
    session = CredentialStore.for_session()
    asked: list[str] = []

    def ask(name: str) -> str:
        asked.append(name)
        return PASSWORD

    with smtp_server(certificate) as server:
        for _ in range(2):
            send_briefing(
                briefing, tmp_path / "b.docx", account=account(server.port), store=broken, ledger=ledger,
                ask=ask, session=session, cafile=server.cafile, timeout=5,
            )  # fmt: skip
    assert asked == ["work"] and len(server.sink.messages) == 2
    assert not session.persistent
    assert not (tmp_path / "data" / "credentials.json").exists()  # nothing asked for is written


def test_recipients_required(
    briefing: Briefing, store: CredentialStore, ledger: Ledger, tmp_path: Path
) -> None:
    briefing.metadata.distribution = []
    with pytest.raises(ValueError, match="nobody to send to"):
        send_briefing(briefing, tmp_path / "b.docx", account=account(1), store=store, ledger=ledger)


# -- drafts and composing -----------------------------------------------------------------------
def test_eml_draft(briefing: Briefing, ledger: Ledger, tmp_path: Path) -> None:
    eml, docx = tmp_path / "out.eml", tmp_path / "b.docx"
    save_draft(briefing, eml, docx, ledger, now=NOW)
    raw = eml.read_bytes()
    assert b"\r\n" in raw
    message = received(raw)
    assert message["X-Unsent"] == "1" and message["From"] is None
    assert message["To"] == "Desk Officer <desk@agency.example>"
    (attached,) = list(message.iter_attachments())
    assert attached.get_content() == docx.read_bytes()
    entry = last(ledger)
    assert (entry.action, entry.result, entry.file) == ("draft", "ok", str(eml))
    assert entry.sha256 == hashlib.sha256(docx.read_bytes()).hexdigest()
    assert not list(tmp_path.glob(".*.tmp"))


def test_compose_and_recipients(briefing: Briefing, tmp_path: Path) -> None:
    att = tmp_path / "x.docx"
    att.write_bytes(b"PK\x03\x04 not really")
    message = compose(
        briefing,
        att,
        recipients=[Recipient("Doe, Jane", "j@agency.example")],
        sender="a@agency.example",
        now=NOW,
    )
    assert message["To"] == '"Doe, Jane" <j@agency.example>'
    assert "Message-ID" in message and message["Date"]
    assert summary_text(briefing, "x.docx").splitlines()[0] == "UNCLASSIFIED"
    for bad in ("nobody", "a@agency.example, b@agency.example", "x@y.example\nBcc: z@evil.example"):
        with pytest.raises(AccountError):
            parse_recipient(bad)
    with pytest.raises(AccountError, match="unencrypted"):
        account(25, "none")
