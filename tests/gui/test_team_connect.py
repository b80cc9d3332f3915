"""Archive → Connect to Team Archive… on a real PostgreSQL server: each refusal worded for the
window, a password asked for only when the server wants one and kept in the keychain (never in
settings), the connection made in the background with Cancel, and switching archives replacing
the window with everything in it.

The window opens the team archive with the facade's team constructor (`open_team_archive`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QSettings

from briefer import cli
from briefer.core import team
from briefer.core.archive import Archive
from briefer.core.briefing import edits
from briefer.core.credentials import CredentialStore
from briefer.gui import app as gui_app
from briefer.gui import dialogs
from briefer.gui.mainwindow import MainWindow
from briefer.gui.team.actions import LOCATION_KEY
from briefer.gui.team.connect import ConnectDialog, TeamAccess, default_team_opener
from briefer.gui.team.host import ArchiveHost
from tests.conftest import write_article
from tests.team.conftest import as_user, team_url, unique  # noqa: F401 (a fixture)


@pytest.fixture
def team_archive(team_url: str, team_documents: Path) -> str:  # noqa: F811
    """A team archive holding the one article of `team_documents`."""
    with team.connect(team.TeamLocation.parse(team_url), autocommit=True) as admin:
        team.migrate(admin)
        with Archive(team_documents) as documents:
            team.push(admin, documents)
    return team_url


@pytest.fixture
def team_documents(tmp_path: Path) -> Path:
    """A personal archive holding one article, pushed into the team archive by `team_archive`."""
    folder = tmp_path / "team-articles"
    write_article(folder, "ports", "Ports on the Black Sea shipped more grain.", title="Team only: grain")
    with Archive(tmp_path / "team-data") as archive:
        archive.import_paths([folder])
    return tmp_path / "team-data"


class Opener:
    """The window's own opener (the facade on the team archive), which `hold` keeps opening until
    the test lets it go; it records what it opened and what was closed."""

    def __init__(self, data_dir: Path) -> None:
        self.real = default_team_opener(data_dir)
        self.hold: threading.Event | None = None
        self.entered = threading.Event()
        self.opened: list[Archive] = []
        self.closed: list[Archive] = []

    def __call__(self, location: team.TeamLocation, password: Callable[[str], str | None]) -> Archive:
        self.entered.set()
        if self.hold is not None:
            self.hold.wait(10)
        archive = self.real(location, password)
        self.opened.append(archive)
        close = archive.close

        def closing() -> None:
            self.closed.append(archive)
            close()

        archive.close = closing  # type: ignore[method-assign]
        return archive


@pytest.fixture
def host(qtbot: Any, archive: Archive, settings: QSettings) -> Iterator[ArchiveHost]:
    host = ArchiveHost(personal_dir=archive.data_dir, settings=settings, opener=Opener(archive.data_dir))
    host.start(archive)
    assert host.window is not None
    qtbot.waitUntil(lambda: host.window is not None and host.window.flow.status is not None)
    yield host
    host.shutdown()


def connect_in_window(qtbot: Any, window: MainWindow, location: str, password: str = "") -> ConnectDialog:
    window.team_actions.connect_action.trigger()
    dialog = window.team_actions.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.location.setText(location)
    dialog.password.setText(password)
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.connecting, timeout=15_000)
    return dialog


def problem(dialog: ConnectDialog) -> str:
    return dialog.problem.text() if dialog.problem.isVisible() else ""


def test_each_refusal_is_worded_for_the_window(qtbot: Any, host: ArchiveHost, team_url: str) -> None:  # noqa: F811
    window = host.window
    assert window is not None
    dialog = connect_in_window(qtbot, window, team_url)  # a database with no Briefer schema
    assert "not a Briefer team archive" in problem(dialog) and "Setting the server up" in problem(dialog)

    with team.connect(team.TeamLocation.parse(team_url), autocommit=True) as admin:
        team.migrate(admin)
        admin.execute("INSERT INTO briefer.schema_migrations (version, description) VALUES (999, 'future')")
    dialog = connect_in_window(qtbot, window, team_url)
    assert (
        "newer Briefer" in problem(dialog)
        and "999" in problem(dialog)
        and "Update Briefer" in problem(dialog)
    )

    nowhere = team_url.split("?host=")[0] + "?host=/nonexistent-socket-folder"
    dialog = connect_in_window(qtbot, window, nowhere)
    assert "cannot reach" in problem(dialog) and "Check the location" in problem(dialog)

    dialog = connect_in_window(qtbot, window, "not a location!")
    assert "is not a team archive location" in problem(dialog)
    assert host.window is window and window.team is None  # nothing was switched
    dialog.reject()


def test_a_password_is_asked_for_when_the_server_wants_one_and_kept_in_the_keychain(
    qtbot: Any, host: ArchiveHost, team_archive: str, settings: QSettings, tmp_path: Path
) -> None:
    name = unique("min_park")
    with team.connect(team.TeamLocation.parse(team_archive), autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {name} LOGIN PASSWORD 'correct horse' IN ROLE password_users".encode())
        team.add_analyst(admin, name, "analyst")
    mine = as_user(team_archive, name)
    window = host.window
    assert window is not None
    dialog = connect_in_window(qtbot, window, mine)
    assert "asks for a password" in problem(dialog)
    assert dialog.form.isRowVisible(dialog.password)  # shown only now

    dialog.password.setText("wrong")
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.connecting, timeout=15_000)
    assert "refused the password" in problem(dialog) and dialog.password.text() == ""

    dialog.password.setText("correct horse")
    dialog.accept()
    qtbot.waitUntil(lambda: host.window is not window, timeout=15_000)
    location = team.TeamLocation.parse(mine)
    keychain = CredentialStore.for_data_dir(host.keychain.data_dir)
    assert keychain.get(location.credential_account) == "correct horse"  # `team login`'s account
    settings.sync()
    kept = Path(settings.fileName()).read_text(encoding="utf-8")
    assert "correct horse" not in kept and str(settings.value(LOCATION_KEY)) == location.address
    assert not any("correct horse" in p.read_text(errors="replace") for p in tmp_path.rglob("*.log"))


def test_switching_archives_replaces_the_window_and_back(
    qtbot: Any, host: ArchiveHost, team_archive: str, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    personal = host.window
    assert personal is not None
    assert personal.status.archive.text() == "Personal archive"
    assert not personal.team_actions.personal_action.isEnabled()
    personal.session.model.do(edits.SetMetadata("title", "My own assessment"))  # unsaved, personal
    asked: list[str] = []

    def answer(choice: dialogs.Choice) -> None:
        monkeypatch.setattr(
            dialogs.UnsavedChanges, "ask", classmethod(lambda cls, p, title: asked.append(title) or choice)
        )

    answer(dialogs.Choice.CANCEL)
    connect_in_window(qtbot, personal, team_archive)
    assert asked == ["My own assessment"] and host.window is personal  # cancelled: nothing switched
    opener: Opener = host._opener  # type: ignore[assignment]
    assert len(opener.opened) == 1 and opener.closed == opener.opened

    answer(dialogs.Choice.DISCARD)
    connect_in_window(qtbot, personal, team_archive)
    window = host.window
    assert window is not personal and window is not None
    assert not shiboken6.isValid(personal) or not personal.isVisible()  # gone, with all it showed
    name = team.TeamLocation.parse(team_archive).name
    assert f"Team archive: {name}" in window.windowTitle()
    assert window.status.archive.text() == f"Team archive: {name}"
    assert "My own assessment" not in window.windowTitle()  # the personal briefing stayed behind
    qtbot.waitUntil(lambda: window.flow.status is not None)
    assert window.flow.status is not None and window.flow.status.documents == 1  # the team's document
    assert window.team_actions.personal_action.isEnabled()
    assert str(settings.value(LOCATION_KEY)) == team.TeamLocation.parse(team_archive).address

    window.team_actions.personal_action.trigger()
    back = host.window
    assert back is not window and back is not None and back.team is None
    assert back.status.archive.text() == "Personal archive" and "Team archive" not in back.windowTitle()
    assert settings.value(LOCATION_KEY) is None  # the next start opens the personal archive
    assert opener.closed == opener.opened  # the team archive's connection went with its window


def test_cancel_gives_a_slow_connection_up_and_closes_what_opens_after_all(
    qtbot: Any, host: ArchiveHost, team_archive: str
) -> None:
    window = host.window
    assert window is not None
    opener: Opener = host._opener  # type: ignore[assignment]
    opener.hold = threading.Event()
    window.team_actions.connect_action.trigger()
    dialog = window.team_actions.dialog
    assert dialog is not None
    dialog.location.setText(team_archive)
    dialog.accept()
    assert dialog.connecting and dialog.progress.isVisible() and not dialog.connect_button.isEnabled()
    assert opener.entered.wait(10)  # the server said yes; the archive is being opened
    dialog.reject()  # Cancel: the dialog goes at once
    assert not dialog.isVisible()
    opener.hold.set()
    qtbot.waitUntil(lambda: not dialog.connecting, timeout=15_000)
    assert host.window is window and opener.opened and opener.closed == opener.opened


@pytest.mark.parametrize("named_by", ["settings", "command line"])
def test_the_team_archive_open_at_quit_or_named_is_connected_to_at_start(
    qtbot: Any, archive: Archive, settings: QSettings, team_archive: str, named_by: str
) -> None:
    address = team.TeamLocation.parse(team_archive).address
    if named_by == "settings":
        settings.setValue(LOCATION_KEY, address)
    host = ArchiveHost(personal_dir=archive.data_dir, settings=settings, opener=Opener(archive.data_dir))
    first = host.start(archive, team=address if named_by == "command line" else "")
    try:
        dialog = first.team_actions.dialog
        assert dialog is not None and dialog.isVisible() and dialog.connecting  # shown, with Cancel
        qtbot.waitUntil(lambda: host.window is not first, timeout=15_000)
        assert host.window is not None and host.window.team is not None
    finally:
        host.shutdown()


def test_briefer_with_a_team_archive_and_no_command_opens_the_window_on_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(gui_app, "main", lambda **kwargs: started.append(kwargs) or 0)  # no window here
    monkeypatch.setenv("BRIEFER_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["--team", "postgresql://alice:secret@db.example/newsroom"]) == 0
    [kwargs] = started
    assert kwargs["team"] == "postgresql://alice@db.example/newsroom"  # the password stays out


def test_a_team_archive_never_gets_the_bundled_sample(
    qtbot: Any,
    settings: QSettings,
    team_url: str,  # noqa: F811
    tmp_path: Path,
    fake_sample: Path,
) -> None:
    """An empty team archive is not a first start: the sample (for one analyst trying Briefer) is
    neither imported into it nor offered."""
    with team.connect(team.TeamLocation.parse(team_url), autocommit=True) as admin:
        team.migrate(admin)
    location = team.TeamLocation.parse(team_url)
    archive = default_team_opener(tmp_path / "data")(location, lambda account: None)
    window = MainWindow(archive=archive, settings=settings, team=TeamAccess(location, "postgres", "editor"))
    qtbot.addWidget(window)
    try:
        window.start()
        qtbot.waitUntil(lambda: window.flow.status is not None and not window.flow.busy, timeout=15_000)
        assert window.flow.status is not None and not window.flow.status.sample_available
        assert not window.import_sample_action.isEnabled() and archive.stats().documents == 0
    finally:
        window.close()
        archive.close()


def test_a_login_that_is_no_analyst_there_is_told_so(
    qtbot: Any, host: ArchiveHost, team_archive: str
) -> None:
    stranger = unique("stranger")
    with team.connect(team.TeamLocation.parse(team_archive), autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {stranger} LOGIN".encode())  # a PostgreSQL login, no Briefer role
    window = host.window
    assert window is not None
    dialog = connect_in_window(qtbot, window, as_user(team_archive, stranger))
    assert f"{stranger} is not an analyst of this team archive" in problem(dialog)
    assert host.window is window
    dialog.reject()


def test_the_window_leaves_a_team_archives_index_to_its_server(
    qtbot: Any,
    settings: QSettings,
    team_archive: str,
    tmp_path: Path,
) -> None:
    """A pushed document the server has not indexed yet is no reason to rebuild an index: the
    window has none for a team archive (it tried, and showed 'nothing to rebuild' at every start)."""
    location = team.TeamLocation.parse(team_archive)
    archive = default_team_opener(tmp_path / "data")(location, lambda account: None)
    window = MainWindow(archive=archive, settings=settings, team=TeamAccess(location, "postgres", "editor"))
    qtbot.addWidget(window)
    problems: list[str] = []
    window.flow.failed.connect(problems.append)
    try:
        window.start()
        qtbot.waitUntil(lambda: window.flow.status is not None and not window.flow.busy, timeout=15_000)
        qtbot.wait(500)  # what the start continues with would have begun by now
        assert not window.flow.busy and problems == []
    finally:
        window.close()
        archive.close()
