"""E-mail for briefings: compose the message, send it over SMTP with TLS, or save an .eml draft.

Stdlib only.  Sending always encrypts and verifies the server's certificate
(`ssl.create_default_context()`, plus an organisation's CA file when given):
STARTTLS (refused when the server does not offer it) or implicit TLS.  Every
failure becomes a MailError whose message says what happened (never the
password) and whose `reason` (a MailProblem) lets each front end say what to do.
"""

from __future__ import annotations

import enum
import smtplib
import socket
import ssl
from collections.abc import Sequence
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path

from briefer.core import atomic_write
from briefer.core.briefing import markings
from briefer.core.briefing.citations import format_time
from briefer.core.briefing.model import (
    Briefing,
    BulletList,
    KeyJudgment,
    Paragraph,
    Recipient,
    judgment_line,
    walk_sections,
)
from briefer.core.credentials import scrub
from briefer.core.distribution.accounts import AccountError, SmtpAccount, check_address
from briefer.core.distribution.ledger import marking_of
from briefer.core.errors import BrieferError

DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
PDF_TYPE = ("application", "pdf")
_EML_POLICY = policy.default.clone(linesep="\r\n")  # RFC 5322 line ends: what mail clients expect


class MailProblem(enum.StrEnum):
    """Why nothing was sent.  Front ends word what to do about each."""

    REFUSED = "refused"  # the connection was refused
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    DISCONNECTED = "disconnected"  # the server closed the connection
    CERTIFICATE = "certificate"  # not verified, or the CA file cannot be used
    TLS = "tls"
    NO_STARTTLS = "no-starttls"
    AUTH = "auth"  # the server refused the login
    NO_PASSWORD = "no-password"
    RECIPIENTS = "recipients"
    SENDER = "sender"
    PROTOCOL = "protocol"


class MailError(BrieferError):
    """Sending failed.  The message states what happened (never the password, never advice);
    `reason` says why, and the facts beside it let each front end say what to do."""

    def __init__(
        self,
        message: str,
        reason: MailProblem | str,
        *,
        account: SmtpAccount | None = None,
        cafile: str = "",
    ) -> None:
        super().__init__(message)
        self.reason = MailProblem(reason)
        self.account = account.name if account else ""
        self.credential = account.credential_ref if account else ""  # where its password is kept
        self.security = account.security if account else ""  # "starttls" | "tls"
        self.where = f"{account.host}:{account.port}" if account else ""
        self.cafile = cafile  # the CA file that could not be used


# -- recipients ---------------------------------------------------------------------
def parse_recipient(text: str) -> Recipient:
    """ "Jane Doe <jane@example.org>" or "jane@example.org" -> Recipient; ValueError when not an address."""
    if any(c in text for c in "\r\n"):
        raise AccountError(f"{text!r} spans several lines")
    found = getaddresses([text])
    if len(found) != 1 or not found[0][1]:
        raise AccountError(f"{text!r} is not one e-mail address")
    name, address = found[0]
    return Recipient(name.strip(), check_address(address))


def _header_address(recipient: Recipient) -> Address:
    user, _, domain = recipient.address.rpartition("@")
    return Address(display_name=recipient.name, username=user, domain=domain)


# -- the message ----------------------------------------------------------------------
def summary_text(briefing: Briefing, attachment_name: str = "") -> str:
    """The plain-text body: banner, title, date, marking, key judgments, banner."""
    meta = briefing.metadata
    banner = markings.banner(briefing)
    lines = [banner, "", meta.title]
    if meta.subtitle:
        lines.append(meta.subtitle)
    facts = [meta.product_number, f"Edition {meta.edition}", format_time(meta.date) if meta.date else ""]
    lines.append(" \u00b7 ".join(f for f in facts if f))
    lines.append(f"Marking: {marking_of(briefing)}")
    if meta.tlp:
        lines.append(markings.TLP_DEFINITIONS.get(meta.tlp, ""))
    judgments = list(_key_judgments(briefing))
    if judgments:
        lines += ["", "Key judgments", ""]
        for text in judgments:
            lines += [f"- {text}", ""]
    else:
        lines.append("")
    if attachment_name:
        lines.append(f"The full briefing, with its sources, is attached as {attachment_name}.")
    lines += ["", banner]
    return "\n".join(lines).strip() + "\n"


def _key_judgments(briefing: Briefing) -> list[str]:
    found: list[str] = []
    for _, section in walk_sections(briefing):
        if section.kind != "key_judgments":
            continue
        for block in section.blocks:
            prefix = markings.portion_prefix(briefing, block.portion)
            if isinstance(block, KeyJudgment):
                found.append(f"{prefix}{judgment_line(block)}")  # led as the document leads it
            elif isinstance(block, Paragraph):
                found.append(f"{prefix}{block.text}")
            elif isinstance(block, BulletList):
                found += [f"{prefix}{item}" for item in block.items]
    return [" ".join(text.split()) for text in found]


def subject(briefing: Briefing) -> str:
    """ "[CUI TLP:AMBER] Title (BRF-2024-0017, edition 2)": the marking leads, as TLP 2.0 asks for mail."""
    meta = briefing.metadata
    ident = ", ".join(p for p in (meta.product_number, f"edition {meta.edition}") if p)
    return " ".join(f"[{marking_of(briefing)}] {meta.title} ({ident})".split())


def compose(
    briefing: Briefing,
    attachment: Path,
    *,
    recipients: Sequence[Recipient],
    sender: str = "",
    now: datetime | None = None,
    draft: bool = False,
    html: str = "",
    pdf: Path | None = None,
) -> EmailMessage:
    """The message: a short plain-text body and the .docx attached byte for byte.

    `html` (mail_body.html_body) is the HTML alternative of the body; `pdf`, a
    PDF of the document, is attached after the .docx.  `sender` may be empty
    for a draft (the mail client fills it in).  `draft` adds `X-Unsent: 1`,
    which makes Outlook open the .eml as a message to send.
    """
    message = EmailMessage(policy=policy.default)
    if sender:
        message["From"] = check_address(sender)
    message["To"] = [_header_address(r) for r in recipients]
    message["Subject"] = subject(briefing)
    message["Date"] = format_datetime(now or datetime.now(UTC))
    domain = sender.rpartition("@")[2] if sender else "briefer.invalid"
    message["Message-ID"] = make_msgid("briefing", domain=domain)
    if draft:
        message["X-Unsent"] = "1"
    names = [attachment.name] + ([pdf.name] if pdf is not None else [])
    message.set_content(summary_text(briefing, " and ".join(names)))
    if html:
        message.add_alternative(html, subtype="html")
    message.add_attachment(
        attachment.read_bytes(), maintype=DOCX_TYPE[0], subtype=DOCX_TYPE[1], filename=attachment.name
    )
    if pdf is not None:
        message.add_attachment(pdf.read_bytes(), maintype=PDF_TYPE[0], subtype=PDF_TYPE[1], filename=pdf.name)
    return message


def write_eml(message: EmailMessage, path: Path) -> None:
    """Save the message as an .eml file atomically (temp file, fsync, rename)."""
    atomic_write.write_bytes(path, message.as_bytes(policy=_EML_POLICY))


# -- sending ------------------------------------------------------------------------
def tls_context(cafile: str | None = None) -> ssl.SSLContext:
    """Certificate and host name verified against the system CAs, plus `cafile` when given."""
    context = ssl.create_default_context()
    if cafile:
        try:
            context.load_verify_locations(cafile=cafile)
        except (OSError, ssl.SSLError) as exc:
            raise MailError(
                f"cannot use the CA file {cafile}: {exc}", MailProblem.CERTIFICATE, cafile=cafile
            ) from None
    return context


def send(
    message: EmailMessage,
    account: SmtpAccount,
    password: str | None,
    *,
    cafile: str | None = None,
    timeout: float = 30.0,
) -> dict[str, str]:
    """Send over TLS; return the refused recipients ({} when all were accepted).

    Raises MailError when nothing was sent.
    """
    where = f"{account.host}:{account.port}"
    context = tls_context(cafile or account.cafile or None)
    if account.user and not password:
        raise MailError(
            f"no password for the SMTP account {account.name!r}", MailProblem.NO_PASSWORD, account=account
        )
    try:
        if account.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                account.host, account.port, timeout=timeout, context=context
            )
        else:
            client = smtplib.SMTP(account.host, account.port, timeout=timeout)
        with client:
            if account.security == "starttls":
                client.ehlo()
                if not client.has_extn("starttls"):
                    raise MailError(
                        f"{where} does not offer STARTTLS, so the password and the briefing would cross the "
                        "network unencrypted; nothing was sent",
                        MailProblem.NO_STARTTLS,
                        account=account,
                    )
                client.starttls(context=context)
                client.ehlo()
            if account.user:
                assert password is not None
                client.login(account.user, password)
            refused = client.send_message(message)
    except MailError:
        raise
    except Exception as exc:
        reason, text = _explain(exc, where, account.name)
        raise MailError(scrub(text, password or ""), reason, account=account) from None
    return {address: _response(code, text) for address, (code, text) in refused.items()}


def _response(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(words.split())}"


def _explain(exc: Exception, where: str, account: str) -> tuple[MailProblem, str]:
    """Why, and what happened in plain words, for whatever smtplib, ssl or the socket raised."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailProblem.CERTIFICATE, (
            f"the certificate of {where} could not be verified ({exc.verify_message}); nothing was sent"
        )
    if isinstance(exc, ssl.SSLError):
        return MailProblem.TLS, f"the encrypted connection to {where} failed ({exc.reason or exc})"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        answer = _response(exc.smtp_code, exc.smtp_error)
        return (
            MailProblem.AUTH,
            f"{where} refused the user name or password of the account {account!r} ({answer})",
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(f"{a}: {_response(c, t)}" for a, (c, t) in exc.recipients.items())
        return MailProblem.RECIPIENTS, f"{where} refused every recipient ({refused}); nothing was sent"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        answer = _response(exc.smtp_code, exc.smtp_error)
        return MailProblem.SENDER, f"{where} refused the sender {exc.sender} ({answer})"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return MailProblem.PROTOCOL, f"{where} does not support what was asked: {exc}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return MailProblem.DISCONNECTED, f"{where} closed the connection unexpectedly; nothing was sent"
    if isinstance(exc, TimeoutError | socket.timeout):
        return MailProblem.TIMEOUT, f"{where} did not answer in time; nothing was sent"
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailProblem.PROTOCOL, f"{where} answered {_response(exc.smtp_code, exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPException):
        return MailProblem.PROTOCOL, f"sending through {where} failed: {exc}"
    if isinstance(exc, ConnectionRefusedError):
        return MailProblem.REFUSED, f"could not connect to {where}: the connection was refused"
    if isinstance(exc, socket.gaierror):
        host = where.rpartition(":")[0]
        return MailProblem.UNREACHABLE, f"the mail server {host!r} cannot be found ({exc.strerror})"
    if isinstance(exc, OSError):
        return MailProblem.UNREACHABLE, f"could not reach {where}: {exc.strerror or exc}"
    return MailProblem.PROTOCOL, f"sending through {where} failed: {type(exc).__name__}: {exc}"
