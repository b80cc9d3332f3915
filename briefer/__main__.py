"""`python -m briefer`: the same entry point as the `briefer` command."""

import sys

from briefer.cli import main

sys.exit(main())
