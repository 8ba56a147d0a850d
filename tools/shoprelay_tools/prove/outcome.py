"""What a prove run is configured with and what it found: plain data, read by :mod:`.run`
(which fills it) and :mod:`.report` (which prints it)."""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from shoprelay_tools.prove.bad_input import ClassResult
from shoprelay_tools.prove.faults import FaultRates
from shoprelay_tools.prove.fleet import CrashReport, IngressStats, Invocation
from shoprelay_tools.prove.own_faults import OwnFaultRates
from shoprelay_tools.prove.reconcile import Check, SoakResult
from shoprelay_tools.prove.soak import SoakRun
from shoprelay_tools.prove.workload import Plan


@dataclass(frozen=True)
class ProveConfig:
    webhooks: int = 2000
    bad: int = 1000
    seed: int | None = None
    concurrency: int = 10
    """Concurrent invocations per vendor queue (the template's MaximumConcurrency is 5)."""
    posters: int = 8
    """Client threads delivering webhook chains, as Shopify would."""
    retry_base_seconds: int = 1
    retry_time_scale: float = 1 / 60
    """Every retry wait and the retry window shrink by this: the template's 6 h window is 6 min."""
    vendor_timeout_seconds: float = 2.0
    visibility_timeout: int | None = None
    """Source queues' VisibilityTimeout for the run: when crashed and killed batches return.
    None: the vendor functions' timeout, the least AWS accepts (the template sets six times it)."""
    shopify_retry_window: float = 60.0
    """Seconds Shopify's 8 retries of a failed delivery are spread over (Shopify: 4 hours)."""
    restart_at: float | None = 0.5
    """Crash the vendor functions when this share of the webhooks has been posted (None: never)."""
    restart_pause: float = 1.0
    settle_timeout: float = 300.0
    duplicate_rate: float = 0.05
    rates: FaultRates = field(default_factory=FaultRates)
    own_rates: OwnFaultRates | None = field(default_factory=OwnFaultRates)
    """Faults on our own side (None: the functions reach the emulator directly)."""
    progress_every: float = 15.0
    log_file: Path | None = None
    root: Path | None = None


def prepared(config: ProveConfig, run_name: str) -> ProveConfig:
    """``config`` with its seed drawn and its functions' log placed, when not given, so that a
    failing run can be read afterwards and repeated with ``--seed``."""
    seed = config.seed if config.seed is not None else random.SystemRandom().randrange(1, 1_000_000)
    log_file = config.log_file or Path(tempfile.mkdtemp(prefix=f"shoprelay-{run_name}-")) / "functions.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    return replace(config, seed=seed, log_file=log_file)


QUICK_WEBHOOKS = 300
QUICK_BAD = 200
QUICK_CONCURRENCY = 5
QUICK_RESTART_AT = 0.3
QUICK_VISIBILITY_TIMEOUT = 30
"""``--quick``: a CI-sized run with the same phases, faults and checks. The crash comes
earlier, and failed batches come back after 30 s rather than the vendor functions' timeout
(less than AWS accepts: a batch held by an invocation that runs longer, such as the one
killed at its timeout, is handed out again meanwhile), so that the run ends within minutes."""


def quick_config() -> ProveConfig:
    """What ``shoprelay prove --quick`` runs (and the end-to-end test with it)."""
    return ProveConfig(webhooks=QUICK_WEBHOOKS, bad=QUICK_BAD, concurrency=QUICK_CONCURRENCY, progress_every=10.0)


@dataclass
class RestartResult:
    crash: CrashReport | None
    records: int = 0
    did_work: int = 0
    """Crashed records whose outcome had been logged (the work was done; the answer was lost)."""
    final_after: int = 0
    lost: list[str] = field(default_factory=list)

    @property
    def check(self) -> Check:
        name = "records in flight at the crash all reached a final state after the restart"
        if self.crash is None:
            return Check(name + " (no restart in this run)", [])
        return Check(name, self.lost)


@dataclass
class OwnSideResult:
    """What the faults on our side did, as the proxy and the process harness saw it."""

    hits: dict[str, int]
    calls: dict[str, list[float]]
    """Seconds each AWS call through the proxy took, by service (answered calls only)."""
    ingress: IngressStats
    killed_vendor: list[Invocation]
    """Vendor-function invocations killed at their timeout."""


@dataclass
class BadInputResult:
    classes: dict[str, ClassResult]
    tapped: int
    new_outcomes: int
    new_requests: int
    queued: int
    flood_sent: int = 0
    flood_ssm_calls: int | None = None
    """SSM calls while requests named made-up shops (None: the run had no proxy to count them)."""

    @property
    def checks(self) -> list[Check]:
        answers = [
            f"{kind}: {a.request.variant}: HTTP {a.status} {a.detail[:120]}"
            for kind, result in self.classes.items()
            for a in result.server_errors + result.undocumented
        ]
        published = []
        if self.tapped:
            published.append(f"the topic published {self.tapped} message(s) during the bad-input phase")
        if self.new_outcomes or self.new_requests or self.queued:
            published.append(
                f"{self.new_outcomes} new delivery outcome(s), {self.new_requests} new vendor request(s), "
                f"{self.queued} queued message(s)"
            )
        flood = []
        if self.flood_ssm_calls is not None and self.flood_ssm_calls > FLOOD_SSM_CALLS:
            flood.append(f"{self.flood_ssm_calls} SSM calls for {self.flood_sent} requests naming unknown shops")
        return [
            Check("every bad request was answered 4xx or the 200 'ignored' no-op, as README documents", answers),
            Check("no bad request was published or reached a vendor", published),
            Check(f"unknown shops cost at most {FLOOD_SSM_CALLS} SSM calls in all", flood),
        ]


FLOOD_SSM_CALLS = 5
"""A handful: a request naming an unregistered shop is refused before any SSM read."""


@dataclass
class ProveOutcome:
    config: ProveConfig
    seed: int
    plan: Plan
    soak: SoakRun
    result: SoakResult
    restart: RestartResult
    own: OwnSideResult
    bad: BadInputResult
    parameters: dict[str, Any]
    started: float
    finished: float

    @property
    def checks(self) -> list[Check]:
        return [*self.result.checks, self.restart.check, *self.bad.checks]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)
