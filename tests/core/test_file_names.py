"""The file name Briefer proposes for an export: the title made filename-safe, cut at a word boundary."""

from __future__ import annotations

import pytest

from briefer.core.file_names import MAX_BYTES, MAX_CHARS, export_file_name, file_stem

LONG = (
    "What the Russia\u2013DPRK Summit Means for the US and US Allies in Asia \u2014 "
    "and for the Sanctions Regime"
)
NAMES = {
    # The title: apostrophes and dashes were spaces, and the name was cut mid-phrase.
    "Russia\u2019s Pact With the DPRK \u2014 What It Means for the US and US Allies in Asia and Europe": (
        "Russias Pact With the DPRK - What It Means for the US and US Allies in Asia and.docx"
    ),
    LONG: "What the Russia-DPRK Summit Means for the US and US Allies in Asia - and for the.docx",
    "Russia-DPRK Summit Likely To Deepen Military Cooperation": (
        "Russia-DPRK Summit Likely To Deepen Military Cooperation.docx"
    ),
    "Iran: What's Next?": "Iran Whats Next.docx",
    "Grain & ports": "Grain and ports.docx",
    "Military/security (2024)": "Military-security 2024.docx",
    "COVID-19 -- update #3": "COVID-19 - update 3.docx",
    "../../etc/passwd": "etc-passwd.docx",
    "C:\\Users\\x": "C - Users-x.docx",
    ".hidden": "hidden.docx",
    "Tabs\tand\nlines\r\x00\x1b[31m": "Tabs and lines 31m.docx",
    "\u00c9lys\u00e9e und Stra\u00dfe \u6771\u4eac": "\u00c9lys\u00e9e und Stra\u00dfe \u6771\u4eac.docx",
    "E\u0301tude": "\u00c9tude.docx",  # a decomposed accent is composed, not dropped
    "CON": "CON briefing.docx",  # a Windows device name
    "": "briefing.docx",
    "?!*": "briefing.docx",
    "x" * 200: "x" * MAX_CHARS + ".docx",  # one word: cut inside it
}


@pytest.mark.parametrize(("title", "name"), NAMES.items(), ids=[t[:30] or "empty" for t in NAMES])
def test_the_export_name_keeps_letters_digits_spaces_and_hyphens(title: str, name: str) -> None:
    assert export_file_name(title) == name


@pytest.mark.parametrize(
    "title", [LONG, "\u041a\u0440\u0435\u043c\u043b\u044c " * 40, "\U0001f600 \u6771" * 60]
)
def test_a_long_name_ends_at_a_word_and_fits_any_file_system(title: str) -> None:
    stem = file_stem(title)
    assert len(stem) <= MAX_CHARS and len(stem.encode("utf-8")) <= MAX_BYTES
    assert title.replace("\u2013", "-").replace("\u2014", "-").startswith(stem + " ") or "\U0001f600" in title
    assert not stem.endswith((" ", "-"))
