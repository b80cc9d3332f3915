"""Whether a downloaded feed is well-formed: feedparser's verdict, given in a parser worker.

A feed body comes from a server Briefer does not control, so feedparser reads
it in a worker process of `workers.ParsePool`, under the import's time and
size limits, never in the process that fetches (the window's, or the CLI's).
Parser workers import `diagnose` by name, hence this small module of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from briefer.core.extract.parts import Begin, Limits, Part, skipped


def diagnose(data: bytes, path: Path, *, limits: Limits, begin: Begin) -> Iterator[Part]:
    """One part for the whole body: `skipped` when nothing in it can be read, else a part whose
    `reason` says what is wrong with it ("" when nothing is).

    A `failed` part comes from the pool instead: the parser ran out of time, or crashed.
    """
    import feedparser  # type: ignore[import-untyped]

    begin("")
    if len(data) > limits.max_bytes:
        yield skipped("", f"the feed is larger than the {limits.max_bytes // (1024 * 1024)} MB size limit")
        return
    parsed = feedparser.parse(data)  # bytes: feedparser never fetches anything for bytes
    error = parsed.get("bozo_exception")
    # feedparser files encoding mix-ups under "things nobody cares about": it read the feed anyway.
    if not parsed.get("bozo") or isinstance(error, feedparser.ThingsNobodyCaresAboutButMe):
        yield Part("")
        return
    where = ""
    if hasattr(error, "getLineNumber"):
        where = f" (line {error.getLineNumber()}: {error.getMessage()})"
    problem = f"the feed is not well-formed XML{where or f' ({error})'}"
    yield Part("", reason=problem) if parsed.get("entries") else skipped("", problem)
