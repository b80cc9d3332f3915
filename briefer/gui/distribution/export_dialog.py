"""The export dialog: output path, reference document, marking; the export runs in the background.

The dialog exports a *copy* of the briefing taken when Export is pressed, so
the analyst can go on editing while Word's document is written.  A marking
profile or TLP label chosen here is applied to the briefing as an undoable
edit.  Every quote is checked against the archive first (in the background),
then the export asks the release gate (core/briefing/gate.py): its blocking
findings refuse the export, listed in the dialog (quotes that no longer match
their source unless "Export even if quotes no longer match" is ticked, which
exports them, marked "(unverified)" in a review copy; markings that do not
validate; the wrong archive, whose refusal names both archives), and its
warnings are listed after an export that went on; before that, the findings of
the briefing as marked in the dialog (quotes not yet verified) preview it.
Choosing a finding selects its block in the outline.  *Copy* chooses a
distribution copy (for readers: no analyst comments, no internal states) or a
review copy (comments in Word's margin, states shown); choosing one sets the
comments to its default, which can still be changed.  The organisation's logo
for the cover is a setting kept between sessions, like the reference document.
A refused or failed export is explained in the dialog itself.
"""

from __future__ import annotations

import dataclasses
import html
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from briefer.core.briefing import codec, edits, markings
from briefer.core.briefing.gate import Finding, ReleaseBlocked, run_gate
from briefer.core.briefing.verify import ArchiveLookups, WrongArchive, describe_archive, none_of_the_documents
from briefer.core.documents import Document
from briefer.core.export import toc_pages
from briefer.core.export.docx_export import (
    COMMENT_MODES,
    COPY_COMMENTS,
    COPY_MODES,
    ExportReport,
    default_reference,
)
from briefer.core.export.formats import FORMATS, SUFFIXES, export_as, format_of
from briefer.core.export.pdf_export import LibreOfficeMissing
from briefer.core.file_names import export_file_name
from briefer.core.progress import Progress
from briefer.gui.briefing.findings import FindingsList
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.workers import BackgroundTask

Lookup = Callable[[str], Document | None]

LAST_FOLDER_KEY = "export/folder"
REFERENCE_KEY = "export/reference"
LOGO_KEY = "export/logo"
COPY_KEY = "export/copy"
COPY_LABELS = {
    "distribution": "Distribution: for readers (no analyst comments or internal states)",
    "review": "Review: analyst comments in the margin, unverified and missing sources marked",
}
FORMAT_KEY = "export/format"
FORMAT_LABELS = {"docx": "Word document (.docx)", "pdf": "PDF (.pdf)", "html": "Web page (.html)"}
FORMAT_FILTERS = {
    "docx": "Word documents (*.docx)",
    "pdf": "PDF documents (*.pdf)",
    "html": "Web pages (*.html)",
}
COMMENT_LABELS = {
    "margin": "In Word's margin",
    "inline": "Inline, after the quote",
    "omit": "Leave them out",
}


def open_folder(path: Path) -> None:
    """Show a folder in the file manager; tests replace this function."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def wrong_archive_text(exc: WrongArchive, action: str) -> str:
    """The window's words for a briefing checked against the wrong archive (`action`: "export it")."""
    match = exc.match
    found = none_of_the_documents(match, "this briefing")
    here = f"{found[:1].upper()}{found[1:]} {describe_archive(match.open)}"
    if match.built_on:
        return (
            f"{here}, the archive open in this window. The briefing was built on "
            f"{describe_archive(match.built_on[0])}. Start Briefer on that archive to {action}."
        )
    return (
        f"{here}, the archive open in this window, and the briefing does not record the archive it was "
        f"built on (it was saved by an older Briefer). Start Briefer on that archive to {action}."
    )


def refusal_text(exc: ReleaseBlocked, verb: str, button: str) -> str:
    """The window's words for a release the gate refused (`verb` "export", `button` "Export")."""
    wrong = exc.wrong_archive
    if wrong is not None:
        return wrong_archive_text(wrong, f"{verb} it")
    count = len(exc.findings)
    listed = "".join(f"\n\u2022 {f.message}" for f in exc.findings[:5])
    more = f"\n\u2026 and {count - 5} more" if count > 5 else ""
    text = f"{count} problem{'' if count == 1 else 's'} must be fixed first (choose one below to see it):"
    text += listed + more
    if exc.overridable:
        text += (
            f"\nThe outline shows what changed in each source. Tick \u201c{button} even if quotes no longer "
            f"match their sources\u201d to {verb} them anyway"
            + (" (a review copy marks them \u201c(unverified)\u201d)." if verb == "export" else ".")
        )
    return text


class ExportDialog(QDialog):
    exported = Signal(object)  # ExportReport
    export_failed = Signal(str)

    def __init__(
        self,
        model: BriefingModel,
        *,
        settings: QSettings,
        lookup: Lookup | None = None,
        lookups: ArchiveLookups | None = None,
        briefing_path: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`lookups` (or just `lookup`, a document lookup) is the archive the quotes are checked against;
        without either, quotes are not checked."""
        super().__init__(parent)
        self.setWindowTitle("Export to Word")
        self.setAccessibleName("Export to Word")
        self._model = model
        self._settings = settings
        self._lookups = lookups or (ArchiveLookups(lookup) if lookup is not None else None)
        self._task: BackgroundTask | None = None
        self.report: ExportReport | None = None
        briefing = model.briefing

        folder_value = settings.value(LAST_FOLDER_KEY, "")
        folder = (
            Path(str(folder_value))
            if folder_value
            else (briefing_path.parent if briefing_path else Path.home())
        )
        self.output = QLineEdit(str(folder / export_file_name(briefing.metadata.title)))
        self.output.setAccessibleName("Output file")
        self.browse_output = QPushButton("Browse\u2026")
        self.browse_output.setAccessibleName("Choose the output file")
        self.format = QComboBox()
        self.format.setAccessibleName("Format")
        for fmt in FORMATS:
            self.format.addItem(FORMAT_LABELS[fmt], fmt)
        self.format.setCurrentIndex(max(0, self.format.findData(settings.value(FORMAT_KEY, "docx"))))
        self._follow_format()
        reference_value = settings.value(REFERENCE_KEY, "")
        self.reference = QLineEdit(str(reference_value) if reference_value else "")
        self.reference.setPlaceholderText("Briefer's built-in styles")
        self.reference.setAccessibleName("Reference document")
        self.reference.setToolTip("A .docx or .dotx whose styles, page setup and letterhead the export uses")
        self.browse_reference = QPushButton("Browse\u2026")
        self.browse_reference.setAccessibleName("Choose the reference document")
        logo_value = settings.value(LOGO_KEY, "")
        self.logo = QLineEdit(str(logo_value) if logo_value else "")
        self.logo.setPlaceholderText("No logo")
        self.logo.setAccessibleName("Organisation logo")
        self.logo.setToolTip("A PNG or JPEG image printed at the top of the cover page")
        self.browse_logo = QPushButton("Browse\u2026")
        self.browse_logo.setAccessibleName("Choose the organisation logo")
        self.copy = QComboBox()
        self.copy.setAccessibleName("Copy")
        for mode in COPY_MODES:
            self.copy.addItem(COPY_LABELS[mode], mode)
        self.copy.setCurrentIndex(max(0, self.copy.findData(str(settings.value(COPY_KEY, COPY_MODES[0])))))

        self.profile = QComboBox()
        self.profile.setAccessibleName("Marking profile")
        for profile in markings.PROFILES.values():
            self.profile.addItem(profile.name, profile.id)
        self.profile.setCurrentIndex(max(0, self.profile.findData(briefing.metadata.marking_profile)))
        self.tlp = QComboBox()
        self.tlp.setAccessibleName("TLP label")
        self.tlp.addItem("None", None)
        for label, definition in markings.TLP_DEFINITIONS.items():
            self.tlp.addItem(f"TLP:{label}", label)
            self.tlp.setItemData(self.tlp.count() - 1, definition, Qt.ItemDataRole.ToolTipRole)
        self.tlp.setCurrentIndex(max(0, self.tlp.findData(briefing.metadata.tlp)))
        self.comments = QComboBox()
        self.comments.setAccessibleName("Analyst comments")
        for mode in COMMENT_MODES:
            self.comments.addItem(COMMENT_LABELS[mode], mode)
        self._copy_chosen()
        self.numbering = QCheckBox("Number sections and paragraphs")
        self.numbering.setAccessibleName("Number sections and paragraphs")
        self.allow_unverified = QCheckBox("Export even if quotes no longer match their sources")
        self.allow_unverified.setAccessibleName("Export even if quotes no longer match their sources")
        self.allow_unverified.setToolTip(
            "Quotes whose source changed are exported anyway; a review copy marks their citations "
            "\u201c(unverified)\u201d"
        )
        for combo in (self.format, self.copy, self.profile, self.tlp, self.comments):
            combo.view().setAccessibleName(f"{combo.accessibleName()} choices")
        self.banner = QLabel()
        self.banner.setObjectName("exportBanner")
        self.problems = QLabel()
        self.problems.setObjectName("exportProblems")
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        self.outcome = QLabel()
        self.outcome.setObjectName("exportOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome.setTextFormat(Qt.TextFormat.RichText)
        self.findings = FindingsList()  # the release gate's: a preview, then the export's
        self.findings.setVisible(False)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setAccessibleName("Export")
        self.open_folder_button = self.buttons.addButton(
            "Open Folder", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.open_folder_button.setAccessibleName("Open the folder")
        self.open_folder_button.setVisible(False)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName("Close")

        form = QFormLayout()
        # Save as comes first and has the focus: type a path, press Enter, and it is exported.
        form.addRow("&Save as", _with_button(self.output, self.browse_output))
        form.addRow("&Format", self.format)
        form.addRow("&Reference document", _with_button(self.reference, self.browse_reference))
        form.addRow("&Logo", _with_button(self.logo, self.browse_logo))
        form.addRow("Cop&y", self.copy)
        form.addRow("&Marking profile", self.profile)
        form.addRow("&TLP label", self.tlp)
        form.addRow("&Comments on excerpts", self.comments)
        form.addRow("Numbering", self.numbering)
        form.addRow("Quotes", self.allow_unverified)
        form.addRow("Banner", self.banner)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(self.outcome)
        layout.addWidget(self.findings, 1)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        # Only now, inside the dialog: set earlier, the dialog never learns it and makes the first
        # Browse… button the default, so Enter in the Save-as field opened a file chooser.
        self.export_button.setDefault(True)
        self.resize(620, 320)

        self.browse_output.clicked.connect(self._choose_output)
        self.browse_reference.clicked.connect(self._choose_reference)
        self.browse_logo.clicked.connect(self._choose_logo)
        self.copy.currentIndexChanged.connect(self._copy_chosen)
        self.export_button.clicked.connect(self.start_export)
        self.open_folder_button.clicked.connect(self._open_folder)
        self.close_button.clicked.connect(self.reject)
        self.profile.currentIndexChanged.connect(self._preview)
        self.tlp.currentIndexChanged.connect(self._preview)
        self.format.currentIndexChanged.connect(self._follow_format)
        self._failed = False  # the outcome line says why the last export failed
        for changed in (
            self.output.textChanged,
            self.reference.textChanged,
            self.logo.textChanged,
            self.allow_unverified.toggled,
        ):
            changed.connect(self._forget_failure)
        for combo in (self.copy, self.profile, self.tlp, self.comments):
            combo.currentIndexChanged.connect(self._forget_failure)
        QWidget.setTabOrder(self.output, self.browse_output)
        QWidget.setTabOrder(self.browse_output, self.format)
        self.output.setFocus()  # the first field, as laid out: type a path and press Enter
        self._preview()

    @property
    def running(self) -> bool:
        return self._task is not None

    # -- the marking preview --------------------------------------------------------
    def _marked_copy(self) -> codec.Briefing:
        copy = codec.from_dict(codec.to_dict(self._model.briefing))
        copy.metadata.marking_profile = str(self.profile.currentData())
        copy.metadata.tlp = self.tlp.currentData()
        return copy

    @Slot()
    def _preview(self, *_: object) -> None:
        copy = self._marked_copy()
        banner = markings.banner(copy)
        tlp = markings.tlp_label(copy)
        self.banner.setText(f"<b>{html.escape(banner)}</b>" + (f" \u00b7 {tlp}" if tlp else ""))
        # The release gate before Export (the quotes are verified when Export is pressed).
        result = run_gate(copy)
        self._show_findings(result.findings)
        blocking, warnings = len(result.blocking), len(result.warnings)
        if blocking:
            self.problems.setText(f"<b>Fix before exporting:</b> {blocking} problem(s), listed below.")
        else:
            listed = f" {warnings} warning(s), listed below." if warnings else ""
            self.problems.setText(f"Markings are ready for release.{listed}")

    # -- choosing files ---------------------------------------------------------------
    def _format(self) -> str:
        return str(self.format.currentData())

    @Slot()
    def _follow_format(self, *_: object) -> None:
        """The output name takes the chosen format's suffix."""
        out = Path(self.output.text().strip())
        suffix = SUFFIXES[self._format()]
        if self.output.text().strip() and format_of(out, "") != self._format():
            known = out.suffix.lower() in (*SUFFIXES.values(), ".htm")
            self.output.setText(str(out.with_suffix(suffix) if known else Path(f"{out}{suffix}")))

    @Slot()
    def _choose_output(self) -> None:
        suffix = SUFFIXES[self._format()]
        name, _ = QFileDialog.getSaveFileName(
            self, "Export to", self.output.text(), FORMAT_FILTERS[self._format()]
        )
        if name:
            self.output.setText(name if name.lower().endswith(suffix) else name + suffix)

    @Slot()
    def _choose_reference(self) -> None:
        start = self.reference.text() or str(default_reference().parent)
        name, _ = QFileDialog.getOpenFileName(
            self, "Reference document", start, "Word documents and templates (*.docx *.dotx)"
        )
        if name:
            self.reference.setText(name)

    @Slot()
    def _choose_logo(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            "Organisation logo",
            self.logo.text(),
            "Images (*.png *.jpg *.jpeg *.gif *.bmp *.tif *.tiff)",
        )
        if name:
            self.logo.setText(name)

    @Slot()
    def _copy_chosen(self, *_: object) -> None:
        """A copy brings its own default for comments (distribution: omit; review: margin)."""
        default = COPY_COMMENTS[str(self.copy.currentData())]
        self.comments.setCurrentIndex(max(0, self.comments.findData(default)))

    # -- exporting -----------------------------------------------------------------------
    @Slot()
    def start_export(self) -> None:
        if self._task is not None:
            return
        out = Path(self.output.text().strip()).expanduser()
        if not self.output.text().strip():
            self._fail("Choose where to save the document.")
            return
        self._apply_markings()
        briefing = codec.from_dict(codec.to_dict(self._model.briefing))  # edits may go on meanwhile
        reference = Path(self.reference.text()).expanduser() if self.reference.text().strip() else None
        comments = str(self.comments.currentData())
        copy = str(self.copy.currentData())
        logo = Path(self.logo.text()).expanduser() if self.logo.text().strip() else None
        numbering = self.numbering.isChecked()
        render = toc_pages.wanted()
        lookups = self._lookups
        allow = self.allow_unverified.isChecked()
        fmt = self._format()

        def job(progress: Progress, cancel: threading.Event) -> ExportReport:
            checks = cluster_of = None
            if lookups is not None:  # the same check as Verify Quotes, then the export
                checks, cluster_of = lookups.export_checks(briefing, cancel)
            made = export_as(
                fmt,
                briefing,
                out,
                reference=reference,
                checks=checks,
                allow_unverified=allow,
                cluster_of=cluster_of,
                comments=comments,
                copy=copy,
                numbering=numbering,
                logo=logo,
                toc_pages=render,
            )
            if fmt == "docx":
                return made.docx
            # the file written, the whole time; a PDF or page has no manifest of its own
            return dataclasses.replace(made.docx, path=made.path, seconds=made.seconds, manifest=None)

        self._settings.setValue(LAST_FOLDER_KEY, str(out.parent))
        self._settings.setValue(FORMAT_KEY, fmt)
        self._settings.setValue(REFERENCE_KEY, self.reference.text().strip())
        self._settings.setValue(LOGO_KEY, self.logo.text().strip())
        self._settings.setValue(COPY_KEY, copy)
        self.outcome.setText(f"Exporting to {html.escape(str(out))}\u2026")
        self._failed = False
        self._show_findings(())  # the preview's: the export's own come back with it
        self.open_folder_button.setVisible(False)
        self.export_button.setEnabled(False)
        task = BackgroundTask(job, parent=self)
        task.succeeded.connect(self._on_succeeded)
        task.failed.connect(self._on_failed)
        task.finished.connect(self._on_finished)
        self._task = task
        task.start()

    def _apply_markings(self) -> None:
        meta = self._model.briefing.metadata
        profile, tlp = self.profile.currentData(), self.tlp.currentData()
        if profile != meta.marking_profile:
            self._model.do(edits.SetMetadata("marking_profile", profile))
        if tlp != meta.tlp:
            self._model.do(edits.SetMetadata("tlp", tlp))

    @Slot(object)
    def _on_succeeded(self, report: ExportReport) -> None:
        self.report = report
        lines = [
            f"<b>Exported</b> a {report.copy} copy to {html.escape(str(report.path))} "
            f"in {report.seconds:.1f} s: {report.footnotes} footnote(s), {report.sources} source(s)."
        ]
        review = report.copy == "review"
        if report.unverified:
            lines.append(
                f"<b>{len(report.unverified)} quote(s) no longer match their source</b> and are "
                + (
                    "marked \u201c(unverified)\u201d in the document."
                    if review
                    else "not marked in this distribution copy (a review copy marks them)."
                )
            )
        if report.missing:
            lines.append(
                f"{len(report.missing)} source(s) are no longer in the archive; cited from the briefing."
            )
        lines += [html.escape(notice[:1].upper() + notice[1:] + ".") for notice in report.notices]
        if report.manifest is not None:
            lines.append(
                f"Manifest: {html.escape(report.manifest.name)}, beside the document: it records what was "
                "exported, so that a changed copy of the document can be told from this one."
            )
        lines += [html.escape(w) for w in report.warnings[:5]]
        warnings = [f for f in report.findings if f.severity == "warning"]
        if warnings:
            lines.append(f"The release check has {len(warnings)} warning(s), listed below.")
        self._show_findings(warnings)
        self.outcome.setText("<br>".join(lines))
        self.open_folder_button.setVisible(True)
        self.open_folder_button.setFocus()
        self.exported.emit(report)

    @Slot(object)
    def _on_failed(self, exc: object) -> None:
        if isinstance(exc, ReleaseBlocked):
            self._show_findings(exc.result.findings)
            self._fail(refusal_text(exc, "export", "Export"))
            return
        if isinstance(exc, LibreOfficeMissing):
            self._fail(
                f"{exc}. Install LibreOffice (on Debian or Ubuntu, the package {exc.package}), "
                "or choose Word or Web page as the format."
            )
            return
        self._fail(f"The export failed: {exc}")

    def _show_findings(self, findings: Iterable[Finding]) -> None:
        listed = list(findings)
        self.findings.show_findings(listed)
        self.findings.setVisible(bool(listed))

    def _fail(self, message: str) -> None:
        self.outcome.setText(f"<b>Not exported.</b> {html.escape(message).replace(chr(10), '<br>')}")
        self._failed = True
        self.export_failed.emit(message)

    @Slot()
    def _forget_failure(self, *_: object) -> None:
        """A setting changed: why the last export failed may no longer hold (export again to know)."""
        if self._failed:
            self.outcome.clear()
            self._failed = False

    @Slot()
    def _on_finished(self) -> None:
        if self._task is not None:
            self._task.deleteLater()
            self._task = None
        self.export_button.setEnabled(True)

    @Slot()
    def _open_folder(self) -> None:
        if self.report is not None:
            open_folder(self.report.path.parent)

    def done(self, result: int) -> None:
        if self._task is not None:  # closing mid-export: let it finish writing (it is atomic)
            self._task.wait()
        super().done(result)


def _with_button(field: QWidget, button: QPushButton) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(field, 1)
    layout.addWidget(button)
    return row
