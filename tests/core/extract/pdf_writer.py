"""Multi-page PDFs with text placed where a test says: running headers, footers, headings, fonts.

A hand-written PDF (no PDF library needed): each line is shown at its own position in Helvetica
(F1) or Helvetica-Bold (F2), which PDFium reports with their sizes and weights.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.core.format_fixtures import pdf_file

PAGE_HEIGHT = 792


@dataclass(frozen=True)
class Text:
    """One line of text: `y` is its baseline in points from the page's bottom."""

    text: str
    y: float
    x: float = 72
    size: float = 10
    bold: bool = False


def body_lines(lines: list[str], *, top: float = 700, pitch: float = 12, size: float = 10) -> list[Text]:
    """Lines of body text going down from `top`; "" leaves a blank line (a paragraph gap)."""
    placed = []
    y = top
    for line in lines:
        if line:
            placed.append(Text(line, y, size=size))
        y -= pitch
    return placed


def make_layout_pdf(
    pages: list[list[Text]], *, info: dict[str, str] | None = None, shift: float = 0
) -> bytes:
    """The pages with their texts; `shift` moves every page box and text up by that many points
    (a page box need not start at 0)."""
    objects: list[bytes] = []
    page_ids = []
    fonts_id = 3 + 2 * len(pages)
    for number, texts in enumerate(pages):
        page_id, content_id = 3 + 2 * number, 4 + 2 * number
        page_ids.append(page_id)
        ops = []
        for text in texts:
            escaped = text.text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            font = "F2" if text.bold else "F1"
            ops.append(f"BT /{font} {text.size:g} Tf {text.x:g} {text.y + shift:g} Td ({escaped}) Tj ET")
        stream = "\n".join(ops).encode("cp1252")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 {shift:g} 612 {PAGE_HEIGHT + shift:g}] "
            f"/Contents {content_id} 0 R "
            f"/Resources << /Font {fonts_id} 0 R >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    catalog = b"<< /Type /Catalog /Pages 2 0 R >>"
    tree = f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode()
    regular, bold = fonts_id + 1, fonts_id + 2
    fonts = f"<< /F1 {regular} 0 R /F2 {bold} 0 R >>".encode()
    font = "<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>"
    entries = " ".join(f"/{key} ({value})" for key, value in (info or {}).items())
    all_objects = [
        catalog, tree, *objects, fonts,
        font.format("Helvetica").encode(), font.format("Helvetica-Bold").encode(),
        f"<< {entries} >>".encode("cp1252"),
    ]  # fmt: skip
    return pdf_file(all_objects)
