"""Parsers that misbehave on purpose, for the time-limit and crash tests.

Parser workers import these by name, so they live in a module of their own.
A page whose text holds a trigger word makes the HTML extractor misbehave, in
whatever file or archive member it is met; a text file that holds HANG-FOREVER
hangs the plain-text extractor, CRASH-NOW crashes it, EAT-HALF makes it use 600 MB.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from briefer.core import extract
from briefer.core.extract import Part, html, text

MEMORY_EATEN = 40 * 32 * 1024 * 1024  # what EAT-MEMORY allocates (1.3 GB), more than a test's limit


def _misbehaving_html(data: bytes, path: Path) -> Any:
    if b"HANG-FOREVER" in data:
        time.sleep(600)
    if b"CRASH-NOW" in data:
        os.kill(os.getpid(), signal.SIGSEGV)
    if b"EAT-MEMORY" in data:
        eaten = [bytearray(MEMORY_EATEN // 40) for _ in range(40)]  # zero-filled: really in memory
        assert len(eaten) == 40
    return html.extract(data, path)


def _misbehaving_text(data: bytes, path: Path) -> Any:
    if b"HANG-FOREVER" in data:
        time.sleep(600)
    if b"CRASH-NOW" in data:
        os.kill(os.getpid(), signal.SIGSEGV)
    if b"EAT-HALF" in data:  # 600 MB, then let go: a worker limited to 1 GB leaves after this file
        eaten = [bytearray(MEMORY_EATEN // 80) for _ in range(36)]
        assert len(eaten) == 36
    return text.extract_plain(data, path)


def misbehaving_parse(data: bytes, path: Path, **kwargs: Any) -> Iterator[Part]:
    extract.EXTRACTORS[".html"] = _misbehaving_html  # in this worker process only
    extract.EXTRACTORS[".txt"] = _misbehaving_text
    if "slow" in Path(path).name:  # a file that takes its time, whatever it holds
        time.sleep(1.5)
    if "busy" in Path(path).name:  # a file whose parsing takes CPU (a PDF, a web page)
        until = time.process_time() + 0.2
        while time.process_time() < until:
            pass
    yield from extract.extract_parts(data, path, **kwargs)
