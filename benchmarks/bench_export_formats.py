"""How long the PDF and HTML renditions of the 300-excerpt benchmark briefing take, apart from the
Word export they are made from (bench_export.py times that one against its 1 s budget).

Run from the repository root:  .venv/bin/python benchmarks/bench_export_formats.py [--excerpts N] [--runs R]
Prints, per format, the median of R runs: the Word export, then the conversion (LibreOffice for the
PDF, the page renderer for HTML).  The PDF needs LibreOffice; without it the PDF line says so.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_export import build_briefing  # noqa: E402
from briefer.core.export.formats import export_as  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--excerpts", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    briefing = build_briefing(args.excerpts)
    for fmt in ("html", "pdf"):
        if fmt == "pdf" and shutil.which("soffice") is None:
            print("pdf: LibreOffice (soffice) is not installed; not timed")
            continue
        word, convert = [], []
        with tempfile.TemporaryDirectory() as folder:
            for run in range(args.runs):
                out = Path(folder) / f"bench{run}.{fmt}"
                made = export_as(fmt, briefing, out)
                word.append(made.docx.seconds)
                convert.append(made.convert_seconds)
            size = out.stat().st_size
        print(
            f"{fmt}: {args.excerpts} excerpts, {size / 1024:.0f} KiB: Word export median "
            f"{statistics.median(word):.3f} s, then {fmt.upper()} median {statistics.median(convert):.3f} s "
            f"(min {min(convert):.3f}, max {max(convert):.3f}) over {args.runs} runs"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
