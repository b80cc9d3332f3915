"""Bytes to str: a declared charset first, detection only when nothing is declared."""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
_XML_DECLARATION = re.compile(r"^[\s\ufeff]*<\?xml\b[^>]*>")


def bom_encoding(data: bytes) -> str | None:
    return next((name for bom, name in _BOMS if data.startswith(bom)), None)


def declared_html_encoding(data: bytes) -> str | None:
    """The charset an HTML or XML document declares in its first bytes, if valid."""
    head = data[:4096]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace").lower()
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    # Browsers read a page labelled Latin-1 as windows-1252 (WHATWG Encoding).
    return "cp1252" if name in {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"} else name


def without_xml_declaration(text: str) -> str:
    """Decoded XML or XHTML without its `<?xml ... encoding="..."?>`, which no longer holds for a str."""
    return _XML_DECLARATION.sub("", text, count=1)


def _lookup(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode `data`: BOM, then `declared`, then UTF-8, then detection; never raises.

    A declared charset is honoured, bytes that are invalid in it becoming U+FFFD,
    with one exception: a page that says UTF-8 but is mostly not (a page saved as
    windows-1252 under a UTF-8 label, a common server mistake) is detected instead.
    """
    bom = bom_encoding(data)
    if bom:
        return data.decode(bom, errors="replace")
    encoding = _lookup(declared)
    if encoding:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
        text = data.decode(encoding, errors="replace")
        if encoding != "utf-8" or not _mislabelled(data, text):
            return text
        return _detect(data, exclude_utf8=True)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _detect(data)


def _mislabelled(data: bytes, decoded: str) -> bool:
    """Whether UTF-8 replacement characters are too many to be a stray bad byte or two."""
    bad = decoded.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = sum(1 for byte in data if byte >= 0x80)
    return bad >= 4 and bad * 10 >= non_ascii // 2


def _detect(data: bytes, *, exclude_utf8: bool = False) -> str:
    # Imported lazily: detection is the rare path and the library is slow to load.
    from charset_normalizer import from_bytes

    results = from_bytes(data[:200_000], cp_exclusion=["utf_8"] if exclude_utf8 else None)
    best = results.best()
    encoding = best.encoding if best is not None else "cp1252"
    return data.decode(encoding, errors="replace")
