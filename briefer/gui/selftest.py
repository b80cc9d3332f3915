"""`briefer --self-test`: prove that this installation works, end to end, in a throwaway folder.

It is the check of a built app (`make check-dist` runs the frozen binary's
self-test) and works the same from a checkout (`.venv/bin/briefer --self-test`):

1. the main window opens (offscreen unless QT_QPA_PLATFORM says otherwise),
   and says how long after the process started: the app's start-up time;
2. keyring finds its backends (a frozen build without keyring's entry-point
   metadata silently falls back to "no keychain");
3. the language model loads (py3langid's data, unpacked to a temporary cache);
4. the window imports the bundled sample archive into a temporary data folder,
   through parser worker processes: in a frozen app each one re-runs the
   executable, which only works when the entry point calls freeze_support();
5. one generated file per format with a native library or data files behind
   its parser (PDF, Word, e-mail, feed, zip) is imported and found;
6. a search typed in the window finds the sample's articles;
7. a small briefing is built from the best hit and saved;
8. it is exported to Word (with its manifest), and 9. the .docx is verified
   as `briefer verify OUT.docx` does (manifest, document text, every quote
   against the archive), and every quote and its footnote are found in it.

Each step prints one line; the first failure stops the test with its reason
and keeps the temporary folder for a look.  Exit status 0 only when all pass.
The user's archive, settings, keychain and caches are never touched.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import shutil
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from briefer import __version__
from briefer.core import paths

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from briefer.core.archive import Archive
    from briefer.core.briefing.model import Briefing
    from briefer.gui.mainwindow import MainWindow

QUERY = "Vostochny"  # in most of the sample's articles
GERMAN = (
    "Die Regierung in Seoul teilte am Mittwoch mit, dass die Lieferungen von Munition über die "
    "Grenze weitergehen und die Gespräche über eine Zusammenarbeit fortgesetzt werden."
)
WINDOW_TIMEOUT = 60.0
IMPORT_TIMEOUT = 300.0  # 24 small files; generous for a busy two-core machine
SEARCH_TIMEOUT = 60.0
# What the offscreen platform says about every window; not a problem.
QT_NOISE = ("This plugin does not support propagateSizeHints", "This plugin does not support raise")
LANGID_ENV = "BRIEFER_CACHE_DIR"


class StepFailed(Exception):
    """A step did not do what it should; the message says what happened instead."""


def seconds_since_process_start() -> float | None:
    """How long this process has run (Linux: from /proc, so a frozen app's loader counts too)."""
    try:
        stat = Path("/proc/self/stat").read_text()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (name) "; field 22 is the start time
    return uptime - int(fields[19]) / ticks


@dataclass
class SelfTest:
    """The steps, run in order against one temporary folder."""

    out: TextIO = sys.stdout
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="briefer-selftest-")))
    app: QApplication | None = None
    window: MainWindow | None = None
    archive: Archive | None = None
    briefing: Briefing | None = None
    docx: Path | None = None
    qt_messages: list[str] = field(default_factory=list)
    previous_qt_handler: Any = field(default=None, init=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    # -- running -------------------------------------------------------------------
    def run(self) -> int:
        started = time.perf_counter()
        frozen = "frozen build" if getattr(sys, "frozen", False) else "Python package"
        self.say(
            f"Briefer {__version__} self-test ({frozen}, Python {sys.version.split()[0]}, {sys.platform}); "
            f"temporary folder {self.root}"
        )
        steps: list[tuple[str, Callable[[], str]]] = [
            ("main window", self.step_window),  # first: its time since the process started is start-up
            ("keyring backends", self.step_keyring),
            ("language model", self.step_language),
            ("sample import", self.step_import),
            ("file formats", self.step_formats),
            ("search", self.step_search),
            ("briefing", self.step_briefing),
            ("Word export", self.step_export),
            ("verification", self.step_verify),
        ]
        failed = ""
        with self._environment():
            for name, step in steps:
                step_started = time.perf_counter()
                try:
                    detail = step()
                except Exception as exc:  # every failure is reported as a step that failed
                    failed = name
                    reason = str(exc) if isinstance(exc, StepFailed) else traceback.format_exc().rstrip()
                    self.say(f"  FAILED  {name}: {reason}")
                    break
                self.say(f"  ok      {name}: {detail} ({time.perf_counter() - step_started:.2f} s)")
            try:
                self._close()
            except Exception:  # closing must not hide the outcome; report it as a failure of its own
                failed = failed or "closing"
                self.say(f"  FAILED  closing: {traceback.format_exc().rstrip()}")
        for message in self.qt_messages:
            self.say(f"  note    Qt: {message}")
        total = time.perf_counter() - started
        if failed:
            self.say(f"self-test FAILED at {failed} after {total:.1f} s; files kept in {self.root}")
            return 1
        shutil.rmtree(self.root, ignore_errors=True)
        self.say(f"self-test passed in {total:.1f} s")
        return 0

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    @contextlib.contextmanager
    def _environment(self) -> Iterator[None]:
        """A private language-model cache (inherited by the parser processes), restored afterwards."""
        previous = os.environ.get(LANGID_ENV)
        os.environ[LANGID_ENV] = str(self.root / "cache")
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop(LANGID_ENV, None)
            else:
                os.environ[LANGID_ENV] = previous

    def _close(self) -> None:
        if self.window is not None:
            self.window.close()  # cancels and waits for background work
            self.window.deleteLater()
            self.window = None
        if self.app is not None:
            self._wait(lambda: True, 1.0, "closing")  # deliver the deferred deletes
        if self.archive is not None:
            self.archive.close()
            self.archive = None
        if self.app is not None:
            from PySide6.QtCore import qInstallMessageHandler

            qInstallMessageHandler(self.previous_qt_handler)

    # -- the steps ------------------------------------------------------------------
    def step_keyring(self) -> str:
        from briefer.core.credentials import check_backend

        names = sorted(ep.name for ep in importlib.metadata.entry_points(group="keyring.backends"))
        if not names:
            raise StepFailed(
                "keyring found no backends (its entry-point metadata is missing from this build): "
                "passwords could never be kept in the system keychain"
            )
        expected = {"linux": "SecretService", "darwin": "macOS", "win32": "Windows"}.get(sys.platform)
        if expected and expected not in names:
            raise StepFailed(f"keyring's {expected} backend is not registered (found {', '.join(names)})")
        status = check_backend(probe=False)  # no probe: never make a desktop show its unlock dialog
        in_use = "usable" if status.usable else "not usable here"
        return f"{len(names)} registered ({', '.join(names)}); {status.backend or 'none'} {in_use}"

    def step_language(self) -> str:
        from briefer.core.extract import language

        code = language.detect(GERMAN)
        if code != "de":
            raise StepFailed(f"a German sentence was identified as {code!r}, not 'de'")
        return "a German sentence identified as 'de'"

    def step_window(self) -> str:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QSettings, qInstallMessageHandler

        from briefer.core.archive import Archive
        from briefer.core.credentials import CredentialStore
        from briefer.gui.app import create_application
        from briefer.gui.distribution.keychain import Keychain
        from briefer.gui.mainwindow import MainWindow

        self.previous_qt_handler = qInstallMessageHandler(self._qt_message)
        self.app = create_application([sys.argv[0] if sys.argv else "briefer"])
        self.archive = Archive(self.data_dir)
        settings = QSettings(str(self.root / "settings.ini"), QSettings.Format.IniFormat)
        keychain = Keychain(self.data_dir, settings, system=CredentialStore.for_session())
        self.window = MainWindow(archive=self.archive, settings=settings, keychain=keychain)
        self.window.show()
        window = self.window
        self._wait(lambda: window.isVisible() and window.windowHandle() is not None, WINDOW_TIMEOUT, "window")
        since_start = seconds_since_process_start()
        platform = self.app.platformName()
        when = f", {since_start:.2f} s after the process started" if since_start is not None else ""
        return f"shown on the {platform!r} platform{when}"

    def step_import(self) -> str:
        window, archive = self._need_window()
        if not paths.SAMPLE_ARCHIVE.is_dir():
            raise StepFailed(f"the sample archive is missing: {paths.SAMPLE_ARCHIVE}")
        reports: list[str] = []
        failures: list[str] = []
        window.flow.reported.connect(reports.append)
        window.flow.failed.connect(failures.append)
        window.start()  # an empty archive: the window imports the sample, in the background
        self._wait(lambda: bool(reports or failures), IMPORT_TIMEOUT, "the sample import")
        self._wait(lambda: not window.flow.busy, WINDOW_TIMEOUT, "the archive status")
        if failures:
            raise StepFailed("; ".join(failures))
        stats = archive.stats()
        expected = _sample_articles()
        if stats.failed or stats.documents != expected:
            failed = "; ".join(f"{f.path}: {f.reason}" for f in archive.failed_files())
            raise StepFailed(
                f"{stats.documents} of {expected} sample articles imported, {stats.failed} failed"
                + (f": {failed}" if failed else "")
            )
        return reports[-1] if reports else f"{stats.documents} documents"

    def step_formats(self) -> str:
        """Import one file of each format whose parser needs a native library or data files."""
        _, archive = self._need_window()
        folder = write_format_samples(self.root / "formats")
        summary = archive.import_paths([folder])
        failed = [f"{o.path}: {o.reason}" for o in summary.outcomes if o.status == "failed"]
        if failed:
            raise StepFailed("; ".join(failed))
        found = {hit.document.title for hit in archive.search(FORMATS_WORD, limit=50).hits}
        missing = sorted(set(FORMAT_TITLES.values()) - found)
        if missing:
            raise StepFailed(f"imported but not found by a search for {FORMATS_WORD!r}: {', '.join(missing)}")
        return f"{', '.join(FORMAT_TITLES)} imported and found ({summary.line()})"

    def step_search(self) -> str:
        window, archive = self._need_window()
        pane = window.search
        pane.query.setText(QUERY)
        pane.search_now()
        self._wait(lambda: pane.model.rowCount() > 0 and not pane.searching, SEARCH_TIMEOUT, "search results")
        shown = pane.model.rowCount()
        found = len(archive.search(QUERY, limit=100).hits)
        if found != shown:
            raise StepFailed(f"the window lists {shown} hits for {QUERY!r}, the archive finds {found}")
        return f"{shown} hits for {QUERY!r} in the window"

    def step_briefing(self) -> str:
        from briefer.core.briefing import edits, storage, templates
        from briefer.core.briefing.excerpts import hit_excerpt
        from briefer.core.briefing.model import Paragraph, resolve_section

        window, archive = self._need_window()
        hit = window.search.model.hit(0)
        document = archive.document(hit.id)
        if document is None:
            raise StepFailed(f"the best hit {hit.id} is not in the catalog")
        briefing = templates.new_briefing(templates.load("assessment"), title="Self-test briefing")
        excerpt = hit_excerpt(
            document, [(p.start, p.end) for p in hit.passages], carried_by=archive.carried_by_count
        )
        edits.add_block(briefing, resolve_section(briefing, "Background").id, excerpt)
        analysis = Paragraph("The self-test quotes the sample archive's best match.", cites=[excerpt.id])
        edits.add_block(briefing, resolve_section(briefing, "Analysis").id, analysis)
        path = self.root / "self-test.briefing"
        storage.save(briefing, path)
        self.briefing = storage.load(path)
        return f"one excerpt of {document.title!r} and a paragraph citing it, saved and read back"

    def step_export(self) -> str:
        from briefer.core.briefing.verify import ArchiveLookups
        from briefer.core.export.docx_export import export_docx

        _, archive = self._need_window()
        briefing = self._need_briefing()
        lookups = ArchiveLookups.of(archive)
        checks, cluster_of = lookups.export_checks(briefing)
        if checks.counts()["ok"] != len(checks):
            raise StepFailed(f"before the export: {checks.summary()}")
        self.docx = self.root / "self-test.docx"
        report = export_docx(briefing, self.docx, checks=checks, cluster_of=cluster_of)
        problems = [f"missing sources {report.missing}"] if report.missing else []
        problems += [f"warning: {w}" for w in report.warnings]
        problems += [] if report.footnotes else ["no footnotes"]
        problems += [] if report.manifest and report.manifest.is_file() else ["no manifest written"]
        if problems:
            raise StepFailed("; ".join(problems))
        size = self.docx.stat().st_size
        return (
            f"{self.docx.name}: {size:,} bytes, {report.footnotes} footnote(s), {report.sources} source(s), "
            "and its manifest"
        )

    def step_verify(self) -> str:
        _, archive = self._need_window()
        briefing = self._need_briefing()
        if self.docx is None or not self.docx.is_file():
            raise StepFailed("no exported document to verify")
        return verify_export(briefing, self.docx, archive)

    # -- helpers -------------------------------------------------------------------
    def _need_window(self) -> tuple[MainWindow, Archive]:
        if self.window is None or self.archive is None:
            raise StepFailed("the window is not open")
        return self.window, self.archive

    def _need_briefing(self) -> Briefing:
        if self.briefing is None:
            raise StepFailed("no briefing was built")
        return self.briefing

    def _wait(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        """Run the event loop until `done()` (checked every 20 ms), or fail after `timeout` s."""
        from PySide6.QtCore import QEventLoop, QTimer

        deadline = time.monotonic() + timeout
        while True:
            loop = QEventLoop()
            QTimer.singleShot(20, loop.quit)
            loop.exec()
            if done():
                return
            if time.monotonic() > deadline:
                raise StepFailed(f"gave up waiting for {what} after {timeout:.0f} s")

    def _qt_message(self, kind: Any, context: Any, message: str) -> None:
        if message.startswith(QT_NOISE):
            return
        if self.previous_qt_handler is not None:  # e.g. pytest-qt, which fails a test on a warning
            self.previous_qt_handler(kind, context, message)
        else:
            self.qt_messages.append(message)


FORMATS_WORD = "quillwort"  # in every generated file, and nowhere in the sample
FORMAT_TITLES = {
    "PDF": "Self-test PDF report",
    "Word": "Self-test Word memo",
    "e-mail": "Self-test e-mail message",
    "feed": "Self-test feed entry",
    "zip": "Self-test zip member",
}
_BODY = (
    "Quillwort grows in shallow lakes. This sentence is written by the Briefer self-test to check "
    "that files of this format are read, indexed and found again."
)


def write_format_samples(folder: Path) -> Path:
    """One small file per format: PDF (pypdfium2), Word (python-docx), e-mail, RSS (feedparser), zip."""
    import docx

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.pdf").write_bytes(tiny_pdf(FORMAT_TITLES["PDF"], [FORMAT_TITLES["PDF"], _BODY]))
    memo = docx.Document()
    memo.core_properties.title = FORMAT_TITLES["Word"]
    memo.add_heading(FORMAT_TITLES["Word"], level=1)
    memo.add_paragraph(_BODY)
    memo.save(str(folder / "memo.docx"))
    (folder / "message.eml").write_text(
        f"From: Self-test <self-test@example.org>\nTo: Analyst <analyst@example.org>\n"
        f"Subject: {FORMAT_TITLES['e-mail']}\nDate: Wed, 13 Sep 2023 08:00:00 +0000\n"
        f"Message-ID: <self-test@example.org>\nContent-Type: text/plain; charset=utf-8\n\n{_BODY}\n",
        encoding="utf-8",
    )
    (folder / "feed.rss").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Self-test feed</title>'
        "<link>https://self-test.example/</link><description>Self-test</description>"
        f"<item><title>{FORMAT_TITLES['feed']}</title><link>https://self-test.example/entry</link>"
        f"<guid>https://self-test.example/entry</guid><pubDate>Wed, 13 Sep 2023 08:00:00 GMT</pubDate>"
        f"<description>{_BODY}</description></item></channel></rss>\n",
        encoding="utf-8",
    )
    with zipfile.ZipFile(folder / "bundle.zip", "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("member.txt", f"Title: {FORMAT_TITLES['zip']}\n\n{_BODY}\n")
    return folder


def tiny_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF with a title and lines of text in Helvetica (ASCII only)."""

    def literal(text: str) -> str:
        return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"

    words = " ".join(lines).split()
    rows: list[str] = []
    for word in words:  # wrap at about 80 characters
        if rows and len(rows[-1]) + len(word) < 80:
            rows[-1] += " " + word
        else:
            rows.append(word)
    content = "BT /F1 12 Tf 72 720 Td 16 TL " + " ".join(f"{literal(r)} Tj T*" for r in rows) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        f"<< /Title {literal(title)} >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>"
    out += f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _sample_articles() -> int:
    from briefer.core.archive import SAMPLE_EXCLUDE

    return sum(1 for p in paths.SAMPLE_ARCHIVE.rglob("*") if p.is_file() and p.name not in SAMPLE_EXCLUDE)


def verify_export(briefing: Briefing, docx_path: Path, archive: Archive) -> str:
    """What `briefer verify OUT.docx` checks (manifest, document text, every quote against the
    archive), plus, read independently here: every quote and a footnote naming its source."""
    import docx
    from lxml import etree

    from briefer.core.briefing.model import excerpts
    from briefer.core.briefing.verify import ArchiveLookups
    from briefer.core.export.manifest import verify_docx

    outcome = verify_docx(docx_path, ArchiveLookups.of(archive))
    if not outcome.ok or outcome.verification is None:
        summary = outcome.verification.summary() if outcome.verification else "quotes not checked"
        raise StepFailed("; ".join([*outcome.problems, summary]))
    quotes = list(excerpts(briefing).values())
    if {e.id for e in outcome.excerpts} != {e.id for e in quotes}:
        raise StepFailed("the manifest does not list the briefing's excerpts")
    if outcome.verification.counts()["ok"] != len(quotes):
        raise StepFailed(outcome.verification.summary())
    document = docx.Document(str(docx_path))
    body = " ".join(" ".join(p.text for p in document.paragraphs).split())
    absent = [e.id for e in quotes if " ".join(e.quote.split()) not in body]
    if absent:
        raise StepFailed(f"quotes not found in the document's text: {', '.join(absent)}")
    with zipfile.ZipFile(docx_path) as package:
        try:
            footnotes_xml = package.read("word/footnotes.xml")
        except KeyError:
            raise StepFailed("the document has no footnotes part") from None
    footnotes = " ".join("".join(etree.fromstring(footnotes_xml).itertext()).split())
    uncited = [
        e.id for e in quotes if e.citation.title and " ".join(e.citation.title.split()) not in footnotes
    ]
    if uncited:
        raise StepFailed(f"no footnote names the source of {', '.join(uncited)}")
    return f"manifest matches the document; {outcome.verification.summary()}; quotes and footnotes present"


def run(out: TextIO = sys.stdout) -> int:
    """Run every step; 0 when all passed."""
    return SelfTest(out=out).run()
