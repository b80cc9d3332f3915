"""The line above the outline: the briefing's title, its banner marking, its excerpt count, and
an "Edit properties" link."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QWidget

from briefer.core.briefing import markings
from briefer.core.briefing.model import BriefingError, Excerpt, walk_sections
from briefer.gui.briefing.model import BriefingModel

PROPERTIES_LINK = "properties"  # the heading's "Edit properties" link


class BriefingHeading(QLabel):
    """Follows the briefing's metadata and content; the link asks for the properties dialog."""

    properties_requested = Signal()

    def __init__(self, model: BriefingModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setObjectName("briefingHeading")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAccessibleName("Briefing title")
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.setOpenExternalLinks(False)
        self.linkActivated.connect(self._on_link)
        model.modelReset.connect(self.refresh)
        model.metadata_changed.connect(self.refresh)
        model.block_changed.connect(self.refresh)
        model.structure_changed.connect(self.refresh)
        self.refresh()

    @Slot(str)
    def _on_link(self, link: str) -> None:
        if link == PROPERTIES_LINK:
            self.properties_requested.emit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.refresh()

    @Slot()
    def refresh(self, *_: object) -> None:
        briefing = self.model.briefing
        try:
            banner = markings.banner(briefing)
        except BriefingError:
            banner = "marking profile unknown"
        count = sum(1 for _, s in walk_sections(briefing) for b in s.blocks if isinstance(b, Excerpt))
        hint = (
            "<br><i>Drag text from the reader or a search result onto a section, or press Ctrl+E.</i>"
            if count == 0
            else ""
        )
        subtitle = briefing.metadata.subtitle
        # The link's colour is written in: a label keeps the colour it was laid out with, so a
        # palette change (the desktop turning dark) would leave a dark-blue link on dark grey.
        link = self.palette().color(QPalette.ColorRole.Link).name()
        self.setText(
            f"<b>{escape(briefing.metadata.title)}</b>"
            + (f"<br>{escape(subtitle)}" if subtitle else "")
            + f"<br><span>{escape(banner)} \u00b7 {count} excerpt{'s' if count != 1 else ''}"
            f" \u00b7 <a href='{PROPERTIES_LINK}' style='color:{link}'>Edit properties</a></span>{hint}"
        )
