"""Edits of a briefing, addressed by ids.  `apply(briefing, edit)` returns the inverse edit.

The GUI's undo stack is built on this: apply an edit, keep what it returns,
apply that to undo (which in turn returns the redo).  An edit that cannot be
applied raises BriefingError and leaves the briefing as it was.

`perform(briefing, edit)` does the same and also says what changed: which node was
inserted, removed or moved, from and to which place, or which fields changed.  A view
of the briefing (the outline's Qt model) follows those reports instead of working out
for itself what an edit is about to do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from briefer.core.briefing.markings import PROFILES, TLP_LABELS
from briefer.core.briefing.model import (
    CONFIDENCE_LEVELS,
    IMPACT_LEVELS,
    LIKELIHOOD_TERMS,
    PORTIONS,
    Block,
    Briefing,
    BriefingError,
    BulletList,
    Citation,
    CuiDesignation,
    Excerpt,
    KeyJudgment,
    MatrixCell,
    Paragraph,
    Recipient,
    Section,
    find_block,
    find_section,
    get_block,
    section_parent,
    walk_blocks,
    walk_sections,
)


@dataclass(frozen=True)
class AddBlock:
    section_id: str
    index: int  # -1 appends
    block: Block


@dataclass(frozen=True)
class RemoveBlock:
    block_id: str


@dataclass(frozen=True)
class MoveBlock:
    """Move a block; `index` counts the target's blocks after the block has been taken out."""

    block_id: str
    section_id: str
    index: int


@dataclass(frozen=True)
class EditText:
    """The block's text: a paragraph's, judgment's or cell's text, an excerpt's comment
    (the quote itself is never editable), a bullet list's items one per line."""

    block_id: str
    text: str


@dataclass(frozen=True)
class Retag:
    """Set one tag of a block: portion, likelihood, confidence, impact, actor or domain."""

    block_id: str
    tag: str
    value: str | None


@dataclass(frozen=True)
class SetCites:
    block_id: str
    cites: tuple[str, ...]


@dataclass(frozen=True)
class AddSection:
    parent_id: str | None  # None: top level
    index: int  # -1 appends
    section: Section


@dataclass(frozen=True)
class RemoveSection:
    section_id: str


@dataclass(frozen=True)
class MoveSection:
    section_id: str
    parent_id: str | None
    index: int


@dataclass(frozen=True)
class RenameSection:
    section_id: str
    title: str


@dataclass(frozen=True)
class SetMetadata:
    field: str
    value: Any


@dataclass(frozen=True)
class SetCitation:
    """Correct named fields of one excerpt's citation snapshot: `(("author", "M. Park"), ...)`.

    Only CITATION_FIELDS can be set.  The provenance (doc_id, text_hash,
    captured_at) says which archived text was quoted and when, and the quote is
    the source's own words: neither is ever editable.  Setting `published`
    also clears `published_raw` (the date as the file wrote it, printed only
    when there is no date); the inverse puts it back.
    """

    block_id: str
    changes: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class UpdateSpan:
    """Point an excerpt at where its quote now is: `start:end` (and `page`) of the text version
    `text_hash`, after verification found the unchanged quote at another place (see verify.py).

    The quote and its SHA-256 never change: only where it is.  The new span must be as long
    as the quote.  The inverse puts the old span, page and text hash back.
    """

    block_id: str
    start: int
    end: int
    page: int | None
    text_hash: str


Edit = (
    AddBlock
    | RemoveBlock
    | MoveBlock
    | EditText
    | Retag
    | SetCites
    | AddSection
    | RemoveSection
    | MoveSection
    | RenameSection
    | SetMetadata
    | SetCitation
    | UpdateSpan
)


# -- what an edit changed -------------------------------------------------------
# Where a node lives: a section's `blocks` (matrix cells included) or `sections`, or the
# briefing's top-level `sections` (parent None).  Indexes count that list.
Place = Literal["blocks", "sections"]


@dataclass(frozen=True)
class Inserted:
    """`node_id` now sits at `index` of the `place` list of `parent_id` (None: the top level)."""

    node_id: str
    parent_id: str | None
    place: Place
    index: int


@dataclass(frozen=True)
class Removed:
    """`node_id` (and, for a section, everything in it) left `index` of that list."""

    node_id: str
    parent_id: str | None
    place: Place
    index: int


@dataclass(frozen=True)
class Moved:
    """`node_id` left `from_index` of one list and sits at `to_index` of another (or the same).

    `to_index` counts the target list after the node left it, as MoveBlock and MoveSection do.
    """

    node_id: str
    place: Place
    from_parent: str | None
    from_index: int
    to_parent: str | None
    to_index: int


@dataclass(frozen=True)
class Changed:
    """Fields of a block or section changed where it is (text, tags, title, citation...)."""

    node_id: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class MetadataChanged:
    field: str


Change = Inserted | Removed | Moved | Changed | MetadataChanged


@dataclass(frozen=True)
class Applied:
    """What `perform` did: the edit that undoes it, and what changed (empty: nothing moved)."""

    inverse: Edit
    changes: tuple[Change, ...]


_TAG_VALUES: dict[str, tuple[str, ...] | None] = {
    "portion": PORTIONS,
    "likelihood": LIKELIHOOD_TERMS,
    "confidence": CONFIDENCE_LEVELS,
    "impact": IMPACT_LEVELS,
    "actor": None,  # any section id
    "domain": None,
}
_TAGS_OF: dict[type, frozenset[str]] = {
    Paragraph: frozenset({"portion"}),
    Excerpt: frozenset({"portion"}),
    BulletList: frozenset({"portion"}),
    KeyJudgment: frozenset({"portion", "likelihood", "confidence"}),
    MatrixCell: frozenset({"portion", "likelihood", "impact", "actor", "domain"}),
}
_METADATA_TYPES: dict[str, tuple[type, ...]] = {
    "title": (str,),
    "subtitle": (str,),
    "product_line": (str,),
    "product_number": (str,),
    "edition": (int,),
    "author": (str,),
    "office": (str,),
    "audience": (str,),
    "scope_note": (str,),
    "contact": (str,),
    "marking_profile": (str,),
    "tlp": (str, type(None)),
    "title_portion": (str, type(None)),
    "keywords": (list,),
    "distribution": (list,),  # of Recipient
    "cui": (CuiDesignation,),
    "date": (datetime, type(None)),
    "info_cutoff": (datetime, type(None)),
}
# What an analyst may correct in a citation snapshot, and the types of the values.
CITATION_FIELDS: dict[str, tuple[type, ...]] = {
    "title": (str,),
    "author": (str,),
    "outlet": (str,),
    "published": (datetime, type(None)),  # timezone-aware; stored in UTC
    "url": (str,),
    "source_type": (str,),
    "language": (str,),
}
CITATION_PROVENANCE = ("doc_id", "text_hash", "captured_at", "archive")
# Settable by an edit (the inverse of a `published` change restores it), never offered to people.
_CITATION_SETTABLE = {**CITATION_FIELDS, "published_raw": (str,)}


def apply(briefing: Briefing, edit: Edit) -> Edit:
    """Apply `edit` and return the edit that undoes it."""
    return perform(briefing, edit).inverse


def perform(briefing: Briefing, edit: Edit) -> Applied:
    """Apply `edit` once: the edit that undoes it, and what it changed."""
    match edit:
        case AddBlock():
            return _add_block(briefing, edit)
        case RemoveBlock():
            return _remove_block(briefing, edit.block_id)
        case MoveBlock():
            return _move_block(briefing, edit)
        case EditText():
            return _edit_text(briefing, edit)
        case Retag():
            return _retag(briefing, edit)
        case SetCites():
            return _set_cites(briefing, edit)
        case AddSection():
            return _add_section(briefing, edit)
        case RemoveSection():
            return _remove_section(briefing, edit.section_id)
        case MoveSection():
            return _move_section(briefing, edit)
        case RenameSection():
            section = find_section(briefing, edit.section_id)
            old, section.title = section.title, edit.title
            return Applied(RenameSection(edit.section_id, old), (Changed(section.id, ("title",)),))
        case SetMetadata():
            return _set_metadata(briefing, edit)
        case SetCitation():
            return _set_citation(briefing, edit)
        case UpdateSpan():
            return _update_span(briefing, edit)
    raise BriefingError(f"unknown edit {edit!r}")


# -- convenience wrappers (what the CLI and GUI call) -------------------------
def add_block(briefing: Briefing, section_id: str, block: Block, index: int = -1) -> Edit:
    return apply(briefing, AddBlock(section_id, index, block))


def remove_block(briefing: Briefing, block_id: str) -> Edit:
    return apply(briefing, RemoveBlock(block_id))


def move_block(briefing: Briefing, block_id: str, section_id: str, index: int) -> Edit:
    return apply(briefing, MoveBlock(block_id, section_id, index))


def edit_text(briefing: Briefing, block_id: str, text: str) -> Edit:
    return apply(briefing, EditText(block_id, text))


def retag(briefing: Briefing, block_id: str, tag: str, value: str | None) -> Edit:
    return apply(briefing, Retag(block_id, tag, value))


def excerpts_of_source(briefing: Briefing, doc_id: str) -> list[Excerpt]:
    """Every excerpt quoting the archived document `doc_id`, in outline order."""
    return [b for _, b in walk_blocks(briefing) if isinstance(b, Excerpt) and b.doc_id == doc_id]


def citation_edits(
    briefing: Briefing, block_id: str, changes: dict[str, Any], *, same_source: bool = False
) -> list[SetCitation]:
    """The SetCitation edits that give excerpt `block_id` (and, with `same_source`, every
    excerpt quoting the same document) the citation values in `changes`.

    Excerpts that already hold those values get no edit, so the list may be
    empty.  Unknown or provenance fields are refused here, before anything is applied.
    """
    excerpt = _excerpt(briefing, block_id)
    _check_citation_changes(tuple(changes.items()), CITATION_FIELDS)
    targets = excerpts_of_source(briefing, excerpt.doc_id) if same_source else [excerpt]
    out = []
    for target in targets:
        differing = tuple(
            (name, value) for name, value in changes.items() if getattr(target.citation, name) != value
        )
        if differing:
            out.append(SetCitation(target.id, differing))
    return out


# -- blocks -------------------------------------------------------------------
def _position(length: int, index: int) -> int:
    if index == -1:
        return length
    if not 0 <= index <= length:
        raise BriefingError(f"position {index} is outside 0..{length}")
    return index


def _add_block(briefing: Briefing, edit: AddBlock) -> Applied:
    if any(block.id == edit.block.id for _, s in walk_sections(briefing) for block in s.blocks):
        raise BriefingError(f"a block with id {edit.block.id!r} is already in the briefing")
    section = find_section(briefing, edit.section_id)
    index = _position(len(section.blocks), edit.index)
    section.blocks.insert(index, edit.block)
    return Applied(RemoveBlock(edit.block.id), (Inserted(edit.block.id, section.id, "blocks", index),))


def _remove_block(briefing: Briefing, block_id: str) -> Applied:
    section, index = find_block(briefing, block_id)
    block = section.blocks.pop(index)
    return Applied(AddBlock(section.id, index, block), (Removed(block_id, section.id, "blocks", index),))


def _move_block(briefing: Briefing, edit: MoveBlock) -> Applied:
    source, old_index = find_block(briefing, edit.block_id)
    target = find_section(briefing, edit.section_id)
    limit = len(target.blocks) - (1 if target is source else 0)
    index = _position(limit, edit.index)
    block = source.blocks.pop(old_index)
    target.blocks.insert(index, block)
    inverse = MoveBlock(edit.block_id, source.id, old_index)
    if target is source and index == old_index:
        return Applied(inverse, ())  # dropped where it was
    return Applied(inverse, (Moved(block.id, "blocks", source.id, old_index, target.id, index),))


def _edit_text(briefing: Briefing, edit: EditText) -> Applied:
    block = get_block(briefing, edit.block_id)
    if isinstance(block, Excerpt):
        old, block.comment, field = block.comment, edit.text, "comment"
    elif isinstance(block, BulletList):
        old, field = "\n".join(block.items), "items"
        block.items = BulletList(edit.text.split("\n")).items
    else:
        old, block.text, field = block.text, edit.text, "text"
    return Applied(EditText(edit.block_id, old), (Changed(block.id, (field,)),))


def _retag(briefing: Briefing, edit: Retag) -> Applied:
    block = get_block(briefing, edit.block_id)
    if edit.tag not in _TAGS_OF[type(block)]:
        raise BriefingError(f"a {block.kind.replace('_', ' ')} has no {edit.tag!r} tag")
    allowed = _TAG_VALUES[edit.tag]
    if edit.tag in ("actor", "domain"):
        if not edit.value:
            raise BriefingError(f"a matrix cell needs a {edit.tag}")
    elif edit.value is not None and allowed is not None and edit.value not in allowed:
        raise BriefingError(f"{edit.tag} must be one of {', '.join(allowed)} (got {edit.value!r})")
    old = getattr(block, edit.tag)
    setattr(block, edit.tag, edit.value)
    return Applied(Retag(edit.block_id, edit.tag, old), (Changed(block.id, (edit.tag,)),))


def _set_cites(briefing: Briefing, edit: SetCites) -> Applied:
    block = get_block(briefing, edit.block_id)
    if isinstance(block, Excerpt):
        raise BriefingError("an excerpt cites its own source")
    old = tuple(block.cites)
    block.cites = list(edit.cites)
    return Applied(SetCites(edit.block_id, old), (Changed(block.id, ("cites",)),))


# -- sections -----------------------------------------------------------------
def _siblings(briefing: Briefing, parent_id: str | None) -> list[Section]:
    return briefing.sections if parent_id is None else find_section(briefing, parent_id).sections


def _add_section(briefing: Briefing, edit: AddSection) -> Applied:
    taken = {s.id for _, s in walk_sections(briefing)}
    new = {edit.section.id} | {s.id for _, s in walk_sections(Briefing(sections=[edit.section]))}
    if taken & new:
        raise BriefingError(f"section id(s) already in the briefing: {', '.join(sorted(taken & new))}")
    siblings = _siblings(briefing, edit.parent_id)
    index = _position(len(siblings), edit.index)
    siblings.insert(index, edit.section)
    inserted = Inserted(edit.section.id, edit.parent_id, "sections", index)
    return Applied(RemoveSection(edit.section.id), (inserted,))


def _remove_section(briefing: Briefing, section_id: str) -> Applied:
    parent, siblings, index = section_parent(briefing, section_id)
    section = siblings.pop(index)
    parent_id = parent.id if parent else None
    removed = Removed(section_id, parent_id, "sections", index)
    return Applied(AddSection(parent_id, index, section), (removed,))


def _move_section(briefing: Briefing, edit: MoveSection) -> Applied:
    parent, siblings, old_index = section_parent(briefing, edit.section_id)
    moving = siblings[old_index]
    if edit.parent_id is not None:
        inside = {s.id for _, s in walk_sections(Briefing(sections=[moving]))}
        if edit.parent_id in inside:
            raise BriefingError("cannot move a section into itself")
    target = _siblings(briefing, edit.parent_id)
    limit = len(target) - (1 if target is siblings else 0)
    index = _position(limit, edit.index)
    siblings.pop(old_index)
    target.insert(index, moving)
    parent_id = parent.id if parent else None
    inverse = MoveSection(edit.section_id, parent_id, old_index)
    if target is siblings and index == old_index:
        return Applied(inverse, ())  # dropped where it was
    moved = Moved(moving.id, "sections", parent_id, old_index, edit.parent_id, index)
    return Applied(inverse, (moved,))


# -- metadata -----------------------------------------------------------------
def _set_metadata(briefing: Briefing, edit: SetMetadata) -> Applied:
    types = _METADATA_TYPES.get(edit.field)
    if types is None:
        raise BriefingError(f"no metadata field {edit.field!r}")
    if not isinstance(edit.value, types) or isinstance(edit.value, bool):
        raise BriefingError(f"{edit.field} cannot be set to {edit.value!r}")
    if edit.field == "title_portion" and edit.value not in (*PORTIONS, None):
        raise BriefingError(f"title_portion must be one of {', '.join(PORTIONS)}")
    if edit.field == "marking_profile" and edit.value not in PROFILES:
        raise BriefingError(f"marking profile must be one of {', '.join(PROFILES)}")
    if edit.field == "distribution" and not all(isinstance(r, Recipient) for r in _items(edit.value)):
        raise BriefingError("distribution must be a list of recipients")
    if edit.field == "tlp" and edit.value is not None and edit.value not in TLP_LABELS:
        raise BriefingError(f"TLP label must be one of {', '.join(TLP_LABELS)}")
    old = getattr(briefing.metadata, edit.field)
    value = list(edit.value) if isinstance(edit.value, list) else edit.value
    setattr(briefing.metadata, edit.field, value)
    inverse = SetMetadata(edit.field, list(old) if isinstance(old, list) else old)
    return Applied(inverse, (MetadataChanged(edit.field),))


def _items(value: Any) -> list[Any]:
    return list(value)


# -- citations ----------------------------------------------------------------------
def _excerpt(briefing: Briefing, block_id: str) -> Excerpt:
    block = get_block(briefing, block_id)
    if not isinstance(block, Excerpt):
        raise BriefingError(f"a {block.kind.replace('_', ' ')} has no citation: only excerpts cite a source")
    return block


def _check_citation_changes(
    changes: tuple[tuple[str, Any], ...], allowed: dict[str, tuple[type, ...]]
) -> dict[str, Any]:
    """The changes as a dict of clean values; BriefingError names the first bad one."""
    if not changes:
        raise BriefingError("no citation field to change")
    out: dict[str, Any] = {}
    for name, value in changes:
        if name in CITATION_PROVENANCE:
            raise BriefingError(
                f"a citation's {name} is provenance (which archived text was quoted, and when) "
                "and cannot be edited"
            )
        if name == "quote":
            raise BriefingError("the quote is the source's own words and cannot be edited")
        types = allowed.get(name)
        if types is None:
            raise BriefingError(f"no citation field {name!r}; editable: {', '.join(CITATION_FIELDS)}")
        if name in out:
            raise BriefingError(f"citation field {name!r} is given twice")
        if not isinstance(value, types):
            wanted = "a date and time, or none" if name == "published" else "text"
            raise BriefingError(f"citation {name} must be {wanted} (got {value!r})")
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise BriefingError(f"citation published date {value.isoformat()} needs a time zone")
            value = value.astimezone(UTC)
        elif isinstance(value, str) and ("\n" in value or "\r" in value):
            raise BriefingError(f"citation {name} must be one line (got {value!r})")
        out[name] = value
    return out


def _set_citation(briefing: Briefing, edit: SetCitation) -> Applied:
    excerpt = _excerpt(briefing, edit.block_id)
    values = _check_citation_changes(edit.changes, _CITATION_SETTABLE)
    if "published" in values and "published_raw" not in values and excerpt.citation.published_raw:
        values["published_raw"] = ""  # the analyst's date replaces what the file said
    old: Citation = excerpt.citation
    excerpt.citation = replace(old, **values)
    inverse = SetCitation(edit.block_id, tuple((name, getattr(old, name)) for name in values))
    return Applied(inverse, (Changed(excerpt.id, ("citation",)),))


def _update_span(briefing: Briefing, edit: UpdateSpan) -> Applied:
    excerpt = _excerpt(briefing, edit.block_id)
    if not 0 <= edit.start < edit.end or edit.end - edit.start != len(excerpt.quote):
        raise BriefingError(
            f"span {edit.start}:{edit.end} cannot hold the quote of excerpt {edit.block_id} "
            f"({len(excerpt.quote)} characters)"
        )
    if edit.page is not None and edit.page < 1:
        raise BriefingError(f"page {edit.page} is not a page number")
    old = UpdateSpan(edit.block_id, excerpt.start, excerpt.end, excerpt.page, excerpt.citation.text_hash)
    excerpt.start, excerpt.end, excerpt.page = edit.start, edit.end, edit.page
    excerpt.citation = replace(excerpt.citation, text_hash=edit.text_hash)
    return Applied(old, (Changed(excerpt.id, ("start", "end", "page", "citation")),))
