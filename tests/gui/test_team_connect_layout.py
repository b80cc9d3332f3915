"""The connect dialog shows a long team archive location from its start (who and which server),
wide enough for a usual one, never wider than a screen leaves a dialog."""

from __future__ import annotations

from typing import Any

from briefer.gui.team.connect import ConnectDialog

USUAL = "postgresql://min_park@newsroom.example.org:5432/briefer?host=/tmp/briefer-pg-x0dfwiu6abc"


def dialog_for(qtbot: Any, location: str) -> ConnectDialog:
    dialog = ConnectDialog(None, keychain=None, opener=None, location=location)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_a_usual_location_is_shown_whole(qtbot: Any) -> None:
    dialog = dialog_for(qtbot, USUAL)
    field = dialog.location
    assert field.width() >= field.fontMetrics().horizontalAdvance(USUAL)
    assert field.cursorPosition() == 0 and field.toolTip() == USUAL


def test_a_location_given_later_widens_the_dialog_it_opened_in(qtbot: Any) -> None:
    dialog = dialog_for(qtbot, "")  # reconnecting at start: the dialog opens, then gets the location
    dialog.set_location(USUAL)
    qtbot.waitUntil(lambda: dialog.location.width() >= dialog.location.fontMetrics().horizontalAdvance(USUAL))
    assert dialog.location.cursorPosition() == 0


def test_a_very_long_location_shows_its_start_in_a_dialog_of_sensible_width(qtbot: Any) -> None:
    longest = USUAL + "&options=" + "x" * 400
    dialog = dialog_for(qtbot, longest)
    assert dialog.width() <= 900
    assert dialog.location.cursorPosition() == 0  # the user and server are in view, not the tail
    dialog.location.setText(USUAL)
    assert dialog.location.toolTip() == USUAL  # the tooltip follows what is typed
