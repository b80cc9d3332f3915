"""Three-way merge of two versions of one briefing, block by block and section by section (by id).

`merge(base, ours, theirs)`: `base` is the version both sides started from (what a window
loaded or last saved), `ours` the one about to be saved, `theirs` the file as another writer
left it.  A change made on one side only is kept: a block added, edited, moved or removed, a
section added, renamed, moved or removed, a property set.  The same block, section or property
changed differently on both sides is a Conflict; `choices` (conflict key -> "ours" or "theirs")
settles each one and `default` the others, so a caller merges once to learn the conflicts, asks
the user, and merges again with the answers.  A section removed on one side while the other
changed something inside it is a conflict on that section: keeping it keeps the other side's
whole section, removing it removes that too.  Order within a section follows the side that
reordered it (ours when both did); what one side added goes next to its neighbours there.

Qt-free and file-free: the window merges a briefing changed on disk with it; shared briefings
will merge the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from briefer.core.briefing.codec import FORMAT, VERSION, from_dict, to_dict
from briefer.core.briefing.model import Briefing

Side = Literal["ours", "theirs"]
Node = tuple[str, str]  # ("section" | "block", id)
Place = tuple[str, str | None]  # ("sections" | "blocks", the owning section's id; None: the top level)
State = tuple[dict[str, Any], Place]  # a node's own content (children apart) and where it is
TOP: Place = ("sections", None)

_FIELD_NAMES = {
    "metadata.title": "the title",
    "metadata.distribution": "the distribution list",
    "metadata.cui": "the CUI designation block",
    "metadata.tlp": "the TLP label",
    "estimative_key": "the estimative-language key",
}


@dataclass(frozen=True)
class Conflict:
    """One block, section or property that both sides changed, each in its own way."""

    key: str  # the same in every merge of the same versions: "block:ID", "section:ID", "field:NAME"
    what: str  # for people: 'the paragraph "We assess…" in Analysis', 'the title'
    ours: str  # what each side did to it: "added", "changed", "moved", "removed"
    theirs: str


@dataclass(frozen=True)
class Merged:
    briefing: Briefing
    conflicts: list[Conflict]
    from_theirs: int  # changes taken from `theirs`: 0 means the result is `ours` as it was


def merge(
    base: Briefing,
    ours: Briefing,
    theirs: Briefing,
    choices: Mapping[str, Side] | None = None,
    default: Side = "ours",
) -> Merged:
    """The three-way merge (see the module's docstring); the result is a new Briefing."""
    return _Merge(_Version.of(base), _Version.of(ours), _Version.of(theirs), choices or {}, default).run()


# -- a briefing as flat, comparable parts -----------------------------------------------------
@dataclass
class _Version:
    fields: dict[str, Any]  # "template", "metadata.title", ...: properties of the whole briefing
    states: dict[Node, State] = field(default_factory=dict)
    order: dict[Place, list[Node]] = field(default_factory=dict)

    @classmethod
    def of(cls, briefing: Briefing) -> _Version:
        data = to_dict(briefing)
        fields = {k: v for k, v in data.items() if k not in ("format", "version", "generator")}
        metadata, sections = fields.pop("metadata"), fields.pop("sections")
        version = cls(fields | {f"metadata.{k}": v for k, v in metadata.items()})
        version._add_sections(sections, None)
        return version

    def _add_sections(self, sections: list[dict[str, Any]], owner: str | None) -> None:
        place: Place = ("sections", owner)
        self.order[place] = []
        for section in sections:
            own = {k: v for k, v in section.items() if k not in ("blocks", "sections")}
            self._add(("section", section["id"]), own, place)
            self.order[("blocks", section["id"])] = []
            for block in section["blocks"]:
                self._add(("block", block["id"]), block, ("blocks", section["id"]))
            self._add_sections(section["sections"], section["id"])

    def _add(self, node: Node, content: dict[str, Any], place: Place) -> None:
        self.states[node] = (content, place)
        self.order[place].append(node)

    def subtree(self, section_id: str) -> Iterator[Node]:
        """The blocks and sections inside a section, at any depth."""
        for place in (("blocks", section_id), ("sections", section_id)):
            for node in self.order.get(place, []):
                yield node
                if node[0] == "section":
                    yield from self.subtree(node[1])


def _did(before: State | None, after: State | None) -> str:
    if before is None:
        return "added"
    if after is None:
        return "removed"
    return "changed" if before[0] != after[0] else "moved"


def _three_way(base: Any, ours: Any, theirs: Any) -> tuple[Any, str]:
    """The merged value and where it comes from: "ours" (also when both sides agree, or theirs
    left it as it was), "theirs" (only theirs changed it), "clash" (both did, differently: ours)."""
    if ours == theirs or theirs == base:
        return ours, "ours"
    if ours == base:
        return theirs, "theirs"
    return ours, "clash"


# -- the merge ---------------------------------------------------------------------------------
class _Merge:
    def __init__(
        self, base: _Version, ours: _Version, theirs: _Version, choices: Mapping[str, Side], default: Side
    ) -> None:
        self.base, self.ours, self.theirs = base, ours, theirs
        self.choices, self.default = choices, default
        self.conflicts: list[Conflict] = []
        self.from_theirs = 0
        self.result: dict[Node, State] = {}

    def run(self) -> Merged:
        fields = {
            name: self._field(name) for name in {**self.base.fields, **self.ours.fields, **self.theirs.fields}
        }
        settled = self._removed_sections()
        nodes = {**self.base.states, **self.ours.states, **self.theirs.states}
        for node in nodes:
            if node not in settled:
                self._node(node)
        self._drop_orphans()
        self._break_cycles()
        briefing = from_dict(self._data(fields), "the merged briefing")
        return Merged(briefing, self.conflicts, self.from_theirs)

    def _decide(self, key: str, what: str, ours: str, theirs: str) -> Side:
        self.conflicts.append(Conflict(key, what, ours, theirs))
        return self.choices.get(key, self.default)

    # -- properties of the whole briefing --
    def _field(self, name: str) -> Any:
        base, ours, theirs = (v.fields.get(name) for v in (self.base, self.ours, self.theirs))
        value, source = _three_way(base, ours, theirs)
        if source == "clash":
            what = _FIELD_NAMES.get(name, "the " + name.removeprefix("metadata.").replace("_", " "))
            if self._decide(f"field:{name}", what, "changed", "changed") == "theirs":
                value, source = theirs, "theirs"
        self.from_theirs += source == "theirs"
        return value

    # -- blocks and sections --
    def _node(self, node: Node) -> None:
        base, ours, theirs = (v.states.get(node) for v in (self.base, self.ours, self.theirs))
        if base is None or ours is None or theirs is None:  # added or removed on some side
            state, source = _three_way(base, ours, theirs)
            if source == "clash" and self._decide(*self._conflict(node, base, ours, theirs)) == "theirs":
                state, source = theirs, "theirs"
            self.from_theirs += source == "theirs"
        else:  # on every side: what it holds and where it is merge apart
            content, held = _three_way(base[0], ours[0], theirs[0])
            place, placed = _three_way(base[1], ours[1], theirs[1])
            clash = "clash" in (held, placed)
            if clash and self._decide(*self._conflict(node, base, ours, theirs)) == "theirs":
                content, held = (theirs[0], "theirs") if held == "clash" else (content, held)
                place, placed = (theirs[1], "theirs") if placed == "clash" else (place, placed)
            self.from_theirs += (held == "theirs") + (placed == "theirs")
            state = (content, place)
        if state is not None:
            self.result[node] = state

    def _removed_sections(self) -> set[Node]:
        """Sections one side removed while the other changed something inside: settled as a whole.

        Returns the nodes settled here (the section and everything in it on either side)."""
        settled: set[Node] = set()
        for node in self.base.states:  # base order: a section comes before the ones inside it
            if node[0] != "section" or node in settled:
                continue
            in_ours, in_theirs = node in self.ours.states, node in self.theirs.states
            if in_ours == in_theirs:
                continue
            keeper = self.ours if in_ours else self.theirs
            inside = {node, *self.base.subtree(node[1]), *keeper.subtree(node[1])}
            if all(keeper.states.get(n) == self.base.states.get(n) for n in inside):
                continue  # the removal meets no change: it stands, node by node
            base = self.base.states[node]
            did = "changed inside" if keeper.states[node] == base else _did(base, keeper.states[node])
            side = self._decide(
                f"section:{node[1]}",
                self._label(node),
                did if in_ours else "removed",
                did if in_theirs else "removed",
            )
            chosen = self.ours if side == "ours" else self.theirs
            for inner in inside:
                if inner in chosen.states:
                    self.result[inner] = chosen.states[inner]
            self.from_theirs += side == "theirs"
            settled |= inside
        return settled

    def _conflict(self, node: Node, *states: State | None) -> tuple[str, str, str, str]:
        base, ours, theirs = states
        return f"{node[0]}:{node[1]}", self._label(node), _did(base, ours), _did(base, theirs)

    def _label(self, node: Node) -> str:
        content, place = next(v.states[node] for v in (self.base, self.ours, self.theirs) if node in v.states)
        if node[0] == "section":
            return f"the section \u201c{content.get('title', '')}\u201d"
        text = content.get("text") or content.get("quote") or " ".join(content.get("items", []))
        text = " ".join(str(text).split())
        text = text if len(text) <= 50 else text[:49] + "\u2026"
        kind = str(content.get("type", "block")).replace("_", " ")
        return f"the {kind} \u201c{text}\u201d in {self._section_title(place[1])}"

    def _section_title(self, section_id: str | None) -> str:
        for version in (self.base, self.ours, self.theirs):
            if ("section", section_id) in version.states:
                return f"\u201c{version.states[('section', str(section_id))][0].get('title', '')}\u201d"
        return "a section"

    # -- a valid tree --
    def _drop_orphans(self) -> None:
        """Nodes whose section is gone (left by conflicting choices) go with it."""
        while orphans := [n for n, (_, place) in self.result.items() if not self._exists(place)]:
            for node in orphans:
                del self.result[node]

    def _exists(self, place: Place) -> bool:
        return place[1] is None or ("section", place[1]) in self.result

    def _break_cycles(self) -> None:
        """Each side moved a section into the other: both stay where ours has them (or go on top)."""
        for _ in range(len(self.result) + 1):
            cycle = self._cycle()
            if not cycle:
                return
            for node in cycle:
                ours = self.ours.states.get(node)
                content, _ = self.result[node]
                self.result[node] = (content, ours[1] if ours and self._exists(ours[1]) else TOP)

    def _cycle(self) -> list[Node]:
        parent = {n: place[1] for n, (_, place) in self.result.items() if n[0] == "section"}
        for start in parent:
            seen: list[Node] = []
            node: Node | None = start
            while node is not None and node not in seen:
                seen.append(node)
                owner = parent.get(node)
                node = None if owner is None else ("section", owner)
            if node is not None:
                return seen[seen.index(node) :]
        return []

    # -- back to the file's form --
    def _data(self, fields: dict[str, Any]) -> dict[str, Any]:
        members: dict[Place, set[Node]] = {}
        for node, (_, place) in self.result.items():
            members.setdefault(place, set()).add(node)
        top = {k: v for k, v in fields.items() if not k.startswith("metadata.")}
        metadata = {k.removeprefix("metadata."): v for k, v in fields.items() if k.startswith("metadata.")}
        return {
            "format": FORMAT,
            "version": VERSION,
            **top,
            "metadata": metadata,
            "sections": self._sections(TOP, members),
        }

    def _sections(self, place: Place, members: dict[Place, set[Node]]) -> list[dict[str, Any]]:
        sections = []
        for node in self._ordered(place, members.get(place, set())):
            content = dict(self.result[node][0])
            content["blocks"] = [
                self.result[b][0]
                for b in self._ordered(("blocks", node[1]), members.get(("blocks", node[1]), set()))
            ]
            content["sections"] = self._sections(("sections", node[1]), members)
            sections.append(content)
        return sections

    def _ordered(self, place: Place, members: set[Node]) -> list[Node]:
        """The members of a container in the order of the side that reordered it (ours when both or
        neither did), with the other side's additions next to their neighbours there."""
        seqs = {
            name: [n for n in version.order.get(place, []) if n in members]
            for name, version in (("base", self.base), ("ours", self.ours), ("theirs", self.theirs))
        }
        common = set(seqs["base"]) & set(seqs["ours"]) & set(seqs["theirs"])

        def among_common(seq: list[Node]) -> list[Node]:
            return [n for n in seq if n in common]

        theirs_only = among_common(seqs["ours"]) == among_common(seqs["base"]) != among_common(seqs["theirs"])
        skeleton, other = ("theirs", "ours") if theirs_only else ("ours", "theirs")
        result = list(seqs[skeleton])
        for index, node in enumerate(seqs[other]):
            if node in result:
                continue
            before = next((n for n in reversed(seqs[other][:index]) if n in result), None)
            after = next((n for n in seqs[other][index + 1 :] if n in result), None)
            if after is None:  # added after everything both have: it stays at the end
                result.append(node)
            else:
                result.insert(result.index(after) if before is None else result.index(before) + 1, node)
        return result + sorted(members - set(result))
