"""Shared briefings in the window: File → Open Team Briefing…, Save to Team, Publish to Team, and
the review state (Briefing → Review State).

A team briefing is edited in its local copy (`jobs.take_copy`): the window's file saving,
autosave and recovery keep every edit until the team save succeeds.  Save to Team saves the copy,
then sends it as the next version; when someone saved in between, the core merges block by block
(the merge used for a file changed on disk) and the window asks only when the same block changed
on both sides.  The merge comes into the open briefing as one undo step.  A lost connection is
tried again by the session, then reported: the edits stay in the copy.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMenu,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from briefer.core import team
from briefer.core.briefing import storage
from briefer.core.briefing.merge import Side
from briefer.gui.briefing.session import BriefingSession
from briefer.gui.briefing.switch import BriefingSwitch
from briefer.gui.distribution.keychain import Keychain
from briefer.gui.job_runner import JobRunner
from briefer.gui.team import jobs
from briefer.gui.team.connect import EXPECTED, TeamAccess, describe
from briefer.gui.team.leases import person

STATE_NAMES = {"draft": "Draft", "in_review": "In Review", "released": "Released"}
ONLY_EDITORS = "Only editors release a briefing; ask an editor of this team archive"


class OpenTeamBriefing(QDialog):
    """The team's briefings (title, version, state, owner, last save); `chosen` is the id."""

    def __init__(self, parent: QWidget | None, listed: list[team.SharedBriefing]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open Team Briefing")
        self.setAccessibleName("Open Team Briefing")
        self.table = QTreeWidget()
        self.table.setAccessibleName("Team briefings")
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(["Title", "Version", "State", "Owner", "Last saved"])
        for item in listed:
            row = QTreeWidgetItem(
                [
                    item.title or item.id,
                    str(item.version),
                    STATE_NAMES.get(item.state, item.state),
                    item.owner,
                    f"{item.saved_at:%Y-%m-%d %H:%M} by {item.saved_by}",
                ]
            )
            row.setData(0, Qt.ItemDataRole.UserRole, item.id)
            self.table.addTopLevelItem(row)
        first = self.table.topLevelItem(0)
        if first is not None:
            self.table.setCurrentItem(first)
        self.table.itemActivated.connect(self.accept)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(720, 360)

    @property
    def chosen(self) -> str | None:
        item = self.table.currentItem()
        return str(item.data(0, Qt.ItemDataRole.UserRole)) if item is not None else None

    @classmethod
    def ask(cls, parent: QWidget | None, listed: list[team.SharedBriefing]) -> str | None:
        dialog = cls(parent, listed)
        return dialog.chosen if dialog.exec() == QDialog.DialogCode.Accepted else None


class TeamConflicts:
    @classmethod
    def ask(cls, parent: QWidget | None, conflict: team.SaveConflict) -> Side | None:
        """Both this analyst and the team's version changed the same blocks: keep which (None: not now)."""
        count = len(conflict.conflicts)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Changed by you and the team",
            f"Version {conflict.latest} was saved since yours ({conflict.base}), and {count} of the "
            f"same part{'s were' if count != 1 else ' was'} changed there too.",
            QMessageBox.StandardButton.NoButton,
            parent,
        )
        box.setInformativeText("Everything else is merged. For these, keep your version or the team's.")
        box.setDetailedText(
            "\n".join(
                f"{c.what}: you {c.ours} it, version {conflict.latest} {c.theirs} it"
                for c in conflict.conflicts
            )
        )
        mine = box.addButton("Keep Mine", QMessageBox.ButtonRole.AcceptRole)
        theirs = box.addButton(f"Keep Version {conflict.latest}", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(mine)
        box.exec()
        clicked = box.clickedButton()
        return "ours" if clicked is mine else "theirs" if clicked is theirs else None


class TeamBriefings(QObject):
    reported = Signal(str)  # an outcome, for the status bar
    failed = Signal(str)  # a problem the user must read

    def __init__(
        self,
        window: QWidget,
        session: BriefingSession,
        switch: BriefingSwitch,
        *,
        access: TeamAccess | None,
        keychain: Keychain,
    ) -> None:
        super().__init__(window)
        self._window, self._session, self._switch, self.access = window, session, switch, access
        self.data_dir = keychain.data_dir  # team-checkouts.json, as `briefer team checkout` keeps it
        self.team_session = (
            team.TeamSession(access.location, password=keychain.secret) if access is not None else None
        )
        self._runner = JobRunner(expected=EXPECTED, parent=self)
        self.open_action = QAction("Open &Team Briefing\u2026", window)
        self.save_action = QAction("Sa&ve to Team", window)
        self.open_action.setShortcut("Ctrl+Alt+O")
        self.save_action.setShortcut("Ctrl+Alt+S")
        self.publish_action = QAction("&Publish to Team", window)
        self.state_actions = {state: QAction(name, window) for state, name in STATE_NAMES.items()}
        self.state_group = QActionGroup(self)  # the state the team's briefing was last seen in
        for action in self.state_actions.values():
            action.setCheckable(True)
            self.state_group.addAction(action)
        self.shown: team.SharedBriefing | None = None  # the open shared briefing, as last read
        self.state_menu = QMenu("Review &State", window)
        self.state_menu.addActions(list(self.state_actions.values()))
        self.open_action.triggered.connect(self.open_briefing)
        self.save_action.triggered.connect(self.save_to_team)
        self.publish_action.triggered.connect(self.publish)
        for state, action in self.state_actions.items():
            action.triggered.connect(lambda _=False, state=state: self.move_to(state))
        session.changed.connect(self.update_actions)
        self._runner.busy_changed.connect(self.update_actions)
        self.update_actions()

    def install(self, file_menu: QMenu, briefing_menu: QMenu, before: QAction, state_before: QAction) -> None:
        """File's team actions go before `before`; Review State before `state_before` (Send stays last)."""
        file_menu.insertActions(before, [self.open_action, self.save_action, self.publish_action])
        file_menu.insertSeparator(before)
        briefing_menu.insertMenu(state_before, self.state_menu)
        briefing_menu.insertSeparator(state_before)

    # -- what is open ------------------------------------------------------------------
    def checkout(self) -> team.Checkout | None:
        """The team version the open briefing's file was taken at, in this team archive."""
        path = self._session.path
        if self.access is None or path is None:
            return None
        found = team.Checkouts(self.data_dir).get(path)
        if found is None or found.location != self.access.location.display:
            return None
        return found if found.briefing_id == self._session.briefing.id else None

    def shared_id(self) -> str | None:
        """The open briefing's id when it is a copy of one of this team archive's briefings."""
        checkout = self.checkout()
        return checkout.briefing_id if checkout is not None else None

    @Slot()
    def update_actions(self, *_: object) -> None:
        access, idle, shared = self.access, not self._runner.busy, self.checkout() is not None
        writer = access is not None and access.role != "reader"
        shown = self.shown if shared and self.shown and self.shown.id == self._session.briefing.id else None
        # The database refuses an analyst's save of someone else's briefing: say so before.
        others = (
            shown is not None and access is not None and not access.may_release and shown.owner != access.user
        )
        self.open_action.setEnabled(access is not None and idle)
        self.save_action.setEnabled(writer and idle and shared and not others)
        self.publish_action.setEnabled(writer and idle and not shared)
        self.state_menu.setEnabled(writer and idle and shared)
        away = "" if access is not None else "Connect to a team archive first (Archive menu)"
        for action in (self.open_action, self.save_action, self.publish_action):
            action.setToolTip(away)
        if others and shown is not None:
            self.save_action.setToolTip(f"Only its owner ({shown.owner}) or an editor saves this briefing")
        release = self.state_actions["released"]
        release.setEnabled(access is not None and access.may_release)
        release.setToolTip("" if release.isEnabled() else ONLY_EDITORS)
        self.state_menu.setToolTipsVisible(True)
        for state, action in self.state_actions.items():
            action.setChecked(shown is not None and shown.state == state)

    # -- opening -----------------------------------------------------------------------
    @Slot()
    def open_briefing(self) -> bool:
        session = self.team_session
        if session is None:
            return False
        return self._runner.run(
            lambda progress, cancel: session.run(team.list_shared), self._listed, self._failed
        )

    def _listed(self, listed: Any) -> None:
        if not listed:
            self.reported.emit(
                "The team archive holds no shared briefings yet: Publish to Team shares the open one"
            )
            return
        chosen = OpenTeamBriefing.ask(self._window, listed)
        if chosen is None or not self._switch.settle():
            return
        session, data_dir = self.team_session, self.data_dir
        assert session is not None
        self._runner.run(
            lambda progress, cancel: jobs.take_copy(session, data_dir, chosen), self._copied, self._failed
        )

    def _copied(self, copy: Any) -> None:
        if not self._switch.open_path(copy.path):
            return
        self.shown = copy.shared
        self.update_actions()
        state = f"{STATE_NAMES[copy.shared.state].lower()}, owner {copy.shared.owner}"
        if copy.kept_edits:
            self.reported.emit(
                f"Opened your copy, taken at version {copy.version} ({state}), with edits not yet saved to "
                "the team: Save to Team merges them with the latest version"
            )
        else:
            self.reported.emit(f"Opened version {copy.version} of the team briefing ({state})")

    # -- saving ------------------------------------------------------------------------
    @Slot()
    def save_to_team(self) -> bool:
        return self.save()

    def save(self, keep: Side | None = None) -> bool:
        """Save the copy, then send it as the team's next version (merged with others' saves);
        `keep` settles the blocks both changed, once the analyst has chosen."""
        checkout, session = self.checkout(), self.team_session
        path = self._session.path
        if checkout is None or session is None or path is None:
            return False
        if self._session.modified and not self._switch.save():
            return False  # the copy could not be saved: nothing is sent
        briefing, data_dir, revision = self._session.briefing, self.data_dir, self._session.revision
        return self._runner.run(
            lambda progress, cancel: jobs.save_copy(
                session, data_dir, path, briefing, checkout.version, revision, keep
            ),
            self._saved,
            self._failed,
        )

    def _saved(self, result: Any) -> None:
        saved = result.saved
        self.shown = saved.shared
        version, other = saved.shared.version, saved.merged_from
        if other is None:
            self.reported.emit(f"Saved version {version} to the team archive")
        elif result.revision is None:
            self.failed.emit(
                f"Saved version {version} to the team archive, merged with version {other}, but your "
                f"copy could not be updated ({result.problem}); Save to Team again brings the merge in"
            )
        else:  # the copy holds what the team holds: one undo step in the window
            merged = storage.Loaded(saved.briefing, result.revision)
            self._session.take_disk_version(merged, saved.briefing, f"Merge Team Version {other}")
            self.reported.emit(f"Saved version {version} to the team archive, merged with version {other}")
        self.update_actions()

    # -- publishing and the review state -----------------------------------------------------
    @Slot()
    def publish(self) -> bool:
        session = self.team_session
        if session is None:
            return False
        unsaved = self._session.path is None or self._session.modified
        if unsaved and not self._switch.save():
            return False
        path, briefing, data_dir = self._session.path, self._session.briefing, self.data_dir
        assert path is not None
        return self._runner.run(
            lambda progress, cancel: jobs.publish(session, data_dir, path, briefing),
            self._published,
            self._failed,
        )

    def _published(self, published: Any) -> None:
        self.shown = published
        self.reported.emit(f"Published \u201c{published.title}\u201d to the team archive as version 1")
        self.update_actions()

    def move_to(self, state: str) -> bool:
        checkout, session = self.checkout(), self.team_session
        if checkout is None or session is None:
            return False
        briefing_id = checkout.briefing_id
        return self._runner.run(
            lambda progress, cancel: session.run(lambda c: team.set_state(c, briefing_id, state)),
            self._moved,
            self._failed,
        )

    def _moved(self, moved: Any) -> None:
        self.shown = moved
        self.update_actions()
        self.reported.emit(f"\u201c{moved.title}\u201d is now {STATE_NAMES[moved.state].lower()}")

    # -- what others did since ----------------------------------------------------------
    @Slot(object)
    def take_latest(self, latest: team.SharedBriefing) -> None:
        """The open briefing as the server has it now (read by the lease poll): its review state
        follows what an editor set, and a version someone else saved is told once."""
        checkout = self.checkout()
        if checkout is None or latest.id != checkout.briefing_id or self._runner.busy:
            return  # another briefing is open now, or a save of ours is on its way
        before, self.shown = self.shown, latest
        self.update_actions()
        newer = latest.version > max(checkout.version, before.version if before else 0)
        if newer and latest.saved_by != (self.access.user if self.access else None):
            self.reported.emit(
                f"{person(latest.saved_by)} saved version {latest.version} to the team: "
                "Save to Team merges it with your edits"
            )
        elif before is not None and before.state != latest.state:
            self.reported.emit(f"\u201c{latest.title}\u201d is now {STATE_NAMES[latest.state].lower()}")

    # -- failures ----------------------------------------------------------------------
    def _failed(self, exc: Any) -> None:
        if isinstance(exc, team.SaveConflict):
            keep = TeamConflicts.ask(self._window, exc)
            if keep is None:
                self.reported.emit("Not saved to the team; your edits stay in your copy")
            else:
                self.save(keep)
            return
        if isinstance(exc, team.TeamConnectionLost | team.TeamUnreachable):
            self.failed.emit(f"{describe(exc, self.access.location if self.access else None)} {KEPT}")
            return
        self.failed.emit(describe(exc, self.access.location if self.access else None))

    def shutdown(self) -> None:
        self._runner.wait()
        if self.team_session is not None:
            self.team_session.close()


KEPT = "Your edits are kept in your copy of the briefing on this computer; try again when the server answers."
