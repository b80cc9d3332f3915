"""Icons: the platform's themed icon where it has one, else the SVG bundled in resources/icons/.

The bundled icons are drawn for Briefer (24-unit grid, mid grey with a blue accent, legible on
light and dark palettes); `icons:` is the search path `create_application` sets up.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap

# The block kinds of a briefing (`Block.kind`) and their bundled icons.
BLOCK_ICON_FILES = {
    "excerpt": "excerpt.svg",
    "paragraph": "paragraph.svg",
    "key_judgment": "key-judgment.svg",
    "bullet_list": "bullet-list.svg",
    "matrix_cell": "matrix-cell.svg",
}
# The outline's block icons are two squares wide: the block's kind, then a badge (an excerpt's
# verification state, ...) or nothing; so every block's text starts at the same place.
BLOCK_ICON_SIZE = QSize(32, 16)
_SQUARE = 32  # pixels of one square of the drawing (scaled down to the view's icon size)

_cache: dict[tuple[str, ...], QIcon] = {}


def bundled(name: str) -> QIcon:
    """An icon of resources/icons/ by file name."""
    key = ("bundled", name)
    if key not in _cache:
        _cache[key] = QIcon(f"icons:{name}")
    return _cache[key]


def themed(theme_name: str, fallback: str) -> QIcon:
    """The platform theme's `theme_name` icon (a freedesktop name), else the bundled `fallback`."""
    key = ("themed", theme_name, fallback)
    if key not in _cache:
        _cache[key] = QIcon.fromTheme(theme_name, bundled(fallback))
    return _cache[key]


def block_icon(kind: str, badge: QIcon | None = None, badge_key: str = "") -> QIcon:
    """The outline's icon for a block of `kind` (`Block.kind`), `badge` beside it (`badge_key`
    names the badge for the cache): what the block is and its state, at a glance."""
    key = ("block", kind, badge_key if badge is not None else "")
    if key not in _cache:
        pixmap = QPixmap(2 * _SQUARE, _SQUARE)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        margin = _SQUARE // 16
        square = QRect(margin, margin, _SQUARE - 2 * margin, _SQUARE - 2 * margin)
        bundled(BLOCK_ICON_FILES.get(kind, "paragraph.svg")).paint(painter, square)
        if badge is not None:
            badge.paint(painter, square.translated(_SQUARE, 0))
        painter.end()
        icon = QIcon(pixmap)
        icon.addPixmap(pixmap, QIcon.Mode.Selected)  # as drawn: Qt's tint would wash the colours out
        _cache[key] = icon
    return _cache[key]
