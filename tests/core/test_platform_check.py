"""Started where Qt's X11 plugin cannot load, `briefer` says what to install instead of aborting.

The check runs without Qt; a missing library is injected as `ldd` (or ctypes) would report it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from briefer import cli
from briefer.gui import platform_check
from briefer.gui.platform_check import MissingLibraries, NoDisplay, check

X11 = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}
PLUGIN = Path("/opt/qt/plugins/platforms/libqxcb.so")
LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffc)
\tlibQt6XcbQpa.so.6 => /opt/qt/lib/libQt6XcbQpa.so.6 (0x00007f01)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-cursor.so.0 => not found
\tlibxcb-ewmh.so.2 => not found
\tlibX11.so.6 => /lib/x86_64-linux-gnu/libX11.so.6 (0x00007f02)
"""


def no_ldd(plugin: Path) -> str | None:
    raise AssertionError("nothing to check on this platform")


def test_missing_libraries_are_named_with_their_packages() -> None:
    problem = check(X11, plugin=PLUGIN, ldd=lambda plugin: LDD_OUTPUT)
    assert problem == MissingLibraries(("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-ewmh.so.2"))
    assert problem.packages == ("libxcb-cursor0", "libxcb-icccm4")
    assert problem.unknown == ("libxcb-ewmh.so.2",)


def test_without_ldd_each_library_is_loaded() -> None:
    def load(library: str) -> bool:
        return library != "libxkbcommon-x11.so.0"

    problem = check(X11, plugin=PLUGIN, ldd=lambda plugin: None, load=load)  # ldd cannot run
    assert problem == MissingLibraries(("libxkbcommon-x11.so.0",))
    assert problem.packages == ("libxkbcommon-x11-0",)


@pytest.mark.parametrize(
    "env",
    [
        {"QT_QPA_PLATFORM": "offscreen"},
        {"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":0"},
        {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"},
    ],
)
def test_only_the_x11_platform_is_checked(env: dict[str, str]) -> None:
    assert check(env, plugin=PLUGIN, ldd=no_ldd, load=lambda library: False) is None


def test_the_x11_platform_is_qts_default_and_needs_a_display() -> None:
    assert platform_check.chosen_platform({}) == "xcb"
    assert check({}, plugin=PLUGIN, ldd=lambda plugin: "") == NoDisplay()
    assert check({"QT_QPA_PLATFORM": "xcb:nograb", "DISPLAY": ":1"}, plugin=PLUGIN, ldd=lambda p: "") is None


def test_this_machine_has_every_library_the_installed_plugin_needs() -> None:
    """The real plugin and the real ldd: no false alarm where Qt does load (the GUI tests run here)."""
    plugin = platform_check.xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"
    assert check(X11) is None


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler to build a plugin")
def test_a_plugin_whose_library_is_gone_is_found_out_by_the_real_ldd(tmp_path: Path) -> None:
    """A plugin built against a library that is then removed: what a bare machine looks like."""
    library, plugin = tmp_path / "libxcb-nowhere.so.0", tmp_path / "libqxcb.so"
    (tmp_path / "lib.c").write_text("int lib(void) { return 0; }\n", encoding="utf-8")
    (tmp_path / "plugin.c").write_text("int plugin(void) { return 1; }\n", encoding="utf-8")
    build = ["cc", "-shared", "-fPIC", "-o"]
    subprocess.run([*build, library, tmp_path / "lib.c", "-Wl,-soname,libxcb-nowhere.so.0"], check=True)
    beside = "-Wl,--no-as-needed,-rpath,$ORIGIN"  # found beside the plugin, as Qt's own libraries are
    subprocess.run([*build, plugin, tmp_path / "plugin.c", beside, library], check=True)
    assert check(X11, plugin=plugin) is None
    library.unlink()
    assert check(X11, plugin=plugin) == MissingLibraries(("libxcb-nowhere.so.0",))


def test_an_import_error_names_the_library() -> None:
    error = ImportError("libEGL.so.1: cannot open shared object file: No such file or directory")
    assert platform_check.from_import_error(error) == MissingLibraries(("libEGL.so.1",))
    assert platform_check.from_import_error(ImportError("No module named 'PySide6'")) is None


def test_briefer_says_what_to_install_and_exits_2_instead_of_aborting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import briefer.gui.app

    monkeypatch.setattr(briefer.gui.app, "main", no_ldd)  # the window must not be tried
    monkeypatch.setattr(platform_check, "run_ldd", lambda plugin: LDD_OUTPUT)
    for name, value in X11.items():
        monkeypatch.setenv(name, value)
    assert cli.main([]) == 2
    sudo = "sudo " if os.geteuid() else ""
    assert capsys.readouterr().err.splitlines() == [
        "briefer: the window cannot open: Qt needs system libraries that are missing: "
        "libxcb-cursor.so.0, libxcb-icccm.so.4, libxcb-ewmh.so.2",
        f"Install them (Debian, Ubuntu): {sudo}apt-get install libxcb-cursor0 libxcb-icccm4",
        "Find the package that holds libxcb-ewmh.so.2: apt-file search libxcb-ewmh.so.2",
        "The commands work without them (briefer --help); bash scripts/run installs them in a checkout.",
    ]


def test_briefer_without_a_display_says_so(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import briefer.gui.app

    monkeypatch.setattr(briefer.gui.app, "main", no_ldd)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.delenv("DISPLAY", raising=False)
    assert cli.main([]) == 2
    assert "there is no X display (DISPLAY is not set)" in capsys.readouterr().err
