"""PDF from the exported Word document, through LibreOffice headless.

The .docx is made first (the one export, with its release gate), then
`soffice --headless --convert-to pdf` lays it out, in a private LibreOffice
profile per conversion: two conversions sharing a profile fail silently.
LibreOffice is optional: without it, LibreOfficeMissing says so and which
package provides it, and each front end words how to install it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from briefer.core import atomic_write
from briefer.core.export.docx_export import ExportError

CONVERT_TIMEOUT = 180.0  # seconds: a first start with a fresh profile takes a few
DEBIAN_PACKAGE = "libreoffice-writer-nogui"


class LibreOfficeMissing(ExportError):
    """No LibreOffice (`soffice`) on PATH: a PDF cannot be made.  `package` is the Debian package."""

    def __init__(self) -> None:
        super().__init__("PDF export needs LibreOffice, which is not installed (no soffice on PATH)")
        self.package = DEBIAN_PACKAGE


class ConversionFailed(ExportError):
    """LibreOffice ran but made no PDF (it failed, or took longer than the time allowed)."""


def soffice() -> str:
    """The LibreOffice program to run; LibreOfficeMissing when there is none."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise LibreOfficeMissing()
    return found


def convert_to_pdf(docx: Path, out: Path, *, timeout: float = CONVERT_TIMEOUT) -> None:
    """Lay `docx` out as the PDF `out`, replaced atomically (a failure leaves `out` as it was)."""
    program = soffice()
    with tempfile.TemporaryDirectory(prefix="briefer-pdf-") as scratch:
        folder = Path(scratch)
        source = folder / "document.docx"
        shutil.copyfile(docx, source)  # LibreOffice names its output after its input
        command = [
            program,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ConversionFailed(f"LibreOffice did not finish the PDF within {timeout:.0f} s") from None
        except OSError as exc:
            raise ConversionFailed(f"LibreOffice could not be started: {exc.strerror or exc}") from None
        pdf = folder / "document.pdf"
        if done.returncode != 0 or not pdf.exists():
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
            raise ConversionFailed(f"LibreOffice made no PDF (exit status {done.returncode}: {detail[0]})")
        atomic_write.write_bytes(out, pdf.read_bytes())
