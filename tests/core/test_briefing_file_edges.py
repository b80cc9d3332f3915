"""The .briefing file at its edges: read-only files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from briefer.core.briefing import edits, storage, templates
from briefer.core.briefing.model import Briefing, Paragraph, find_section


def texts_of(briefing: Briefing) -> list[str]:
    return [b.text for b in find_section(briefing, "assessment").blocks if isinstance(b, Paragraph)]


def briefing_with(*texts: str) -> Briefing:
    briefing = templates.new_briefing(templates.load("spot"))
    for text in texts:
        edits.add_block(briefing, "assessment", Paragraph(text))
    return briefing


# -- read-only files -------------------------------------------------------------------------------
def make_read_only(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod a-w; as root, whom permissions do not bind, access() is made to answer as for a user."""
    path.chmod(0o444)
    if os.geteuid() == 0:
        real_access = os.access

        def access(target: object, mode: int, **kwargs: object) -> bool:
            if mode & os.W_OK and Path(str(target)) == path:
                return False
            return real_access(target, mode, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "access", access)


def test_saving_over_a_read_only_briefing_says_so_and_leaves_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "b.briefing"
    briefing = briefing_with("first")
    storage.save(briefing, path)
    make_read_only(path, monkeypatch)
    before = path.read_bytes()
    edits.add_block(briefing, "assessment", Paragraph("second"))
    with pytest.raises(storage.ReadOnlyBriefingError, match=r"b\.briefing is read-only.*another name"):
        storage.save(briefing, path)
    assert isinstance(
        storage.ReadOnlyBriefingError("x"), storage.BriefingFileError
    )  # what the CLI and GUI show
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.briefing"]
    storage.save(briefing, tmp_path / "c.briefing")  # under another name it is saved
    assert texts_of(storage.load(tmp_path / "c.briefing"))[-2:] == ["first", "second"]
