"""The `briefer` command: every core feature, no Qt (only the bare command opens the window)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from briefer import __version__
from briefer.core import paths
from briefer.core.archive import Archive, ArchiveBusy
from briefer.core.catalog import CatalogError
from briefer.core.documents import Extracted
from briefer.core.extract import ExtractionError, extract_file
from briefer.core.importer import FileOutcome
from briefer.core.index import IndexBusy, QueryError
from briefer.core.progress import Cancelled
from briefer.core.search import SearchResults

log = logging.getLogger(__name__)


class TerminalProgress:
    """A one-line progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, label: str, stream: TextIO = sys.stderr) -> None:
        self._label = label
        self._stream = stream
        self._enabled = stream.isatty()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self._enabled or (now - self._last < 0.1 and done != total):
            return
        self._last = now
        width = 30
        filled = width * done // total if total else 0
        bar = "#" * filled + "-" * (width - filled)
        self._stream.write(f"\r{self._label} [{bar}] {done}/{total}")
        self._stream.flush()

    def clear(self) -> None:
        if self._enabled:
            self._stream.write("\r\033[K")
            self._stream.flush()


def _open_archive(args: argparse.Namespace) -> Archive:
    archive = Archive(paths.resolve_data_dir(args.data_dir))
    for notice in archive.notices:
        print(f"briefer: {notice}", file=sys.stderr)
    return archive


# -- index ---------------------------------------------------------------------
def _report_failure(outcome: FileOutcome) -> None:
    if outcome.status == "failed":
        print(f"\r\033[Kfailed: {outcome.path}: {outcome.reason}", file=sys.stderr)


def _cmd_index(args: argparse.Namespace) -> int:
    if not args.paths and not args.sample:
        print("briefer index: name files or folders to import, or --sample", file=sys.stderr)
        return 2
    bar = TerminalProgress("Importing")
    with _open_archive(args) as archive:
        total_line = []
        if args.sample:
            summary = archive.import_sample(progress=bar)
            bar.clear()
            total_line.append(f"sample archive: {summary.line()}")
        if args.paths:
            summary = archive.import_paths(
                [Path(p) for p in args.paths], prune=args.prune, progress=bar, on_outcome=_report_failure
            )
            bar.clear()
            total_line.append(summary.line())
        print("; ".join(total_line))
    return 0


def _cmd_reindex(args: argparse.Namespace) -> int:
    bar = TerminalProgress("Indexing")
    with _open_archive(args) as archive:
        started = time.perf_counter()
        count = archive.reindex(progress=bar)
        bar.clear()
        print(f"{count} documents indexed in {time.perf_counter() - started:.1f} s")
    return 0


# -- search --------------------------------------------------------------------
def _print_results(results: SearchResults, out: TextIO) -> None:
    if not results.hits:
        print(f"No documents match {results.query!r}.", file=out)
        return
    print(f"{results.total} match(es) for {results.query!r}; showing {len(results.hits)}", file=out)
    for rank, hit in enumerate(results.hits, start=1):
        doc = hit.document
        date = doc.published.strftime("%Y-%m-%d") if doc.published else "undated"
        source = doc.source or "unknown source"
        print(f"\n{rank:>3}. {doc.title}", file=out)
        print(
            f"     {date} · {source} · score {hit.score:.2f} · {hit.matches} match(es) · {doc.id}", file=out
        )
        print(f"     {hit.snippet.marked('[', ']')}", file=out)


def _cmd_search(args: argparse.Namespace) -> int:
    if args.batch is None and not args.query:
        print("briefer search: give a query, or --batch FILE", file=sys.stderr)
        return 2
    with _open_archive(args) as archive:
        if args.batch is not None:
            return _search_batch(archive, args)
        query = " ".join(args.query)
        try:
            results = archive.search(query, limit=args.limit)
        except QueryError as exc:
            print(f"briefer: bad query: {exc}", file=sys.stderr)
            return 2
        for notice in results.notices:
            print(f"note: {notice}", file=sys.stderr)
        if args.json:
            for hit in results.hits:
                print(json.dumps(hit.as_json(), ensure_ascii=False))
        else:
            _print_results(results, sys.stdout)
    return 0


def _search_batch(archive: Archive, args: argparse.Namespace) -> int:
    source = sys.stdin if args.batch == "-" else open(args.batch, encoding="utf-8")  # noqa: SIM115
    with source:
        for line in source:
            query = line.rstrip("\n")
            record: dict[str, object] = {"query": query, "hits": []}
            if query.strip():
                try:
                    results = archive.search(query, limit=args.limit)
                    record["hits"] = [hit.as_json() for hit in results.hits]
                except QueryError as exc:
                    record["error"] = str(exc)
            print(json.dumps(record, ensure_ascii=False), flush=False)
    sys.stdout.flush()
    return 0


# -- extract and stats ---------------------------------------------------------
def _extracted_json(path: Path, extracted: Extracted) -> dict[str, object]:
    return {
        "path": str(path.resolve()),
        "title": extracted.title,
        "text": extracted.text,
        "author": extracted.author,
        "source": extracted.source,
        "published": extracted.published.strftime("%Y-%m-%dT%H:%M:%SZ") if extracted.published else None,
        "published_raw": extracted.published_raw,
        "url": extracted.url,
        "language": extracted.language,
        "format": extracted.format,
    }


def _cmd_extract(args: argparse.Namespace) -> int:
    status = 0
    for name in args.files:
        path = Path(name)
        try:
            record = _extracted_json(path, extract_file(path))
        except ExtractionError as exc:
            print(f"briefer: {path}: {exc}", file=sys.stderr)
            status = 1
            continue
        if args.json:
            print(json.dumps(record, ensure_ascii=False))
        else:
            print(f"== {path}\ntitle: {record['title']}\nauthor: {record['author']}")
            print(f"source: {record['source']}\npublished: {record['published']}\nurl: {record['url']}\n")
            print(record["text"], end="\n\n")
    return status


def _cmd_stats(args: argparse.Namespace) -> int:
    with _open_archive(args) as archive:
        stats = archive.stats()
        failures = archive.catalog.failures() if args.failures else []
    if args.json:
        record = stats.as_dict()
        if args.failures:
            record["failures"] = [{"path": f.path, "reason": f.reason} for f in failures]
        print(json.dumps(record))
        return 0
    print(f"Archive:      {stats.data_dir}")
    print(f"Documents:    {stats.documents}")
    print(f"Failed files: {stats.failed}")
    print(f"Index size:   {stats.index_bytes / 1e6:.1f} MB (catalog {stats.catalog_bytes / 1e6:.1f} MB)")
    if stats.unindexed:
        print(f"Not indexed:  {stats.unindexed} (run `briefer reindex`)")
    print(
        f"Last import:  {stats.last_import or 'never'}"
        + (f" ({stats.last_import_summary})" if stats.last_import_summary else "")
    )
    for failure in failures:
        print(f"  failed: {failure.path}: {failure.reason}")
    return 0


# -- the parser ----------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefer",
        description="Search an archive of articles and build sourced briefings. "
        "Without a command, opens the Briefer window.",
    )
    parser.add_argument("--version", action="version", version=f"briefer {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=f"where the catalog and index live (default: ${paths.DATA_DIR_ENV}, "
        "the checkout's index/ folder, or the user data folder)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    index = commands.add_parser("index", help="import files and folders into the archive")
    index.add_argument("paths", nargs="*", help="files or folders (searched recursively)")
    index.add_argument("--prune", action="store_true", help="forget documents whose files are gone")
    index.add_argument("--sample", action="store_true", help="import the bundled sample archive")
    index.set_defaults(run=_cmd_index)

    search = commands.add_parser("search", help="search the archive")
    search.add_argument("query", nargs="*", help="Whoosh query syntax; words are ANDed")
    search.add_argument("--limit", type=int, default=10, help="how many hits (default 10)")
    search.add_argument("--json", action="store_true", help="one JSON object per hit, per line")
    search.add_argument("--batch", metavar="FILE", help="one query per line ('-' for stdin); JSON out")
    search.set_defaults(run=_cmd_search)

    extract = commands.add_parser("extract", help="print the text and metadata extracted from files")
    extract.add_argument("files", nargs="+")
    extract.add_argument("--json", action="store_true", help="one JSON object per file, per line")
    extract.set_defaults(run=_cmd_extract)

    stats = commands.add_parser("stats", help="what the archive holds")
    stats.add_argument("--json", action="store_true")
    stats.add_argument("--failures", action="store_true", help="list the files that failed to import")
    stats.set_defaults(run=_cmd_stats)

    reindex = commands.add_parser("reindex", help="rebuild the search index from the catalog")
    reindex.set_defaults(run=_cmd_reindex)
    from briefer import cli_brief

    cli_brief.register(commands, _open_archive)
    return parser


def _run_gui(args: argparse.Namespace) -> int:
    from briefer.gui.app import main as gui_main  # Qt only when the window is wanted

    return gui_main(data_dir=paths.resolve_data_dir(args.data_dir))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    command: Callable[[argparse.Namespace], int] = getattr(args, "run", _run_gui)
    try:
        return command(args)
    except KeyboardInterrupt:
        print("\nbriefer: interrupted", file=sys.stderr)
        return 130
    except Cancelled:
        print("briefer: cancelled", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except (ArchiveBusy, IndexBusy, CatalogError, OSError, ValueError) as exc:
        print(f"briefer: {exc}", file=sys.stderr)
        return 1
