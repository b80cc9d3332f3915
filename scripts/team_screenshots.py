"""Render the window's team-archive states offscreen into docs/screenshots/*.png.

    python scripts/team_screenshots.py [--out docs/screenshots] [--size 1280x800] [--if-server-installed]

Starts a throwaway PostgreSQL server (initdb + pg_ctl in a temporary folder, on a Unix socket;
as the `postgres` user when run as root), makes a team archive "newsroom" holding two articles and
a shared briefing, and shows: the Connect to Team Archive dialog asking Min Park for a password,
the window on the team archive (its status bar names it), and the outline with "Ola Berg is
editing" beside the section that colleague is in.  Everything lives in temporary folders with temporary
settings and an in-memory keychain.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse
import contextlib
import gc
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import keyring
import psycopg
from keyring.backend import KeyringBackend
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from briefer.core import paths, team
from briefer.core.archive import Archive
from briefer.core.briefing import edits, templates
from briefer.core.briefing.model import KeyJudgment, Paragraph
from briefer.core.team import briefings as shared
from briefer.core.team import leases
from briefer.gui.app import create_application
from briefer.gui.team import briefings as team_gui
from briefer.gui.team.host import ArchiveHost
from scripts.screenshots import SIZE, settle, wait_until

REPO = Path(__file__).resolve().parents[1]
ARTICLE = """---
title: {title}
source: Harbor Wire
published: 2024-03-0{day}
---

{text}
"""


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


def _pg_bin() -> Path:
    for version in ("17", "16", "15"):
        candidate = Path(f"/usr/lib/postgresql/{version}/bin")
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    raise SystemExit("PostgreSQL's server is not installed (Debian: postgresql postgresql-contrib)")


@contextlib.contextmanager
def server() -> Iterator[str]:
    """A throwaway server's admin URL (the superuser `postgres` over a Unix socket)."""
    bindir, root = _pg_bin(), Path(tempfile.mkdtemp(prefix="briefer-pg-shots-"))
    as_server = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres")

    def run(*args: str) -> None:
        subprocess.run([*as_server, str(bindir / args[0]), *args[1:]], check=True, capture_output=True)

    data = root / "data"
    run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale", "C.UTF-8")
    hba = data / "pg_hba.conf"
    hba.write_text("local all min_park scram-sha-256\n" + hba.read_text())
    options = f"-k {root} -c listen_addresses='' -c fsync=off"
    run("pg_ctl", "-D", str(data), "-l", str(root / "log"), "-w", "-o", options, "start")
    try:
        yield f"postgresql://postgres@/postgres?host={root}"
    finally:
        subprocess.run([*as_server, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(root, ignore_errors=True)


def newsroom(admin_url: str, tmp: Path) -> tuple[str, str]:
    """The team archive "newsroom": two articles, a shared briefing; returns (Min Park's URL, its id)."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("CREATE DATABASE newsroom")
    url = admin_url.replace("/postgres?", "/newsroom?")
    articles = tmp / "articles"
    articles.mkdir()
    for day, (title, text) in enumerate(
        [
            ("Grain exports recover", "Ports on the Black Sea shipped more grain in March."),
            ("Insurers return to the corridor", "War-risk premiums for the corridor fell by a third."),
        ],
        start=1,
    ):
        (articles / f"article-{day}.md").write_text(ARTICLE.format(title=title, day=day, text=text))
    briefing = templates.new_briefing(templates.load("assessment"))
    briefing.metadata.title = "Black Sea grain corridor"
    edits.add_block(briefing, "key-judgments", KeyJudgment("We assess exports will keep growing.", id="kj"))
    edits.add_block(briefing, "analysis", Paragraph("Shipments rose for a third month.", id="para"))
    with team.connect(team.TeamLocation.parse(url), autocommit=True) as owner, Archive(tmp / "mine") as mine:
        team.migrate(owner)
        owner.execute("CREATE ROLE min_park LOGIN PASSWORD 'correct horse'")
        team.add_analyst(owner, "min_park", "analyst")
        team.add_analyst(owner, "ola_berg", "editor")
        mine.import_paths([articles])
        team.push(owner, mine)
    min_url = url.replace("postgres@", "min_park@", 1)
    with team.connect(team.TeamLocation.parse(min_url), password=lambda a: "correct horse") as min_park:
        shared.publish(min_park, briefing)
        min_park.commit()
    with team.connect(team.TeamLocation.parse(url.replace("postgres@", "ola_berg@", 1))) as ola_berg:
        leases.hold_lease(ola_berg, briefing.id, "analysis")  # a colleague is in the Analysis section
        ola_berg.commit()
    return min_url, briefing.id


def render(out: Path, size: tuple[int, int] = SIZE) -> list[Path]:
    keyring.set_keyring(MemoryKeyring())
    app: QApplication = create_application(["team-screenshots"])
    app.setStyle("Fusion")
    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []

    def grab(widget: object, name: str) -> None:
        settle(app)
        path = out / f"{name}.png"
        widget.grab().save(str(path))  # type: ignore[attr-defined]
        shots.append(path)

    with tempfile.TemporaryDirectory(prefix="briefer-team-shots-") as folder, server() as admin_url:
        tmp = Path(folder)
        paths.SAMPLE_ARCHIVE = tmp / "no-sample"
        min_url, briefing_id = newsroom(admin_url, tmp)
        settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
        host = ArchiveHost(personal_dir=tmp / "data", settings=settings)
        window = host.start(Archive(tmp / "data"))
        window.resize(*size)
        try:
            dialog = window.team_actions.reconnect(min_url)  # the server asks for a password
            wait_until(app, lambda: not dialog.connecting)
            dialog.password.setText("correct horse")
            grab(dialog, "27-team-connect")
            dialog.accept()
            wait_until(app, lambda: host.window is not window)
            team_window = host.window
            assert team_window is not None
            team_window.resize(*size)
            print(f"title: {team_window.windowTitle()}")
            print(f"status bar: {team_window.status.archive.text()}")
            grab(team_window, "28-team-archive-window")
            team_gui.OpenTeamBriefing.ask = classmethod(lambda cls, parent, listed: briefing_id)  # type: ignore[method-assign,assignment]
            team_window.team_briefings.open_action.trigger()
            wait_until(app, lambda: "editing" in team_window.session.model.editing_notice("analysis"))
            team_window.briefing.select("para")
            grab(team_window, "29-team-editing-notice")
        finally:
            host.shutdown()
            gc.collect()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="default: docs/screenshots[/WIDTHxHEIGHT]")
    parser.add_argument("--size", default="1280x800", help="the window's size, WIDTHxHEIGHT (1280x800)")
    parser.add_argument(
        "--if-server-installed",
        action="store_true",
        help="say so and stop (exit status 0) when PostgreSQL's server is not installed (`make screenshots`)",
    )
    args = parser.parse_args()
    if args.if_server_installed:
        try:
            _pg_bin()
        except SystemExit as missing:
            print(f"team screenshots skipped: {missing}")
            return
    width, height = (int(n) for n in args.size.lower().split("x"))
    out = args.out or REPO / "docs" / "screenshots"
    if args.out is None and (width, height) != SIZE:
        out = out / f"{width}x{height}"
    for path in render(out, (width, height)):
        print(path)


if __name__ == "__main__":
    main()
