"""How long the Word export of a 300-excerpt briefing takes (budget: 1 s).

Run from the repository root:  .venv/bin/python benchmarks/bench_export.py [--excerpts N] [--runs R]
Prints the median wall time of R exports (each to a fresh file) and the budget verdict.  The
budget is for the .docx alone; `--render` also times one export with the LibreOffice pass that
writes the contents' page numbers (reported apart, outside the budget).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from briefer.core.briefing import edits, templates  # noqa: E402
from briefer.core.briefing.excerpts import excerpt_from_span  # noqa: E402
from briefer.core.briefing.model import Briefing, KeyJudgment, MatrixCell, Paragraph  # noqa: E402
from briefer.core.documents import Document  # noqa: E402
from briefer.core.export.docx_export import export_docx  # noqa: E402

BUDGET_S = 1.0
SECTIONS = ("background", "analysis", "scenarios", "indicators", "us", "japan", "rok", "ukraine")


def _document(n: int) -> Document:
    text = "\n\n".join(
        f"Paragraph {p} of report {n}: officials said the exercise involved {p * 3} aircraft and "
        f"{p + 2} warships, and that further drills would follow within weeks."
        for p in range(12)
    )
    return Document(
        id=f"doc{n:05d}",
        title=f"Report {n} on regional military activity",
        text=text,
        text_hash=f"{n:064x}",
        author=f"Author {n % 17}",
        source=f"Outlet {n % 23}",
        published=datetime(2024, 1 + n % 12, 1 + n % 28, 8, 30, tzinfo=UTC),
        url=f"https://news.example/{n}",
        source_type="wire service",
        language="en",
    )


def build_briefing(excerpt_count: int = 300) -> Briefing:
    """A realistic big briefing: 120 distinct sources, so many are cited again (reused numbers)."""
    briefing = templates.new_briefing(templates.load("assessment"), title="Benchmark briefing")
    documents = [_document(n) for n in range(120)]
    ids = []
    for i in range(excerpt_count):
        doc = documents[i % len(documents)]
        start = (i * 37) % 400
        excerpt = excerpt_from_span(doc, start, start + 160, comment="check" if i % 10 == 0 else "")
        edits.add_block(briefing, SECTIONS[i % len(SECTIONS)], excerpt)
        ids.append(excerpt.id)
        if i % 3 == 0:
            text = f"We assess development {i} is likely to continue; reporting is consistent across outlets."
            edits.add_block(briefing, SECTIONS[i % len(SECTIONS)], Paragraph(text, cites=[excerpt.id]))
    for k in range(5):
        edits.add_block(
            briefing,
            "key-judgments",
            KeyJudgment(
                f"Key judgment {k}: the activity will likely expand.",
                "likely",
                "moderate",
                cites=ids[k : k + 3],
            ),
        )
    for actor in ("us", "nato-europe", "japan", "rok", "ukraine"):
        edits.add_block(
            briefing,
            "implications",
            MatrixCell(actor, "military", "Higher readiness demands.", "M", "likely", cites=ids[:1]),
        )
    return briefing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--excerpts", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--render", action="store_true", help="also time the page-numbering render pass")
    args = parser.parse_args()
    briefing = build_briefing(args.excerpts)
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            out = Path(folder) / f"bench{run}.docx"
            started = time.perf_counter()
            report = export_docx(briefing, out)
            times.append(time.perf_counter() - started)
        size = out.stat().st_size
        rendered = (
            export_docx(briefing, Path(folder) / "rendered.docx", toc_pages=True) if args.render else None
        )
    median = statistics.median(times)
    verdict = "within" if median <= BUDGET_S else "OVER"
    print(
        f"export of {args.excerpts} excerpts ({report.sources} sources, {report.footnotes} footnotes, "
        f"{size / 1024:.0f} KiB): median {median:.3f} s over {args.runs} runs "
        f"(min {min(times):.3f}, max {max(times):.3f}); {verdict} the {BUDGET_S:.1f} s budget"
    )
    if rendered is not None:
        outcome = "; ".join(rendered.notices) or "contents numbered"
        print(
            f"with the LibreOffice pass: {rendered.seconds:.2f} s, of which the render "
            f"{rendered.render_seconds:.2f} s ({outcome})"
        )
    return 0 if median <= BUDGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
