"""Hostile .briefing files opened in the window: one clear line each, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from briefer.core.briefing import codec, storage, templates
from tests.gui.test_file_changed_on_disk import close_problem_boxes, open_window


def distribution_entry(path: Path) -> Path:
    data = codec.to_dict(templates.new_briefing(templates.load("spot")))
    data["metadata"]["distribution"] = [{"name": "", "address": "desk@localnet"}]
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "nests arrays and objects more than 100 levels deep (line 1)"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "nests arrays and objects more than 100 levels deep"),
        ('{"format": "briefer.briefing", "version": ' + "9" * 5_000 + "}", "is corrupt and cannot be read"),
        (None, "metadata.distribution[0].address: 'desk@localnet' is not an e-mail address"),
    ],
)
def test_a_hostile_file_is_refused_in_one_line_and_the_open_briefing_stays(
    make_window: Any, qtbot: Any, tmp_path: Path, content: str | None, reason: str
) -> None:
    good = tmp_path / "good.briefing"
    storage.save(templates.new_briefing(templates.load("spot"), title="Good"), good)
    window = open_window(make_window, qtbot, good)
    hostile = tmp_path / "hostile.briefing"
    if content is None:
        distribution_entry(hostile)
    else:
        hostile.write_text(content, encoding="utf-8")
    assert not window.open_path(hostile)
    [problem] = close_problem_boxes(window)
    assert problem.startswith(f"Cannot open the briefing: {hostile}") and reason in problem
    assert "\n" not in problem and len(problem) < 500
    assert window.session.path == good
