"""Briefing properties: the title and masthead, dates, authorship, keywords, and the CUI designation block.

One form over `Metadata` (marking profile and TLP stay in the export dialog).
OK turns every changed field into a core `SetMetadata` edit and pushes them
as ONE undo step ("Edit briefing properties"); a refused edit is explained in
the dialog, which stays open, and nothing changes.  The window opens it with
`open()`, so it never blocks; tests set the fields and call `accept()`.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, QTimeZone, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from briefer.core.briefing import edits, markings
from briefer.core.briefing.model import PORTIONS, Briefing, BriefingError, CuiDesignation, Metadata
from briefer.gui.briefing.block_editor import set_combo, tag_combo
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.dialogs import ok_cancel_buttons, problem_label

UNDO_TEXT = "Edit briefing properties"
PORTION_LABELS = {"U": "unclassified", "CUI": "controlled unclassified"}
_CATEGORY_SPLIT = re.compile(r"[,/;\s]+")


def _to_qt(value: datetime) -> QDateTime:
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return QDateTime(
        QDate(value.year, value.month, value.day),
        QTime(value.hour, value.minute, value.second),
        QTimeZone.utc(),
    )


def _from_qt(value: QDateTime) -> datetime:
    utc = value.toUTC()
    date, time = utc.date(), utc.time()
    return datetime(date.year(), date.month(), date.day(), time.hour(), time.minute(), tzinfo=UTC)


class OptionalDateTime(QWidget):
    """A date and time in UTC, or "not set": a check box turns the value on and off."""

    def __init__(self, accessible: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.known = QCheckBox()
        self.known.setAccessibleName(f"{accessible} is set")
        self.known.setToolTip(f"Untick when the {accessible.lower()} is not set")
        self.edit = QDateTimeEdit()
        self.edit.setAccessibleName(accessible)
        self.edit.setTimeZone(QTimeZone.utc())
        self.edit.setDisplayFormat("d MMM yyyy  HH:mm 'UTC'")
        self.edit.setCalendarPopup(True)
        self.edit.setMinimumDateTime(QDateTime(QDate(1900, 1, 1), QTime(0, 0), QTimeZone.utc()))
        self.edit.setSpecialValueText("not set")  # shown while the value is the minimum
        self._last = datetime.now(UTC).replace(second=0, microsecond=0)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.known)
        layout.addWidget(self.edit, 1)
        self.setFocusProxy(self.edit)
        self.known.toggled.connect(self._toggled)

    def value(self) -> datetime | None:
        return _from_qt(self.edit.dateTime()) if self.known.isChecked() else None

    def set_value(self, value: datetime | None) -> None:
        if value is not None:
            self._last = value
        self.known.setChecked(value is not None)
        self._toggled(value is not None)

    @Slot(bool)
    def _toggled(self, on: bool) -> None:
        if not on and self.edit.dateTime() != self.edit.minimumDateTime():
            self._last = _from_qt(self.edit.dateTime())
        self.edit.setEnabled(on)
        self.edit.setDateTime(_to_qt(self._last) if on else self.edit.minimumDateTime())


def _line(accessible: str, placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setAccessibleName(accessible)
    field.setPlaceholderText(placeholder)
    field.setClearButtonEnabled(True)
    return field


def _lines_field(accessible: str, placeholder: str) -> QPlainTextEdit:
    field = QPlainTextEdit()
    field.setAccessibleName(accessible)
    field.setPlaceholderText(placeholder)
    field.setTabChangesFocus(True)
    field.setFixedHeight(64)
    return field


def _lines_of(field: QPlainTextEdit) -> str:
    """One item a line, blank lines and trailing spaces dropped (the export prints a paragraph a line)."""
    return "\n".join(line.strip() for line in field.toPlainText().splitlines() if line.strip())


def split_list(text: str) -> list[str]:
    """ "Russia, DPRK ,, arms" -> ["Russia", "DPRK", "arms"]."""
    return [item.strip() for item in text.split(",") if item.strip()]


def split_categories(text: str) -> tuple[str, ...]:
    """CUI category markings as typed ("sp-prvcy, LEI" or "SP-PRVCY/LEI"), upper-cased."""
    return tuple(item.upper() for item in _CATEGORY_SPLIT.split(text) if item)


class BriefingPropertiesDialog(QDialog):
    """Edits the briefing's metadata as one undoable step."""

    def __init__(self, model: BriefingModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Briefing Properties")
        self.setAccessibleName("Briefing properties")
        self.setObjectName("propertiesDialog")
        self._model = model

        self.title = _line("Title", "What the briefing says, in one line")
        self.subtitle = _line("Subtitle", "Optional")
        self.product_line = _line("Product line", "e.g. Regional Assessment")
        self.product_number = _line("Product number", "e.g. BRF-2024-0017")
        self.edition = QSpinBox()
        self.edition.setAccessibleName("Edition")
        self.edition.setRange(1, 999)
        self.edition.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.edition.setMinimumWidth(80)
        self.date = OptionalDateTime("Product date")
        self.info_cutoff = OptionalDateTime("Information cutoff")
        self.info_cutoff.setToolTip("The briefing uses information available as of this time")
        self.author = _line("Author", "Analyst or team")
        self.office = _line("Office", "Producing office")
        self.audience = _line("Audience", "Who the briefing is for")
        self.keywords = _line("Keywords", "Comma-separated: Russia, DPRK, arms transfers")
        self.scope_note = _lines_field("Scope note", "What the briefing covers and leaves out (page 2)")
        self.contact = _lines_field("Contact", "Whom readers ask: name, office, phone, e-mail; one a line")
        self.title_portion = tag_combo(PORTIONS, "Title portion mark", PORTION_LABELS)
        self.title_portion.setItemText(0, "\u2014 (no mark)")
        self.title_portion.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.banner = QLabel()
        self.banner.setObjectName("propertiesBanner")
        self.banner.setAccessibleName("Banner")
        self.cui_controlled_by = _line("CUI controlled by", "Organisation")
        self.cui_office = _line("CUI controlling office", "Office within it")
        self.cui_categories = _line("CUI categories", "e.g. SP-PRVCY, LEI")
        self.cui_dissemination = _line("CUI dissemination control", "e.g. FEDCON, NOFORN (optional)")
        self.cui_poc = _line("CUI point of contact", "Name, phone or e-mail")
        self.cui_hint = QLabel()
        self.cui_hint.setObjectName("cuiHint")
        self.cui_hint.setAccessibleName("CUI designation check")
        self.cui_hint.setWordWrap(True)
        self.cui_hint.setTextFormat(Qt.TextFormat.RichText)
        self.error = problem_label()
        self.buttons = ok_cancel_buttons(self)

        heading = QFormLayout()
        heading.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        heading.addRow("&Title", self.title)
        heading.addRow("S&ubtitle", self.subtitle)
        product = QGroupBox("Product")
        form = _form(product)
        form.addRow("Product &line", self.product_line)
        form.addRow("Product &number", self.product_number)
        form.addRow("&Edition", self.edition)
        form.addRow("&Date", self.date)
        form.addRow("&Information cutoff", self.info_cutoff)
        people = QGroupBox("Authorship")
        form = _form(people)
        form.addRow("&Author", self.author)
        form.addRow("&Office", self.office)
        form.addRow("Audien&ce", self.audience)
        form.addRow("&Keywords", self.keywords)
        front = QGroupBox("Front matter of the export")
        form = _form(front)
        form.addRow("Scope note", self.scope_note)
        form.addRow("Contact", self.contact)
        marks = QGroupBox("Markings")
        form = _form(marks)
        form.addRow("Title portion &mark", self.title_portion)
        form.addRow("Banner", self.banner)
        note = QLabel("Marking profile and TLP label are chosen when exporting.")
        note.setWordWrap(True)
        note.setObjectName("propertiesNote")
        form.addRow(note)
        cui = QGroupBox("CUI designation block")
        form = _form(cui)
        form.addRow("Controlled &by", self.cui_controlled_by)
        form.addRow("Controlling o&ffice", self.cui_office)
        form.addRow("Cate&gories", self.cui_categories)
        form.addRow("Di&ssemination", self.cui_dissemination)
        form.addRow("&POC", self.cui_poc)
        form.addRow(self.cui_hint)

        left = QVBoxLayout()
        left.addWidget(product)
        left.addWidget(people)
        left.addWidget(front)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(marks)
        right.addWidget(cui)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.setSpacing(12)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addLayout(columns, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(820)  # two columns of forms; titles are long

        self.load(model.briefing.metadata)
        self.title_portion.currentIndexChanged.connect(self._update_hint)
        for field in (
            self.cui_controlled_by,
            self.cui_office,
            self.cui_categories,
            self.cui_dissemination,
            self.cui_poc,
        ):
            field.textChanged.connect(self._update_hint)
        self.title.setCursorPosition(0)
        self.title.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- the form -------------------------------------------------------------------
    def load(self, meta: Metadata) -> None:
        """Show `meta`; what OK compares against is what the form shows now."""
        self.title.setText(meta.title)
        self.subtitle.setText(meta.subtitle)
        self.product_line.setText(meta.product_line)
        self.product_number.setText(meta.product_number)
        self.edition.setValue(meta.edition)
        self.date.set_value(meta.date)
        self.info_cutoff.set_value(meta.info_cutoff)
        self.author.setText(meta.author)
        self.office.setText(meta.office)
        self.audience.setText(meta.audience)
        self.keywords.setText(", ".join(meta.keywords))
        self.scope_note.setPlainText(meta.scope_note)
        self.contact.setPlainText(meta.contact)
        set_combo(self.title_portion, meta.title_portion)
        cui = meta.cui
        self.cui_controlled_by.setText(cui.controlled_by)
        self.cui_office.setText(cui.office)
        self.cui_categories.setText(", ".join(cui.categories))
        self.cui_dissemination.setText(cui.dissemination)
        self.cui_poc.setText(cui.poc)
        self._shown = self.values()
        self._update_hint()

    def values(self) -> dict[str, Any]:
        """The metadata the form holds, by field name."""
        return {
            "title": " ".join(self.title.text().split()),
            "subtitle": " ".join(self.subtitle.text().split()),
            "product_line": self.product_line.text().strip(),
            "product_number": self.product_number.text().strip(),
            "edition": self.edition.value(),
            "date": self.date.value(),
            "info_cutoff": self.info_cutoff.value(),
            "author": self.author.text().strip(),
            "office": self.office.text().strip(),
            "audience": self.audience.text().strip(),
            "keywords": split_list(self.keywords.text()),
            "scope_note": _lines_of(self.scope_note),
            "contact": _lines_of(self.contact),
            "title_portion": self.title_portion.currentData(),
            "cui": self._designation(),
        }

    def _designation(self) -> CuiDesignation:
        return CuiDesignation(
            controlled_by=self.cui_controlled_by.text().strip(),
            office=self.cui_office.text().strip(),
            categories=split_categories(self.cui_categories.text()),
            dissemination=self.cui_dissemination.text().strip().upper(),
            poc=self.cui_poc.text().strip(),
        )

    def changes(self) -> list[edits.SetMetadata]:
        """One edit per field the user changed, in form order."""
        now = self.values()
        return [edits.SetMetadata(name, value) for name, value in now.items() if value != self._shown[name]]

    # -- the live check ---------------------------------------------------------------
    def _preview(self) -> Briefing:
        """The briefing as it would be with the form's markings (the sections are shared, not copied)."""
        briefing = self._model.briefing
        meta = replace(
            briefing.metadata, title_portion=self.title_portion.currentData(), cui=self._designation()
        )
        return replace(briefing, metadata=meta)

    @Slot()
    def _update_hint(self, *_: object) -> None:
        preview = self._preview()
        try:
            banner = markings.banner(preview)
        except BriefingError:
            banner = "marking profile unknown"
        self.banner.setText(f"<b>{html.escape(banner)}</b>")
        if markings.overall(markings.all_portions(preview)) != "CUI":
            self.cui_hint.setText("No portion is CUI, so the export prints no designation block.")
            return
        designation = preview.metadata.cui
        missing = designation.missing()
        problems = [
            p.message.split(" (e.g.")[0]
            for p in markings.validate(preview)
            if p.where == "CUI designation block" and p.message.startswith("category")
        ]
        if not missing and not problems:
            self.cui_hint.setText("\u2713 The briefing has CUI portions; the designation block is complete.")
            return
        lines = []
        if missing:
            lines.append(
                f"The briefing has CUI portions: export needs <b>{html.escape(', '.join(missing))}</b>."
            )
        lines += [html.escape(problem[0].upper() + problem[1:]) + " (e.g. SP-PRVCY)." for problem in problems]
        self.cui_hint.setText("\u26a0 " + "<br>".join(lines))

    # -- OK ----------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        self.error.setText(f"\u26a0 <b>Not changed:</b> {html.escape(message)}")
        self.error.setVisible(bool(message))

    def accept(self) -> None:
        if not self.values()["title"]:
            self.show_error("the briefing needs a title.")
            self.title.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        refusal = self._model.apply_all(self.changes(), UNDO_TEXT)
        if refusal is not None:
            self.show_error(str(refusal))
            return
        super().accept()


def _form(box: QGroupBox) -> QFormLayout:
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    return form
