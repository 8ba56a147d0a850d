"""``shoprelay prove --burst``: a flash sale at one shop, posted as fast as the local stack takes it.

The soak's machinery (the stack, the functions in processes, Shopify's sender, the settling
and the reconciliation) runs a plan of one shop's webhooks with no faults and no crash, from
many client threads at once, while a second, quiet shop posts one webhook for every
:data:`QUIET_EVERY` of the sale's, spread through it. What it reports is how the relay copes
with the backlog: the ingress's answer times as the sender sees them, how long each vendor's
queue takes to drain, and the time from a webhook's 2xx to each vendor's delivery, for each
shop side by side, with every invariant of the soak still checked. It also reads the
functions' log back and reports the bytes logged per webhook and per vendor message, which
the cost model prices.

The quiet shop's figure is what fairness is about. On AWS the queues are fair queues (the
ingress publishes with the shop as message group), so the quiet shop's messages are handed
to the functions ahead of the sale's backlog. The local emulator keeps one first-in, first-out
order for all of a queue's messages, so locally the quiet shop waits behind the sale as it
would without fair queues: the local figure is the case fair queues exist for, not their effect.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from shoprelay_tools.prove.emulator import hardened_moto
from shoprelay_tools.prove.faults import FaultRates
from shoprelay_tools.prove.outcome import ProveConfig, prepared
from shoprelay_tools.prove.reconcile import Attempt, Ledger, SoakEvidence, SoakResult, percentile, reconcile
from shoprelay_tools.prove.run import seed_prove_shops, started_rig
from shoprelay_tools.prove.shopify import RetrySchedule, ShopifySender
from shoprelay_tools.prove.soak import Soak, SoakRun, request_kinds
from shoprelay_tools.prove.workload import PROVE_SHOPS, Plan, Webhook, WorkloadBuilder

BURST_WEBHOOKS = 2000
QUICK_BURST_WEBHOOKS = 150
BURST_POSTERS = 8
NO_FAULTS = FaultRates(unavailable=0.0, throttled=0.0, timeout=0.0, reset=0.0, bad_request=0.0)
SHOP = PROVE_SHOPS[0]
"""The shop of the sale: every vendor enabled."""
QUIET = PROVE_SHOPS[1]
"""The shop going about its usual business during the sale."""
QUIET_EVERY = 20


def burst_config(*, quick: bool = False, **given: Any) -> ProveConfig:
    """What ``--burst`` runs: one shop's webhooks from 8 threads, no faults, no crash, the
    template's concurrency of 5 per vendor queue."""
    base = ProveConfig(
        webhooks=QUICK_BURST_WEBHOOKS if quick else BURST_WEBHOOKS,
        bad=0,
        concurrency=5,
        posters=BURST_POSTERS,
        restart_at=None,
        duplicate_rate=0.0,
        rates=NO_FAULTS,
        own_rates=None,
        progress_every=10.0,
    )
    return replace(base, **given)


class TimedSender(ShopifySender):
    """Shopify's sender, keeping how long each attempt took to be answered."""

    def __init__(self, url: str, schedule: RetrySchedule) -> None:
        super().__init__(url, schedule)
        self.seconds: list[float] = []

    def attempt(self, webhook: Webhook) -> Attempt:
        started = time.time()
        result = super().attempt(webhook)
        with self._lock:
            self.seconds.append(result.at - started)
        return result


class DepthSampler:
    """Each vendor queue's depth (visible and in flight), sampled twice a second."""

    def __init__(self, soak: Soak) -> None:
        self.soak = soak
        self.peaks: dict[str, int] = defaultdict(int)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="burst-depth", daemon=True)

    def __enter__(self) -> DepthSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        sqs = self.soak.stack.clients["sqs"]
        names = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        while not self._stop.wait(0.5):
            for poller in self.soak.fleet.pollers:
                vendor = poller.spec.environment.get("VENDOR", poller.spec.logical_id)
                attributes = sqs.get_queue_attributes(QueueUrl=poller.source.queue_url, AttributeNames=list(names))
                depth = sum(int(attributes["Attributes"].get(name, 0)) for name in names)
                self.peaks[vendor] = max(self.peaks[vendor], depth)


@dataclass
class BurstFigures:
    webhooks: int
    posting_seconds: float
    ingress_seconds: list[float]
    drain_seconds: dict[str, float]
    peak_depth: dict[str, int]
    result: SoakResult
    logged: dict[str, dict[str, float]] = field(default_factory=dict)
    per_shop: dict[str, list[float]] = field(default_factory=dict)
    """Accept -> delivered seconds of each shop's (event, vendor) pairs."""

    def summary(self) -> dict[str, Any]:
        """The figures as plain data (what the report prints, for a JSON file or a test)."""
        return {
            "webhooks": self.webhooks,
            "posted_per_second": self.webhooks / self.posting_seconds if self.posting_seconds else None,
            "ingress_p50_s": percentile(self.ingress_seconds, 0.5),
            "ingress_p99_s": percentile(self.ingress_seconds, 0.99),
            "drain_seconds": self.drain_seconds,
            "peak_depth": dict(self.peak_depth),
            "accept_to_delivered_p50_s": percentile(self.result.latency_delivered, 0.5),
            "accept_to_delivered_p99_s": percentile(self.result.latency_delivered, 0.99),
            "delivered": len(self.result.latency_delivered),
            "per_shop": {
                shop: {
                    "accept_to_delivered_p50_s": percentile(seconds, 0.5),
                    "accept_to_delivered_p99_s": percentile(seconds, 0.99),
                    "delivered": len(seconds),
                }
                for shop, seconds in self.per_shop.items()
            },
            "invariants_held": self.result.ok,
            "logged": self.logged,
        }


def _drain_seconds(run: SoakRun) -> dict[str, float]:
    """From the first post to each vendor's last final outcome."""
    last: dict[str, float] = {}
    for outcome in run.evidence.outcomes:
        if outcome.vendor and outcome.acknowledged:
            last[outcome.vendor] = max(last.get(outcome.vendor, 0.0), outcome.at)
    return {vendor: at - run.started for vendor, at in sorted(last.items())}


def _message_kind(line: dict[str, Any]) -> str:
    if "_aws" in line:
        return "metrics"
    return str(line.get("message") or "other")


def logged_bytes(path: Path) -> dict[str, dict[str, float]]:
    """Lines and bytes of each kind in the functions' log: count, and bytes per line."""
    kinds: dict[str, list[int]] = defaultdict(list)
    with path.open(encoding="utf-8") as lines:
        for raw in lines:
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if isinstance(line, dict):
                kinds[_message_kind(line)].append(len(raw.encode("utf-8")))
    return {kind: {"lines": len(sizes), "bytes_per_line": sum(sizes) / len(sizes)} for kind, sizes in kinds.items()}


def per_shop_latency(evidence: SoakEvidence) -> dict[str, list[float]]:
    """Accept -> first delivery of each (vendor, event) pair, by the event's shop."""
    ledger = Ledger(evidence)
    seconds: dict[str, list[float]] = defaultdict(list)
    for pair, verdict in ledger.verdicts.items():
        if verdict.first_delivered is not None:
            accepted = ledger.expected[pair]
            seconds[accepted.shop].append(verdict.first_delivered - accepted.accepted_at)
    return dict(seconds)


def interleaved(loud: Plan, quiet: Plan) -> Plan:
    """The sale's chains with the quiet shop's spread evenly among them, in posting order."""
    chains: list[list[Webhook]] = []
    step = max(1, len(loud.chains) // max(1, len(quiet.chains)))
    waiting = list(quiet.chains)
    for index, chain in enumerate(loud.chains):
        chains.append(chain)
        if waiting and index % step == step // 2:
            chains.append(waiting.pop(0))
    return Plan(chains=chains + waiting, seed=loud.seed)


def _soak(
    rig: Any, config: ProveConfig, out: TextIO, *, quiet: bool = True, label: str = "burst"
) -> tuple[Soak, TimedSender]:
    """The sale's soak, with the quiet shop's webhooks among it unless ``quiet`` is off."""
    stack = rig.stack
    demo, expected = seed_prove_shops(stack, config)
    visibility = config.visibility_timeout or max(p.spec.timeout for p in stack.pollers)
    for poller in stack.pollers:
        stack.clients["sqs"].set_queue_attributes(
            QueueUrl=poller.source.queue_url, Attributes={"VisibilityTimeout": str(visibility)}
        )
    rig.fleet.take_over()
    max_body = int(stack.stack.parameters.get("MaxBodyBytes", 2 * 1024 * 1024))
    seed = int(config.seed or 0)
    plan = WorkloadBuilder(seed, shops=(SHOP,), duplicate_rate=0.0, max_body_bytes=max_body).plan(config.webhooks)
    shops = (SHOP, QUIET) if quiet else (SHOP,)
    if quiet:
        calm = WorkloadBuilder(seed + 1, shops=(QUIET,), duplicate_rate=0.0, max_body_bytes=max_body)
        plan = interleaved(plan, calm.plan(max(5, config.webhooks // QUIET_EVERY)))
    sender = TimedSender(stack.webhook_url(), RetrySchedule(config.shopify_retry_window))
    soak = Soak(
        stack,
        rig.fleet,
        rig.recorder,
        plan,
        sender=sender,
        expected_vendors={shop.domain: expected[shop.domain] for shop in shops},
        kinds=request_kinds([shop.settings(demo) for shop in shops]),
        out=out,
        posters=config.posters,
        restart_at=None,
        settle_timeout=config.settle_timeout,
        progress_every=config.progress_every,
    )
    also = f", and {len(plan.webhooks) - config.webhooks} for {QUIET.domain} among them" if quiet else ""
    print(
        f"{label}: {config.webhooks} webhooks for {SHOP.domain} ({', '.join(expected[SHOP.domain])}){also}, from "
        f"{config.posters} threads; {config.concurrency} invocations per vendor queue; no faults",
        file=out,
        flush=True,
    )
    return soak, sender


def measure_burst(config: ProveConfig, out: TextIO) -> BurstFigures:
    """Run the burst and gather its figures (the caller prints or checks them)."""
    with (
        hardened_moto(),
        config.log_file.with_name("local.log").open("a", encoding="utf-8") as stray,  # type: ignore[union-attr]
        contextlib.redirect_stdout(stray),
        contextlib.redirect_stderr(stray),
        warnings.catch_warnings(),
        started_rig(config, int(config.seed or 0)) as rig,
    ):
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        soak, sender = _soak(rig, config, out)
        with DepthSampler(soak) as depths:
            run = soak.run()
        figures = BurstFigures(
            webhooks=config.webhooks,
            posting_seconds=run.posting_done - run.started,
            ingress_seconds=sender.seconds,
            drain_seconds=_drain_seconds(run),
            peak_depth=dict(depths.peaks),
            result=reconcile(run.evidence),
            per_shop=per_shop_latency(run.evidence),
        )
    figures.logged = logged_bytes(config.log_file)  # type: ignore[arg-type]
    return figures


def seconds_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def render(figures: BurstFigures) -> str:
    summary = figures.summary()

    seconds = seconds_text

    lines = [
        f"burst: {summary['webhooks']} webhooks posted in {figures.posting_seconds:.1f} s "
        f"({summary['posted_per_second']:.1f}/s)",
        f"  ingress answer  p50 {seconds(summary['ingress_p50_s'])}, p99 {seconds(summary['ingress_p99_s'])} "
        f"(n={len(figures.ingress_seconds)}, as the sender saw it)",
        f"  accept -> delivered  p50 {seconds(summary['accept_to_delivered_p50_s'])}, "
        f"p99 {seconds(summary['accept_to_delivered_p99_s'])} (n={summary['delivered']})",
    ]
    for shop, times in sorted(figures.per_shop.items(), key=lambda item: -len(item[1])):
        role = "the sale" if shop == SHOP.domain else "a quiet shop meanwhile"
        lines.append(
            f"  {shop} ({role}): accept -> delivered p50 {seconds_text(percentile(times, 0.5))}, "
            f"p99 {seconds_text(percentile(times, 0.99))} (n={len(times)})"
        )
    for vendor, drained in figures.drain_seconds.items():
        peak = figures.peak_depth.get(vendor, 0)
        lines.append(f"  {vendor:<10} queue drained {drained:6.1f} s after the first post (peak depth {peak})")
    for kind, counted in sorted(figures.logged.items()):
        lines.append(f"  log: {kind:<18} {counted['lines']:6.0f} lines, {counted['bytes_per_line']:.0f} bytes each")
    for check in figures.result.checks:
        lines.extend(check.lines())
    lines.append(f"burst: {'every invariant held' if figures.result.ok else 'AN INVARIANT BROKE'}")
    return "\n".join(lines)


def run_burst(config: ProveConfig, out: TextIO) -> int:
    """Run the burst and print its figures to ``out``; 0 when every invariant held."""
    config = prepared(config, "burst")
    figures = measure_burst(config, out)
    print(render(figures), file=out, flush=True)
    print(f"seed {config.seed}; the functions' log: {config.log_file}", file=out, flush=True)
    return 0 if figures.result.ok else 1
