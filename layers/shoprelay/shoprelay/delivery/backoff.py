"""How long a failed record waits before SQS offers it again."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

MAX_VISIBILITY_SECONDS = 12 * 3600
"""SQS's upper bound for a message's visibility timeout."""


ATTEMPTS = 5
"""Attempts a failing record gets at least, however short its retry window."""

RESERVED_RECEIVES = 5
"""Receives above the function's own budget, for receives that end without a word from it."""

RETRY_HOURS = 6
"""How long a record keeps being retried by default (each vendor's ``RetryHours`` parameter)."""

BASE_SECONDS = 10
CAP_SECONDS = 1800
"""The longest backoff: after an outage ends, a waiting record is at most this late."""


def attempt_budget(max_receive_count: int) -> int:
    """Attempts a failing record gets at least before the function dead-letters it itself.

    :data:`ATTEMPTS`, and always fewer than the queue's ``maxReceiveCount``. SQS counts
    receives, not attempts: an invocation killed at its timeout or crashing, a batch handed
    back for want of time, or a dead-letter write that failed each cost a receive without a
    word from the function. The receives above the budget are that reserve. Were they used
    up, SQS's redrive would move the message to the DLQ with no reason attached; while one
    is left, the function sees the record again and dead-letters it with the reason.
    """
    return max(1, min(ATTEMPTS, max_receive_count - 1))


def receive_ceiling(max_receive_count: int) -> int:
    """Receives after which a failing record is dead-lettered whatever its retry window says.

    Short ``Retry-After`` answers can use receives faster than the backoff would; this keeps
    :data:`RESERVED_RECEIVES` of them for SQS's own redrive, as :func:`attempt_budget` does.
    """
    return max(attempt_budget(max_receive_count), max_receive_count - RESERVED_RECEIVES)


@dataclass(frozen=True)
class RetryPolicy:
    """How long a retryable failure is retried, and how long each retry waits.

    A record is retried with a doubling wait until it has had :func:`attempt_budget`
    attempts *and* has waited ``window_seconds`` since it entered the queue, so a vendor
    outage of hours ends in delivery rather than in the DLQ. ``scale`` shrinks every wait
    and the window alike: the local stack runs hours of outage in minutes through the same
    code; a deployment keeps 1.
    """

    window_seconds: float = RETRY_HOURS * 3600
    base_seconds: float = BASE_SECONDS
    cap_seconds: float = CAP_SECONDS
    scale: float = 1.0

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> RetryPolicy:
        """``RETRY_HOURS`` (the template's), ``RETRY_BASE_SECONDS`` and ``RETRY_TIME_SCALE``."""
        return cls(
            window_seconds=float(environ.get("RETRY_HOURS", RETRY_HOURS)) * 3600,
            base_seconds=float(environ.get("RETRY_BASE_SECONDS", BASE_SECONDS)),
            scale=float(environ.get("RETRY_TIME_SCALE", "1")),
        )

    def delay(self, attempts: int, retry_after: int | None = None) -> int:
        """Seconds before the record is offered again after its ``attempts``-th failure."""
        if retry_after is not None:
            return visibility_for(attempts, retry_after)
        exponent = min(max(attempts - 1, 0), 32)
        wait: float = min(self.base_seconds * 2.0**exponent, self.cap_seconds) * self.scale
        return min(math.ceil(wait), MAX_VISIBILITY_SECONDS)

    def window(self) -> float:
        return self.window_seconds * self.scale

    def exhausted(self, attempts: int, max_receive_count: int, waited_seconds: float) -> bool:
        """Whether a record failing for the ``attempts``-th time goes to the DLQ now."""
        if attempts >= receive_ceiling(max_receive_count):
            return True
        return attempts >= attempt_budget(max_receive_count) and waited_seconds >= self.window()

    def attempts_to_cover(self) -> int:
        """Attempts the backoff alone takes to span the window (no ``Retry-After``, no hand-back)."""
        waited, attempts = 0.0, 1
        while waited < self.window_seconds:
            waited += min(self.base_seconds * 2.0 ** min(attempts - 1, 32), self.cap_seconds)
            attempts += 1
        return attempts


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
