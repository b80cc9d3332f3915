"""Cleaner PDF text: running headers and footers go, headings stay paragraphs, hyphenated line breaks
are rejoined, and the outlet, title and date come from the metadata and page 1 (issue #21).

The PDFs are generated here (`pdf_writer`) with known headers, footers and headings; the real CRS
reports in ../shared/corpus/news-archive/pdf show the same on real files (skipped when absent).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefer.core.documents import Extracted
from briefer.core.extract import extract_bytes
from briefer.core.extract.pdf_layout import Line, Page, layout
from tests.conftest import corpus_path
from tests.core.extract.pdf_writer import Text, body_lines, make_layout_pdf

BODY = [
    [
        "Rail convoys crossed the border at night, according to the",
        "customs officers who counted the wagons at the Tumangang",
        "terminal over the whole of the week in question.",
    ],
    [
        "The second page reports the shipments that reached the port",
        "of Rajin before the inspectors arrived on the following day.",
    ],
    [
        "A third page names the companies that chartered the vessels",
        "and the insurers that covered the cargo on the voyage north.",
    ],
    [
        "The last page lists the sources the report relied on and the",
        "dates on which each of them was last consulted by the authors.",
    ],
]


def extract(pages: list[list[Text]], name: str = "report.pdf", **info: str) -> Extracted:
    return extract_bytes(make_layout_pdf(pages, info=info), Path(name))


def paragraphs(doc: Extracted) -> list[str]:
    return doc.text.split("\n\n")


def with_running_lines(number: int, lines: list[Text]) -> list[Text]:
    """A page with a running title, a dated header, a report number and a page number."""
    return [
        Text("Border Monitor: Weekly Rail Report", 760),
        Text(f"September {10 + number}, 2023", 760, x=450),
        *lines,
        Text(f"CRS-{number}", 40, x=280),
        Text(f"Page {number} of 4", 28, x=270),
    ]


# -- running headers and footers ----------------------------------------------------------
def test_running_headers_footers_and_page_numbers_are_removed() -> None:
    pages = [with_running_lines(n, body_lines(lines)) for n, lines in enumerate(BODY, start=1)]
    doc = extract(pages)
    for running in ("Border Monitor", "September 1", "CRS-", "Page 1 of 4", "Page 3 of 4", "of 4"):
        assert running not in doc.text, running
    # The body is whole, one paragraph per page, and each page still starts where its text does.
    assert paragraphs(doc) == [" ".join(lines) for lines in BODY]
    for number, lines in enumerate(BODY):
        assert doc.text[doc.pages[number] :].startswith(lines[0])


def test_running_lines_are_found_on_pages_whose_box_does_not_start_at_zero() -> None:
    sources = Text("Sources: customs.", 400)  # the same line in the middle of each page: body text
    pages = [with_running_lines(n, [*body_lines(lines), sources]) for n, lines in enumerate(BODY, start=1)]
    text = extract_bytes(make_layout_pdf(pages, shift=5000), Path("shifted.pdf")).text
    assert "Border Monitor" not in text and "Page 2 of 4" not in text
    assert text.split("\n\n") == [part for lines in BODY for part in (" ".join(lines), "Sources: customs.")]


def test_lines_that_recur_elsewhere_or_only_once_at_an_edge_are_kept() -> None:
    sources = Text("Sources: customs.", 400)
    pages = [
        [Text("Border Monitor: Weekly Rail Report", 760), *body_lines(BODY[0]), sources],
        [*body_lines(BODY[1]), sources, Text("Prepared in Seoul", 40)],
    ]
    text = extract(pages).text
    assert "Border Monitor: Weekly Rail Report" in text  # at the top of page 1 only: a title
    assert text.count("Sources: customs.") == 2  # repeated, but in the body, not at an edge
    assert "Prepared in Seoul" in text  # at the bottom of one page only


# -- headings and paragraphs -----------------------------------------------------------------
def test_headings_stay_paragraphs_of_their_own() -> None:
    page = [
        Text("Rail Traffic at the Border", 700, size=16, bold=True),  # larger font
        *body_lines(BODY[0], top=676),
        Text("Port Activity", 628, bold=True),  # bold, body size
        *body_lines(BODY[1], top=614),
        Text("2. Insurance and Charters", 572),  # numbered, plain, set apart
        *body_lines(BODY[2], top=558),
        Text("Outlook", 516),  # short, plain, space above and below
        *body_lines(BODY[3], top=496),
    ]
    assert paragraphs(extract([page])) == [
        "Rail Traffic at the Border",
        " ".join(BODY[0]),
        "Port Activity",
        " ".join(BODY[1]),
        "2. Insurance and Charters",
        " ".join(BODY[2]),
        "Outlook",
        " ".join(BODY[3]),
    ]


def test_a_bold_run_in_heading_is_split_from_its_paragraph() -> None:
    page = [
        Text("Background.", 700, bold=True),
        Text("The convoys have run weekly since the spring, with", 700, x=135),
        Text("more wagons each time than the week before.", 688),
        Text("Sources: customs records and port logs of the", 664, bold=False),
        Text("period under review.", 652),
    ]
    assert paragraphs(extract([page])) == [
        "Background.",
        "The convoys have run weekly since the spring, with more wagons each time than the week before.",
        "Sources: customs records and port logs of the period under review.",
    ]


def test_paragraph_breaks_are_kept_and_lines_of_a_paragraph_joined() -> None:
    lines = [*BODY[0], "", *BODY[1]]  # a blank line's space between the two paragraphs
    assert paragraphs(extract([body_lines(lines)])) == [" ".join(BODY[0]), " ".join(BODY[1])]


def test_each_bullet_starts_a_paragraph_and_a_larger_bullet_glyph_makes_no_heading() -> None:
    items = ["replacing paperless voting equipment,", "implementing audits after each election, and"]
    page = [
        *body_lines(["The funds may be spent on the following uses, among others:"]),
        *(
            text
            for n, item in enumerate(items)
            for text in (Text("\u2022", 676 - 14 * n, size=12), Text(item, 676 - 14 * n, x=84))
        ),  # the bullet's glyph larger than the item's text
        Text("making other improvements to the security of federal", 648, x=84),
        Text("elections.", 636, x=84),
    ]
    assert paragraphs(extract([page])) == [
        "The funds may be spent on the following uses, among others:",
        "\u2022 replacing paperless voting equipment,",
        "\u2022 implementing audits after each election, and making other improvements to the security "
        "of federal elections.",
    ]


def test_a_short_line_followed_by_its_continuation_is_no_heading() -> None:
    page = [
        Text("Trade Relations", 700, size=16, bold=True),
        Text("The 119", 670),
        Text("th", 680, x=110, size=6),  # a superscript: PDFium puts it on a line of its own
        Text("Congress is engaged in a range of activities on trade policy.", 670, x=120),
    ]
    texts = paragraphs(extract([page]))
    assert texts[0] == "Trade Relations" and len(texts) == 2 and texts[1].startswith("The 119")


# -- hyphenated line breaks -----------------------------------------------------------------
def test_words_hyphenated_across_lines_are_rejoined_and_real_hyphens_kept() -> None:
    lines = [
        "The ministry delayed the imple-",
        "mentation of the plan along the Russia-",
        "North Korea border, where weapons-",
        "grade material is said to cross. The grade of the material",
        "is unknown, and the weapons are not described by the U.S.-",
        "led inspection team in any of its reports so far.",
    ]
    text = extract([body_lines(lines)]).text
    assert "implementation of the plan" in text
    assert "Russia-North Korea border" in text
    assert "weapons-grade material" in text  # both halves are words of this document
    assert "U.S.-led inspection" in text
    assert "imple-" not in text and "imple " not in text


# -- metadata -------------------------------------------------------------------------------
def test_outlet_title_and_date_come_from_page_one_when_the_metadata_lacks_them() -> None:
    first = [
        Text("Updated April 20, 2026", 720, x=450),
        Text("Energy Labels and Federal", 690, size=18, bold=True),
        Text("Procurement Rules", 668, size=18, bold=True),
        *body_lines(BODY[0], top=640),
        Text("Congressional Research Service", 60, x=240, bold=True),
    ]
    doc = extract([first, body_lines(BODY[1])], "IF10753.pdf", Creator="Microsoft\xae Word for Microsoft 365")
    assert doc.title == "Energy Labels and Federal Procurement Rules"
    assert doc.source == "Congressional Research Service"  # the Creator names a tool: not an outlet
    assert doc.source_type == "government"
    assert doc.published == datetime(2026, 4, 20, tzinfo=UTC)
    assert doc.published_raw == "Updated April 20, 2026"


def test_the_metadata_comes_first_and_a_publisher_named_as_creator_is_the_outlet() -> None:
    doc = extract(
        [body_lines(BODY[0])],
        Title="Rail Shipments",
        Author="A. Writer",
        Creator="RAND Corporation",
        CreationDate="D:20230913100000+02'00'",
    )
    assert (doc.title, doc.author, doc.source) == ("Rail Shipments", "A. Writer", "RAND Corporation")
    assert doc.published == datetime(2023, 9, 13, 8, 0, tzinfo=UTC)


def test_the_outlet_named_by_a_disclaimer_when_page_one_names_none() -> None:
    last = [*body_lines(["This document was prepared by the Congressional Research Service (CRS)."])]
    doc = extract([body_lines(BODY[0]), last])
    assert doc.source == "Congressional Research Service"


# -- the real CRS reports -------------------------------------------------------------------
def test_a_real_crs_legal_sidebar_loses_its_running_header_and_keeps_its_headings() -> None:
    path = corpus_path("news-archive", "pdf", "LSB11417.1.pdf")
    doc = extract_bytes(path.read_bytes(), path)
    assert "Congressional Research Service 2" not in doc.text  # the header of pages 2-6
    assert "Does the ADA Cover Ridesharing Companies?" in paragraphs(doc)
    assert "Litigation Over Service-Animal Access" in paragraphs(doc)
    assert doc.title == "Applying the Americans with Disabilities Act to Ridesharing Companies"
    assert (doc.source, doc.source_type) == ("Congressional Research Service", "government")
    assert len(doc.pages) == 6 and doc.pages == tuple(sorted(doc.pages))


def test_a_real_crs_in_focus_keeps_real_hyphens_and_names_its_outlet() -> None:
    path = corpus_path("news-archive", "pdf", "IF10753.6.pdf")
    doc = extract_bytes(path.read_bytes(), path)
    assert "EPA-recognized laboratory" in doc.text  # PDFium joins the line, marking the hyphen
    assert "ENERGY STAR Program\n\nProgram Design" not in doc.text  # page 2's running title
    assert "https://crsreports.congress.gov\n" not in doc.text + "\n"  # the footer of every page
    assert paragraphs(doc)[:3] == ["Updated April 20, 2026", "ENERGY STAR Program", "Overview"]
    assert doc.source == "Congressional Research Service" and doc.author == "Corrie E. Clark"


@pytest.mark.parametrize("name", ["IF12255.6.pdf", "IN12669.pdf", "LSB11418.1.pdf"])
def test_every_page_of_a_real_report_starts_where_its_text_does(name: str) -> None:
    path = corpus_path("news-archive", "pdf", name)
    doc = extract_bytes(path.read_bytes(), path)
    assert doc.pages[0] == 0 and all(doc.text[start - 2 : start] == "\n\n" for start in doc.pages[1:])


# -- hostile layouts ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    [
        lambda n: "a" * n + " b\ufffec",  # a long run of letters before a marked hyphen
        lambda n: "a\ufffe" * n,  # a hyphen marked after every letter
        lambda n: "a" * n + "-",  # a long word broken at the line's end
    ],
)
def test_long_lines_with_hyphens_are_laid_out_in_linear_time(line: Callable[[int], str]) -> None:
    def seconds(n: int) -> float:
        """The best of three: one run can lose tens of milliseconds to a busy machine."""
        lines = [Line(line(n), 700.0, 700.0, size=10), Line("end.", 688.0, 688.0, size=10)]
        page = Page(lines, height=792)
        times = []
        for _ in range(3):
            started = time.process_time()
            layout([page])
            times.append(time.process_time() - started)
        return min(times)

    # Quadratic work would take minutes here; linear work takes milliseconds.
    assert seconds(400_000) < 8 * max(seconds(100_000), 0.05)


def test_one_line_repeated_at_the_same_height_on_one_page_is_looked_at_in_linear_time() -> None:
    def seconds(lines: int) -> float:
        pages = [Page([Line(f"Page {n}", 30.0, 30.0, size=10) for n in range(lines)], height=792), Page([])]
        started = time.process_time()
        assert layout(pages).running == []  # on one page only: no running footer
        return time.process_time() - started

    assert seconds(40_000) < 8 * max(seconds(10_000), 0.05)
