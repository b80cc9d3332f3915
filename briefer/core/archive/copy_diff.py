"""What a copy changed against the original of its cluster: the headline, and the paragraphs added,
removed or reworded (`cluster_diff`), down to the words (`word_diff`).  Kept apart from the
clustering itself (clusters.py), which loads numpy: showing a diff needs none of it."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from briefer.core.documents import Document
from briefer.core.textnorm import paragraphs, title_paragraph_end


@dataclass(frozen=True)
class ParagraphChange:
    kind: str  # "added" (only in the copy), "removed" (only in the original), "changed"
    before: str = ""  # the original's paragraph ("" when added)
    after: str = ""  # the copy's paragraph ("" when removed)


@dataclass(frozen=True)
class ClusterDiff:
    """What a copy changed against the original (usually the cluster's representative)."""

    original: str  # document ids
    copy: str
    title_before: str
    title_after: str
    changes: tuple[ParagraphChange, ...]
    unchanged: int  # paragraphs the two share exactly

    @property
    def headline_changed(self) -> bool:
        return self.title_before.strip() != self.title_after.strip()

    @property
    def added(self) -> list[str]:
        return [c.after for c in self.changes if c.kind == "added"]

    @property
    def removed(self) -> list[str]:
        return [c.before for c in self.changes if c.kind == "removed"]

    @property
    def identical(self) -> bool:
        return not self.headline_changed and not self.changes

    def lines(self) -> list[str]:
        """The difference as text: "- " the original's, "+ " the copy's, paragraph by paragraph."""
        out = []
        if self.headline_changed:
            out += ["Headline:", f"- {self.title_before}", f"+ {self.title_after}"]
        for change in self.changes:
            out.append({"added": "Added:", "removed": "Removed:", "changed": "Changed:"}[change.kind])
            if change.before:
                out.append(f"- {change.before}")
            if change.after:
                out.append(f"+ {change.after}")
        if not out:
            out.append("The texts are the same.")
        out.append(f"({self.unchanged} paragraph{'' if self.unchanged == 1 else 's'} the same)")
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "original": self.original,
            "copy": self.copy,
            "headline": {"before": self.title_before, "after": self.title_after}
            if self.headline_changed
            else None,
            "changes": [c.__dict__ for c in self.changes],
            "unchanged": self.unchanged,
        }


def _body_paragraphs(doc: Document) -> list[str]:
    skip = title_paragraph_end(doc.text, doc.title)
    return [doc.text[a:b] for a, b in paragraphs(doc.text) if a >= skip or not skip]


def cluster_diff(original: Document, copy: Document) -> ClusterDiff:
    """The headline change and the paragraphs `copy` added, removed or reworded against `original`.

    Paragraphs are compared whole (difflib); a replaced run pairs paragraphs
    that are at least half alike as "changed" and reports the rest as removed
    and added.  A first paragraph that only repeats the title is left out (the
    headline is compared on its own).
    """
    before, after = _body_paragraphs(original), _body_paragraphs(copy)
    changes: list[ParagraphChange] = []
    unchanged = 0
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            unchanged += i2 - i1
        elif op == "delete":
            changes += [ParagraphChange("removed", before=p) for p in before[i1:i2]]
        elif op == "insert":
            changes += [ParagraphChange("added", after=p) for p in after[j1:j2]]
        else:
            changes += _pair(before[i1:i2], after[j1:j2])
    return ClusterDiff(original.id, copy.id, original.title, copy.title, tuple(changes), unchanged)


def _pair(before: list[str], after: list[str]) -> list[ParagraphChange]:
    """A replaced run: paragraphs at least half alike, in order, are rewordings; others removed or added."""
    out: list[ParagraphChange] = []
    j = 0
    for old in before:
        match = next(
            (k for k in range(j, len(after)) if difflib.SequenceMatcher(None, old, after[k]).ratio() >= 0.5),
            None,
        )
        if match is None:
            out.append(ParagraphChange("removed", before=old))
            continue
        out += [ParagraphChange("added", after=p) for p in after[j:match]]
        out.append(ParagraphChange("changed", before=old, after=after[match]))
        j = match + 1
    out += [ParagraphChange("added", after=p) for p in after[j:]]
    return out


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """A reworded paragraph word by word: ("=", same), ("-", only before), ("+", only after)."""
    a, b = re.findall(r"\S+\s*", before), re.findall(r"\S+\s*", after)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("=", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("-", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("+", "".join(b[j1:j2])))
    return out


__all__ = ["ClusterDiff", "ParagraphChange", "cluster_diff", "word_diff"]
