"""Portion marks, the banner computed from them, and the validator run before export.

Briefer handles unclassified open-source work only: the marks are U and CUI,
plus an optional TLP 2.0 sharing label (which is not a classification).  The
banner is never typed: it is the most restrictive portion mark, spelled the way
the briefing's marking profile asks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from briefer.core.briefing.model import (
    PORTIONS,
    Block,
    Briefing,
    BriefingError,
    BulletList,
    Excerpt,
    section_path,
    walk_blocks,
)


@dataclass(frozen=True)
class MarkingProfile:
    id: str
    name: str
    portion_marks: bool  # "(U)"/"(CUI)" at the start of every portion
    banner_categories: bool  # NARA puts CUI categories and LDCs in the banner; DoD only in the block


PROFILES: dict[str, MarkingProfile] = {
    p.id: p
    for p in (
        MarkingProfile("nara", "NARA/ISOO: portion marks; CUI categories in the banner", True, True),
        MarkingProfile("dod", "DoD: portion marks; banner is just CUI", True, False),
        MarkingProfile("banner-only", "Banner only, no portion marks", False, False),
    )
}

TLP_DEFINITIONS: dict[str, str] = {
    "CLEAR": "Disclosure is not limited; recipients can spread this to the world.",
    "GREEN": "Limited disclosure: recipients can spread this within their community, not publicly.",
    "AMBER": "Limited disclosure: recipients can share this on a need-to-know basis "
    "within their organization and its clients only.",
    "AMBER+STRICT": "Limited disclosure: recipients can share this on a need-to-know basis "
    "within their organization only.",
    "RED": "For the eyes and ears of individual recipients only; no further disclosure.",
}
TLP_LABELS = tuple(TLP_DEFINITIONS)

_TYPED_MARK = re.compile(r"^\s*\((?:U|CUI|C|S|TS|FOUO|SBU)(?://[^)]*)?\)", re.IGNORECASE)
_LEGACY = re.compile(r"\b(?:FOUO|FOR OFFICIAL USE ONLY|SBU|SENSITIVE BUT UNCLASSIFIED|LIMDIS)\b")
_CATEGORY = re.compile(r"^(?:SP-)?[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$")


class MarkingError(BriefingError):
    """The briefing's markings are not consistent; export refuses until they are."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"the markings are not ready for release ({len(problems)} problem(s)):\n{lines}")


@dataclass(frozen=True)
class Problem:
    where: str  # a person-readable place: "title", "Analysis > paragraph 2"
    message: str
    block_id: str | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def profile_of(briefing: Briefing) -> MarkingProfile:
    try:
        return PROFILES[briefing.metadata.marking_profile]
    except KeyError:
        raise BriefingError(
            f"unknown marking profile {briefing.metadata.marking_profile!r}; known: {', '.join(PROFILES)}"
        ) from None


def all_portions(briefing: Briefing) -> list[str | None]:
    return [briefing.metadata.title_portion] + [block.portion for _, block in walk_blocks(briefing)]


def overall(portions: list[str | None]) -> str:
    """The most restrictive mark: CUI beats U."""
    return "CUI" if "CUI" in portions else "U"


def banner(briefing: Briefing) -> str:
    """The banner line for header and footer, computed from the portion marks."""
    if overall(all_portions(briefing)) == "U":
        return "UNCLASSIFIED"
    cui = briefing.metadata.cui
    if not profile_of(briefing).banner_categories or not cui.categories:
        return "CUI"
    line = "CUI//" + "/".join(cui.categories)
    return line + (f"//{cui.dissemination}" if cui.dissemination else "")


def tlp_label(briefing: Briefing) -> str | None:
    return f"TLP:{briefing.metadata.tlp}" if briefing.metadata.tlp else None


def portion_prefix(briefing: Briefing, portion: str | None) -> str:
    """ "(U) " before a portion when the profile asks for portion marks, else ""."""
    if not profile_of(briefing).portion_marks or portion is None:
        return ""
    return f"({portion}) "


# -- the validator ------------------------------------------------------------
def validate(briefing: Briefing) -> list[Problem]:
    """Everything that must be fixed before export; an empty list means ready."""
    if briefing.metadata.marking_profile not in PROFILES:
        return [Problem("marking profile", f"unknown profile {briefing.metadata.marking_profile!r}")]
    problems = list(_portion_problems(briefing))
    problems += _text_problems(briefing)
    if not any(p.message.startswith("unknown portion mark") for p in problems):
        problems += _banner_problems(banner(briefing), all_portions(briefing))
    problems += _cui_problems(briefing)
    tlp = briefing.metadata.tlp
    if tlp is not None and tlp not in TLP_LABELS:
        problems.append(Problem("TLP", f"{tlp!r} is not a TLP 2.0 label ({', '.join(TLP_LABELS)})"))
    return problems


def ensure_exportable(briefing: Briefing) -> None:
    problems = validate(briefing)
    if problems:
        raise MarkingError(problems)


def check_banner(written: str, briefing: Briefing) -> list[Problem]:
    """Compare a banner as written into a document with the one the portions call for."""
    return _banner_problems(written, all_portions(briefing))


def _describe(briefing: Briefing) -> Iterator[tuple[str, Block]]:
    counters: dict[str, int] = {}
    for section, block in walk_blocks(briefing):
        counters[section.id] = counters.get(section.id, 0) + 1
        label = block.kind.replace("_", " ")
        yield f"{section_path(briefing, section.id)} > {label} {counters[section.id]}", block


def _portion_problems(briefing: Briefing) -> Iterator[Problem]:
    required = profile_of(briefing).portion_marks
    places: list[tuple[str, str | None, str | None]] = [("title", briefing.metadata.title_portion, None)]
    places += [(where, block.portion, block.id) for where, block in _describe(briefing)]
    for where, portion, block_id in places:
        if portion is None:
            if required:
                yield Problem(where, "no portion mark (this profile marks every portion)", block_id)
        elif portion not in PORTIONS:
            yield Problem(
                where,
                f"unknown portion mark {portion!r}: Briefer allows only {' and '.join(PORTIONS)}",
                block_id,
            )


def _authored_texts(block: Block) -> list[str]:
    """The analyst's own words in a block (a quote is the source's, and is left alone)."""
    if isinstance(block, Excerpt):
        return [block.comment]
    if isinstance(block, BulletList):
        return block.items
    return [block.text]


def _text_problems(briefing: Briefing) -> Iterator[Problem]:
    places: list[tuple[str, str, str | None]] = [
        ("title", briefing.metadata.title, None),
        ("subtitle", briefing.metadata.subtitle, None),
    ]
    for where, block in _describe(briefing):
        places += [(where, text, block.id) for text in _authored_texts(block)]
    for where, text, block_id in places:
        if match := _TYPED_MARK.match(text):
            yield Problem(
                where,
                f"text starts with a typed mark {match.group(0).strip()!r}; set the block's mark instead",
                block_id,
            )
        if match := _LEGACY.search(text):
            yield Problem(where, f"legacy marking {match.group(0)!r} is not allowed (use CUI)", block_id)


def _banner_problems(written: str, portions: list[str | None]) -> list[Problem]:
    expected = overall(portions)
    top = "CUI" if written.startswith("CUI") else "U" if written == "UNCLASSIFIED" else None
    if top is None:
        return [Problem("banner", f"{written!r} is not a banner Briefer can release")]
    if top != expected:
        return [
            Problem(
                "banner", f"banner {written!r} does not match the most restrictive portion mark ({expected})"
            )
        ]
    return []


def _cui_problems(briefing: Briefing) -> list[Problem]:
    if overall(all_portions(briefing)) != "CUI":
        return []
    cui = briefing.metadata.cui
    problems = [
        Problem("CUI designation block", f"missing {name} (required once any portion is CUI)")
        for name in cui.missing()
    ]
    problems += [
        Problem(
            "CUI designation block", f"category {category!r} is not a CUI category marking (e.g. SP-PRVCY)"
        )
        for category in cui.categories
        if not _CATEGORY.match(category)
    ]
    return problems
