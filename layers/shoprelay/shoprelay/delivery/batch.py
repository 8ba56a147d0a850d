"""Which records of a vendor batch may start now, and why the others were not started.

A vendor call mostly waits on the vendor, so a vendor function runs a batch's records side
by side. This module holds the rules for that, as bookkeeping without a clock or any I/O:

* The records of one order form a *lane* and run one after another, in batch order, because
  a vendor must hear of an order before its payment (ADD before PAY). Once one of them fails,
  the later ones are not started: they would overtake it. They go back to the queue untouched.
* A shop has at most its ``max_in_flight`` records running at once.
* Once the vendor asks to slow down for a shop (a 429, or any retryable answer carrying
  ``Retry-After``), none of the shop's remaining records start in this invocation; they go
  back to the queue to wait as long as the vendor asked.
* Once a record cannot start for want of time, no record starts any more, as when the batch
  ran one record after another.

Records start in the order given (the function's delivery order), so with a bound of one the
batch runs exactly as a loop would.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shoprelay.delivery.deadline import NotStartedError
from shoprelay.delivery.errors import RetryableDeliveryError

RATE_LIMITED = 429


@dataclass(frozen=True)
class Pause:
    """The vendor asked to wait before the shop's next request."""

    status: int | None
    retry_after: int | None
    """Seconds the vendor named; None for a 429 without ``Retry-After`` (the usual backoff)."""


@dataclass(frozen=True)
class HandBack:
    """Why a record was not started, for its log line and, on a last receive, its dead letter."""

    step: str
    """What the record was not started for."""
    reason: str
    """The sentence a dead-lettered record carries."""
    needed: float | None = None
    """Seconds the record needed, when time was short."""
    pause: Pause | None = None
    """Set when the record must stay hidden as long as the vendor asked."""


HELD_BACK = HandBack(
    step="an earlier record of its order",
    reason="an earlier record of its order failed in this batch, and this one would have overtaken it",
)


def out_of_time(error: NotStartedError) -> HandBack:
    """A record that did not start for want of time."""
    return HandBack(step=error.step, reason=str(error), needed=error.needed)


def pause_for(error: RetryableDeliveryError) -> Pause | None:
    """Whether a failure asks for the shop's other records to wait too, and how long."""
    if error.retry_after is None and error.status != RATE_LIMITED:
        return None
    return Pause(status=error.status, retry_after=error.retry_after)


def paused(pause: Pause) -> HandBack:
    wait = f"Retry-After {pause.retry_after} s" if pause.retry_after is not None else "no Retry-After"
    return HandBack(
        step="the vendor's request to wait",
        reason=f"the vendor answered HTTP {pause.status} ({wait}) to another record of the shop in this batch",
        pause=pause,
    )


class Schedule:
    """The state of one batch: what runs, what waits, and what will not start."""

    def __init__(self, keys: Sequence[tuple[str, str]], bounds: Mapping[str, int]) -> None:
        """``keys`` holds each record's shop and lane, in the order records should start;
        ``bounds`` each shop's ``max_in_flight`` (a shop missing from it gets one)."""
        self._keys = list(keys)
        self._bounds = bounds
        self._pending = list(range(len(self._keys)))
        self._running: Counter[str] = Counter()
        self._busy: set[str] = set()
        self._held: set[str] = set()
        self._paused: dict[str, HandBack] = {}
        self._own: dict[int, HandBack] = {}
        self._stopped = False

    def ready(self) -> list[int]:
        """The records that may start now, earliest first; they count as running from here on."""
        if self._stopped:
            return []
        started = [index for index in self._pending if self._start_if_free(index)]
        self._pending = [index for index in self._pending if index not in started]
        return started

    def _start_if_free(self, index: int) -> bool:
        shop, lane = self._keys[index]
        if lane in self._busy or lane in self._held or shop in self._paused:
            return False
        if self._running[shop] >= self._bounds.get(shop, 1):
            return False
        self._running[shop] += 1
        self._busy.add(lane)
        return True

    def done(self, index: int) -> None:
        """The record has its outcome (delivered, skipped or dead-lettered): its lane goes on."""
        self._release(index)

    def failed(self, index: int, pause: Pause | None = None) -> None:
        """The record goes back to the queue to be retried: the rest of its order waits for it."""
        shop, lane = self._release(index)
        self._held.add(lane)
        if pause is not None and shop not in self._paused:
            self._paused[shop] = paused(pause)

    def stop(self, index: int, why: HandBack) -> None:
        """The record could not start (it is handed back untouched), and nothing starts after it."""
        if index not in self._pending:
            self._release(index)
            bisect.insort(self._pending, index)
        self._own[index] = why
        self._stopped = True

    def _release(self, index: int) -> tuple[str, str]:
        shop, lane = self._keys[index]
        self._running[shop] -= 1
        self._busy.discard(lane)
        return shop, lane

    def unstarted(self) -> list[tuple[int, HandBack]]:
        """Once nothing runs: every record that was not started, and why."""
        return [(index, self._why(index)) for index in self._pending]

    def _why(self, index: int) -> HandBack:
        shop, lane = self._keys[index]
        if shop in self._paused:
            return self._paused[shop]
        if index in self._own:
            return self._own[index]
        if lane in self._held:
            return HELD_BACK
        return next(iter(self._own.values()), HELD_BACK)
