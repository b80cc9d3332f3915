"""The `briefer` command: every core feature, no Qt (only the bare command opens the window).

One module per command group (`search`, `brief`, `distribution`, `feeds`, `verify`);
`main` builds the parser and runs the archive's own commands.

`main` and `build_parser` here load that module when called: the `briefer` script imports them
before it checks that it is the main program, and every parser process of an import started from
it (multiprocessing's "spawn" runs the script again) would otherwise load the whole command line
and the archive's facade before its first file.
"""

from __future__ import annotations

import argparse
import sys
import types
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `briefer` command (`briefer.cli.main.main`)."""
    from briefer.cli.main import main as run

    return run(argv)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command (`briefer.cli.main.build_parser`)."""
    from briefer.cli.main import build_parser as build

    return build()


class _Package(types.ModuleType):
    """This package, whose `main` stays the function above once the module `main` is loaded (the
    import system would make the name the module's)."""

    def __setattr__(self, name: str, value: object) -> None:
        if name == "main" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = ["build_parser", "main"]
