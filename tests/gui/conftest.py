"""GUI test set-up: offscreen Qt, throwaway settings, small archives made on disk."""

from __future__ import annotations

import gc
import os

# Before anything imports Qt: no windows pop up, and CI needs no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDir, QSettings, QStandardPaths

from briefer.core import paths
from briefer.core.archive import SAMPLE_EXCLUDE, Archive
from briefer.gui.mainwindow import MainWindow
from tests.conftest import ArchiveTemplate, write_article
from tests.core.smtp_server import MemoryKeyring


@pytest.fixture(scope="session", autouse=True)
def qt_session() -> None:
    # Anything that still asks Qt for a standard location gets a test folder, never the user's.
    QStandardPaths.setTestModeEnabled(True)
    QDir.addSearchPath("icons", str(paths.RESOURCES / "icons"))


@pytest.fixture(scope="session")
def no_sample_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("no-sample")


@pytest.fixture(autouse=True)
def no_bundled_sample(no_sample_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A window's first start on an empty archive imports the bundled sample: 24 articles read by
    parser processes, seconds of each test that starts a window.  Here there is no sample, unless a
    test brings one (`fake_sample`) or asks for the real one (`real_sample`)."""
    monkeypatch.setattr(paths, "SAMPLE_ARCHIVE", no_sample_folder)


@pytest.fixture(autouse=True)
def windows_use_a_memory_keyring(memory_keyring: MemoryKeyring) -> MemoryKeyring:
    """Windows check the keychain at start: tests get an empty in-memory one, never the user's."""
    return memory_keyring


@pytest.fixture
def data_dir(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The test's data folder: empty, or a copy of the session's filled archive when the test uses
    `filled_archive` (so that `archive` and the window open that copy)."""
    data = tmp_path / "data"
    if "filled_archive" in request.fixturenames:
        request.getfixturevalue("filled_template").copy_to(data)
    return data


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def write_articles(folder: Path) -> Path:
    """Three articles about the 2023 summit, in three formats."""
    write_article(
        folder,
        "summit",
        "Kim Jong Un met Vladimir Putin at the Vostochny Cosmodrome.\n\n"
        "The leaders discussed artillery shells and satellite technology.",
        title="Putin and Kim meet at Vostochny",
        source="Northern Wire",
        published="2023-09-13T08:00:00+00:00",
        url="https://wire.example/summit",
    )
    (folder / "train.md").write_text(
        "---\ntitle: The armoured train crosses the border\nsource: Border Post\n"
        "published: 2023-09-12\n---\n\n# The armoured train crosses the border\n\n"
        "Kim's train reached Khasan early on Tuesday.\n",
        encoding="utf-8",
    )
    (folder / "grain.html").write_text(
        "<html><head><title>Grain exports recover</title></head><body><article>"
        "<h1>Grain exports recover</h1><p>Ports on the Black Sea shipped more grain in September "
        "than in any month this year, traders said.</p></article></body></html>",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    return write_articles(tmp_path / "articles")


@pytest.fixture
def archive(data_dir: Path) -> Iterator[Archive]:
    with Archive(data_dir) as opened:
        yield opened


@pytest.fixture(scope="session")
def filled_template(tmp_path_factory: pytest.TempPathFactory) -> ArchiveTemplate:
    """The three articles of `write_articles`, imported once a session."""
    return ArchiveTemplate.of_files(tmp_path_factory.mktemp("filled"), write_articles)


@pytest.fixture
def filled_archive(archive: Archive) -> Archive:
    """`archive` holding the three articles of `write_articles`: a copy of `filled_template` (see
    `data_dir`), whose files are in `filled_template.files`."""
    return archive


@pytest.fixture
def fake_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small stand-in for the sample archive, so sample flows are tested without the real one."""
    folder = tmp_path / "sample-archive"
    write_article(
        folder,
        "sample-vostochny",
        "Sample text: the Vostochny summit ended without a joint statement.",
        title="Sample: summit ends",
    )
    write_article(folder, "sample-ports", "Sample text: grain ports reopened.", title="Sample: ports")
    (folder / "README.md").write_text("Not an article: excluded from imports.\n", encoding="utf-8")
    monkeypatch.setattr(paths, "SAMPLE_ARCHIVE", folder)
    return folder


BUNDLED_SAMPLE = paths.SAMPLE_ARCHIVE


def real_sample(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample archive that ships with Briefer, in use again (see `no_bundled_sample`), or skip."""
    folder = BUNDLED_SAMPLE
    has_articles = folder.is_dir() and any(
        p.is_file() and p.name not in SAMPLE_EXCLUDE for p in folder.rglob("*")
    )
    if not has_articles:
        pytest.skip(f"{folder} holds no articles yet")
    monkeypatch.setattr(paths, "SAMPLE_ARCHIVE", folder)
    return folder


@pytest.fixture
def make_window(qtbot, archive: Archive, settings: QSettings) -> Iterator[Callable[[], MainWindow]]:
    """Builds the main window on `archive` (torn down before the archive is closed)."""
    windows: list[MainWindow] = []

    def make() -> MainWindow:
        window = MainWindow(archive=archive, settings=settings)
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()  # cancels and waits for background work
    # A window's objects hold reference cycles: free them now, on the GUI thread. Left to the cycle
    # collector they may be freed in a later test's worker thread, and Qt crashes.
    gc.collect()


def status_read(window: MainWindow) -> bool:
    """The window has read the archive's status and nothing runs in the background."""
    return window.flow.status is not None and not window.flow.busy
