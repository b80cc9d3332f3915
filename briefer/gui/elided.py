"""Text cut to a few lines: wrapped at a width, the last line elided when more would follow.

One rule for every place that shows a title or a citation in a bounded space (a result's
title, the excerpt editor's Source): the full text goes in the tooltip when it was cut.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPaintEvent, QResizeEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from briefer.gui.formatting import plain_tooltip


def wrapped_lines(
    text: str,
    font: QFont,
    width: int,
    max_lines: int,
    elide: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
) -> tuple[list[str], bool]:
    """`text` wrapped at `width` pixels in at most `max_lines` lines, and whether it was cut: its
    last line then holds the rest elided by `elide` (ElideMiddle keeps the text's end in view)."""
    text = text.replace("\n", " ")
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    starts: list[int] = []
    layout.beginLayout()
    while len(starts) <= max_lines:  # one line more than shown tells whether the text goes on
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(1, width))
        starts.append(line.textStart())
    layout.endLayout()
    if not starts:
        return [], False
    cut = len(starts) > max_lines
    starts = starts[:max_lines]
    ends = [*starts[1:], len(text)]
    lines = [text[a:b].rstrip() for a, b in zip(starts, ends, strict=True)]
    if cut:
        rest = text[starts[-1] :].strip()
        lines[-1] = QFontMetrics(font).elidedText(rest, elide, max(1, width))
    return lines, cut


class ElidedLabel(QLabel):
    """A plain-text label of at most `max_lines` lines: `text()` stays the whole text, the last
    shown line is elided when it does not fit, and the tooltip then holds the whole text."""

    def __init__(self, max_lines: int = 3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.max_lines = max_lines
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)  # Qt asks heightForWidth
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def lines(self) -> tuple[list[str], bool]:
        """The lines shown (as many as fit, up to `max_lines`), and whether the text was cut."""
        rect = self.contentsRect()
        fit = max(1, min(self.max_lines, rect.height() // self.fontMetrics().lineSpacing()))
        return wrapped_lines(self.text(), self.font(), rect.width(), fit)

    def heightForWidth(self, width: int) -> int:
        margins = self.contentsMargins()
        inner = width - margins.left() - margins.right()
        count = max(1, len(wrapped_lines(self.text(), self.font(), inner, self.max_lines)[0]))
        return count * self.fontMetrics().lineSpacing() + margins.top() + margins.bottom()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), self.heightForWidth(hint.width()))

    def minimumSizeHint(self) -> QSize:
        # As tall as the lines at the present width need: a form short of room shrinks others.
        width = self.width() if self.width() > 0 else self.sizeHint().width()
        return QSize(self.fontMetrics().averageCharWidth() * 12, self.heightForWidth(width))

    def resizeEvent(self, event: QResizeEvent) -> None:
        before = event.oldSize().width()
        super().resizeEvent(event)
        if self.heightForWidth(before) != self.heightForWidth(self.width()):
            self.updateGeometry()  # the text needs another number of lines at this width
        self._update_tooltip()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tooltip()
        self.updateGeometry()

    def _update_tooltip(self) -> None:
        self.setToolTip(plain_tooltip(self.text()) if self.lines()[1] else "")

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        rect = self.contentsRect()
        spacing = self.fontMetrics().lineSpacing()
        for number, line in enumerate(self.lines()[0]):
            row = QRect(rect.left(), rect.top() + number * spacing, rect.width(), spacing)
            painter.drawText(row, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), line)
        painter.end()
