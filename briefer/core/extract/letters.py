"""Which letters a language writes, and the 8-bit code pages its texts were saved in.

The evidence that tells two code pages apart: Czech in ISO-8859-2 read as
windows-1250 turns `ž` into `ľ`, Turkish in windows-1254 read as windows-1252
turns the dotless i into `ý`.  Both readings are letters, so only the language
can say which is right: a reading that puts into a text letters its language
never writes (or symbols inside its words) is the wrong one.
"""

from __future__ import annotations

import re
from functools import cache

_CENTRAL = ("cp1250", "iso8859_2")
_WESTERN = ("cp1252", "iso8859_15")
_BALTIC = ("cp1257", "iso8859_13", "iso8859_4")
_TURKISH = ("cp1254", "iso8859_9")
# Latin-script languages: the letters each writes beyond a-z, and its code pages, the usual first.
_LANGUAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "cs": ("áčďéěíňóřšťúůýž", _CENTRAL),
    "sk": ("áäčďéíĺľňóôŕšťúýž", _CENTRAL),
    "pl": ("ąćęłńóśźż", _CENTRAL),
    "hu": ("áéíóöőúüű", _CENTRAL),
    "sl": ("čšž", _CENTRAL),
    "hr": ("čćđšž", _CENTRAL),
    "bs": ("čćđšž", _CENTRAL),
    "ro": ("ăâîșşțţ", (*_CENTRAL, "iso8859_16")),
    "sq": ("çë", (*_CENTRAL, *_WESTERN)),
    "tr": ("çğıİöşüâîû", _TURKISH),
    "az": ("çəğıİöşü", _TURKISH),
    "de": ("äöüß", _WESTERN),
    "fr": ("àâæçéèêëîïôœùûüÿ", _WESTERN),
    "es": ("áéíñóúü", _WESTERN),
    "ca": ("àçéèíïòóúü", _WESTERN),
    "pt": ("áâãàçéêíóôõú", _WESTERN),
    "it": ("àèéìíîòóùú", _WESTERN),
    "nl": ("áéèëïóöü", _WESTERN),
    "sv": ("åäöé", _WESTERN),
    "da": ("æøåé", _WESTERN),
    "no": ("æøåéèóôò", _WESTERN),
    "nb": ("æøåéèóôò", _WESTERN),
    "nn": ("æøåéèóôò", _WESTERN),
    "fi": ("äöåšž", _WESTERN),
    "is": ("áðéíóúýþæö", _WESTERN),
    "et": ("äõöüšž", (*_BALTIC, *_WESTERN)),
    "lv": ("āčēģīķļņšūž", _BALTIC),
    "lt": ("ąčęėįšųūž", _BALTIC),
}
# charset-normalizer names the language of each reading it proposes: the evidence left when a text is
# too short for Briefer's own detection.
_BY_NAME = {
    "Czech": "cs", "Slovak": "sk", "Polish": "pl", "Hungarian": "hu", "Slovene": "sl", "Croatian": "hr",
    "Romanian": "ro", "Turkish": "tr", "German": "de", "French": "fr", "Spanish": "es", "Portuguese": "pt",
    "Italian": "it", "Dutch": "nl", "Swedish": "sv", "Danish": "da", "Norwegian": "no", "Finnish": "fi",
    "Estonian": "et", "Lithuanian": "lt",
}  # fmt: skip
_LETTER = r"[^\W\d_]"
_ACCENT = "[\u00a8\u00af\u00b4\u00b8\u02c7\u02d8\u02d9\u02db\u02dd]"  # accents standing alone
_C1_CONTROL = "[\x80-\x9f]"  # bytes a code page leaves undefined, in no text


def language_code(name: str) -> str:
    """charset-normalizer's name of a language ("Turkish") as its ISO 639 code, or ""."""
    return _BY_NAME.get(name, "")


def code_pages(language: str) -> tuple[str, ...]:
    """The 8-bit code pages texts in `language` are saved in (Python codec names), or ()."""
    return _LANGUAGES[language][1] if language in _LANGUAGES else ()


@cache
def _foreign(language: str) -> re.Pattern[str]:
    own = _LANGUAGES[language][0]
    letter = f"[^\\W\\d_a-zA-Z{re.escape(own + own.upper())}]"  # a letter, not one of a-z or the language's
    symbol = f"(?<={_LETTER})[^\\w\\s\\x00-\\x7f](?={_LETTER})"  # "‰" in "V‰lisminister": a misread letter
    accent = f"(?<={_LETTER}){_ACCENT}|{_ACCENT}(?={_LETTER})"  # "¨okolaad": a letter's code in another page
    return re.compile(f"{letter}|{symbol}|{accent}|{_C1_CONTROL}")


def foreign_letters(text: str, language: str) -> int | None:
    """How many characters of `text` are no letter its `language` writes: letters of other languages,
    symbols inside words, lone accents beside letters, C1 controls.  None when Briefer does not know the
    language's letters."""
    if language not in _LANGUAGES:
        return None
    return len(_foreign(language).findall(text))
