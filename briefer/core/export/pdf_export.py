"""PDF from the exported Word document, through LibreOffice headless.

The .docx is made first (the one export, with its release gate), then
`soffice --headless --convert-to pdf` lays it out, in a private LibreOffice
profile per conversion: two conversions sharing a profile fail silently.
LibreOffice is optional: without it, LibreOfficeMissing says so and which
package provides it, and each front end words how to install it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
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


def _run(command: list[str], timeout: float) -> tuple[int, bytes]:
    """Run LibreOffice in a process group of its own: on a time-out the whole group is killed (the
    `soffice` script starts soffice.bin, which would otherwise live on)."""
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
    except OSError as exc:
        raise ConversionFailed(f"LibreOffice could not be started: {exc.strerror or exc}") from None
    with process:
        try:
            _, errors = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.communicate()
            raise ConversionFailed(f"LibreOffice did not finish the PDF within {timeout:.0f} s") from None
    return process.returncode, errors


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if hasattr(os, "killpg"):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    else:  # Windows: no process groups to kill
        process.kill()


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
        status, errors = _run(command, timeout)
        pdf = folder / "document.pdf"
        if status != 0 or not pdf.exists():
            detail = errors.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
            raise ConversionFailed(f"LibreOffice made no PDF (exit status {status}: {detail[0]})")
        atomic_write.write_bytes(out, pdf.read_bytes())
