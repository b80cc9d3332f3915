"""Reviewers' comments and suggestions in the briefing: what an import adds, and the analyst's answers.

A review copy (`briefer export --copy review`) carries a bookmark per block
(export/review_marks.py), which places each comment and tracked change read back from it.
Everything here returns edits (edits.py), so the window's undo stack applies them and a
command saves them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from briefer.core.briefing.edits import AddReviews, SetReview
from briefer.core.briefing.model import (
    Briefing,
    BriefingError,
    BulletList,
    Excerpt,
    Review,
    ReviewReply,
    find_block,
)

MIN_CONTEXT = 8  # characters of context that must still match to place a suggestion again


@dataclass(frozen=True)
class ImportResult:
    """What an import adds (`edit`, None when nothing is new) and what it found."""

    edit: AddReviews | None
    new: tuple[Review, ...]
    known: int  # found, and already in the briefing from an earlier import

    @property
    def placed(self) -> tuple[Review, ...]:
        return tuple(r for r in self.new if r.block_id is not None)

    @property
    def unplaced(self) -> tuple[Review, ...]:
        return tuple(r for r in self.new if r.block_id is None)


def new_reviews(briefing: Briefing, found: Iterable[Review]) -> ImportResult:
    """The reviews not yet in the briefing (same id: the same comment of the same file), once each."""
    seen = {r.id for r in briefing.reviews}
    new: list[Review] = []
    known = 0
    for review in found:
        if review.id in seen:
            known += 1
            continue
        seen.add(review.id)
        new.append(review)
    return ImportResult(AddReviews(tuple(new)) if new else None, tuple(new), known)


@dataclass(frozen=True)
class Decision:
    """An edit answering a review, and why it only marks the review when it could not apply it."""

    edit: SetReview
    note: str = ""


def review_by_id(briefing: Briefing, review_id: str) -> Review:
    for review in briefing.reviews:
        if review.id == review_id:
            return review
    raise BriefingError(f"no review with id {review_id!r}")


def _open_review(briefing: Briefing, review_id: str) -> Review:
    """An open review: one already answered is not answered again (undo reopens it)."""
    review = review_by_id(briefing, review_id)
    if review.state != "open":
        raise BriefingError(f"this review comment is already {review.state}; undo to reopen it")
    return review


def dismiss(briefing: Briefing, review_id: str) -> Decision:
    return Decision(SetReview(replace(_open_review(briefing, review_id), state="dismissed")))


def accept(briefing: Briefing, review_id: str) -> Decision:
    """Accept a comment (mark it), or a suggestion: its insertion or deletion is made in the
    block's text when the text around it still matches; otherwise it is only marked, and `note` says why."""
    review = _open_review(briefing, review_id)  # a suggestion is never made twice
    accepted = replace(review, state="accepted")
    if review.kind == "comment":
        return Decision(SetReview(accepted))
    text, problem = _suggested_text(briefing, review)
    if text is None:
        return Decision(SetReview(accepted), f"marked accepted without changing the text: {problem}")
    return Decision(SetReview(accepted, block_text=text))


def reply(
    briefing: Briefing, review_id: str, text: str, author: str, now: datetime | None = None
) -> Decision:
    """The analyst's reply joins the thread; on an excerpt it becomes (part of) its analyst comment."""
    review = review_by_id(briefing, review_id)
    if not text.strip():
        raise BriefingError("a reply needs some text")
    answered = ReviewReply(author.strip() or "Analyst", now or datetime.now(UTC), text.strip())
    updated = replace(review, replies=(*review.replies, answered))
    block = _block(briefing, review)
    if isinstance(block, Excerpt):
        note = f"Reply to {review.author}: {text.strip()}"
        comment = f"{block.comment.rstrip()}\n{note}" if block.comment.strip() else note
        return Decision(SetReview(updated, block_text=comment))
    return Decision(SetReview(updated))


def _block(briefing: Briefing, review: Review) -> object | None:
    if review.block_id is None:
        return None
    try:
        section, index = find_block(briefing, review.block_id)
    except BriefingError:
        return None
    return section.blocks[index]


def _suggested_text(briefing: Briefing, review: Review) -> tuple[str | None, str]:
    """The block's text with the suggestion made, or None and why it cannot be."""
    block = _block(briefing, review)
    if block is None:
        return None, "the block it was made on is not in the briefing"
    if isinstance(block, Excerpt):
        return None, "a quotation is the source's own words and is never edited"
    current = "\n".join(block.items) if isinstance(block, BulletList) else getattr(block, "text", "")
    if review.kind == "insertion":
        at = _insertion_point(current, review.before, review.after)
        if at is None:
            return None, "the text around the insertion has changed since the review copy"
        return current[:at] + review.text + current[at:], ""
    at = _deletion_point(current, review.text, review.before)
    if at is None:
        return None, "the deleted text is no longer in the block, or no longer in one place"
    return current[:at] + current[at + len(review.text) :], ""


def _unique(text: str, part: str) -> int | None:
    at = text.find(part)
    return at if at >= 0 and text.find(part, at + 1) < 0 else None


def _insertion_point(text: str, before: str, after: str) -> int | None:
    """Just after the longest tail of `before`, or just before the longest head of `after`, found
    exactly once (at least MIN_CONTEXT characters, or all of it when it is shorter)."""
    for n in range(len(before), min(len(before), MIN_CONTEXT) - 1, -1):
        if n and (at := _unique(text, before[-n:])) is not None:
            return at + n
    for n in range(len(after), min(len(after), MIN_CONTEXT) - 1, -1):
        if n and (at := _unique(text, after[:n])) is not None:
            return at
    return None


def _deletion_point(text: str, deleted: str, before: str) -> int | None:
    if not deleted:
        return None
    if (at := _unique(text, deleted)) is not None:
        return at
    for n in range(len(before), 0, -1):  # the deleted words appear more than once: the context decides
        if (at := _unique(text, before[-n:] + deleted)) is not None:
            return at + n
    return None
