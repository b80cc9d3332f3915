"""Run every benchmark in this folder, one after another, printing their figures.

.venv/bin/python benchmarks/run_all.py [--size N] [NAME ...]   # e.g. foundation export

`--size N` is the archive size of the scale benchmark (bench_scale.py: import and search at N
generated articles beside Reuters-21578; 100,000 by default, about half an hour on two cores).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, help="articles of bench_scale.py's generated set")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args()
    wanted = set(args.names)
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        extra = ["--size", str(args.size)] if name == "scale" and args.size else []
        print(f"\n=== {name} ===", flush=True)
        failed += subprocess.run([sys.executable, str(script), *extra], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
