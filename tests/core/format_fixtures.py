"""Small files of every format, made by the tests themselves (no corpus needed)."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from pathlib import Path


def make_pdf(pages: list[str], *, title: str = "", author: str = "", created: str = "") -> bytes:
    """A minimal valid PDF, one line of Helvetica text per paragraph; pages with "" have no text at all."""
    objects: list[bytes] = []
    page_ids = []
    font_id = 3 + 2 * len(pages)
    for number, text in enumerate(pages):
        page_id, content_id = 3 + 2 * number, 4 + 2 * number
        page_ids.append(page_id)
        lines = [line for line in text.split("\n")]
        ops = ["BT /F1 11 Tf 14 TL 72 720 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1") if text else b""
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_id} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    catalog = b"<< /Type /Catalog /Pages 2 0 R >>"
    tree = f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode()
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    info_parts = []
    if title:
        info_parts.append(f"/Title ({title})")
    if author:
        info_parts.append(f"/Author ({author})")
    if created:
        info_parts.append(f"/CreationDate ({created})")
    info = ("<< " + " ".join(info_parts) + " >>").encode()
    return pdf_file([catalog, tree, *objects, font, info])


def pdf_file(all_objects: list[bytes]) -> bytes:
    """A PDF of these objects, numbered from 1: the catalog first, the /Info dictionary last."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(all_objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(all_objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(all_objects) + 1, len(all_objects), xref)
    )
    return out.getvalue()


def make_docx(path: Path) -> Path:
    """A Word file with a heading, paragraphs, a table, a footnote and core properties."""
    import docx

    document = docx.Document()
    document.core_properties.title = "Rail shipments to the Far East"
    document.core_properties.author = "Ana Lyst"
    from datetime import datetime

    document.core_properties.created = datetime(2023, 10, 13, 15, 0, 0)
    document.add_heading("Rail shipments", level=1)
    document.add_paragraph("Satellite images show containers at the Tumangang rail terminal.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Date"
    table.cell(0, 1).text = "Containers"
    table.cell(1, 0).text = "2023-10-01"
    table.cell(1, 1).text = "300"
    document.add_paragraph("The count doubled in a week.")
    buffer = io.BytesIO()
    document.save(buffer)
    # python-docx cannot write footnotes: add the part by hand, as Word stores it.
    footnotes = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:id="1"><w:p><w:r><w:t>Imagery dated 1 October 2023.</w:t></w:r></w:p></w:footnote>'
        "</w:footnotes>"
    )
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("word/footnotes.xml", footnotes)
    path.write_bytes(out.getvalue())
    return path


def make_email(*, subject: str, body: str, attachments: list[tuple[str, str, bytes]] = ()) -> bytes:  # type: ignore[assignment]
    message = EmailMessage()
    message["From"] = "Min Park <min.park@harbour.example>"
    message["To"] = "desk@briefer.example"
    message["Subject"] = subject
    message["Date"] = "Thu, 14 Sep 2023 06:00:00 +0900"
    message["Message-ID"] = f"<{abs(hash(subject))}@harbour.example>"
    message.set_content(body)
    for filename, mime, payload in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def make_feed(entries: list[tuple[str, str, str]], *, title: str = "Northern Wire Service") -> bytes:
    """An RSS 2.0 feed; entries are (guid, title, description)."""
    items = "".join(
        f"<item><title>{t}</title><link>https://northernwire.example/{g}</link>"
        f"<guid isPermaLink='false'>{g}</guid><author>desk@northernwire.example (Oskar Brandt)</author>"
        f"<pubDate>Wed, 13 Sep 2023 08:00:00 +0000</pubDate><description>&lt;p&gt;{d}&lt;/p&gt;</description>"
        "</item>"
        for g, t, d in entries
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{title}</title><link>https://northernwire.example</link><language>en</language>"
        f"{items}</channel></rss>"
    ).encode()


def make_mhtml(html: str, *, url: str = "https://harbour.example/seoul-reacts") -> bytes:
    return (
        "From: <Saved by Blink>\r\n"
        f"Snapshot-Content-Location: {url}\r\n"
        "Subject: Seoul reacts\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/related; type="text/html"; boundary="----B"\r\n\r\n'
        "------B\r\n"
        "Content-Type: text/html\r\n"
        "Content-ID: <frame-1@mhtml.blink>\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        f"Content-Location: {url}\r\n\r\n" + html.replace("=", "=3D") + "\r\n------B\r\n"
        "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
        "Content-Location: https://harbour.example/logo.png\r\n\r\niVBORw0KGgo=\r\n"
        "------B--\r\n"
    ).encode()


ARTICLE_HTML = (
    "<html lang='en'><head><meta charset='utf-8'><title>Seoul reacts | Harbour Times</title>"
    "<meta name='author' content='Min Park'><meta property='og:site_name' content='Harbour Times'>"
    "<meta property='article:published_time' content='2023-09-14T06:00:00+09:00'></head><body>"
    "<nav>Home | World</nav><article><h1>Seoul reacts to the summit</h1>"
    "<p>South Korea warned that any arms transfer would violate Security Council resolutions.</p>"
    "<p>Officials in Seoul said they were watching the cosmodrome meeting closely and would "
    "coordinate with Washington and Tokyo on a response.</p></article></body></html>"
)
