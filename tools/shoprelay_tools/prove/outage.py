"""``shoprelay prove --outage``: one vendor down for minutes while a shop's webhooks arrive.

The vendor's sandbox answers every request 503 for :data:`OUTAGE_SECONDS`, from the first
webhook on, with no other fault anywhere. Time is compressed the way the soak compresses it:
every retry wait and the retry window shrink by the run's ``retry_time_scale`` (1/60: the
template's 6 h window is 6 min, and the outage stands for 3 h of one), through the same code
a deployment runs. The outage is longer than the 150 s a record used to be retried for, and
shorter than the window. The invariant: the outage dead-letters nothing, and once the vendor
is back, every event reaches it, once; the soak's own checks hold as well.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from dataclasses import dataclass, replace
from typing import Any, TextIO

from shoprelay.delivery.backoff import RETRY_HOURS
from shoprelay_tools.prove.burst import NO_FAULTS, _soak
from shoprelay_tools.prove.emulator import hardened_moto
from shoprelay_tools.prove.outcome import ProveConfig, prepared
from shoprelay_tools.prove.reconcile import Check, SoakResult, reconcile
from shoprelay_tools.prove.run import started_rig
from shoprelay_tools.prove.soak import SoakRun
from shoprelay_tools.sandboxes.server import Fault

OUTAGE_VENDOR = "tracify"
OUTAGE_SECONDS = 180.0
OUTAGE_WEBHOOKS = 200
QUICK_OUTAGE_WEBHOOKS = 60


def outage_config(*, quick: bool = False, **given: Any) -> ProveConfig:
    """What ``--outage`` runs: one shop, every vendor, no random faults, no crash."""
    base = ProveConfig(
        webhooks=QUICK_OUTAGE_WEBHOOKS if quick else OUTAGE_WEBHOOKS,
        bad=0,
        concurrency=5,
        posters=4,
        restart_at=None,
        duplicate_rate=0.0,
        rates=NO_FAULTS,
        own_rates=None,
        progress_every=15.0,
        settle_timeout=OUTAGE_SECONDS + 240.0,
    )
    return replace(base, **given)


class Outage:
    """The sandboxes' fault source: ``vendor`` answers 503 from :meth:`start` for ``seconds``."""

    def __init__(self, vendor: str, seconds: float) -> None:
        self.vendor = vendor
        self.seconds = seconds
        self.started: float | None = None
        self.refused = 0

    def start(self) -> None:
        self.started = time.time()

    @property
    def ended(self) -> float:
        return (self.started or time.time()) + self.seconds

    def __call__(self, vendor: str) -> Fault | None:
        if vendor != self.vendor or self.started is None or time.time() >= self.ended:
            return None
        self.refused += 1
        return Fault(status=503)


@dataclass
class OutageFigures:
    outage: Outage
    window_seconds: float
    result: SoakResult
    run: SoakRun

    def checks(self) -> list[Check]:
        vendor = self.outage.vendor
        letters = [
            f"{letter.event_id}: {letter.reason}"
            for letter in self.run.evidence.dead_letters
            if letter.vendor == vendor
        ]
        counts = self.result.vendors.get(vendor)
        accepted = counts.accepted if counts else 0
        delivered = counts.delivered + counts.skipped if counts else 0
        late = [o for o in self.run.evidence.outcomes if o.vendor == vendor and o.at >= self.outage.ended]
        problems = []
        if self.outage.refused == 0:
            problems.append("the outage refused no request: it did not happen while records were sent")
        if accepted and not late:
            problems.append("no record reached the vendor after the outage: nothing waited it out")
        return [
            Check(f"the {self.outage.seconds:.0f} s {vendor} outage dead-lettered nothing", letters),
            Check(
                f"every event accepted for {vendor} reached it once it was back ({delivered} of {accepted})",
                [] if delivered == accepted else [f"{accepted - delivered} event(s) without a final delivery"],
            ),
            Check("the outage refused requests, and records waited it out", problems),
        ]

    @property
    def ok(self) -> bool:
        return self.result.ok and all(check.ok for check in self.checks())


def measure_outage(config: ProveConfig, out: TextIO, vendor: str = OUTAGE_VENDOR) -> OutageFigures:
    outage = Outage(vendor, OUTAGE_SECONDS)
    assert config.log_file is not None
    with (
        hardened_moto(),
        config.log_file.with_name("local.log").open("a", encoding="utf-8") as stray,
        contextlib.redirect_stdout(stray),
        contextlib.redirect_stderr(stray),
        warnings.catch_warnings(),
        started_rig(config, int(config.seed or 0)) as rig,
    ):
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        rig.stack.sandboxes.fault_source = outage
        soak, _ = _soak(rig, config, out, quiet=False, label="outage")
        window = RETRY_HOURS * 3600 * config.retry_time_scale
        print(
            f"outage: {vendor} answers 503 for {OUTAGE_SECONDS:.0f} s from the first webhook; retry window "
            f"{window:.0f} s ({RETRY_HOURS} h at a time scale of {config.retry_time_scale:.4g})",
            file=out,
            flush=True,
        )
        outage.start()
        run = soak.run()
        return OutageFigures(outage=outage, window_seconds=window, result=reconcile(run.evidence), run=run)


def render(figures: OutageFigures) -> str:
    vendor = figures.outage.vendor
    counts = figures.result.vendors.get(vendor)
    lines = [
        f"outage: {vendor} refused {figures.outage.refused} requests in {figures.outage.seconds:.0f} s "
        f"(a record used to be dead-lettered after 150 s; the retry window is {figures.window_seconds:.0f} s)",
    ]
    if counts is not None:
        lines.append(
            f"  {vendor}: {counts.accepted} accepted, {counts.delivered} delivered, {counts.skipped} skipped, "
            f"{counts.dead_lettered} dead-lettered"
        )
    for check in [*figures.result.checks, *figures.checks()]:
        lines.extend(check.lines())
    lines.append(f"outage: {'every invariant held' if figures.ok else 'AN INVARIANT BROKE'}")
    return "\n".join(lines)


def run_outage(config: ProveConfig, out: TextIO) -> int:
    """Run the outage and print its checks to ``out``; 0 when every invariant held."""
    config = prepared(config, "outage")
    figures = measure_outage(config, out)
    print(render(figures), file=out, flush=True)
    print(f"seed {config.seed}; the functions' log: {config.log_file}", file=out, flush=True)
    return 0 if figures.ok else 1
