"""Times as vendors write them: to the second, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_text(moment: datetime, separator: str = " ") -> str:
    """``YYYY-MM-DD HH:MM:SS`` in UTC, ``separator`` between date and time; a naive time is UTC.

    Canonical times are UTC already, and vendors want them with no offset or a fixed
    ``+00:00`` that callers append, so the text is written from the naive UTC time.
    """
    if moment.tzinfo is not None and moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(separator, "seconds")
