"""Single-file web pages (.mhtml, .mht): the page inside, read like any HTML page.

An MHTML file is a MIME multipart/related message: the first text/html part is
the page, the rest are its images and styles, which are left alone.
"""

from __future__ import annotations

import email
import email.policy
from email.message import Message
from pathlib import Path

from briefer.core.documents import Extracted
from briefer.core.extract import html
from briefer.core.extract.encoding import declared_html_encoding, decode
from briefer.core.extract.errors import ExtractionError


def _page_part(message: Message) -> Message | None:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part
    return None


def extract(data: bytes, path: Path) -> Extracted:
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    page = _page_part(message)
    if page is None:
        raise ExtractionError("no web page inside the MHTML file")
    payload = page.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload.strip():
        raise ExtractionError("empty file")
    declared = page.get_content_charset() or declared_html_encoding(payload)
    markup = decode(payload, declared)
    location = str(page.get("Content-Location") or message.get("Snapshot-Content-Location") or "")
    extracted = html.extract_markup(markup, path, url=location if "://" in location else "")
    return extracted
