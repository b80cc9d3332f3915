"""The search package stands on its own: importing it first (before the archive that uses it)
works, in a fresh process, as a second engine or a tool would import it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_the_search_package_imports_before_the_archive() -> None:
    # It imported the archive package (for a timestamp and a process helper), which imports it
    # back: "cannot import name 'SavedSearches' from partially initialized module".
    for module in ("briefer.core.search", "briefer.core.search.index", "briefer.core.search.results"):
        done = subprocess.run(
            [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, cwd=REPO, timeout=120
        )
        assert done.returncode == 0, done.stderr
