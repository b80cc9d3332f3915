"""Bytes to str: what the bytes prove, then a declared charset, then detection.

The order, and why:

1. What the bytes themselves prove: a byte-order mark, the zero bytes of
   UTF-16 or UTF-32 saved without one, the escape sequences of ISO-2022-JP/KR.
   No other text looks like these, whatever a label says.
2. A declared charset (XML declaration, `<meta charset>`, a MIME charset), read
   the way browsers read it: `Shift_JIS` as Windows' superset cp932, `EUC-KR`
   as cp949, `ISO-8859-1` as windows-1252 (the WHATWG Encoding Standard).
   It wins when it decodes cleanly, and when it decodes with a stray bad byte
   or two; a label that is plainly wrong (most non-ASCII bytes invalid in it)
   falls through to detection.
3. UTF-8, then detection (charset-normalizer) among the code pages that could
   have written the bytes, preferring the reading whose letters fit the
   language of the text (see `letters.py`).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from briefer.core.extract.letters import code_pages, foreign_letters, language_code

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
# Labels read as the superset browsers decode them with (WHATWG Encoding), by Python codec name.
_SUPERSETS = {
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
}
# Labels in use that Python does not know.
_ALIASES = {
    "windows-31j": "cp932",
    "x-sjis": "cp932",
    "x-gbk": "gb18030",
    "x-euc-jp": "euc_jp",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso8859_8",
}
_ASCII = "ascii"  # a label, not evidence: 8-bit bytes under it were written in something else
# ISO-2022 designates its character sets with escape sequences; none of them occurs in other text.
_ISO2022_DESIGNATION = re.compile(rb"\x1b(?:\$[@AB]|\$\([CDOPQ]|\$\)C|\(I)")
_ISO2022_JP = ("iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_2004", "iso2022_jp_3")
_SNIFF_BYTES = 4096
_CANDIDATES = 8  # readings charset-normalizer proposes that are weighed against the language
_FIT_SAMPLE = 20_000  # characters of each reading whose letters are counted


def bom_encoding(data: bytes) -> str | None:
    return next((name for bom, name in _BOMS if data.startswith(bom)), None)


def declared_html_encoding(data: bytes) -> str | None:
    """The charset an HTML or XML document declares in its first bytes, if Briefer can decode it."""
    head = data[:_SNIFF_BYTES]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace").lower()
    return name if codec_for_label(name) else None


def without_xml_declaration(text: str) -> str:
    """Decoded XML or XHTML without its `<?xml ... encoding="..."?>`, which no longer holds for a str."""
    return _XML_DECLARATION.sub("", text, count=1)


def codec_for_label(label: str | None) -> str | None:
    """The Python codec that decodes text labelled `label`, or None for no usable label."""
    if not label:
        return None
    name = label.strip().lower()
    try:
        codec = codecs.lookup(_ALIASES.get(name, name)).name
    except LookupError:
        return None
    if codec == _ASCII:
        return None
    return _SUPERSETS.get(codec, codec)


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode `data` (see the module docstring for the order); never raises."""
    proven = _proven_text(data)
    if proven is not None:
        return proven
    encoding = codec_for_label(declared)
    if encoding:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
        text = data.decode(encoding, errors="replace")
        if not _mislabelled(data, text):
            return text
        return _detect(data, exclude_utf8=encoding == "utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _detect(data)


def _proven_text(data: bytes) -> str | None:
    """The text when the bytes prove their encoding: a BOM, BOM-less UTF-16/32, ISO-2022."""
    bom = bom_encoding(data)
    if bom:
        return data.decode(bom, errors="replace")
    wide = _wide_unicode(data)
    if wide:
        return data.decode(wide, errors="replace")
    return _iso2022(data)


def _wide_unicode(data: bytes) -> str | None:
    """UTF-16 or UTF-32 without a byte-order mark, told by where its zero bytes fall.

    A code point below U+10000 has a zero top byte in UTF-32 (and nearly
    always a zero third byte), and text in Latin script a zero high byte in
    every other byte of UTF-16.  No 8-bit or UTF-8 text holds zero bytes.
    """
    sample = data[:_SNIFF_BYTES]
    if b"\x00" not in sample:  # the common case, answered at C speed
        return None
    length = len(sample) - len(sample) % 4
    units = length // 4
    if units < 2:
        return None
    zeros = [sample[offset:length:4].count(0) for offset in range(4)]
    candidates = []
    if zeros[3] == units and zeros[2] * 2 >= units:
        candidates.append("utf-32-le")
    if zeros[0] == units and zeros[1] * 2 >= units:
        candidates.append("utf-32-be")
    even, odd = zeros[0] + zeros[2], zeros[1] + zeros[3]
    if odd * 10 >= units and even * 20 <= odd:
        candidates.append("utf-16-le")
    if even * 10 >= units and odd * 20 <= even:
        candidates.append("utf-16-be")
    return next((name for name in candidates if _decodes(sample, name)), None)


def _decodes(sample: bytes, encoding: str) -> bool:
    """Whether `sample`, the start of a text, is valid in `encoding` (a cut character at its end allowed)."""
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


def _iso2022(data: bytes) -> str | None:
    """Text in ISO-2022-JP or ISO-2022-KR (7-bit, with escape sequences), decoded; else None."""
    if not data.isascii() or not _ISO2022_DESIGNATION.search(data):
        return None
    encodings = ("iso2022_kr",) if b"\x1b$)C" in data else _ISO2022_JP
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode(encodings[0], errors="replace")


def _mislabelled(data: bytes, decoded: str) -> bool:
    """Whether replacement characters are too many to be a stray bad byte or two."""
    bad = decoded.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = sum(1 for byte in data if byte >= 0x80)
    return bad >= 4 and bad * 10 >= non_ascii // 2


def _detect(data: bytes, *, exclude_utf8: bool = False) -> str:
    # Imported lazily: detection is the rare path and the library is slow to load.
    from charset_normalizer import from_bytes

    sample = data[:200_000]
    results = from_bytes(sample, cp_exclusion=["utf_8"] if exclude_utf8 else None)
    readings = [
        _Reading(str(match.encoding), str(match)[:_FIT_SAMPLE], language_code(str(match.language)))
        for match in list(results)[:_CANDIDATES]
    ]
    encoding = _fitting(sample, readings) if readings else "cp1252"
    return data.decode(encoding, errors="replace")


@dataclass(frozen=True)
class _Reading:
    """One way of decoding the bytes: its codec, the text it gives, charset-normalizer's language for it."""

    encoding: str
    text: str
    guessed_language: str = ""

    def foreign_letters(self, fallback_language: str) -> int | None:
        """Letters and symbols the language of this reading never writes (see `letters.py`)."""
        from briefer.core.extract.language import detect

        language = detect(self.text) or self.guessed_language or fallback_language
        return foreign_letters(self.text, language)


def _fitting(sample: bytes, readings: list[_Reading]) -> str:
    """Of charset-normalizer's readings (best first), the one whose letters fit the text's language.

    Each reading is weighed in the language it is in (Briefer's detection, else
    charset-normalizer's guess for a short text): the fewest letters that
    language never writes wins, ties going to charset-normalizer's order.  The
    code pages of the best reading's language are weighed too: charset-normalizer
    does not always propose them (Croatian in ISO-8859-2, Latvian in windows-1257).
    A best reading that fits, or whose language Briefer cannot judge, is kept.
    """
    from briefer.core.extract.language import detect

    best = readings[0]
    language = detect(best.text) or best.guessed_language
    if not best.foreign_letters(language):  # None (cannot judge) or 0 (fits)
        return best.encoding
    proposed = {reading.encoding for reading in readings}
    readings = readings + [
        _Reading(encoding, text, language)
        for encoding in code_pages(language)
        if encoding not in proposed and (text := _strictly(sample, encoding)) is not None
    ]
    weighed = [(r.foreign_letters(language), rank, r.encoding) for rank, r in enumerate(readings)]
    return min((foreign, rank, encoding) for foreign, rank, encoding in weighed if foreign is not None)[2]


def _strictly(sample: bytes, encoding: str) -> str | None:
    try:
        return sample.decode(encoding)[:_FIT_SAMPLE]
    except UnicodeDecodeError:
        return None
