"""Control characters made visible: a title or a file name shown on a terminal or written to a log
without steering the terminal or forging a line.

A file name may hold any character but "/" and NUL, and a title whatever a page, a feed or a mail
says: an escape sequence (ESC [2J clears the screen), a carriage return (the line is written over),
a newline (a line that reads like Briefer's own), a C1 control (U+009B is a whole CSI to many
terminals).  `visible` writes each as an escape, as Python's repr does: \\n, \\r, \\t, \\x1b, \\x9b;
U+2028 and U+2029, which some readers take for line breaks, as \\u2028 and \\u2029.  Every other
character, ordinary Unicode included, stays as it is.

The command line shows metadata through `visible` and JSON through `json_text`; both front ends
log through `EscapingFormatter`.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from typing import Any

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# In JSON, outside strings there is nothing but punctuation, digits and words: these characters
# can only be inside strings, where \uXXXX stands for them exactly.
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def visible(text: str, *, keep: str = "") -> str:
    """`text` with every control character written as an escape, except those in `keep` (e.g.
    "\\n\\t" for a text shown over several lines)."""
    if not keep:
        return _CONTROL.sub(_escape, text)
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else _escape(m), text)


def json_text(value: Any, **options: Any) -> str:
    """`value` as JSON with non-ASCII text as it is, but no raw control character: JSON escapes
    C0 controls itself; DEL, C1 controls and the Unicode line separators become \\uXXXX."""
    return _JSON_RAW.sub(
        lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False, **options)
    )


class EscapingFormatter(logging.Formatter):
    """Each record on its own line: control characters in the message and its arguments (a file
    name with a newline in it) are written as escapes, so that no record can forge another.  A
    traceback keeps its line breaks, nothing else."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return visible(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:
        text = super().formatException(ei)
        for exc in _chain(ei[1]):  # an exception's message is one line too, whatever line breaks it has
            message = "".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n")
            text = text.replace(message, visible(message))
        return visible(text, keep="\n")

    def formatStack(self, stack_info: str) -> str:
        return visible(super().formatStack(stack_info), keep="\n")


def _chain(exc: BaseException | None) -> list[BaseException]:
    """`exc` and the exceptions it was raised from or during, as a traceback shows them."""
    found: list[BaseException] = []
    while exc is not None and all(exc is not seen for seen in found):
        found.append(exc)
        exc = exc.__cause__ or exc.__context__
    return found


__all__ = ["EscapingFormatter", "json_text", "visible"]
