"""A briefing file the user may not write: Save says so, the edits stay, autosave keeps them safe."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from briefer.core.briefing import edits, storage
from briefer.gui import dialogs
from tests.gui.conftest import status_read


def make_read_only(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod a-w; as root, whom permissions do not bind, access() is made to answer as for a user."""
    path.chmod(0o444)
    if os.geteuid() == 0:
        real_access = os.access

        def access(target: Any, mode: int, **kwargs: Any) -> bool:
            return not (mode & os.W_OK and Path(target) == path) and real_access(target, mode, **kwargs)

        monkeypatch.setattr(os, "access", access)


def test_saving_over_a_read_only_briefing_says_so_and_autosave_goes_on(
    make_window: Any, filled_archive: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(dialogs.RecoverChanges, "ask", classmethod(lambda cls, p, d: False))
    window = make_window()
    window.show()
    window.start()
    qtbot.waitUntil(lambda: status_read(window))
    path = tmp_path / "treaty.briefing"
    window.session.model.do(edits.RenameSection("analysis", "Saved"))
    monkeypatch.setattr(dialogs.BriefingFiles, "ask_save", classmethod(lambda cls, p, s: path))
    assert window.save_briefing()
    make_read_only(path, monkeypatch)
    before = path.read_bytes()

    window.session.model.do(edits.RenameSection("analysis", "Not saved"))
    assert not window.save_briefing()
    message = window.status.currentMessage()
    assert "read-only" in message and str(path) in message and "another name" in message
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert boxes and "read-only" in boxes[-1].text()
    for box in boxes:
        box.close()
    assert path.read_bytes() == before and window.isWindowModified()

    copy = window.session.autosave()  # the edit is kept safe in the recovery folder
    assert copy is not None and storage.load(copy).sections[3].title == "Not saved"
    other = tmp_path / "treaty-2.briefing"
    monkeypatch.setattr(dialogs.BriefingFiles, "ask_save", classmethod(lambda cls, p, s: other))
    assert window.save_briefing_as()  # under another name it is saved, and the recovery copy goes
    assert storage.load(other).sections[3].title == "Not saved" and not window.isWindowModified()
    assert not copy.exists() and path.read_bytes() == before
