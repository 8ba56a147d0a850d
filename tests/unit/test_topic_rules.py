"""A Shopify body must agree with its topic; cancels and refunds must agree with the order memory."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from msgspec.structs import replace
from support.webhooks import fixture_json

from shoprelay.sources import PayloadError
from shoprelay.sources.memory_rules import check_against_memory
from shoprelay.sources.shopify import TOPIC_KINDS, WebhookMeta, parse_webhook
from shoprelay.sources.shopify.topic_rules import TOPIC_RULES, check_topic

PAID = "orders-create.test-store-shop-AUD-buyer-USD.json"
REFUND = "refunds-create.shopify-docs-2026-04.json"
CHECKOUT = "checkouts-create.shopify-docs-2026-04.json"
CUSTOMER = "customers-create.shopify-docs-2026-04.json"
CONSENT = "customers-email-marketing-consent-update.example.json"
RECEIVED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def body(name: str, **changes: Any) -> bytes:
    return json.dumps({**fixture_json(name), **changes}).encode()


def check(topic: str, raw: bytes) -> None:
    check_topic(WebhookMeta(shop="demo-shop.myshopify.com", topic=topic), raw)


def test_every_relayed_topic_has_rules() -> None:
    assert set(TOPIC_RULES) == set(TOPIC_KINDS)
    assert all(TOPIC_RULES.values())


FULFILLED = {"fulfillment_status": "fulfilled"}
CANCELLED = {"cancelled_at": "2026-11-20T11:00:00+01:00", "cancel_reason": "customer"}
AGREEING = [
    ("orders/create", body(PAID)),
    ("orders/updated", body(PAID)),
    ("orders/paid", body(PAID)),
    ("orders/paid", body(PAID, financial_status="partially_refunded")),
    ("orders/fulfilled", body(PAID, **FULFILLED)),
    ("orders/fulfilled", body(PAID, fulfillments=[{"id": 1, "status": "success"}])),
    ("orders/cancelled", body(PAID, **CANCELLED)),
    ("refunds/create", body(REFUND)),
    ("refunds/create", body("refunds-create.shipping-only.AUD-shop-USD-buyer.json")),
    ("checkouts/create", body(CHECKOUT)),
    ("checkouts/update", body(CHECKOUT)),
    ("customers/create", body(CUSTOMER)),
    ("customers/update", body(CUSTOMER)),
    ("customers_email_marketing_consent/update", body(CONSENT)),
]


@pytest.mark.parametrize(("topic", "raw"), AGREEING)
def test_a_body_that_agrees_with_its_topic_passes(topic: str, raw: bytes) -> None:
    check(topic, raw)
    parse_webhook(WebhookMeta(shop="demo-shop.myshopify.com", topic=topic), raw, RECEIVED)


DISAGREEING = [
    ("orders/cancelled", body(PAID), "cancelled_at"),  # the replay that became a whole-order REFUND
    ("orders/paid", body(PAID, financial_status="pending"), "financial_status"),
    ("orders/paid", body(PAID, financial_status="voided"), "financial_status"),
    ("orders/paid", body(PAID, financial_status=None), "financial_status"),
    ("orders/paid", body(PAID, financial_status=["paid"]), "financial_status"),
    ("orders/paid", body(PAID, financial_status={"paid": True}), "financial_status"),
    ("orders/fulfilled", body(PAID), "fulfillment_status"),
    ("orders/fulfilled", body(PAID, fulfillments=[]), "fulfillment_status"),
    ("orders/create", body(REFUND), None),  # no currency: the adapter says so
    ("orders/cancelled", body(REFUND), None),
    ("orders/updated", body(CUSTOMER), "line_items"),
    ("refunds/create", body(PAID), "order_id"),
    ("refunds/create", body(CHECKOUT), None),
    ("checkouts/update", body(PAID), "token"),
    ("customers/update", body(PAID), ""),
    ("customers/create", body(REFUND), ""),
    ("customers_email_marketing_consent/update", body(CUSTOMER), "customer_id"),
]


def check_then_parse(topic: str, raw: bytes) -> None:
    """What the Shopify front does: the topic rules, then the adapter."""
    check(topic, raw)
    parse_webhook(WebhookMeta(shop="demo-shop.myshopify.com", topic=topic), raw, RECEIVED)


@pytest.mark.parametrize(("topic", "raw", "field"), DISAGREEING)
def test_a_body_under_another_topic_is_refused(topic: str, raw: bytes, field: str | None) -> None:
    """Refused by the topic rules (``field`` given) or, lacking what the adapter needs, by the adapter."""
    with pytest.raises(PayloadError) as refused:
        check_then_parse(topic, raw)
    if field is not None:
        assert refused.value.path == field


def test_what_is_not_json_is_left_to_the_adapter() -> None:
    check("orders/cancelled", b"not json")
    check("orders/cancelled", b"[1, 2]")
    check("products/update", body(PAID))  # not relayed: the adapter ignores it


def _event(topic: str, raw: bytes) -> Any:
    return parse_webhook(WebhookMeta(shop="demo-shop.myshopify.com", topic=topic), raw, RECEIVED)


def test_a_refund_dated_before_its_remembered_order_is_refused() -> None:
    refund = _event("refunds/create", body(REFUND))
    order = _event("orders/create", body(PAID)).order
    assert order is not None
    old = replace(order, created_at=refund.refund.created_at - timedelta(days=1))
    check_against_memory(refund, old)
    check_against_memory(refund, None)
    check_against_memory(refund, replace(old, financial_status="pending"))  # memory may lag the payment
    with pytest.raises(PayloadError, match="predates"):
        check_against_memory(refund, replace(old, created_at=refund.refund.created_at + timedelta(days=1)))


def test_a_cancellation_older_than_a_newer_uncancelled_state_is_refused() -> None:
    cancel = _event("orders/cancelled", body(PAID, **CANCELLED))
    assert cancel.order is not None
    stamp = cancel.order.updated_at or cancel.order.created_at
    newer = replace(cancel.order, cancelled_at=None, updated_at=stamp + timedelta(hours=1))
    with pytest.raises(PayloadError, match="changed after this cancellation"):
        check_against_memory(cancel, newer)
    check_against_memory(cancel, replace(newer, updated_at=stamp - timedelta(hours=1)))
    check_against_memory(cancel, replace(newer, cancelled_at=stamp))
    check_against_memory(cancel, None)
