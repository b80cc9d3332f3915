"""E-mail: `.eml` messages and `.mbox` mailboxes, with their attachments.

The subject is the title, the sender the author, the Date header the date, and
the body the text (plain text preferred, HTML converted).  Each attachment in a
format Briefer reads (PDF, Word, HTML, text, a forwarded message) becomes a
document of its own whose parent is the message.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import itertools
import re
from collections.abc import Iterator
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

from briefer.core.documents import Extracted
from briefer.core.extract.dates import parse_email_date
from briefer.core.extract.encoding import decode
from briefer.core.extract.errors import ExtractionError
from briefer.core.extract.html import html_to_text
from briefer.core.extract.parts import Begin, Limits, Part, failed, skipped
from briefer.core.textnorm import normalize

# "From addr date\n": a message starts at such a line with a year on it.  The year is looked for
# in the line once it is found: `[^\n]*\d{4}[^\n]*\n` tried every 4-digit group of a line that
# never ends (quadratic: 600 KB took over 30 s).
_FROM_LINE = re.compile(rb"^From \S+ ([^\n]*)\n", re.MULTILINE)
_YEAR = re.compile(rb"\d{4}")
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)
_UNSAFE = re.compile(r"[\x00-\x1f/\\]+")
MAX_ATTACHMENTS = 200
_SUFFIXES = {
    "text/plain": ".txt",
    "text/html": ".html",
    "text/markdown": ".md",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/zip": ".zip",
    "application/mbox": ".mbox",
    "application/rss+xml": ".rss",
    "application/atom+xml": ".atom",
}


class _BoundedPolicy(email.policy.EmailPolicy):
    """The default policy, reading (and writing again) at most MAX_HEADER_CHARS of a header.

    The e-mail library parses a header's value when it is read (a subject's encoded words, an
    address list) or written again (a forwarded message, as bytes), in a time that grows faster
    than the value: a 512 KB subject took 23 s, a 128 KB From 4 s a reading.  RFC 5322 keeps a
    line to 998 characters; no reader needs more of a header than this, and a normal one is
    read and written as before.
    """

    def header_fetch_parse(self, name: str, value: str) -> Any:
        return super().header_fetch_parse(name, _bounded(value))

    def fold(self, name: str, value: Any) -> str:
        return str(super().fold(name, _bounded(value)))

    def fold_binary(self, name: str, value: Any) -> bytes:
        return super().fold_binary(name, _bounded(value))


def _bounded(value: Any) -> Any:
    return value[:MAX_HEADER_CHARS] if isinstance(value, str) and len(value) > MAX_HEADER_CHARS else value


MAX_HEADER_CHARS = 16_384
_POLICY = _BoundedPolicy()


def parse_message(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=_POLICY)
    if not isinstance(message, EmailMessage) or not (message.keys() or message.get_payload()):
        raise ExtractionError("not an e-mail message")
    return message


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError, LookupError):  # a header the parser chokes on
        value = None
    return " ".join(str(value).split()) if value is not None else ""


def _sender(message: Message) -> str:
    raw = _header(message, "From") or _header(message, "Sender")
    name, address = email.utils.parseaddr(raw)
    return name or address or raw


def _part_text(part: Message) -> str:
    """A text part's text, decoded by Briefer's rules from its bytes and declared charset.

    The e-mail library decodes with Python's codec for the label alone: a
    `shift_jis` part with a cp932 character, or ISO-2022-JP sent without a
    charset (read as ASCII, escape sequences and all), come out garbled.
    """
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    try:
        charset = part.get_content_charset()
    except (LookupError, ValueError, TypeError):
        charset = None
    content = decode(payload, charset)
    if part.get_content_type() == "text/html":
        return html_to_text(content)
    return normalize(content)


def _body(message: EmailMessage) -> str:
    try:
        body = message.get_body(preferencelist=("plain", "html"))
    except (LookupError, ValueError, TypeError, KeyError):
        body = None
    if body is None:
        if message.is_multipart() or message.get_content_maintype() != "text":
            return ""
        body = message
    return _part_text(body)


def message_extracted(message: EmailMessage) -> Extracted:
    raw_date = _header(message, "Date")
    subject = _header(message, "Subject")
    return Extracted(
        # A message with no body (only attachments, say) is still a document, known by its subject.
        text=_body(message) or normalize(subject),
        title=subject or "(no subject)",
        author=_sender(message),
        published=parse_email_date(raw_date) if raw_date else None,
        published_raw=raw_date,
        language=_header(message, "Content-Language"),
        format="email",
    )


def _join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


def _attachment_name(part: Message, index: int, taken: set[str]) -> str:
    try:
        filename = part.get_filename() or ""
    except (ValueError, LookupError, TypeError):
        filename = ""
    if not filename and part.get_content_type() == "message/rfc822":
        filename = "forwarded.eml"
    name = _UNSAFE.sub("_", filename).strip(". ")
    if not name:
        name = f"attachment-{index}" + (_SUFFIXES.get(part.get_content_type()) or "")
    while name in taken:
        name = f"{index}-{name}"
    taken.add(name)
    return name


def message_parts(data: bytes, member: str, limits: Limits, begin: Begin) -> Iterator[Part]:
    """The message in `data` as the part `member`, then its attachments as members under it."""
    from briefer.core.extract import extract_member, finish

    begin(member)
    try:
        message = parse_message(data)
        extracted = finish(message_extracted(message))
    except ExtractionError as exc:
        yield failed(member, str(exc))
        return
    yield Part(member, extracted, content_hash=message_hash(data, message, extracted))
    taken: set[str] = set()
    for index, attachment in enumerate(message.iter_attachments(), start=1):
        if index > MAX_ATTACHMENTS:
            yield skipped(_join(member, f"attachment-{index}"), "too many attachments", parent=member)
            break
        name = _join(member, _attachment_name(attachment, index, taken))
        if limits.skips(name):
            continue
        payload = _attachment_bytes(attachment)
        stopped = limits.take(len(payload))  # an attachment is a member of the file's tree
        if stopped:
            yield skipped(name, stopped, parent=member)
            return
        yield from extract_member(payload, name, limits, begin, parent=member)


def _attachment_bytes(attachment: Message) -> bytes:
    """An attachment's content: a forwarded message as bytes, anything else decoded."""
    if attachment.get_content_type() == "message/rfc822":
        inner = attachment.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        try:
            return first.as_bytes() if isinstance(first, Message) else b""
        except (LookupError, ValueError, TypeError, UnicodeError):
            return b""
    decoded = attachment.get_payload(decode=True)
    return decoded if isinstance(decoded, bytes) else b""


def message_hash(data: bytes, message: EmailMessage, extracted: Extracted) -> str:
    """What a message is known by: what its sender wrote, not the file that holds it.

    Not the Message-ID: clients reuse one for messages that differ (a resend
    edited, a draft, a generator with a fixed id), and each is a document of
    its own.  Not the file's bytes either: the same message saved by two
    readers, or kept in a mailbox and as an `.eml`, differs in its delivery
    headers (Received, Delivered-To, Status) and line endings, and is one
    document with two locations.  So: sender, recipients, subject, date, the
    text read, and the body as sent (attachments included).
    """
    written = (
        _header(message, "From"), _header(message, "To"), _header(message, "Cc"),
        extracted.title, extracted.published_raw, extracted.text,
    )  # fmt: skip
    digest = hashlib.sha256("\n".join(written).encode("utf-8", "surrogatepass"))
    digest.update(b"\n\n")
    digest.update(_body_as_sent(data))
    return digest.hexdigest()


def _body_as_sent(data: bytes) -> bytes:
    """The bytes after a message's header block, line endings and trailing blank lines evened out."""
    unix = data.replace(b"\r\n", b"\n")
    header_end = unix.find(b"\n\n")
    return unix[header_end + 2 :].rstrip() if header_end >= 0 else b""


def eml_parts(data: bytes, path: Path, limits: Limits, begin: Begin) -> Iterator[Part]:
    yield from message_parts(data, "", limits, begin)


def mbox_parts(data: bytes, path: Path, limits: Limits, begin: Begin) -> Iterator[Part]:
    """Each message of an mbox as member "1", "2", ... in file order."""
    begin("")
    starts = [m.start() for m in _FROM_LINE.finditer(data) if _YEAR.search(m.group(1))]
    if not starts:
        raise ExtractionError("not an mbox mailbox (no 'From ' line)")
    if data[: starts[0]].strip():
        raise ExtractionError("not an mbox mailbox (text before the first 'From ' line)")
    starts.append(len(data))
    for number, (start, end) in enumerate(itertools.pairwise(starts), start=1):
        if limits.skips(str(number)):
            continue
        stopped = limits.take(end - start)
        if stopped:
            yield skipped(str(number), stopped)
            return
        chunk = data[data.index(b"\n", start) + 1 : end]  # without its "From " line
        yield from message_parts(_ESCAPED_FROM.sub(rb"\1", chunk), str(number), limits, begin)
