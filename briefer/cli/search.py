"""`briefer search`, `saved`, `tag`, `untag`, `tags` and `cluster`: the search features on the command line.

`register(commands, open_archive)` adds the subcommands to the main parser.
With `--json`, stdout carries only machine-readable lines (one hit object per
line, then, with `--facets`, `{"facets": ..., "total": ..., "stories": ...,
"page": ..., "pages": ...}`); everything meant for a person (notices, "did you
mean") goes to stderr.  `--batch` prints one JSON object per input line:
`{"query": <the line as read>, "hits": [...], "total": ..., ...}` plus `facets`,
`suggestion`, `notices` or `error` when there are some.  Each hit says whether it has all the
words (`"match": "all"`) or most of them (`"most"`, listed after the others, and in the text
output after a line "N more match most of your words"; `--relax off` leaves them out).
Near-duplicate copies
of a story are collapsed into one hit unless `--no-collapse` is given;
`briefer cluster` lists a story's copies, diffs them and sets the threshold.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
from collections.abc import Callable
from typing import TextIO

from briefer.core import team
from briefer.core.archive import Archive, ArchiveBusy, SavedSearch, SavedSearchError, SavedSearches
from briefer.core.documents import Document
from briefer.core.escaping import json_text, visible
from briefer.core.search import FACETS, SORTS, Factor, Hit, QueryError, SearchRequest, SearchResults, Tier
from briefer.core.textnorm import strip_bidi

OpenArchive = Callable[[argparse.Namespace], Archive]
Handler = Callable[[argparse.Namespace], int]

FACET_VALUES = 12  # values of each facet listed on a terminal (JSON has them all)
FACET_NOUNS = {
    "source": "sources",
    "type": "source types",
    "year": "years",
    "month": "months",
    "language": "languages",
    "tag": "tags",
}


def _fail(message: str, status: int = 1) -> int:
    print(f"briefer: {message}", file=sys.stderr)
    return status


def _filter(text: str) -> tuple[str, str]:
    facet, sep, value = text.partition("=")
    if not sep or not value.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: write FACET=VALUE, e.g. source=Reuters or year=1987")
    if facet.strip() not in FACETS:
        raise argparse.ArgumentTypeError(f"{facet!r} is not a facet; facets are {', '.join(FACETS)}")
    return facet.strip(), value.strip()


def _span(text: str) -> tuple[int, int]:
    try:
        start, end = (int(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: write START:END character offsets, e.g. 120:480"
        ) from None
    return start, end


# -- search ---------------------------------------------------------------------------
def _request(args: argparse.Namespace, archive: Archive, query: str) -> SearchRequest:
    """The request the options describe; a saved search supplies the defaults."""
    filters = tuple(args.filter or ())
    facet_values = None if args.json or args.batch is not None else FACET_VALUES
    if args.saved:
        saved = archive.saved_searches.get(args.saved)
        query = f"({saved.query}) AND ({query})" if query.strip() else saved.query
        return SearchRequest(
            query,
            limit=args.limit,
            page=args.page,
            sort=args.sort or saved.sort,
            filters=saved.filters + filters,
            aliases=saved.aliases and not args.no_aliases,
            facets=args.facets,
            relax=args.relax == "auto",
            collapse=not args.no_collapse,
            facet_values=facet_values,
            explain=args.explain,
        )
    return SearchRequest(
        query,
        limit=args.limit,
        page=args.page,
        sort=args.sort or "relevance",
        filters=filters,
        aliases=not args.no_aliases,
        facets=args.facets,
        relax=args.relax == "auto",
        collapse=not args.no_collapse,
        facet_values=facet_values,
        explain=args.explain,
    )


def _messages(results: SearchResults) -> list[str]:
    """What a person should read beside the hits: notices, then the spelling suggestion."""
    lines = [f"note: {notice}" for notice in results.notices]
    if results.failed_files:
        lines.append("note: `briefer stats --failures` lists the files that could not be imported")
    if results.expansions:
        lines.append("note: --no-aliases searches the words only as typed")
    if results.suggestion:
        lines.append(f"did you mean: {results.suggestion}")
    return lines


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _past_last_page(results: SearchResults) -> str:
    """'Page 999 is past the last page (2 pages, 15 results).'"""
    if results.stories is not None and results.stories < results.total:
        found = _plural(results.stories, "story", "stories")
    else:
        found = _plural(results.total, "result")
    return f"Page {results.page} is past the last page ({_plural(results.pages, 'page')}, {found})."


def _summary(results: SearchResults) -> dict[str, object]:
    """What a script needs beside the hits: how many there are (`relaxed` of them with most of the
    words, not all), and the pages they fill."""
    return {
        "total": results.total,
        "stories": results.stories,
        "relaxed": results.relaxed,
        "relaxed_stories": results.relaxed_stories,
        "page": results.page,
        "pages": results.pages,
    }


def _cmd_search(open_archive: OpenArchive, args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    if args.batch is None and not query.strip() and not args.saved and not args.like:
        return _fail("give a query, --saved NAME, --like DOC or --batch FILE", 2)
    with open_archive(args) as archive:
        try:
            if args.batch is not None:
                return _search_batch(archive, args)
            if args.like:
                results = archive.more_like(args.like, span=args.span, limit=args.limit)
            else:
                results = archive.search(_request(args, archive, query))
        except QueryError as exc:
            return _fail(f"bad query: {exc}", 2)
        except SavedSearchError as exc:
            return _fail(str(exc))
        for line in _messages(results):
            print(line, file=sys.stderr)
        if args.ids:  # for scripts: DOC=$(briefer search --ids --limit 1 QUERY)
            for hit in results.hits:
                print(hit.id)
        elif args.json:
            if results.past_last_page:
                print(f"note: {_past_last_page(results)}", file=sys.stderr)
            for hit in results.hits:
                print(json_text(_hit_json(hit, args.explain)))
            if args.facets:  # the one non-hit line, only when asked for (scripts read hits per line)
                summary = _summary(results)
                summary["facets"] = results.facets or {}
                print(json_text(summary))
        else:
            first = (args.page - 1) * args.limit + 1 if not args.like else 1
            _print_results(results, sys.stdout, passages=args.passages, first=first, explain=args.explain)
    return 0


def _search_batch(archive: Archive, args: argparse.Namespace) -> int:
    source = sys.stdin if args.batch == "-" else open(args.batch, encoding="utf-8")  # noqa: SIM115
    with source:
        for line in source:
            query = line.rstrip("\n")
            record: dict[str, object] = {"query": query, "hits": []}
            if query.strip():
                try:
                    results = archive.search(_request(args, archive, query))
                except QueryError as exc:
                    record["error"] = str(exc)
                else:
                    record["hits"] = [_hit_json(hit, args.explain) for hit in results.hits]
                    record.update(_summary(results))
                    if args.facets:
                        record["facets"] = results.facets or {}
                    if results.suggestion:
                        record["suggestion"] = results.suggestion
                    if results.notices:
                        record["notices"] = list(results.notices)
            print(json_text(record), flush=False)
    sys.stdout.flush()
    return 0


def _print_results(
    results: SearchResults, out: TextIO, *, passages: bool = False, first: int = 1, explain: bool = False
) -> None:
    if results.past_last_page:
        print(_past_last_page(results), file=out)
    elif not results.hits:
        where = " in what is searchable now (see the notes: results may be incomplete)"
        print(f"No documents match {results.query!r}{where if results.incomplete else ''}.", file=out)
    else:
        stories = (
            f" in {results.stories} {'story' if results.stories == 1 else 'stories'}"
            if results.stories is not None and results.stories < results.total
            else ""
        )
        with_all = f", {results.total - results.relaxed} with all the words" if results.relaxed else ""
        found = f"{results.total} match(es){stories} for {results.query!r}{with_all}"
        print(f"{found}; showing {len(results.hits)}", file=out)
        relaxed_from = next((n for n, hit in enumerate(results.hits) if hit.match is Tier.MOST), None)
        for rank, hit in enumerate(results.hits, start=first):
            if rank - first == relaxed_from:
                print(f"\n--- {results.most_words_note()} ---", file=out)
            doc = hit.document
            date = doc.published.strftime("%Y-%m-%d") if doc.published else "undated"
            source = visible(strip_bidi(doc.source)) or "unknown source"
            tags = f" · tags: {visible(', '.join(doc.tags))}" if doc.tags else ""
            copies = visible(hit.copies_note())
            tags += f" · {copies}" if copies else ""
            print(f"\n{rank:>3}. {visible(strip_bidi(doc.title))}", file=out)
            print(
                f"     {date} · {source} · score {hit.score:.2f} · {hit.matches} match(es) · {doc.id}{tags}",
                file=out,
            )
            print(f"     {visible(hit.snippet.marked('[', ']'))}", file=out)
            for passage in hit.passages if passages else ():
                text = _marked(passage.text, passage.highlights).replace("\n\n", " ")
                print(f"       [{passage.start}:{passage.end}] {visible(text)}", file=out)
            if explain and hit.factors:  # more-like-this hits have none
                _print_factors(hit, out)
    if results.facets:
        print("\nFacets:", file=out)
        for facet, counts in results.facets.items():
            shown = visible(", ".join(f"{value} ({count})" for value, count in counts.items()))
            noun = FACET_NOUNS.get(facet, "values")
            more = f" ... and {counts.left_out} more {noun}" if counts.left_out else ""
            print(f"  {facet}: {shown or '-'}{more}", file=out)


# -- --explain ------------------------------------------------------------------------
def _rounded_parts(values: list[float], total: float, digits: int) -> list[float]:
    """`values` rounded to `digits` so that they add up to `total` rounded alike (largest remainders
    get the spare units): the factors printed then sum to the score printed."""
    unit = 10**digits
    floors = [math.floor(v * unit) for v in values]
    spare = round(total * unit) - sum(floors)
    by_remainder = sorted(range(len(values)), key=lambda i: floors[i] - values[i] * unit)
    for i in by_remainder[: max(0, min(spare, len(values)))]:
        floors[i] += 1
    return [f / unit for f in floors]


def _factor_label(factor: Factor) -> str:
    words = " ".join(factor.words)
    if factor.kind == "bm25":
        return f"{factor.field}: {words}" if factor.field else "a clause that scores every match alike"
    if factor.kind == "proximity":
        return f"query words near each other in the {factor.field}: {words}"
    if factor.kind == "feedback":
        return f"feedback word in the {factor.field}: {words}"
    return "clauses the explanation cannot split"


def _print_factors(hit: Hit, out: TextIO) -> None:
    parts = _rounded_parts([f.score for f in hit.factors], hit.score, 2)
    print(f"     score {hit.score:.2f} =", file=out)
    for factor, part in zip(hit.factors, parts, strict=True):
        print(f"       {part:+8.2f}  {visible(_factor_label(factor))}", file=out)


def _hit_json(hit: Hit, explain: bool) -> dict[str, object]:
    """A hit as JSON; with `explain`, its factors too, rounded so that they add up to its "score"."""
    found = hit.as_json()
    if explain:
        parts = _rounded_parts([f.score for f in hit.factors], hit.score, 4)
        found["explain"] = [
            {"factor": f.kind, "field": f.field, "words": list(f.words), "score": part}
            for f, part in zip(hit.factors, parts, strict=True)
        ]
    return found


def _marked(text: str, highlights: tuple[tuple[int, int], ...]) -> str:
    out, pos = [], 0
    for start, end in highlights:
        out += [text[pos:start], "[", text[start:end], "]"]
        pos = end
    return "".join([*out, text[pos:]])


# -- near-duplicate clusters ------------------------------------------------------------
def _cluster_line(line: str, threshold: float) -> str:
    if not threshold:  # the core says it is off; the command says how to switch it on
        return f"{line} (briefer cluster --threshold 0.8 switches it on)"
    return line


def _cmd_cluster(open_archive: OpenArchive, args: argparse.Namespace) -> int:
    with open_archive(args) as archive:
        try:
            if args.threshold is not None:
                stats = archive.recluster(args.threshold)
                if not args.doc and not args.list:
                    line = _cluster_line(stats.line(), stats.threshold)
                    print(json.dumps(stats.as_dict()) if args.json else line)
                    return 0
            if args.diff and not args.doc:
                return _fail("--diff OTHER compares OTHER with DOC: give DOC too", 2)
            if args.doc:
                return _show_cluster(archive, args)
            if args.list:
                return _list_clusters(archive, args)
            stats = archive.cluster_stats()
            print(json.dumps(stats.as_dict()) if args.json else _cluster_line(stats.line(), stats.threshold))
        except (ValueError, ArchiveBusy) as exc:
            return _fail(str(exc))
    return 0


def _member_line(doc: Document, representative: bool) -> str:
    date = doc.published.strftime("%Y-%m-%d %H:%M") if doc.published else "undated"
    kind = f" · {visible(doc.source_type)}" if doc.source_type else ""
    mark = "*" if representative else " "
    source = visible(strip_bidi(doc.source)) or "unknown source"
    title = visible(strip_bidi(doc.title or doc.path))
    return f"{mark} {date} · {source}{kind} · {title} · {doc.id}"


def _member_json(doc: Document, representative: bool) -> dict[str, object]:
    return {
        "id": doc.id,
        "title": doc.title,
        "source": doc.source,
        "type": doc.source_type,
        "published": doc.published.isoformat() if doc.published else None,
        "url": doc.url,
        "representative": representative,
    }


def _show_cluster(archive: Archive, args: argparse.Namespace) -> int:
    from briefer.core.archive import cluster_diff

    members = archive.cluster(args.doc)
    if not members:
        return _fail(f"there is no document {args.doc!r}")
    if args.diff:
        base = archive.document(args.doc)
        other = archive.document(args.diff)
        if base is None or other is None:
            return _fail(f"there is no document {args.diff!r}")
        diff = cluster_diff(base, other)
        if args.json:
            print(json_text(diff.as_json()))
            return 0
        if archive.cluster_of(other.id) != archive.cluster_of(base.id):
            print(f"note: {other.id} is not a copy of {base.id} (another cluster)", file=sys.stderr)
        unknown = "unknown source"
        sources = (visible(other.source) or unknown, visible(base.source) or unknown)
        print(f"{other.id} ({sources[0]}) against {base.id} ({sources[1]}):")
        for line in diff.lines():
            print(f"  {visible(line)}")
        return 0
    cluster = archive.cluster_of(args.doc)
    copies = archive.copies(args.doc)  # who else carried DOC: what its search hit and citations say
    if args.json:
        print(json_text({
            "cluster": cluster,
            "members": [_member_json(d, d.id == cluster) for d in members],
            "also_carried_by": list(copies.outlets),
        }))  # fmt: skip
        return 0
    if len(members) == 1:
        print(f"{args.doc} has no near-duplicate copies in the archive.")
    else:
        outlets = len(copies.outlets)
        carried = f", also carried by {outlets} outlet{'' if outlets == 1 else 's'}" if outlets else ""
        print(f"A story in {len(members)} documents{carried} (* the representative, cited):")
    for doc in members:
        print(f"  {_member_line(doc, doc.id == cluster)}")
    return 0


def _list_clusters(archive: Archive, args: argparse.Namespace) -> int:
    for cluster, size in archive.largest_clusters(args.limit):
        members = archive.cluster(cluster)
        if args.json:
            print(json_text({"cluster": cluster, "size": size,
                             "members": [_member_json(d, d.id == cluster) for d in members]}))  # fmt: skip
            continue
        print(f"\n{size} documents, cluster {cluster}:")
        for doc in members:
            print(f"  {_member_line(doc, doc.id == cluster)}")
    return 0


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (0.5 to 1, or 0 for off)") from None
    from briefer.core.archive import check_threshold

    try:
        return check_threshold(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# -- saved searches ---------------------------------------------------------------------
def _cmd_saved(open_archive: OpenArchive, args: argparse.Namespace) -> int:
    with open_archive(args) as archive:
        store = archive.saved_searches
        try:
            if args.saved_command == "list":
                searches = store.all()
                if args.json:
                    for search in searches:
                        print(json_text(search.as_json()))
                elif not searches:
                    print("No saved searches yet: `briefer saved save NAME QUERY...`.")
                for search in searches if not args.json else ():
                    extra = "".join(f" {facet}={value}" for facet, value in search.filters)
                    extra += f" sort={search.sort}" if search.sort != "relevance" else ""
                    extra += " aliases=off" if not search.aliases else ""
                    print(f"{search.name}: {search.query}{extra}{search.sharing_note()}")
            elif args.saved_command == "save":
                query = " ".join(args.query)
                archive.search(SearchRequest(query, limit=1, aliases=not args.no_aliases))  # explain bad ones
                search = SavedSearch(
                    args.name,
                    query,
                    filters=tuple(args.filter or ()),
                    sort=args.sort,
                    aliases=not args.no_aliases,
                )
                if args.shared:
                    saved = _save_shared(store, search, args.replace)
                else:
                    saved = store.save(search, replace=args.replace)
                print(f"saved {saved.name!r}: {saved.query}")
            else:
                store.delete(args.name)
                print(f"deleted {args.name!r}")
        except QueryError as exc:
            return _fail(f"bad query: {exc}", 2)
        except SavedSearchError as exc:
            return _fail(str(exc))
    return 0


def _save_shared(store: SavedSearches, search: SavedSearch, replace: bool) -> SavedSearch:
    """Save a search the team's other analysts see too (a team archive's only)."""
    if not isinstance(store, team.TeamSavedSearches):  # loads psycopg: only when sharing
        raise SavedSearchError(
            "--shared shares a search with a team: it works on a team archive (--team URL)"
        )
    return store.save(search, replace=replace, shared=True)


# -- tags -------------------------------------------------------------------------------
def _cmd_tag(open_archive: OpenArchive, add: bool, args: argparse.Namespace) -> int:
    with open_archive(args) as archive:
        try:
            change = archive.tag(args.doc, args.tags) if add else archive.untag(args.doc, args.tags)
        except ValueError as exc:
            return _fail(str(exc))
        done = "tagged" if add else "untagged"
        print(f"{done} {change.doc_id}: {', '.join(change.tags)}")
        if not change.indexed:
            print(
                "note: another process is writing to the search index; tag: searches see this "
                "after its import finishes (or after `briefer reindex`)",
                file=sys.stderr,
            )
    return 0


def _cmd_tags(open_archive: OpenArchive, args: argparse.Namespace) -> int:
    with open_archive(args) as archive:
        if args.doc:
            doc = archive.document(args.doc)
            if doc is None:
                return _fail(f"there is no document {args.doc!r}")
            tags = {tag: 1 for tag in doc.tags}
        else:
            tags = archive.tags()
    if args.json:
        print(json_text(tags))
    elif not tags:
        print("No tags yet: `briefer tag DOC TAG...`.")
    else:
        for tag, count in sorted(tags.items(), key=lambda item: (-item[1], item[0])):
            print(f"{visible(tag)}\t{count}")
    return 0


# -- the parsers ----------------------------------------------------------------------------
def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], open_archive: OpenArchive
) -> None:
    """Add `search`, `saved` (list, save, delete), `tag`, `untag`, `tags` and `cluster`."""
    search = commands.add_parser(
        "search",
        help="search the archive",
        description="Search the archive. Words are ANDed; see docs/search.md for the query language.",
    )
    search.add_argument("query", nargs="*", help='the query: words, "phrases", field:value, AND/OR/NOT, ...')
    search.add_argument("--limit", type=int, default=10, help="hits per page (default 10)")
    search.add_argument("--page", type=int, default=1, help="which page of hits (default 1)")
    search.add_argument("--sort", choices=SORTS, help="relevance (default), newest or oldest first")
    search.add_argument(
        "--filter",
        type=_filter,
        action="append",
        metavar="FACET=VALUE",
        help=f"keep hits with this facet value ({', '.join(FACETS)}); repeat to narrow further",
    )
    search.add_argument("--facets", action="store_true", help="count the hits by source, type, date, ...")
    search.add_argument("--no-aliases", action="store_true", help="search the words only as typed")
    search.add_argument(
        "--relax",
        choices=("auto", "off"),
        default="auto",
        help="auto (default): when fewer than a page of hits have all the words, list those with "
        "most of them after them; off: only hits with all the words",
    )
    search.add_argument(
        "--all-words", dest="relax", action="store_const", const="off", help="the same as --relax off"
    )
    search.add_argument("--passages", action="store_true", help="print each hit's best paragraphs")
    search.add_argument(
        "--no-collapse",
        action="store_true",
        help="list every near-duplicate copy of a story, not one hit per story",
    )
    search.add_argument(
        "--json", action="store_true", help="a JSON object per hit per line (with --facets, then the totals)"
    )
    search.add_argument("--ids", action="store_true", help="only the hits' document ids, one per line")
    search.add_argument(
        "--explain",
        action="store_true",
        help='show what each hit\'s score is made of (JSON: an "explain" list per hit)',
    )
    search.add_argument("--batch", metavar="FILE", help="one query per line ('-' for stdin); JSON out")
    search.add_argument("--saved", metavar="NAME", help="run a saved search (see `briefer saved`)")
    search.add_argument("--like", metavar="DOC", help="documents like this one (more like this)")
    search.add_argument("--span", type=_span, metavar="START:END", help="with --like: like this passage")
    search.set_defaults(run=functools.partial(_cmd_search, open_archive))

    saved = commands.add_parser("saved", help="list, save and delete saved searches")
    sub = saved.add_subparsers(dest="saved_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="the saved searches")
    listing.add_argument("--json", action="store_true", help="one JSON object per saved search")
    save = sub.add_parser("save", help="save a search under a name")
    save.add_argument("name")
    save.add_argument("query", nargs="+")
    save.add_argument("--filter", type=_filter, action="append", metavar="FACET=VALUE")
    save.add_argument("--sort", choices=SORTS, default="relevance")
    save.add_argument("--no-aliases", action="store_true")
    save.add_argument("--replace", action="store_true", help="replace a saved search of the same name")
    save.add_argument("--shared", action="store_true", help="a team archive: the other analysts see it too")
    delete = sub.add_parser("delete", help="forget a saved search")
    delete.add_argument("name")
    saved.set_defaults(run=functools.partial(_cmd_saved, open_archive))

    tag = commands.add_parser("tag", help="tag a document (tag: searches and the tag facet use them)")
    tag.add_argument("doc", metavar="DOC", help="document id (see `briefer search`)")
    tag.add_argument("tags", nargs="+", metavar="TAG")
    tag.set_defaults(run=functools.partial(_cmd_tag, open_archive, True))

    untag = commands.add_parser("untag", help="remove tags from a document")
    untag.add_argument("doc", metavar="DOC")
    untag.add_argument("tags", nargs="+", metavar="TAG")
    untag.set_defaults(run=functools.partial(_cmd_tag, open_archive, False))

    tags = commands.add_parser("tags", help="every tag and how many documents have it")
    tags.add_argument("--doc", metavar="DOC", help="only this document's tags")
    tags.add_argument("--json", action="store_true")
    tags.set_defaults(run=functools.partial(_cmd_tags, open_archive))

    cluster = commands.add_parser(
        "cluster",
        help="near-duplicate copies of a story: list, diff, threshold",
        description="Syndicated and near-duplicate documents (see docs/search.md). With DOC: its "
        "copies, the representative first; --diff OTHER: what OTHER changed against DOC; "
        "--threshold: cluster the archive again; no argument: how many clusters there are.",
    )
    cluster.add_argument("doc", nargs="?", metavar="DOC", help="a document id (see `briefer search`)")
    cluster.add_argument("--diff", metavar="OTHER", help="show what document OTHER changed against DOC")
    cluster.add_argument(
        "--threshold",
        type=_threshold,
        metavar="T",
        help="keep T (0.5 to 1, default 0.8; 0 switches clustering off) and cluster the archive again",
    )
    cluster.add_argument("--list", action="store_true", help="the largest clusters and their members")
    cluster.add_argument("--limit", type=int, default=20, help="with --list: how many (default 20)")
    cluster.add_argument("--json", action="store_true", help="JSON instead of text")
    cluster.set_defaults(run=functools.partial(_cmd_cluster, open_archive))


__all__ = ["register"]
