"""A parser that tells which modules its worker process has loaded, for the import-diet tests.

Parser workers import it by name.  A file named `modules.txt` comes back as a failed part whose
reason lists the worker's `sys.modules`; any other file is parsed as usual.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from briefer.core.extract import Part, extract_parts
from briefer.core.extract.parts import failed


def listing_parse(data: bytes, path: Path, **options: Any) -> Iterator[Part]:
    if Path(path).name == "modules.txt":
        yield failed("", " ".join(sorted(sys.modules)))
        return
    yield from extract_parts(data, path, **options)
