"""The `briefer` command: every core feature, no Qt (only the bare command opens the window).

One module per command group (`search`, `brief`, `distribution`, `feeds`, `verify`);
`main` builds the parser and runs the archive's own commands.
"""

from briefer.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
