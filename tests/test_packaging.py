"""The packaging files agree with each other and with the package (the build itself: make dist)."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from briefer import __version__

REPO = Path(__file__).resolve().parents[1]
PACKAGING = REPO / "packaging"
APP_ID = "org.briefer.Briefer"
DESKTOP = PACKAGING / "linux" / f"{APP_ID}.desktop"
METAINFO = PACKAGING / "linux" / f"{APP_ID}.metainfo.xml"


def test_the_metainfo_has_release_notes_for_this_version() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == f"{APP_ID}.desktop"
    release = root.find("releases/release")
    assert release is not None and release.get("version") == __version__, (
        "add a <release> for the new version"
    )
    assert release.find("description") is not None
    assert len(root.findall("screenshots/screenshot")) >= 3


def test_every_file_names_the_same_application_id() -> None:
    assert f"Icon={APP_ID}\n" in DESKTOP.read_text(encoding="utf-8")
    for name in ("briefer.spec", "linux/install.sh", "build-linux.sh", "check-linux.sh"):
        assert APP_ID in (PACKAGING / name).read_text(encoding="utf-8"), name
    assert APP_ID in (REPO / "scripts" / "build_icons.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("size", [16, 22, 24, 32, 48, 64, 128, 256, 512])
def test_the_icon_is_rendered_at_every_hicolor_size(size: int) -> None:
    png = PACKAGING / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")) == (size, size)


def test_the_scalable_icon_is_the_apps_own() -> None:
    scalable = PACKAGING / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    assert scalable.read_bytes() == (REPO / "resources" / "icons" / "briefer.svg").read_bytes()


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="desktop-file-utils is not installed")
def test_the_desktop_entry_validates() -> None:
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="appstream is not installed")
def test_the_metainfo_validates() -> None:
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
