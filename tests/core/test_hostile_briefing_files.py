"""Hostile .briefing files: nesting bombs and malformed input get one clear line, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from briefer.core.briefing import clipboard, codec, storage, templates
from briefer.core.briefing.model import Briefing, Section
from tests.concurrency_support import REPO, paragraph_texts

HEADER = '{"format": "briefer.briefing", "version": 1, '


def nested_sections(depth: int) -> Briefing:
    briefing = templates.new_briefing(templates.load("spot"))
    parent = briefing.sections[0]
    for level in range(depth - 1):
        child = Section(f"Level {level + 2}", id=f"level-{level + 2}")
        parent.sections.append(child)
        parent = child
    return briefing


BOMBS: dict[str, Callable[[], str]] = {
    "arrays": lambda: "[" * 100_000 + "]" * 100_000,
    "objects": lambda: '{"a":' * 100_000 + "1" + "}" * 100_000,
    "sections": lambda: HEADER + '"sections": [' + '{"id": "x", "sections": [' * 5_000 + "]}" * 5_000 + "]}",
    "unclosed": lambda: HEADER + '"metadata": ' + "[" * 50_000,
    "long number": lambda: HEADER + '"metadata": {"edition": ' + "9" * 5_000 + "}}",
    "long version": lambda: '{"format": "briefer.briefing", "version": ' + "9" * 5_000 + "}",
}


def run_briefer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "briefer", *args], capture_output=True, text=True, cwd=REPO, timeout=120
    )


@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_a_bomb_or_malformed_file_is_refused_with_one_clear_reason(bomb: str, tmp_path: Path) -> None:
    path = tmp_path / "bomb.briefing"
    path.write_text(BOMBS[bomb](), encoding="utf-8")
    with pytest.raises(storage.BriefingFileError) as refused:
        storage.load(path)
    message = str(refused.value)
    assert message.startswith(str(path)) and "\n" not in message and len(message) < 400
    expected = "levels deep" if bomb in ("arrays", "objects", "sections", "unclosed") else "corrupt"
    assert expected in message


def test_the_cli_gives_one_line_for_a_bomb_and_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "bomb.briefing"
    path.write_text(BOMBS["objects"](), encoding="utf-8")
    before = path.read_bytes()
    for command in (["show"], ["add-text", "--section", "analysis", "words"]):
        done = run_briefer("--data-dir", str(tmp_path / "data"), "brief", command[0], str(path), *command[1:])
        assert done.returncode == 1
        assert done.stderr.splitlines() == [
            f"briefer: {path} nests arrays and objects more than 100 levels deep (line 1); "
            "no briefing does, so it was not read"
        ]
    assert path.read_bytes() == before


def test_a_deep_but_sane_outline_round_trips_and_a_deeper_one_is_not_saved(tmp_path: Path) -> None:
    path = tmp_path / "deep.briefing"
    deep = nested_sections(40)
    storage.save(deep, path)
    assert codec.to_dict(storage.load(path)) == codec.to_dict(deep)
    before = path.read_bytes()
    with pytest.raises(storage.BriefingFileError, match="not saved: its sections are nested so deep"):
        storage.save(nested_sections(60), path)
    assert path.read_bytes() == before


def test_a_briefing_folder_or_unreadable_path_is_one_clear_line(tmp_path: Path) -> None:
    folder = tmp_path / "folder.briefing"
    folder.mkdir()
    with pytest.raises(storage.BriefingFileError, match=r"briefing cannot be read \(Is a directory\)"):
        storage.load(folder)
    done = run_briefer("brief", "show", str(folder))
    assert (done.returncode, done.stderr) == (1, f"briefer: {folder} cannot be read (Is a directory)\n")


@pytest.mark.parametrize("payload", [b"[" * 100_000, b'{"version": ' + b"9" * 5_000 + b"}"])
def test_a_dropped_bomb_is_refused_as_a_payload_error(payload: bytes) -> None:
    with pytest.raises(clipboard.PayloadError, match=r"the dropped items (nest|cannot be read)"):
        clipboard.nodes_from_payload(payload)
    with pytest.raises(clipboard.PayloadError):
        clipboard.excerpts_from_payload(payload)


def test_a_file_of_json_without_nesting_problems_is_still_explained(tmp_path: Path) -> None:
    path = tmp_path / "list.briefing"
    path.write_text(json.dumps([1, 2, 3]), encoding="utf-8")
    with pytest.raises(storage.BriefingFileError, match="is not a Briefer briefing"):
        storage.load(path)


# -- symbolic links ----------------------------------------------------------------------------------
def test_saving_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "shared" / "real.briefing"
    real.parent.mkdir()
    storage.save(templates.new_briefing(templates.load("spot"), title="First"), real)
    desk = tmp_path / "desk"
    desk.mkdir()
    (desk / "hop.briefing").symlink_to(real)
    link = desk / "my.briefing"
    link.symlink_to("hop.briefing")  # relative, and a link to a link
    briefing = storage.load(link)
    briefing.metadata.title = "Second"
    storage.save(briefing, link, expected=storage.read(link).revision)
    assert link.is_symlink() and (desk / "hop.briefing").is_symlink()
    assert storage.load(real).metadata.title == "Second"
    assert storage.load(storage.backup_path(real)).metadata.title == "First"
    assert sorted(p.name for p in desk.iterdir()) == ["hop.briefing", "my.briefing"]  # no .bak, .tmp, .lock
    assert sorted(p.name for p in real.parent.iterdir()) == ["real.briefing", "real.briefing.bak"]


def test_the_cli_edits_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.briefing"
    storage.save(templates.new_briefing(templates.load("assessment")), real)
    link = tmp_path / "link.briefing"
    link.symlink_to(real)
    done = run_briefer("--data-dir", str(tmp_path / "data"), "brief", "add-text", str(link), "--section",
                       "analysis", "Through the link.")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert link.is_symlink()
    assert paragraph_texts(real) == ["Through the link."]


def test_a_loop_of_links_is_one_clear_line(tmp_path: Path) -> None:
    first, second = tmp_path / "a.briefing", tmp_path / "b.briefing"
    first.symlink_to(second)
    second.symlink_to(first)
    briefing = templates.new_briefing(templates.load("spot"))
    with pytest.raises(storage.BriefingFileError, match=r"a\.briefing is a symbolic link that leads to no"):
        storage.save(briefing, first)
    with pytest.raises(storage.BriefingFileError, match=r"a\.briefing cannot be read \(.*"):
        storage.load(first)
    assert first.is_symlink() and second.is_symlink()
