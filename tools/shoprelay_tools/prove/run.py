"""``shoprelay prove`` end to end: start the local stack with its functions in processes and
the AWS fault proxy in front of the emulator, soak it with faults on both sides and a crash,
throw bad input at it, reconcile, print the summary. :func:`run_prove` returns the exit code.
"""

from __future__ import annotations

import contextlib
import json
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from shoprelay_tools.demo import seed_shop
from shoprelay_tools.local.runner import LocalStack, validate_settings
from shoprelay_tools.prove.bad_input import (
    ECHO,
    ECHO_CLASS,
    ECHO_VENDOR,
    FLOOD,
    TWIN,
    BadAnswer,
    BadInputBuilder,
    ClassResult,
    echo_findings,
    send,
    send_all,
)
from shoprelay_tools.prove.emulator import hardened_moto
from shoprelay_tools.prove.eventbridge import FUNCTION as BRIDGE_FUNCTION
from shoprelay_tools.prove.eventbridge import PARAMETERS as BRIDGE_PARAMETERS
from shoprelay_tools.prove.eventbridge import SHARE as BRIDGE_SHARE
from shoprelay_tools.prove.eventbridge import BridgedSender
from shoprelay_tools.prove.faults import RandomFaults
from shoprelay_tools.prove.fleet import Fleet, IngressStats, LogSink, Recorder
from shoprelay_tools.prove.outcome import (
    BadInputResult,
    OwnSideResult,
    ProveConfig,
    ProveOutcome,
    RestartResult,
    prepared,
)
from shoprelay_tools.prove.own_faults import InjectedRules, inject
from shoprelay_tools.prove.reconcile import FINAL, reconcile
from shoprelay_tools.prove.report import header, render
from shoprelay_tools.prove.shopify import RetrySchedule, ShopifySender
from shoprelay_tools.prove.soak import Soak, SoakRun, request_kinds
from shoprelay_tools.prove.workload import PROVE_SHOPS, WorkloadBuilder
from shoprelay_tools.stack.aws_faults import AwsFaultProxy
from shoprelay_tools.stack.dlq import message_attributes
from shoprelay_tools.stack.lambda_runtime import FakeContext
from shoprelay_tools.stack.template import find_root


@dataclass
class Rig:
    """What a run starts around the local stack, and stops again."""

    stack: LocalStack
    proxy: AwsFaultProxy | None
    sink: LogSink
    recorder: Recorder
    faults: RandomFaults
    fleet: Fleet


def seed_prove_shops(
    stack: LocalStack, config: ProveConfig
) -> tuple[dict[str, dict[str, Any]], dict[str, tuple[str, ...]]]:
    """Every prove shop's settings written to the stack; the vendor settings they start from,
    and each shop's enabled vendors."""
    demo = {v: {**s, "timeout_seconds": config.vendor_timeout_seconds} for v, s in stack.vendor_settings.items()}
    expected: dict[str, tuple[str, ...]] = {}
    for shop in PROVE_SHOPS:
        settings = shop.settings(demo)
        validate_settings(settings)
        seed_shop(
            stack.clients["ssm"],
            stack.ssm_prefix,
            shop.domain,
            shop.secret,
            settings,
            dynamodb=stack.clients["dynamodb"],
            table=stack.stack.tables["StateTable"],
        )
        expected[shop.domain] = shop.enabled_vendors(demo)
    # The bad-input phase's "shared secret" class: a registered shop with the first shop's secret.
    seed_shop(
        stack.clients["ssm"],
        stack.ssm_prefix,
        TWIN,
        PROVE_SHOPS[0].secret,
        {},
        dynamodb=stack.clients["dynamodb"],
        table=stack.stack.tables["StateTable"],
    )
    return demo, expected


def _restart_result(stack: LocalStack, run: SoakRun) -> RestartResult:
    crash = run.crash
    result = RestartResult(crash)
    if crash is None:
        return result
    vendor_of = {lid: spec.environment.get("VENDOR", lid) for lid, spec in stack.stack.functions.items()}
    pairs = {(vendor_of[i.function], event_id) for i in crash.crashed for event_id in i.event_ids}
    finals = [o for o in run.evidence.outcomes if o.outcome in FINAL and o.event_id]
    acknowledged = {(o.vendor, str(o.event_id)) for o in finals if o.acknowledged}
    worked = {(o.vendor, str(o.event_id)) for o in finals if not o.acknowledged}
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


def _bad_input(rig: Rig, soak: Soak, config: ProveConfig, seed: int) -> BadInputResult:
    stack = rig.stack
    max_body = int(stack.stack.parameters.get("MaxBodyBytes", 2 * 1024 * 1024))
    tap = _tap(stack)
    outcomes_before = len(rig.recorder.snapshot()[0])
    requests_before = len(stack.sandboxes.recorded())
    builder = BadInputBuilder(seed, PROVE_SHOPS, max_body)
    bad = builder.build(config.bad)
    flood = [r for r in bad if r.kind == FLOOD] + builder.flood(FLOOD_EXTRA)
    classes = send_all([r for r in bad if r.kind != FLOOD], stack.webhook_url())
    ssm_before = len(rig.proxy.calls_to("ssm")) if rig.proxy else 0
    classes.update(send_all(flood, stack.webhook_url()))
    flood_ssm_calls = len(rig.proxy.calls_to("ssm")) - ssm_before if rig.proxy else None
    window = max((p.source.batching_window_seconds for p in soak.fleet.pollers), default=0)
    time.sleep(window + 2.0)
    attributes = stack.clients["sqs"].get_queue_attributes(
        QueueUrl=tap, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    result = BadInputResult(
        classes=classes,
        tapped=sum(int(v) for v in attributes.values()),
        new_outcomes=len(rig.recorder.snapshot()[0]) - outcomes_before,
        new_requests=len(stack.sandboxes.recorded()) - requests_before,
        queued=soak.queued(),
        flood_sent=len(flood),
        flood_ssm_calls=flood_ssm_calls,
    )
    # After the counts above: this one is relayed on purpose, to a vendor that echoes it.
    classes[ECHO_CLASS] = _echoing_vendor(rig, builder, config)
    return result


FLOOD_EXTRA = 200
"""Unknown-shop requests sent on top of the flood class's share of ``--bad``."""
ECHO_WAIT_SECONDS = 60.0


def _echoing_vendor(rig: Rig, builder: BadInputBuilder, config: ProveConfig) -> ClassResult:
    """A vendor answers 400 quoting an e-mail, phone, IP, key and card: none may reach a log line
    or a DLQ attribute (every DLQ message of the run is scanned, not only this one)."""
    from shoprelay_tools.sandboxes.server import Fault

    stack = rig.stack
    stack.sandboxes.add_faults(ECHO_VENDOR, Fault(status=400, error=ECHO), times=1)
    request = builder.echoing_vendor()
    answer = send(request, stack.webhook_url())
    result = ClassResult(ECHO_CLASS, sent=1)
    result.answers[answer.status] += 1
    dead = _dead_letter_attributes(stack)
    deadline = time.monotonic() + ECHO_WAIT_SECONDS
    while answer.status == 202 and not any(a.get("status") == "400" for a in dead) and time.monotonic() < deadline:
        time.sleep(1.0)
        dead = _dead_letter_attributes(stack)
    time.sleep(2.0)  # the invocation's lines reach the log once it has ended
    lines = config.log_file.read_text(encoding="utf-8", errors="replace").splitlines() if config.log_file else []
    problems = echo_findings(lines, dead)
    if not any(a.get("status") == "400" for a in dead):
        problems.append(f"no {ECHO_VENDOR} dead letter with status 400 within {ECHO_WAIT_SECONDS:.0f} s")
    if answer.status != 202:
        result.server_errors.append(answer)
    result.undocumented += [BadAnswer(request, answer.status, answer.answer_status, p) for p in problems]
    return result


def _dead_letter_attributes(stack: LocalStack) -> list[dict[str, str]]:
    found = []
    sqs = stack.clients["sqs"]
    for url in stack.stack.dead_letter_queues().values():
        for _ in range(5):
            answer = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, MessageAttributeNames=["All"]
            )
            messages = answer.get("Messages", [])
            found += [message_attributes(m) for m in messages]
            if len(messages) < 10:
                break
    return found


def _parameters(rig: Rig, config: ProveConfig, expected: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    stack = rig.stack
    policies = [json.loads(a.get("RedrivePolicy", "{}")) for a in stack.source_queue_attributes().values()]
    timeouts = {spec.logical_id: spec.timeout for spec in stack.stack.functions.values()}
    return {
        "seed": config.seed,
        "log_file": str(config.log_file),
        "max_receive_count": min((int(p.get("maxReceiveCount", 0)) for p in policies), default=0),
        "max_body_bytes": int(stack.stack.parameters.get("MaxBodyBytes", 0)),
        "template_max_concurrency": sorted(
            {int(value) for name, value in stack.stack.parameters.items() if str(name).endswith("MaxConcurrency")}
        ),
        "ingress_timeout": max((timeouts[i] for i in rig.fleet.ingress), default=0),
        "vendor_timeout": max((t for lid, t in timeouts.items() if lid not in rig.fleet.ingress), default=0),
        "aws": "through the fault proxy" if rig.proxy else "the emulator directly",
        "startup_seconds": stack.startup_seconds,
        "shops": {domain: list(vendors) for domain, vendors in expected.items()},
    }


def _call_seconds(proxy: AwsFaultProxy | None) -> dict[str, list[float]]:
    seconds: dict[str, list[float]] = {}
    for call in proxy.calls if proxy else []:
        if call.finished is not None and call.status is not None:
            seconds.setdefault(call.service, []).append(call.finished - call.started)
    return dict(sorted(seconds.items()))


def _ingress_stats(fleet: Fleet) -> IngressStats:
    stats = IngressStats()
    for ingress in fleet.ingress.values():
        stats.invocations += ingress.stats.invocations
        stats.killed += ingress.stats.killed
        stats.errors += ingress.stats.errors
        stats.durations += ingress.stats.durations
    return stats


@contextmanager
def started_rig(config: ProveConfig, seed: int) -> Iterator[Rig]:
    """The stack started, the proxy in front of its emulator, the functions in processes."""
    assert config.log_file is not None
    stack = LocalStack(
        config.root or find_root(),
        port=0,
        extra_env={
            "RETRY_BASE_SECONDS": str(config.retry_base_seconds),
            "RETRY_TIME_SCALE": str(config.retry_time_scale),
        },
        parameters=BRIDGE_PARAMETERS,
    )
    stack.start()
    proxy = AwsFaultProxy(stack.aws_endpoint, seed=seed).start() if config.own_rates else None
    sink = LogSink(config.log_file)
    recorder = Recorder()
    rig = Rig(
        stack=stack,
        proxy=proxy,
        sink=sink,
        recorder=recorder,
        faults=RandomFaults(config.rates, seed).attach(stack.sandboxes),
        fleet=Fleet(
            stack,
            recorder,
            concurrency=config.concurrency,
            ingress_environments=config.posters + 2,
            sink=sink,
            aws_endpoint=proxy.url if proxy else None,
        ),
    )
    try:
        yield rig
    finally:
        RandomFaults.detach(stack.sandboxes)
        rig.fleet.close()
        if proxy is not None:
            proxy.stop()
        sink.close()
        stack.stop()


def _soak(rig: Rig, config: ProveConfig, out: TextIO) -> tuple[Soak, SoakRun, InjectedRules, dict[str, Any]]:
    stack = rig.stack
    demo, expected = seed_prove_shops(stack, config)
    template_visibility = max(int(a.get("VisibilityTimeout", 0)) for a in stack.source_queue_attributes().values())
    visibility = config.visibility_timeout or max(p.spec.timeout for p in stack.pollers)
    for poller in stack.pollers:
        stack.clients["sqs"].set_queue_attributes(
            QueueUrl=poller.source.queue_url, Attributes={"VisibilityTimeout": str(visibility)}
        )
    rig.fleet.take_over()
    parameters = {
        **_parameters(rig, config, expected),
        "visibility_timeout": visibility,
        "template_visibility_timeout": template_visibility,
    }
    max_body = parameters["max_body_bytes"] or 2 * 1024 * 1024
    plan = WorkloadBuilder(int(config.seed or 0), duplicate_rate=config.duplicate_rate, max_body_bytes=max_body).plan(
        config.webhooks
    )
    parameters["plan"] = plan
    print(header(config, plan, parameters), file=out, flush=True)
    injected = InjectedRules({})
    if rig.proxy is not None and config.own_rates is not None:
        injected = inject(rig.proxy, config.own_rates, int(config.seed or 0), config.webhooks)
    soak = Soak(
        stack,
        rig.fleet,
        rig.recorder,
        plan,
        sender=BridgedSender(
            ShopifySender(stack.webhook_url(), RetrySchedule(config.shopify_retry_window)),
            lambda envelope: stack.handlers[BRIDGE_FUNCTION](envelope, FakeContext(function_name=BRIDGE_FUNCTION)),
        ),
        expected_vendors=expected,
        kinds=request_kinds([shop.settings(demo) for shop in PROVE_SHOPS]),
        out=out,
        posters=config.posters,
        restart_at=config.restart_at,
        restart_pause=config.restart_pause,
        settle_timeout=config.settle_timeout,
        progress_every=config.progress_every,
    )
    print(f"soak: posting, about {BRIDGE_SHARE:.0%} of the webhooks through EventBridge", file=out, flush=True)
    return soak, soak.run(), injected, parameters


def run_prove(config: ProveConfig, out: TextIO) -> int:
    """Run every phase, print the report to ``out``; 0 when every invariant held."""
    config = prepared(config, "prove")
    seed, log_file = config.seed, config.log_file
    assert seed is not None  # drawn by prepared()
    assert log_file is not None
    started = time.time()
    with (
        hardened_moto(),
        log_file.with_name("local.log").open("a", encoding="utf-8") as stray,
        contextlib.redirect_stdout(stray),
        contextlib.redirect_stderr(stray),
        warnings.catch_warnings(),
        started_rig(config, seed) as rig,
    ):
        # The local HTTP servers' complaints about connections the faults reset, and whatever
        # else this process prints, go to local.log beside the functions' log.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        soak, run, injected, parameters = _soak(rig, config, out)
        if rig.proxy is not None:
            rig.proxy.clear()
        result = reconcile(run.evidence)
        restart = _restart_result(rig.stack, run)
        own = OwnSideResult(injected.hits(), _call_seconds(rig.proxy), _ingress_stats(rig.fleet), rig.fleet.killed())
        print(f"bad input: sending {config.bad} requests", file=out, flush=True)
        rig.faults.enabled = False
        bad = _bad_input(rig, soak, config, seed)
    outcome = ProveOutcome(
        config=config,
        seed=seed,
        plan=parameters.pop("plan"),
        soak=run,
        result=result,
        restart=restart,
        own=own,
        bad=bad,
        parameters=parameters,
        started=started,
        finished=time.time(),
    )
    print(render(outcome), file=out, flush=True)
    return 0 if outcome.ok else 1
