"""A window opened while another Briefer imports into the same archive leaves that import alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefer.core.archive import Archive
from briefer.gui.indexing import ImportFlow
from tests.core.test_import_progress import import_held_at_500
from tests.fault_support import make_import_folder


@pytest.mark.timeout(120)
def test_a_window_started_during_another_import_does_not_try_to_rebuild_the_index(
    tmp_path: Path, qtbot
) -> None:
    make_import_folder(tmp_path / "first", 800)
    data = tmp_path / "data"
    with import_held_at_500(data, tmp_path / "first"), Archive(data) as archive:
        flow = ImportFlow(archive)
        started: list[str] = []
        failures: list[str] = []
        flow.started.connect(started.append)
        flow.failed.connect(failures.append)
        flow.start()
        qtbot.waitUntil(lambda: flow.status is not None and not flow.busy, timeout=30_000)
        qtbot.wait(200)  # what the flow would start next has started by now
        assert flow.status is not None and flow.status.unindexed == 500
        assert flow.status.running == "an import is running (500 of 800 files)"
        assert (started, failures) == ([], [])
