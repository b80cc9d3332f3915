"""What the HTML extractor keeps of a page: the article, without the boilerplate around it.

One test per failure class found on the article-extraction benchmark (docs/importing.md); the
pages are small ones written here, shaped like the real pages that failed.
"""

from __future__ import annotations

from pathlib import Path

from briefer.core.extract import extract_bytes

FILLER = (
    "<p>Dock workers unloaded wheat and barley from twelve ships this week, and the new cranes on "
    "the east quay cut the waiting time of a ship by a third, the port authority said.</p>"
    "<p>The authority expects the busiest winter in a decade, as buyers in North Africa and the "
    "Middle East place early orders before the spring harvest comes in.</p>"
)


def page_text(body: str, head: str = "<title>Cargo volumes rise</title>") -> str:
    markup = f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return extract_bytes(markup.encode(), Path("page.html")).text


def test_text_after_an_html_comment_inside_a_paragraph_is_kept() -> None:
    # React pages put empty comments inside sentences; the words after them were lost.
    text = page_text(
        "<article>"
        + FILLER
        + "<p>At first, the harbour master<!-- --> refused the request, and the ships<!-- x --> "
        "waited offshore for two days.</p>" + FILLER + "</article>"
    )
    sentence = "At first, the harbour master refused the request, and the ships waited offshore for two days."
    assert sentence in text


def test_a_link_only_teaser_between_paragraphs_is_dropped() -> None:
    # A headline linking to another story, set between the article's paragraphs.
    text = page_text(
        "<nav><a href='/'>Home</a></nav><article>"
        + FILLER
        + "<p><strong><a href='/story/strike'>PORT STRIKE ENDS AFTER TWO WEEKS OF TALKS</a></strong></p>"
        + FILLER
        + "</article>"
    )
    assert "Dock workers unloaded wheat" in text
    assert "PORT STRIKE" not in text


def test_a_short_article_is_not_traded_for_a_reprint_notice() -> None:
    # trafilatura's precision mode, alone, kept only the print-only notice above a short,
    # link-rich article; its balanced mode has the article (and the notice, which is better).
    text = page_text(
        "<div class='main'><div class='print-header'><p>This copy is for your personal, "
        "non-commercial use only. To order copies for your colleagues visit the reprints desk.</p>"
        "<p>https://example.com/articles/cargo-volumes-rise</p></div><div id='article_sector'>"
        "<article class='article' id='article-contents'><header class='article__header'>"
        "<h1>Cargo volumes rise</h1><div><ul class='js-article-tools print-tools'>"
        "<li class='icon print'>Print Article</li></ul></div></header><div id='js-article__body' "
        "class='article__body' itemprop='articleBody'><p>The port reported "
        "<a href='/a?mod=article_inline'>record grain shipments in October</a>. Analysts "
        "<a href='/b?mod=article_inline'>had predicted a smaller rise</a>. The terminal was busy "
        "all month. </p></div></article></div></div><div class='print-footer'><p>Copyright 2019 "
        "Harbour Times. All Rights Reserved</p><p>This copy is for your personal, non-commercial "
        "use only; to order copies contact the reprints desk.</p></div>",
        "<title>Cargo</title>",
    )
    assert "The port reported record grain shipments in October." in text


def test_the_headline_and_a_standfirst_heading_do_not_open_the_text() -> None:
    # The headline is the document's title already; a standfirst set as a heading that repeats
    # the page's description is the page's summary, not the article.
    head = (
        "<title>Cargo volumes rise | Harbour Times</title>"
        "<meta property='og:title' content='Cargo volumes rise'>"
        "<meta name='description' content='Grain shipments lift the port for a third month'>"
    )
    text = page_text(
        "<article><header><h1>Cargo volumes rise</h1>"
        "<h2 class='dek'>Grain shipments lift the port for a third month</h2></header>"
        + FILLER
        + "</article>",
        head,
    )
    assert text.startswith("Dock workers unloaded wheat")
    assert "Cargo volumes rise" not in text and "Grain shipments lift" not in text


def test_a_first_paragraph_that_repeats_the_description_stays() -> None:
    # Many pages take their description from the article's first paragraph: it is the article.
    lead = "The port of Odesa shipped more grain in October than in any month this year."
    text = page_text(
        f"<article><h1>Cargo volumes rise</h1><p>{lead}</p>" + FILLER + "</article>",
        f"<title>Cargo volumes rise</title><meta name='description' content='{lead}'>",
    )
    assert text.startswith(lead)


def test_a_heading_inside_the_article_stays() -> None:
    text = page_text("<article>" + FILLER + "<h2>What comes next</h2>" + FILLER + "</article>")
    assert "\n\nWhat comes next\n\n" in text


def _story_part(paragraphs: list[str]) -> str:
    # Each part of the story in a grid cell of its own, an ad slot and an empty side column beside.
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<div class='grid grid-items-2 narrow'><div class='grid-item body article__body'>"
        f"{body}</div><div class='grid-item aside'></div></div>"
    )


PART_ONE = [
    "The harbour authority said on Tuesday that cargo volumes rose for the third month running.",
    "Grain made up most of the rise, as buyers abroad placed early orders for the winter.",
    "The new container terminal on the east quay handled its first full month of traffic.",
]
PART_TWO = [
    "Dock workers said the new cranes had cut the waiting time of a ship by about a third.",
    "The union asked for more staff on the night shift, which the authority said it would consider.",
    "Shipping lines expect the busiest winter in a decade if the weather holds in the strait.",
    "The authority will publish its figures for November in the first week of December.",
]


def test_an_article_split_into_look_alike_blocks_is_read_whole() -> None:
    text = page_text(
        "<main><article><h1>Cargo volumes rise</h1><div class='chunks'>"
        + _story_part(PART_ONE)
        + "<div class='row full-bleed-ad'><div class='ad'>Advertisement</div></div>"
        + _story_part(PART_TWO)
        + "</div></article></main>"
    )
    assert [p for p in text.split("\n\n")] == PART_ONE + PART_TWO


def test_other_stories_in_look_alike_layout_rows_stay_out() -> None:
    # Layout classes repeat all over a page; only a repeat of the article's own block is a part of it.
    teaser = "A new ferry route to the islands opens next spring, the transport office said on Monday."
    text = page_text(
        "<main><div class='row'><div class='col'><div class='story-body'>"
        + "".join(f"<p>{p}</p>" for p in PART_ONE + PART_TWO)
        + f"</div></div></div><div class='row'><div class='col'><div class='teaser'><p>{teaser}</p>"
        "</div></div></div></main>"
    )
    assert "Dock workers said" in text and teaser not in text


def test_lines_that_point_to_other_stories_are_dropped() -> None:
    # "Related:" / "Read more:" lines and lists of linked headlines, between or after paragraphs.
    text = page_text(
        "<article>"
        + FILLER
        + "<p>Related: <a href='/ferry'>New ferry route to the islands opens next spring</a></p>"
        + "<p>Read more: <a href='/strike'>Dock strike ends after two weeks of talks at the port</a></p>"
        + FILLER.replace("this week", "last week")
        + "<ul><li><a href='/a'>Photos: the busiest day at the east quay this year</a></li>"
        "<li><a href='/b'>Why grain prices rose again in October</a></li>"
        "<li><a href='/c'>The harbour master who runs the night shift</a></li></ul>"
        "</article>"
    )
    assert "ferry" not in text and "strike" not in text
    assert "Photos:" not in text and "grain prices" not in text and "night shift" not in text
    assert text.count("Dock workers unloaded wheat") == 2


def test_a_paragraph_also_linked_elsewhere_on_the_page_stays() -> None:
    # A teaser box that links the article's own lead does not make the lead a link line.
    lead = "The harbour crane from Nordic Lift lifts forty tonnes and costs less than last year's model."
    text = page_text(
        f"<aside><ul><li><a href='/crane'>{lead}</a></li></ul></aside><article><p>{lead}</p>"
        + FILLER
        + "</article>"
    )
    assert text.startswith(lead)


DATED = (
    "<title>Cargo volumes rise</title>"
    "<meta property='article:published_time' content='2023-09-14T06:00:00+09:00'>"
)


def test_a_dateline_under_the_headline_does_not_open_the_text() -> None:
    # The date is stored as the document's date; the page's date line (in the publisher's
    # time zone, a day after the UTC date here) is not the article's first paragraph.
    for line in ("2023-09-14", "Thursday, 14 September 2023, 06:00", "September 14, 2023 - 6:00 KST"):
        text = page_text(
            f"<article><h1>Cargo volumes rise</h1><p class='date'>{line}</p>{FILLER}</article>", DATED
        )
        assert text.startswith("Dock workers unloaded wheat"), line


def test_a_short_first_line_with_other_numbers_stays() -> None:
    text = page_text(
        f"<article><h1>Cargo volumes rise</h1><p>12 ships in 3 days.</p>{FILLER}</article>", DATED
    )
    assert text.startswith("12 ships in 3 days.")
