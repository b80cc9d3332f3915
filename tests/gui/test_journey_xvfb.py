"""The analyst's whole journey, in the real app on a real X server, driven only by X input events.

The test starts Xvfb, imports a small archive through the core, starts `python -m briefer`
on the xcb platform, and drives it with xdotool (XTEST keyboard and mouse events): search,
open the result, select a sentence in the reader with the mouse, drag it onto the Analysis
section, add a key judgment and type it, cite the excerpt from the Cite Evidence picker, fill a
matrix cell, save through the file dialog, export to Word. Then it checks what was written: the
.briefing re-opened with the core and the .docx read with python-docx.

Where to click comes from the window's geometry hook (briefer/gui/geometry_hook.py, enabled
by BRIEFER_GEOMETRY_FILE). Every wait is on a condition, never a fixed time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from briefer.core.archive import Archive
from briefer.core.briefing import storage
from briefer.core.briefing.matrix import find_cell
from briefer.core.briefing.model import Excerpt, KeyJudgment, find_section, key_judgments_section

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "screenshots" / "journey-end.png"
QUOTE = "Harbour talks resumed in Lisbon"
ARTICLE = (
    "Envoys meet\n\n"
    "Officials from both sides met on Tuesday morning.\n\n"
    f"{QUOTE}. The ministers left without a statement.\n\n"
    "A second round is planned for the spring.\n"
)
OTHER = "Grain prices\n\nGrain prices rose again in the spring as shipping costs climbed.\n"
JUDGMENT = "We assess that the talks will continue"
CELL = "Closer port cooperation with allies"
SLOW = 60.0  # seconds: a loaded 2-core machine can be this slow to react


def wait_for(
    condition: Callable[[], Any], what: str, detail: Callable[[], str] = str, timeout: float = SLOW
) -> Any:
    """Poll `condition` until it returns something truthy; fail naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}{detail()}")


def start_xvfb(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Xvfb on the first free display (it picks one itself and writes its number to a pipe)."""
    read_end, write_end = os.pipe()
    with log.open("w") as output:
        server = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stdout=output,
            stderr=output,
            pass_fds=(write_end,),
        )
    os.close(write_end)
    with os.fdopen(read_end) as numbers:
        number = numbers.readline().strip()  # empty when Xvfb exits without a display
    if not number:
        server.kill()
        server.wait()
        pytest.skip(f"Xvfb could not start: {log.read_text(errors='replace').strip()[-300:]}")
    return server, f":{number}"


@pytest.fixture
def display(tmp_path: Path) -> Iterator[str]:
    """A fresh Xvfb screen of 1280x800; skips, saying why, when Xvfb or xdotool is missing."""
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian: apt-get install xvfb xdotool)")
    server, name = start_xvfb(tmp_path / "xvfb.log")
    try:
        yield name
    finally:
        server.terminate()
        server.wait(timeout=10)


class Driver:
    """The running app, its geometry hook, and xdotool on its display."""

    def __init__(self, display: str, geometry: Path, app: subprocess.Popen[bytes]) -> None:
        self.display = display
        self.geometry = geometry
        self.app = app
        self.window = ""

    def xdotool(self, *args: str) -> str:
        env = {**os.environ, "DISPLAY": self.display}
        done = subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True, timeout=SLOW)
        assert done.returncode == 0, f"xdotool {' '.join(args)}: {done.stderr}"
        return done.stdout

    def key(self, *keys: str) -> None:
        self.xdotool("key", "--delay", "60", *keys)

    def type(self, text: str) -> None:
        self.xdotool("type", "--delay", "40", text)

    def where(self) -> dict[str, Any]:
        """The window's parts on screen, as the hook writes them on request."""
        assert self.app.poll() is None, "the app exited"
        request = self.geometry.with_name(self.geometry.name + ".request")
        request.write_text("", encoding="utf-8")
        wait_for(lambda: not request.exists(), "the geometry hook to answer")
        answer: dict[str, Any] = json.loads(self.geometry.read_text(encoding="utf-8"))
        return answer

    def until(self, test: Callable[[dict[str, Any]], Any], what: str) -> Any:
        seen: list[dict[str, Any]] = [{}]

        def check() -> Any:
            seen[0] = self.where()
            return test(seen[0])

        return wait_for(check, what, lambda: f"; the window: {seen[0]}")

    def refocus(self) -> None:
        """Give the main window the X input focus again: without a window manager, nobody returns it
        when a dialog closes."""
        self.xdotool("windowfocus", "--sync", self.window)
        self.until(lambda g: g["focus"], "the window to have the focus")

    def click(self, x: int, y: int) -> None:
        self.xdotool("mousemove", "--sync", str(x), str(y), "click", "1")

    def drag(self, start: tuple[int, int], end: tuple[int, int], steps: int = 12) -> None:
        """A mouse drag in small steps, so that Qt sees the press, the motion and the release."""
        self.xdotool("mousemove", "--sync", str(start[0]), str(start[1]), "mousedown", "1")
        for step in range(1, steps + 1):
            x = start[0] + (end[0] - start[0]) * step // steps
            y = start[1] + (end[1] - start[1]) * step // steps
            self.xdotool("mousemove", "--sync", str(x), str(y))
            time.sleep(0.05)  # lets the drag's event loop see each motion
        self.xdotool("mouseup", "1")


def centre(rect: list[int]) -> tuple[int, int]:
    x, y, width, height = rect
    return x + width // 2, y + height // 2


def make_archive(tmp_path: Path) -> Path:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "harbour.txt").write_text(ARTICLE, encoding="utf-8")
    (articles / "grain.txt").write_text(OTHER, encoding="utf-8")
    data = tmp_path / "data"
    with Archive(data) as archive:
        archive.import_paths([articles])
    return data


def desktop_env(display: str, home: Path, geometry: Path) -> dict[str, str]:
    """The app's environment on `display`: a home of its own, no keychain, the geometry hook on."""
    runtime = home / "runtime"
    runtime.mkdir(parents=True, mode=0o700)
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "QT_", "WAYLAND"))},
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_RUNTIME_DIR": str(runtime),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "PYTHONPATH": str(ROOT),
        "BRIEFER_GEOMETRY_FILE": str(geometry),
    }


@pytest.fixture
def app(display: str, tmp_path: Path) -> Iterator[Driver]:
    data = make_archive(tmp_path)
    geometry = tmp_path / "geometry.json"
    env = desktop_env(display, tmp_path / "home", geometry)
    log = (tmp_path / "app.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "briefer", "--data-dir", str(data)],
        env=env,
        stdout=log,
        stderr=log,
        cwd=tmp_path,
    )
    driver = Driver(display, geometry, process)
    try:
        driver.window = driver.xdotool("search", "--sync", "--onlyvisible", "--name", "Briefer").split()[0]
        driver.refocus()
        yield driver
    finally:
        grab_screen(display, tmp_path / "last-screen.png")  # what the screen showed, for a failure
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def test_the_whole_journey_with_keyboard_and_mouse(app: Driver, tmp_path: Path) -> None:
    # Search, and open the first result from the keyboard.
    app.key("ctrl+f")
    app.type("harbour lisbon")
    app.until(lambda g: g["results"], "a search result")
    app.key("Down")
    matches = app.until(lambda g: g["reader_matches"][1:] and g["reader_matches"], "two reader matches")

    # Select "Harbour ... Lisbon" with the mouse, then drag the selection onto Analysis.
    start, end = matches[0]["start"], matches[1]["end"]
    assert start[1] == end[1], "the quote should be on one line of the reader"
    app.drag((start[0] + 2, start[1]), (end[0] - 2, end[1]), steps=6)
    outline = app.where()["outline"]
    app.drag(((start[0] + end[0]) // 2, start[1]), centre(outline["analysis"]))
    app.until(lambda g: len(g["outline"]) > len(outline), "the excerpt in the outline")

    # A key judgment, typed, citing the excerpt through the picker.
    app.key("ctrl+shift+k")
    app.until(lambda g: g["focus"] == "QPlainTextEdit" or g["focus"] == "QTextEdit", "the judgment's editor")
    app.type(JUDGMENT)
    app.key("ctrl+shift+c")
    app.until(lambda g: g["modal"] == "Cite Evidence", "the Cite Evidence picker")
    app.type("Lisbon")
    app.key("Down", "Return")
    app.until(lambda g: g["modal"] is None, "the picker to close")

    # A matrix cell: select the Implications section, then arrows, Enter, type, Enter (OK).
    app.click(*centre(app.where()["outline"]["implications"]))
    current = app.until(lambda g: g["matrix_current"], "the matrix's current cell")
    app.click(*centre(current))
    app.key("Down", "Return")
    app.until(lambda g: (g["modal"] or "").startswith("Matrix cell"), "the cell editor")
    app.type(CELL)
    app.key("Return")
    app.until(lambda g: g["modal"] is None, "the cell editor to close")
    app.refocus()

    # Save through Qt's file dialog, typing the path.
    saved = tmp_path / "journey.briefing"
    app.key("ctrl+s")
    app.until(lambda g: g["modal"] == "Save briefing as", "the save dialog")
    app.key("ctrl+a")
    app.type(str(saved))
    app.key("Return")
    wait_for(saved.is_file, "the saved briefing")
    app.until(lambda g: g["modal"] is None and "journey" in g["title"], "the title to name the file")
    app.refocus()

    # Export to Word: the dialog's first field is the output path; Enter presses Export.
    exported = tmp_path / "journey.docx"
    app.key("ctrl+shift+e")
    app.until(lambda g: g["modal"] == "Export to Word", "the export dialog")
    app.key("ctrl+a")
    app.type(str(exported))
    app.key("Return")
    wait_for(lambda: exported.is_file() and exported.stat().st_size > 0, "the exported document")
    app.key("Escape")
    app.until(lambda g: g["modal"] is None, "the export dialog to close")
    screenshot(app, tmp_path)

    check_briefing(saved)
    check_docx(exported)


def grab_screen(display: str, shot: Path) -> bool:
    """The whole X screen into `shot` (imagemagick's `import`); False when it is not installed."""
    if shutil.which("import") is None:
        return False
    done = subprocess.run(
        ["import", "-display", display, "-window", "root", str(shot)], capture_output=True, timeout=SLOW
    )
    return done.returncode == 0


def screenshot(app: Driver, tmp_path: Path) -> None:
    """The X screen at the end, in the test's folder (and in docs/screenshots when asked to)."""
    shot = tmp_path / "journey-end.png"
    if grab_screen(app.display, shot) and os.environ.get("BRIEFER_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(shot, SCREENSHOT)


def check_briefing(path: Path) -> None:
    briefing = storage.load(path)
    [excerpt] = find_section(briefing, "analysis").blocks
    assert isinstance(excerpt, Excerpt) and excerpt.quote == QUOTE
    kj_section = key_judgments_section(briefing)
    assert kj_section is not None
    [judgment] = [b for b in kj_section.blocks if isinstance(b, KeyJudgment)]
    assert judgment.text == JUDGMENT and judgment.cites == [excerpt.id]
    cell = find_cell(find_section(briefing, "implications"), "us", "deterrence")
    assert cell is not None and cell.text == CELL


def check_docx(path: Path) -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document(str(path))
    body = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert JUDGMENT in body
    assert QUOTE in body
    assert CELL in body + cells
    footnotes = [part for part in document.part.package.parts if part.partname.endswith("footnotes.xml")]
    assert footnotes, "the export has no footnotes part"
    notes = footnotes[0].blob.decode("utf-8")
    assert "Envoys meet" in notes  # the quote's citation names its source
