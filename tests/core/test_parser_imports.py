"""A parser process loads only what its files' formats need (issue #24: each parser held the
archive's facade, Whoosh, the catalog and every format's libraries, trafilatura alone 30 MB, even
for text files: 77 MB a parser, 111 MB on Reuters)."""

from __future__ import annotations

from pathlib import Path

from briefer.core.archive.workers import Job, ParsePool
from briefer.core.extract import Limits, extract_parts
from tests.core.extract.pdf_writer import Text, make_layout_pdf
from tests.core.module_probe import listing_parse

# Never needed to parse a text file: the facade and the search engine, the catalog, Word export,
# the markup parsers, PDFium.
NOT_FOR_TEXT = (
    "briefer.core.archive.facade",
    "briefer.core.archive.catalog",
    "briefer.core.search",
    "whoosh",
    "sqlite3",
    "docx",
    "lxml",
    "trafilatura",
    "pypdfium2",
)


def _worker_modules(tmp_path: Path, *others: Path, sign: bool = False) -> set[str]:
    """The modules of a parser worker after it parsed (and with `sign`, signed) `others`, then the
    probe file."""
    probe = tmp_path / "modules.txt"
    probe.write_text("-", encoding="utf-8")
    with ParsePool(workers=1, parse=listing_parse, max_memory=None, sign=sign) as pool:
        for number, path in enumerate([*others, probe]):
            pool.submit(Job(number, str(path), path.read_bytes(), Limits()))
        finished = []
        while pool.outstanding:
            finished += [f.job for f in pool.finished()]
    last = max(finished, key=lambda job: job.job_id)
    return set(last.parts[0].reason.split())


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m in names or m.startswith(tuple(n + "." for n in names)))


def test_a_parser_of_text_files_loads_neither_the_facade_nor_whoosh_nor_any_other_format(
    tmp_path: Path,
) -> None:
    article = tmp_path / "article.txt"
    article.write_text("Title: Rail traffic\n\nCoal and grain crossed the bridge.\n", encoding="utf-8")
    modules = _worker_modules(tmp_path, article)
    assert "briefer.core.extract.text" in modules  # it did parse the text file
    assert _loaded(modules, NOT_FOR_TEXT) == []


def test_a_parser_that_signs_what_it_reads_loads_neither_the_facade_nor_whoosh(tmp_path: Path) -> None:
    """Near-duplicate signatures (clusters.sign) are computed in the parsers of an import: numpy,
    not the search engine (its title_paragraph_end lived in the search package)."""
    article = tmp_path / "article.txt"
    words = " ".join(f"word{n}" for n in range(40))
    article.write_text(f"Title: Rail traffic\n\nCoal crossed the bridge. {words}\n", encoding="utf-8")
    modules = _worker_modules(tmp_path, article, sign=True)
    assert "briefer.core.archive.clusters" in modules and "numpy" in modules  # it did sign
    assert _loaded(modules, ("whoosh", "briefer.core.search", "briefer.core.archive.facade", "docx")) == []


def test_a_parser_of_pdfs_loads_pdfium_but_no_markup_parser(tmp_path: Path) -> None:
    report = tmp_path / "report.pdf"
    report.write_bytes(make_layout_pdf([[Text("Coal and grain crossed the bridge at Tumangang.", 700)]]))
    modules = _worker_modules(tmp_path, report)
    assert "pypdfium2" in modules
    assert _loaded(modules, ("lxml", "trafilatura", "docx", "whoosh", "briefer.core.archive.facade")) == []


def _mapped(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text(encoding="utf-8")


def test_the_real_parser_warms_up_only_the_formats_it_meets(tmp_path: Path) -> None:
    """The workers of an import (the real extractor, with its warm-up before a file's clock starts)
    load PDFium for the first PDF and the markup parsers for the first page, not before: their
    shared libraries are mapped into the worker only then."""
    text, page = tmp_path / "a.txt", tmp_path / "b.html"
    text.write_text("Coal and grain crossed the bridge at Tumangang.\n", encoding="utf-8")
    page.write_text("<html><body><p>Coal crossed the bridge.</p></body></html>", encoding="utf-8")
    report = tmp_path / "c.pdf"
    report.write_bytes(make_layout_pdf([[Text("Coal and grain crossed the bridge at Tumangang.", 700)]]))
    with ParsePool(workers=1, parse=extract_parts, max_memory=None) as pool:

        def parse(path: Path) -> str:
            pool.submit(Job(0, str(path), path.read_bytes(), Limits()))
            while pool.outstanding:
                list(pool.finished())
            return _mapped(pool._workers[0].process.pid)

        after_text, after_pdf, after_page = parse(text), parse(report), parse(page)
    assert "libpdfium" not in after_text and "lxml/etree" not in after_text and "_sqlite3" not in after_text
    assert "libpdfium" in after_pdf and "lxml/etree" not in after_pdf
    assert "lxml/etree" in after_page
