"""The Word export and `briefer verify OUT.docx` under hostile conditions: a full disk."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from briefer.core.archive import Archive
from briefer.core.briefing import storage
from briefer.core.briefing.model import Briefing
from briefer.core.documents import Document
from tests.conftest import REPO
from tests.core.briefing_support import import_articles, rich_briefing


@pytest.fixture
def docs(archive: Archive, tmp_path: Path) -> dict[str, Document]:
    return import_articles(archive, tmp_path / "articles")


@pytest.fixture
def rich(docs: dict[str, Document]) -> Briefing:
    return rich_briefing(docs)


FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, like a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
from briefer.cli import main
sys.exit(main({argv!r}))
"""


def test_an_export_onto_a_full_disk_says_so_in_one_line(rich: Briefing, tmp_path: Path) -> None:
    """The document used to be zipped straight into its file: the failed write left a zip whose
    clean-up printed a second error, with a traceback, after ours."""
    brief, out = tmp_path / "b.briefing", tmp_path / "out" / "b.docx"
    storage.save(rich, brief)
    out.parent.mkdir()
    argv = ["--data-dir", str(tmp_path / "data"), "export", str(brief), "-o", str(out), "--no-archive-check"]
    code = FULL_DISK.format(limit=8_000, argv=argv)  # the document needs about 40 KB
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert result.returncode == 1
    assert result.stderr == f"briefer: {out}: File too large\n"
    assert list(out.parent.iterdir()) == []  # no document, no manifest, no temporary file
