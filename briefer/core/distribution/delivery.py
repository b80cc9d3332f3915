"""Export, draft and send a briefing, each recorded in the export ledger: what the CLI and GUI call.

- `export_and_record`: the export (Word, PDF or HTML) plus a ledger line (ok or failed).
- `save_draft`: export, compose, write an .eml for the user's own mail client.
- `send_briefing`: export, compose, send over SMTP with TLS; the password comes
  from the credential store (or, without a keychain, from `ask`, kept in a
  session store in memory).  Every attempt gets a ledger line, failures too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from briefer.core.briefing.model import Briefing, Recipient
from briefer.core.credentials import AskSecret, CredentialStore, CredentialsUnavailable, obtain_secret
from briefer.core.distribution.accounts import SmtpAccount
from briefer.core.distribution.ledger import Ledger, LedgerEntry, sha256_file
from briefer.core.distribution.mail import MailError, compose, send, write_eml
from briefer.core.distribution.mail_body import html_body
from briefer.core.export import pdf_export
from briefer.core.export.docx_export import ExportReport, export_docx
from briefer.core.export.formats import FormatReport, export_as

log = logging.getLogger(__name__)


@dataclass
class SendOutcome:
    result: str  # "ok" | "partial"
    attachment: Path
    sha256: str
    recipients: list[Recipient]
    refused: dict[str, str] = field(default_factory=dict)  # address -> server's answer
    report: ExportReport | None = None
    pdf: Path | None = None  # the PDF attached too (attach_pdf)


def attachment_name(briefing: Briefing) -> str:
    """ "BRF-2024-0017-ed2.docx", or a name made from the title when there is no product number."""
    meta = briefing.metadata
    stem = meta.product_number or meta.title or "briefing"
    stem = re.sub(r"[^\w.-]+", "-", stem, flags=re.UNICODE).strip("-.")[:60] or "briefing"
    return f"{stem}-ed{meta.edition}.docx"


def recipients_for(briefing: Briefing, extra: Sequence[Recipient] = ()) -> list[Recipient]:
    """`extra` when given, else the briefing's distribution list; duplicates (by address) dropped."""
    return unique_recipients(list(extra) or list(briefing.metadata.distribution))


def unique_recipients(recipients: Sequence[Recipient]) -> list[Recipient]:
    """The recipients in order, each address once (compared without case)."""
    seen: set[str] = set()
    unique = []
    for recipient in recipients:
        key = recipient.address.casefold()
        if key not in seen:
            seen.add(key)
            unique.append(recipient)
    return unique


def export_and_record(
    briefing: Briefing,
    out: Path,
    ledger: Ledger,
    *,
    fmt: str = "docx",
    now: datetime | None = None,
    **options: Any,
) -> FormatReport:
    """`export_as(fmt, briefing, out, **options)`, then one ledger line whatever happened."""
    try:
        report = export_as(fmt, briefing, out, now=now, **options)
    except Exception as exc:
        ledger.record(
            LedgerEntry.for_briefing(
                briefing, action="export", file=str(out), sha256="", result="failed", detail=_first_line(exc)
            )
        )
        raise
    ledger.record(
        LedgerEntry.for_briefing(
            briefing, action="export", file=str(out), sha256=sha256_file(out), result="ok"
        )
    )
    return report


def save_draft(
    briefing: Briefing,
    eml: Path,
    docx: Path,
    ledger: Ledger,
    *,
    recipients: Sequence[Recipient] = (),
    sender: str = "",
    now: datetime | None = None,
    attach_pdf: bool = False,
    **options: Any,
) -> ExportReport:
    """Export to `docx` (and a PDF of it beside it with `attach_pdf`), then write an .eml draft with
    them attached; one "draft" ledger line.  Returns the export's report (its release findings
    included)."""
    to = recipients_for(briefing, recipients)
    addresses = tuple(str(r) for r in to)
    entry = dict(action="draft", file=str(eml), recipients=addresses)
    try:
        report, pdf = _export_attachments(briefing, docx, now, attach_pdf, options)
        digest = sha256_file(docx)
    except Exception as exc:
        ledger.record(
            LedgerEntry.for_briefing(briefing, **entry, sha256="", result="failed", detail=str(exc))
        )
        raise
    try:
        html = _body(docx, pdf)
        write_eml(
            compose(briefing, docx, recipients=to, sender=sender, now=now, draft=True, html=html, pdf=pdf),
            eml,
        )
    except Exception as exc:
        ledger.record(
            LedgerEntry.for_briefing(
                briefing, **entry, sha256=digest, result="failed", detail=_first_line(exc)
            )
        )
        raise
    ledger.record(LedgerEntry.for_briefing(briefing, **entry, sha256=digest, result="ok"))
    return report


def send_briefing(
    briefing: Briefing,
    docx: Path,
    *,
    account: SmtpAccount,
    store: CredentialStore,
    ledger: Ledger,
    recipients: Sequence[Recipient] = (),
    ask: AskSecret | None = None,
    session: CredentialStore | None = None,
    cafile: str | None = None,
    timeout: float = 30.0,
    now: datetime | None = None,
    attach_pdf: bool = False,
    **options: Any,
) -> SendOutcome:
    """Export to `docx`, attach it (and a PDF of it, made beside it, with `attach_pdf`), send it
    with the document as the HTML body; one "send" ledger line for the attempt.

    Raises ValueError when there is nobody to send to, BriefingError when the
    export is refused, CredentialsUnavailable when no password can be had, and
    MailError when the server did not take the message; all but the first are
    recorded in the ledger as failed.
    """
    to = recipients_for(briefing, recipients)
    if not to:
        raise ValueError(
            "nobody to send to: give recipients, or add them to the briefing's distribution list"
        )
    entry: dict[str, Any] = dict(
        action="send", file=docx.name, recipients=tuple(str(r) for r in to), account=account.name
    )
    digest = ""
    report: ExportReport | None = None
    try:
        report, pdf = _export_attachments(briefing, docx, now, attach_pdf, options)
        digest = sha256_file(docx)
        password = obtain_secret(account.credential_ref, store, ask, session) if account.user else None
        message = compose(
            briefing,
            docx,
            recipients=to,
            sender=account.sender,
            now=now or datetime.now(UTC),
            html=_body(docx, pdf),
            pdf=pdf,
        )
        log.info(
            "sending %s (sha256 %s) to %d recipient(s) via %s:%d as %r",
            docx.name, digest, len(to), account.host, account.port, account.user,
        )  # fmt: skip
        refused = send(message, account, password, cafile=cafile, timeout=timeout)
    except (MailError, CredentialsUnavailable) as exc:
        log.warning("sending %s failed: %s", docx.name, exc)
        ledger.record(
            LedgerEntry.for_briefing(briefing, **entry, sha256=digest, result="failed", detail=str(exc))
        )
        raise
    except Exception as exc:
        detail = _first_line(exc) if digest else f"export failed: {_first_line(exc)}"
        ledger.record(
            LedgerEntry.for_briefing(briefing, **entry, sha256=digest, result="failed", detail=detail)
        )
        raise
    result = "partial" if refused else "ok"
    log.info("sent %s: %s", docx.name, result)
    detail = "; ".join(f"refused {a}: {why}" for a, why in refused.items())
    ledger.record(LedgerEntry.for_briefing(briefing, **entry, sha256=digest, result=result, detail=detail))
    return SendOutcome(result, docx, digest, to, refused, report, pdf)


def _export_attachments(
    briefing: Briefing, docx: Path, now: datetime | None, attach_pdf: bool, options: dict[str, Any]
) -> tuple[ExportReport, Path | None]:
    """The .docx, and with `attach_pdf` its PDF beside it (LibreOfficeMissing before any work)."""
    if attach_pdf:
        pdf_export.soffice()
    report = export_docx(briefing, docx, now=now, **options)
    if not attach_pdf:
        return report, None
    pdf = docx.with_suffix(".pdf")
    pdf_export.convert_to_pdf(docx, pdf)
    return report, pdf


def _body(docx: Path, pdf: Path | None) -> str:
    return html_body(docx, [docx.name] + ([pdf.name] if pdf is not None else []))


def _first_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if "\n" not in text else text.splitlines()[0] + " \u2026"
