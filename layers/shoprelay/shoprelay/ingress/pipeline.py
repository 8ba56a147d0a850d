"""From an API Gateway event to one published canonical event, or a clear refusal.

Every answer a client can cause is a 2xx or 4xx; only our own dependencies failing (SSM,
DynamoDB, SNS, S3) produce a 503, which makes Shopify retry later instead of losing the order.
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
from shoprelay.ingress.http import RequestError, WebhookRequest, answer, read_request
from shoprelay.ingress.message import fits_inline
from shoprelay.sources.errors import PayloadError, UnsupportedTopicError
from shoprelay.sources.shopify.signature import signature_matches
from shoprelay.state import StateTable
from shoprelay.state.table import ClaimOutcome

if TYPE_CHECKING:
    from mypy_boto3_sns.client import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

    from shoprelay.canonical import CanonicalEvent
    from shoprelay.state.payloads import PayloadStore
_ORDER_KINDS = frozenset({"order_placed", "order_paid", "order_fulfilled", "order_cancelled", "order_updated"})
"""Kinds whose body is a whole order, worth remembering for the refunds that follow."""
_REFUND_KIND = "order_refunded"
_UNAUTHORIZED = RequestError(401, "unauthorized")
_MARK_DONE_PAUSES = (0.0, 0.05, 0.2, 0.5)
"""Pauses before each try at marking a published delivery done (the first try is at once)."""
_ONE_TABLE_CALL_SECONDS = budget("dynamodb", SYNCHRONOUS_ATTEMPTS).worst_case_seconds()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Shopify's header, with or without the ``X-`` prefix (Events deliveries drop it)."""
    value = headers.get(f"x-shopify-{name}") or headers.get(f"shopify-{name}")
    return value.strip() if value and value.strip() else None


def _required_header(headers: Mapping[str, str], name: str) -> str:
    value = _header(headers, name)
    if value is None:
        raise RequestError(400, f"missing required header X-Shopify-{name.title()}", field=f"X-Shopify-{name.title()}")
    return value


def _triggered_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


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
        """Import the Shopify adapter (payload models, their decoders, canonical models) now.

        They are deferred because requests refused before parsing (unknown shop, bad
        signature, missing headers) never need them.
        """
        import shoprelay.canonical.models
        import shoprelay.sources.shopify.adapter  # noqa: F401

    def process(self, event: Mapping[str, Any], remaining_ms: Callable[[], int] | None = None) -> Outcome:
        """Handle one webhook; ``remaining_ms`` is the Lambda context's clock, when there is one."""
        seconds = remaining_ms() / 1000 if remaining_ms is not None else self.timeout_seconds
        try:
            return self._process(event, Deadline.after(seconds))
        except RequestError as refusal:
            reason = "unauthorized" if refusal.status == 401 else "invalid"
            return Outcome(refusal.status, refusal.payload, "WebhookRejected", reason)

    def _process(self, event: Mapping[str, Any], deadline: Deadline) -> Outcome:
        request = read_request(event, self.max_body_bytes)
        headers = request.headers
        shop = _required_header(headers, "shop-domain").lower()
        topic = _required_header(headers, "topic").lower()
        webhook_id = _required_header(headers, "webhook-id")
        config = self._authenticate(shop, request)
        from shoprelay.sources.shopify.adapter import WebhookMeta, parse_webhook  # deferred, see load_payload_models

        meta = WebhookMeta(
            shop=shop,
            topic=topic,
            webhook_id=webhook_id,
            event_id=_header(headers, "event-id"),
            triggered_at=_triggered_at(_header(headers, "triggered-at")),
            api_version=_header(headers, "api-version"),
        )
        try:
            canonical = parse_webhook(meta, request.body, self.clock())
        except UnsupportedTopicError as unsupported:
            reason = f"topic {unsupported.topic} is not relayed"
            return Outcome(200, {"status": "ignored", "reason": reason}, "WebhookIgnored", reason)
        except PayloadError as problem:
            return Outcome(400, {"error": problem.message, "field": problem.path}, "WebhookRejected", "invalid_body")
        canonical = self._with_order_memory(canonical)
        from shoprelay.canonical import to_json

        encoded = to_json(canonical)
        message = encoded.decode("utf-8")
        # Every delivery of one event (retries, and one per subscription) carries its event id;
        # the webhook id stands in when a sender leaves the event id out.
        key = f"{shop}#event#{meta.event_id}" if meta.event_id else f"{shop}#webhook#{webhook_id}"
        return self._relay(key, canonical, message, config.enabled_vendors, deadline)

    def _relay(
        self, key: str, canonical: CanonicalEvent, message: str, vendors: list[str], deadline: Deadline
    ) -> Outcome:
        """Lease the delivery, publish, then mark it done; only a done delivery is a duplicate.

        The lease ends when this invocation is killed at the latest, so a publish that hangs
        until the timeout leaves a lease that Shopify's next retry can take over.
        """
        claim = self.table.claim_delivery(key, self.delivery_ttl_seconds, deadline.remaining())
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
            self._publish(canonical, message, vendors)
        except BaseException:
            self.table.release_delivery(key, owner)
            raise
        accepted = {"status": "accepted", "id": canonical.id, "vendors": vendors}
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

    def _authenticate(self, shop: str, request: WebhookRequest) -> ShopConfig:
        """The shop's configuration, if the body was signed with one of its secrets.

        Unknown shop, missing signature and wrong signature all get the same answer, so a
        caller cannot probe which shops exist.
        """
        config = self.load_shop(shop)
        signature = _header(request.headers, "hmac-sha256")
        if config is None or not signature_matches(request.body, signature, config.secrets):
            raise _UNAUTHORIZED
        return config

    def _with_order_memory(self, event: CanonicalEvent) -> CanonicalEvent:
        """Remember orders; give refunds the order they belong to, as last seen."""
        import msgspec

        if event.order is not None and event.kind in _ORDER_KINDS:
            order = event.order
            changed = order.updated_at or order.created_at
            self.table.put_order(event.shop, order, int(changed.timestamp()), self.memory_ttl_seconds)
            return event
        if event.kind == _REFUND_KIND and event.refund is not None and event.refund.order_id:
            remembered = self.table.get_order(event.shop, event.refund.order_id)
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
        self.sns.publish(TopicArn=self.topic_arn, Message=message, MessageAttributes=attributes)

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
