"""Boilerplate that trafilatura leaves in an article body, removed by general rules.

trafilatura hands back the article as a small XML tree (`head`, `p`, `list`/`item`,
`quote`, `table` ...). These rules work on that tree, with facts the page states
about itself (its title, its description), and never on a single site's markup.
Measured on the article-extraction benchmark (docs/importing.md): most of what
trafilatura keeps wrongly is the headline block above the article, which Briefer
stores as the title already.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_WORD = re.compile(r"\w+")
_HEADING = "head"


def words_of(text: str) -> str:
    """The text's words, lower-cased and single-spaced: the form lines are compared in."""
    return " ".join(_WORD.findall(text.lower()))


@dataclass(frozen=True)
class PageFacts:
    """What the page says about itself, in `words_of` form."""

    titles: frozenset[str]  # <title>, og:title, the page's h1 headings
    description: str  # meta description / og:description


def page_facts(titles: Iterable[str], description: str) -> PageFacts:
    return PageFacts(
        titles=frozenset(w for w in (words_of(t) for t in titles) if w),
        description=words_of(description),
    )


def strip_boilerplate(body: Any, facts: PageFacts) -> None:
    """Remove, in place, the blocks of trafilatura's XML body that are not the article."""
    _strip_headline_block(body, facts)


def _blocks(body: Any) -> list[Any]:
    return [child for child in body if isinstance(child.tag, str)]


def _text(element: Any) -> str:
    return words_of("".join(element.itertext()))


def _remove(element: Any) -> None:
    parent = element.getparent()
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _strip_headline_block(body: Any, facts: PageFacts) -> None:
    """Drop the headline and standfirst that open the body.

    The headline is stored as the document's title, so repeating it as the first paragraph only
    duplicates it in the text. A standfirst is dropped
    when the page set it as a heading and it repeats the page's description: a description that
    is a plain paragraph is often the article's own first paragraph, which stays.
    """
    for block in _blocks(body)[:3]:
        text = _text(block)
        is_title = text in facts.titles
        is_standfirst = block.tag == _HEADING and bool(text) and text == facts.description
        if not (is_title or is_standfirst):
            break
        _remove(block)
