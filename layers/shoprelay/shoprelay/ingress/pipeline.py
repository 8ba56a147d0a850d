"""From an API Gateway event to one published canonical event, or a clear refusal.

Every answer a client can cause is a 2xx or 4xx; only our own dependencies failing (SSM,
DynamoDB, SNS) produce a 503, which makes Shopify retry later instead of losing the order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shoprelay.config.shops import ShopConfig
from shoprelay.ingress.http import RequestError, WebhookRequest, answer, read_request
from shoprelay.sources.errors import PayloadError, UnsupportedTopicError
from shoprelay.sources.shopify.signature import signature_matches
from shoprelay.state import StateTable

if TYPE_CHECKING:
    from mypy_boto3_sns.client import SNSClient

    from shoprelay.canonical import CanonicalEvent

SNS_MESSAGE_LIMIT = 256 * 1024
_ORDER_KINDS = frozenset({"order_placed", "order_paid", "order_fulfilled", "order_cancelled", "order_updated"})
"""Kinds whose body is a whole order, worth remembering for the refunds that follow."""
_REFUND_KIND = "order_refunded"
_UNAUTHORIZED = RequestError(401, "unauthorized")


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

    def response(self) -> dict[str, Any]:
        return answer(self.status, self.payload)


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
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.table = table
        self.sns = sns
        self.topic_arn = topic_arn
        self.load_shop = load_shop
        self.max_body_bytes = max_body_bytes
        self.memory_ttl_seconds = memory_ttl_seconds
        self.delivery_ttl_seconds = delivery_ttl_seconds
        self.clock = clock

    @staticmethod
    def load_payload_models() -> None:
        """Import the Shopify adapter (payload models, their decoders, canonical models) now.

        They are deferred because requests refused before parsing (unknown shop, bad
        signature, missing headers) never need them.
        """
        import shoprelay.canonical.models
        import shoprelay.sources.shopify.adapter  # noqa: F401

    def process(self, event: Mapping[str, Any]) -> Outcome:
        try:
            return self._process(event)
        except RequestError as refusal:
            reason = "unauthorized" if refusal.status == 401 else "invalid"
            return Outcome(refusal.status, refusal.payload, "WebhookRejected", reason)

    def _process(self, event: Mapping[str, Any]) -> Outcome:
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
        if len(encoded) > SNS_MESSAGE_LIMIT:
            reason = f"event is larger than {SNS_MESSAGE_LIMIT} bytes after translation and cannot be relayed"
            return Outcome(400, {"error": reason, "field": ""}, "WebhookRejected", "too_large", canonical)
        message = encoded.decode("utf-8")
        keys = [f"{shop}#webhook#{webhook_id}"]
        if meta.event_id:
            keys.append(f"{shop}#event#{meta.event_id}")
        if not self.table.claim_deliveries(keys, self.delivery_ttl_seconds):
            return Outcome(200, {"status": "duplicate", "id": canonical.id}, "WebhookDuplicate", event=canonical)
        vendors = config.enabled_vendors
        try:
            self._publish(canonical, message, vendors)
        except BaseException:
            self.table.release_deliveries(keys)
            raise
        return Outcome(
            202, {"status": "accepted", "id": canonical.id, "vendors": vendors}, "WebhookAccepted", event=canonical
        )

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

        from shoprelay.canonical import Order, from_json, to_json_text

        if event.order is not None and event.kind in _ORDER_KINDS:
            order = event.order
            changed = order.updated_at or order.created_at
            self.table.put_order(
                event.shop, order.id, to_json_text(order), int(changed.timestamp()), self.memory_ttl_seconds
            )
            return event
        if event.kind == _REFUND_KIND and event.refund is not None and event.refund.order_id:
            remembered = self.table.get_order(event.shop, event.refund.order_id)
            if remembered is not None:
                order = from_json(Order, remembered)
                return msgspec.structs.replace(event, order=order, order_remembered=True)
        return event

    def _publish(self, event: CanonicalEvent, message: str, vendors: list[str]) -> None:
        if not vendors:
            return
        self.sns.publish(
            TopicArn=self.topic_arn,
            Message=message,
            MessageAttributes={
                "vendors": {"DataType": "String.Array", "StringValue": json.dumps(vendors)},
                "shop": {"DataType": "String", "StringValue": event.shop},
                "kind": {"DataType": "String", "StringValue": event.kind.value},
                "event_id": {"DataType": "String", "StringValue": event.id},
            },
        )
