"""eSputnik translator: real fixtures and their variants → the whole expected requests."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from esputnik_cases import (
    DOCS_ORDER,
    HEADERS,
    REFUND,
    as_yen,
    cancelled_paid_order,
    contact_upsert,
    event,
    event_request,
    fulfilled_order,
    guest_with_phone_only,
    json_text,
    open_docs_order,
    order_of,
    orders_request,
    params,
    partial_refund,
    payload,
    settings,
    summary,
    with_email,
    with_lines,
    without_client_details,
    without_contact,
)
from msgspec.structs import replace
from support.vendor_events import AUD_USD, CHECKOUT, CUSTOMER, TWELVE_LINES

from shoprelay.canonical import CanonicalEvent
from shoprelay.problems import SettingsError
from shoprelay.vendors import load_vendor
from shoprelay.vendors.base import Translation, Verdict
from shoprelay.vendors.esputnik import EsputnikSettings, read_response, translate

# The 12-line EUR order: tax-inclusive prices summing to 561.60, plus 4.90 shipping = 566.50.
# Each item's cost is the price of one unit, as eSputnik defines it (no line has a discount).
TWELVE_ITEMS = [
    {"externalItemId": "3000", "name": "Linen shirt - M", "quantity": 1, "cost": 5.9},
    {"externalItemId": "3001", "name": "Wool socks | 3 pack - M", "quantity": 2, "cost": 8.9},
    {"externalItemId": "3002", "name": "Café crème mug - M", "quantity": 3, "cost": 11.9},
    {"externalItemId": "3003", "name": "Tea ~ green, loose - M", "quantity": 1, "cost": 14.9},
    {"externalItemId": "3004", "name": 'Notebook "A5" - M', "quantity": 2, "cost": 17.9},
    {"externalItemId": "3005", "name": "Pen & ink set - M", "quantity": 3, "cost": 20.9},
    {"externalItemId": "3006", "name": "Canvas tote - M", "quantity": 1, "cost": 23.9},
    {"externalItemId": "3007", "name": "Сумка шоппер - M", "quantity": 2, "cost": 26.9},
    {"externalItemId": "3008", "name": "手ぬぐい towel - M", "quantity": 3, "cost": 29.9},
    {"externalItemId": "3009", "name": "Candle 'amber' - M", "quantity": 1, "cost": 32.9},
    {"externalItemId": "3010", "name": "Soap bar - M", "quantity": 2, "cost": 35.9},
    {"externalItemId": "3011", "name": "Gift card - M", "quantity": 3, "cost": 38.9},
]
TWELVE_CONTACT = {
    "firstName": "Jane",
    "lastName": "Doe",
    "channels": [{"type": "email", "value": "buyer12@example.com"}],
    "externalCustomerId": "7770001",
}


def twelve_params(**changes: str) -> list[dict[str, str]]:
    values = {
        "email": "buyer12@example.com",
        "externalOrderId": "5551234567890",
        "externalCustomerId": "7770001",
        "firstName": "Jane",
        "lastName": "Doe",
        "totalCost": "566.50",
        "currency": "EUR",
        "status": "INITIALIZED",
        "statusDescription": "paid",
        "date": "2024-01-15T09:20:30+00:00",
        "shipping": "4.90",
        "discount": "0.00",
        "taxes": "89.67",
        "deliveryAddress": "1 Example Street, 2600, Berlin, BE, DE",
        "items": json_text(TWELVE_ITEMS),
    }
    return order_params(**{**values, **changes})


def order_params(**values: str) -> list[dict[str, str]]:
    """An order event's parameters: ``products`` repeats ``items`` as ``{"array": [...]}``, last."""
    return params(**values, products=json_text({"array": json.loads(values.get("items", "[]"))}))


# Shopify's documented order: five one-unit lines, no tax or shipping, so costs are prices.
DOCS_ITEMS = [
    {"externalItemId": "788032119674292900", "name": "Aviator sunglasses", "quantity": 1, "cost": 89.99},
    {"externalItemId": "LENS-PROTECT-2YR", "name": "Lens Protection Plan (2 Year)", "quantity": 1, "cost": 19.99},
    {"externalItemId": "CASE-LEATHER-PREM", "name": "Premium Leather Case", "quantity": 1, "cost": 24.99},
    {"externalItemId": "788032119674292900", "name": "Mid-century lounger", "quantity": 1, "cost": 159.99},
    {"externalItemId": "788032119674292900", "name": "Coffee table", "quantity": 1, "cost": 119.99},
]
DOCS_CONTACT = {
    "firstName": "Jane",
    "lastName": "Doe",
    "channels": [{"type": "email", "value": "customer@example.com"}, {"type": "sms", "value": "61255550123"}],
    "externalCustomerId": "115310627314723950",
}


def docs_params(**changes: str) -> list[dict[str, str]]:
    values = {
        "email": "customer@example.com",
        "phone": "61255550123",
        "externalOrderId": "820982911946154500",
        "externalCustomerId": "115310627314723950",
        "firstName": "Jane",
        "lastName": "Doe",
        "totalCost": "414.95",
        "currency": "USD",
        "status": "INITIALIZED",
        "statusDescription": "paid",
        "date": "2022-01-01T00:00:00+00:00",
        "shipping": "0.00",
        "discount": "0.00",
        "taxes": "0.00",
        "deliveryAddress": "1 Example Street, 2600, Shippington, KY, US",
        "items": json_text(DOCS_ITEMS),
    }
    return order_params(**{**values, **changes})


def docs_event(event_type: str, effect: str, superseded_by: tuple[str, ...], **changes: str) -> list[dict[str, Any]]:
    body = {"eventTypeKey": event_type, "keyValue": "customer@example.com", "params": docs_params(**changes)}
    return [contact_upsert(DOCS_CONTACT), event_request(body, effect, superseded_by)]


NOT_BACKWARDS = ("orderDelivered", "orderCancelled")

# A guest's externalCustomerId: "guest-" and 32 hex digits of SHA-256 over "email:<address>"
# (or "phone:<digits>"), pinned here so that a change of the derivation cannot go unnoticed.
GUEST_EMAIL_ID = "guest-bf82a3122d057735960d9d8b8cb5eb4a"
GUEST_PHONE_ID = "guest-3e71d02ad77ff31000d87a6d2ef49cb1"


def translated(subject: CanonicalEvent, **overrides: Any) -> Translation:
    return translate(subject, settings(**overrides))


def sent(subject: CanonicalEvent, **overrides: Any) -> list[dict[str, Any]]:
    result = translated(subject, **overrides)
    assert result.skipped is None, result.skipped
    return [summary(request) for request in result.requests]


def event_params(request: dict[str, Any]) -> dict[str, str]:
    return {param["name"]: param["value"] for param in request["body"]["params"]}


# Event mode, one case per kind of the vendor semantics table (and the variants that matter).

EVENT_MODE_CASES: list[tuple[str, Callable[[], CanonicalEvent], list[dict[str, Any]]]] = [
    (
        "placed, unpaid: orderCreated",
        lambda: event(open_docs_order("pending"), "orders/create"),
        docs_event("orderCreated", "orderCreated", NOT_BACKWARDS, statusDescription="pending"),
    ),
    (
        "placed, already paid: orderCreated under the paid effect",
        lambda: event(open_docs_order("paid"), "orders/create"),
        docs_event("orderCreated", "orderUpdated:paid", NOT_BACKWARDS),
    ),
    (
        "paid: orderUpdated",
        lambda: event(open_docs_order("paid"), "orders/paid"),
        docs_event("orderUpdated", "orderUpdated:paid", NOT_BACKWARDS),
    ),
    (
        "fulfilled: orderDelivered",
        lambda: event(fulfilled_order(), "orders/fulfilled"),
        docs_event(
            "orderDelivered",
            "orderDelivered",
            ("orderCancelled",),
            status="DELIVERED",
            statusDescription="paid, fulfilled",
        ),
    ),
    (
        "cancelled paid order: orderCancelled",
        lambda: event(cancelled_paid_order(), "orders/cancelled"),
        docs_event("orderCancelled", "orderCancelled", (), status="CANCELLED"),
    ),
    (
        "partial refund: orderUpdated with what is left",
        lambda: event(partial_refund(), "refunds/create", order=order_of(open_docs_order("paid"))),
        docs_event(
            "orderUpdated",
            "orderUpdated:refund:890088186047892400",
            NOT_BACKWARDS,
            totalCost="324.96",
            items=json_text(DOCS_ITEMS[1:]),
        ),
    ),
    (
        "refund of every line: the order is cancelled",
        lambda: event(payload(REFUND), "refunds/create", order=order_of(open_docs_order("paid"))),
        docs_event(
            "orderUpdated",
            "orderUpdated:refund:890088186047892400",
            (),
            totalCost="329.95",
            status="CANCELLED",
            items="[]",
        ),
    ),
    (
        "buyer currency differs, shop currency sent (default)",
        lambda: event(payload(AUD_USD), "orders/create"),
        [
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
                    "eventTypeKey": "orderCreated",
                    "keyValue": "customer@example.com",
                    "params": order_params(
                        email="customer@example.com",
                        externalOrderId="2998548365461",
                        externalCustomerId="4206822293653",
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
                        items=json_text(
                            [
                                {
                                    "externalItemId": "37319198802069",
                                    "name": "Classic Fountain Pen - Fine / Bordeaux",
                                    "quantity": 1,
                                    "cost": 45.62,
                                }
                            ]
                        ),
                    ),
                },
                "orderUpdated:paid",
                NOT_BACKWARDS,
            ),
        ],
    ),
    (
        "zero-decimal currency: yen amounts have no decimals",
        lambda: event(as_yen(open_docs_order("pending")), "orders/create"),
        docs_event(
            "orderCreated",
            "orderCreated",
            NOT_BACKWARDS,
            totalCost="41495",
            currency="JPY",
            statusDescription="pending",
            shipping="0",
            discount="0",
            taxes="0",
            items=json_text([{**item, "cost": round(item["cost"] * 100)} for item in DOCS_ITEMS]),
        ),
    ),
    (
        "guest with only a phone: keyValue is the phone",
        lambda: event(guest_with_phone_only(open_docs_order("pending")), "orders/create"),
        [
            contact_upsert(
                {"firstName": "Jane", "lastName": "Doe", "channels": [{"type": "sms", "value": "380501234567"}]},
                dedupe_on="sms",
            ),
            event_request(
                {
                    "eventTypeKey": "orderCreated",
                    "keyValue": "380501234567",
                    "params": order_params(
                        phone="380501234567",
                        externalOrderId="820982911946154500",
                        externalCustomerId=GUEST_PHONE_ID,
                        firstName="Jane",
                        lastName="Doe",
                        totalCost="414.95",
                        currency="USD",
                        status="INITIALIZED",
                        statusDescription="pending",
                        date="2022-01-01T00:00:00+00:00",
                        shipping="0.00",
                        discount="0.00",
                        taxes="0.00",
                        deliveryAddress="1 Example Street, 2600, Shippington, KY, US",
                        items=json_text(DOCS_ITEMS),
                    ),
                },
                "orderCreated",
                NOT_BACKWARDS,
            ),
        ],
    ),
    (
        "order without client details: eSputnik does not need them",
        lambda: event(without_client_details(payload(TWELVE_LINES)), "orders/create"),
        [
            contact_upsert(TWELVE_CONTACT),
            event_request(
                {"eventTypeKey": "orderCreated", "keyValue": "buyer12@example.com", "params": twelve_params()},
                "orderUpdated:paid",
                NOT_BACKWARDS,
            ),
        ],
    ),
    (
        "titles with | ~ & quotes and non-Latin text travel untouched",
        lambda: event(payload(TWELVE_LINES), "orders/create"),
        [
            contact_upsert(TWELVE_CONTACT),
            event_request(
                {"eventTypeKey": "orderCreated", "keyValue": "buyer12@example.com", "params": twelve_params()},
                "orderUpdated:paid",
                NOT_BACKWARDS,
            ),
        ],
    ),
    (
        "checkout with a known buyer: cartUpdated",
        lambda: event(payload(CHECKOUT), "checkouts/create"),
        [
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
                        products=json_text(
                            [
                                {
                                    "productId": "808950810",
                                    "name": "IPod Nano - 8GB - Pink",
                                    "quantity": 1,
                                    "price": 199,
                                },
                                {
                                    "productId": "808950810",
                                    "name": "IPod Nano - 8GB - Pink",
                                    "quantity": 1,
                                    "price": 199,
                                },
                            ]
                        ),
                        currencyCode="USD",
                        recycleStateId="123123123",
                    ),
                },
                "cartUpdated:EVENT-ID",
            ),
        ],
    ),
]


@pytest.mark.parametrize(
    ("build", "expected"), [case[1:] for case in EVENT_MODE_CASES], ids=[c[0] for c in EVENT_MODE_CASES]
)
def test_event_mode_sends_the_contact_then_the_event(
    build: Callable[[], CanonicalEvent], expected: list[dict[str, Any]]
) -> None:
    subject = build()
    expected = [{**request, "effect": request["effect"].replace("EVENT-ID", subject.id)} for request in expected]
    assert sent(subject) == expected


def test_order_updated_is_its_own_effect_per_event() -> None:
    first = event(open_docs_order("paid"), "orders/updated", webhook_id="update-1")
    second = event(open_docs_order("paid"), "orders/updated", webhook_id="update-2")
    assert sent(first) == docs_event("orderUpdated", f"orderUpdated:{first.id}", NOT_BACKWARDS)
    assert sent(second)[1]["effect"] == f"orderUpdated:{second.id}"
    assert first.id != second.id


def test_orders_create_and_paid_of_one_paid_order_share_the_effect() -> None:
    body = payload(TWELVE_LINES)
    placed = sent(event(body, "orders/create"))
    paid = sent(event(body, "orders/paid", webhook_id="webhook-2"))
    assert placed[1]["effect"] == paid[1]["effect"] == "orderUpdated:paid"
    assert (placed[1]["body"]["eventTypeKey"], paid[1]["body"]["eventTypeKey"]) == ("orderCreated", "orderUpdated")


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (
            lambda: event(partial_refund(), "refunds/create"),
            "order not seen",
        ),
        (
            lambda: event(without_contact(open_docs_order()), "orders/create"),
            "no email or phone for the buyer, so eSputnik has no contact to attach the order to",
        ),
        (
            lambda: event(
                {**payload(CHECKOUT), "email": None, "customer": None, "billing_address": None}, "checkouts/create"
            ),
            "no email or phone on the checkout, so eSputnik has no contact to attach the cart to",
        ),
        (
            lambda: event({**payload(CHECKOUT), "completed_at": "2022-01-01T01:00:00Z"}, "checkouts/update"),
            "checkout is completed; its order is sent instead",
        ),
        (
            lambda: event(payload(CUSTOMER), "customers/create"),
            "eSputnik gets contacts with their orders and carts, not on customer updates alone",
        ),
    ],
    ids=["refund of an unseen order", "no email and no phone", "anonymous checkout", "completed checkout", "customer"],
)
def test_skips_say_why(build: Callable[[], CanonicalEvent], reason: str) -> None:
    assert translated(build()) == Translation.skip(reason)


def test_buyer_currency_setting_sends_what_the_buyer_paid() -> None:
    requests = sent(event(payload(AUD_USD), "orders/create"), currency="buyer")
    values = event_params(requests[1])
    assert (values["totalCost"], values["currency"], values["shipping"], values["taxes"]) == (
        "45.85",
        "USD",
        "7.71",
        "3.47",
    )
    assert json.loads(values["items"]) == [
        {
            "externalItemId": "37319198802069",
            "name": "Classic Fountain Pen - Fine / Bordeaux",
            "quantity": 1,
            "cost": 34.67,
        }
    ]


def test_forty_line_order_fits_in_one_event() -> None:
    requests = sent(event(with_lines(open_docs_order("pending"), 40), "orders/create"))
    values = event_params(requests[1])
    assert values["totalCost"] == "820.00"
    assert json.loads(values["items"]) == [
        {"externalItemId": str(7_000_000 + n), "name": f"Line {n}", "quantity": 1, "cost": n} for n in range(1, 41)
    ]
    assert "itemsOmitted" not in values
    assert (
        len(
            translated(event(with_lines(open_docs_order("pending"), 40), "orders/create")).requests[1].body_bytes()
            or b""
        )
        < 20_000
    )


def test_event_over_20_kb_keeps_the_first_items_and_says_how_many_it_dropped() -> None:
    result = translated(event(with_lines(open_docs_order("pending"), 300, title="Ручная работа"), "orders/create"))
    request = result.requests[1]
    size = len(request.body_bytes() or b"")
    values = event_params(summary(request))
    items = json.loads(values["items"])
    assert 19_000 < size <= 20_000
    assert int(values["itemsOmitted"]) == 300 - len(items) > 0
    assert [item["name"] for item in items] == [f"Ручная работа {n}" for n in range(1, len(items) + 1)]
    assert values["totalCost"] == "45150.00"


def test_email_with_characters_keyvalue_forbids_falls_back_to_the_phone() -> None:
    requests = sent(event(with_email(open_docs_order(), "o'brien!@example.com"), "orders/create"))
    assert requests[1]["body"]["keyValue"] == "61255550123"
    assert event_params(requests[1])["email"] == "o'brien!@example.com"
    assert requests[0]["body"]["dedupeOn"] == "email"


def test_without_any_usable_key_the_email_param_names_the_contact() -> None:
    body = with_email(open_docs_order(), "o'brien@example.com")
    body["billing_address"]["phone"] = None
    body["shipping_address"]["phone"] = None
    requests = sent(event(body, "orders/create"))
    assert "keyValue" not in requests[1]["body"]
    assert requests[1]["body"]["params"][0] == {"name": "email", "value": "o'brien@example.com"}


def test_order_id_field_and_store_id_settings() -> None:
    requests = sent(event(open_docs_order(), "orders/paid"), order_id_field="name", store_id="eu-store")
    values = event_params(requests[1])
    assert (values["externalOrderId"], values["storeId"]) == ("#9999", "eu-store")


def test_paid_status_setting_moves_paid_orders_in_progress() -> None:
    requests = sent(event(open_docs_order("paid"), "orders/paid"), paid_status="IN_PROGRESS")
    assert event_params(requests[1])["status"] == "IN_PROGRESS"
    assert requests[1]["superseded_by"] == NOT_BACKWARDS


def test_an_order_event_without_an_order_is_skipped_as_not_seen() -> None:
    subject = replace(event(open_docs_order(), "orders/paid"), order=None)
    assert translated(subject) == Translation.skip("order not seen")


def test_reproduces_the_vendor_documents_order_created_example() -> None:
    """The doc's orderCreated example, from an order with the same facts.

    The example's own numbers disagree (one item costing 990 in an order of 258.0); an item's
    cost is the price of one unit, and this order's one unit costs 258. Its naive date is
    read as UTC; shoprelay always sends an offset.
    The parameters shoprelay adds (currency, names, address…) are not compared.
    """
    body = open_docs_order("pending")
    body = with_lines(guest_with_phone_only(body, phone="+380501234567"), 1)
    body["id"] = 12345679
    body["customer"] = {"id": "AV13760"}
    body["created_at"] = "2020-05-14T10:11:00Z"
    line = body["line_items"][0]
    line.update(variant_id=200600, title="Super Device", name="Super Device", product_type="devices")
    line.update(
        price="258.00",
        price_set={k: {"amount": "258.00", "currency_code": "USD"} for k in ("shop_money", "presentment_money")},
    )
    for field in ("total_price", "current_total_price", "subtotal_price", "current_subtotal_price"):
        body[field] = "258.00"
        body[f"{field}_set"] = {
            k: {"amount": "258.00", "currency_code": "USD"} for k in ("shop_money", "presentment_money")
        }
    placed = event(body, "orders/create")
    assert placed.order is not None
    # Shopify's webhook has no product URLs; a catalogue-enriched order would, as here.
    line = replace(
        placed.order.lines[0],
        url="http://example.com/item/200600",
        image_url="http://example.com/item/200600/image.png",
    )
    placed = replace(placed, order=replace(placed.order, lines=(line,)))
    doc_example = {
        "eventTypeKey": "orderCreated",
        "keyValue": "380501234567",
        "params": [
            {"name": "phone", "value": "380501234567"},
            {"name": "externalOrderId", "value": "12345679"},
            {"name": "externalCustomerId", "value": "AV13760"},
            {"name": "totalCost", "value": "258.0"},
            {"name": "status", "value": "INITIALIZED"},
            {"name": "date", "value": "2020-05-14T10:11:00"},
            {
                "name": "items",
                "value": (
                    '[{"externalItemId":"200600","name":"Super Device","category":"devices","quantity":1,"cost":990,'
                    '"url":"http:\\/\\/example.com\\/item\\/200600",'
                    '"imageUrl":"http:\\/\\/example.com\\/item\\/200600\\/image.png","description":"High quality"}]'
                ),
            },
        ],
    }
    ours = sent(placed)[1]["body"]
    assert (ours["eventTypeKey"], ours["keyValue"]) == (doc_example["eventTypeKey"], doc_example["keyValue"])
    theirs = {p["name"]: p["value"] for p in doc_example["params"]}
    mine = event_params({"body": ours})
    assert [p["name"] for p in ours["params"][:3]] == ["phone", "externalOrderId", "externalCustomerId"]
    assert {name: mine[name] for name in ("phone", "externalOrderId", "externalCustomerId", "status")} == {
        name: theirs[name] for name in ("phone", "externalOrderId", "externalCustomerId", "status")
    }
    assert Decimal(mine["totalCost"]) == Decimal(theirs["totalCost"])
    assert mine["date"] == theirs["date"] + "+00:00"
    their_item = json.loads(theirs["items"])[0]
    del their_item["description"]  # the canonical order has no product descriptions
    assert json.loads(mine["items"]) == [{**their_item, "cost": 258}]


# Orders mode: the whole order to Add orders, once per status.

DOCS_ORDER_RESOURCE = {
    "externalOrderId": "820982911946154500",
    "externalCustomerId": "115310627314723950",
    "firstName": "Jane",
    "lastName": "Doe",
    "email": "customer@example.com",
    "phone": "61255550123",
    "totalCost": 414.95,
    "currency": "USD",
    "status": "INITIALIZED",
    "statusDescription": "pending",
    "date": "2022-01-01T00:00:00+00:00",
    "shipping": 0,
    "discount": 0,
    "taxes": 0,
    "deliveryAddress": "1 Example Street, 2600, Shippington, KY, US",
    "items": DOCS_ITEMS,
}
STILL_OPEN = ("orderIN_PROGRESS", "orderDELIVERED", "orderCANCELLED")

ORDERS_MODE_CASES: list[tuple[str, Callable[[], CanonicalEvent], list[dict[str, Any]]]] = [
    (
        "placed, unpaid",
        lambda: event(open_docs_order("pending"), "orders/create"),
        [orders_request(DOCS_ORDER_RESOURCE, "orderINITIALIZED", STILL_OPEN)],
    ),
    (
        "paid (same status, so the same effect as placed)",
        lambda: event(open_docs_order("paid"), "orders/paid"),
        [orders_request({**DOCS_ORDER_RESOURCE, "statusDescription": "paid"}, "orderINITIALIZED", STILL_OPEN)],
    ),
    (
        "fulfilled",
        lambda: event(fulfilled_order(), "orders/fulfilled"),
        [
            orders_request(
                {**DOCS_ORDER_RESOURCE, "status": "DELIVERED", "statusDescription": "paid, fulfilled"},
                "orderDELIVERED",
                ("orderCANCELLED",),
            )
        ],
    ),
    (
        "cancelled paid order",
        lambda: event(cancelled_paid_order(), "orders/cancelled"),
        [orders_request({**DOCS_ORDER_RESOURCE, "status": "CANCELLED", "statusDescription": "paid"}, "orderCANCELLED")],
    ),
    (
        "refund of every line",
        lambda: event(payload(REFUND), "refunds/create", order=order_of(open_docs_order("paid"))),
        [
            orders_request(
                {
                    **DOCS_ORDER_RESOURCE,
                    "totalCost": 329.95,
                    "status": "CANCELLED",
                    "statusDescription": "paid",
                    "items": [],
                },
                "orderCANCELLED",
            )
        ],
    ),
    (
        "12 lines, shipping on top: each item costs its unit price",
        lambda: event(payload(TWELVE_LINES), "orders/create"),
        [
            orders_request(
                {
                    "externalOrderId": "5551234567890",
                    "externalCustomerId": "7770001",
                    "firstName": "Jane",
                    "lastName": "Doe",
                    "email": "buyer12@example.com",
                    "totalCost": 566.5,
                    "currency": "EUR",
                    "status": "INITIALIZED",
                    "statusDescription": "paid",
                    "date": "2024-01-15T09:20:30+00:00",
                    "shipping": 4.9,
                    "discount": 0,
                    "taxes": 89.67,
                    "deliveryAddress": "1 Example Street, 2600, Berlin, BE, DE",
                    "items": TWELVE_ITEMS,
                },
                "orderINITIALIZED",
                STILL_OPEN,
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("build", "expected"), [case[1:] for case in ORDERS_MODE_CASES], ids=[c[0] for c in ORDERS_MODE_CASES]
)
def test_orders_mode_sends_the_whole_order_once_per_status(
    build: Callable[[], CanonicalEvent], expected: list[dict[str, Any]]
) -> None:
    assert sent(build(), mode="orders") == expected


def test_item_costs_with_shipping_and_tax_are_unit_prices_not_shares_of_the_total() -> None:
    # GIVEN 12 lines whose units add up to 561.60, and 4.90 shipping on top
    order = sent(event(payload(TWELVE_LINES), "orders/create"), mode="orders")[0]["body"]["orders"][0]
    # THEN each cost is one unit's price, and the units add up to the lines' value, not the total
    assert [item["cost"] for item in order["items"]] == [item["cost"] for item in TWELVE_ITEMS]
    assert sum(Decimal(str(item["cost"])) * item["quantity"] for item in order["items"]) == Decimal("561.60")


def test_orders_mode_skips_partial_refunds_and_unseen_orders() -> None:
    remembered = order_of(open_docs_order("paid"))
    partial = translated(event(partial_refund(), "refunds/create", order=remembered), mode="orders")
    unseen = translated(event(partial_refund(), "refunds/create"), mode="orders")
    assert partial == Translation.skip(
        "a partial refund keeps the order's status, and Add orders would raise that status's event again"
    )
    assert unseen == Translation.skip("order not seen")


def test_orders_mode_still_sends_carts_as_events() -> None:
    requests = sent(event(payload(CHECKOUT), "checkouts/create"), mode="orders")
    assert [(r["url"].rsplit("/", 1)[-1], r["effect"].split(":")[0]) for r in requests] == [
        ("contacts", "contact"),
        ("event", "cartUpdated"),
    ]


# Settings, registry and response reading.


def test_vendor_is_registered_with_placeholder_settings_that_dry_run() -> None:
    vendor = load_vendor("esputnik")
    placeholder = vendor.settings_model.parse(vendor.placeholder_settings)
    result = vendor.translate(event(payload(DOCS_ORDER), "orders/create"), placeholder)
    assert result.requests[1].url == "https://esputnik.com/api/v1/event"
    assert result.requests[1].headers["Authorization"] == "Basic dXNlcjpQTEFDRUhPTERFUi1FU1BVVE5JSy1BUEktS0VZ"
    assert vendor.read_response is read_response


def test_settings_keep_the_key_secret_and_refuse_unknown_choices() -> None:
    configured = settings()
    assert "test-key" not in repr(configured)
    assert HEADERS["Authorization"] == "Basic dXNlcjp0ZXN0LWtleQ=="
    with pytest.raises(SettingsError):
        EsputnikSettings.parse({"api_key": "k", "mode": "batch"})
    with pytest.raises(SettingsError):
        EsputnikSettings.parse({"api_key": ""})


@pytest.mark.parametrize(
    ("status", "body", "verdict", "error"),
    [
        (200, b"", Verdict.DELIVERED, None),
        (200, b'{"asyncSessionId":"a1"}', Verdict.DELIVERED, None),
        (200, b'{"failedOrders":[]}', Verdict.DELIVERED, None),
        (
            200,
            b'{"failedOrders":[{"externalOrderId":"1","error":"currency is required"}]}',
            Verdict.PERMANENT,
            'failedOrders: [{"externalOrderId":"1","error":"currency is required"}]',
        ),
        (400, b'{"message":"Duplicated request"}', Verdict.DELIVERED, None),
        (400, b'{ "message": "Duplicated request", "code": 400 }', Verdict.DELIVERED, None),
        (400, b"keyValue contains forbidden characters", Verdict.PERMANENT, "keyValue contains forbidden characters"),
        (401, b"Unauthorized", Verdict.PERMANENT, "Unauthorized"),
        (429, b"Too many requests", Verdict.RETRYABLE, "Too many requests"),
        (503, b"", Verdict.RETRYABLE, "HTTP 503"),
    ],
)
def test_read_response(status: int, body: bytes, verdict: Verdict, error: str | None) -> None:
    reading = read_response(status, {}, body)
    assert (reading.verdict, reading.error) == (verdict, error)
