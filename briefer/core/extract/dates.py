"""Publication dates: parse what the file says into UTC, or leave it empty.

Every parser here returns an aware UTC datetime or None; none of them guesses.
The caller keeps the raw string beside the result (`published_raw`).
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime, timedelta, timezone

_ISO_COMPACT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")
_PDF_DATE = re.compile(
    # Year, month and day at least: a bare "D:2023" would make January 1 up.
    r"^D?:?(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?\s*(?:(Z)|([+-])(\d{2})'?(\d{2})?'?)?"
)
_YEAR = re.compile(r"\b(1[89]|2[01])\d{2}\b")
_DAY = re.compile(r"\b(0?[1-9]|[12]\d|3[01])(st|nd|rd|th)?\b")
_LATEST_YEAR = 2200  # a date after this is a typo or a trap, not a publication date
_EARLIEST_YEAR = 1800


def _utc(parsed: datetime) -> datetime | None:
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        result = parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return result if _EARLIEST_YEAR <= result.year <= _LATEST_YEAR else None


def parse_date(raw: str) -> datetime | None:
    """An ISO 8601 date or date-time as aware UTC; else an e-mail (RFC 2822) date; else None.

    A date without a time or zone is taken as midnight UTC.  Free-form dates
    ("13 September 2023") go through `parse_free_date`, which callers ask for.
    """
    value = raw.strip()
    if not value:
        return None
    iso = _ISO_COMPACT_OFFSET.sub(r"\1:\2", value.replace("Z", "+00:00"))
    try:
        return _utc(datetime.fromisoformat(iso))
    except ValueError:
        pass
    return parse_email_date(value)


def parse_email_date(raw: str) -> datetime | None:
    """An RFC 2822 date ("Mon, 21 Mar 2022 23:02:48 +0000") as UTC, or None."""
    if not re.search(r"\d{1,2}\s+[A-Za-z]{3}\w*\s+\d{2,4}", raw):
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return _utc(parsed) if parsed is not None else None


def parse_pdf_date(raw: str) -> datetime | None:
    """A PDF date string ("D:20220414132421+05'24'") as UTC, or None."""
    match = _PDF_DATE.match(raw.strip())
    if not match or not raw.strip():
        return None
    year, month, day, hour, minute, second, _zulu, sign, off_h, off_m = match.groups()
    try:
        zone = UTC
        if sign:
            offset = timedelta(hours=int(off_h), minutes=int(off_m or 0))
            zone = timezone(offset if sign == "+" else -offset)
        parsed = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=zone,
        )
    except ValueError:
        return None
    return _utc(parsed)


def parse_free_date(raw: str) -> datetime | None:
    """A written-out date ("September 13, 2023") as UTC; None unless day, month and year are all there."""
    value = raw.strip()
    if not value or len(value) > 80:
        return None
    parsed = parse_date(value)
    if parsed is not None:
        return parsed
    # dateparser reads "next week" as a date even when told to be strict: ask for a
    # written year and day, so nothing relative or partial becomes a date.
    if not (_YEAR.search(value) and _DAY.search(_YEAR.sub(" ", value))):
        return None
    try:
        import dateparser  # type: ignore[import-untyped]  # slow: only for a free-text date
    except ImportError:  # pragma: no cover - it comes with trafilatura
        return None
    try:
        found = dateparser.parse(
            value,
            settings={
                "STRICT_PARSING": True,
                "REQUIRE_PARTS": ["day", "month", "year"],
                "RETURN_AS_TIMEZONE_AWARE": True,
                "TIMEZONE": "UTC",
                "TO_TIMEZONE": "UTC",
            },
        )
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None
    return _utc(found) if found is not None else None
