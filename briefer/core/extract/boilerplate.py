"""Boilerplate that trafilatura leaves in an article body, removed by general rules.

trafilatura hands back the article as a small XML tree (`head`, `p`, `list`/`item`,
`quote`, `table` ...). These rules work on that tree, with facts the page states
about itself (its title, its description), and never on a single site's markup.
Measured on the article-extraction benchmark (docs/importing.md): most of what
trafilatura keeps wrongly is the headline block above the article, which Briefer
stores as the title already, then lines that link to other stories.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
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
    link_shares: dict[str, float]  # a paragraph's words -> the share of them that are link text
    published: datetime | None  # the page's date


_LINE_TAGS = ("p", "li", "h2", "h3", "h4", "h5", "h6", "dd")


def page_facts(page: Any, titles: Iterable[str], description: str, published: datetime | None) -> PageFacts:
    shares: dict[str, float] = {}
    for element in page.iter(*_LINE_TAGS):
        words = words_of(element.text_content())
        if words:
            linked = sum(len(words_of(a.text_content()).split()) for a in element.iter("a"))
            # The same words met once as a link and once as plain text are not only a link.
            shares[words] = min(shares.get(words, 1.0), linked / len(words.split()))
    return PageFacts(
        titles=frozenset(w for w in (words_of(t) for t in titles) if w),
        description=words_of(description),
        link_shares=shares,
        published=published,
    )


def strip_boilerplate(body: Any, facts: PageFacts) -> None:
    """Remove, in place, the blocks of trafilatura's XML body that are not the article."""
    _strip_headline_block(body, facts)
    _strip_link_lines(body, facts)


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
    """Drop the headline, standfirst and dateline that open the body.

    The headline is stored as the document's title and the date as its date: repeated at the
    top, they only duplicate them. A standfirst is dropped when the page set it as a heading and
    it repeats the page's description: a description that is a plain paragraph is often the
    article's own first paragraph, which stays.
    """
    for block in _blocks(body)[:3]:
        text = _text(block)
        is_title = text in facts.titles
        is_standfirst = block.tag == _HEADING and bool(text) and text == facts.description
        if not (is_title or is_standfirst or _is_dateline(text, facts.published)):
            break
        _remove(block)


# A dateline is short: "22 October 2010, 20:13", "November 20, 2019 - 11:28 AMT", "2021-05-20".
_DATELINE_WORDS = 8


def _is_dateline(words: str, published: datetime | None) -> bool:
    """A short line that names the page's publication date (stored as metadata already).

    Matched on the year and the day's number rather than parsed: dateparser takes seconds to
    load its languages, and a page says its date in its own. The day may be one off, as the
    stored date is in UTC and the line in the publisher's time zone.
    """
    tokens = words.split()
    if published is None or not 0 < len(tokens) <= _DATELINE_WORDS or str(published.year) not in tokens:
        return False
    days = {published + timedelta(days=shift) for shift in (-1, 0, 1)}
    return any(str(day.day) in tokens or f"{day.day:02d}" in tokens for day in days)


# A line whose words are four in five link text points elsewhere ("Related: ...", "Read more:
# ...", a list of other stories); the article's own sentences carry a few links at most.
_LINK_LINE_SHARE = 0.8


def _strip_link_lines(body: Any, facts: PageFacts) -> None:
    """Drop paragraphs, headings and list items that are links to other pages (a list goes
    when all its items do)."""
    for block in _blocks(body):
        lines = [item for item in _blocks(block) if item.tag == "item"] if block.tag == "list" else [block]
        doomed = [line for line in lines if facts.link_shares.get(_text(line), 0.0) >= _LINK_LINE_SHARE]
        for line in doomed:
            _remove(line)
        if doomed and len(doomed) == len(lines) and block.tag == "list":
            _remove(block)
