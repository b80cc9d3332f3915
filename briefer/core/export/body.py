"""The body of the Word export: front matter, sections, blocks, citations, matrix, source list."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

from docx.document import Document as DocxDocument
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

from briefer.core.briefing import markings
from briefer.core.briefing.citations import (
    UNVERIFIED_NOTE,
    Piece,
    SourceNumbers,
    block_citations,
    citation_pieces,
    format_time,
)
from briefer.core.briefing.matrix import NO_IMPLICATION
from briefer.core.briefing.model import (
    Block,
    Briefing,
    BulletList,
    Citation,
    Excerpt,
    KeyJudgment,
    MatrixCell,
    Paragraph,
    Section,
    excerpts,
    judgment_lead,
    matrix_cells,
    walk_sections,
)
from briefer.core.briefing.summary import draft_text, untouched
from briefer.core.briefing.verify import ClusterOf
from briefer.core.export import finish, layout
from briefer.core.export import styles as st
from briefer.core.export.ooxml import (
    Footnotes,
    add_hyperlink,
    add_internal_link,
    clean,
    is_rtl,
    make_run,
    mark_rtl,
    wrap_in_bookmark,
)
from briefer.core.textnorm import isolate_bidi, strip_bidi


class _Container(Protocol):
    def add_paragraph(self, text: str = "", style: Any = None) -> DocxParagraph: ...


def _p(paragraph: DocxParagraph) -> BaseOxmlElement:
    return cast(BaseOxmlElement, paragraph._p)


def _body(text: str) -> str:
    """Analyst and quoted text: bidirectional controls cannot reorder what follows (textnorm)."""
    return isolate_bidi(clean(text))


def _meta(text: str) -> str:
    """A title, name or label: one line, without bidirectional controls."""
    return strip_bidi(clean(text))


def quote_paragraphs(quote: str) -> list[str]:
    """The paragraphs of a quote as the export prints them (inside the quotation marks)."""
    return [_body(part) for part in clean(quote).split("\n\n") if part.strip()]


@dataclass(frozen=True)
class Finish:
    """How this copy of the document is finished (see docx_export.export_docx)."""

    comments: str = "omit"  # analyst comments: margin, inline or omit
    provenance: str = "annex"  # archive ids and hashes: in the footnotes, in an annex, or none
    numbering: bool = False  # number the sections (1, 1.1) and the paragraphs (1., 2., ...)
    logo: Path | None = None  # the organisation's logo on the cover


class BodyWriter:
    def __init__(
        self,
        briefing: Briefing,
        document: DocxDocument,
        style_ids: dict[str, str],
        missing: set[str],
        finishing: Finish,
        *,
        unverified: AbstractSet[str] = frozenset(),
        cluster_of: ClusterOf | None = None,
    ) -> None:
        """`missing` and `unverified` are the states this copy shows (none in a distribution copy)."""
        self.briefing = briefing
        self.doc = document
        self.ids = style_ids
        self.missing = missing  # document ids no longer in the archive
        self.finishing = finishing
        self.comments = finishing.comments
        self.unverified = unverified  # ids of excerpts that no longer match their source
        self.cluster_of = cluster_of
        self.footnotes = Footnotes(
            document, style_ids[st.FOOTNOTE_TEXT], style_ids[st.FOOTNOTE_REF], style_ids[st.HYPERLINK]
        )
        self.numbers = SourceNumbers()
        self.warnings: list[str] = []
        self._excerpts = excerpts(briefing)
        self._bookmarks = 0
        self._tables = 0
        self._width = layout.text_width(document.sections[0]).inches
        self._source_list: DocxParagraph | None = None
        self._key_done = False
        self.headings: list[finish.Heading] = []
        self._contents_anchor: DocxParagraph | None = None
        self.contents: finish.Contents | None = None
        self._section_numbers: list[int] = []
        self._paragraph_number = 0
        by_id = self._excerpts
        # A source is marked "(unverified)" in its note when any quote of it is.
        self._unverified_sources = {by_id[i].doc_id for i in unverified if i in by_id}

    # -- the document -------------------------------------------------------------
    def write(self) -> None:
        self._front_matter()
        for section in self.briefing.sections:
            self._section(section, 1)
        if self._source_list is None:  # a template without a sources section still lists them
            self._estimative_key()
            self._para(self.doc, st.H1, "Source Reference Citations")
            self._source_list = self.doc.add_paragraph()
        self._estimative_key()
        self._fill_source_list(self._source_list)
        if self.finishing.provenance == "annex":
            self._provenance_annex()
        assert self._contents_anchor is not None
        finish.bookmark_headings(self.headings)
        self.contents = finish.write_contents(
            self._contents_anchor, self.headings, self.ids, int(layout.text_width(self.doc.sections[0]))
        )

    def _para(self, container: _Container, style: str, text: str = "") -> DocxParagraph:
        return layout.para(container, self.ids, style, text)

    def _cell(self, cell: Any) -> DocxParagraph:
        return layout.cell_paragraph(cell, self.ids, st.BOX_TEXT)

    def mark(self, portion: str | None) -> str:
        return markings.portion_prefix(self.briefing, portion)

    def _front_matter(self) -> None:
        self._cover()
        self._contents_anchor = finish.contents_anchor(self.doc, self.ids)
        meta = self.briefing.metadata
        if meta.scope_note.strip():
            finish.front_block(self.doc, self.ids, "Scope Note", _lines(meta.scope_note))
        if meta.contact.strip():
            finish.front_block(self.doc, self.ids, "Contact", _lines(meta.contact))
        finish.page_break(self.doc, self.ids)
        self._masthead()

    def _cover(self) -> None:
        meta = self.briefing.metadata
        number = " \u00b7 ".join(x for x in (_meta(meta.product_number), f"Edition {meta.edition}") if x)
        facts = finish.CoverFacts(
            product_line=_meta(meta.product_line),
            title=self.mark(meta.title_portion) + _meta(meta.title),
            subtitle=_meta(meta.subtitle),
            date=format_time(meta.date) if meta.date else "",
            number=number,
            office=_meta(meta.office),
            banner=markings.banner(self.briefing),
            tlp=meta.tlp,
        )
        finish.cover(self.doc, self.ids, facts, self.finishing.logo)

    def _masthead(self) -> None:
        meta = self.briefing.metadata
        noun = (meta.product_line.split() or ["product"])[-1].lower()
        cutoff = format_time(meta.info_cutoff) if meta.info_cutoff else None
        rows = [
            ("Product", meta.product_line),
            ("Number", " \u00b7 ".join(x for x in (meta.product_number, f"Edition {meta.edition}") if x)),
            ("Date", format_time(meta.date) if meta.date else "Not dated"),
            (
                "Information cutoff",
                f"This {noun} uses information available as of {cutoff}." if cutoff else "Not stated",
            ),
            ("Prepared by", ", ".join(x for x in (meta.author, meta.office) if x.strip())),
            ("Audience", meta.audience),
        ]
        tlp = (meta.tlp, markings.TLP_DEFINITIONS.get(meta.tlp, "")) if meta.tlp else None
        layout.masthead(self.doc, self.ids, [(k, _meta(v)) for k, v in rows if v.strip()], tlp)
        self._text_paragraph(self.doc, st.TITLE, meta.title_portion, _meta(meta.title))
        if meta.subtitle.strip():
            self._para(self.doc, st.SUBTITLE, _meta(meta.subtitle))

    # -- sections -------------------------------------------------------------------
    def _section(self, section: Section, depth: int) -> None:
        if section.kind == "sources":
            self._estimative_key()
            self._heading(section, depth, numbered=False)
            self._blocks(self.doc, section)
            self._source_list = self.doc.add_paragraph()
            return
        if section.kind != "source_summary" and not _has_blocks(section):
            return
        self._heading(section, depth)
        if section.kind == "source_summary":
            self._source_summary(section)
        else:
            self._blocks(self.doc, section)
            self._matrix(section)
        for child in section.sections:
            self._section(child, depth + 1)

    def _heading(self, section: Section, depth: int, *, numbered: bool = True) -> None:
        style = (
            st.H1
            if depth == 1
            else st.H2
            if depth == 2 or "Heading 3" not in self.doc.styles
            else "Heading 3"
        )
        text = _meta(section.title)
        if self.finishing.numbering and numbered:
            text = f"{self._next_section_number(depth)}\u2002{text}"
        self._add_heading(min(depth, 3), style, text)

    def _add_heading(self, level: int, style: str, text: str) -> None:
        """A heading of the body: the contents list it."""
        paragraph = self._para(self.doc, style, text)
        self.headings.append(finish.Heading(level, text, paragraph))

    def _next_section_number(self, depth: int) -> str:
        """ "2", "2.1", "2.2", "3" ...: by depth, in document order."""
        del self._section_numbers[depth:]
        while len(self._section_numbers) < depth:
            self._section_numbers.append(0)
        self._section_numbers[depth - 1] += 1
        return ".".join(map(str, self._section_numbers))

    def _blocks(self, container: _Container, section: Section) -> None:
        for block in section.blocks:
            if not isinstance(block, MatrixCell):
                self._block(container, block)

    def _source_summary(self, section: Section) -> None:
        """The analyst's text in a box.  A draft they have not edited (and an empty section) gets a
        fresh draft, so the numbers match the citations being exported."""
        cell = layout.boxed(self.doc, self._width)
        fresh = draft_text(self.briefing, cluster_of=self.cluster_of, missing=self.missing)
        for block in section.blocks:
            if isinstance(block, Paragraph) and untouched(block):
                if block.text != fresh:
                    self.warnings.append(
                        "the source summary draft was brought up to date with the citations "
                        "(it had not been edited)"
                    )
                self._text_paragraph(cell, st.BODY, block.portion, fresh, block)
            else:
                self._block(cell, block)
        if not section.blocks:
            self._text_paragraph(cell, st.BODY, "U", fresh)
        _drop_empty_first(cell)
        self._para(self.doc, st.BODY)  # breathing room after the box

    # -- blocks ---------------------------------------------------------------------
    def _block(self, container: _Container, block: Block) -> None:
        if isinstance(block, Excerpt):
            self._excerpt(container, block)
        elif isinstance(block, KeyJudgment):
            self._judgment(container, block)
        elif isinstance(block, BulletList):
            for i, item in enumerate(block.items):
                last = i == len(block.items) - 1
                self._text_paragraph(container, st.BULLET, block.portion, item, block if last else None)
        elif isinstance(block, MatrixCell):
            p = self._text_paragraph(container, st.BODY, block.portion, "")
            layout.run(p, _meta(self._cell_label(block)), self.ids, st.STRONG)
            self._cell_body(p, block)
        elif isinstance(block, Paragraph):
            self._text_paragraph(container, st.BODY, block.portion, block.text, block, numbered=True)

    def _text_paragraph(
        self,
        container: _Container,
        style: str,
        portion: str | None,
        text: str,
        cites: Block | None = None,
        *,
        numbered: bool = False,
    ) -> DocxParagraph:
        p = self._para(container, style)
        if numbered and self.finishing.numbering:  # the analyst's paragraphs, numbered through the document
            self._paragraph_number += 1
            layout.run(p, f"{self._paragraph_number}.\u2002", self.ids, st.NUMBER)
        if mark := self.mark(portion):
            p.add_run(mark)
        if text:
            p.add_run(_body(text))
        if cites is not None:
            self._cite(p, block_citations(cites, self._excerpts))
        if is_rtl(text):
            mark_rtl(_p(p))
        return p

    def _judgment(self, container: _Container, kj: KeyJudgment) -> None:
        p = self._para(container, st.BULLET)
        if mark := self.mark(kj.portion):
            p.add_run(mark)
        text = _body(kj.text)
        # One form for every judgment, from its structured terms, never from words in its text.
        likelihood, confidence = judgment_lead(kj)
        if likelihood:
            layout.run(p, likelihood, self.ids, st.KJ_LEAD)
        if confidence:
            p.add_run(f" \u00b7 {confidence}" if likelihood else confidence)
        if likelihood or confidence:
            p.add_run(": ")
        p.add_run(text)
        self._cite(p, block_citations(kj, self._excerpts))
        if is_rtl(text):
            mark_rtl(_p(p))

    def _excerpt(self, container: _Container, excerpt: Excerpt) -> None:
        paragraphs = quote_paragraphs(excerpt.quote) or [""]
        runs: list[Run] = []
        p = self._para(container, st.QUOTE)
        for i, part in enumerate(paragraphs):
            if i:
                p = self._para(container, st.QUOTE)
            elif mark := self.mark(excerpt.portion):
                p.add_run(mark)
            opening = "\u201c" if i == 0 else ""
            closing = "\u201d" if i == len(paragraphs) - 1 else ""
            runs.append(p.add_run(opening + part + closing))
            if is_rtl(part):
                mark_rtl(_p(p))
        self._cite(p, [excerpt.citation], page=excerpt.page)
        if excerpt.id in self.unverified:
            p.add_run(" ")
            layout.run(p, UNVERIFIED_NOTE, self.ids, st.STRONG)
        comment = _body(excerpt.comment.strip())
        if comment and self.comments == "margin":
            author = _meta(self.briefing.metadata.author).strip() or "Analyst"
            initials = "".join(word[0] for word in author.split()[:3]).upper()
            self.doc.add_comment([runs[0], runs[-1]], text=comment, author=author, initials=initials)
        elif comment and self.comments == "inline":
            note = self._text_paragraph(container, st.BODY, excerpt.portion, "")
            layout.run(note, "Analyst comment: ", self.ids, st.STRONG)
            note.add_run(comment)

    # -- citations ------------------------------------------------------------------
    def _cite(self, p: DocxParagraph, citations: Iterable[Citation], page: int | None = None) -> None:
        for i, citation in enumerate(citations):
            if i:
                _p(p).append(make_run(",", self.ids[st.FOOTNOTE_REF]))
            number, first = self.numbers.cite(citation)
            anchor = f"_BrieferSource{number}"
            if first:
                pieces = citation_pieces(
                    citation,
                    portion=self.mark("U"),
                    page=page,
                    missing=citation.doc_id in self.missing,
                    unverified=citation.doc_id in self._unverified_sources,
                    provenance=self.finishing.provenance == "footnotes",
                )
                reference = self.footnotes.add(_p(p), pieces)
                self._bookmarks += 1
                wrap_in_bookmark(_p(p), reference, anchor, self._bookmarks)
            else:  # a reused source keeps its number: a superscript link to its first note
                add_internal_link(_p(p), anchor, make_run(str(number), self.ids[st.FOOTNOTE_REF]))

    # -- implications matrix --------------------------------------------------------
    def _cell_label(self, cell: MatrixCell) -> str:
        actors = {s.id: s.title for _, s in walk_sections(self.briefing)}
        domains = {d.id: d.title for _, s in walk_sections(self.briefing) for d in s.domains}
        return f"{actors.get(cell.actor, cell.actor)} \u2014 {domains.get(cell.domain, cell.domain)}: "

    def _cell_body(self, p: DocxParagraph, cell: MatrixCell) -> None:
        p.add_run(_body(cell.text))
        tags = [f"Impact {cell.impact}" if cell.impact else "", cell.likelihood or ""]
        if any(tags):
            p.add_run(" (" + "; ".join(t for t in tags if t) + ")")
        self._cite(p, block_citations(cell, self._excerpts))

    def _matrix(self, section: Section) -> None:
        cells = matrix_cells(section)
        actors, domains = section.sections, section.domains
        if not cells:
            return
        known = {(a.id, d.id) for a in actors for d in domains}
        if actors and domains:
            self._matrix_table(section, [c for c in cells if (c.actor, c.domain) in known])
        for cell in cells:
            if (cell.actor, cell.domain) not in known:
                self.warnings.append(
                    f"matrix cell {cell.id} names an unknown actor or domain; printed as text"
                )
                self._block(self.doc, cell)

    def _matrix_table(self, section: Section, cells: list[MatrixCell]) -> None:
        actors, domains = section.sections, section.domains
        self._tables += 1
        caption = f"{self.mark('U')}Table {self._tables}. {section.title}, by actor and domain"
        self._para(self.doc, st.CAPTION, _meta(caption))
        first = 1.2
        widths = [first] + [(self._width - first) / len(domains)] * len(domains)
        table = layout.new_table(self.doc, len(actors) + 1, len(domains) + 1, st.GRID, widths)
        for col, title in enumerate(["Actor"] + [d.title for d in domains]):
            layout.shade(table.cell(0, col), "DCE3EE")
            layout.run(self._cell(table.cell(0, col)), _meta(title), self.ids, st.STRONG)
        for row, actor in enumerate(actors, start=1):
            layout.run(self._cell(table.cell(row, 0)), _meta(actor.title), self.ids, st.STRONG)
            for col, domain in enumerate(domains, start=1):
                here = [c for c in cells if (c.actor, c.domain) == (actor.id, domain.id)]
                target = table.cell(row, col)
                for cell in here:
                    p = self._cell(target)
                    p.add_run(self.mark(cell.portion))
                    self._cell_body(p, cell)
                if not here:  # no empty cells: say so, quietly, so the real entries stand out
                    layout.run(self._cell(target), self.mark("U") + NO_IMPLICATION, self.ids, st.SUBTLE)
        layout.repeat_header_row(table)
        layout.keep_rows_whole(table)
        self._para(self.doc, st.BODY)

    # -- end matter -------------------------------------------------------------------
    def _estimative_key(self) -> None:
        if self._key_done or not self.briefing.estimative_key:
            return
        self._key_done = True
        self._add_heading(1, st.H1, "Estimative Language")
        self._tables += 1
        caption = f"{self.mark('U')}Table {self._tables}. Estimative language (ICD 203)"
        layout.estimative_key(self.doc, self.ids, caption, self._width)
        self._para(self.doc, st.BODY)

    def _fill_source_list(self, anchor: DocxParagraph) -> None:
        """Written last, at the sources section's place, once every citation has its number."""
        ordered = self.numbers.ordered()
        if not ordered:
            anchor.insert_paragraph_before(self.mark("U") + "No sources are cited.")._p.style = self.ids[
                st.BODY
            ]
        for number, citation in ordered:
            p = anchor.insert_paragraph_before(f"{number}.\t")
            p._p.style = self.ids[st.BIBLIOGRAPHY]
            pieces = citation_pieces(
                citation,
                portion=self.mark("U"),
                full=True,
                missing=citation.doc_id in self.missing,
                unverified=citation.doc_id in self._unverified_sources,
                provenance=self.finishing.provenance == "footnotes",
            )
            self._pieces(p, pieces)
        _p(anchor).getparent().remove(_p(anchor))

    def _provenance_annex(self) -> None:
        """Which archived text each source was quoted from: what `briefer verify` and a reviewer use."""
        self._add_heading(1, st.H1, "Source Verification")
        ordered = self.numbers.ordered()
        self._para(
            self.doc,
            st.BODY,
            self.mark("U")
            + (
                "Each source as the archive captured it: its archive id, the time of capture and the "
                "SHA-256 of the captured text. The manifest beside this document records the same."
                if ordered
                else "No sources are cited."
            ),
        )
        for number, citation in ordered:
            title = _meta(citation.title) or "untitled"
            captured = format_time(citation.captured_at) if citation.captured_at else "not recorded"
            outlet = _meta(citation.outlet) or "[outlet unknown]"
            p = self._para(
                self.doc, st.BIBLIOGRAPHY, f"{number}.\t{self.mark('U')}{outlet}, \u201c{title}\u201d"
            )
            # One fact a line: a 64-digit hash cannot wrap, so it gets a line of its own.
            for fact in (
                f"Archive id {_meta(citation.doc_id)}; captured {captured}",
                f"SHA-256 {citation.text_hash or 'not recorded'}",
            ):
                p.add_run().add_break()
                p.add_run(fact)

    def _pieces(self, p: DocxParagraph, pieces: Iterable[Piece]) -> None:
        for piece in pieces:
            if piece.url:
                add_hyperlink(_p(p), self.doc.part, piece.url, piece.text, self.ids[st.HYPERLINK])
            else:
                p.add_run(clean(piece.text))


def _lines(text: str) -> list[str]:
    return [_meta(line) for line in text.splitlines() if line.strip()]


def _has_blocks(section: Section) -> bool:
    return bool(section.blocks) or any(_has_blocks(child) for child in section.sections)


def _drop_empty_first(cell: Any) -> None:
    first = cell.paragraphs[0]
    if len(cell.paragraphs) > 1 and not first.text and not first.runs:
        first._p.getparent().remove(first._p)
