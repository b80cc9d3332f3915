"""`python -m briefer`: the same entry point as the `briefer` command (and the frozen app's)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # First of all: in a frozen app, parser worker processes start by re-running this executable.
    multiprocessing.freeze_support()

    from briefer.cli import main

    sys.exit(main())
