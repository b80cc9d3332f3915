"""How document metadata reads in the window: dates in the user's locale, one meta line."""

from __future__ import annotations

import html
import zlib
from datetime import datetime

from PySide6.QtCore import QDate, QLocale
from PySide6.QtGui import QColor, QPalette, Qt

from briefer.core.documents import Document
from briefer.core.textnorm import strip_bidi

SEPARATOR = " \u00b7 "  # a middle dot between outlet, date and author


TAG_TEXT = QColor(20, 20, 20)  # dark text on a light chip: readable in a light and a dark palette


def tag_colour(tag: str) -> QColor:
    """A tag's colour: the same wherever the window shows the tag, in every session (a hue from
    its name), light enough for dark text in any palette."""
    return QColor.fromHsl(zlib.crc32(tag.encode("utf-8")) % 360, 150, 205).toRgb()


def format_date(when: datetime | None, *, long: bool = False) -> str:
    """The calendar date in the user's locale ("13 Sep 2023", or "13 September 2023" when long)."""
    if when is None:
        return ""
    date = QDate(when.year, when.month, when.day)
    return QLocale().toString(date, "d MMMM yyyy" if long else "d MMM yyyy")


def display_title(document: Document) -> str:
    """The title as the window shows it: one line no bidirectional control can reorder (textnorm)."""
    return strip_bidi(document.title or document.path)


def meta_line(document: Document, *, long: bool = False) -> str:
    """Outlet, date and author, whichever are known, in that order."""
    parts = [document.source, format_date(document.published, long=long), document.author]
    return SEPARATOR.join(strip_bidi(p) for p in parts if p)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count == 1 else plural_form or singular + "s"
    return f"{count:,} {word}"


def muted_color(palette: QPalette) -> QColor:
    """Secondary text: the text colour faded towards the background, opaque (rich text has no alpha)."""
    text = palette.color(QPalette.ColorRole.Text)
    base = palette.color(QPalette.ColorRole.Base)
    return QColor(
        round(text.red() * 0.6 + base.red() * 0.4),
        round(text.green() * 0.6 + base.green() * 0.4),
        round(text.blue() * 0.6 + base.blue() * 0.4),
    )


TOOLTIP_CHARS = 1_000  # a tooltip is a preview, and a document's text can run to megabytes


def plain_tooltip(text: str) -> str:
    """`text` as a tooltip that shows exactly its characters.

    Qt shows a tooltip that merely looks like HTML (`Qt.mightBeRichText`) as
    rich text, and loads its <img> sources, file: URLs included: such text is
    escaped inside a paragraph, which Qt shows literally.  Text from documents,
    feeds and briefing files is shown in tooltips through here.
    """
    if len(text) > TOOLTIP_CHARS:
        text = text[: TOOLTIP_CHARS - 1].rstrip() + "\u2026"
    if not Qt.mightBeRichText(text):
        return text
    return f"<p style='white-space:pre-wrap'>{html.escape(text, quote=False)}</p>"
