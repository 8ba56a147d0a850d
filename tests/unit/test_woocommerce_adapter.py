"""The WooCommerce source: shop keys, signatures, the ping, and body → canonical events."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from support.woocommerce import CAPTURED_ORDER, MOMENT, WOO_SHOP, with_refund, with_storefront_ids, woo_body, woo_events

from shoprelay.canonical import EventKind
from shoprelay.ingress.http import WebhookRequest
from shoprelay.ingress.sources import is_woocommerce_ping
from shoprelay.sources import PayloadError, UnsupportedTopicError
from shoprelay.sources.woocommerce import ShopSourceError, WooMeta, parse_webhook, shop_key, sign, signature_matches
from shoprelay.sources.woocommerce.adapter import order_kinds


@pytest.mark.parametrize(
    ("source", "key"),
    [
        ("https://demo-woo.example.com/", "demo-woo.example.com"),
        ("https://Shop.Example.COM", "shop.example.com"),
        ("http://shop.example.com:8080/", "shop.example.com"),
        ("https://www.example.com/store/", "www.example.com.store"),
        ("https://example.com/Shop/EU/", "example.com.shop.eu"),
        ("https://bücher.example/", "xn--bcher-kva.example"),
        ("https://shop.example.com./?lang=de#top", "shop.example.com"),
    ],
)
def test_the_shop_key_is_the_normalised_site_address(source: str, key: str) -> None:
    assert shop_key(source) == key


@pytest.mark.parametrize(
    "source",
    ["", "https://", "localhost", "https://a_b.example.com/", "https://example.com/a.b/", "https://../etc/", "x" * 300],
)
def test_a_source_that_is_no_site_address_has_no_key(source: str) -> None:
    with pytest.raises(ShopSourceError):
        shop_key(source)


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"id":727}'
    expected = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()
    assert sign("s3cret", body) == expected
    assert signature_matches(body, expected, ["other", "s3cret"])
    assert not signature_matches(body + b" ", expected, ["s3cret"])
    assert not signature_matches(body, None, ["s3cret"])


@pytest.mark.parametrize(
    ("body", "headers", "ping"),
    [
        (b"webhook_id=16", {}, True),
        (b"webhook_id=16\n", {"content-type": "application/x-www-form-urlencoded"}, True),
        (b"webhook_id=16", {"x-wc-webhook-signature": "x"}, False),
        (b"webhook_id=abc", {}, False),
        (b'{"webhook_id":16}', {}, False),
        (b"webhook_id=16&x=1", {}, False),
    ],
)
def test_only_the_activation_ping_passes_unsigned(body: bytes, headers: dict[str, str], ping: bool) -> None:
    assert is_woocommerce_ping(WebhookRequest(headers=headers, body=body)) is ping


@pytest.mark.parametrize(
    ("status", "paid", "kinds"),
    [
        ("pending", False, ["order_placed"]),
        ("on-hold", False, ["order_placed"]),
        ("processing", True, ["order_placed", "order_paid"]),
        ("completed", True, ["order_placed", "order_paid", "order_fulfilled"]),
        ("cancelled", False, ["order_placed", "order_cancelled"]),
        ("cancelled", True, ["order_placed", "order_paid", "order_cancelled"]),
        ("refunded", True, ["order_placed", "order_paid"]),
        ("failed", False, []),
        ("checkout-draft", False, []),
        ("trash", True, []),
    ],
)
def test_a_status_stands_for_the_effects_that_led_to_it(status: str, paid: bool, kinds: list[str]) -> None:
    assert [kind.value for kind in order_kinds(status, paid)] == kinds


def test_the_documented_order_maps_amounts_buyer_and_lines() -> None:
    events = woo_events(with_storefront_ids(woo_body()))
    order = events[0].order
    assert order is not None
    assert [event.kind for event in events] == [EventKind.ORDER_PLACED, EventKind.ORDER_PAID, EventKind.ORDER_UPDATED]
    assert {event.source for event in events} == {"woocommerce"}
    assert (order.id, order.name, order.number, order.currency, order.buyer_currency) == (
        "727",
        "#727",
        "727",
        "USD",
        "USD",
    )
    assert order.amounts.total.shop == Decimal("29.35")
    assert order.amounts.subtotal.shop == Decimal("18.00")
    assert (order.amounts.tax.shop, order.amounts.shipping.shop) == (Decimal("1.35"), Decimal("10.00"))
    assert order.financial_status == "paid"
    assert order.customer.id is None  # customer_id 0: a guest
    assert order.customer.email == "customer@example.com"
    assert order.customer.country_code == "US"
    assert order.created_at.isoformat() == "2017-03-22T19:28:02+00:00"  # date_created_gmt, not the site's time
    assert [(line.line_id, line.quantity, line.unit_price.shop) for line in order.lines] == [
        ("315", 2, Decimal("3.00")),
        ("316", 1, Decimal("12.00")),
    ]
    assert order.lines[1].title == "Ship Your Idea \u2013 Color: Black, Size: M Test"  # &ndash; decoded
    assert order.lines[1].variant_id == "23"
    assert order.lines[0].variant_id is None
    assert order.cart_attributes["_mytracker_lvid"] == "0123456789abcdef0123456789abcdef"
    assert order.cart_attributes["_corvidae_visitor_id"] == "cv-visitor-1"
    assert (order.client.ip, order.client.user_agent) == ("192.0.2.10", "Mozilla/5.0 (X11; Linux x86_64)")


def test_prices_that_include_tax_keep_it_in_line_prices_as_shopify_does() -> None:
    body = {**woo_body(), "prices_include_tax": True}
    order = woo_events(body)[0].order
    assert order is not None
    assert order.lines[0].unit_price.shop == Decimal("3.225")  # (6.00 + 0.45) / 2
    assert order.amounts.subtotal.shop == Decimal("19.35")
    assert order.amounts.total.shop == Decimal("29.35")


def test_a_refund_is_an_event_of_its_own_with_its_amount_and_lines() -> None:
    events = woo_events(with_refund(woo_body()))
    refund_event = next(event for event in events if event.kind is EventKind.ORDER_REFUNDED)
    refund = refund_event.refund
    assert refund is not None
    assert (refund.id, refund.order_id, refund.amount.shop, refund.note) == (
        "731",
        "727",
        Decimal("6.45"),
        "damaged in transit",
    )
    assert [(line.line_id, line.quantity) for line in refund.lines] == [("315", 1)]
    assert refund_event.order is not None
    assert refund_event.order.financial_status == "partially_refunded"
    assert refund_event.order.amounts.total.shop == Decimal("22.90")
    assert refund_event.order.remaining_quantities() == {"315": 1, "316": 1}


def test_effects_have_ids_that_do_not_depend_on_the_delivery() -> None:
    first = woo_events(woo_body(), delivery_id="a")
    second = woo_events({**woo_body(), "customer_note": "edited"}, delivery_id="b")
    assert [e.id for e in first[:2]] == [e.id for e in second[:2]]  # placed and paid
    assert first[2].id != second[2].id  # each update is its own event


def test_the_captured_order_uses_its_attribution_and_coupon() -> None:
    events = woo_events(woo_body(CAPTURED_ORDER))
    order = events[0].order
    assert order is not None
    assert [event.kind.value for event in events] == ["order_placed", "order_paid", "order_fulfilled", "order_updated"]
    assert (order.currency, order.customer.id, order.discount_codes) == ("RUB", "1377", ("maombi start",))
    assert order.client.landing_url == "https://shop.example.net/"
    assert "utm_source" not in order.client.landing_params  # "(direct)" means none
    assert order.lines[0].discount.shop == Decimal("1450.00")


def test_a_customer_topic_becomes_a_customer_update() -> None:
    body = {
        "id": 41,
        "email": "buyer@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "date_modified_gmt": "2026-01-02T03:04:05",
        "billing": {"phone": "+15555550123", "country": "GB", "city": "London"},
    }
    (event,) = woo_events(body, "customer.updated")
    assert event.kind is EventKind.CUSTOMER_UPDATED
    assert event.customer is not None
    assert (event.customer.id, event.customer.first_name, event.customer.phone) == ("41", "Ada", "+15555550123")


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b"not json", ""),
        (b"[1, 2]", ""),
        (json.dumps({**woo_body(), "total": "lots"}).encode(), "total"),
        (json.dumps({**woo_body(), "date_created_gmt": "yesterday"}).encode(), "date_created_gmt"),
        (json.dumps({**woo_body(), "currency": ""}).encode(), "currency"),
        (json.dumps({**woo_body(), "line_items": [{"id": 1, "quantity": "many"}]}).encode(), "line_items.0.quantity"),
    ],
)
def test_an_invalid_body_names_its_first_problem(body: bytes, path: str) -> None:
    with pytest.raises(PayloadError) as raised:
        parse_webhook(WooMeta(shop=WOO_SHOP, topic="order.updated"), body, MOMENT)
    assert raised.value.path == path


@pytest.mark.parametrize("topic", ["product.updated", "order.deleted", "coupon.created", "action.woocommerce_x"])
def test_topics_that_are_not_relayed_say_so(topic: str) -> None:
    with pytest.raises(UnsupportedTopicError):
        parse_webhook(WooMeta(shop=WOO_SHOP, topic=topic), b'{"id": 1}', MOMENT)


@pytest.mark.parametrize("status", ["checkout-draft", "auto-draft", "trash"])
def test_drafts_and_binned_orders_are_not_relayed(status: str) -> None:
    body = json.dumps({**woo_body(), "status": status}).encode()
    with pytest.raises(UnsupportedTopicError):
        parse_webhook(WooMeta(shop=WOO_SHOP, topic="order.updated"), body, MOMENT)
