"""Before the window opens: can Qt's X11 platform plugin load on this machine?

Started on a machine that lacks the system libraries Qt's xcb plugin needs,
Qt prints "could not load the Qt platform plugin "xcb"" and aborts the whole
process; without a display it aborts too.  This module finds that out first,
without Qt (it imports nothing from PySide6, so it runs where Qt cannot even
load), and says which libraries are missing and which Debian/Ubuntu packages
hold them.  Only the xcb platform is checked: offscreen, Wayland, Windows and
macOS have other needs.

The missing libraries come from `ldd` on the plugin (it follows every
dependency, Qt's own libraries included); where that cannot run, each library
of `PACKAGES` is loaded with ctypes instead.
"""

from __future__ import annotations

import ctypes
import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

# The Debian/Ubuntu package of each library Qt's xcb plugin loads, directly or through Qt's own
# libraries (what scripts/_env.sh installs, and what they pull in).
PACKAGES = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libGLdispatch.so.0": "libglvnd0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
}

_NOT_FOUND = re.compile(r"^\s*(\S+) => not found", re.MULTILINE)
_IMPORT_ERROR = re.compile(r"(lib[\w.+-]+\.so[\w.]*): cannot open shared object file")

Ldd = Callable[[Path], str | None]  # ldd's output for a library, None when ldd cannot run
Loader = Callable[[str], bool]  # whether a library loads


@dataclass(frozen=True)
class MissingLibraries:
    """Libraries Qt needs that are not installed, and the packages that hold them."""

    libraries: tuple[str, ...]

    @property
    def packages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(PACKAGES[lib] for lib in self.libraries if lib in PACKAGES))

    @property
    def unknown(self) -> tuple[str, ...]:
        """Libraries whose package this table does not know."""
        return tuple(lib for lib in self.libraries if lib not in PACKAGES)


@dataclass(frozen=True)
class NoDisplay:
    """The xcb platform was chosen but there is no X display to connect to."""


Problem = MissingLibraries | NoDisplay


def chosen_platform(env: Mapping[str, str]) -> str:
    """The platform plugin Qt will try first: $QT_QPA_PLATFORM, else Qt's own choice on Linux."""
    explicit = env.get("QT_QPA_PLATFORM", "").strip()
    if explicit:
        return explicit.split(";")[0].split(":")[0].strip()  # "wayland;xcb", "xcb:option=..."
    if not sys.platform.startswith("linux"):
        return ""  # Windows and macOS have their native platform
    if env.get("XDG_SESSION_TYPE") == "wayland" and env.get("WAYLAND_DISPLAY"):
        return "wayland"
    return "xcb"


def check(
    env: Mapping[str, str], *, plugin: Path | None = None, ldd: Ldd | None = None, load: Loader | None = None
) -> Problem | None:
    """What would stop Qt's xcb platform from starting here, or None (also for any other platform)."""
    if chosen_platform(env) != "xcb":
        return None
    plugin = plugin if plugin is not None else xcb_plugin()
    missing = missing_libraries(plugin, ldd or run_ldd, load or loads)
    if missing:
        return MissingLibraries(missing)
    if not env.get("DISPLAY"):
        return NoDisplay()
    return None


def missing_libraries(plugin: Path | None, ldd: Ldd, load: Loader) -> tuple[str, ...]:
    output = ldd(plugin) if plugin is not None else None
    if output is not None:
        return tuple(dict.fromkeys(_NOT_FOUND.findall(output)))
    return tuple(lib for lib in PACKAGES if not load(lib))


def from_import_error(exc: ImportError) -> MissingLibraries | None:
    """The library named by an ImportError such as "libEGL.so.1: cannot open shared object file"."""
    found = _IMPORT_ERROR.search(str(exc))
    return MissingLibraries((found.group(1),)) if found else None


def xcb_plugin() -> Path | None:
    """PySide6's xcb platform plugin, found without importing PySide6."""
    spec = importlib.util.find_spec("PySide6")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        plugin = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def run_ldd(library: Path) -> str | None:
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        result = subprocess.run([ldd, str(library)], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 or "=>" in result.stdout else None


def loads(library: str) -> bool:
    try:
        ctypes.CDLL(library)
    except OSError:
        return False
    return True
