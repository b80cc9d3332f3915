"""What changed between the view of a .docx its manifest recorded and the view read from it now.

One line per difference, naming the place a reader would look:
"document id (BriefingId) changed from “a” to “b”", "header: banner changed from
“UNCLASSIFIED” to “SECRET”", "paragraph 14: text changed from “…” to “…”",
"hidden text added in paragraph 14: “…”", "footnote 3: link target changed from X
to Y".  Paragraphs, notes and comments are aligned first, so one inserted
paragraph is one line, not a change to every paragraph after it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from difflib import SequenceMatcher

from briefer.core.export.docx_view import DocxView, Story
from briefer.core.textnorm import reveal_bidi

ID_PROPERTY = "BriefingId"
CONTEXT = 24  # characters shown either side of a change
WIDTH = 90  # the most characters of text one line quotes


def differences(recorded: DocxView, current: DocxView, banner: str) -> list[str]:
    lines = _properties(recorded.properties, current.properties)
    lines += _furniture(recorded.furniture, current.furniture, banner)
    lines += _stories("paragraph", recorded.paragraphs, current.paragraphs)
    lines += _stories("footnote", recorded.footnotes, current.footnotes)
    lines += _stories("endnote", recorded.endnotes, current.endnotes)
    lines += _stories("comment", recorded.comments, current.comments)
    return lines


def _properties(old: dict[str, str], new: dict[str, str]) -> list[str]:
    names = sorted(old.keys() | new.keys(), key=lambda name: (name != ID_PROPERTY, name not in old, name))
    lines = []
    for name in names:
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        label = f"document id ({name})" if name == ID_PROPERTY else f"document property {name}"
        if before is None:
            lines.append(f"{label} added: {quoted(after or '')}")
        elif after is None:
            lines.append(f"{label} removed (it was {quoted(before)})")
        else:
            lines.append(f"{label} changed from {quoted(before)} to {quoted(after)}")
    return lines


def _furniture(old: dict[str, Story], new: dict[str, Story], banner: str) -> list[str]:
    lines = []
    for place in [*old, *(p for p in new if p not in old)]:
        before, after = old.get(place), new.get(place)
        if after is None:
            lines.append(f"{place} removed (it read {quoted(before.text if before else '')})")
        elif before is None:
            lines.append(f"{place} added: {quoted(after.text)}")
        else:
            lines += _lines(place, before.text.split("\n"), after.text.split("\n"), banner)
            lines += _extras(place, before, after)
    return lines


def _lines(place: str, old: list[str], new: list[str], banner: str) -> list[str]:
    """The lines of a header or footer; the banner is named as such."""

    def is_banner(line: str) -> bool:
        return bool(banner) and line.startswith(banner)

    lines = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1)
        for k in range(pairs):
            what = "banner" if is_banner(old[i1 + k]) else f"line {j1 + k + 1}"
            lines.append(f"{place}: {what} changed from {quoted(old[i1 + k])} to {quoted(new[j1 + k])}")
        for line in old[i1 + pairs : i2]:
            what = "banner" if is_banner(line) else "line"
            lines.append(f"{place}: {what} removed (it read {quoted(line)})")
        lines += [f"{place}: line added: {quoted(line)}" for line in new[j1 + pairs : j2]]
    return lines


def _stories(noun: str, old: Sequence[Story], new: Sequence[Story]) -> list[str]:
    """Paragraphs (notes, comments) aligned by their text; each pair that differs, and each added or
    removed one that is not blank.  Numbers are the document's as it is now, removed ones the export's."""
    lines = []
    matcher = SequenceMatcher(None, [s.text for s in old], [s.text for s in new], autojunk=False)
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = min(i2 - i1, j2 - j1)
        for k in range(pairs):
            before, after, place = old[i1 + k], new[j1 + k], f"{noun} {j1 + k + 1}"
            if before.text != after.text:
                was, now = focus(before.text, after.text)
                lines.append(f"{place}: text changed from {was} to {now}")
            lines += _extras(place, before, after)
        for i in range(i1 + pairs, i2):
            if not _blank(old[i]):
                lines.append(f"{noun} {i + 1} (as exported) removed: {quoted(old[i].text)}")
        for j in range(j1 + pairs, j2):
            if not _blank(new[j]):
                lines.append(f"{noun} {j + 1} added: {quoted(new[j].text)}")
                lines += _extras(f"{noun} {j + 1}", Story(), new[j])
    return lines


def _blank(story: Story) -> bool:
    return not story.text.strip() and not story.hidden and not story.links


def _extras(place: str, old: Story, new: Story) -> list[str]:
    """Hidden text and link targets of one place."""
    lines = []
    if new.hidden and new.hidden != old.hidden:
        lines.append(f"hidden text added in {place}: {quoted(new.hidden)}")
    if old.links == new.links:
        return lines
    if len(old.links) == len(new.links):
        return lines + [
            f"{place}: link target changed from {_url(a)} to {_url(b)}"
            for a, b in zip(old.links, new.links, strict=True)
            if a != b
        ]
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old.links, new.links, autojunk=False).get_opcodes():
        if tag != "equal":
            lines += [f"{place}: link to {_url(a)} removed" for a in old.links[i1:i2]]
            lines += [f"{place}: link to {_url(b)} added" for b in new.links[j1:j2]]
    return lines


def _url(target: str) -> str:
    return _shown(target, WIDTH)


def quoted(text: str, width: int = WIDTH) -> str:
    return f"\u201c{_shown(text.strip(), width)}\u201d"


def _shown(text: str, width: int) -> str:
    """One line, bidirectional controls spelled out, at most `width` characters."""
    text = reveal_bidi(text).replace("\n", " / ").replace("\t", " ")
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _common_prefix(a: str, b: str) -> int:
    # os.path.commonprefix works on any strings, character by character (in C: fast on long texts).
    return len(os.path.commonprefix([a, b]))  # noqa: RUF071


def focus(old: str, new: str) -> tuple[str, str]:
    """The changed part of two texts with a little context, quoted: long paragraphs stay readable."""
    prefix = _common_prefix(old, new)
    suffix = _common_prefix(old[prefix:][::-1], new[prefix:][::-1])
    start = max(0, prefix - CONTEXT)

    def part(text: str) -> str:
        end = len(text) - suffix
        shown = _shown(text[start:prefix], WIDTH) + _shown(text[prefix:end], WIDTH)
        shown += _shown(text[end : end + CONTEXT], WIDTH)
        lead = "\u2026" if start > 0 else ""
        tail = "\u2026" if end + CONTEXT < len(text) else ""
        return f"\u201c{lead}{shown}{tail}\u201d"

    return part(old), part(new)
