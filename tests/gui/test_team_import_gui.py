"""Archive → Add Folder… in a window connected to a team archive (#23), on a real PostgreSQL
server: the files are parsed on this machine and sent to the team archive (never the personal
one), indexed for the team's search, and the colleagues find them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from briefer.core import team
from briefer.core.archive import Archive
from briefer.gui.indexing import FolderDialog
from briefer.gui.mainwindow import MainWindow
from briefer.gui.team.connect import TeamAccess, default_team_opener
from tests.conftest import write_article
from tests.team.conftest import as_user, team_url, unique  # noqa: F401 (a fixture)


def test_add_folder_in_a_window_on_a_team_archive_imports_into_the_team_archive(
    qtbot: Any,
    settings: QSettings,
    archive: Archive,
    team_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "reports"
    write_article(folder, "ports", "Ports on the Black Sea shipped more grain.", title="Black Sea ports")
    write_article(folder, "rail", "Shells went north by rail overnight.", title="Rail convoy")
    location = team.TeamLocation.parse(team_url)
    colleague = unique("colleague")
    with team.connect(location, autocommit=True) as admin:
        team.migrate(admin)
        team.add_analyst(admin, colleague, "reader")
    shared = default_team_opener(tmp_path / "data")(location, lambda account: None)
    window = MainWindow(archive=shared, settings=settings, team=TeamAccess(location, "postgres", "editor"))
    qtbot.addWidget(window)
    monkeypatch.setattr(FolderDialog, "ask", classmethod(lambda cls, parent: folder))
    problems: list[str] = []
    window.flow.failed.connect(problems.append)
    try:
        window.start()
        qtbot.waitUntil(lambda: window.flow.status is not None and not window.flow.busy, timeout=15_000)
        window.add_folder_action.trigger()
        qtbot.waitUntil(lambda: not window.flow.busy, timeout=60_000)
        assert problems == []
        assert "reports: 2 imported" in window.status.currentMessage()
        qtbot.keyClicks(window.search.query, "grain")
        qtbot.waitUntil(lambda: window.search.model.rowCount() == 1, timeout=15_000)
    finally:
        window.close()
        shared.close()
    assert archive.stats().documents == 0  # the personal archive got nothing
    with team.open_team_archive(as_user(team_url, colleague), tmp_path / "colleague") as theirs:
        assert sorted(d.title for d in theirs.catalog.documents(theirs.catalog.all_ids())) == [
            "Black Sea ports",
            "Rail convoy",
        ]
        assert [h.document.title for h in theirs.search("shells").hits] == ["Rail convoy"]
        assert sorted(f.path for f in theirs.file_statuses()) == sorted(str(p) for p in folder.iterdir())
