"""`briefer brief set-cell`, `add-bullet` and where `add-judgment` puts a judgment: each command is run as
a user types it, then the briefing file is opened again to see what it holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from briefer.core.briefing import edits, storage, templates
from briefer.core.briefing.excerpts import excerpt_from_span
from briefer.core.briefing.matrix import find_cell, find_slot
from briefer.core.briefing.model import Briefing, BulletList, KeyJudgment, Section, find_section
from briefer.core.documents import Document
from tests.core.cli_support import Cli

TEXT = "Japan will watch launches near its islands more closely after the summit."
DOC = Document(id="doc1", title="Launch watch", text=TEXT, text_hash="h1", source="Pacific Ledger")


@pytest.fixture
def cli(tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path / "data", capsys, monkeypatch)  # these commands never open the archive


@pytest.fixture
def brief(tmp_path: Path) -> Path:
    """The assessment template, with one excerpt in Background to cite."""
    briefing = templates.new_briefing(templates.load("assessment"), title="Summit")
    edits.add_block(briefing, "background", excerpt_from_span(DOC, 0, 5))
    path = tmp_path / "summit.briefing"
    storage.save(briefing, path)
    return path


def excerpt_id(path: Path) -> str:
    [block] = find_section(storage.load(path), "background").blocks
    return block.id


def cell_of(path: Path, actor: str, domain: str) -> Any:
    briefing = storage.load(path)
    slot = find_slot(briefing, actor, domain)
    return find_cell(slot.section, slot.actor.id, slot.domain.id)


def set_cell(cli: Cli, path: Path, actor: str, domain: str, text: str, *options: str) -> int:
    return cli("brief", "set-cell", str(path), "--actor", actor, "--domain", domain, text, *options)


def test_set_cell_fills_the_cell_named_by_actor_and_domain_titles_or_ids(brief: Path, cli: Cli) -> None:
    cited = excerpt_id(brief)
    tags = ["--impact", "h", "--likelihood", "likely", "--portion", "CUI", "--cite", cited]
    assert set_cell(cli, brief, "japan", "MILITARY/security", "More patrols near the Kurils", *tags) == 0, (
        cli.err
    )
    assert "Japan \u00d7 Military/security" in cli.out and "impact H" in cli.out
    cell = cell_of(brief, "Japan", "military")
    assert (cell.text, cell.impact, cell.likelihood, cell.portion, cell.cites) == (
        "More patrols near the Kurils",
        "H",
        "likely",
        "CUI",
        [cited],
    )

    # Options left out keep the cell's values; "none" clears one tag.
    assert set_cell(cli, brief, "Japan", "military", "Patrols") == 0
    assert set_cell(cli, brief, "Japan", "military", "Patrols", "--likelihood", "none") == 0
    cell = cell_of(brief, "Japan", "military")
    assert (cell.text, cell.impact, cell.likelihood, cell.portion, cell.cites) == (
        "Patrols",
        "H",
        None,
        "CUI",
        [cited],
    )
    assert len(find_section(storage.load(brief), "implications").blocks) == 1  # one cell, set three times


def test_set_cell_with_nothing_left_empties_the_cell(brief: Path, cli: Cli) -> None:
    assert set_cell(cli, brief, "us", "sanctions", "Tighter export controls", "--impact", "M") == 0
    assert set_cell(cli, brief, "us", "sanctions", "", "--impact", "none") == 0
    assert "emptied the cell United States \u00d7 Sanctions/economic" in cli.out
    assert cell_of(brief, "us", "sanctions") is None
    before = brief.read_bytes()
    assert set_cell(cli, brief, "us", "sanctions", "") == 0
    assert "nothing to change" in cli.out and brief.read_bytes() == before


MATRIX = "the implications matrix in {file}"
REFUSALS = {
    "an unknown actor": ("Germany", "military", [], f"--actor 'Germany' is not an actor (row) of {MATRIX}"),
    "an unknown domain": ("Japan", "trade", [], f"--domain 'trade' is not a domain (column) of {MATRIX}"),
    "a section without a matrix": (
        "Japan",
        "military",
        ["--section", "analysis"],
        "--section 'analysis' is not an implications matrix; matrices: implications (Implications for",
    ),
    "an unknown section": ("Japan", "military", ["--section", "Annex"], "--section 'Annex' names no section"),
    "an unknown excerpt": (
        "Japan",
        "military",
        ["--cite", "nope"],
        "--cite names no excerpt of this briefing",
    ),
}


@pytest.mark.parametrize(("actor", "domain", "options", "said"), REFUSALS.values(), ids=REFUSALS.keys())
def test_set_cell_names_the_option_that_names_nothing_and_leaves_the_file(
    brief: Path, cli: Cli, actor: str, domain: str, options: list[str], said: str
) -> None:
    before = brief.read_bytes()
    assert set_cell(cli, brief, actor, domain, "text", *options) == 1
    assert cli.err.startswith("briefer: " + said.format(file=brief)), cli.err
    assert "Traceback" not in cli.err and brief.read_bytes() == before


def test_set_cell_in_a_briefing_without_a_matrix(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "spot.briefing"
    storage.save(templates.new_briefing(templates.load("spot")), path)
    assert cli("brief", "set-cell", str(path), "--actor", "Japan", "--domain", "military", "text") == 1
    assert (
        cli.err
        == f"briefer: {path} has no implications matrix (a section of kind implications with domains)\n"
    )


def bullet_lists(path: Path, section: str) -> list[BulletList]:
    return [b for b in find_section(storage.load(path), section).blocks if isinstance(b, BulletList)]


def add_bullet(cli: Cli, path: Path, section: str, *texts_and_options: str) -> int:
    return cli("brief", "add-bullet", str(path), "--section", section, *texts_and_options)


def test_add_bullet_grows_the_list_that_ends_the_section(brief: Path, cli: Cli) -> None:
    cited = excerpt_id(brief)
    assert add_bullet(cli, brief, "Analysis", "Shells go east", "Know-how goes west") == 0
    assert "added 2 bullets to a new bullet list" in cli.out and "in Analysis (2 items)" in cli.out
    assert add_bullet(cli, brief, "analysis", "Payment\nin kind", "--cite", cited) == 0
    assert "added 1 bullet to bullet list" in cli.out and "(3 items)" in cli.out
    [grown] = bullet_lists(brief, "analysis")
    assert grown.items == ["Shells go east", "Know-how goes west", "Payment in kind"]
    assert grown.cites == [cited]

    # A list carries one portion mark: another mark, or --new-list, starts another list.
    assert add_bullet(cli, brief, "analysis", "Sanctions data", "--portion", "CUI") == 0
    assert add_bullet(cli, brief, "analysis", "Fresh start", "--new-list", "--portion", "CUI") == 0
    lists = bullet_lists(brief, "analysis")
    assert [(b.items, b.portion) for b in lists] == [
        (["Shells go east", "Know-how goes west", "Payment in kind"], "U"),
        (["Sanctions data"], "CUI"),
        (["Fresh start"], "CUI"),
    ]


def test_add_bullet_refuses_an_unknown_section_and_a_blank_bullet(brief: Path, cli: Cli) -> None:
    before = brief.read_bytes()
    assert add_bullet(cli, brief, "Annex", "text") == 1
    assert cli.err.startswith(
        f"briefer: --section 'Annex' names no section of {brief}; sections: key-judgments"
    )
    assert add_bullet(cli, brief, "analysis", "fine", "  ") == 1
    assert cli.err == "briefer: a bullet needs text\n"
    assert brief.read_bytes() == before


def test_add_judgment_goes_to_the_key_judgments_section_whatever_its_id(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "bluf.briefing"
    storage.save(
        Briefing(
            sections=[Section("Analysis", id="analysis"), Section("Bottom line", "key_judgments", id="bluf")]
        ),
        path,
    )
    assert (
        cli("brief", "add-judgment", str(path), "We assess trade will grow.", "--likelihood", "likely") == 0
    )
    assert "to Bottom line" in cli.out
    [judgment] = find_section(storage.load(path), "bluf").blocks
    assert isinstance(judgment, KeyJudgment) and judgment.text == "We assess trade will grow."
