"""Render Briefer's application icon into every size and format the installers need.

    python scripts/build_icons.py          (offscreen; needs only PySide6, already installed)

Sources (SVG, written for Briefer):
  resources/icons/briefer.svg          the icon, 512-unit grid; also the window icon at run time
  packaging/icons/briefer-small.svg    the same icon redrawn on a 16-pixel grid for 16-24 pixels

Output (committed, so a build needs no renderer):
  packaging/icons/hicolor/NxN/apps/APP_ID.png   N = 16 22 24 32 48 64 128 256 512 (Linux)
  packaging/icons/hicolor/scalable/apps/APP_ID.svg
  packaging/icons/briefer.ico                   16-256 px, PNG-compressed entries (Windows)
  packaging/icons/briefer.icns                  16-1024 px incl. @2x (macOS)
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

REPO = Path(__file__).resolve().parents[1]
APP_ID = "org.briefer.Briefer"  # keep in step with packaging/linux/*.desktop and *.metainfo.xml
ICON = REPO / "resources" / "icons" / "briefer.svg"
SMALL_ICON = REPO / "packaging" / "icons" / "briefer-small.svg"
OUT = REPO / "packaging" / "icons"

HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
SMALL_UP_TO = 24  # sizes up to this use the 16-pixel drawing
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (the @2x variants share a size with others).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"ic11", 32),  # 16@2x
    (b"icp5", 32),
    (b"ic12", 64),  # 32@2x
    (b"ic07", 128),
    (b"ic13", 256),  # 128@2x
    (b"ic08", 256),
    (b"ic14", 512),  # 256@2x
    (b"ic09", 512),
    (b"ic10", 1024),  # 512@2x
)


def render(svg: Path, size: int) -> QImage:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG for Qt")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(size: int) -> bytes:
    image = render(SMALL_ICON if size <= SMALL_UP_TO else ICON, size)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit(f"cannot encode a {size} px PNG")
    buffer.close()
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico whose entries are PNGs (Windows Vista and later read them)."""
    header = struct.pack("<HHH", 0, 1, len(ICO_SIZES))
    directory = b""
    offset = 6 + 16 * len(ICO_SIZES)
    body = b""
    for size in ICO_SIZES:
        data = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset + len(body))
        body += data
    return header + directory + body


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns of PNG elements."""
    elements = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(elements)) + elements


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841 - QPainter needs a GUI application
    sizes = sorted({*HICOLOR_SIZES, *ICO_SIZES, *(size for _, size in ICNS_TYPES)})
    pngs = {size: png_bytes(size) for size in sizes}
    for size in HICOLOR_SIZES:
        target = OUT / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pngs[size])
    scalable = OUT / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ICON, scalable)
    (OUT / "briefer.ico").write_bytes(ico(pngs))
    (OUT / "briefer.icns").write_bytes(icns(pngs))
    print(f"wrote {len(HICOLOR_SIZES)} PNG sizes, the scalable SVG, briefer.ico and briefer.icns to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
