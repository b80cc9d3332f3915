"""Parsers that misbehave on purpose, for the time-limit and crash tests.

Parser workers import these by name, so they live in a module of their own.
A page whose text holds a trigger word makes the HTML extractor misbehave, in
whatever file or archive member it is met.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from briefer.core import extract
from briefer.core.extract import Part, html


def _misbehaving_html(data: bytes, path: Path) -> Any:
    if b"HANG-FOREVER" in data:
        time.sleep(600)
    if b"CRASH-NOW" in data:
        os.kill(os.getpid(), signal.SIGSEGV)
    return html.extract(data, path)


def misbehaving_parse(data: bytes, path: Path, **kwargs: Any) -> Iterator[Part]:
    extract.EXTRACTORS[".html"] = _misbehaving_html  # in this worker process only
    yield from extract.extract_parts(data, path, **kwargs)
