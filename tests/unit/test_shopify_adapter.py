"""Shopify bodies from API versions 2020-10 … 2026-04 → the canonical event."""

from __future__ import annotations

import json
import urllib.parse
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.webhooks import fixture_json

from shoprelay.canonical import CanonicalEvent, EventKind, Money
from shoprelay.sources import PayloadError, UnsupportedTopicError
from shoprelay.sources.parsing import landing_params
from shoprelay.sources.shopify import TOPIC_KINDS, WebhookMeta, parse_webhook

RECEIVED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def parse(body: dict[str, Any] | bytes, topic: str = "orders/create", **meta: Any) -> CanonicalEvent:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return parse_webhook(WebhookMeta(shop="demo-shop.myshopify.com", topic=topic, **meta), raw, RECEIVED)


def test_every_design_topic_has_a_kind() -> None:
    assert TOPIC_KINDS == {
        "orders/create": EventKind.ORDER_PLACED,
        "orders/paid": EventKind.ORDER_PAID,
        "orders/fulfilled": EventKind.ORDER_FULFILLED,
        "orders/cancelled": EventKind.ORDER_CANCELLED,
        "orders/updated": EventKind.ORDER_UPDATED,
        "refunds/create": EventKind.ORDER_REFUNDED,
        "checkouts/create": EventKind.CHECKOUT_UPDATED,
        "checkouts/update": EventKind.CHECKOUT_UPDATED,
        "customers/create": EventKind.CUSTOMER_UPDATED,
        "customers/update": EventKind.CUSTOMER_UPDATED,
        "customers_email_marketing_consent/update": EventKind.CUSTOMER_UPDATED,
    }


def test_2020_order_with_two_currencies_and_legacy_consent() -> None:
    event = parse(fixture_json("orders-create.test-store-shop-AUD-buyer-USD.json"))
    order = event.order
    assert order is not None
    assert (order.currency, order.buyer_currency) == ("AUD", "USD")
    assert order.amounts.total == Money(shop=Decimal("60.33"), buyer=Decimal("45.85"))
    assert order.lines[0].unit_price == Money(shop=Decimal("45.62"), buyer=Decimal("34.67"))
    assert order.lines[0].brand == "Kaweco"
    assert order.client.ip == "203.0.113.7"
    assert order.client.user_agent is not None
    assert order.client.user_agent.startswith("Mozilla/5.0 (Macintosh")
    assert order.customer.accepts_email_marketing is False  # accepts_marketing, removed in 2024-01
    assert order.is_paid
    assert event.test is True


def test_2024_order_with_twelve_lines_consent_and_landing_parameters() -> None:
    order = parse(fixture_json("order-12-line-items.filled-2024-01.json")).order
    assert order is not None
    assert len(order.lines) == 12
    assert order.customer.accepts_email_marketing is True  # email_marketing_consent.state
    assert order.customer.accepts_sms_marketing is False
    assert order.client.landing_params == {
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "winter",
        "trc_mcmp_id": "42",
    }
    assert order.cart_attributes["_mytracker_lvid"] == "0123456789abcdef0123456789abcdef"
    assert order.created_at == datetime(2024, 1, 15, 9, 20, 30, tzinfo=UTC)  # +01:00 → UTC


def test_2026_order_without_checkout_id_and_with_large_ids() -> None:
    body = fixture_json("orders-create.shopify-docs-2026-04.json")
    assert "checkout_id" not in body
    order = parse(body).order
    assert order is not None
    assert order.id == str(body["id"])
    # current_shipping_price_set (2024-10+) wins over the original total_shipping_price_set
    assert order.amounts.shipping == Money(shop=Decimal("0.00"), buyer=Decimal("0.00"))
    assert order.amounts.total.shop == Decimal("414.95")


def test_old_payload_without_money_sets_uses_shop_amounts_for_both_sides() -> None:
    body = fixture_json("orders-create.test-store-shop-AUD-buyer-USD.json")
    for key in [k for k in body if k.endswith("_set")]:
        del body[key]
    for line in body["line_items"]:
        line.pop("price_set", None)
        line.pop("total_discount_set", None)
    order = parse(body).order
    assert order is not None
    assert order.amounts.total == Money(shop=Decimal("60.33"), buyer=Decimal("60.33"))
    assert order.lines[0].unit_price == Money(shop=Decimal("45.62"), buyer=Decimal("45.62"))


def test_zero_decimal_currency_amounts_stay_exact() -> None:
    body = fixture_json("orders-create.test-store-shop-AUD-buyer-USD.json")
    body.update(currency="CLP", presentment_currency="CLP", total_price="17850")
    for key in [k for k in body if k.endswith("_set")]:
        del body[key]
    order = parse(body).order
    assert order is not None
    assert order.amounts.total.shop == Decimal("17850")


def test_refund_lines_with_numeric_amounts() -> None:
    event = parse(fixture_json("refunds-create.shopify-docs-2026-04.json"), topic="refunds/create")
    refund = event.refund
    assert refund is not None
    assert event.kind is EventKind.ORDER_REFUNDED
    assert event.order is None
    assert refund.order_id == "820982911946154500"
    assert refund.lines[0].subtotal.shop == Decimal("89.99")
    assert refund.amount.shop == Decimal("85.00")  # the two successful refund transactions


def test_checkout_uses_token_as_identity() -> None:
    checkout = parse(fixture_json("checkouts-create.shopify-docs-2026-04.json"), topic="checkouts/update").checkout
    assert checkout is not None
    assert checkout.token == "123123123"


def test_email_consent_topic_maps_to_customer() -> None:
    body = {
        "customer_id": 706405506930370000,
        "email_address": "shopper@example.com",
        "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in"},
    }
    event = parse(body, topic="customers_email_marketing_consent/update")
    assert event.customer is not None
    assert (event.customer.id, event.customer.accepts_email_marketing) == ("706405506930370000", True)


def test_event_id_is_stable_across_redeliveries_and_distinct_per_event() -> None:
    body = fixture_json("orders-create.shopify-docs-2026-04.json")
    first = parse(body, webhook_id="w1", event_id="e1")
    redelivered = parse(body, webhook_id="w2", event_id="e1")
    other = parse(body, webhook_id="w3", event_id="e2")
    assert first.id == redelivered.id
    assert first.id != other.id


@pytest.mark.parametrize(
    ("webhook_id", "event_id"), [("w1", "e1"), ("w2", None), ("délivrance-ж", None)], ids=["event", "delivery", "utf8"]
)
def test_event_id_is_the_version_5_uuid_of_shop_topic_and_source_id(webhook_id: str, event_id: str | None) -> None:
    """Ids already stored (dedup keys, vendor effects) stay valid only while this never changes."""
    event = parse(fixture_json("orders-create.shopify-docs-2026-04.json"), webhook_id=webhook_id, event_id=event_id)
    namespace = uuid.UUID("6f0b8f8e-6c1e-4c57-9f63-2d7f0c6a9b10")
    expected = uuid.uuid5(namespace, f"demo-shop.myshopify.com\norders/create\n{event_id or webhook_id}")
    assert event.id == str(expected)


def test_triggered_at_is_the_event_time() -> None:
    event = parse(
        fixture_json("orders-create.shopify-docs-2026-04.json"),
        triggered_at=datetime.fromisoformat("2026-11-20T10:00:00.123456789Z"),
    )
    assert event.occurred_at == datetime(2026, 11, 20, 10, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b"\xff", ""),
        (b"null", ""),
        (b'{"id": 1, "created_at": "yesterday", "currency": "EUR"}', "created_at"),
        (b'{"id": 1.5, "created_at": "2024-01-01T00:00:00Z", "currency": "EUR"}', "id"),
        (b'{"id": 1, "created_at": "2024-01-01T00:00:00Z", "currency": "EURO"}', "currency"),
        (
            b'{"id": 1, "created_at": "2024-01-01T00:00:00Z", "currency": "EUR", "line_items": [{"quantity": -1}]}',
            "line_items.0.quantity",
        ),
    ],
)
def test_invalid_bodies_name_the_first_problem(body: bytes, path: str) -> None:
    with pytest.raises(PayloadError) as raised:
        parse(body)
    assert raised.value.path == path


def test_unknown_topic_is_unsupported() -> None:
    with pytest.raises(UnsupportedTopicError):
        parse(b"{}", topic="products/update")


def test_numbers_where_text_belongs_become_text() -> None:
    body = fixture_json("orders-create.shopify-docs-2026-04.json")
    body["line_items"][0].update(sku=12345, title=2024, vendor=7.5)
    body["billing_address"]["zip"] = 10115
    body["note_attributes"] = [{"name": "gift", "value": 1}]
    order = parse(body).order
    assert order is not None
    line = order.lines[0]
    assert (line.sku, line.title, line.brand) == ("12345", "2024", "7.5")
    assert order.billing_address is not None
    assert order.billing_address.zip == "10115"
    assert order.cart_attributes["gift"] == "1"


def test_empty_and_date_only_times() -> None:
    body = fixture_json("orders-create.shopify-docs-2026-04.json")
    body.update(cancelled_at="", processed_at="2026-04-01", updated_at=None)
    order = parse(body).order
    assert order is not None
    assert order.cancelled_at is None
    assert order.processed_at == datetime(2026, 4, 1, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity"])
def test_an_amount_that_is_not_a_number_is_named_by_its_path(bad: str) -> None:
    body = fixture_json("orders-create.shopify-docs-2026-04.json")
    body["line_items"][1]["price_set"]["shop_money"]["amount"] = bad
    with pytest.raises(PayloadError) as raised:
        parse(body)
    assert raised.value.path == "line_items.1.price_set.shop_money.amount"
    assert bad not in str(raised.value)


URL_TEXT = st.lists(
    st.sampled_from(
        ["?", "#", "&", "=", "%", "%2", "%41", "%zz", "+", " ", "\t", "\r", "\n", "\x00", "\x1f", "é", "a", "b", "/"]
    ),
    max_size=16,
).map("".join)


def stdlib_landing_params(landing: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in urllib.parse.parse_qsl(urllib.parse.urlsplit(landing).query, keep_blank_values=True):
        params.setdefault(key, value)
    return params


@given(URL_TEXT.filter(bool))
def test_landing_params_read_the_query_as_parse_qsl_does(landing: str) -> None:
    assert landing_params(landing) == stdlib_landing_params(landing)


@pytest.mark.parametrize(
    "landing",
    [
        "/collections/all?utm_source=news+letter&utm_source=second&empty=&flag&x=%C3%A9",
        "https://shop.example/p?a=1#frag?b=2",
        " /leading-space?a=1",
        "/tab\tin?a=1",
        "/?&&=v&k=",
    ],
)
def test_landing_params_examples(landing: str) -> None:
    assert landing_params(landing) == stdlib_landing_params(landing)


def test_a_landing_address_urlsplit_refuses_is_read_for_its_query() -> None:
    """An unclosed IPv6 bracket makes ``urlsplit`` raise; the order is still mapped, parameters and all."""
    body = {
        **fixture_json("order-12-line-items.filled-2024-01.json"),
        "landing_site": "http://[::1/p?utm_source=news&x=%C3%A9",
    }
    order = parse(body).order
    assert order is not None
    assert order.client.landing_url == "http://[::1/p?utm_source=news&x=%C3%A9"
    assert order.client.landing_params == {"utm_source": "news", "x": "é"}
