"""Build resources/templates/reference.docx: the styles and page setup of Briefer's Word export.

Run from the repository root:  .venv/bin/python scripts/build_reference_docx.py
The result is committed.  An organisation can hand its own .docx to
`briefer export --reference-docx`; the export adds any style it lacks.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from briefer.core.export import styles as st  # noqa: E402
from briefer.core.export.layout import clear_story  # noqa: E402

OUT = ROOT / "resources" / "templates" / "reference.docx"
SPECIMEN = [
    (st.TITLE, "(U) Briefer reference document"),
    (st.SUBTITLE, "Change the styles here to give exported briefings your organisation's look"),
    (st.H1, "Heading 1: section heads"),
    (
        st.BODY,
        "(U) Body text (Normal). Exports replace everything in this body; only the styles, "
        "page setup and document parts are used.",
    ),
    (st.H2, "Heading 2: actor subsections"),
    (st.BULLET, "(U) List Bullet: key judgments and bullet lists."),
    (st.QUOTE, "(U) \u201cQuote: excerpts from sources.\u201d"),
    (st.CAPTION, "(U) Table 1. Caption: tables are marked through their caption."),
    (st.BIBLIOGRAPHY, "1.\tBibliography: the Source Reference Citations list."),
    (st.BOX_TEXT, "Box Text: the implications matrix, the estimative-language key and the CUI block."),
    (st.MASTHEAD, "Masthead: the label/value table at the top of page 1."),
]


def build(out: Path = OUT) -> Path:
    document = docx.Document()
    # The default template's thumbnail shows python-docx's sample page; drop it.
    package = document.part.package
    for r_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[r_id]
    clear_story(document.element.body)
    st.apply_house_style(document)
    for style, text in SPECIMEN:
        document.add_paragraph(text, style=style)
    core = document.core_properties
    core.title, core.author, core.last_modified_by = "Briefer reference styles", "Briefer", "Briefer"
    core.subject = core.keywords = core.comments = ""
    core.created = core.modified = datetime(2024, 1, 1)  # fixed: rebuilding gives the same file content
    core.revision = 1
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out


if __name__ == "__main__":
    print(f"wrote {build().relative_to(ROOT)}")
