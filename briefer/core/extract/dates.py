"""Publication dates: parse what the file says into UTC, or leave it empty."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_ISO_COMPACT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


def parse_date(raw: str) -> datetime | None:
    """An ISO 8601 date or date-time as aware UTC; None when it cannot be read.

    A date without a time or zone is taken as midnight UTC.  Nothing is guessed:
    free-form dates come in a later importer with dateparser.
    """
    value = raw.strip()
    if not value:
        return None
    value = _ISO_COMPACT_OFFSET.sub(r"\1:\2", value.replace("Z", "+00:00"))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
