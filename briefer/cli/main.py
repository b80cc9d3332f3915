"""The `briefer` command: every core feature, no Qt (only the bare command opens the window)."""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from briefer import __version__
from briefer.cli import team as cli_team
from briefer.cli.progress import TerminalProgress
from briefer.core import paths, team
from briefer.core.archive import (
    ENVIRONMENT,
    REINDEX,
    Archive,
    ArchiveBusy,
    ArchiveMissing,
    Breakdown,
    ImportLimits,
    LimitError,
    NotRegularFile,
    TooLarge,
    read_file,
)
from briefer.core.documents import Extracted
from briefer.core.errors import is_expected
from briefer.core.escaping import EscapingFormatter, json_text, visible
from briefer.core.extract import Part
from briefer.core.progress import Cancelled
from briefer.core.search import IndexBusy

if TYPE_CHECKING:
    from briefer.core.archive import FileOutcome, ImportSummary
    from briefer.gui import platform_check

log = logging.getLogger(__name__)


# Commands that only read the archive (export and send quote it): on a folder without one they say so
# and create nothing.
READS_ONLY = ("search", "stats", "verify", "tags", "cluster", "export", "send", "ledger")
# Commands that say in their own output how far a running import is.
REPORT_IMPORT_THEMSELVES = ("search", "stats")
WORK_WITHOUT_ARCHIVE = ("team", "extract", "credentials")  # what runs while a team archive is named


def _open_archive(args: argparse.Namespace) -> Archive:
    """The archive the command line names: the team archive (`--team`, $BRIEFER_TEAM_URL), else
    the personal one in the data folder."""
    command = getattr(args, "command", None)
    location = cli_team.location_of(args)
    if location is not None:
        archive: Archive = cli_team.open_archive(args, location)
    else:
        archive = Archive(paths.resolve_data_dir(args.data_dir), create=command not in READS_ONLY)
    for notice in archive.notices:
        print(f"briefer: {notice}", file=sys.stderr)
    if archive.notices and command not in ("index", "reindex"):
        _rebuild_index(archive)  # `index` and `reindex` index the whole catalog themselves
    progress = archive.import_progress()
    if progress is not None and command not in REPORT_IMPORT_THEMSELVES:
        until = "until it finishes, Briefer sees only what it has done so far"
        print(f"briefer: note: {progress.describe()}; {until}", file=sys.stderr)
    return archive


def _no_archive(exc: ArchiveMissing) -> int:
    print(
        f"briefer: {exc}; choose the archive with --data-dir DIR or ${paths.DATA_DIR_ENV}, "
        "or import into this one first: briefer index FOLDER (or briefer index --sample)",
        file=sys.stderr,
    )
    return 2


def _rebuild_index(archive: Archive) -> None:
    """The index was found missing or damaged and recreated empty: fill it from the catalog now."""
    if not archive.unindexed_count():
        return
    bar = TerminalProgress("Rebuilding the search index")
    try:
        count = archive.reindex(progress=bar)
    except (ArchiveBusy, IndexBusy):
        print("briefer: another Briefer is importing; it will index the catalog", file=sys.stderr)
        return
    finally:
        bar.clear()
    print(f"briefer: the search index was rebuilt from the catalog ({count} documents)", file=sys.stderr)


# -- index ---------------------------------------------------------------------
def _failure_reporter(bar: TerminalProgress) -> Callable[[FileOutcome], None]:
    def report(outcome: FileOutcome) -> None:
        if outcome.status == "failed":
            bar.note(f"failed: {visible(outcome.path)}: {visible(outcome.reason)}")

    return report


def _write_report(target: str, summaries: list[ImportSummary]) -> None:
    """`{"summary": {...}, "files": [...]}` for all the runs of this command, to a file or stdout ("-")."""
    from briefer.core.archive import ImportSummary  # the importer: loaded when an import runs

    merged = ImportSummary()
    for summary in summaries:
        for outcome in summary.outcomes:
            merged.add(outcome)
        merged.pruned += summary.pruned
        merged.indexed += summary.indexed
        merged.seconds += summary.seconds
    text = json_text(merged.report(), indent=1) + "\n"
    if target == "-":
        sys.stdout.write(text)
        return
    Path(target).write_text(text, encoding="utf-8")


def _cmd_index(args: argparse.Namespace) -> int:
    if not args.paths and not args.sample:
        print("briefer index: name files or folders to import, or --sample", file=sys.stderr)
        return 2
    try:
        limits = _limits(args)
    except LimitError as exc:
        print(f"briefer index: {exc}", file=sys.stderr)
        return 2
    bar = TerminalProgress("Importing")
    summaries: list[ImportSummary] = []
    with _open_archive(args) as archive:
        total_line = []
        if args.sample:
            summary = archive.import_sample(progress=bar)
            bar.clear()
            summaries.append(summary)
            total_line.append(f"sample archive: {summary.line()}")
        if args.paths:
            keep = _confirm_prune(archive, [Path(p) for p in args.paths], args) if args.prune else frozenset()
            if keep is None:
                return 2
            summary = archive.import_paths(
                [Path(p) for p in args.paths],
                prune=args.prune,
                keep=keep,
                progress=bar,
                on_outcome=_failure_reporter(bar),
                limits=limits,
            )
            bar.clear()
            summaries.append(summary)
            total_line.append(summary.line())
        if args.report:
            _write_report(args.report, summaries)
        print("; ".join(total_line), file=sys.stderr if args.report == "-" else sys.stdout)
    return 0


def _confirm_prune(archive: Archive, paths: list[Path], args: argparse.Namespace) -> frozenset[str] | None:
    """Ask before --prune deletes documents (--yes answers for a script); the documents that the
    briefings named with --keep-quoted quote stay unless --prune-quoted.  Returns what to keep, or
    None when the user said no (nothing is imported or removed then)."""
    try:
        plan = archive.prune_plan(paths, quoted_by=[Path(p) for p in args.keep_quoted])
    except OSError as exc:
        raise SystemExit(f"briefer index: {exc}") from None
    if not plan.documents:
        return frozenset()
    for path in plan.unreadable:
        print(f"briefer index: cannot read {path}: what it quotes cannot be kept", file=sys.stderr)
    quoted = plan.quoted
    kept = frozenset() if args.prune_quoted else quoted
    going = len(plan.documents) - len(kept)
    what = f"--prune deletes {going} document(s) whose files are gone"
    if quoted:
        fate = "deleted too (--prune-quoted)" if args.prune_quoted else "kept"
        what += f"; {len(quoted)} of them, quoted by the briefings you named, are {fate}"
    elif not args.keep_quoted:
        what += " (name briefings with --keep-quoted FILE.briefing to keep what they quote)"
    if args.yes:
        print(f"note: {what}", file=sys.stderr)
        return kept
    if not sys.stdin.isatty():
        print(f"briefer index: {what}; add --yes to go on. Nothing was imported or deleted.", file=sys.stderr)
        return None
    answer = input(f"{what}. Go on? [y/N] ")
    if answer.strip().lower() in ("y", "yes"):
        return kept
    print("Nothing was imported or deleted.", file=sys.stderr)
    return None


def _cmd_reindex(args: argparse.Namespace) -> int:
    bar = TerminalProgress("Indexing")
    with _open_archive(args) as archive:
        started = time.perf_counter()
        count = archive.reindex(progress=bar)
        bar.clear()
        print(f"{count} documents indexed in {time.perf_counter() - started:.1f} s")
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
        "source_type": extracted.source_type,
        "pages": list(extracted.pages),
    }


def _cmd_extract(args: argparse.Namespace) -> int:
    """Print each document of each file: one for a page or a PDF, one per member of a container.

    Each file is parsed in a worker process within the import's limits, as an import would.
    """
    try:
        limits = _limits(args)
    except LimitError as exc:
        print(f"briefer extract: {exc}", file=sys.stderr)
        return 2
    unreadable: list[Path] = []

    def readable() -> Iterator[tuple[Path, bytes]]:
        for name in args.files:
            path = Path(name)
            try:
                yield path, read_file(path.resolve(), limits.max_size)  # a link named here is followed
            except (NotRegularFile, TooLarge) as exc:  # a pipe, a device: never read
                print(f"briefer: {visible(str(path))}: {exc}", file=sys.stderr)
                unreadable.append(path)
            except OSError as exc:
                print(f"briefer: {visible(str(path))}: cannot read: {exc.strerror or exc}", file=sys.stderr)
                unreadable.append(path)

    from briefer.core.archive import parse_each  # the parser pool: loaded for this command only

    status = 0
    for path, parts in parse_each(readable(), limits):
        status = max(status, _print_parts(args, path, parts))
    return 1 if unreadable else status


def _print_parts(args: argparse.Namespace, path: Path, parts: list[Part]) -> int:
    """Print the documents of one file; 1 if any part of it could not be read."""
    status = 0
    for part in parts:
        where = visible(f"{path}/{part.member}" if part.member else str(path))
        if part.extracted is None:
            print(f"briefer: {where}: {part.status or 'failed'}: {visible(part.reason)}", file=sys.stderr)
            status = 1
            continue
        record = _extracted_json(path, part.extracted)
        if part.member:
            record["path"] = f"{record['path']}/{part.member}"
        if args.json:
            print(json_text(record))
        else:
            shown = {key: visible(str(value)) for key, value in record.items()}
            print(f"== {where}\ntitle: {shown['title']}\nauthor: {shown['author']}")
            print(f"source: {shown['source']}\npublished: {shown['published']}\nurl: {shown['url']}")
            print(f"language: {shown['language']}\nsource type: {shown['source_type']}\n")
            print(visible(str(record["text"]), keep="\n\t"), end="\n\n")
    return status


def _cmd_stats(args: argparse.Namespace) -> int:
    with _open_archive(args) as archive:
        stats = archive.stats(breakdown=True)
        failures = archive.failed_files() if args.failures else []
    if args.json:
        record = stats.as_dict()
        if args.failures:
            record["failures"] = [{"path": f.path, "reason": f.reason} for f in failures]
        print(json.dumps(record))
        return 0
    progress = stats.import_progress
    print(f"Archive:      {visible(stats.data_dir)} (id {stats.archive_id})")
    if progress is not None:
        print(f"Running:      {progress.describe()}; the figures below are what it has done so far")
    print(f"Documents:    {stats.documents}")
    print(f"Failed files: {stats.failed}")
    print(f"Index size:   {stats.index_bytes / 1e6:.1f} MB (catalog {stats.catalog_bytes / 1e6:.1f} MB)")
    if stats.unindexed:
        remedy = "the running import indexes them" if progress else "run `briefer reindex`"
        print(f"Not indexed:  {stats.unindexed} ({remedy})")
    print(f"Last import:  {stats.last_import_line()}")
    for run in stats.interrupted:
        again = "`briefer reindex`" if run.kind == REINDEX else "the same `briefer index`"
        print(f"Interrupted:  {run.describe()}; run {again} again to finish it")
    if stats.breakdown is not None and stats.documents:
        for line in _breakdown_lines(stats.breakdown):
            print(line)
    for failure in failures:
        print(f"  failed: {visible(failure.path)}: {visible(failure.reason)}")
    return 0


BREAKDOWN_SHOWN = 8  # outlets, types or languages a line names; `--json` has them all


def _breakdown_lines(breakdown: Breakdown) -> list[str]:
    """One line per facet: `By outlet:    Wire 3, Post 1`, most documents first; every year, oldest first."""
    lines = []
    for facet, label in (("source", "outlet"), ("type", "type"), ("language", "language"), ("year", "year")):
        counts = getattr(breakdown, facet)
        limit = len(counts) if facet == "year" else BREAKDOWN_SHOWN
        shown = ", ".join(f"{visible(value) or '(not known)'} {n}" for value, n in counts[:limit])
        more = f", and {len(counts) - limit} more (--json lists all)" if len(counts) > limit else ""
        lines.append(f"{'By ' + label + ':':<14}{shown}{more}")
    return lines


# -- the parser ----------------------------------------------------------------
class _Unparsed(Exception):
    """The commands parsed so far do not take these arguments, or they ask for help or the version."""


class _QuietParser(argparse.ArgumentParser):
    """A parser that neither prints nor exits: whatever it would say, the whole parser says."""

    def _print_message(self, message: str, file: Any = None) -> None:
        raise _Unparsed

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise _Unparsed

    def error(self, message: str) -> NoReturn:
        raise _Unparsed


def build_parser(*, own_commands_only: bool = False) -> argparse.ArgumentParser:
    """The parser of every command.  With `own_commands_only`, a quiet parser (_QuietParser) of the
    commands this module and the search group define: the other groups' modules load what their
    commands need (the briefing, its Word export, the keychain), which index and search do not."""
    parser = (_QuietParser if own_commands_only else argparse.ArgumentParser)(
        prog="briefer",
        description="Search an archive of articles and build sourced briefings. "
        "Without a command, opens the Briefer window.",
    )
    parser.add_argument("--version", action="version", version=f"briefer {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_const",
        dest="run",
        const=_run_self_test,
        default=argparse.SUPPRESS,
        help="check this installation end to end in a temporary folder (offscreen), then exit",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=f"where the catalog and index live (default: ${paths.DATA_DIR_ENV}, "
        "the checkout's index/ folder, or the user data folder)",
    )
    parser.add_argument(
        "--team",
        metavar="URL",
        help=f"the team archive on PostgreSQL (default: ${team.TEAM_URL_ENV}); wins over --data-dir, "
        "whose folder then keeps only local state",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    index = commands.add_parser("index", help="import files and folders into the archive")
    index.add_argument("paths", nargs="*", help="files or folders (searched recursively)")
    index.add_argument(
        "--prune", action="store_true", help="forget documents whose files are gone (asks first)"
    )
    index.add_argument(
        "--keep-quoted",
        metavar="FILE.briefing",
        action="append",
        default=[],
        help="with --prune: keep the documents this briefing quotes (repeatable)",
    )
    index.add_argument(
        "--prune-quoted", action="store_true", help="with --prune: delete documents --keep-quoted names too"
    )
    index.add_argument("--yes", action="store_true", help="with --prune: do not ask")
    index.add_argument("--sample", action="store_true", help="import the bundled sample archive")
    index.add_argument(
        "--report",
        metavar="FILE.json",
        help="write every file's status and reason as JSON ('-' for stdout)",
    )
    _add_limit_options(index)
    index.set_defaults(run=_cmd_index)

    from briefer.cli import search as cli_search

    cli_search.register(commands, _open_archive)

    extract = commands.add_parser("extract", help="print the text and metadata extracted from files")
    extract.add_argument("files", nargs="+")
    extract.add_argument(
        "--json", action="store_true", help="one JSON object per document (file or member), per line"
    )
    _add_limit_options(extract)
    extract.set_defaults(run=_cmd_extract)

    stats = commands.add_parser("stats", help="what the archive holds")
    stats.add_argument("--json", action="store_true")
    stats.add_argument("--failures", action="store_true", help="list the files that failed to import")
    stats.set_defaults(run=_cmd_stats)

    reindex = commands.add_parser("reindex", help="rebuild the search index from the catalog")
    reindex.set_defaults(run=_cmd_reindex)
    if own_commands_only:
        return parser
    from briefer.cli import brief as cli_brief

    cli_brief.register(commands, _open_archive)
    from briefer.cli import distribution as cli_distribution

    cli_distribution.register(commands, _open_archive)
    from briefer.cli import feeds as cli_feeds

    cli_feeds.register(commands, _open_archive)
    from briefer.cli import verify as cli_verify

    cli_verify.register(commands, _open_archive)
    from briefer.cli import check as cli_check

    cli_check.register(commands, _open_archive)
    from briefer.cli import review as cli_review

    cli_review.register(commands)
    cli_team.register(commands)
    return parser


_LIMIT_OPTIONS = {  # ImportLimits field: (metavar, help); sizes are given in MB
    "time_limit": ("SECONDS", "stop parsing a file (or archive member) after this long"),
    "max_size": ("MB", "do not read files (or archive members) larger than this"),
    "max_memory": ("MB", "the memory limit per file: the memory a parser process may use"),
    "max_members": ("N", "the members limit per file: read at most this many, nested ones included"),
    "max_expansion": ("MB", "the unpacking limit per file: unpack at most this much, nested members too"),
}


def _add_limit_options(command: argparse.ArgumentParser) -> None:
    """--time-limit, --max-size, --max-memory, --max-members, --max-expansion (docs/importing.md)."""
    defaults = ImportLimits()
    for name, (metavar, what) in _LIMIT_OPTIONS.items():
        variable, unit = ENVIRONMENT[name]
        default = getattr(defaults, name) / (unit or 1)
        command.add_argument(
            f"--{name.replace('_', '-')}",
            type=float,
            metavar=metavar,
            help=f"{what} (default {default:g}, or ${variable})",
        )


def _limits(args: argparse.Namespace) -> ImportLimits:
    """The limits of this run: the options given, else the environment's, else the defaults."""
    given: dict[str, float | None] = {}
    for name in _LIMIT_OPTIONS:
        value, unit = getattr(args, name), ENVIRONMENT[name][1]
        given[name] = value * unit if value is not None and unit else value
    return ImportLimits.configured().but(**given)


def _run_self_test(args: argparse.Namespace) -> int:
    from briefer.gui import selftest  # Qt only when the self-test runs

    return selftest.run()


def _run_gui(args: argparse.Namespace) -> int:
    from briefer.gui import platform_check  # Qt-free: it runs before Qt can abort the process

    problem = platform_check.check(os.environ)
    if problem is not None:
        return _window_cannot_open(problem)
    try:
        from briefer.gui.app import main as gui_main  # Qt only when the window is wanted
    except ImportError as exc:
        missing = platform_check.from_import_error(exc)
        if missing is None:
            raise
        return _window_cannot_open(missing)
    location = cli_team.location_of(args)
    return gui_main(
        data_dir=paths.resolve_data_dir(args.data_dir),
        briefing=getattr(args, "briefing", None),
        team=location.address if location is not None else "",
    )


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    return {
        name
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    }


def _briefing_to_open(parser: argparse.ArgumentParser, argv: list[str]) -> tuple[list[str], Path | None]:
    """`briefer [--data-dir DIR] FILE.briefing` opens the window on that briefing (what a file
    manager's "Open with" runs): the file is taken out of the arguments when no command is named."""
    commands = _commands(parser)
    last = argv[-1] if argv else ""
    is_file = last.endswith(".briefing") and not last.startswith("-") and argv[-2:-1] != ["--data-dir"]
    if is_file and not commands & set(argv[:-1]):
        return argv[:-1], Path(last)
    return argv, None


def _window_cannot_open(problem: platform_check.Problem) -> int:
    from briefer.gui.platform_check import NoDisplay

    if isinstance(problem, NoDisplay):
        print(
            "briefer: the window cannot open: there is no X display (DISPLAY is not set). Start it in a "
            "desktop session; the commands work without one (briefer --help)",
            file=sys.stderr,
        )
        return 2
    lines = [
        "briefer: the window cannot open: Qt needs system libraries that are missing: "
        + ", ".join(problem.libraries)
    ]
    if problem.packages:
        sudo = "sudo " if hasattr(os, "geteuid") and os.geteuid() != 0 else ""
        lines.append(f"Install them (Debian, Ubuntu): {sudo}apt-get install {' '.join(problem.packages)}")
    for library in problem.unknown:
        lines.append(f"Find the package that holds {library}: apt-file search {library}")
    lines.append(
        "The commands work without them (briefer --help); bash scripts/run installs them in a checkout."
    )
    print("\n".join(lines), file=sys.stderr)
    return 2


def _parse(argv: list[str]) -> argparse.Namespace:
    """The command line's arguments, and the briefing it names (`args.briefing`).  A command of this
    module or the search group is parsed without loading the other groups' modules; anything else
    (another command, help, an error) by the whole parser, which says what it says."""
    own = build_parser(own_commands_only=True)
    if _commands(own) & set(argv):
        try:
            arguments, briefing = _briefing_to_open(own, argv)
            args = own.parse_args(arguments)
            args.briefing = briefing
            return args
        except _Unparsed:
            pass
    parser = build_parser()
    arguments, briefing = _briefing_to_open(parser, argv)
    args = parser.parse_args(arguments)
    args.briefing = briefing
    return args


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()  # a frozen app's parser processes re-run it: let them be workers
    args = _parse(list(sys.argv[1:] if argv is None else argv))
    stderr = logging.StreamHandler()
    stderr.setFormatter(EscapingFormatter("%(levelname)s %(name)s: %(message)s"))  # one line a record
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, handlers=[stderr])
    command: Callable[[argparse.Namespace], int] = getattr(args, "run", _run_gui)
    try:
        if args.command not in WORK_WITHOUT_ARCHIVE and cli_team.location_of(args) is not None:
            if args.command is None:
                return _run_gui(args)  # the window connects to it (its dialog shows the attempt)
            return cli_team.on_team_archive(args, command, _cmd_index, _confirm_prune)
        return command(args)
    except KeyboardInterrupt:
        print("\nbriefer: interrupted", file=sys.stderr)
        return 130
    except Cancelled:
        print("briefer: cancelled", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except ArchiveMissing as exc:
        return _no_archive(exc)
    except sqlite3.Error as exc:  # SQLite's own word for a full disk is "disk I/O error"
        print(
            f"briefer: the archive catalog could not be read or written ({exc}); "
            "check that the disk is not full and that the data folder is writable",
            file=sys.stderr,
        )
        return 1
    except Exception as exc:
        # Our typed errors and the file system's carry a reason for the user (so does the core's
        # ValueError); anything else is a bug, and its traceback is what helps.
        if not (is_expected(exc) or isinstance(exc, ValueError)):
            raise
        print(f"briefer: {exc}", file=sys.stderr)
        return 1
