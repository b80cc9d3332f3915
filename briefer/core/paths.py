"""Where Briefer's files are.  Entry points decide; the rest of the code takes paths."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "Briefer"
DATA_DIR_ENV = "BRIEFER_DATA_DIR"

_PACKAGE = Path(__file__).resolve().parents[1]  # .../briefer
_CHECKOUT = _PACKAGE.parent

# Wheels and frozen builds ship resources/ inside the package; a source
# checkout keeps it beside the package.
RESOURCES = next(
    (p for p in (_PACKAGE / "resources", _CHECKOUT / "resources") if p.is_dir()),
    _CHECKOUT / "resources",
)
SAMPLE_ARCHIVE = RESOURCES / "sample-archive"


def checkout_index_dir() -> Path | None:
    """The `index/` folder of a source checkout, or None when installed."""
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "index").is_dir():
        return _CHECKOUT / "index"
    return None


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: --data-dir, else $BRIEFER_DATA_DIR, else checkout, else user dir."""
    if explicit:
        return Path(explicit).expanduser()
    if override := os.environ.get(DATA_DIR_ENV):
        return Path(override).expanduser()
    return checkout_index_dir() or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
