"""The HTML body of a briefing's e-mail: the exported document as a page (html_export.py).

It carries what a recipient reads first, the banner, title and key
judgments, then a contents list whose entries link to the sections below it,
the sections and the notes, all from the very .docx the message attaches.
The plain-text alternative stays mail.summary_text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from briefer.core.export import html_export


def attached_names(names: Sequence[str]) -> str:
    """ "a.docx", "a.docx and a.pdf" """
    return " and ".join(names)


def html_body(docx: Path, attachments: Sequence[str]) -> str:
    """The page of the exported `docx`, with a line naming the attached files above it."""
    note = f"The full briefing, with its sources, is attached as {attached_names(attachments)}."
    return html_export.render(docx.read_bytes(), note=note)
