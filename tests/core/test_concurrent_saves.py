"""Several writers on one .briefing: real processes, real files; no edit is lost without a word."""

from __future__ import annotations

from pathlib import Path

from briefer.core.briefing import storage, templates
from tests.concurrency_support import add_text, paragraph_texts, run_together


def new_briefing_file(path: Path) -> Path:
    storage.save(templates.new_briefing(templates.load("assessment"), title="Shared"), path)
    return path


def test_twenty_parallel_add_text_processes_keep_all_twenty_paragraphs(tmp_path: Path) -> None:
    path = new_briefing_file(tmp_path / "shared.briefing")
    texts = [f"Parallel paragraph {n}." for n in range(20)]
    outcomes = run_together(tmp_path / "data", [add_text(path, text) for text in texts])
    assert [(o.status, o.stderr) for o in outcomes] == [(0, "")] * 20
    assert sorted(paragraph_texts(path)) == sorted(texts)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "data") == [
        "shared.briefing",
        "shared.briefing.bak",
    ]  # no lock or temporary file left behind
