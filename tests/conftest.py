"""Shared test set-up: offscreen Qt, the shared corpus, small archives made on disk."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import keyring
import pytest

from briefer.core.archive import Archive
from tests.core.smtp_server import MemoryKeyring

if TYPE_CHECKING:
    from briefer.core.archive.import_summary import ImportSummary

# The session's PostgreSQL server (`postgres_server`), for the team tests and the search conformance suite.
pytest_plugins = ["tests.postgres_server"]

# Before anything imports Qt: no windows pop up, and CI needs no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Exports skip the LibreOffice pass that numbers the contents: only the tests of that pass run it.
os.environ.setdefault("BRIEFER_EXPORT_RENDER", "0")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BRIEFER_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"


def corpus_path(*parts: str) -> Path:
    """A path inside ../shared/corpus, or skip the test with the reason."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared corpus sits beside the checkout in CI)")
    return path


def write_article(
    folder: Path,
    name: str,
    body: str,
    *,
    title: str = "",
    source: str = "Test Wire",
    author: str = "A. Writer",
    published: str = "2023-09-13T10:00:00+00:00",
    url: str = "",
) -> Path:
    """A .txt article with Briefer's `Key: value` header."""
    folder.mkdir(parents=True, exist_ok=True)
    header = [
        f"Title: {title or name}",
        f"Author: {author}",
        f"Source: {source}",
        f"Published: {published}",
        f"URL: {url or 'https://wire.example/' + name}",
    ]
    path = folder / f"{name}.txt"
    path.write_text("\n".join(header) + "\n\n" + body + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class ArchiveTemplate:
    """An archive imported once per session, which tests copy instead of importing it again.

    An import starts parser processes (seconds on a loaded machine); copying the data folder takes
    milliseconds.  The template itself is never opened again: opening an archive may write in its
    folder (lock and status files, the catalog's journal), so every user gets its own copy, which
    it may change at will.  The catalog names its files by their absolute paths: with `of_files`
    they sit in `files`, put back as they were imported by every `copy_to`, so that a test may
    change them and import them again, as it would its own.
    """

    data_dir: Path
    summary: ImportSummary
    files: Path | None = None  # the files it imported, when tests may change them

    @classmethod
    def imported(cls, folder: Path, sources: Sequence[Path]) -> ArchiveTemplate:
        """Import `sources` (which no test changes) into a new archive in `folder`/data."""
        with Archive(folder / "data") as archive:
            return cls(archive.data_dir, archive.import_paths(sources))

    @classmethod
    def of_files(cls, folder: Path, write: Callable[[Path], object]) -> ArchiveTemplate:
        """An archive of the files that `write` puts in the folder it is given (`files`)."""
        files = folder / "files"
        write(files)
        template = cls.imported(folder, [files])
        shutil.copytree(files, folder / "pristine")  # copytree keeps mtimes: the files stay unchanged
        return replace(template, files=files)

    def copy_to(self, data_dir: Path) -> Path:
        """A copy of the archive in `data_dir` (which must not exist yet), ready to open, and its
        `files` as they were imported (tests run one at a time in a pytest process)."""
        if self.files is not None:
            shutil.rmtree(self.files)
            shutil.copytree(self.files.parent / "pristine", self.files)
        shutil.copytree(self.data_dir, data_dir)
        return data_dir


@pytest.fixture(scope="session")
def briefing_articles(tmp_path_factory: pytest.TempPathFactory) -> ArchiveTemplate:
    """The three ARTICLES the briefing tests quote (tests/core/briefing_support.py), imported once a
    session; a test's copy holds them in `files`."""
    from tests.core.briefing_support import write_articles  # it imports this module

    return ArchiveTemplate.of_files(tmp_path_factory.mktemp("briefing-articles"), write_articles)


@pytest.fixture
def article_files(briefing_articles: ArchiveTemplate) -> Path:
    """The folder of the ARTICLES files that a copy of `briefing_articles` was imported from (the
    copy puts them back as they were): change one and import the folder again to change a source."""
    assert briefing_articles.files is not None
    return briefing_articles.files


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The process-wide keyring (what the CLI and the window find) replaced by an in-memory one."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
