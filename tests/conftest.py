"""Shared test set-up: offscreen Qt, the shared corpus, small archives made on disk."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import keyring
import pytest

from briefer.core.archive import Archive
from tests.core.smtp_server import MemoryKeyring

if TYPE_CHECKING:
    from briefer.core.archive.importer import ImportSummary  # lazy in the app too: it loads every parser

# Before anything imports Qt: no windows pop up, and CI needs no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

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
    it may change at will.  Its documents' files stay where the template read them.
    """

    data_dir: Path
    summary: ImportSummary

    @classmethod
    def imported(cls, folder: Path, sources: Sequence[Path]) -> ArchiveTemplate:
        """Import `sources` into a new archive in `folder`/data."""
        with Archive(folder / "data") as archive:
            return cls(archive.data_dir, archive.import_paths(sources))

    def copy_to(self, data_dir: Path) -> Path:
        """A copy of the archive in `data_dir` (which must not exist yet), ready to open."""
        shutil.copytree(self.data_dir, data_dir)
        return data_dir


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The process-wide keyring (what the CLI and the window find) replaced by an in-memory one."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
