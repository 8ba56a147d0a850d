"""How long a failed record waits before SQS offers it again."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

MAX_VISIBILITY_SECONDS = 12 * 3600
"""SQS's upper bound for a message's visibility timeout."""


ATTEMPTS = 5
"""Attempts a failing record gets before a vendor function dead-letters it with the reason."""


def attempt_budget(max_receive_count: int) -> int:
    """Attempts after which a vendor function dead-letters a failing record itself.

    :data:`ATTEMPTS`, and always fewer than the queue's ``maxReceiveCount``. SQS counts
    receives, not attempts: an invocation killed at its timeout or crashing, a batch handed
    back for want of time, or a dead-letter write that failed each cost a receive without a
    word from the function. The receives above the budget are that reserve. Were they used
    up, SQS's redrive would move the message to the DLQ with no reason attached; while one
    is left, the function sees the record again and dead-letters it with the reason.
    """
    return max(1, min(ATTEMPTS, max_receive_count - 1))


def parse_retry_after(value: str | None, now: datetime | None = None) -> int | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent.

    None too for anything else (a fraction, a negative number, text): the caller then backs
    off on its own schedule. Only ASCII digits count as delta-seconds: ``str.isdigit`` also
    accepts other scripts' digits and superscripts, which ``int`` reads differently or not at all.
    """
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return int(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0, int((moment - (now or datetime.now(UTC))).total_seconds()))


def visibility_for(receive_count: int, retry_after: int | None, base_seconds: int = 10, cap_seconds: int = 900) -> int:
    """The vendor's ``Retry-After`` when it gave one, else exponential backoff by attempt."""
    if retry_after is not None:
        return min(max(retry_after, 0), MAX_VISIBILITY_SECONDS)
    exponent = max(receive_count - 1, 0)
    delay: int = base_seconds * 2**exponent
    return min(delay, cap_seconds)
