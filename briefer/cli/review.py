"""`briefer review import FILE.briefing REVIEWED.docx`: reviewers' comments back into the briefing.

Reads the comments and tracked changes of a reviewed review copy (`export --copy review`), places
each on the block it was made on and stores them in the briefing; ones that cannot be placed are
kept without a block and listed.  Importing the same file again adds nothing.  `--json` prints
one object: `{"placed", "unplaced", "known", "reviews": [...]}`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from briefer.cli.common import reporting
from briefer.core.briefing import codec, edits, storage
from briefer.core.briefing.model import BriefingError, Review
from briefer.core.briefing.reviews import ImportResult, new_reviews
from briefer.core.escaping import json_text, visible
from briefer.core.export.review_marks import read_reviews


def _cmd_import(args: argparse.Namespace) -> int:
    path, reviewed = Path(args.file), Path(args.reviewed)
    with storage.editing(path) as loaded:
        briefing = loaded.briefing
        found = read_reviews(reviewed, briefing)
        result = new_reviews(briefing, found)
        if result.edit is not None:
            edits.apply(briefing, result.edit)
            storage.save(briefing, path, expected=loaded.revision)
    if args.json:
        print(json_text(_as_json(result)))
    else:
        _print_summary(result, reviewed, path)
    return 0


def _as_json(result: ImportResult) -> dict[str, object]:
    return {
        "placed": len(result.placed),
        "unplaced": len(result.unplaced),
        "known": result.known,
        "reviews": [codec.review_to_dict(r) for r in result.new],
    }


def _print_summary(result: ImportResult, reviewed: Path, path: Path) -> None:
    for review in result.unplaced:
        print(f"unplaced: {_line(review)}")
    again = f"; {result.known} already imported" if result.known else ""
    print(f"{len(result.placed)} placed, {len(result.unplaced)} unplaced{again}: from {reviewed} into {path}")


def _line(review: Review) -> str:
    """ "comment by R. Reviewer, 2026-12-07: Cite the treaty text." """
    when = f", {review.date:%Y-%m-%d}" if review.date else ""
    return visible(f"{review.kind} by {review.author}{when}: {' '.join(review.text.split())}")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `review import`."""
    review = commands.add_parser("review", help="reviewers' comments on a review copy, back in the briefing")
    actions = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    do_import = actions.add_parser(
        "import",
        help="store the comments and tracked changes of a reviewed copy in the briefing",
        description="Read the comments (with their replies) and tracked insertions and deletions that "
        "reviewers made in a review copy (`briefer export --copy review`), place each on the block it "
        "was made on and store them in the briefing. Ones that cannot be placed are kept, without a "
        "block, and listed. Importing the same file again adds nothing.",
    )
    do_import.add_argument("file", metavar="FILE.briefing", help="the .briefing file the copy was made from")
    do_import.add_argument(
        "reviewed", metavar="REVIEWED.docx", help="the review copy, with the reviewers' work"
    )
    do_import.add_argument(
        "--json",
        action="store_true",
        help='one JSON object: {"placed", "unplaced", "known", "reviews": [...]} (the new reviews)',
    )
    do_import.set_defaults(run=reporting(BriefingError)(_cmd_import))
