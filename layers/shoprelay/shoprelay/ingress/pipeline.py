"""From a webhook to its published canonical events, or a clear refusal.

Every answer a client can cause is a 2xx or 4xx; only our own dependencies failing (SSM,
DynamoDB, SNS, S3) produce a 503, which makes Shopify retry later instead of losing the order.
Sources differ only up to their signature check (:mod:`shoprelay.ingress.sources`); from the
parsed body on, every source and channel takes the same path through :meth:`IngressPipeline.accept`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shoprelay.aws import SYNCHRONOUS_ATTEMPTS, budget
from shoprelay.config.shops import ShopConfig
from shoprelay.ingress.http import RequestError, answer, read_request
from shoprelay.ingress.message import fits_inline
from shoprelay.ingress.sources import Acknowledged, Front, Inbound, front_for
from shoprelay.sources.errors import PayloadError, UnsupportedTopicError
from shoprelay.sources.memory_rules import MEMORY_CHECKED_KINDS, check_against_memory
from shoprelay.state import StateTable
from shoprelay.state.table import ClaimOutcome
from shoprelay.vendors.routes import SKIPPED_KINDS

if TYPE_CHECKING:
    from mypy_boto3_sns.client import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

    from shoprelay.canonical import CanonicalEvent
    from shoprelay.state.payloads import PayloadStore
_ORDER_KINDS = frozenset({"order_placed", "order_paid", "order_fulfilled", "order_cancelled", "order_updated"})
"""Kinds whose body is a whole order, worth remembering for the refunds that follow."""
_REFUND_KIND = "order_refunded"
_MARK_DONE_PAUSES = (0.0, 0.05, 0.2, 0.5)
"""Pauses before each try at marking a published delivery done (the first try is at once)."""
_ONE_TABLE_CALL_SECONDS = budget("dynamodb", SYNCHRONOUS_ATTEMPTS).worst_case_seconds()


@dataclass(frozen=True)
class Outcome:
    """What happened to one webhook: the HTTP answer and what to log and count."""

    status: int
    payload: dict[str, Any]
    metric: str
    reason: str | None = None
    event: CanonicalEvent | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    also_count: tuple[str, ...] = ()
    """Further metrics to count, for what went wrong behind a successful answer."""

    def response(self) -> dict[str, Any]:
        response = answer(self.status, self.payload)
        response["headers"].update(self.headers)
        return response


@dataclass(frozen=True)
class Route:
    """Where one event goes: the shop's vendors that can use its kind, and why the others cannot.

    A vendor whose translator skips every event of a kind (Corvidae has no way to record a
    refund, say) is left out here, with its reason in the answer, instead of being sent a
    message only to skip it: no queue message, invocation or log line is paid for it.
    """

    vendors: list[str]
    skipped: dict[str, str]

    @classmethod
    def of(cls, event: CanonicalEvent, enabled: list[str]) -> Route:
        skipped = {
            vendor: reason for vendor in enabled if (reason := SKIPPED_KINDS.get(vendor, {}).get(event.kind.value))
        }
        return cls([vendor for vendor in enabled if vendor not in skipped], skipped)


@dataclass(frozen=True)
class Deadline:
    """When the invocation is killed, on the monotonic clock."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())


def _busy(canonical: CanonicalEvent, reason: str, metric: str, retry_after: float) -> Outcome:
    """A 503 that asks Shopify to come back once the in-flight attempt has finished or died."""
    return Outcome(
        503,
        {"error": "temporarily unavailable, retry later", "id": canonical.id},
        metric,
        reason,
        canonical,
        headers={"Retry-After": str(max(1, math.ceil(retry_after)))},
    )


def _combined(outcomes: list[Outcome]) -> Outcome:
    """One answer for the events of one webhook.

    A 503 wins, so the sender retries and the events not yet published get their turn (those
    published are duplicates then); otherwise the webhook is accepted when any event was
    published and a duplicate when none was new.
    """
    if len(outcomes) == 1:
        return outcomes[0]
    for outcome in outcomes:
        if outcome.status >= 500:
            return outcome
    published = [outcome for outcome in outcomes if outcome.status == 202]
    if not published:
        return outcomes[0]
    first = published[0]
    ids = [
        {"id": o.event.id, "kind": o.event.kind.value, "vendors": o.payload["vendors"], "skipped": o.payload["skipped"]}
        for o in published
        if o.event is not None
    ]
    problems = tuple(name for outcome in published for name in outcome.also_count)
    reasons = "; ".join(dict.fromkeys(outcome.reason for outcome in published if outcome.reason))
    payload = {**first.payload, "events": ids}
    return Outcome(202, payload, first.metric, reasons or None, first.event, also_count=problems)


class IngressPipeline:
    """The ingress steps, with their dependencies passed in so tests use real (moto) ones."""

    def __init__(
        self,
        *,
        table: StateTable,
        sns: SNSClient,
        topic_arn: str,
        load_shop: Callable[[str], ShopConfig | None],
        max_body_bytes: int,
        memory_ttl_seconds: int,
        delivery_ttl_seconds: int,
        payloads: PayloadStore | None = None,
        timeout_seconds: float = 10.0,
        publish_seconds: float = 0.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.table = table
        self.sns = sns
        self.topic_arn = topic_arn
        self.load_shop = load_shop
        self.max_body_bytes = max_body_bytes
        self.memory_ttl_seconds = memory_ttl_seconds
        self.delivery_ttl_seconds = delivery_ttl_seconds
        self.payloads = payloads
        """Where events too big for SNS go; without it such an event cannot be published (503)."""
        self.timeout_seconds = timeout_seconds
        """The invocation's time when the caller cannot say how much is left."""
        self.publish_seconds = publish_seconds
        """Time a publish and the lease's completion (or release) need at worst."""
        self.clock = clock

    @staticmethod
    def load_payload_models() -> None:
        """Import the source adapters (payload models, their decoders, canonical models) now.

        They are deferred because requests refused before parsing (unknown shop, bad
        signature, missing headers) never need them.
        """
        import shoprelay.canonical.models
        import shoprelay.sources.shopify.adapter
        import shoprelay.sources.woocommerce.adapter  # noqa: F401

    def process(
        self, event: Mapping[str, Any], remaining_ms: Callable[[], int] | None = None, front: Front | None = None
    ) -> Outcome:
        """Handle one HTTP webhook; ``remaining_ms`` is the Lambda context's clock, when there is one.

        ``front`` is the source's check of the request; by default the route's (see
        :data:`~shoprelay.ingress.sources.FRONTS`).
        """
        deadline = self.deadline_for(remaining_ms)
        try:
            request = read_request(event, self.max_body_bytes)
            received = (front or front_for(event))(request, self.load_shop)
            if isinstance(received, Acknowledged):
                return Outcome(200, {"status": "ignored", "reason": received.reason}, "WebhookIgnored", received.reason)
            return self.accept(received, deadline)
        except RequestError as refusal:
            reason = "unauthorized" if refusal.status == 401 else "invalid"
            return Outcome(refusal.status, refusal.payload, "WebhookRejected", reason)

    def deadline_for(self, remaining_ms: Callable[[], int] | None) -> Deadline:
        seconds = remaining_ms() / 1000 if remaining_ms is not None else self.timeout_seconds
        return Deadline.after(seconds)

    def accept(self, inbound: Inbound, deadline: Deadline | None = None) -> Outcome:
        """Everything after authentication, for every source: parse, remember, lease, publish."""
        deadline = deadline or self.deadline_for(None)
        try:
            deliveries = inbound.parse(self.clock())
        except UnsupportedTopicError as unsupported:
            reason = f"topic {unsupported.topic} is not relayed"
            return Outcome(200, {"status": "ignored", "reason": reason}, "WebhookIgnored", reason)
        except PayloadError as problem:
            return Outcome(400, {"error": problem.message, "field": problem.path}, "WebhookRejected", "invalid_body")
        if not deliveries:
            reason = "the webhook stands for no event to relay"
            return Outcome(200, {"status": "ignored", "reason": reason}, "WebhookIgnored", reason)
        from shoprelay.canonical import to_json

        outcomes: list[Outcome] = []
        remembered: set[str] = set()
        for delivery in deliveries:
            try:
                canonical = self._with_order_memory(delivery.event, remembered)
            except PayloadError as problem:
                payload = {"error": problem.message, "field": problem.path}
                outcomes.append(Outcome(400, payload, "WebhookRejected", "invalid_body", delivery.event))
                continue
            message = to_json(canonical).decode("utf-8")
            ttl = self.memory_ttl_seconds if delivery.lasting else self.delivery_ttl_seconds
            route = Route.of(canonical, inbound.config.enabled_vendors)
            outcomes.append(self._relay(delivery.key, canonical, message, route, deadline, ttl_seconds=ttl))
        return _combined(outcomes)

    def _relay(
        self,
        key: str,
        canonical: CanonicalEvent,
        message: str,
        route: Route,
        deadline: Deadline,
        *,
        ttl_seconds: int | None = None,
    ) -> Outcome:
        """Lease the delivery, publish, then mark it done; only a done delivery is a duplicate.

        The lease ends when this invocation is killed at the latest, so a publish that hangs
        until the timeout leaves a lease that Shopify's next retry can take over.
        """
        claim = self.table.claim_delivery(key, ttl_seconds or self.delivery_ttl_seconds, deadline.remaining())
        if claim.outcome is ClaimOutcome.DONE:
            return Outcome(200, {"status": "duplicate", "id": canonical.id}, "WebhookDuplicate", event=canonical)
        if claim.outcome is ClaimOutcome.HELD:
            # Another attempt may still publish; answering "duplicate" now could lose the order.
            held_for = (claim.lease_until or 0.0) - time.time()
            return _busy(canonical, "delivery leased by another attempt", "WebhookInProgress", held_for)
        owner = str(claim.owner)
        if deadline.remaining() < self.publish_seconds:
            self.table.release_delivery(key, owner)
            return _busy(canonical, "too little time left to publish", "WebhookOutOfTime", 1)
        try:
            self._publish(canonical, message, route.vendors)
        except BaseException:
            self.table.release_delivery(key, owner)
            raise
        accepted = {"status": "accepted", "id": canonical.id, "vendors": route.vendors, "skipped": route.skipped}
        problem = self._mark_done(key, deadline)
        if problem is not None:
            # Published already, so the answer stays 2xx. The lease runs out and a retry may
            # publish again: a duplicate for the vendors to recognise, never a loss.
            reason = f"published, but the delivery could not be marked done ({type(problem).__name__})"
            return Outcome(202, accepted, "WebhookAccepted", reason, canonical, also_count=("DeliveryNotMarkedDone",))
        return Outcome(202, accepted, "WebhookAccepted", event=canonical)

    def _mark_done(self, key: str, deadline: Deadline) -> Exception | None:
        """Mark the published delivery done, trying again while the invocation has time.

        A delivery left pending after its publish is published a second time when Shopify
        sends the webhook again, so one throttled write is not the end of it.
        """
        problem: Exception | None = None
        for pause in _MARK_DONE_PAUSES:
            if problem is not None:
                if deadline.remaining() < pause + _ONE_TABLE_CALL_SECONDS:
                    break
                time.sleep(pause)
            try:
                self.table.complete_delivery(key)
            except Exception as error:
                problem = error
            else:
                return None
        return problem

    def _with_order_memory(self, event: CanonicalEvent, stored: set[str] | None = None) -> CanonicalEvent:
        """Remember orders; give refunds the order they belong to, as last seen.

        ``stored`` holds the orders this webhook has stored already: one body that stands
        for several events (WooCommerce's) is written once.
        """
        import msgspec

        if event.order is not None and event.kind in _ORDER_KINDS:
            order = event.order
            if stored is not None and order.id in stored:
                return event
            if event.kind in MEMORY_CHECKED_KINDS:
                check_against_memory(event, self.table.get_order(event.shop, order.id))
            changed = order.updated_at or order.created_at
            self.table.put_order(event.shop, order, int(changed.timestamp()), self.memory_ttl_seconds)
            if stored is not None:
                stored.add(order.id)
            return event
        if event.kind == _REFUND_KIND and event.order is None and event.refund is not None and event.refund.order_id:
            remembered = self.table.get_order(event.shop, event.refund.order_id)
            check_against_memory(event, remembered)
            if remembered is not None:
                return msgspec.structs.replace(event, order=remembered, order_remembered=True)
        return event

    def _publish(self, event: CanonicalEvent, message: str, vendors: list[str]) -> None:
        if not vendors:
            return
        attributes: dict[str, MessageAttributeValueTypeDef] = {
            "vendors": {"DataType": "String.Array", "StringValue": json.dumps(vendors)},
            "shop": {"DataType": "String", "StringValue": event.shop},
            "kind": {"DataType": "String", "StringValue": event.kind.value},
            "event_id": {"DataType": "String", "StringValue": event.id},
        }
        if not fits_inline(message, attributes):
            message = self._store(event, message)
        # The shop as the message group: SNS hands it to the standard queues, which then
        # share their consumers fairly between shops (SQS fair queues) during one shop's burst.
        self.sns.publish(
            TopicArn=self.topic_arn, Message=message, MessageAttributes=attributes, MessageGroupId=event.shop
        )

    def _store(self, event: CanonicalEvent, message: str) -> str:
        """Put the event in S3 and return the reference published in its place (same attributes,
        so subscription filters still match)."""
        from shoprelay.canonical import EventReference, StoredEvent, to_json_text

        if self.payloads is None:
            raise RuntimeError("no payload bucket is configured for events over the SNS limit")
        body = message.encode("utf-8")
        key = self.payloads.key_for(event.id)
        self.payloads.put(key, body)
        stored = StoredEvent(bucket=self.payloads.bucket, key=key, size=len(body))
        return to_json_text(EventReference(stored_event=stored, id=event.id, kind=event.kind, shop=event.shop))
