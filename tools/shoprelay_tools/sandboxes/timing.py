"""A sandbox that takes its time, and notes when each request was being answered.

Real vendors answer in tens to hundreds of milliseconds; the sandboxes answer at once. This
wrapper gives a sandbox a vendor's latency and keeps the span of every request, so a test or
a benchmark can see how many requests were at the vendor at once and in which order they ran.
Unlike the server's faults, which answer whichever request comes next, a failure here is for
one event's request, so it lands on the same record however the requests interleave.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

from shoprelay_tools.sandboxes.base import Sandbox, SandboxAnswer, SandboxRequest

EVENT_ID_HEADER = "x-shoprelay-event-id"


@dataclass(frozen=True)
class Span:
    """One request, from its arrival to its answer (monotonic seconds)."""

    event_id: str | None
    body: bytes
    status: int
    started: float
    ended: float


class TimedSandbox:
    """Answers like ``sandbox``, ``delay_seconds`` late; thread-safe."""

    def __init__(self, sandbox: Sandbox, delay_seconds: float) -> None:
        self.sandbox = sandbox
        self.name = sandbox.name
        self.delay_seconds = delay_seconds
        self._lock = threading.Lock()
        self._spans: list[Span] = []
        self._failing: Counter[tuple[str, int]] = Counter()

    def fail(self, event_id: str, status: int, times: int = 1) -> None:
        """Answer ``status`` to the next ``times`` requests for ``event_id``."""
        with self._lock:
            self._failing[event_id, status] += times

    def answer(self, request: SandboxRequest) -> SandboxAnswer:
        started = time.monotonic()
        time.sleep(self.delay_seconds)
        answer = self._failure(request.headers.get(EVENT_ID_HEADER)) or self.sandbox.answer(request)
        span = Span(request.headers.get(EVENT_ID_HEADER), request.body, answer.status, started, time.monotonic())
        with self._lock:
            self._spans.append(span)
        return answer

    def _failure(self, event_id: str | None) -> SandboxAnswer | None:
        with self._lock:
            key = next((key for key, left in self._failing.items() if key[0] == event_id and left), None)
            if key is None:
                return None
            self._failing[key] -= 1
        return SandboxAnswer.json(key[1], {"error": f"failing on purpose for event {event_id}"})

    def spans(self) -> list[Span]:
        """Every request answered so far, in the order the answers were sent."""
        with self._lock:
            return list(self._spans)

    def clear(self) -> None:
        with self._lock:
            self._spans.clear()
            self._failing.clear()


def most_at_once(spans: list[Span]) -> int:
    """The largest number of requests the vendor was answering at the same moment."""
    moments = sorted([(s.started, 1) for s in spans] + [(s.ended, -1) for s in spans])
    most = now = 0
    for _, change in moments:
        now += change
        most = max(most, now)
    return most
