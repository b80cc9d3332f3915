"""A reviewed review copy, made as a reviewer's Word would: comments through python-docx, tracked
changes written into document.xml (shared by the core and window tests of the review round)."""

from __future__ import annotations

import copy
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph as DocxParagraph

from briefer.core.briefing.model import Briefing, walk_blocks
from briefer.core.export.docx_export import export_docx

SIGNED = "The treaty was signed on 19 June 2024."
ALLIES = "Allies will deepen cooperation."
MOSCOW = "Moscow will pay in technology."
REVIEWER = "R. Reviewer"
WHEN = "2026-12-01T09:30:00Z"


def block_of(briefing: Briefing, text: str) -> str:
    for _, block in walk_blocks(briefing):
        if getattr(block, "text", None) == text:
            return block.id
    raise AssertionError(text)


def paragraph_with(document: docx.document.Document, text: str) -> DocxParagraph:
    return next(p for p in document.paragraphs if text in p.text)


def run_with(paragraph: DocxParagraph, text: str):
    return next(r for r in paragraph.runs if text in r.text)


def track(paragraph: DocxParagraph, whole: str, head: str, change: str, kind: str) -> None:
    """Split the run holding `whole` after `head` and put a tracked insertion of `change` there, or
    a tracked deletion of `change` (the text right after `head`), as Word writes them."""
    run = run_with(paragraph, whole)
    rest = whole[len(head) :] if kind == "ins" else whole[len(head) + len(change) :]
    run.text = head
    tail = copy.deepcopy(run._r)
    tail.find(qn("w:t")).text = rest
    wrapper = OxmlElement(f"w:{kind}")
    for name, value in (("w:id", "4242"), ("w:author", REVIEWER), ("w:date", WHEN)):
        wrapper.set(qn(name), value)
    changed = copy.deepcopy(run._r)
    text = changed.find(qn("w:t"))
    if kind == "del":
        text.tag = qn("w:delText")
    text.text = change
    text.set(qn("xml:space"), "preserve")
    tail.find(qn("w:t")).set(qn("xml:space"), "preserve")
    wrapper.append(changed)
    run._r.addnext(wrapper)
    wrapper.addnext(tail)


def reviewed_copy(rich: Briefing, tmp_path: Path) -> Path:
    """A review copy with what a reviewer did in Word: two comments, an insertion and a deletion,
    a comment outside every block, and a new paragraph typed in above the first block."""
    out = tmp_path / "review.docx"
    export_docx(rich, out, copy="review")
    document = docx.Document(str(out))
    moscow = paragraph_with(document, MOSCOW)
    document.add_comment(run_with(moscow, MOSCOW), "Say what technology.", author=REVIEWER, initials="RR")
    first_kj = paragraph_with(document, "We assess Russia")
    second_kj = paragraph_with(document, ALLIES)
    across = [run_with(first_kj, "We assess Russia"), run_with(second_kj, ALLIES)]
    document.add_comment(across, "These two overlap.", author="A. Second", initials="AS")
    title = paragraph_with(document, "Treaty Likely To Accelerate")
    document.add_comment(title.runs[-1], "Shorter title?", author=REVIEWER, initials="RR")
    track(paragraph_with(document, SIGNED), SIGNED, "The treaty was signed", " in Pyongyang", "ins")
    track(paragraph_with(document, ALLIES), ALLIES, "Allies", " will", "del")
    paragraph_with(document, SIGNED).insert_paragraph_before("A reviewer's new paragraph.")
    reviewed = tmp_path / "reviewed.docx"
    document.save(str(reviewed))
    return reviewed
