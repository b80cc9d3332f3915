"""The release gate on a real archive: one briefing made to trigger each finding, `briefer check`
(text and --json), and export and send refusing on a blocking finding and going on with warnings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from briefer.cli import main
from briefer.core.archive import Archive
from briefer.core.briefing import edits, storage
from briefer.core.briefing.gate import CODES, ESTIMATIVE_WORDS, Finding, GateResult, ReleaseBlocked, run_gate
from briefer.core.briefing.matrix import NO_IMPLICATION
from briefer.core.briefing.model import (
    LIKELIHOOD_TERMS,
    Briefing,
    Excerpt,
    KeyJudgment,
    MatrixCell,
    Paragraph,
    excerpts,
)
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.documents import Document
from briefer.core.export.docx_export import export_docx
from tests.conftest import write_article
from tests.core.briefing_support import ARTICLES, articles_in, rich_briefing


@pytest.fixture
def docs(briefing_archive: Archive) -> dict[str, Document]:
    return articles_in(briefing_archive)


@pytest.fixture
def rich(docs: dict[str, Document]) -> Briefing:
    return rich_briefing(docs)


def gate(briefing: Briefing, archive: Archive | None = None) -> GateResult:
    """The gate as export asks it: quotes verified against `archive` (none: no quote findings)."""
    verification = None
    if archive is not None:
        verification = ArchiveLookups.of(archive).verify(excerpts(briefing).values(), archive_check=False)
    return run_gate(briefing, verification)


def found(result: GateResult, code: str) -> list[tuple[str, str | None]]:
    """(severity, block) of each finding with `code`."""
    return [(f.severity, f.block) for f in result.findings if f.code == code]


def quoting(briefing: Briefing, words: str) -> Excerpt:
    return next(e for e in excerpts(briefing).values() if words in e.quote)


def judgment(briefing: Briefing, words: str) -> KeyJudgment:
    return next(b for b in briefing.sections[0].blocks if isinstance(b, KeyJudgment) and words in b.text)


# -- one finding per code ------------------------------------------------------------------------
def test_a_quote_whose_source_changed_blocks(
    rich: Briefing, briefing_archive: Archive, article_files: Path
) -> None:
    fields = dict(ARTICLES["pact"])
    body = str(fields.pop("body")).replace('respond "firmly"', 'respond "decisively"')
    write_article(article_files, "pact", body, **fields)
    briefing_archive.import_paths([article_files])
    result = gate(rich, briefing_archive)
    assert found(result, "unverified-quote") == [("block", quoting(rich, "firmly").id)]
    [finding] = [f for f in result.findings if f.code == "unverified-quote"]
    assert "Republic of Korea" in finding.message and "source changed" in finding.message
    assert result.refusals(allow_unverified=True) == []  # the existing override lets it through


def test_an_invalid_portion_mark_blocks(rich: Briefing) -> None:
    odd = Paragraph("A paragraph with a mark Briefer does not know.", portion="SECRET")
    edits.add_block(rich, "analysis", odd)
    assert found(gate(rich), "invalid-marking") == [("block", odd.id)]


def test_an_archive_without_the_quoted_documents_blocks(rich: Briefing, tmp_path: Path) -> None:
    with Archive(tmp_path / "elsewhere") as other:
        result = gate(rich, other)
    assert found(result, "wrong-archive") == [("block", None)]
    assert found(result, "unverified-quote") == []  # every quote only "missing" there: one finding says why


def test_a_key_judgment_without_a_source_is_a_warning(rich: Briefing) -> None:
    result = gate(rich)
    assert found(result, "unsourced-judgment") == [("warning", judgment(rich, "Allies").id)]


def test_a_matrix_cell_without_a_source_is_a_warning(rich: Briefing) -> None:
    cells = {c.text: c.id for c in rich.sections[4].blocks if isinstance(c, MatrixCell)}
    assert set(found(gate(rich), "unsourced-cell")) == {
        ("warning", cells["Homeland defence demands rise."]),
        ("warning", cells["Closer trilateral ties."]),
    }


def test_a_source_published_after_the_information_cutoff_is_a_warning(rich: Briefing) -> None:
    # Published 19 Jun 14:30, 21 Jun and 22 Jun; a cutoff without a time takes in its whole day.
    edits.apply(rich, edits.SetMetadata("info_cutoff", datetime(2024, 6, 21, tzinfo=UTC)))
    result = gate(rich)
    assert found(result, "after-cutoff") == [("warning", quoting(rich, "real-time sharing").id)]
    [finding] = [f for f in result.findings if f.code == "after-cutoff"]
    assert finding.message.endswith("published 22 Jun 2024 0315Z, after the information cutoff (21 Jun 2024)")
    edits.apply(rich, edits.SetMetadata("info_cutoff", datetime(2024, 6, 23, 18, 0, tzinfo=UTC)))
    assert found(gate(rich), "after-cutoff") == []


def test_an_empty_section_is_a_warning(rich: Briefing) -> None:
    warned = found(gate(rich), "empty-section")
    assert ("warning", "scenarios") in warned and ("warning", "indicators") in warned
    assert ("warning", "analysis") not in warned and ("warning", "source-summary") not in warned
    edits.add_block(rich, "scenarios", Paragraph("Moscow could slow the transfers."))
    assert ("warning", "scenarios") not in found(gate(rich), "empty-section")


def test_a_boilerplate_matrix_cell_is_a_warning(rich: Briefing) -> None:
    filler = MatrixCell("japan", "military", NO_IMPLICATION)
    placeholder = MatrixCell("rok", "sanctions", "TBD")
    edits.add_block(rich, "implications", filler)
    edits.add_block(rich, "implications", placeholder)
    warned = found(gate(rich), "boilerplate-cell")
    assert ("warning", filler.id) in warned and ("warning", placeholder.id) in warned
    # The slots nobody filled print the same sentence: each is named, on the matrix's section.
    empty_slots = [w for w in warned if w == ("warning", "implications")]
    assert len(empty_slots) == 5 * 4 - 4  # 5 actors x 4 domains, 4 cells written
    unsourced = {block for _, block in found(gate(rich), "unsourced-cell")}
    assert filler.id not in unsourced and placeholder.id not in unsourced  # filler states nothing to source


@pytest.mark.parametrize(
    ("text", "likelihood", "why"),
    [
        ("Russia is likely to ship shells and will probably send more.", "likely", "2 likelihood terms"),
        ("Pyongyang is very likely to test a missile.", "unlikely", "but the likelihood is set to"),
        ("We have high confidence that Moscow is likely to pay in technology.", None, "in one sentence"),
    ],
)
def test_estimative_language_that_contradicts_itself_is_a_warning(
    rich: Briefing, text: str, likelihood: str | None, why: str
) -> None:
    kj = KeyJudgment(text, likelihood, cites=[quoting(rich, "re-entry").id])
    edits.add_block(rich, "key-judgments", kj)
    result = gate(rich)
    assert ("warning", kj.id) in found(result, "estimative-conflict")
    assert any(why in f.message for f in result.findings if f.block == kj.id)
    sound = judgment(rich, "Russia is likely to transfer")  # "likely", set to likely: consistent
    assert sound.id not in {block for _, block in found(result, "estimative-conflict")}


def test_every_code_is_stable_and_blocking_ones_come_first(rich: Briefing) -> None:
    assert tuple(ESTIMATIVE_WORDS) == LIKELIHOOD_TERMS  # every term of the model's scale, in order
    assert list(CODES) == [
        "unverified-quote", "invalid-marking", "wrong-archive", "unsourced-judgment", "unsourced-cell",
        "after-cutoff", "empty-section", "boilerplate-cell", "estimative-conflict",
    ]  # fmt: skip
    edits.add_block(rich, "indicators", Paragraph("x", portion="SECRET"))
    severities = [f.severity for f in gate(rich).findings]
    assert severities[0] == "block" and severities == sorted(severities, key=lambda s: s != "block")


# -- the command line ----------------------------------------------------------------------------
class Cli:
    def __init__(self, data: Path, capsys: Any) -> None:
        self.data, self.capsys = data, capsys
        self.out = self.err = ""

    def __call__(self, *args: str) -> int:
        status = main(["--data-dir", str(self.data), *args])
        self.out, self.err = self.capsys.readouterr()
        return status


@pytest.fixture
def cli(tmp_path: Path, capsys: Any, briefing_archive: Archive) -> Cli:
    return Cli(briefing_archive.data_dir, capsys)


def test_check_json_prints_one_object_per_finding_and_exits_1_on_a_block(
    rich: Briefing, cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "b.briefing"
    storage.save(rich, path)
    assert cli("check", "--json", str(path)) == 0  # warnings only
    lines = [json.loads(line) for line in cli.out.splitlines()]
    assert lines and all(list(obj) == ["code", "severity", "block", "message"] for obj in lines)
    assert {"code": "unsourced-judgment", "severity": "warning", "block": judgment(rich, "Allies").id} in [
        {k: obj[k] for k in ("code", "severity", "block")} for obj in lines
    ]
    assert all(obj["severity"] == "warning" and obj["message"] for obj in lines)

    odd = Paragraph("x", portion="SECRET")
    edits.add_block(rich, "analysis", odd)
    storage.save(rich, path)
    assert cli("check", "--json", str(path)) == 1
    first = json.loads(cli.out.splitlines()[0])
    assert (first["code"], first["severity"], first["block"]) == ("invalid-marking", "block", odd.id)
    assert cli("check", str(path)) == 1
    assert cli.out.splitlines()[0].startswith(f"BLOCK    invalid-marking      {odd.id}")
    assert "blocks the release" in cli.out.splitlines()[-1]
    assert cli("check", str(tmp_path / "absent.briefing")) == 2


def test_check_against_the_wrong_archive_blocks(rich: Briefing, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "b.briefing"
    storage.save(rich, path)
    Archive(tmp_path / "elsewhere").close()
    assert main(["--data-dir", str(tmp_path / "elsewhere"), "check", "--json", str(path)]) == 1
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert (first["code"], first["block"]) == ("wrong-archive", None)


def test_export_goes_on_with_warnings_on_stderr_and_refuses_a_block(
    rich: Briefing, cli: Cli, tmp_path: Path
) -> None:
    path, out = tmp_path / "b.briefing", tmp_path / "b.docx"
    storage.save(rich, path)
    assert cli("export", str(path), "-o", str(out)) == 0 and out.exists()
    assert "briefer: warning: [unsourced-judgment] Key Judgments: \u201cAllies" in cli.err

    out.unlink()
    edits.add_block(rich, "analysis", Paragraph("x", portion="SECRET"))
    storage.save(rich, path)
    assert cli("export", str(path), "-o", str(out)) == 1 and not out.exists()
    assert "1 finding(s) block the release" in cli.err and "[invalid-marking]" in cli.err
    assert "nothing was written" in cli.err and "[unsourced-judgment]" in cli.err  # warnings too


def test_the_export_report_carries_the_gate_findings(rich: Briefing, tmp_path: Path) -> None:
    report = export_docx(rich, tmp_path / "b.docx")
    codes = {f.code for f in report.findings}
    assert {"unsourced-judgment", "empty-section", "boilerplate-cell"} <= codes
    assert all(isinstance(f, Finding) and f.severity == "warning" for f in report.findings)
    edits.add_block(rich, "analysis", Paragraph("x", portion="SECRET"))
    with pytest.raises(ReleaseBlocked) as refused:
        export_docx(rich, tmp_path / "c.docx")
    assert refused.value.codes == {"invalid-marking"} and not refused.value.overridable
    assert not (tmp_path / "c.docx").exists()


def test_send_as_a_draft_prints_the_warnings_and_refuses_a_block(
    rich: Briefing, cli: Cli, tmp_path: Path
) -> None:
    path, eml = tmp_path / "b.briefing", tmp_path / "draft.eml"
    storage.save(rich, path)
    send = ("send", str(path), "--to", "desk@agency.example", "--eml", str(eml))
    assert cli(*send) == 0 and eml.exists()
    assert "briefer: warning: [empty-section] Alternative Scenarios" in cli.err

    eml.unlink()
    edits.add_block(rich, "analysis", Paragraph("x", portion="SECRET"))
    storage.save(rich, path)
    assert cli(*send) == 1 and not eml.exists()
    assert "[invalid-marking]" in cli.err and "nothing was sent" in cli.err
