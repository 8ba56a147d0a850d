"""eSputnik fidelity: each amount in the currency its request names, per-item prices, guests, products.

Every topic eSputnik relays is sent for the AUD-shop / USD-buyer order, under both
``currency`` settings and in both modes, and each amount is checked against the side of
Shopify's ``*_set`` fields (or the refund's transaction currency) that the request names.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from esputnik_cases import (
    DISCOUNT_AUTOMATIC,
    DISCOUNT_FIXED_ACROSS_ORDER,
    DISCOUNT_FREE_SHIPPING,
    DISCOUNT_PERCENT_ONE_LINE,
    LINE_REFUND,
    SHIPPING_REFUND,
    as_guest,
    aud_order,
    contact_upsert,
    event,
    event_request,
    guest_with_phone_only,
    json_text,
    multi_currency_checkout,
    order_of,
    params,
    payload,
    sandbox_request,
    settings,
    summary,
    with_lines,
)
from support.vendor_events import DOCS_ORDER

from shoprelay.canonical import CanonicalEvent
from shoprelay.vendors.base import Translation, Verdict
from shoprelay.vendors.esputnik import read_response, translate
from shoprelay_tools.sandboxes.esputnik import EsputnikSandbox

GUEST_EMAIL_ID = "guest-bf82a3122d057735960d9d8b8cb5eb4a"
"""``guest-`` and 32 hex digits of SHA-256 over ``email:customer@example.com``, pinned."""

PEN_ID = "37319198802069"
PEN = "Classic Fountain Pen - Fine / Bordeaux"

# What the AUD/USD order's amounts are on each side, as Shopify's *_set fields state them.
SIDES: dict[str, dict[str, Any]] = {
    "shop": {"currency": "AUD", "total": "60.33", "shipping": "10.15", "taxes": "4.56", "pen": "45.62"},
    "buyer": {"currency": "USD", "total": "45.85", "shipping": "7.71", "taxes": "3.47", "pen": "34.67"},
}
AFTER_SHIPPING_REFUND = {
    # 10.15 AUD / 7.71 USD of shipping paid back (the transaction: 7.71 USD).
    "shop": {"total": "50.18", "shipping": "0.00", "taxes": "4.56"},
    "buyer": {"total": "38.14", "shipping": "0.00", "taxes": "3.47"},
}
AFTER_LINE_REFUND = {
    # The pen and its GST paid back: 50.18 AUD / 38.14 USD (the transaction: 38.14 USD).
    "shop": {"total": "10.15", "shipping": "10.15", "taxes": "0.00"},
    "buyer": {"total": "7.71", "shipping": "7.71", "taxes": "0.00"},
}


def remembered() -> Any:
    return order_of(aud_order())


TOPICS: list[tuple[str, Callable[[], CanonicalEvent], str, dict[str, dict[str, str]] | None, bool]] = [
    # (name, event, eSputnik status, amounts that differ from the order's, pen still on the order)
    ("orders/create", lambda: event(aud_order(), "orders/create"), "INITIALIZED", None, True),
    ("orders/paid", lambda: event(aud_order(), "orders/paid"), "INITIALIZED", None, True),
    ("orders/updated", lambda: event(aud_order(), "orders/updated"), "INITIALIZED", None, True),
    (
        "orders/fulfilled",
        lambda: event(aud_order(fulfillment_status="fulfilled"), "orders/fulfilled"),
        "DELIVERED",
        None,
        True,
    ),
    (
        "orders/cancelled",
        lambda: event(
            aud_order(cancelled_at="2020-12-28T08:00:00+11:00", cancel_reason="customer"), "orders/cancelled"
        ),
        "CANCELLED",
        None,
        True,
    ),
    (
        "refunds/create, shipping only",
        lambda: event(payload(SHIPPING_REFUND), "refunds/create", order=remembered()),
        "INITIALIZED",
        AFTER_SHIPPING_REFUND,
        True,
    ),
    (
        "refunds/create, the only line",
        lambda: event(payload(LINE_REFUND), "refunds/create", order=remembered()),
        "CANCELLED",
        AFTER_LINE_REFUND,
        False,
    ),
]


def expected_amounts(side: str, changed: dict[str, dict[str, str]] | None, pen_left: bool) -> dict[str, Any]:
    values = {**SIDES[side], **(changed or {}).get(side, {})}
    return {
        "totalCost": values["total"],
        "currency": values["currency"],
        "shipping": values["shipping"],
        "discount": "0.00",
        "taxes": values["taxes"],
        "costs": [(PEN_ID, Decimal(values["pen"]))] if pen_left else [],
    }


def event_amounts(request: dict[str, Any]) -> dict[str, Any]:
    values = {p["name"]: p["value"] for p in request["body"]["params"]}
    items = json.loads(values["items"])
    assert json.loads(values["products"]) == {"array": items}
    return {
        **{name: values[name] for name in ("totalCost", "currency", "shipping", "discount", "taxes")},
        "costs": [(item["externalItemId"], Decimal(str(item["cost"]))) for item in items],
    }


def orders_amounts(request: dict[str, Any]) -> dict[str, Any]:
    (order,) = request["body"]["orders"]
    return {
        **{name: f"{Decimal(str(order[name])):.2f}" for name in ("totalCost", "shipping", "discount", "taxes")},
        "currency": order["currency"],
        "costs": [(item["externalItemId"], Decimal(str(item["cost"]))) for item in order["items"]],
    }


@pytest.mark.parametrize("side", ["shop", "buyer"])
@pytest.mark.parametrize(
    ("build", "status", "changed", "pen_left"), [t[1:] for t in TOPICS], ids=[t[0] for t in TOPICS]
)
def test_event_mode_amounts_are_in_the_currency_the_event_names(
    build: Callable[[], CanonicalEvent],
    status: str,
    changed: dict[str, dict[str, str]] | None,
    pen_left: bool,
    side: str,
) -> None:
    requests = [summary(r) for r in translate(build(), settings(currency=side)).requests]
    order_event = requests[-1]
    assert {p["name"]: p["value"] for p in order_event["body"]["params"]}["status"] == status
    assert event_amounts(order_event) == expected_amounts(side, changed, pen_left)


@pytest.mark.parametrize("side", ["shop", "buyer"])
@pytest.mark.parametrize(
    ("build", "status", "changed", "pen_left"), [t[1:] for t in TOPICS], ids=[t[0] for t in TOPICS]
)
def test_orders_mode_amounts_are_in_the_currency_the_order_names(
    build: Callable[[], CanonicalEvent],
    status: str,
    changed: dict[str, dict[str, str]] | None,
    pen_left: bool,
    side: str,
) -> None:
    translation = translate(build(), settings(currency=side, mode="orders"))
    if changed is AFTER_SHIPPING_REFUND:
        # A partial refund keeps the order's status: Add orders is not called again.
        assert translation.skipped is not None
        return
    (request,) = [summary(r) for r in translation.requests]
    assert request["body"]["orders"][0]["status"] == status
    assert orders_amounts(request) == expected_amounts(side, changed, pen_left)


def test_shipping_only_refund_in_the_buyer_currency_is_booked_in_shop_currency_as_shopify_states_it() -> None:
    """The whole request: 10.15 AUD of shipping paid back as 7.71 USD leaves 50.18 AUD, not 52.62."""
    subject = event(payload(SHIPPING_REFUND), "refunds/create", order=remembered())
    items = [{"externalItemId": PEN_ID, "name": PEN, "quantity": 1, "cost": 45.62}]
    assert [summary(r) for r in translate(subject, settings()).requests] == [
        contact_upsert(
            {
                "firstName": "Jane",
                "lastName": "Doe",
                "channels": [{"type": "email", "value": "customer@example.com"}],
                "externalCustomerId": "4206822293653",
            }
        ),
        event_request(
            {
                "eventTypeKey": "orderUpdated",
                "keyValue": "customer@example.com",
                "params": params(
                    email="customer@example.com",
                    externalOrderId="2998548365461",
                    externalCustomerId="4206822293653",
                    firstName="Jane",
                    lastName="Doe",
                    totalCost="50.18",
                    currency="AUD",
                    status="INITIALIZED",
                    statusDescription="paid",
                    date="2020-12-26T21:18:47+00:00",
                    shipping="0.00",
                    discount="0.00",
                    taxes="4.56",
                    deliveryAddress="1 Example Street, 2600, Canberra, ACT, AU",
                    items=json_text(items),
                    products=json_text({"array": items}),
                ),
            },
            "orderUpdated:refund:890088186047892401",
            ("orderDelivered", "orderCancelled"),
        ),
    ]


# Checkouts: Shopify prices a checkout's lines in the buyer's currency only.


@pytest.mark.parametrize("side", ["shop", "buyer"])
def test_cart_prices_are_labelled_with_the_currency_they_are_in(side: str) -> None:
    requests = translate(event(multi_currency_checkout(), "checkouts/create"), settings(currency=side)).requests
    values = {p["name"]: p["value"] for p in summary(requests[-1])["body"]["params"]}
    assert values["currencyCode"] == "USD"
    assert [product["price"] for product in json.loads(values["products"])] == [199, 199]


def test_multi_currency_cart_whole_requests() -> None:
    subject = event(multi_currency_checkout(), "checkouts/create")
    product = {"productId": "808950810", "name": "IPod Nano - 8GB - Pink", "quantity": 1, "price": 199}
    assert [summary(r) for r in translate(subject, settings()).requests] == [
        contact_upsert(
            {
                "firstName": "Jane",
                "lastName": "Doe",
                "channels": [
                    {"type": "email", "value": "customer@example.com"},
                    {"type": "sms", "value": "61255550123"},
                ],
                "externalCustomerId": "603851970716743400",
            }
        ),
        event_request(
            {
                "eventTypeKey": "cartUpdated",
                "keyValue": "customer@example.com",
                "params": params(
                    email="customer@example.com",
                    phone="61255550123",
                    products=json_text([product, product]),
                    currencyCode="USD",
                    recycleStateId="123123123",
                ),
            },
            f"cartUpdated:{subject.id}",
        ),
    ]


def test_cart_lines_with_a_discount_carry_the_discount_per_item() -> None:
    body = multi_currency_checkout()
    body["line_items"][0].update(
        quantity=2, discount_allocations=[{"amount": "39.80", "discount_application_index": 0}]
    )
    requests = translate(event(body, "checkouts/create"), settings()).requests
    values = {p["name"]: p["value"] for p in summary(requests[-1])["body"]["params"]}
    assert [(p["quantity"], p["price"], p.get("discount")) for p in json.loads(values["products"])] == [
        (2, 199, "19.90"),
        (1, 199, None),
    ]


# Items: cost is one unit's price after the line's own discounts.

DISCOUNTED_COSTS = {
    # fixture: {side: [(pen unit cost, cartridge unit cost)]}
    DISCOUNT_PERCENT_ONE_LINE: {"shop": [36.5, 8], "buyer": [27.74, 6.08]},
    DISCOUNT_FIXED_ACROSS_ORDER: {"shop": [39.07, 6.85], "buyer": [29.69, 5.21]},
    DISCOUNT_AUTOMATIC: {"shop": [45.62, 6.8], "buyer": [34.67, 5.17]},
    DISCOUNT_FREE_SHIPPING: {"shop": [45.62, 8], "buyer": [34.67, 6.08]},
}


@pytest.mark.parametrize("mode", ["event", "orders"])
@pytest.mark.parametrize("side", ["shop", "buyer"])
@pytest.mark.parametrize("fixture", list(DISCOUNTED_COSTS))
def test_item_cost_is_the_unit_price_after_the_lines_own_discounts(fixture: str, side: str, mode: str) -> None:
    requests = [
        summary(r)
        for r in translate(event(payload(fixture), "orders/create"), settings(currency=side, mode=mode)).requests
    ]
    if mode == "orders":
        items = requests[-1]["body"]["orders"][0]["items"]
    else:
        items = json.loads({p["name"]: p["value"] for p in requests[-1]["body"]["params"]}["items"])
    assert [(item["quantity"], item["cost"]) for item in items] == list(
        zip((1, 3), DISCOUNTED_COSTS[fixture][side], strict=True)
    )


def test_item_cost_of_a_shipped_taxed_order_is_the_unit_price() -> None:
    """The pen costs 45.62; the order's 60.33 total includes shipping and GST, which have their own fields."""
    requests = translate(event(aud_order(), "orders/create"), settings(mode="orders")).requests
    order = requests[0].json_body["orders"][0]
    assert [item["cost"] for item in order["items"]] == [45.62]
    assert (order["totalCost"], order["shipping"], order["taxes"]) == (60.33, 10.15, 4.56)


# Guests: a stable externalCustomerId derived from the email, else the phone.


def test_guest_order_gets_an_external_customer_id_derived_from_the_email() -> None:
    subject = event(as_guest(aud_order()), "orders/create")
    contact, order_event = [summary(r) for r in translate(subject, settings()).requests]
    values = {p["name"]: p["value"] for p in order_event["body"]["params"]}
    assert values["externalCustomerId"] == GUEST_EMAIL_ID
    # The contact keeps no derived id: it takes the shop's own once the buyer has an account.
    assert "externalCustomerId" not in contact["body"]["contacts"][0]
    (request,) = translate(subject, settings(mode="orders")).requests
    assert request.json_body["orders"][0]["externalCustomerId"] == GUEST_EMAIL_ID


def test_guest_order_whole_requests() -> None:
    subject = event(as_guest(aud_order()), "orders/create")
    items = [{"externalItemId": PEN_ID, "name": PEN, "quantity": 1, "cost": 45.62}]
    assert [summary(r) for r in translate(subject, settings()).requests] == [
        # Names come from the billing address when there is no customer object.
        contact_upsert(
            {"firstName": "Jane", "lastName": "Doe", "channels": [{"type": "email", "value": "customer@example.com"}]}
        ),
        event_request(
            {
                "eventTypeKey": "orderCreated",
                "keyValue": "customer@example.com",
                "params": params(
                    email="customer@example.com",
                    externalOrderId="2998548365461",
                    externalCustomerId=GUEST_EMAIL_ID,
                    firstName="Jane",
                    lastName="Doe",
                    totalCost="60.33",
                    currency="AUD",
                    status="INITIALIZED",
                    statusDescription="paid",
                    date="2020-12-26T21:18:47+00:00",
                    shipping="10.15",
                    discount="0.00",
                    taxes="4.56",
                    deliveryAddress="1 Example Street, 2600, Canberra, ACT, AU",
                    items=json_text(items),
                    products=json_text({"array": items}),
                ),
            },
            "orderUpdated:paid",
            ("orderDelivered", "orderCancelled"),
        ),
    ]


def test_guest_id_is_stable_per_buyer_and_differs_between_buyers() -> None:
    def guest_id(body: dict[str, Any]) -> str:
        (request,) = translate(event(body, "orders/create"), settings(mode="orders")).requests
        return str(request.json_body["orders"][0]["externalCustomerId"])

    first = guest_id(as_guest(aud_order(id=1, name="#1")))
    again = guest_id(as_guest(aud_order(id=2, name="#2"), email="Customer@Example.com"))
    other = guest_id(as_guest(aud_order(), email="someone.else@example.com"))
    by_phone = guest_id(guest_with_phone_only(aud_order()))
    assert first == again == GUEST_EMAIL_ID
    assert len({first, other, by_phone}) == 3
    assert all(value.startswith("guest-") and len(value) == 38 for value in (other, by_phone))


@pytest.mark.parametrize("mode", ["event", "orders"])
def test_guest_orders_are_taken_by_the_sandbox_which_requires_external_customer_id(mode: str) -> None:
    sandbox = EsputnikSandbox(api_key="test-key")
    for request in translate(event(as_guest(aud_order()), "orders/create"), settings(mode=mode)).requests:
        reply = sandbox.answer(sandbox_request(request))
        assert reply.status == 200, reply.body.decode()
        assert read_response(reply.status, reply.headers, reply.body).verdict is Verdict.DELIVERED


# products: what email templates read, the same entries as items.


def test_order_events_carry_products_for_email_templates() -> None:
    requests = translate(event(payload(DOCS_ORDER), "orders/create"), settings()).requests
    values = {p["name"]: p["value"] for p in summary(requests[-1])["body"]["params"]}
    assert [p["name"] for p in summary(requests[-1])["body"]["params"]][-2:] == ["items", "products"]
    assert json.loads(values["products"]) == {"array": json.loads(values["items"])}
    assert len(json.loads(values["items"])) == 5


def test_a_trimmed_event_trims_products_with_items() -> None:
    body = with_lines(payload(DOCS_ORDER), 300, title="Ручная работа")
    request = translate(event(body, "orders/create"), settings()).requests[-1]
    values = {p["name"]: p["value"] for p in summary(request)["body"]["params"]}
    items = json.loads(values["items"])
    assert json.loads(values["products"]) == {"array": items}
    assert int(values["itemsOmitted"]) == 300 - len(items) > 0
    assert len(request.body_bytes() or b"") <= 20_000


# The duplicate answer: only as eSputnik gives it.


@pytest.mark.parametrize(
    ("status", "body", "verdict"),
    [
        (400, b'{"message":"Duplicated request"}', Verdict.DELIVERED),
        (500, b"<html><body><h1>Duplicated request</h1></body></html>", Verdict.RETRYABLE),
        (401, b'{"message":"Duplicated request"}', Verdict.PERMANENT),
        (401, b"Duplicated request", Verdict.PERMANENT),
        (400, b"Duplicated request", Verdict.PERMANENT),
        (400, b'{"message":"Invalid firstName: Duplicated request"}', Verdict.PERMANENT),
        (400, b'{"message":"Bad value","field":"Duplicated request"}', Verdict.PERMANENT),
        (400, b'{"message":"duplicated request!"}', Verdict.PERMANENT),
        (409, b'{"message":"Duplicated request"}', Verdict.PERMANENT),
        (503, b'{"message":"Duplicated request"}', Verdict.RETRYABLE),
    ],
    ids=[
        "documented answer",
        "500 html page",
        "401 json",
        "401 text",
        "400 text",
        "400 echoing a value",
        "400 with the words in another field",
        "400 other wording",
        "409",
        "503",
    ],
)
def test_duplicate_answer_is_recognised_only_as_esputnik_gives_it(status: int, body: bytes, verdict: Verdict) -> None:
    assert read_response(status, {}, body).verdict is verdict


def test_the_sandboxs_duplicate_answer_is_read_as_delivered() -> None:
    sandbox = EsputnikSandbox(api_key="test-key")
    (request,) = translate(event(aud_order(), "orders/paid"), settings(mode="orders")).requests
    first, second = (sandbox.answer(sandbox_request(request)) for _ in range(2))
    assert (first.status, second.status) == (200, 400)
    assert read_response(second.status, second.headers, second.body).verdict is Verdict.DELIVERED


def test_a_refund_of_an_order_never_seen_is_still_skipped() -> None:
    assert translate(event(payload(SHIPPING_REFUND), "refunds/create"), settings()) == Translation.skip(
        "order not seen"
    )
