"""The soak: post a plan's webhooks concurrently over HTTP, crash the vendor functions midway,
wait until everything settles, and gather the evidence :mod:`.reconcile` judges.
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
import requests

from shoprelay.sources.shopify import WebhookMeta, parse_webhook, sign
from shoprelay.vendors import load_vendor
from shoprelay.vendors.base import TranslationError, translate_for_shop
from shoprelay_tools.local.runner import LocalStack
from shoprelay_tools.local.samples import SAMPLES
from shoprelay_tools.prove.fleet import CrashReport, Fleet, Recorder
from shoprelay_tools.prove.reconcile import (
    FINAL,
    Accepted,
    Call,
    DeadLetter,
    Hit,
    Outcome,
    Rejected,
    Repost,
    SoakEvidence,
)
from shoprelay_tools.prove.workload import Plan, Webhook
from shoprelay_tools.stack.dlq import read_all

POST_ATTEMPTS = 4
"""Shopify retries a delivery answered 5xx; so does the soak, with the same webhook id."""


@dataclass(frozen=True)
class Answer:
    status: int | None
    answer_status: str | None
    answer_id: str | None
    vendors: tuple[str, ...]
    at: float
    attempts: int
    detail: str = ""


@dataclass
class Posted:
    webhook: Webhook
    answers: list[Answer] = field(default_factory=list)


def signed_headers(webhook: Webhook, secret: str | None = None) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": webhook.topic,
        "X-Shopify-Shop-Domain": webhook.shop.domain,
        "X-Shopify-Webhook-Id": webhook.webhook_id,
        "X-Shopify-Api-Version": "2026-04",
        "X-Shopify-Hmac-Sha256": sign(secret or webhook.shop.secret, webhook.body),
    }


class Poster:
    """Posts webhooks to the gateway, one keep-alive session per thread."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        self.url = url
        self.timeout = timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self.server_errors = 0
        """5xx answers (and broken connections) that were retried."""

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def post(self, webhook: Webhook) -> Answer:
        headers = signed_headers(webhook)
        detail = ""
        status: int | None = None
        for attempt in range(1, POST_ATTEMPTS + 1):
            try:
                response = self._session().post(self.url, data=webhook.body, headers=headers, timeout=self.timeout)
            except requests.RequestException as error:
                status, detail = None, type(error).__name__
            else:
                status = response.status_code
                if status < 500:
                    try:
                        payload: Any = response.json()
                    except ValueError:
                        payload = {}
                    payload = payload if isinstance(payload, dict) else {}
                    return Answer(
                        status=status,
                        answer_status=payload.get("status"),
                        answer_id=payload.get("id"),
                        vendors=tuple(payload.get("vendors") or ()),
                        at=time.time(),
                        attempts=attempt,
                        detail="" if status in (200, 202) else response.text[:200],
                    )
                detail = response.text[:200]
            with self._lock:
                self.server_errors += 1
            time.sleep(0.5 * attempt)
        return Answer(status, None, None, (), time.time(), POST_ATTEMPTS, detail)


def repeatable_requests(
    settings: Iterable[Mapping[str, Mapping[str, Any]]],
) -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str, str]]]:
    """(vendor, effect) and (vendor, method, path) of the requests the vendors declare repeatable.

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
    effects: set[tuple[str, str]] = set()
    repeatable: set[tuple[str, str, str]] = set()
    other: set[tuple[str, str, str]] = set()
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
                    key = (vendor, request.method, urlsplit(request.url).path)
                    if request.repeatable:
                        effects.add((vendor, request.effect))
                        repeatable.add(key)
                    else:
                        other.add(key)
    return frozenset(effects), frozenset(repeatable - other)


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
    server_errors: int
    answers: Counter[str]


class Soak:
    def __init__(
        self,
        stack: LocalStack,
        fleet: Fleet,
        recorder: Recorder,
        plan: Plan,
        *,
        expected_vendors: Mapping[str, tuple[str, ...]],
        repeatable: tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str, str]]],
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
        self.expected_vendors = expected_vendors
        self.repeatable = repeatable
        self.out = out
        self.posters = posters
        self.restart_at = restart_at
        self.restart_pause = restart_pause
        self.settle_timeout = settle_timeout
        self.progress_every = progress_every
        self.poster = Poster(stack.webhook_url())
        self._lock = threading.Lock()
        self._posted: list[Posted] = []
        self._late: list[Posted] = []
        self._count = 0
        self._total = len(plan.webhooks)
        self._crash: CrashReport | None = None
        self._restart_requested = threading.Event()

    # -- posting -------------------------------------------------------------------------------------

    def _post_chain(self, chain: list[Webhook]) -> None:
        for webhook in chain:
            posted = Posted(webhook)
            if webhook.duplicate == "racing":
                second: list[Answer] = []
                racer = threading.Thread(target=self._post_into, args=(webhook, second))
                racer.start()
                posted.answers.append(self.poster.post(webhook))
                racer.join()
                posted.answers.extend(second)
            else:
                posted.answers.append(self.poster.post(webhook))
                if webhook.duplicate == "after":
                    posted.answers.append(self.poster.post(webhook))
            with self._lock:
                self._posted.append(posted)
                if webhook.duplicate == "late":
                    self._late.append(posted)
                self._count += 1
                if self.restart_at is not None and self._count >= self.restart_at * self._total:
                    self._restart_requested.set()

    def _post_into(self, webhook: Webhook, answers: list[Answer]) -> None:
        answers.append(self.poster.post(webhook))

    def _post_late(self, posted: Posted) -> None:
        posted.answers.append(self.poster.post(posted.webhook))

    def _restart(self) -> None:
        self._restart_requested.wait()
        self._crash = self.fleet.crash_and_restart(pause_seconds=self.restart_pause)
        crash = self._crash
        print(
            f"  restart: crashed the vendor functions with {crash.in_flight_invocations} invocation(s) and "
            f"{crash.in_flight_records} record(s) in flight; new pollers (functions re-imported) after "
            f"{crash.restarted_at - crash.at:.1f} s",
            file=self.out,
            flush=True,
        )

    # -- progress and settling --------------------------------------------------------------------------

    def expected_pairs(self) -> set[tuple[str, str]]:
        with self._lock:
            posted = list(self._posted)
        pairs: set[tuple[str, str]] = set()
        for item in posted:
            accepted = next((a for a in item.answers if a.status == 202 and a.answer_id), None)
            if accepted is not None:
                pairs.update((vendor, str(accepted.answer_id)) for vendor in accepted.vendors)
        return pairs

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
                f"{done}/{len(expected)} vendor deliveries final",
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

    def run(self) -> SoakRun:
        started = time.time()
        stop_progress = threading.Event()
        progress = threading.Thread(target=self._progress, args=(started, stop_progress), daemon=True)
        progress.start()
        restarter = None
        if self.restart_at is not None:
            restarter = threading.Thread(target=self._restart, name="prove-restart", daemon=True)
            restarter.start()
        with ThreadPoolExecutor(self.posters, thread_name_prefix="prove-post") as pool:
            for future in [pool.submit(self._post_chain, chain) for chain in self.plan.chains]:
                future.result()
            for future in [pool.submit(self._post_late, posted) for posted in self._late]:
                future.result()
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
        answers: Counter[str] = Counter()
        for item in self._posted:
            for answer in item.answers:
                answers[f"{answer.status} {answer.answer_status or ''}".strip()] += 1
        return SoakRun(
            evidence=evidence,
            posted=list(self._posted),
            crash=self._crash,
            started=started,
            posting_done=posting_done,
            settled=settled,
            settled_ok=settled_ok,
            last_final=max(finals, default=settled),
            server_errors=self.poster.server_errors,
            answers=answers,
        )

    def evidence(self) -> SoakEvidence:
        accepted: list[Accepted] = []
        reposts: list[Repost] = []
        rejected: list[Rejected] = []
        for item in self._posted:
            webhook = item.webhook
            first = next((a for a in item.answers if a.status == 202), None)
            if first is None:
                last = item.answers[0] if item.answers else None
                rejected.append(
                    Rejected(webhook.webhook_id, last.status if last else None, last.detail if last else "no answer")
                )
            else:
                accepted.append(
                    Accepted(
                        webhook_id=webhook.webhook_id,
                        event_id=str(first.answer_id),
                        shop=webhook.shop.domain,
                        topic=webhook.topic,
                        subject=webhook.subject,
                        vendors=first.vendors,
                        expected_vendors=self.expected_vendors[webhook.shop.domain],
                        accepted_at=first.at,
                    )
                )
            reposts.extend(
                Repost(
                    webhook_id=webhook.webhook_id,
                    mode=webhook.duplicate or "?",
                    status=answer.status,
                    answer_status=answer.answer_status,
                    answer_id=answer.answer_id,
                    original_event_id=first.answer_id if first else None,
                )
                for answer in item.answers
                if answer is not first
            )
        outcomes, calls = self.recorder.snapshot()
        policies = [a.get("RedrivePolicy", "{}") for a in self.stack.source_queue_attributes().values()]
        max_receive = min(int(json.loads(p).get("maxReceiveCount", 0)) for p in policies) if policies else 0
        return SoakEvidence(
            accepted=accepted,
            reposts=reposts,
            rejected=rejected,
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
            calls=[Call(c.vendor, c.event_id, c.effect, c.part, c.verdict) for c in calls],
            hits=[
                Hit(d.vendor, d.event_id, d.method, d.url, d.body, d.status, d.fault)
                for d in self.stack.sandboxes.recorded()
            ],
            dead_letters=read_dead_letters(self.stack),
            max_receive_count=max_receive,
            repeatable_effects=self.repeatable[0],
            repeatable_paths=self.repeatable[1],
        )
