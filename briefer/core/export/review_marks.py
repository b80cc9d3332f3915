"""Block bookmarks in a review copy: how a reviewer's comment finds its block again.

Each block's paragraphs are wrapped in a Word bookmark named `blk_<id>`.  Word and
LibreOffice keep bookmarks through edits around them, so a comment or tracked change made
inside one belongs to that block (core/briefing/reviews.py reads them back).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from lxml import etree

from briefer.core.briefing.model import Briefing, Excerpt, Review, ReviewReply, walk_blocks
from briefer.core.export.docx_view import ReviewParts, read_review_parts
from briefer.core.export.finish import make_bookmark

PREFIX = "blk_"
FIRST_ID = 700_000  # apart from the source (1...) and heading (900 000...) bookmark ids
_PLAIN_ID = re.compile(r"[A-Za-z0-9]{1,36}")  # Word keeps names of up to 40 letters, digits and _


def bookmark_name(block_id: str) -> str:
    """ "blk_3f2a9c1d0e4b"; an id Word could not keep as a name is hashed (the reader does the same)."""
    if _PLAIN_ID.fullmatch(block_id):
        return PREFIX + block_id
    return PREFIX + "h" + hashlib.sha256(block_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def wrap_block(paragraphs: Sequence[BaseOxmlElement], block_id: str, bookmark_id: int) -> None:
    """Bookmark from the start of the first paragraph's text to the end of the last one's."""
    if not paragraphs:
        return
    first, last = paragraphs[0], paragraphs[-1]
    start = make_bookmark("w:bookmarkStart", bookmark_id, bookmark_name(block_id))
    properties = first.find(qn("w:pPr"))
    if properties is not None:
        properties.addnext(start)
    else:
        first.insert(0, start)
    last.append(make_bookmark("w:bookmarkEnd", bookmark_id))


# -- reading a reviewed copy back ------------------------------------------------------------
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
_W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
CONTEXT = 40  # characters of text kept on each side of a suggestion, to find its place again


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


@dataclass
class _Anchor:
    """Where a comment or suggestion was made, while the document is read."""

    block: str | None
    start: int  # offset in the original text (as exported: deletions in, insertions out)
    text: list[str] = field(default_factory=list)


@dataclass
class _Suggestion:
    kind: str  # insertion | deletion
    author: str
    date: str
    anchor: _Anchor


class _BodyReader:
    """One pass over the body in document order: blocks open and close at their bookmarks."""

    def __init__(self, blocks_by_name: Mapping[str, str]) -> None:
        self.blocks_by_name = blocks_by_name
        self.open: dict[str, str] = {}  # bookmark id -> block id, in the order they opened
        self.original: list[str] = []
        self.length = 0
        self.comments: dict[str, _Anchor] = {}
        self.ranges: set[str] = set()  # comments whose range is open
        self.suggestions: list[_Suggestion] = []
        self.owner: dict[etree._Element, _Suggestion] = {}

    def current(self) -> str | None:
        return next(reversed(self.open.values()), None)

    def _add_original(self, text: str) -> None:
        self.original.append(text)
        self.length += len(text)
        for comment in self.ranges:
            self.comments[comment].text.append(text)

    def read(self, body: etree._Element) -> None:
        for element in body.iter():
            tag = element.tag
            if tag == _w("p"):
                self._add_original("\n")
            elif tag == _w("bookmarkStart"):
                self._bookmark(element)
            elif tag == _w("bookmarkEnd"):
                self.open.pop(element.get(_w("id"), ""), None)
            elif tag == _w("commentRangeStart"):
                comment = element.get(_w("id"), "")
                self.comments[comment] = _Anchor(self.current(), self.length)
                self.ranges.add(comment)
            elif tag == _w("commentRangeEnd"):
                self.ranges.discard(element.get(_w("id"), ""))
            elif tag == _w("commentReference"):  # a comment on a point, without a range
                self.comments.setdefault(element.get(_w("id"), ""), _Anchor(self.current(), self.length))
            elif tag in (_w("ins"), _w("del")) and any(True for _ in element.iter(_w("t"), _w("delText"))):
                self._suggestion(element)
            elif tag == _w("t") or tag == _w("delText"):
                self._text(element)

    def _bookmark(self, element: etree._Element) -> None:
        block = self.blocks_by_name.get(element.get(_w("name"), ""))
        if block is None and not element.get(_w("name"), "").startswith(PREFIX):
            return
        self.open[element.get(_w("id"), "")] = block or ""
        for comment in self.ranges:  # a comment begun outside any block belongs to the first it reaches
            if self.comments[comment].block is None and block:
                self.comments[comment].block = block

    def _suggestion(self, element: etree._Element) -> None:
        kind = "insertion" if element.tag == _w("ins") else "deletion"
        found = _Suggestion(
            kind,
            element.get(_w("author"), ""),
            element.get(_w("date"), ""),
            _Anchor(self.current(), self.length),
        )
        self.suggestions.append(found)
        self.owner[element] = found

    def _text(self, element: etree._Element) -> None:
        text = element.text or ""
        owner = next((self.owner[a] for a in element.iterancestors() if a in self.owner), None)
        if owner is not None:
            owner.anchor.text.append(text)
        if owner is None or owner.kind == "deletion":
            self._add_original(text)


def read_reviews(path: Path, briefing: Briefing) -> list[Review]:
    """The comments and tracked changes in the reviewed copy at `path`, each on the block of
    `briefing` it was made in, or on none when its place carries no known block's bookmark.
    The analyst's own comments, which the review copy put in the margin, are not reviews and are
    left out, unless a reviewer replied to them.  Raises DocxReadError when the file cannot be read."""
    parts = read_review_parts(path)
    blocks = [block for _, block in walk_blocks(briefing)]
    reader = _BodyReader({bookmark_name(block.id): block.id for block in blocks})
    reader.read(parts.body)
    original = "".join(reader.original)
    own = {(b.id, _words(b.comment)) for b in blocks if isinstance(b, Excerpt) and b.comment.strip()}
    reviews = [
        r for r in _comments(parts, reader.comments) if r.replies or (r.block_id, _words(r.text)) not in own
    ]
    reviews += [_suggested(s, original) for s in _merged(reader.suggestions)]
    return reviews


def _words(text: str) -> str:
    return " ".join(text.split())


def _comments(parts: ReviewParts, anchors: Mapping[str, _Anchor]) -> list[Review]:
    if parts.comments is None:
        return []
    comments = list(parts.comments.iter(_w("comment")))
    parent_of = _thread_parents(parts, comments)
    replies: dict[str, list[ReviewReply]] = {}
    for comment in comments:
        parent = parent_of.get(comment.get(_w("id"), ""))
        if parent is not None:
            replies.setdefault(parent, []).append(
                ReviewReply(
                    comment.get(_w("author"), ""), _date(comment.get(_w("date"), "")), _comment_text(comment)
                )
            )
    found = []
    for comment in comments:
        comment_id = comment.get(_w("id"), "")
        if comment_id in parent_of:
            continue
        anchor = anchors.get(comment_id, _Anchor(None, 0))
        quote = " ".join("".join(anchor.text).split())
        found.append(
            _review(
                "comment",
                comment.get(_w("author"), ""),
                comment.get(_w("date"), ""),
                _comment_text(comment),
                anchor.block or None,
                quote=quote,
                replies=tuple(replies.get(comment_id, ())),
            )
        )
    return found


def _thread_parents(parts: ReviewParts, comments: list[etree._Element]) -> dict[str, str]:
    """Reply comment id -> the id of the comment it answers (commentsExtended, Word 2013 and later)."""
    if parts.comments_extended is None:
        return {}
    comment_of_paragraph = {
        p.get(f"{{{_W14}}}paraId"): c.get(_w("id"), "") for c in comments for p in c.iter(_w("p"))
    }
    parents = {}
    for entry in parts.comments_extended.iter(f"{{{_W15}}}commentEx"):
        child = comment_of_paragraph.get(entry.get(f"{{{_W15}}}paraId"))
        parent = comment_of_paragraph.get(entry.get(f"{{{_W15}}}paraIdParent"))
        if child is not None and parent is not None and child != parent:
            parents[child] = parent
    return parents


def _comment_text(comment: etree._Element) -> str:
    paragraphs = ("".join(t.text or "" for t in p.iter(_w("t"))) for p in comment.iter(_w("p")))
    return "\n".join(p for p in paragraphs if p.strip()).strip()


def _merged(suggestions: list[_Suggestion]) -> list[_Suggestion]:
    """Word splits one change into several w:ins or w:del where the formatting changes: join them."""
    joined: list[_Suggestion] = []
    for s in suggestions:
        last = joined[-1] if joined else None
        if (
            last is not None
            and (last.kind, last.author, last.date, last.anchor.block)
            == (s.kind, s.author, s.date, s.anchor.block)
            and _end(last) == s.anchor.start
        ):
            last.anchor.text += s.anchor.text
        else:
            joined.append(s)
    return joined


def _end(s: _Suggestion) -> int:
    return s.anchor.start + (len("".join(s.anchor.text)) if s.kind == "deletion" else 0)


def _suggested(s: _Suggestion, original: str) -> Review:
    start, end = s.anchor.start, _end(s)
    line_start = original.rfind("\n", 0, start) + 1
    line_end = original.find("\n", end)
    before = original[max(line_start, start - CONTEXT) : start]
    after = original[end : min(line_end if line_end >= 0 else len(original), end + CONTEXT)]
    text = "".join(s.anchor.text)
    return _review(
        s.kind, s.author, s.date, text, s.anchor.block or None, quote=text, before=before, after=after
    )


def _review(
    kind: str, author: str, date: str, text: str, block: str | None, *, quote: str, **more: Any
) -> Review:
    """A review whose id is the same every time the same reviewed file is read (also after a program
    saved it again and wrote the date another way)."""
    when = _date(date)
    moment = when.replace(microsecond=0).isoformat() if when else date.strip()
    anchor = f"{block or ''}\x1f{quote}\x1f{more.get('before', '')}"
    key = "\x1f".join((kind, author.strip(), moment, text, anchor))
    return Review(
        id="rv" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16],
        block_id=block,
        author=author.strip() or "Reviewer",
        date=when,
        text=text,
        kind=kind,
        quote=quote,
        **more,
    )


def _date(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
