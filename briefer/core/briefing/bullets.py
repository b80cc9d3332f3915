"""Adding bullets: to the bullet list that ends a section, or as a new list.

Bullets given one at a time grow one list (a list is one block: one portion mark, one
set of citations), as an analyst writing them means; a different portion mark starts a
new list, since a list carries one mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from briefer.core.briefing import edits
from briefer.core.briefing.model import Briefing, BriefingError, BulletList, MatrixCell, find_section


@dataclass(frozen=True)
class BulletsAdded:
    """The edits to apply (as one step), the list they go to, and how many items it will hold."""

    edits: list[edits.Edit]
    list_id: str
    new_list: bool
    items: int


def bullet_edits(
    briefing: Briefing,
    section_id: str,
    items: Sequence[str],
    *,
    portion: str | None = "U",
    cites: Sequence[str] = (),
    new_list: bool = False,
) -> BulletsAdded:
    """Add `items` to the bullet list that ends the section when it has the same portion mark
    (its citations gain `cites`), else (or with `new_list`) start a list with them."""
    section = find_section(briefing, section_id)
    texts = BulletList(list(items)).items  # one line each
    if not texts or len(texts) != len(items):
        raise BriefingError("a bullet needs text")
    blocks = [b for b in section.blocks if not isinstance(b, MatrixCell)]
    last = blocks[-1] if blocks else None
    if new_list or not isinstance(last, BulletList) or last.portion != portion:
        added = BulletList(texts, portion=portion, cites=list(dict.fromkeys(cites)))
        return BulletsAdded([edits.AddBlock(section.id, -1, added)], added.id, True, len(texts))
    out: list[edits.Edit] = [edits.EditText(last.id, "\n".join([*last.items, *texts]))]
    more = list(dict.fromkeys([*last.cites, *cites]))
    if more != last.cites:
        out.append(edits.SetCites(last.id, tuple(more)))
    return BulletsAdded(out, last.id, False, len(last.items) + len(texts))
