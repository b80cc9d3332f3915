"""The .briefing file: round trips, the JSON Schema, atomic saves with backups, refusing bad files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from briefer.core import paths
from briefer.core.archive import Archive
from briefer.core.briefing import codec, edits, storage, templates
from briefer.core.briefing.model import Paragraph
from tests.core.briefing_support import articles_in, rich_briefing

SCHEMA = paths.RESOURCES / "schemas" / "briefing-v1.schema.json"


# -- a tiny JSON Schema checker (jsonschema is not a dependency) -------------------
_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "boolean": bool,
    "null": type(None),
}


def schema_errors(value: Any, schema: dict[str, Any], root: dict[str, Any], where: str = "$") -> list[str]:
    """The subset of draft 2020-12 the briefing schema uses: $ref, type, const, enum, required,
    properties, items, oneOf, minimum, minLength, pattern."""
    import re

    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return schema_errors(value, target, root, where)
    errors: list[str] = []
    if "type" in schema:
        allowed = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(
            isinstance(value, _TYPES[t]) and not (t == "integer" and isinstance(value, bool)) for t in allowed
        )
        if not ok:
            return [f"{where}: {value!r} is not of type {allowed}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: {value!r} != {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, int) and "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{where}: {value} < {schema['minimum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{where}: too short")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{where}: does not match {schema['pattern']}")
    if isinstance(value, dict):
        errors += [f"{where}: missing {key!r}" for key in schema.get("required", []) if key not in value]
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                errors += schema_errors(value[key], sub, root, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += schema_errors(item, schema["items"], root, f"{where}[{i}]")
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not schema_errors(value, s, root, where)]
        if len(matching) != 1:
            errors.append(f"{where}: matches {len(matching)} of the oneOf alternatives")
    return errors


@pytest.fixture
def rich(briefing_archive: Archive) -> Any:
    return rich_briefing(articles_in(briefing_archive))


def test_save_and_load_round_trip_exactly(rich: Any, tmp_path: Path) -> None:
    path = tmp_path / "b.briefing"
    storage.save(rich, path)
    loaded = storage.load(path)
    assert codec.to_dict(loaded) == codec.to_dict(rich)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert (data["format"], data["version"]) == ("briefer.briefing", 1)
    assert data["generator"].startswith("Briefer ")


def test_saved_files_match_the_json_schema(rich: Any, tmp_path: Path) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"].startswith("https://json-schema.org/")
    path = tmp_path / "b.briefing"
    storage.save(rich, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert schema_errors(data, schema, schema) == []
    empty = codec.to_dict(templates.new_briefing(templates.load("spot")))
    assert schema_errors(empty, schema, schema) == []
    # ...and the checker does catch a bad file
    data["sections"][0]["blocks"][0]["likelihood"] = "probably"
    data["version"] = 2
    assert len(schema_errors(data, schema, schema)) == 2


def test_saving_again_keeps_the_previous_version_as_bak(tmp_path: Path) -> None:
    path = tmp_path / "b.briefing"
    b = templates.new_briefing(templates.load("assessment"), title="First")
    storage.save(b, path)
    os.chmod(path, 0o640)
    first = path.read_bytes()
    assert not storage.backup_path(path).exists()
    edits.add_block(b, "analysis", Paragraph("second version"))
    storage.save(b, path)
    assert storage.backup_path(path).read_bytes() == first
    assert "second version" in path.read_text(encoding="utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.briefing", "b.briefing.bak"]


def test_a_failed_save_leaves_the_file_and_no_temp_behind(tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "b.briefing"
    b = templates.new_briefing(templates.load("assessment"))
    storage.save(b, path)
    before = path.read_bytes()

    def crash(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "replace", crash)
    edits.add_block(b, "analysis", Paragraph("lost"))
    with pytest.raises(OSError, match="No space"):
        storage.save(b, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_file_from_a_newer_briefer_is_refused_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "future.briefing"
    future = {"format": "briefer.briefing", "version": 2, "metadata": {}, "sections": [], "hologram": True}
    path.write_text(json.dumps(future), encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(storage.NewerFormatError, match=r"newer Briefer .*version 2.*reads version 1"):
        storage.load(path)
    with pytest.raises(storage.NewerFormatError):
        storage.save(templates.new_briefing(templates.load("spot")), path)
    assert path.read_bytes() == before


def test_a_corrupt_file_is_refused_with_a_clear_message_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "b.briefing"
    b = templates.new_briefing(templates.load("spot"))
    storage.save(b, path)
    storage.save(b, path)  # now there is a .bak
    path.write_bytes(b'{"format": "briefer.briefing", "version": 1, "sections": [')
    with pytest.raises(storage.BriefingFileError, match=r"is corrupt .*previous version is in .*\.bak"):
        storage.load(path)
    with pytest.raises(storage.BriefingFileError, match="refusing to overwrite"):
        storage.save(b, path)
    assert path.read_bytes().endswith(b"[")
    other = tmp_path / "notes.json"
    other.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(storage.BriefingFileError, match="is not a Briefer briefing"):
        storage.load(other)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["sections"][0].pop("id"), r"sections\[0\]: missing 'id'"),
        (lambda d: d["sections"][3]["blocks"][0].update(type="chart"), "unknown block type 'chart'"),
        (lambda d: d["sections"][3]["blocks"][0].pop("quote"), "missing 'quote'"),
        (lambda d: d["metadata"].update(edition="two"), r"metadata\.edition: unexpected value 'two'"),
        (lambda d: d["metadata"].update(date="yesterday"), "not an ISO 8601 time"),
        (lambda d: d["sections"][1].update(id="key-judgments"), "'key-judgments' is used twice"),
    ],
)
def test_broken_fields_are_reported_with_their_place(
    rich: Any, tmp_path: Path, mutate: Any, message: str
) -> None:
    data = codec.to_dict(rich)
    mutate(data)
    path = tmp_path / "b.briefing"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(storage.BriefingFileError, match=message):
        storage.load(path)


def test_lone_surrogates_and_control_characters_survive_a_round_trip(tmp_path: Path) -> None:
    b = templates.new_briefing(templates.load("spot"), title="odd \ud800 title \x00 \u202e")
    path = tmp_path / "b.briefing"
    storage.save(b, path)
    assert storage.load(path).metadata.title == "odd \ud800 title \x00 \u202e"


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(storage.BriefingFileError, match="no such briefing file"):
        storage.load(tmp_path / "nope.briefing")
