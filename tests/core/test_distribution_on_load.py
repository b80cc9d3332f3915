"""The distribution list inside a .briefing is held on load to what `recipients --add` accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from briefer.core.briefing import codec, storage, templates
from briefer.core.briefing.model import Recipient
from tests.core.cli_support import Cli


def briefing_file(path: Path, distribution: list[dict[str, Any]]) -> Path:
    data = codec.to_dict(templates.new_briefing(templates.load("spot")))
    data["metadata"]["distribution"] = distribution
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


GOOD = {"name": "Desk Officer", "address": "desk@agency.example"}


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"name": "", "address": "not an address"}, r"\.address: 'not an address' is not an e-mail address"),
        ({"name": "", "address": "desk@localnet"}, r"\.address: 'desk@localnet' is not an e-mail address"),
        ({"name": "", "address": "a@b.example, c@d.example"}, r"\.address: 'a@b\.example, c@d\.example'"),
        ({"name": "", "address": "a@b.example\r\nBcc: spy@evil.example"}, r"\.address: .*Bcc"),
        ({"name": "Desk\r\nBcc: spy@evil.example", "address": "a@b.example"}, r"\.name: .* spans"),
        ({"name": "Desk"}, r": missing 'address'"),
        ({"name": "Desk", "address": 42}, r"\.address: unexpected value 42"),
    ],
)
def test_a_bad_entry_is_refused_on_load_naming_it(tmp_path: Path, entry: dict[str, Any], reason: str) -> None:
    path = briefing_file(tmp_path / "b.briefing", [GOOD, entry])
    with pytest.raises(storage.BriefingFileError, match=rf"b\.briefing\.metadata\.distribution\[1\]{reason}"):
        storage.load(path)


def test_a_good_list_loads_as_recipients_add_would_store_it(tmp_path: Path) -> None:
    path = briefing_file(
        tmp_path / "b.briefing", [GOOD, {"name": " Analyst ", "address": " analyst@agency.example "}]
    )
    assert storage.load(path).metadata.distribution == [
        Recipient("Desk Officer", "desk@agency.example"),
        Recipient("Analyst", "analyst@agency.example"),
    ]


def test_the_cli_names_the_bad_entry_in_one_line_and_sends_nothing(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = briefing_file(tmp_path / "b.briefing", [GOOD, {"name": "", "address": "desk@localnet"}])
    before = path.read_bytes()
    cli = Cli(tmp_path / "data", capsys, monkeypatch)
    for command in (
        ("recipients", str(path)),
        ("recipients", str(path), "--add", "other@agency.example"),
        ("send", str(path), "--eml", str(tmp_path / "draft.eml"), "--no-archive-check"),
    ):
        assert cli(*command) == 1
        assert cli.err == (
            f"briefer: {path}.metadata.distribution[1].address: 'desk@localnet' is not an e-mail address "
            "(user@domain)\n"
        )
    assert path.read_bytes() == before and not (tmp_path / "draft.eml").exists()
