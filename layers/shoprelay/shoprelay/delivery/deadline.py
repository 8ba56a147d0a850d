"""Time left in a vendor invocation, and what a record needs of it at worst.

Lambda ends an invocation at its timeout wherever it is: a vendor call may have been made
and not recorded, an effect stays claimed until its lease runs out, and the batch response
never reaches SQS, so every record of the batch (finished or not) comes back and spends a
receive. A vendor function therefore starts a record only when the record's worst case fits
in what is left, and hands the rest back untouched.

A record's worst case is every call at its own bound: the vendor's connect and read
timeouts, and each AWS call at the budget :mod:`shoprelay.aws` gives the vendor functions'
clients. The sums are small functions of their inputs so that a loop delivering records
concurrently can ask the same questions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from shoprelay import aws

CONNECT_TIMEOUT_SECONDS = 3.05
"""The vendor call's connect timeout (just over a multiple of TCP's 3 s retransmission)."""
MARGIN_SECONDS = 1.0
"""Left unspent at the end of an invocation: our own code, logging, the batch response."""
MIN_READ_TIMEOUT_SECONDS = 0.1
"""A vendor call is never given less than this to answer (requests refuses a zero timeout)."""

PREPARE_CALLS = ("s3", "ssm")
"""Reads before a record's deadline can be judged: its canonical event when the message holds
only a reference to it, then the shop's vendor settings (which carry ``timeout_seconds``).
Whether the shop is paused is read beside the settings, and takes less at its worst."""
SUBJECT_CALLS = ("dynamodb",)
"""Once per record: reading which of the order's effects are done."""
EFFECT_CALLS = ("dynamodb", "dynamodb")
"""Around each vendor call: claiming its effect, then completing or releasing it."""
CLOSING_CALLS = ("sqs", "sqs")
"""After a failure: the queue's redrive policy (read once per container), then hiding the
record for its backoff or sending it to the dead-letter queue."""


_ATTEMPTS = {"ssm": aws.SSM_ATTEMPTS}
"""Attempts per call where a vendor function's client differs from the queued default."""


def aws_seconds(services: tuple[str, ...]) -> float:
    """The worst case of these AWS calls made one after another by a vendor function."""
    return sum(
        aws.budget(service, _ATTEMPTS.get(service, aws.QUEUED_ATTEMPTS)).worst_case_seconds() for service in services
    )


def prepare_seconds() -> float:
    """The worst case of the reads a record needs before its own worst case is known."""
    return aws_seconds(PREPARE_CALLS) + MARGIN_SECONDS


def call_seconds(read_timeout: float) -> float:
    """One vendor call at its worst, with the effect bookkeeping around it."""
    return CONNECT_TIMEOUT_SECONDS + read_timeout + aws_seconds(EFFECT_CALLS)


def record_seconds(read_timeout: float, calls: int = 1) -> float:
    """A record of ``calls`` vendor calls at its worst, from reading its effects to its outcome."""
    return (
        aws_seconds(SUBJECT_CALLS)
        + max(calls, 1) * call_seconds(read_timeout)
        + aws_seconds(CLOSING_CALLS)
        + MARGIN_SECONDS
    )


def invocation_seconds(read_timeout: float) -> float:
    """What a function's timeout must hold so that its first record, of one call, always starts."""
    return prepare_seconds() + record_seconds(read_timeout)


class OutOfTimeError(Exception):
    """Not enough of the invocation is left for the next step; ``needed`` and ``left`` say by how much."""

    def __init__(self, step: str, needed: float, left: float) -> None:
        super().__init__(f"{step} needs up to {needed:.1f} s, {left:.1f} s left")
        self.step = step
        self.needed = needed
        self.left = left


class NotStartedError(OutOfTimeError):
    """Raised before a record changed anything (no write, no vendor call): hand it back as it came."""


@dataclass
class Deadline:
    """The moment an invocation ends, on the monotonic clock."""

    ends_at: float
    total: float
    """Seconds the invocation had when it started: the most any record can ever be given."""
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    @classmethod
    def of(cls, context: object, clock: Callable[[], float] = time.monotonic) -> Deadline:
        """From a Lambda context; without one (a direct call, a replay) time never runs out."""
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        seconds = remaining() / 1000 if callable(remaining) else float("inf")
        return cls(ends_at=clock() + seconds, total=seconds, clock=clock)

    @classmethod
    def unlimited(cls) -> Deadline:
        return cls(ends_at=float("inf"), total=float("inf"))

    def left(self) -> float:
        return self.ends_at - self.clock()

    def allows(self, seconds: float) -> bool:
        return self.left() >= seconds

    def require(self, step: str, seconds: float) -> None:
        """Raise :class:`OutOfTimeError` unless ``seconds`` are left."""
        left = self.left()
        if left < seconds:
            raise OutOfTimeError(step, seconds, left)

    def require_to_start(self, step: str, seconds: float) -> None:
        """Like :meth:`require`, for a check made while the record is still untouched."""
        left = self.left()
        if left < seconds:
            raise NotStartedError(step, seconds, left)

    def record_need(self, read_timeout: float, calls: int) -> float:
        """What a record must have left to start: all of its calls, when a fresh invocation could
        ever give them that much; otherwise one call, so that a record too long for any single
        invocation still advances one effect per receive (done effects are never repeated)."""
        whole = record_seconds(read_timeout, calls)
        return whole if whole <= self.total - prepare_seconds() else record_seconds(read_timeout)

    def read_timeout(self, wanted: float) -> float:
        """``wanted``, shortened so the call and what must follow it end before the invocation does."""
        after = aws_seconds(EFFECT_CALLS[1:] + CLOSING_CALLS) + MARGIN_SECONDS
        room = self.left() - CONNECT_TIMEOUT_SECONDS - after
        return max(MIN_READ_TIMEOUT_SECONDS, min(wanted, room))
