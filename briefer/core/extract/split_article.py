"""Articles that a page splits into several containers of the same kind, recovered whole.

Some pages cut the article body into sibling blocks built alike (same tag, same class) so that
ads and embeds can sit between them. trafilatura keeps the block it scored best, the first
third of the article say, and drops the rest. When the paragraphs it kept sit in such a block,
the block's look-alike siblings are the same article's other parts: their paragraphs are added
in page order.
"""

from __future__ import annotations

from typing import Any

from lxml.etree import SubElement

from briefer.core.extract.boilerplate import words_of

# How far above the kept paragraphs the repeated block may sit (pages nest the body a few
# levels inside the repeated grid cell).
_MAX_LEVELS_UP = 4
_PARAGRAPHS = ("p", "h2", "h3", "h4", "h5", "h6")
# Never article text: asides (pull quotes, "read more" boxes), figures, navigation, forms, footers.
_NOT_TEXT = "ancestor::aside or ancestor::figure or ancestor::nav or ancestor::form or ancestor::footer"
# A paragraph mostly made of links is a list of other stories, not the article's continuation.
_MAX_LINK_SHARE = 0.5


def recover_split_article(body: Any, page: Any) -> None:
    """Add to trafilatura's XML `body`, in place, the article parts `page` keeps in look-alike blocks."""
    kept = [text for text in (words_of("".join(b.itertext())) for b in body) if text]
    if not kept:
        return
    sources = _source_paragraphs(page, set(kept))
    if not sources:
        return
    before, after = _look_alike_siblings(_common_ancestor(sources))
    known = set(kept)
    first = body[0] if len(body) else None
    for element in _article_paragraphs(before, known):
        _add(body, element, before=first)
    for element in _article_paragraphs(after, known):
        _add(body, element)


def _source_paragraphs(page: Any, kept: set[str]) -> list[Any]:
    return [p for p in page.iter("p") if words_of(p.text_content()) in kept]


def _common_ancestor(elements: list[Any]) -> Any:
    ancestor = elements[0].getparent()
    for element in elements[1:]:
        while ancestor is not None and not _contains(ancestor, element):
            ancestor = ancestor.getparent()
    return ancestor


def _contains(ancestor: Any, element: Any) -> bool:
    return any(parent is ancestor for parent in element.iterancestors())


def _look_alike_siblings(container: Any) -> tuple[list[Any], list[Any]]:
    """The article parts built like `container` before and after it.

    A part is a block built like `container` (same tag and class) inside a sibling of
    `container` or of one of its near ancestors, that sibling being built like that ancestor.
    Layout classes ("row", "container") repeat all over a page; requiring the paragraphs' own
    container to repeat too keeps the rule to article parts.
    """
    css_class = (container.get("class") or "").strip() if container is not None else ""
    if not css_class:
        return [], []
    block = container
    for _ in range(_MAX_LEVELS_UP):
        parent = block.getparent()
        if parent is None or block.tag in ("body", "html"):
            break
        alike = [
            s
            for s in parent
            if s is not block and s.tag == block.tag and s.get("class") == block.get("class")
        ]
        parts = [part for sibling in alike for part in _parts_like(sibling, container)]
        if parts:
            return _split_at(container, parts)
        block = parent
    return [], []


def _split_at(container: Any, parts: list[Any]) -> tuple[list[Any], list[Any]]:
    """`parts` that come before `container` in the page, and those after it."""
    before: list[Any] = []
    for element in container.getroottree().iter():
        if element is container:
            return before, [p for p in parts if not any(p is b for b in before)]
        before.extend(p for p in parts if p is element)
    return before, []


def _built_alike(one: Any, other: Any) -> bool:
    return bool(one.tag == other.tag and one.get("class") == other.get("class"))


def _parts_like(sibling: Any, container: Any) -> list[Any]:
    if _built_alike(sibling, container):
        return [sibling]
    return [e for e in sibling.iter(container.tag) if _built_alike(e, container)]


def _article_paragraphs(blocks: list[Any], known: set[str]) -> list[Any]:
    found = []
    for block in blocks:
        for element in block.iter(*_PARAGRAPHS):
            text = words_of(element.text_content())
            if (
                not text
                or text in known
                or element.xpath(_NOT_TEXT)
                or _link_share(element) > _MAX_LINK_SHARE
            ):
                continue
            known.add(text)
            found.append(element)
    return found


def _outside_the_text(element: Any) -> bool:
    return bool(element.xpath(_NOT_TEXT)) or _link_share(element) > _MAX_LINK_SHARE


def _link_share(element: Any) -> float:
    words = len(words_of(element.text_content()).split())
    linked = sum(len(words_of(a.text_content()).split()) for a in element.iter("a"))
    return linked / words if words else 1.0


def _add(body: Any, element: Any, *, before: Any = None) -> None:
    text = " ".join(element.text_content().split())
    tag = "p" if element.tag == "p" else "head"
    if before is None:
        SubElement(body, tag).text = text
    else:
        added = before.makeelement(tag, {})
        added.text = text
        before.addprevious(added)
