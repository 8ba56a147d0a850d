"""``shoprelay prove`` end to end: start the local stack, soak it with faults and a crash,
throw bad input at it, reconcile, print the summary. :func:`run_prove` returns the exit code.
"""

from __future__ import annotations

import contextlib
import json
import random
import tempfile
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from shoprelay_tools.demo import seed_shop
from shoprelay_tools.local.runner import LocalStack, validate_settings
from shoprelay_tools.stack.template import find_root
from shoprelay_tools.prove.bad_input import BadInputBuilder, ClassResult, send_all
from shoprelay_tools.prove.emulator import hardened_moto
from shoprelay_tools.prove.faults import FaultRates, RandomFaults
from shoprelay_tools.prove.fleet import CrashReport, Fleet, Recorder, service_logger
from shoprelay_tools.prove.reconcile import FINAL, Check, SoakResult, reconcile
from shoprelay_tools.prove.report import header, render
from shoprelay_tools.prove.soak import Soak, SoakRun, repeatable_requests
from shoprelay_tools.prove.workload import PROVE_SHOPS, Plan, WorkloadBuilder


@dataclass(frozen=True)
class ProveConfig:
    webhooks: int = 5000
    bad: int = 1000
    seed: int | None = None
    concurrency: int = 10
    """Concurrent invocations per vendor queue (the template's MaximumConcurrency is 5)."""
    posters: int = 8
    """Client threads posting webhook chains."""
    retry_base_seconds: int = 1
    vendor_timeout_seconds: float = 2.0
    visibility_timeout: int = 60
    """Source queues' VisibilityTimeout for the run (template: 360): when crashed batches return."""
    restart_at: float | None = 0.5
    """Crash the vendor functions when this share of the webhooks has been posted (None: never)."""
    restart_pause: float = 1.0
    settle_timeout: float = 300.0
    duplicate_rate: float = 0.05
    rates: FaultRates = field(default_factory=FaultRates)
    progress_every: float = 15.0
    log_file: Path | None = None
    root: Path | None = None


QUICK_WEBHOOKS = 300
QUICK_BAD = 200
QUICK_VISIBILITY_TIMEOUT = 20
"""``--quick``: a CI-sized run with the same phases and checks (crashed batches return sooner)."""


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
class BadInputResult:
    classes: dict[str, ClassResult]
    tapped: int
    new_outcomes: int
    new_requests: int
    queued: int

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
        return [
            Check("every bad request was answered 4xx or the 200 'ignored' no-op, as README documents", answers),
            Check("no bad request was published or reached a vendor", published),
        ]


@dataclass
class ProveOutcome:
    config: ProveConfig
    seed: int
    plan: Plan
    soak: SoakRun
    result: SoakResult
    restart: RestartResult
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


def _seed_shops(stack: LocalStack, config: ProveConfig) -> tuple[dict[str, dict[str, Any]], dict[str, tuple[str, ...]]]:
    demo = {v: {**s, "timeout_seconds": config.vendor_timeout_seconds} for v, s in stack.vendor_settings.items()}
    expected: dict[str, tuple[str, ...]] = {}
    for shop in PROVE_SHOPS:
        settings = shop.settings(demo)
        validate_settings(settings)
        seed_shop(stack.clients["ssm"], stack.ssm_prefix, shop.domain, shop.secret, settings)
        expected[shop.domain] = shop.enabled_vendors(demo)
    return demo, expected


def _restart_result(stack: LocalStack, run: SoakRun) -> RestartResult:
    crash = run.crash
    result = RestartResult(crash)
    if crash is None:
        return result
    vendor_of = {lid: spec.environment.get("VENDOR", lid) for lid, spec in stack.stack.functions.items()}
    pairs = {(vendor_of[i.function], event_id) for i in crash.crashed for event_id in i.event_ids}
    acknowledged = {
        (o.vendor, o.event_id) for o in run.evidence.outcomes if o.outcome in FINAL and o.acknowledged and o.event_id
    }
    worked = {
        (o.vendor, o.event_id)
        for o in run.evidence.outcomes
        if o.outcome in FINAL and not o.acknowledged and o.event_id
    }
    result.records = len(pairs)
    result.did_work = len(pairs & worked)
    result.final_after = len(pairs & acknowledged)
    result.lost = [
        f"{vendor} {event_id}: no final state after the restart" for vendor, event_id in sorted(pairs - acknowledged)
    ]
    return result


def _tap(stack: LocalStack) -> str:
    """An extra raw subscription on the topic: whatever the ingress publishes lands here too."""
    sqs, sns = stack.clients["sqs"], stack.clients["sns"]
    url = sqs.create_queue(QueueName="prove-publish-tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for topic in stack.stack.topics.values():
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return str(url)


def _bad_input(stack: LocalStack, soak: Soak, recorder: Recorder, config: ProveConfig, seed: int) -> BadInputResult:
    max_body = int(stack.stack.parameters.get("MaxBodyBytes", 2 * 1024 * 1024))
    tap = _tap(stack)
    outcomes_before = len(recorder.snapshot()[0])
    requests_before = len(stack.sandboxes.recorded())
    bad = BadInputBuilder(seed, PROVE_SHOPS, max_body).build(config.bad)
    classes = send_all(bad, stack.webhook_url())
    window = max((p.source.batching_window_seconds for p in soak.fleet.pollers), default=0)
    time.sleep(window + 2.0)
    attributes = stack.clients["sqs"].get_queue_attributes(
        QueueUrl=tap, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    tapped = sum(int(v) for v in attributes.values())
    return BadInputResult(
        classes=classes,
        tapped=tapped,
        new_outcomes=len(recorder.snapshot()[0]) - outcomes_before,
        new_requests=len(stack.sandboxes.recorded()) - requests_before,
        queued=soak.queued(),
    )


def run_prove(config: ProveConfig, out: TextIO) -> int:
    """Run every phase, print the report to ``out``; 0 when every invariant held."""
    seed = config.seed if config.seed is not None else random.SystemRandom().randrange(1, 1_000_000)
    config = replace(config, seed=seed)
    root = config.root or find_root()
    log_file = config.log_file or Path(tempfile.mkdtemp(prefix="shoprelay-prove-")) / "functions.log"
    started = time.time()
    plan = WorkloadBuilder(seed, duplicate_rate=config.duplicate_rate).plan(config.webhooks)
    stack = LocalStack(
        root, port=0, extra_env={"RETRY_BASE_SECONDS": str(config.retry_base_seconds)}, log_file=log_file
    )
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with (
        hardened_moto(),
        log_file.open("a", encoding="utf-8") as stray,
        contextlib.redirect_stdout(stray),
        contextlib.redirect_stderr(stray),
        warnings.catch_warnings(),
    ):
        # The EMF metric lines Powertools prints, its warnings about empty metrics, and the
        # local HTTP servers' complaints about connections the faults reset go to the log file.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        stack.start()
        recorder = Recorder().attach(service_logger())
        faults = RandomFaults(config.rates, seed).attach(stack.sandboxes)
        fleet = Fleet(stack, recorder, concurrency=config.concurrency)
        try:
            demo, expected = _seed_shops(stack, config)
            sqs = stack.clients["sqs"]
            for poller in stack.pollers:
                sqs.set_queue_attributes(
                    QueueUrl=poller.source.queue_url, Attributes={"VisibilityTimeout": str(config.visibility_timeout)}
                )
            fleet.take_over()
            policies = [json.loads(a.get("RedrivePolicy", "{}")) for a in stack.source_queue_attributes().values()]
            parameters = {
                "seed": seed,
                "log_file": str(log_file),
                "max_receive_count": min((int(p.get("maxReceiveCount", 0)) for p in policies), default=0),
                "max_body_bytes": int(stack.stack.parameters.get("MaxBodyBytes", 0)),
                "template_max_concurrency": sorted(
                    {
                        int(stack.stack.parameters[name])
                        for name in stack.stack.parameters
                        if str(name).endswith("MaxConcurrency")
                    }
                ),
                "startup_seconds": stack.startup_seconds,
                "shops": {domain: list(vendors) for domain, vendors in expected.items()},
            }
            print(header(config, plan, parameters), file=out, flush=True)
            soak = Soak(
                stack,
                fleet,
                recorder,
                plan,
                expected_vendors=expected,
                repeatable=repeatable_requests([shop.settings(demo) for shop in PROVE_SHOPS]),
                out=out,
                posters=config.posters,
                restart_at=config.restart_at,
                restart_pause=config.restart_pause,
                settle_timeout=config.settle_timeout,
                progress_every=config.progress_every,
            )
            print("soak: posting", file=out, flush=True)
            run = soak.run()
            result = reconcile(run.evidence)
            restart = _restart_result(stack, run)
            print(f"bad input: sending {config.bad} requests", file=out, flush=True)
            faults.enabled = False
            bad = _bad_input(stack, soak, recorder, config, seed)
        finally:
            RandomFaults.detach(stack.sandboxes)
            fleet.close()
            recorder.detach()
            stack.stop()
    outcome = ProveOutcome(
        config=config,
        seed=seed,
        plan=plan,
        soak=run,
        result=result,
        restart=restart,
        bad=bad,
        parameters=parameters,
        started=started,
        finished=time.time(),
    )
    print(render(outcome), file=out, flush=True)
    return 0 if outcome.ok else 1
