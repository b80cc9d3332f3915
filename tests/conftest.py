"""Shared test set-up: offscreen Qt, the shared corpus, small archives made on disk."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from tests.core.smtp_server import MemoryKeyring

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


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The process-wide keyring (what the CLI and the window find) replaced by an in-memory one."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
