"""The `briefer` command as scripts and evaluation tools use it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from briefer.cli import main
from briefer.core import paths


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_index_prints_a_one_line_summary(capsys, data: Path, articles: Path) -> None:
    status, out, _ = run(capsys, "--data-dir", str(data), "index", str(articles))
    assert status == 0
    assert out.startswith("4 imported, 0 failed in ")
    status, out, _ = run(capsys, "--data-dir", str(data), "index", str(articles))
    assert out.startswith("0 imported, 4 unchanged, 0 failed in ")


def test_failed_file_is_named_with_its_reason_and_the_run_succeeds(
    capsys, data: Path, articles: Path
) -> None:
    (articles / "broken.html").write_bytes(b"")
    status, out, err = run(capsys, "--data-dir", str(data), "index", str(articles))
    assert status == 0
    assert "4 imported" in out and "1 failed" in out
    assert f"failed: {articles / 'broken.html'}: empty file" in err


def test_missing_folder_is_an_error_not_a_traceback(capsys, data: Path, tmp_path: Path) -> None:
    status, _, err = run(capsys, "--data-dir", str(data), "index", str(tmp_path / "nowhere"))
    assert status == 1
    assert err.startswith("briefer: no such file or folder")


def test_search_json_carries_only_json_on_stdout(capsys, data: Path, articles: Path) -> None:
    (articles / "broken.html").write_bytes(b"")
    run(capsys, "--data-dir", str(data), "index", str(articles))
    status, out, err = run(capsys, "--data-dir", str(data), "search", "--json", "--limit", "5", "arms")
    assert status == 0
    hits = [json.loads(line) for line in out.splitlines()]
    assert {h["title"] for h in hits} == {"New sanctions on arms brokers", "Seoul reacts to the summit"}
    for hit in hits:
        assert {"id", "path", "title", "source", "author", "published", "url", "score", "snippet"} <= set(hit)
        assert hit["published"] is None or hit["published"].endswith("Z")
    assert "could not be imported" in err  # notices go to stderr


def test_batch_prints_one_line_per_query_in_order(capsys, data: Path, articles: Path, tmp_path: Path) -> None:
    run(capsys, "--data-dir", str(data), "index", str(articles))
    queries = tmp_path / "queries.txt"
    queries.write_text('Vostochny\nno such words anywhere\n"unclosed\nsource:harbour\n', encoding="utf-8")
    status, out, _ = run(capsys, "--data-dir", str(data), "search", "--json", "--batch", str(queries))
    assert status == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["query"] for r in records] == [
        "Vostochny",
        "no such words anywhere",
        '"unclosed',
        "source:harbour",
    ]
    assert [len(r["hits"]) for r in records] == [1, 0, 0, 1]
    assert "quotation mark" in records[2]["error"]


def test_bad_query_gets_one_line_and_exit_status_2(capsys, data: Path, articles: Path) -> None:
    run(capsys, "--data-dir", str(data), "index", str(articles))
    status, out, err = run(capsys, "--data-dir", str(data), "search", "(kim OR putin")
    assert status == 2 and out == ""
    assert err.strip() == "briefer: bad query: a parenthesis '(' is not closed"


def test_human_search_output_shows_title_date_source_and_highlight(
    capsys, data: Path, articles: Path
) -> None:
    run(capsys, "--data-dir", str(data), "index", str(articles))
    status, out, _ = run(capsys, "--data-dir", str(data), "search", "satellite")
    assert status == 0
    assert "Putin and Kim meet at Vostochny" in out
    assert "2023-09-13 · Northern Wire" in out
    assert "[satellite]" in out


def test_extract_json_prints_the_record_without_importing(capsys, data: Path, articles: Path) -> None:
    status, out, _ = run(capsys, "--data-dir", str(data), "extract", "--json", str(articles / "page.html"))
    assert status == 0
    record = json.loads(out)
    assert record["title"] == "Seoul reacts to the summit"
    assert record["author"] == "Min Park"
    assert record["published"] == "2023-09-13T21:00:00Z"
    assert record["url"] == "https://harbour.example/seoul-reacts"
    assert record["text"].startswith("South Korea warned")  # the headline is the title, not the text
    assert not data.exists()


def test_stats_json_and_failures(capsys, data: Path, articles: Path) -> None:
    (articles / "broken.html").write_bytes(b"")
    run(capsys, "--data-dir", str(data), "index", str(articles))
    _, out, _ = run(capsys, "--data-dir", str(data), "stats", "--json", "--failures")
    stats = json.loads(out)
    assert (stats["documents"], stats["failed"]) == (4, 1)
    assert stats["failures"] == [{"path": str(articles / "broken.html"), "reason": "empty file"}]
    _, out, _ = run(capsys, "--data-dir", str(data), "stats")
    assert "Documents:    4" in out and "Failed files: 1" in out


def test_reindex_rebuilds_from_the_catalog(capsys, data: Path, articles: Path) -> None:
    run(capsys, "--data-dir", str(data), "index", str(articles))
    status, out, _ = run(capsys, "--data-dir", str(data), "reindex")
    assert status == 0 and out.startswith("4 documents indexed")
    status, out, _ = run(capsys, "--data-dir", str(data), "search", "--json", "Vostochny")
    assert len(out.splitlines()) == 1


def test_sample_option_imports_the_bundled_archive(capsys, data: Path) -> None:
    status, out, _ = run(capsys, "--data-dir", str(data), "index", "--sample")
    assert status == 0 and out.startswith("sample archive: 24 imported")


def test_data_dir_comes_from_option_then_environment_then_checkout(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path / "env"))
    assert paths.resolve_data_dir(str(tmp_path / "opt")) == tmp_path / "opt"
    assert paths.resolve_data_dir(None) == tmp_path / "env"
    monkeypatch.delenv(paths.DATA_DIR_ENV)
    checkout = paths.checkout_index_dir()
    assert checkout is not None and checkout.name == "index"  # tests run from a source checkout
    assert paths.resolve_data_dir(None) == checkout


def test_python_dash_m_and_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "briefer", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.startswith("briefer 0.")
