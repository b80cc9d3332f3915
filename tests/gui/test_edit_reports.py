"""The outline model applies each edit once and tells the views exactly what it changed.

Every edit (and its undo, and its redo) is applied once in the core, and the views hear
one signal group for it: one insert, remove or move of rows, or one data change, never a
reset.  Qt's own model tester watches every change (it checks the old and new row
counts around each group), and after any sequence of edits the rows are the briefing's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QUndoStack

from briefer.core.briefing import edits, templates
from briefer.core.briefing.model import (
    Briefing,
    KeyJudgment,
    MatrixCell,
    Paragraph,
    Section,
    walk_sections,
)
from briefer.gui.briefing.model import BriefingModel, block_label, outline_blocks

Record = tuple[object, ...]


def briefing() -> Briefing:
    """The assessment template; three paragraphs in Analysis; a matrix cell before a paragraph
    in Implications (so the outline's rows and the core's block indexes differ there)."""
    b = templates.new_briefing(templates.load("assessment"), title="T")
    for name in ("p1", "p2", "p3"):
        edits.add_block(b, "analysis", Paragraph(name, id=name))
    edits.add_block(b, "implications", MatrixCell("japan", "military", "Patrols", id="cell"))
    edits.add_block(b, "implications", Paragraph("Allies", id="imp"))
    return b


class Signals:
    """What the model told the views, in order, with parents named by node id."""

    def __init__(self, model: BriefingModel) -> None:
        self.model = model
        self.records: list[Record] = []
        for name in ("rowsAboutToBeInserted", "rowsInserted", "rowsAboutToBeRemoved", "rowsRemoved"):
            getattr(model, name).connect(self._rows(name))
        for name in ("rowsAboutToBeMoved", "rowsMoved"):
            getattr(model, name).connect(self._moved(name))
        model.dataChanged.connect(
            lambda first, last, roles: self.records.append(("dataChanged", self._id(first)))
        )
        for name in ("modelAboutToBeReset", "modelReset", "layoutAboutToBeChanged", "layoutChanged"):
            getattr(model, name).connect(lambda *_, name=name: self.records.append((name,)))

    def _id(self, index: QModelIndex) -> str | None:
        node = self.model.node(index)
        return node.id if node is not None else None

    def _rows(self, name: str) -> Callable[[QModelIndex, int, int], None]:
        return lambda parent, first, last: self.records.append((name, self._id(parent), first, last))

    def _moved(self, name: str) -> Callable[[QModelIndex, int, int, QModelIndex, int], None]:
        def record(source: QModelIndex, first: int, last: int, target: QModelIndex, row: int) -> None:
            self.records.append((name, self._id(source), first, last, self._id(target), row))

        return record

    def take(self) -> list[Record]:
        out, self.records = self.records, []
        return out


def group(kind: str, *args: object) -> list[Record]:
    """The one signal group a change should make: e.g. rowsAboutToBeInserted + rowsInserted."""
    if kind == "dataChanged":
        return [("dataChanged", *args)]
    about = {
        "Inserted": "rowsAboutToBeInserted",
        "Removed": "rowsAboutToBeRemoved",
        "Moved": "rowsAboutToBeMoved",
    }
    return [(about[kind], *args), (f"rows{kind}", *args)]


@pytest.fixture
def applications(monkeypatch: pytest.MonkeyPatch) -> list[edits.Edit]:
    """Every edit the core applies, in order (edits.apply goes through edits.perform too)."""
    applied: list[edits.Edit] = []
    perform = edits.perform

    def counting(b: Briefing, edit: edits.Edit) -> edits.Applied:
        applied.append(edit)
        return perform(b, edit)

    monkeypatch.setattr(edits, "perform", counting)
    return applied


@pytest.fixture
def model(qapp, qtmodeltester) -> Iterator[BriefingModel]:
    model = BriefingModel(briefing(), QUndoStack())
    qtmodeltester.check(model)  # Qt's tester keeps checking every change below
    yield model


def outline(model: BriefingModel, parent: QModelIndex | None = None) -> list[object]:
    """What the views see: the rows' ids and labels, nested under their sections."""
    parent = parent if parent is not None else QModelIndex()
    rows: list[object] = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        node = model.node(index)
        assert node is not None
        label = index.data()
        rows.append(
            (node.id, label, outline(model, index)) if isinstance(node, Section) else (node.id, label)
        )
    return rows


def briefing_outline(sections: list[Section]) -> list[object]:
    """The same, read from the briefing itself."""
    return [
        (s.id, s.title, [*((b.id, block_label(b)) for b in outline_blocks(s)), *briefing_outline(s.sections)])
        for s in sections
    ]


CASES = {
    "add a block": (
        edits.AddBlock("analysis", 1, Paragraph("new", id="new")),
        group("Inserted", "analysis", 1, 1),
        group("Removed", "analysis", 1, 1),
    ),
    "add a block after a matrix cell": (
        edits.AddBlock("implications", 2, Paragraph("new", id="new")),
        group("Inserted", "implications", 1, 1),
        group("Removed", "implications", 1, 1),
    ),
    "remove a block": (
        edits.RemoveBlock("p2"),
        group("Removed", "analysis", 1, 1),
        group("Inserted", "analysis", 1, 1),
    ),
    "move a block down within its section": (
        edits.MoveBlock("p1", "analysis", 2),
        group("Moved", "analysis", 0, 0, "analysis", 3),
        group("Moved", "analysis", 2, 2, "analysis", 0),
    ),
    "move a block to another section": (
        edits.MoveBlock("p1", "background", 0),
        group("Moved", "analysis", 0, 0, "background", 0),
        group("Moved", "background", 0, 0, "analysis", 0),
    ),
    "add a section": (
        edits.AddSection("implications", 1, Section("Australia", id="au", blocks=[Paragraph("in")])),
        group("Inserted", "implications", 2, 2),
        group("Removed", "implications", 2, 2),
    ),
    "remove a section": (
        edits.RemoveSection("japan"),
        group("Removed", "implications", 3, 3),
        group("Inserted", "implications", 3, 3),
    ),
    "move a section within its parent": (
        edits.MoveSection("sources", None, 0),
        group("Moved", None, 7, 7, None, 0),
        group("Moved", None, 0, 0, None, 8),
    ),
    "move a section to another parent": (
        edits.MoveSection("japan", "analysis", 0),
        group("Moved", "implications", 3, 3, "analysis", 3),
        group("Moved", "analysis", 3, 3, "implications", 3),
    ),
    "change a block": (
        edits.EditText("p1", "We assess"),
        group("dataChanged", "p1"),
        group("dataChanged", "p1"),
    ),
    "rename a section": (
        edits.RenameSection("analysis", "Assessment"),
        group("dataChanged", "analysis"),
        group("dataChanged", "analysis"),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_edit_undo_and_redo_is_applied_once_and_announced_once(
    model: BriefingModel, applications: list[edits.Edit], case: str
) -> None:
    edit, done, undone = CASES[case]
    signals = Signals(model)
    before = outline(model)
    assert model.do(edit)
    assert applications == [edit]  # once: no trial run, no second application
    assert signals.take() == done
    after = outline(model)
    assert after == briefing_outline(model.briefing.sections) != before

    model.undo_stack.undo()
    assert len(applications) == 2
    assert signals.take() == undone
    assert outline(model) == before == briefing_outline(model.briefing.sections)

    model.undo_stack.redo()
    assert len(applications) == 3
    assert signals.take() == done
    assert outline(model) == after


def test_a_batch_applies_each_edit_once_and_undoes_as_one_step(
    model: BriefingModel, applications: list[edits.Edit]
) -> None:
    batch = [edits.RemoveBlock("p1"), edits.MoveBlock("p2", "background", 0), edits.EditText("p3", "x")]
    signals = Signals(model)
    assert model.do_all(batch, "Tidy")
    assert applications == batch
    assert [r[0] for r in signals.take()] == [
        "rowsAboutToBeRemoved",
        "rowsRemoved",
        "rowsAboutToBeMoved",
        "rowsMoved",
        "dataChanged",
    ]
    assert model.undo_stack.count() == 1
    model.undo_stack.undo()
    assert outline(model) == briefing_outline(briefing().sections)


def test_a_refused_batch_leaves_the_outline_and_the_undo_stack_as_they_were(model: BriefingModel) -> None:
    before = outline(model)
    refused: list[str] = []
    model.refused.connect(refused.append)
    assert not model.do_all([edits.RemoveBlock("p1"), edits.RemoveBlock("no-such-block")], "Delete")
    assert outline(model) == before and model.undo_stack.count() == 0
    assert refused and "no-such-block" in refused[0]


def test_matrix_cells_change_the_grid_but_no_outline_row(model: BriefingModel) -> None:
    signals = Signals(model)
    structure: list[bool] = []
    changed: list[str] = []
    model.structure_changed.connect(lambda: structure.append(True))
    model.block_changed.connect(changed.append)
    assert model.do(edits.AddBlock("implications", 0, MatrixCell("us", "economic", "Tariffs", id="c2")))
    assert model.do(edits.MoveBlock("c2", "implications", 2))  # past the paragraph: its row stays
    assert model.do(edits.EditText("cell", "More patrols"))
    assert model.do(edits.RemoveBlock("c2"))
    # No outline row: only the matrix's row repaints its badge while unsourced cells come and go.
    assert signals.take() == [("dataChanged", "implications")] * 2
    assert len(structure) == 3 and changed == ["cell"]
    assert outline(model) == briefing_outline(model.briefing.sections)


@hs.composite
def _edit_for(draw: hs.DrawFn, b: Briefing) -> edits.Edit:
    sections = [s.id for _, s in walk_sections(b)]
    blocks = [blk.id for _, s in walk_sections(b) for blk in s.blocks]
    kind = draw(hs.sampled_from(["add", "remove", "move", "add section", "remove section", "move section"]))
    if kind == "add" or (not blocks and kind in ("remove", "move")):
        block = draw(hs.sampled_from([Paragraph("x"), KeyJudgment("y"), MatrixCell("us", "economic", "z")]))
        return edits.AddBlock(draw(hs.sampled_from(sections)), draw(hs.integers(-1, 3)), block)
    if kind == "remove":
        return edits.RemoveBlock(draw(hs.sampled_from(blocks)))
    if kind == "move":
        return edits.MoveBlock(
            draw(hs.sampled_from(blocks)), draw(hs.sampled_from(sections)), draw(hs.integers(-1, 4))
        )
    parent = draw(hs.sampled_from([None, *sections]))
    if kind == "add section":
        return edits.AddSection(parent, draw(hs.integers(-1, 2)), Section("New", blocks=[Paragraph("in")]))
    if kind == "remove section":
        return edits.RemoveSection(draw(hs.sampled_from(sections)))
    return edits.MoveSection(draw(hs.sampled_from(sections)), parent, draw(hs.integers(-1, 3)))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=hs.data())
def test_after_any_edits_undos_and_redos_the_rows_are_the_briefings(
    qapp, qtmodeltester, data: hs.DataObject
) -> None:
    model = BriefingModel(briefing(), QUndoStack())
    qtmodeltester.check(model)
    for _ in range(data.draw(hs.integers(1, 10))):
        step = data.draw(hs.sampled_from(["edit", "edit", "undo", "redo"]))
        if step == "undo":
            model.undo_stack.undo()
        elif step == "redo":
            model.undo_stack.redo()
        else:
            model.do(data.draw(_edit_for(model.briefing)))
        assert outline(model) == briefing_outline(model.briefing.sections)
    signals = Signals(model)
    model.undo_stack.setIndex(0)
    assert ("modelReset",) not in signals.take()
    assert outline(model) == briefing_outline(briefing().sections)
