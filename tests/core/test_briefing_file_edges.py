"""The .briefing file at its edges: lone surrogates, read-only files, temporary files of killed saves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from briefer.core import atomic_write
from briefer.core.briefing import codec, edits, storage, templates
from briefer.core.briefing.model import Briefing, Paragraph, find_section

# The characters that could confuse the escaping: JSON's own escapes, the letters of a \u escape,
# lone surrogates of both halves, an astral character (a surrogate pair in UTF-16) and U+FFFD.
TRICKY = ["\\", "u", "d", "D", "8", "0", "c", "\ud800", "\udbff", "\udc00", "\udfff", "\U00010000"]
TRICKY += ["\U0001f600", '"', "\n", "\ufffd", "é"]


def texts_of(briefing: Briefing) -> list[str]:
    return [b.text for b in find_section(briefing, "assessment").blocks if isinstance(b, Paragraph)]


def briefing_with(*texts: str) -> Briefing:
    briefing = templates.new_briefing(templates.load("spot"))
    for text in texts:
        edits.add_block(briefing, "assessment", Paragraph(text))
    return briefing


# -- lone surrogates -------------------------------------------------------------------------------
def test_lone_surrogates_are_kept_apart_from_real_astral_characters(tmp_path: Path) -> None:
    path = tmp_path / "b.briefing"
    texts = ["\ud800\udc00", "\U00010000", "\U0001f600 \udbff\udfff \udc00\ud800", "\\ud800 \\\ud800"]
    briefing = briefing_with(*texts)
    briefing.metadata.title = "Title \ud83d\ude00"
    storage.save(briefing, path)
    raw = path.read_bytes()
    data = json.loads(raw.decode("utf-8"))  # valid UTF-8 and valid JSON for any other reader
    assert data[storage.LONE_SURROGATES] == "escaped" and list(data)[:3] == [
        "format",
        "version",
        "lone_surrogates",
    ]
    assert "\U0001f600".encode() in raw and b"\\ud800\\udc00" in raw  # astral raw, lone ones escaped
    loaded = storage.load(path)
    assert codec.to_dict(loaded) == codec.to_dict(briefing)
    assert texts_of(loaded)[-4:] == texts
    assert loaded.metadata.title == "Title \ud83d\ude00" and len(loaded.metadata.title) == 8


def test_a_file_without_lone_surrogates_is_written_as_before(tmp_path: Path) -> None:
    path = tmp_path / "b.briefing"
    briefing = briefing_with("\U0001f600 caf\u00e9 \\ud800")
    storage.save(briefing, path)
    assert path.read_bytes() == codec.dumps(briefing).encode("utf-8")
    assert storage.LONE_SURROGATES not in json.loads(path.read_bytes())


def test_a_file_of_an_earlier_briefer_still_reads_escaped_astral_characters(tmp_path: Path) -> None:
    """Before the marker, a lone surrogate made the whole file \\u-escaped, astral characters too."""
    path = tmp_path / "b.briefing"
    briefing = briefing_with("\U0001f600 \ud800")
    path.write_text(json.dumps(codec.to_dict(briefing), ensure_ascii=True, indent=1) + "\n", encoding="ascii")
    assert b"\\ud83d\\ude00" in path.read_bytes()
    assert codec.to_dict(storage.load(path)) == codec.to_dict(briefing)


@settings(max_examples=200, deadline=None)
@given(hs.lists(hs.lists(hs.sampled_from(TRICKY), max_size=12).map("".join), min_size=1, max_size=3))
def test_any_text_of_tricky_characters_comes_back_exactly(texts: list[str]) -> None:
    briefing = briefing_with(*texts)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "b.briefing"
        storage.save(briefing, path)
        assert codec.to_dict(storage.load(path)) == codec.to_dict(briefing)


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


# -- temporary files of killed saves ---------------------------------------------------------------
def dead_pid() -> int:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(child.stdout)


def test_the_next_save_removes_what_killed_saves_left_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "b.briefing"
    storage.save(briefing_with("first"), path)
    host, dead = atomic_write._HOST, dead_pid()
    stale = [
        f".b.briefing.{host}-{dead}.abcd_123.tmp",  # its writer on this machine is dead
        ".b.briefing.elsewhere-1.abcdefgh.tmp",  # another machine's, but old
        ".b.briefing.abcdefgh.tmp",  # an earlier Briefer's, old
    ]
    kept = [
        f".b.briefing.{host}-{os.getpid()}.abcdefgh.tmp",  # this process: a save in another thread
        f".b.briefing.{host}-1.abcdefgh.tmp",  # a live process
        ".b.briefing.elsewhere-1.bcdefghi.tmp",  # another machine's, recent: it may be writing now
        ".b.briefing.bcdefghi.tmp",  # an earlier Briefer's, recent
        f".c.briefing.{host}-{dead}.abcdefgh.tmp",  # another briefing's
        f".b.briefing.x.briefing.{host}-{dead}.abcdefgh.tmp",  # b.briefing.x.briefing's
        f".b.briefing.{host}-{dead}.notours.tmp",  # not a name Briefer makes
        "b.briefing.tmp",
    ]
    old = time.time() - atomic_write.STALE_AFTER - 60
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"half a briefing")
    for name in stale[1:]:
        os.utime(tmp_path / name, (old, old))
    storage.save(briefing_with("second"), path)
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"b.briefing", "b.briefing.bak", *kept}
    assert texts_of(storage.load(path))[-1] == "second"


def test_a_save_names_its_temporary_file_after_the_briefing_and_its_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "b.briefing"
    seen: list[str] = []
    real_replace = os.replace

    def replace(source: str | Path, target: str | Path) -> None:
        seen.append(Path(source).name)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    storage.save(briefing_with("x"), path)
    name = seen[-1]
    prefix = f".b.briefing.{atomic_write._HOST}-{os.getpid()}."
    assert name.startswith(prefix) and name.endswith(".tmp") and len(name) == len(prefix) + 12


def test_a_save_killed_after_keeping_the_backup_leaves_no_staging_link_after_the_next(tmp_path: Path) -> None:
    path = tmp_path / "b.briefing"
    storage.save(briefing_with("first"), path)
    os.link(path, storage.backup_path(path))  # killed after FILE.bak became FILE, before the rename
    storage.save(briefing_with("second"), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.briefing", "b.briefing.bak"]
    assert texts_of(storage.load(path))[-1] == "second"
    assert texts_of(storage.load(storage.backup_path(path)))[-1] == "first"
