"""MIME types Briefer puts in drags and on the clipboard, around the core's JSON payloads.

Every drag also offers text/plain, so dropping into another program pastes
the quote with its citation.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication

from briefer.core.briefing import clipboard
from briefer.core.briefing.model import Excerpt

EXCERPTS = "application/vnd.briefer.excerpts+json"  # new material from the archive: copied in
NODES = "application/vnd.briefer.nodes+json"  # blocks and sections of a briefing: moved by id

Node = clipboard.Node


def excerpts_to_mime(excerpts: Sequence[Excerpt]) -> QMimeData:
    data = QMimeData()
    data.setData(EXCERPTS, clipboard.excerpts_payload(list(excerpts)))
    data.setText("\n\n".join(clipboard.quote_with_citation(e) for e in excerpts))
    return data


def excerpts_from_mime(data: QMimeData) -> list[Excerpt]:
    """The excerpts with fresh ids; raises clipboard.PayloadError when unreadable."""
    return clipboard.excerpts_from_payload(bytes(data.data(EXCERPTS).data()))


def nodes_to_mime(briefing_id: str, nodes: Sequence[Node]) -> QMimeData:
    data = QMimeData()
    data.setData(NODES, clipboard.nodes_payload(briefing_id, list(nodes)))
    data.setText("\n\n".join(clipboard.node_text(n) for n in nodes))
    return data


def nodes_from_mime(data: QMimeData) -> clipboard.NodesPayload:
    return clipboard.nodes_from_payload(bytes(data.data(NODES).data()))


def has_briefing_material(data: QMimeData | None) -> bool:
    return data is not None and (data.hasFormat(EXCERPTS) or data.hasFormat(NODES))


def release_clipboard() -> None:
    """Leave only plain text on the clipboard when Briefer's own data is there (call before quitting).

    A QMimeData made in Python and still held by the clipboard when the
    application object is destroyed crashes PySide at exit; the quote with its
    citation, as text, is what other programs use anyway.
    """
    clipboard = QGuiApplication.clipboard()
    if has_briefing_material(clipboard.mimeData()):
        clipboard.setText(clipboard.text())
