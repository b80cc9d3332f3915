"""The export ledger: append-only, one line per export, draft and send attempt."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from briefer.cli import main
from briefer.core.briefing import edits, storage, templates
from briefer.core.briefing.gate import ReleaseBlocked
from briefer.core.briefing.model import Briefing, Paragraph, Recipient
from briefer.core.distribution.delivery import export_and_record
from briefer.core.distribution.ledger import Ledger, LedgerEntry, marking_of


@pytest.fixture
def briefing() -> Briefing:
    return templates.new_briefing(templates.load("spot"), title="Rail shipments resume")


def entry(result: str = "ok", **changes: Any) -> LedgerEntry:
    values: dict[str, Any] = dict(
        action="send", briefing_id="b1", edition=2, title="T", file="T-ed2.docx", sha256="ab" * 32,
        marking="UNCLASSIFIED", result=result, recipients=("a@agency.example",), account="work",
    )  # fmt: skip
    return LedgerEntry(**(values | changes))


def test_records_are_appended_and_read_back(tmp_path: Path) -> None:
    ledger = Ledger.for_data_dir(tmp_path / "data")
    assert ledger.entries() == []
    first = entry(time=datetime(2024, 6, 24, 12, 0, tzinfo=UTC))
    ledger.record(first)
    before = ledger.path.read_bytes()
    ledger.record(entry("failed", detail="connection refused"))
    after = ledger.path.read_bytes()
    assert after.startswith(before) and after.count(b"\n") == 2  # appended, never rewritten
    read = ledger.entries()
    assert read[0] == first and read[1].detail == "connection refused"
    assert json.loads(before)["time"] == "2024-06-24T12:00:00Z"
    assert ledger.path.stat().st_mode & 0o077 == 0  # recipients are personal data
    assert "send   ok" in read[0].line() and "to a@agency.example via work" in read[0].line()


def test_a_torn_line_is_skipped_not_fatal(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "exports.jsonl")
    ledger.record(entry())
    with ledger.path.open("ab") as handle:
        handle.write(b'{"time": "2024-06-24T12:')  # a crash mid-write
    ledger.record(entry("failed"))  # starts a line of its own
    read = ledger.entries()
    assert [e.result for e in read] == ["ok", "failed"] and ledger.bad_lines == 1


def test_bad_entries_are_refused(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "exports.jsonl")
    with pytest.raises(ValueError):
        ledger.record(entry(action="print"))
    with pytest.raises(ValueError):
        ledger.record(entry(result="maybe"))
    assert not ledger.path.exists()


def test_marking_includes_tlp(briefing: Briefing) -> None:
    assert marking_of(briefing) == "UNCLASSIFIED"
    edits.apply(briefing, edits.SetMetadata("tlp", "GREEN"))
    assert marking_of(briefing) == "UNCLASSIFIED TLP:GREEN"


def test_export_and_record(briefing: Briefing, tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "exports.jsonl")
    out = tmp_path / "out.docx"
    export_and_record(briefing, out, ledger)
    (ok,) = ledger.entries()
    assert (ok.action, ok.result, ok.file, ok.briefing_id) == ("export", "ok", str(out), briefing.id)
    assert ok.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    edits.add_block(briefing, briefing.sections[0].id, Paragraph("No portion mark.", portion=None))
    with pytest.raises(ReleaseBlocked):
        export_and_record(briefing, tmp_path / "refused.docx", ledger)
    failed = ledger.entries()[-1]
    assert (failed.result, failed.sha256) == ("failed", "")
    assert failed.detail.startswith("the briefing is not ready for release")
    assert not (tmp_path / "refused.docx").exists()


def test_the_export_command_records_and_the_ledger_command_prints(
    briefing: Briefing, tmp_path: Path, capsys: Any
) -> None:
    data, brief = tmp_path / "data", tmp_path / "b.briefing"
    briefing.metadata.distribution = [Recipient("Desk", "desk@agency.example")]
    storage.save(briefing, brief)
    args = ["--data-dir", str(data)]
    assert main([*args, "export", str(brief), "-o", str(tmp_path / "b.docx"), "--no-archive-check"]) == 0
    assert main([*args, "send", str(brief), "--eml", str(tmp_path / "b.eml"), "--no-archive-check"]) == 0
    capsys.readouterr()
    assert main([*args, "ledger"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "export ok" in lines[0] and "draft  ok" in lines[1]
    assert "Desk <desk@agency.example>" in lines[1]
    assert main([*args, "ledger", "--json", "--limit", "1"]) == 0
    (last,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert last["action"] == "draft" and last["recipients"] == ["Desk <desk@agency.example>"]
    assert set(last) == {
        "time", "action", "briefing_id", "edition", "title", "file", "sha256", "marking", "recipients",
        "account", "result", "detail",
    }  # fmt: skip
