"""What a PDF says about itself beyond its text: outlet, title and date from its metadata and page 1.

The Info dictionary is often empty or names a tool ("Microsoft Word", "LaTeX with hyperref"), while
page 1 names the publisher ("Congressional Research Service") and sets the title in the largest
font. These rules take a value only when it reads like one; else the field stays as it was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefer.core.extract.pdf_layout import Line, Page, at_edge

MAX_NAME = 120  # characters: a longer line or /Creator is no publisher's name
_AFTER_NAME = " \t0123456789|\u00b7,-"  # what follows a name in a running header ("... Service 2")
TITLE_FONT = 2.0  # points above the body size that make page 1's largest lines its title
_ORG_WORDS = (
    "academy|administration|agency|association|authority|bank|board|bureau|center|centre|college|"
    "commission|committee|corporation|council|department|division|foundation|fund|group|institute|"
    "institution|laboratory|library|ministry|office|organisation|organization|programme|service|society|"
    "survey|university"
)
_NAME_WORD = r"(?:[A-Z][\w'&.\u2019-]*|of|for|and|on|the|&|de|du|des|la|le|für|und)"
_ORG_NAME = rf"(?:The\s+)?[A-Z][\w'&.\u2019-]*(?:\s+{_NAME_WORD}){{0,7}}\s+(?i:{_ORG_WORDS})\b"
_ORG_LINE = re.compile(rf"^{_ORG_NAME}$")
_PREPARED_BY = re.compile(
    rf"\b(?:document|report|paper|brief|publication)\s+(?:was|is)\s+(?:prepared|published|issued)\s+by\s+"
    rf"(?:the\s+)?({_ORG_NAME})"
)
# Tools, not publishers: a /Creator naming one of these is no outlet.
_TOOL = re.compile(
    r"(?i)\b(word|writer|excel|powerpoint|acrobat|distiller|pdf\w*|latex|tex|indesign|quark|framemaker|"
    r"office|libreoffice|openoffice|microsoft|adobe|google|docs|chrome|chromium|mozilla|firefox|safari|"
    r"printer|print|ghostscript|itext|quartz|skia|cairo|mac|windows|apple|pages|scanner|scan|"
    r"converter|version|v\d)\b|[®™©]|\d+\.\d+"
)


def outlet(creator: str, first_page: Page, running: Sequence[str], text: str, title: str) -> str:
    """The publisher: a /Creator that names one, else an organisation named in page 1's top or
    bottom margin or in a running header ("Congressional Research Service 2"), else "prepared by
    the ..." in the text. Page 1's body is not searched (its headings name organisations too),
    nor is the title taken (a running header often repeats it)."""
    if _meaningful_creator(creator):
        return " ".join(creator.split())
    edges = [line.text for line in first_page.lines if _in_margin(line, first_page)]
    for candidate in edges + list(running):
        if len(candidate) > MAX_NAME:
            continue
        name = " ".join(candidate.rstrip(_AFTER_NAME).split())
        if _ORG_LINE.match(name) and name.casefold() != " ".join(title.split()).casefold():
            return name
    found = _PREPARED_BY.search(text)
    return " ".join(found[1].split()) if found else ""


def _in_margin(line: Line, page: Page) -> bool:
    return line.baseline is not None and at_edge(line.baseline, page)


def _meaningful_creator(creator: str) -> bool:
    if len(creator) > MAX_NAME or not 1 <= len(creator.split()) <= 8:
        return False
    return any(ch.isalpha() for ch in creator) and not _TOOL.search(creator)


def title_from_layout(first_page: Page, body_size: float) -> str:
    """Page 1's lines in its largest font, when that font is clearly larger than the body's."""
    lines = [line for line in first_page.lines if line.text.strip()]
    if not lines or not body_size:
        return ""
    largest = max((line.size for line in lines if any(ch.isalpha() for ch in line.text)), default=0.0)
    if largest < body_size + TITLE_FONT:
        return ""
    title: list[str] = []
    for line in lines:
        if abs(line.size - largest) < 0.5 and any(ch.isalpha() for ch in line.text):
            title.append(line.text.strip())
        elif title:
            break
    return " ".join(" ".join(title).split())[:200]


def first_lines(first_page: Page, count: int = 12) -> list[str]:
    return [line.text.strip() for line in first_page.lines[:count] if line.text.strip()]
