"""A parser whose worker takes seconds to start (as on a busy machine): the module sleeps when a
parser worker imports it (by name, to run `parse`) with SLOW_START_ENV set."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from briefer.core.extract import Part, extract_parts

START_SECONDS = 5.0
SLOW_START_ENV = "BRIEFER_TEST_SLOW_START"  # set by the test once it has imported this module

if os.environ.get(SLOW_START_ENV):
    time.sleep(START_SECONDS)


def parse(data: bytes, path: Path, **options: Any) -> Iterator[Part]:
    yield from extract_parts(data, path, **options)
