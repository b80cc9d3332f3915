"""HTML pages: the article text via trafilatura, metadata from the page's own tags.

The page's explicit tags (`meta name=author`, `og:site_name`,
`article:published_time`, `link rel=canonical`, `html lang`) win over
trafilatura's heuristics, which for instance cut "Office of the Spokesperson"
down to "Office".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lxml.html

from briefer.core.documents import Extracted
from briefer.core.extract.boilerplate import page_facts, strip_boilerplate
from briefer.core.extract.dates import parse_free_date
from briefer.core.extract.encoding import declared_html_encoding, decode, without_xml_declaration
from briefer.core.extract.errors import ExtractionError
from briefer.core.extract.split_article import recover_split_article
from briefer.core.textnorm import normalize

_META_NAMES = {
    "author": ("author", "article:author", "dc.creator", "byl", "sailthru.author"),
    "source": ("og:site_name", "application-name", "publisher", "dc.publisher"),
    "published": (
        "article:published_time",
        "datepublished",
        "dc.date",
        "dc.date.issued",
        "date",
        "pubdate",
        "og:published_time",
    ),
    "title": ("og:title", "twitter:title", "dc.title"),
    "description": ("og:description", "description", "twitter:description", "dc.description"),
}


def _page_metadata(tree: Any) -> dict[str, str]:
    """The metadata a page states explicitly in its head."""
    found: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if key and content and key not in by_name:
            by_name[key] = content
    for field, names in _META_NAMES.items():
        value = next((by_name[n] for n in names if n in by_name), "")
        if value:
            found[field] = value
    for link in tree.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            found["url"] = link.get("href").strip()
            break
    if "url" not in found and "og:url" in by_name:
        found["url"] = by_name["og:url"]
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    if lang:
        found["language"] = lang.split("-")[0].strip().lower()
    return found


def _title_from_tag(tree: Any) -> str:
    title = tree.find(".//title")
    return " ".join((title.text_content() if title is not None else "").split())


_BLOCK_TAGS = (
    "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 "
    "h6 header hr li main nav ol p pre section table tbody td th thead tr ul"
)
_BLOCKS = frozenset(_BLOCK_TAGS.split())
_DROP = ("script", "style", "noscript", "template", "head", "title")


def _fragment_root(markup: str) -> Any:
    """The element holding a fragment's content; None when lxml cannot read it at all."""
    try:
        return lxml.html.fragment_fromstring(markup, create_parent="div")
    except AssertionError:
        # lxml asserts that a whole page has one <body>; a page without (a head only, a
        # frameset: HTML e-mail bodies like these exist) is read as the page it is.
        pass
    except (ValueError, lxml.etree.ParserError):
        return None
    try:
        return lxml.html.document_fromstring(markup)
    except (ValueError, lxml.etree.ParserError):
        return None


def html_to_text(markup: str) -> str:
    """All the text of an HTML fragment (an e-mail body, a feed entry), paragraphs kept, normalized.

    No boilerplate removal: the fragment is the content already.
    """
    markup = without_xml_declaration(markup)  # lxml refuses a str that has one
    if not markup.strip():
        return ""
    root = _fragment_root(markup)
    if root is None:
        return normalize(markup)
    for element in list(root.iter(*_DROP)):
        element.drop_tree()
    parts: list[str] = []

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        block = tag.lower() in _BLOCKS
        if block:
            parts.append("\n\n")
        if element.text and tag:
            parts.append(element.text)
        for child in element:
            walk(child)
        if block:
            parts.append("\n\n")
        if element.tail:
            parts.append(element.tail)

    walk(root)
    return normalize("".join(parts).replace("\n\n", "\u2029").replace("\n", " ").replace("\u2029", "\n\n"))


def extract(data: bytes, path: Path) -> Extracted:
    markup = decode(data, declared_html_encoding(data))
    return extract_markup(markup, path)


def extract_markup(markup: str, path: Path, *, url: str = "") -> Extracted:
    """Extract an HTML page already decoded; `url` is where it came from, if the page does not say."""
    markup = without_xml_declaration(markup)  # lxml refuses a str that has one
    if not markup.strip():
        raise ExtractionError("empty file")
    tree = _parse_page(markup)
    meta = _page_metadata(tree)
    page_title = _title_from_tag(tree)
    found, body = _article(tree)
    raw_date = meta.get("published") or found.get("date") or ""
    published = parse_free_date(raw_date)
    if body is not None:
        recover_split_article(body, tree)
        titles = [page_title, meta.get("title", ""), *(h.text_content() for h in tree.iter("h1"))]
        strip_boilerplate(body, page_facts(tree, titles, meta.get("description", ""), published))
    text = _as_paragraphs(_body_text(body) or tree.text_content() or "")
    return Extracted(
        text=text,
        title=meta.get("title") or found.get("title") or page_title or path.stem,
        author=meta.get("author") or found.get("author") or "",
        source=meta.get("source") or found.get("sitename") or "",
        published=published,
        published_raw=raw_date,
        url=meta.get("url") or found.get("url") or url,
        language=meta.get("language") or found.get("language") or "",
        format="html",
    )


# Comments are dropped while parsing: lxml keeps the text after a comment as the comment's
# tail, and trafilatura, removing the comment, loses that text. React pages put `<!-- -->`
# inside paragraphs ("At first, his doctor<!-- --> assumed..."), so they lost every such
# paragraph's end.
_PAGE_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)

# trafilatura's precision mode keeps less boilerplate (F1 0.961 against 0.957 on the
# benchmark) but on some layouts keeps a fragment only (a print-only notice instead of a short
# article): a short precise result that the balanced mode outgrows by half missed the article.
# The second look runs on short results only, and fast (without readability/jusText), as the
# common case must stay quick.
_SHORT_ARTICLE_CHARS = 500
_MISSED_ARTICLE_RATIO = 1.5


def _parse_page(markup: str) -> Any:
    try:
        return lxml.html.document_fromstring(markup, parser=_PAGE_PARSER)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise ExtractionError(f"not readable as HTML: {exc}") from exc


def _article(tree: Any) -> tuple[dict[str, Any], Any]:
    """trafilatura's metadata and article body (its XML tree, or None when it found none)."""
    precise = _trafilatura(tree, favor_precision=True, with_metadata=True)
    found = precise.as_dict() if precise is not None else {}
    body = precise.body if precise is not None else None
    precise_length = len(found.get("text") or "")
    if precise_length < _SHORT_ARTICLE_CHARS:
        fuller = _trafilatura(tree, favor_precision=False, with_metadata=precise is None, fast=True)
        if fuller is not None and len(fuller.text or "") > _MISSED_ARTICLE_RATIO * precise_length:
            body = fuller.body
            found = found or fuller.as_dict()
    return found, body


def _trafilatura(tree: Any, *, favor_precision: bool, with_metadata: bool, fast: bool = False) -> Any:
    # Imported lazily: it takes a second to load and only HTML needs it.
    import trafilatura

    return trafilatura.bare_extraction(
        tree,
        fast=fast,
        with_metadata=with_metadata,
        include_comments=False,
        include_tables=True,
        favor_precision=favor_precision,
        date_extraction_params={"outputformat": "%Y-%m-%dT%H:%M:%S%z", "extensive_search": False},
    )


def _body_text(body: Any) -> str:
    from trafilatura.xml import xmltotxt

    if body is None:
        return ""
    return xmltotxt(body, include_formatting=False) or ""


def _as_paragraphs(lines: str) -> str:
    # trafilatura puts one paragraph per line; normalized text wants blank lines.
    return normalize(lines.replace("\n", "\n\n"))
