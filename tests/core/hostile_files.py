"""Hostile files, built in memory or in a folder the caller owns: the bombs and adversarial inputs of
tests/core/test_parser_limits.py, also fed to a whole import by `make stress` (tests/stress/run.py)."""

from __future__ import annotations

import contextlib
import io
import random
import subprocess
import time
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

ADVERSARIAL_MARKDOWN: dict[str, Callable[[int], bytes]] = {
    "brackets": lambda n: b"[" * n,
    "links never closed": lambda n: b"[a](" * (n // 4),
    "images never closed": lambda n: b"![a](b " * (n // 7),
    "stars": lambda n: b"*" * n,
    "underscores": lambda n: b"_" * n,
    "bold never closed": lambda n: b"**a __b " * (n // 8),
    "backticks": lambda n: b"`" * n,
    "a heading of hashes": lambda n: b"# " + b"#" * (n - 3) + b"x",
    "hashes without end": lambda n: b"# " + b"# " * (n // 2),
    "nested lists and quotes": lambda n: b"".join(
        b"> " * (i % 40) + b"- " * (i % 7) + b"[*item*](x) __y__\n" for i in range(n // 100)
    ),
}

ADVERSARIAL_MAIL: dict[str, Callable[[int], bytes]] = {
    "a subject of encoded words": lambda n: b"Subject: " + b"=?utf-8?q?a?= " * (n // 14) + b"\n\nbody\n",
    "a sender of many addresses": lambda n: b"From: " + b"a <b@c>, " * (n // 9) + b"\nSubject: s\n\nbody\n",
    "a forwarded message with a long subject": lambda n: (
        b"Subject: outer\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n"
        b"--b\nContent-Type: message/rfc822\n\nSubject: "
        + b"=?utf-8?q?a?= " * (n // 14)
        + b"\n\ninner\n--b--\n"
    ),
}


def docx_of_empty_paragraphs(path: Path, paragraphs: int) -> Path:
    """A Word file whose document.xml repeats one paragraph (63 MB from 1.8 million), compressed
    well; with `noise`, an incompressible part keeps the whole under 200 times its size."""
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
        '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    body = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>" * paragraphs
    document = (
        b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
        b'wordprocessingml/2006/main"><w:body>' + body + b"</w:body></w:document>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        package.writestr("[Content_Types].xml", types)
        package.writestr("_rels/.rels", rels)
        package.writestr("word/document.xml", document)
    return path


def with_noise(path: Path, size: int) -> Path:
    """The package with an incompressible part of `size` bytes added (an image, say)."""
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as package:
        package.writestr("word/media/noise.bin", random.Random(7).randbytes(size))
    return path


def pdf_of(objects: dict[int, bytes]) -> bytes:
    """A PDF of these numbered objects (1 is the catalog), with its cross-reference table."""
    out, offsets = b"%PDF-1.4\n", {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    size = max(objects) + 1
    table = b"".join(
        b"%010d 00000 n \n" % offsets[n] if n in offsets else b"0000000000 65535 f \n" for n in range(1, size)
    )
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n%s" % (size, table)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)


def stream_of(dictionary: bytes, content: bytes) -> bytes:
    return dictionary + b" /Length %d >>\nstream\n%s\nendstream" % (len(content), content)


def page_pdf(width_pt: int, height_pt: int, resources: bytes = b"", content: bytes = b"") -> dict[int, bytes]:
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << %s >> /Contents 4 0 R >>"
        % (width_pt, height_pt, resources),
        4: stream_of(b"<<", content),
    }


def xobject_bomb(levels: int = 7, fan: int = 10) -> bytes:
    """A 2 KB PDF whose page draws a form that draws the one below it `fan` times, `levels` deep:
    10 million lines of text to lay out (PDFium wanted GBs, and aborts when an allocation fails)."""
    objects = page_pdf(600, 800, b"/XObject << /X %d 0 R >>" % (10 + levels), b"/X Do")
    objects[5] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    form = b"<< /Type /XObject /Subtype /Form /BBox [0 0 600 800] /Resources << %s >>"
    objects[10] = stream_of(
        form % b"/Font << /F1 5 0 R >>", b"BT /F1 12 Tf 10 10 Td (Hello world lorem) Tj ET"
    )
    for level in range(1, levels + 1):
        objects[10 + level] = stream_of(form % b"/XObject << /X %d 0 R >>" % (9 + level), b"/X Do " * fan)
    return pdf_of(objects)


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def eml_with(subject: str, attachments: dict[str, bytes]) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", subject
    message["Date"] = "Mon, 01 Jan 2024 10:00:00 +0000"
    message.set_content(f"{subject}: see the attachments.")
    for name, data in attachments.items():
        kind = ("application", "zip") if name.endswith(".zip") else ("text", "plain")
        message.add_attachment(data, maintype=kind[0], subtype=kind[1], filename=name)
    return message.as_bytes()


def random_words(count: int, seed: int) -> bytes:
    rng = random.Random(seed)
    return " ".join(
        rng.choice(("alpha", "bravo", "delta", "kilo", "oscar", "tango")) for _ in range(count)
    ).encode()


# -- a folder of bombs, for `make stress` ------------------------------------------------------------
BOMB_MAX_PEAK = 3 * 1024 * 1024 * 1024  # the import's processes together (parent and two workers)
MEMBERS = "failed: stopped after 10,000 members (the members limit per file)"
RATIO = "failed: expands beyond 200 times its own size (a zip bomb?)"
TIME_OR_MEMORY = ("failed: took longer than", "failed: needed more than")


def make_bombs(folder: Path, rng: random.Random) -> dict[str, tuple[str, ...]]:
    """Write bombs of random sizes to `folder`; returns what each file's status must start with
    (the default limits: 10,000 members, 1 GB and 200 times a file's size unpacked, 2 GB, 30 s)."""
    folder.mkdir(parents=True)
    expected: dict[str, tuple[str, ...]] = {}

    def bomb(name: str, data: bytes, *wanted: str) -> None:
        (folder / name).write_bytes(data)
        expected[name] = wanted

    line = b"The same line again. " * rng.randint(40_000, 49_000)  # each member under 1 MB
    bomb("ratio.zip", zip_of({f"{n:03}.txt": line + b"%d" % n for n in range(rng.randint(250, 400))}), RATIO)
    bomb("members.zip", zip_of({f"{n:05}.dat": b"x" for n in range(rng.randint(10_100, 12_000))}), MEMBERS)
    mails = {
        f"{m:03}.eml": eml_with(f"Mail {m}", {f"{k:03}.dat": b"%d" % k for k in range(120)})
        for m in range(rng.randint(85, 100))
    }  # 121 members each: past 10,000 together
    bomb("nested-members.zip", zip_of(mails), MEMBERS)
    member = b"Shells moved by rail again. " * 33_000
    zips = {
        f"part{z}.zip": zip_of({f"{n:02}.txt": member + b"%d %d" % (z, n) for n in range(30)})
        for z in (1, 2, 3)
    }
    bomb("three-zips.eml", eml_with("Three zips", zips), "imported")  # its zips' members: skipped, bounded
    message = b"From a@example.org Mon Jan  1 00:00:00 2024\nSubject: Note %d\n\nNote number %d.\n"
    bomb("box.mbox", b"".join(message % (n, n) for n in range(rng.randint(10_050, 10_500))), MEMBERS)
    bomb(
        "years.mbox",
        b"From someone@example.org " + b"2024 " * rng.randint(200_000, 400_000),
        "failed: not an mbox",
    )
    docx = docx_of_empty_paragraphs(folder / "ratio.docx", rng.randint(1_500_000, 1_900_000))
    expected[docx.name] = ("failed: refused: expands beyond 200 times",)
    heavy = with_noise(docx_of_empty_paragraphs(folder / "heavy.docx", 1_800_000), 500_000)
    expected[heavy.name] = TIME_OR_MEMORY
    bomb("xobjects.pdf", xobject_bomb(levels=rng.randint(7, 8)), *TIME_OR_MEMORY)
    bomb("huge-page.pdf", pdf_of(page_pdf(20000 * 72, 20000 * 72)), "failed: no text layer (scanned)")
    for kind, make in ADVERSARIAL_MARKDOWN.items():
        bomb(f"{kind.replace(' ', '-')}.md", make(rng.randint(1, 2) * 1024 * 1024), "imported")
    for kind, make in ADVERSARIAL_MAIL.items():
        bomb(f"{kind.replace(' ', '-')}.eml", make(rng.randint(1, 2) * 1024 * 1024), "imported")
    bomb("good.txt", b"Title: Good\n\nShells moved by rail.\n", "imported")
    return expected


def run_watched(command: list[str]) -> tuple[int, int]:
    """Run `command`; its exit status and the peak resident memory of its processes together."""
    import psutil

    peak = 0
    with psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
        while process.poll() is None:
            with contextlib.suppress(psutil.Error):
                tree = [process, *process.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            time.sleep(0.1)
    return process.returncode, peak
