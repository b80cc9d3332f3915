"""Drag and clipboard payloads of briefing material: small, versioned JSON, no Qt.

Two kinds travel between panes, windows and programs:

- *excerpts*: new material quoted from the archive (a reader selection, a
  search result's lead paragraph); it is always copied in with fresh ids.
- *nodes*: blocks and sections of an open briefing, with the briefing's id.
  Dropped on the same briefing they are moved by id; pasted, or dropped on
  another briefing, they are inserted as copies.

The GUI wraps these bytes in QMimeData (briefer/gui/mime.py); the JSON form of
each block and section is the .briefing file's (codec.py), so there is one
serialization to maintain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from briefer.core.briefing.citations import citation_pieces, plain
from briefer.core.briefing.codec import (
    MAX_NESTING,
    block_from_dict,
    block_to_dict,
    nesting_too_deep,
    section_from_dict,
    section_to_dict,
)
from briefer.core.briefing.model import (
    Block,
    Briefing,
    BriefingError,
    Excerpt,
    MatrixCell,
    Section,
    new_id,
    walk_blocks,
    walk_sections,
)

VERSION = 1

Node = Section | Block


class PayloadError(BriefingError):
    """A payload that is not one this Briefer can read (corrupt, or from a newer Briefer)."""


def _load(raw: bytes, kind: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
        too_deep = nesting_too_deep(text)  # a bomb would exhaust the parser's recursion
        data = None if too_deep else json.loads(text)
    except ValueError as exc:  # not UTF-8, bad JSON, or a number of more than 4,300 digits
        raise PayloadError(f"the dropped {kind} cannot be read ({exc})") from None
    if too_deep:
        raise PayloadError(f"the dropped {kind} nest more than {MAX_NESTING} levels deep")
    if not isinstance(data, dict) or not isinstance(data.get("version"), int):
        raise PayloadError(f"the dropped {kind} carry no version")
    if data["version"] > VERSION:
        raise PayloadError(f"the dropped {kind} come from a newer Briefer (version {data['version']})")
    return data


# -- excerpts: new material ------------------------------------------------------
def excerpts_payload(excerpts: list[Excerpt]) -> bytes:
    data = {"version": VERSION, "excerpts": [block_to_dict(e) for e in excerpts]}
    return json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")


def excerpts_from_payload(raw: bytes) -> list[Excerpt]:
    """The excerpts, each with a fresh id (the same quote may be added twice)."""
    data = _load(raw, "excerpts")
    items = data.get("excerpts")
    if not isinstance(items, list):
        raise PayloadError("the dropped excerpts are missing")
    out: list[Excerpt] = []
    for i, item in enumerate(items):
        block = block_from_dict(item, f"excerpts[{i}]")
        if not isinstance(block, Excerpt):
            raise PayloadError(f"excerpts[{i}] is a {block.kind}, not an excerpt")
        out.append(replace(block, id=new_id()))
    return out


# -- nodes of a briefing -----------------------------------------------------------
@dataclass(frozen=True)
class NodesPayload:
    briefing_id: str
    nodes: list[Node]


def nodes_payload(briefing_id: str, nodes: list[Node]) -> bytes:
    items = [
        {"section": section_to_dict(n)} if isinstance(n, Section) else {"block": block_to_dict(n)}
        for n in nodes
    ]
    data = {"version": VERSION, "briefing": briefing_id, "items": items}
    return json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")


def nodes_from_payload(raw: bytes) -> NodesPayload:
    data = _load(raw, "items")
    items = data.get("items")
    if not isinstance(items, list) or not isinstance(data.get("briefing"), str):
        raise PayloadError("the dropped items are missing")
    nodes: list[Node] = []
    for i, item in enumerate(items):
        if isinstance(item, dict) and "section" in item:
            nodes.append(section_from_dict(item["section"], f"items[{i}].section"))
        elif isinstance(item, dict) and "block" in item:
            nodes.append(block_from_dict(item["block"], f"items[{i}].block"))
        else:
            raise PayloadError(f"items[{i}] is neither a block nor a section")
    return NodesPayload(data["briefing"], nodes)


def copy_for(briefing: Briefing, node: Node) -> Node:
    """A copy of `node` whose ids are free in `briefing`: ids already taken are replaced.

    Free ids are kept, so blocks that cite a cut excerpt still cite it after the paste.
    """
    taken = {s.id for _, s in walk_sections(briefing)} | {b.id for _, b in walk_blocks(briefing)}

    def fresh(item_id: str) -> str:
        if item_id not in taken:
            taken.add(item_id)
            return item_id
        return new_id()

    def block(b: Block) -> Block:
        return replace(b, id=fresh(b.id))

    def section(s: Section) -> Section:
        new = replace(s, id=fresh(s.id), blocks=[], sections=[])
        new.sections = [section(child) for child in s.sections]
        actors = {old.id: copied.id for old, copied in zip(s.sections, new.sections, strict=True)}
        new.blocks = []
        for b in s.blocks:
            copied = block(b)
            if isinstance(copied, MatrixCell):
                copied.actor = actors.get(copied.actor, copied.actor)
            new.blocks.append(copied)
        return new

    return section(node) if isinstance(node, Section) else block(node)


# -- plain text for other programs ---------------------------------------------------
def quote_with_citation(excerpt: Excerpt) -> str:
    """“The quote.” followed by its citation: what a word processor gets when the drag ends there."""
    citation = plain(citation_pieces(excerpt.citation, page=excerpt.page)).strip()
    return f"\u201c{excerpt.quote}\u201d\n({citation})"


def node_text(node: Node) -> str:
    """A node as plain text (sections with their content), for pasting into other programs."""
    if isinstance(node, Section):
        parts = [node.title] + [node_text(b) for b in node.blocks] + [node_text(s) for s in node.sections]
        return "\n\n".join(p for p in parts if p)
    if isinstance(node, Excerpt):
        return quote_with_citation(node) + (f"\n{node.comment}" if node.comment else "")
    if hasattr(node, "items"):
        return "\n".join(f"\u2022 {item}" for item in node.items)
    return str(getattr(node, "text", ""))
