"""The soak: deliver a plan's webhooks concurrently over HTTP the way Shopify does (retrying
every answer that is not a 2xx), crash the vendor functions midway, wait until everything
settles, and gather the evidence :mod:`.reconcile` judges.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import urlsplit

import msgspec

from shoprelay.sources.shopify import TOPIC_KINDS, WebhookMeta, parse_webhook
from shoprelay.vendors import load_vendor
from shoprelay.vendors.base import TranslationError, VendorRequest, translate_for_shop
from shoprelay_tools.local.runner import LocalStack
from shoprelay_tools.local.samples import SAMPLES
from shoprelay_tools.prove.eventbridge import BridgedSender
from shoprelay_tools.prove.fleet import CrashReport, Fleet, LoggedCall, Recorder
from shoprelay_tools.prove.reconcile import (
    FINAL,
    Attempt,
    Call,
    DeadLetter,
    Delivery,
    Hit,
    Outcome,
    RequestKinds,
    Sent,
    SoakEvidence,
    routed_vendors,
)
from shoprelay_tools.prove.shopify import ShopifySender
from shoprelay_tools.prove.workload import Plan, Webhook
from shoprelay_tools.stack.dlq import dead_letter_write, read_all


@dataclass
class Posted:
    """A webhook of the plan and every delivery Shopify made of it (the original, re-posts)."""

    webhook: Webhook
    deliveries: list[Delivery] = field(default_factory=list)

    def event_id(self) -> str | None:
        """The event id of its first 2xx answer, once it has one."""
        return next(
            (a.answer_id for d in self.deliveries for a in d.attempts if a.ok and a.answer_id),
            None,
        )


def request_kinds(settings: Iterable[Mapping[str, Mapping[str, Any]]]) -> RequestKinds:
    """The requests the vendors declare safe to send again, by effect and by sandbox path.

    Found by translating the bundled samples with each shop's settings: the vendor modules,
    not this tool, say which requests are harmless to send again.
    """
    received = datetime.now(UTC)
    events = []
    remembered = None
    for index, sample in enumerate(SAMPLES):
        meta = WebhookMeta(shop="probe.myshopify.com", topic=sample.topic, webhook_id=f"probe-{index}")
        event = parse_webhook(meta, sample.body(), received)
        if event.order is not None:
            remembered = event.order
        if event.refund is not None and remembered is not None:
            event = msgspec.structs.replace(event, order=remembered, order_remembered=True)
        events.append(msgspec.structs.replace(event, test=False))
    effects: dict[str, set[tuple[str, str]]] = {"repeatable": set(), "deduplicated": set()}
    paths: dict[str, set[tuple[str, str, str]]] = {"repeatable": set(), "deduplicated": set(), "other": set()}
    for shop_settings in settings:
        for vendor, values in shop_settings.items():
            module = load_vendor(vendor)
            model = module.settings_model.parse({**values, "enabled": True, "send_test_orders": True})
            for event in events:
                try:
                    translation = translate_for_shop(module, event, model)
                except TranslationError:
                    continue
                for request in translation.requests:
                    kind = _kind(request)
                    paths[kind].add((vendor, request.method, urlsplit(request.url).path))
                    if kind != "other":
                        effects[kind].add((vendor, request.effect))
    return RequestKinds(
        repeatable_effects=frozenset(effects["repeatable"]),
        repeatable_paths=frozenset(paths["repeatable"] - paths["other"]),
        deduplicated_effects=frozenset(effects["deduplicated"]),
        deduplicated_paths=frozenset(paths["deduplicated"] - paths["other"]),
    )


def _kind(request: VendorRequest) -> str:
    if request.repeatable:
        return "repeatable"
    return "deduplicated" if request.vendor_ignores_repeats else "other"


def read_dead_letters(stack: LocalStack) -> list[DeadLetter]:
    """Every message in every DLQ, left in place.

    Read with :func:`shoprelay_tools.stack.dlq.read_all`.
    """
    sqs = stack.clients["sqs"]
    vendor_of = {
        spec.environment["DEAD_LETTER_QUEUE_URL"]: spec.environment.get("VENDOR")
        for spec in stack.stack.functions.values()
        if "DEAD_LETTER_QUEUE_URL" in spec.environment
    }
    letters: list[DeadLetter] = []
    for url in stack.stack.dead_letter_queues().values():
        for message in read_all(sqs, url):
            attributes = {k: v.get("StringValue") for k, v in message.get("MessageAttributes", {}).items()}
            try:
                body_id = json.loads(message["Body"]).get("id")
            except (ValueError, AttributeError):
                body_id = None
            letters.append(
                DeadLetter(
                    vendor=attributes.get("vendor") or vendor_of.get(url),
                    event_id=attributes.get("event_id") or body_id,
                    reason=attributes.get("reason"),
                    status=attributes.get("status"),
                    vendor_error=attributes.get("vendor_error"),
                    write=dead_letter_write(attributes, message["MessageId"]),
                )
            )
    return letters


@dataclass
class SoakRun:
    evidence: SoakEvidence
    posted: list[Posted]
    crash: CrashReport | None
    started: float
    posting_done: float
    settled: float
    settled_ok: bool
    last_final: float
    retried: int
    """Attempts Shopify retried (no 2xx within its timeout)."""
    answers: Counter[str]


def answer_label(attempt: Attempt) -> str:
    if attempt.status is None:
        return "no answer in 5 s"
    return f"{attempt.status} {attempt.answer_status or ''}".strip()


class Soak:
    def __init__(
        self,
        stack: LocalStack,
        fleet: Fleet,
        recorder: Recorder,
        plan: Plan,
        *,
        sender: ShopifySender | BridgedSender,
        expected_vendors: Mapping[str, tuple[str, ...]],
        kinds: RequestKinds,
        out: TextIO,
        posters: int = 8,
        restart_at: float | None = 0.5,
        restart_pause: float = 1.0,
        settle_timeout: float = 300.0,
        progress_every: float = 15.0,
    ) -> None:
        self.stack = stack
        self.fleet = fleet
        self.recorder = recorder
        self.plan = plan
        self.sender = sender
        self.expected_vendors = expected_vendors
        self.kinds = kinds
        self.out = out
        self.posters = posters
        self.restart_at = restart_at
        self.restart_pause = restart_pause
        self.settle_timeout = settle_timeout
        self.progress_every = progress_every
        self._lock = threading.Lock()
        self._posted: list[Posted] = []
        self._late: list[Posted] = []
        self._count = 0
        self._total = len(plan.webhooks)
        self._crash: CrashReport | None = None
        self._restart_requested = threading.Event()

    # -- posting -------------------------------------------------------------------------------------

    def _deliver(self, webhook: Webhook) -> list[Delivery]:
        """The original delivery, and a re-post right after or at the same moment."""
        if webhook.duplicate != "racing":
            first = self.sender.deliver(webhook)
            return [first, self.sender.deliver(webhook, "after")] if webhook.duplicate == "after" else [first]
        second: list[Delivery] = []
        racer = threading.Thread(target=lambda: second.append(self.sender.deliver(webhook, "racing")))
        racer.start()
        first = self.sender.deliver(webhook)
        racer.join()
        return [first, *second]

    def _post_chain(self, chain: list[Webhook]) -> None:
        for webhook in chain:
            posted = Posted(webhook, self._deliver(webhook))
            with self._lock:
                self._posted.append(posted)
                if webhook.duplicate == "late":
                    self._late.append(posted)
                self._count += 1
                if self.restart_at is not None and self._count >= self.restart_at * self._total:
                    self._restart_requested.set()

    def _post_late(self, posted: Posted) -> None:
        delivery = self.sender.deliver(posted.webhook, "late")
        with self._lock:
            posted.deliveries.append(delivery)

    def _restart(self) -> None:
        self._restart_requested.wait()
        self._crash = self.fleet.crash_and_restart(pause_seconds=self.restart_pause)
        crash = self._crash
        print(
            f"  restart: crashed the vendor functions with {crash.in_flight_invocations} invocation(s) and "
            f"{crash.in_flight_records} record(s) in flight; new pollers (fresh processes) after "
            f"{crash.restarted_at - crash.at:.1f} s",
            file=self.out,
            flush=True,
        )

    # -- progress and settling --------------------------------------------------------------------------

    def expected_pairs(self) -> set[tuple[str, str]]:
        """(vendor, event) for every webhook answered 2xx so far, at each of its shop's vendors."""
        with self._lock:
            posted = [(item.webhook, item.event_id()) for item in self._posted]
        return {
            (vendor, event_id)
            for webhook, event_id in posted
            if event_id is not None
            for vendor in self.vendors_for(webhook)
        }

    def vendors_for(self, webhook: Webhook) -> tuple[str, ...]:
        """The shop's vendors whose translator takes the webhook's kind of event: where it must go."""
        return routed_vendors(TOPIC_KINDS[webhook.topic], self.expected_vendors[webhook.shop.domain])

    def final_pairs(self) -> set[tuple[str, str]]:
        outcomes, _calls = self.recorder.snapshot()
        return {
            (o.vendor, o.event_id)
            for o in outcomes
            if o.event_id and o.outcome in FINAL and (o.invocation is None or o.invocation.acknowledged)
        }

    def queued(self) -> int:
        sqs = self.stack.clients["sqs"]
        total = 0
        for poller in self.fleet.pollers:
            attributes = sqs.get_queue_attributes(
                QueueUrl=poller.source.queue_url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            total += int(attributes.get("ApproximateNumberOfMessages", 0))
            total += int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0))
        return total

    def _progress(self, started: float, stop: threading.Event) -> None:
        while not stop.wait(self.progress_every):
            expected = self.expected_pairs()
            done = len(expected & self.final_pairs())
            with self._lock:
                count = self._count
            elapsed = time.time() - started
            print(
                f"  {elapsed:5.0f} s: posted {count}/{self._total} webhooks ({count / elapsed:.1f}/s), "
                f"{done}/{len(expected)} vendor deliveries final, {len(self.fleet.killed())} vendor "
                "invocation(s) killed at their timeout",
                file=self.out,
                flush=True,
            )

    def _settle(self, deadline: float) -> bool:
        quiet = 0
        while time.time() < deadline:
            pending = self.expected_pairs() - self.final_pairs()
            queued = self.queued()
            if not pending and not queued:
                return True
            # Nothing queued yet something pending: lost, or moved to a DLQ without an outcome.
            quiet = quiet + 1 if not queued else 0
            if quiet >= 5:
                return False
            time.sleep(1.0)
        return False

    # -- the run ------------------------------------------------------------------------------------------

    def _post_all(self) -> None:
        with ThreadPoolExecutor(self.posters, thread_name_prefix="prove-post") as pool:
            for future in [pool.submit(self._post_chain, chain) for chain in self.plan.chains]:
                future.result()
            for future in [pool.submit(self._post_late, posted) for posted in self._late]:
                future.result()

    def run(self) -> SoakRun:
        started = time.time()
        stop_progress = threading.Event()
        progress = threading.Thread(target=self._progress, args=(started, stop_progress), daemon=True)
        progress.start()
        restarter = None
        if self.restart_at is not None:
            restarter = threading.Thread(target=self._restart, name="prove-restart", daemon=True)
            restarter.start()
        self._post_all()
        posting_done = time.time()
        if restarter is not None:
            self._restart_requested.set()
            restarter.join()
        settled_ok = self._settle(time.time() + self.settle_timeout)
        settled = time.time()
        stop_progress.set()
        progress.join()
        evidence = self.evidence()
        finals = [o.at for o in evidence.outcomes if o.outcome in FINAL and o.acknowledged]
        answers = Counter(answer_label(a) for item in self._posted for d in item.deliveries for a in d.attempts)
        return SoakRun(
            evidence=evidence,
            posted=list(self._posted),
            crash=self._crash,
            started=started,
            posting_done=posting_done,
            settled=settled,
            settled_ok=settled_ok,
            last_final=max(finals, default=settled),
            retried=self.sender.retried,
            answers=answers,
        )

    def _sent(self, item: Posted) -> Sent:
        webhook = item.webhook
        return Sent(
            webhook_id=webhook.webhook_id,
            shop=webhook.shop.domain,
            topic=webhook.topic,
            subject=webhook.subject,
            expected_vendors=self.vendors_for(webhook),
            deliveries=tuple(item.deliveries),
            lines=webhook.lines,
            size=len(webhook.body),
        )

    def evidence(self) -> SoakEvidence:
        outcomes, calls = self.recorder.snapshot()
        ended = {(id(o.invocation), o.vendor, o.event_id) for o in outcomes if o.invocation is not None}
        policies = [a.get("RedrivePolicy", "{}") for a in self.stack.source_queue_attributes().values()]
        max_receive = min(int(json.loads(p).get("maxReceiveCount", 0)) for p in policies) if policies else 0
        return SoakEvidence(
            sent=[self._sent(item) for item in self._posted],
            outcomes=[
                Outcome(
                    vendor=o.vendor,
                    event_id=o.event_id,
                    outcome=o.outcome,
                    reason=o.reason,
                    at=o.at,
                    acknowledged=o.invocation is None or o.invocation.acknowledged,
                )
                for o in outcomes
            ],
            calls=[Call(c.vendor, c.event_id, c.effect, c.part, c.verdict, _interrupted(c, ended)) for c in calls],
            hits=[
                Hit(d.vendor, d.event_id, d.method, d.url, d.body, d.status, d.fault)
                for d in self.stack.sandboxes.recorded()
            ],
            dead_letters=read_dead_letters(self.stack),
            max_receive_count=max_receive,
            kinds=self.kinds,
        )


def _interrupted(call: LoggedCall, ended: set[tuple[int, str, str | None]]) -> bool:
    """Whether the invocation that made ``call`` died before logging its record's outcome.

    The outcome is logged after the effect's record is completed, so a call without one from
    its own invocation left its effect claimed but never marked delivered.
    """
    invocation = call.invocation
    return (
        invocation is not None
        and not invocation.acknowledged
        and (id(invocation), call.vendor, call.event_id) not in ended
    )
