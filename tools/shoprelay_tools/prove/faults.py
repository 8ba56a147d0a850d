"""Random vendor faults: every sandbox request fails now and then, at documented rates.

Plugged into :class:`~shoprelay_tools.sandboxes.server.SandboxServer` through its
``fault_source`` hook, after any faults queued explicitly, so one request draws at most one
fault. The sandbox records which fault it served, which is what the reconciliation reads.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from shoprelay_tools.sandboxes.server import Fault, SandboxServer


@dataclass(frozen=True)
class FaultRates:
    """Chance per vendor request of each fault; the rest are answered by the sandbox."""

    unavailable: float = 0.05
    """503 Service Unavailable (retryable)."""
    throttled: float = 0.03
    """429 Too Many Requests with ``Retry-After`` (retryable, after the vendor's delay)."""
    timeout: float = 0.02
    """The sandbox hangs past the client's read timeout (retryable)."""
    reset: float = 0.02
    """The connection is reset before an answer (retryable)."""
    bad_request: float = 0.01
    """400 Bad Request (permanent: dead-lettered at once)."""
    retry_after_seconds: int = 1
    hang_seconds: float = 2.5
    """How long a timeout fault hangs; longer than the vendor settings' ``timeout_seconds``."""

    @property
    def total(self) -> float:
        return self.unavailable + self.throttled + self.timeout + self.reset + self.bad_request

    @property
    def retryable(self) -> float:
        return self.unavailable + self.throttled + self.timeout + self.reset

    def describe(self) -> str:
        def pct(value: float) -> str:
            return f"{value * 100:g} %"

        return (
            f"503 {pct(self.unavailable)}, 429 with Retry-After: {self.retry_after_seconds} {pct(self.throttled)}, "
            f"timeout (hang {self.hang_seconds:g} s) {pct(self.timeout)}, connection reset {pct(self.reset)}, "
            f"400 {pct(self.bad_request)}: {pct(self.total)} of vendor requests in all"
        )

    def exhaustion_chance(self, max_receive_count: int) -> float:
        """Chance that a one-request record meets a retryable fault on every attempt."""
        return float(self.retryable**max_receive_count)


class RandomFaults:
    """``vendor → Fault | None`` drawn at :class:`FaultRates`; switch off with ``enabled``."""

    def __init__(self, rates: FaultRates, seed: int) -> None:
        self.rates = rates
        self.enabled = True
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._table: list[tuple[float, Fault]] = []
        edge = 0.0
        for rate, fault in (
            (rates.unavailable, Fault(status=503)),
            (rates.throttled, Fault(status=429, retry_after=str(rates.retry_after_seconds))),
            (rates.timeout, Fault(kind="timeout", delay_seconds=rates.hang_seconds)),
            (rates.reset, Fault(kind="reset")),
            (rates.bad_request, Fault(status=400)),
        ):
            edge += rate
            self._table.append((edge, fault))

    def __call__(self, vendor: str) -> Fault | None:
        if not self.enabled:
            return None
        with self._lock:
            draw = self._random.random()
        return next((fault for edge, fault in self._table if draw < edge), None)

    def attach(self, server: SandboxServer) -> RandomFaults:
        server.fault_source = self
        return self

    @staticmethod
    def detach(server: SandboxServer) -> None:
        server.fault_source = None
