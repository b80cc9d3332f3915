"""The one undo command: a core edit and its inverse (see briefer.core.briefing.edits).

`BriefingModel.do(edit)` applies the edit first, so a refused edit never
reaches the stack, then pushes an `EditCommand` holding the inverse.  Undo
applies the inverse (which returns the redo), redo applies that again.  Each
of these is one `BriefingModel.apply`: the core applies the edit once and
reports what changed, and the model passes that report on to the views.
Typing in an editor pushes one EditText per keystroke; consecutive ones for
the same block merge into a single undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from briefer.core.briefing import edits

if TYPE_CHECKING:
    from briefer.gui.briefing.model import BriefingModel

_MERGE_ID = 0x42524946  # "BRIF": any id other than -1 lets Qt ask mergeWith


def merge_key(edit: edits.Edit) -> tuple[str, str] | None:
    """Edits that typing produces, keyed by what they change; others never merge."""
    if isinstance(edit, edits.EditText):
        return ("text", edit.block_id)
    if isinstance(edit, edits.RenameSection):
        return ("title", edit.section_id)
    if isinstance(edit, edits.SetMetadata) and isinstance(edit.value, str):
        return ("metadata", edit.field)
    return None


class EditCommand(QUndoCommand):
    def __init__(self, model: BriefingModel, edit: edits.Edit, inverse: edits.Edit, text: str) -> None:
        super().__init__(text)
        self._model = model
        self._edit, self._inverse = edit, inverse
        self._applied = True  # BriefingModel.do applied it already: the first redo() is push()'s

    def id(self) -> int:
        return _MERGE_ID if merge_key(self._edit) is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditCommand):
            return False
        key = merge_key(self._edit)
        if key is None or key != merge_key(other._edit):
            return False
        self._edit = other._edit  # keep our inverse: undo goes back to before the first keystroke
        return True

    def redo(self) -> None:
        if self._applied:
            self._applied = False
            return
        self._inverse = self._model.apply(self._edit)

    def undo(self) -> None:
        self._edit = self._model.apply(self._inverse)
