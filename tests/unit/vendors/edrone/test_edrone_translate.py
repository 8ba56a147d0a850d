"""edrone translator: real Shopify fixtures and their variants → the whole expected request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from edrone_cases import (
    APP_ID,
    CUSTOMER,
    REFUND,
    TRACE_URL,
    consent_update,
    customer_with_consent,
    edited,
    event,
    fixture_event,
    guest_with_phone_only,
    in_currency,
    load,
    partial_refund,
    refund_event,
    settings,
    with_cart_attributes,
    with_line_titles,
    with_many_lines,
    without_client_details,
)
from msgspec.structs import replace
from support.vendor_events import AUD_USD, CHECKOUT, DISCOUNT_FIXED_ACROSS, DOCS_ORDER, TWELVE_LINES

from shoprelay.canonical import (
    Amounts,
    CanonicalEvent,
    Customer,
    EventKind,
    LineItem,
    Money,
    Order,
)
from shoprelay.problems import SettingsError
from shoprelay.vendors import load_vendor
from shoprelay.vendors.base import ORDER_NOT_SEEN, Translation, VendorRequest, Verdict
from shoprelay.vendors.edrone import VENDOR, EdroneSettings, translate

BROKEN_BAR = "\u00a6"
TILDE_OPERATOR = "\u223c"

PLACED_SUPERSEDED_BY = ("order:paid", "order:delivered", "order_cancel")
PAID_SUPERSEDED_BY = ("order:delivered", "order_cancel")
DELIVERED_SUPERSEDED_BY = ("order_cancel",)

NO_ORDER_EMAIL = "no email on the order; edrone's CRM identifies customers by email"
REFUND_SKIP = "edrone has no partial refund action; only a refund that returns every item cancels the order"

TWELVE_PRODUCTS = {
    "product_ids": "2000|2001|2002|2003|2004|2005|2006|2007|2008|2009|2010|2011",
    "product_skus": "SKU-001|SKU-002|SKU-003|SKU-004|SKU-005|SKU-006|SKU-007|SKU-008|SKU-009|SKU-010|SKU-011|SKU-012",
    "product_titles": (
        f"Linen shirt|Wool socks {BROKEN_BAR} 3 pack|Café crème mug|Tea {TILDE_OPERATOR} green, loose|"
        "Notebook \"A5\"|Pen & ink set|Canvas tote|Сумка шоппер|手ぬぐい towel|Candle 'amber'|Soap bar|Gift card"
    ),
    "product_counts": "1|2|3|1|2|3|1|2|3|1|2|3",
}

TWELVE_ORDER = {
    "app_id": APP_ID,
    "sender_type": "server",
    "action_type": "order",
    "order_status": "paid",
    "email": "buyer12@example.com",
    "first_name": "Jane",
    "last_name": "Doe",
    "country": "DE",
    "city": "Berlin",
    "user_id": "7770001",
    "order_id": "5551234567890",
    "base_currency": "EUR",
    "base_payment_value": "566.50",
    "order_currency": "EUR",
    "order_payment_value": "566.50",
    "event_utc_date": "2024-01-15 09:20:30",
    **TWELVE_PRODUCTS,
}

AUD_USD_ORDER = {
    "app_id": APP_ID,
    "sender_type": "server",
    "action_type": "order",
    "order_status": "paid",
    "email": "customer@example.com",
    "first_name": "Jane",
    "last_name": "Doe",
    "country": "AU",
    "city": "Canberra",
    "user_id": "4206822293653",
    "order_id": "2998548365461",
    "base_currency": "AUD",
    "base_payment_value": "60.33",
    "order_currency": "USD",
    "order_payment_value": "45.85",
    "event_utc_date": "2020-12-26 21:18:45",
    "product_ids": "6122640146581",
    "product_titles": "Classic Fountain Pen",
    "product_counts": "1",
}

DOCS_ORDER_DELIVERED = {
    "app_id": APP_ID,
    "sender_type": "server",
    "action_type": "order",
    "order_status": "delivered",
    "email": "customer@example.com",
    "first_name": "Jane",
    "last_name": "Doe",
    "phone": "+61255550123",
    "country": "US",
    "city": "Shippington",
    "user_id": "115310627314723950",
    "order_id": "820982911946154500",
    "base_currency": "USD",
    "base_payment_value": "414.95",
    "order_currency": "USD",
    "order_payment_value": "414.95",
    "event_utc_date": "2022-01-01 00:00:00",
    # Custom lines have no product id: their entry is empty (never their SKU), keeping every list aligned.
    "product_ids": "788032119674292900|||788032119674292900|788032119674292900",
    "product_skus": "SKU2006-001|LENS-PROTECT-2YR|CASE-LEATHER-PREM|SKU2006-020|SKU2006-035",
    "product_titles": (
        "Aviator sunglasses|Lens Protection Plan (2 Year)|Premium Leather Case|Mid-century lounger|Coffee table"
    ),
    "product_counts": "1|1|1|1|1",
}


DOCS_REFUND_CANCEL = VendorRequest(
    method="POST",
    url=TRACE_URL,
    effect="order_cancel",
    form_body={
        "app_id": APP_ID,
        "sender_type": "server",
        "action_type": "order_cancel",
        "order_id": "820982911946154500",
        "email": "customer@example.com",
        "event_utc_date": "2022-01-01 00:00:00",
    },
)
"""What the documented refund (every line of the documented order) sends: the sale is taken back."""


def rest_of_the_docs_order() -> dict[str, Any]:
    """The documented refund without its first line, as a second refund of the order."""
    payload = load(REFUND)
    payload["id"] = 890088186047892401
    payload["refund_line_items"] = payload["refund_line_items"][1:]
    return payload


def docs_order_with_first_line_refunded() -> dict[str, Any]:
    """The documented order as an orders/updated after its first line was refunded remembers it."""
    order = edited(DOCS_ORDER, cancelled_at=None)
    order["refunds"] = [partial_refund()]
    return order


def aud_usd_full_refund() -> dict[str, Any]:
    """The AUD-shop / USD-buyer order's one line returned, paid back in the buyer's currency."""
    return {
        "id": 776543210987,
        "order_id": 2998548365461,
        "created_at": "2020-12-28T12:00:00+11:00",
        "processed_at": "2020-12-28T12:00:00+11:00",
        "refund_line_items": [
            {
                "line_item_id": 6456910643349,
                "quantity": 1,
                "subtotal": 45.62,
                "subtotal_set": {
                    "shop_money": {"amount": "45.62", "currency_code": "AUD"},
                    "presentment_money": {"amount": "34.67", "currency_code": "USD"},
                },
            }
        ],
        "transactions": [{"kind": "refund", "status": "success", "amount": "38.14", "currency": "USD"}],
    }


def order_request(effect: str, body: dict[str, str], superseded_by: tuple[str, ...]) -> VendorRequest:
    """An ``order`` trace: edrone keeps the first per ``order_id`` and ignores a repeat."""
    return VendorRequest(
        method="POST",
        url=TRACE_URL,
        effect=effect,
        form_body=body,
        superseded_by=superseded_by,
        vendor_ignores_repeats=True,
    )


def sent(*requests: VendorRequest) -> Translation:
    return Translation.send(*requests)


DEFAULT_SETTINGS = settings()


@dataclass(frozen=True)
class Case:
    """One input event and the whole translation expected for it."""

    build: Callable[[], CanonicalEvent]
    expected: Callable[[CanonicalEvent], Translation]
    settings: EdroneSettings = DEFAULT_SETTINGS


def _forty_lines_expected(_: CanonicalEvent) -> Translation:
    numbers = range(1, 41)
    products = {
        "product_ids": "|".join(str(5000 + n) for n in numbers),
        "product_skus": "|".join(f"S-{n}" for n in numbers),
        "product_titles": "|".join(f"Item {n}" for n in numbers),
        "product_counts": "|".join(str(n % 3 + 1) for n in numbers),
    }
    return sent(order_request("order:paid", {**TWELVE_ORDER, **products}, PAID_SUPERSEDED_BY))


CASES: dict[str, Case] = {
    "12 lines EUR, orders/create of a paid order": Case(
        build=lambda: fixture_event(TWELVE_LINES, "orders/create"),
        expected=lambda _: sent(order_request("order:paid", TWELVE_ORDER, PAID_SUPERSEDED_BY)),
    ),
    "12 lines EUR, orders/paid": Case(
        build=lambda: fixture_event(TWELVE_LINES, "orders/paid"),
        expected=lambda _: sent(order_request("order:paid", TWELVE_ORDER, PAID_SUPERSEDED_BY)),
    ),
    "12 lines EUR, orders/fulfilled": Case(
        build=lambda: fixture_event(TWELVE_LINES, "orders/fulfilled"),
        expected=lambda _: sent(
            order_request("order:delivered", {**TWELVE_ORDER, "order_status": "delivered"}, DELIVERED_SUPERSEDED_BY)
        ),
    ),
    "pending order, orders/create": Case(
        build=lambda: event(edited(TWELVE_LINES, financial_status="pending"), "orders/create"),
        expected=lambda _: sent(
            order_request("order:placed", {**TWELVE_ORDER, "order_status": "placed"}, PLACED_SUPERSEDED_BY)
        ),
    ),
    "shop AUD, buyer USD": Case(
        build=lambda: fixture_event(AUD_USD, "orders/create"),
        expected=lambda _: sent(order_request("order:paid", AUD_USD_ORDER, PAID_SUPERSEDED_BY)),
    ),
    "zero-decimal currency (JPY)": Case(
        build=lambda: event(in_currency(load(TWELVE_LINES), "JPY", 100), "orders/paid"),
        expected=lambda _: sent(
            order_request(
                "order:paid",
                {
                    **TWELVE_ORDER,
                    "base_currency": "JPY",
                    "base_payment_value": "56650",
                    "order_currency": "JPY",
                    "order_payment_value": "56650",
                },
                PAID_SUPERSEDED_BY,
            )
        ),
    ),
    "order without client details": Case(
        build=lambda: event(without_client_details(AUD_USD), "orders/create"),
        expected=lambda _: sent(order_request("order:paid", AUD_USD_ORDER, PAID_SUPERSEDED_BY)),
    ),
    "docs order with custom lines, orders/fulfilled": Case(
        build=lambda: fixture_event(DOCS_ORDER, "orders/fulfilled"),
        expected=lambda _: sent(order_request("order:delivered", DOCS_ORDER_DELIVERED, DELIVERED_SUPERSEDED_BY)),
    ),
    "40-line order": Case(
        build=lambda: event(with_many_lines(TWELVE_LINES, 40), "orders/paid"),
        expected=_forty_lines_expected,
    ),
    "titles and categories with | ~ & quotes and non-Latin text": Case(
        build=lambda: event(
            with_line_titles(
                TWELVE_LINES,
                [
                    ("Socks | 3 pack", "Clothing > Socks | Tights"),
                    ("Tea ~ green", "Food > Tea~Herbal"),
                    ("Pen & ink \"deluxe\" 'set'", None),
                    ("Сумка шоппер", "Сумки"),
                    ("手ぬぐい", "雑貨 > 布"),
                ],
            ),
            "orders/paid",
        ),
        expected=lambda _: sent(
            order_request(
                "order:paid",
                {
                    **TWELVE_ORDER,
                    "product_ids": "2000|2001|2002|2003|2004",
                    "product_skus": "SKU-001|SKU-002|SKU-003|SKU-004|SKU-005",
                    "product_titles": (
                        f"Socks {BROKEN_BAR} 3 pack|Tea {TILDE_OPERATOR} green|Pen & ink \"deluxe\" 'set'|"
                        "Сумка шоппер|手ぬぐい"
                    ),
                    "product_counts": "1|2|3|1|2",
                    "product_category_names": (
                        f"Clothing~Socks {BROKEN_BAR} Tights|Food~Tea{TILDE_OPERATOR}Herbal||Сумки|雑貨~布"
                    ),
                },
                PAID_SUPERSEDED_BY,
            )
        ),
    ),
    "edrone browser id from the cart": Case(
        build=lambda: event(with_cart_attributes(TWELVE_LINES, _edrone_c_id="c-7f3e2a91"), "orders/paid"),
        expected=lambda _: sent(
            order_request("order:paid", {**TWELVE_ORDER, "c_id": "c-7f3e2a91"}, PAID_SUPERSEDED_BY)
        ),
    ),
    "browser id under a shop's own attribute name": Case(
        build=lambda: event(
            with_cart_attributes(TWELVE_LINES, _edrone_c_id="ignored", edrone_cid="c-0042"), "orders/paid"
        ),
        settings=settings(c_id_attribute="edrone_cid"),
        expected=lambda _: sent(order_request("order:paid", {**TWELVE_ORDER, "c_id": "c-0042"}, PAID_SUPERSEDED_BY)),
    ),
    "order name as order id, variant ids, no user id": Case(
        build=lambda: fixture_event(TWELVE_LINES, "orders/paid"),
        settings=settings(order_id_field="name", product_id_field="variant", send_user_id=False),
        expected=lambda _: sent(
            order_request(
                "order:paid",
                {
                    **{key: value for key, value in TWELVE_ORDER.items() if key != "user_id"},
                    "order_id": "#1123",
                    "product_ids": "3000|3001|3002|3003|3004|3005|3006|3007|3008|3009|3010|3011",
                },
                PAID_SUPERSEDED_BY,
            )
        ),
    ),
    "cancelled paid order": Case(
        build=lambda: event(
            edited(TWELVE_LINES, cancelled_at="2024-01-16T10:00:00+01:00", cancel_reason="customer"),
            "orders/cancelled",
        ),
        expected=lambda _: sent(
            VendorRequest(
                method="POST",
                url=TRACE_URL,
                effect="order_cancel",
                form_body={
                    "app_id": APP_ID,
                    "sender_type": "server",
                    "action_type": "order_cancel",
                    "order_id": "5551234567890",
                    "email": "buyer12@example.com",
                    "event_utc_date": "2024-01-16 09:00:00",
                },
            )
        ),
    ),
    "guest with only a phone, orders/create": Case(
        build=lambda: event(guest_with_phone_only(TWELVE_LINES), "orders/create"),
        expected=lambda _: Translation.skip(NO_ORDER_EMAIL),
    ),
    "guest with only a phone, orders/cancelled": Case(
        build=lambda: event(guest_with_phone_only(TWELVE_LINES), "orders/cancelled"),
        expected=lambda _: Translation.skip(NO_ORDER_EMAIL),
    ),
    "partial refund of a remembered order": Case(
        build=lambda: refund_event(partial_refund(), remembered_order=load(DOCS_ORDER)),
        expected=lambda _: Translation.skip(REFUND_SKIP),
    ),
    "refund of an order never seen": Case(
        build=lambda: refund_event(load(REFUND), remembered_order=None),
        expected=lambda _: Translation.skip(ORDER_NOT_SEEN),
    ),
    "refund returning every item cancels the order": Case(
        build=lambda: refund_event(load(REFUND), remembered_order=edited(DOCS_ORDER, cancelled_at=None)),
        expected=lambda _: sent(DOCS_REFUND_CANCEL),
    ),
    "refund returning the rest after an earlier partial refund cancels the order": Case(
        build=lambda: refund_event(rest_of_the_docs_order(), remembered_order=docs_order_with_first_line_refunded()),
        expected=lambda _: sent(DOCS_REFUND_CANCEL),
    ),
    "refund returning the rest while the earlier refund is not remembered is partial": Case(
        build=lambda: refund_event(rest_of_the_docs_order(), remembered_order=load(DOCS_ORDER)),
        expected=lambda _: Translation.skip(REFUND_SKIP),
    ),
    "multi-currency orders/paid: base in the shop currency, order in the buyer's": Case(
        build=lambda: fixture_event(AUD_USD, "orders/paid"),
        expected=lambda _: sent(order_request("order:paid", AUD_USD_ORDER, PAID_SUPERSEDED_BY)),
    ),
    "multi-currency orders/fulfilled": Case(
        build=lambda: fixture_event(AUD_USD, "orders/fulfilled"),
        expected=lambda _: sent(
            order_request("order:delivered", {**AUD_USD_ORDER, "order_status": "delivered"}, DELIVERED_SUPERSEDED_BY)
        ),
    ),
    "multi-currency orders/cancelled": Case(
        build=lambda: event(edited(AUD_USD, cancelled_at="2020-12-28T09:00:00+11:00"), "orders/cancelled"),
        expected=lambda _: sent(
            VendorRequest(
                method="POST",
                url=TRACE_URL,
                effect="order_cancel",
                form_body={
                    "app_id": APP_ID,
                    "sender_type": "server",
                    "action_type": "order_cancel",
                    "order_id": "2998548365461",
                    "email": "customer@example.com",
                    "event_utc_date": "2020-12-27 22:00:00",
                },
            )
        ),
    ),
    "discounted multi-currency order with variant ids": Case(
        build=lambda: fixture_event(DISCOUNT_FIXED_ACROSS, "orders/create"),
        settings=settings(product_id_field="variant"),
        expected=lambda _: sent(
            order_request(
                "order:paid",
                {
                    **AUD_USD_ORDER,
                    "order_id": "2998548365463",
                    "base_payment_value": "75.74",
                    "order_payment_value": "57.55",
                    "product_ids": "37319198802069|37319198834837",
                    "product_skus": "|KAW-INK-BLUE",
                    "product_titles": "Classic Fountain Pen|Ink Cartridges",
                    "product_counts": "1|3",
                },
                PAID_SUPERSEDED_BY,
            )
        ),
    ),
    "variant ids of lines that have none are empty, never another kind of id": Case(
        build=lambda: fixture_event(DOCS_ORDER, "orders/fulfilled"),
        settings=settings(product_id_field="variant"),
        expected=lambda _: sent(
            order_request("order:delivered", {**DOCS_ORDER_DELIVERED, "product_ids": "||||"}, DELIVERED_SUPERSEDED_BY)
        ),
    ),
    "full refund of a multi-currency order cancels it": Case(
        build=lambda: refund_event(aud_usd_full_refund(), remembered_order=load(AUD_USD)),
        expected=lambda _: sent(
            VendorRequest(
                method="POST",
                url=TRACE_URL,
                effect="order_cancel",
                form_body={
                    "app_id": APP_ID,
                    "sender_type": "server",
                    "action_type": "order_cancel",
                    "order_id": "2998548365461",
                    "email": "customer@example.com",
                    "event_utc_date": "2020-12-28 01:00:00",
                },
            )
        ),
    ),
    "orders/updated": Case(
        build=lambda: fixture_event(TWELVE_LINES, "orders/updated"),
        expected=lambda _: Translation.skip(
            "edrone has no order update action; the paid, fulfilled and cancelled topics carry status"
        ),
    ),
    "checkouts/create": Case(
        build=lambda: fixture_event(CHECKOUT, "checkouts/create"),
        expected=lambda _: Translation.skip("edrone has no server-side cart action; its browser tag tracks carts"),
    ),
    "customers/create without consent": Case(
        build=lambda: fixture_event(CUSTOMER, "customers/create"),
        expected=lambda _: Translation.skip("the payload does not state email marketing consent"),
    ),
    "customers/create, subscribed by email and SMS": Case(
        build=lambda: event(
            customer_with_consent("subscribed", sms_marketing_consent={"state": "subscribed"}), "customers/create"
        ),
        expected=lambda ev: sent(
            VendorRequest(
                method="POST",
                url=TRACE_URL,
                effect=f"subscribe:{ev.id}",
                form_body={
                    "app_id": APP_ID,
                    "sender_type": "server",
                    "action_type": "subscribe",
                    "email": "customer@example.com",
                    "first_name": "Jane",
                    "last_name": "Doe",
                    "phone": "+61255550123",
                    "country": "CA",
                    "city": "Ottawa",
                    "user_id": "706405506930370000",
                    "subscriber_status": "1",
                    "sms_subscriber_status": "1",
                    "event_utc_date": "2022-01-01 00:00:00",
                },
            )
        ),
    ),
    "consent update: unsubscribed": Case(
        build=lambda: event(consent_update("unsubscribed"), "customers_email_marketing_consent/update"),
        expected=lambda ev: sent(
            VendorRequest(
                method="POST",
                url=TRACE_URL,
                effect=f"subscribe:{ev.id}",
                form_body={
                    "app_id": APP_ID,
                    "sender_type": "server",
                    "action_type": "subscribe",
                    "email": "customer@example.com",
                    "user_id": "706405506930370000",
                    "subscriber_status": "0",
                    "event_utc_date": "2024-05-01 12:00:00",
                },
            )
        ),
    ),
    "consent update: unsubscribed, shop keeps edrone's own subscribers": Case(
        build=lambda: event(consent_update("not_subscribed"), "customers_email_marketing_consent/update"),
        settings=settings(send_unsubscribes=False),
        expected=lambda _: Translation.skip("customer is not subscribed and send_unsubscribes is off"),
    ),
    "consent update without an email": Case(
        build=lambda: event(consent_update("subscribed", email=None), "customers_email_marketing_consent/update"),
        expected=lambda _: Translation.skip("no email on the customer; edrone keys subscriptions on email"),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_translation_is_the_whole_expected_request(name: str) -> None:
    case = CASES[name]
    source = case.build()

    assert translate(source, case.settings) == case.expected(source)


def test_every_request_is_a_form_post() -> None:
    requests = [r for case in CASES.values() for r in translate(case.build(), case.settings).requests]

    assert len(requests) == 24
    for request in requests:
        described = request.describe()
        assert described["method"] == "POST"
        assert described["headers"] == {"Content-Type": "application/x-www-form-urlencoded"}
        assert described["body"] == dict(request.form_body or {})


def test_orders_create_and_orders_paid_of_one_paid_order_are_one_effect() -> None:
    created = translate(fixture_event(TWELVE_LINES, "orders/create"), settings())
    paid = translate(fixture_event(TWELVE_LINES, "orders/paid"), settings())

    assert [r.effect for r in created.requests] == ["order:paid"]
    assert created.requests == paid.requests


def test_each_order_status_is_superseded_only_by_later_ones() -> None:
    pending = edited(TWELVE_LINES, financial_status="pending")
    effects = {
        kind: translate(event(pending, topic), settings()).requests[0]
        for kind, topic in (
            ("placed", "orders/create"),
            ("paid", "orders/paid"),
            ("delivered", "orders/fulfilled"),
            ("cancel", "orders/cancelled"),
        )
    }

    assert {kind: (r.effect, r.superseded_by) for kind, r in effects.items()} == {
        "placed": ("order:placed", ("order:paid", "order:delivered", "order_cancel")),
        "paid": ("order:paid", ("order:delivered", "order_cancel")),
        "delivered": ("order:delivered", ("order_cancel",)),
        "cancel": ("order_cancel", ()),
    }


def test_oversized_order_keeps_every_product_and_shortens_titles() -> None:
    title = "Товар {n}: очень длинное название для проверки размера запроса"
    source = event(with_many_lines(TWELVE_LINES, 40, title=title), "orders/paid")

    (request,) = translate(source, settings()).requests
    body = dict(request.form_body or {})
    titles = body["product_titles"].split("|")

    assert len(request.body_bytes() or b"") <= 8192
    assert len(titles) == len(body["product_ids"].split("|")) == len(body["product_counts"].split("|")) == 40
    # 60 characters would still be about 11 KB of percent-encoded Cyrillic, so titles get 30.
    assert titles[0] == "Товар 1: очень длинное назван…"
    assert titles[39] == "Товар 40: очень длинное назва…"
    assert all(len(t) == 30 for t in titles)


def test_oversized_order_is_sent_whole_when_even_short_titles_do_not_fit() -> None:
    source = event(with_many_lines(TWELVE_LINES, 400), "orders/paid")

    (request,) = translate(source, settings()).requests
    body = dict(request.form_body or {})

    assert len(body["product_ids"].split("|")) == 400
    assert body["product_titles"].split("|")[399] == "Item 400"
    assert len(request.body_bytes() or b"") > 8192


def test_links_stay_aligned_and_a_pipe_in_a_url_is_percent_encoded() -> None:
    source = fixture_event(AUD_USD, "orders/create")
    assert source.order is not None
    first = source.order.lines[0]
    lines = (
        replace(first, url="https://shop.example/p?x=a|b", image_url="https://cdn.example/1.jpg"),
        replace(first, line_id="2", product_id="77", title="Ink"),
    )
    order = replace(source.order, lines=lines)

    (request,) = translate(replace(source, order=order), settings()).requests
    body = dict(request.form_body or {})

    assert {k: v for k, v in body.items() if k.startswith("product_")} == {
        "product_ids": "6122640146581|77",
        "product_titles": "Classic Fountain Pen|Ink",
        "product_counts": "1|1",
        "product_images": "https://cdn.example/1.jpg|",
        "product_urls": "https://shop.example/p?x=a%7Cb|",
    }


def test_production_url_without_an_endpoint() -> None:
    (request,) = translate(
        fixture_event(AUD_USD, "orders/create"), EdroneSettings.parse({"app_id": "live-app"})
    ).requests

    assert request.url == "https://api.edrone.me/trace"
    assert dict(request.form_body or {})["app_id"] == "live-app"


def test_vendor_loads_by_name_and_dry_runs_on_placeholder_settings() -> None:
    vendor = load_vendor("edrone")
    placeholder = vendor.settings_model.parse(vendor.placeholder_settings)

    (request,) = vendor.translate(fixture_event(AUD_USD, "orders/create"), placeholder).requests

    assert vendor is VENDOR
    assert dict(request.form_body or {})["app_id"] == "PLACEHOLDER-APP-ID"
    assert request.url == "https://api.edrone.me/trace"


@pytest.mark.parametrize(
    ("status", "body", "verdict", "error"),
    [
        (200, b"", Verdict.DELIVERED, None),
        (400, b'{"error": "Missing required field: app_id"}', Verdict.PERMANENT, "Missing required field: app_id"),
        (429, b"", Verdict.RETRYABLE, "HTTP 429"),
        (503, b"Service Unavailable", Verdict.RETRYABLE, "Service Unavailable"),
    ],
)
def test_responses_are_read_as_edrone_documents_them(
    status: int, body: bytes, verdict: Verdict, error: str | None
) -> None:
    reading = VENDOR.read_response(status, {"x-edrone-event-id": "e-1"} if status == 200 else {}, body)

    assert (reading.verdict, reading.error) == (verdict, error)


def test_unknown_app_id_setting_is_refused() -> None:
    with pytest.raises(SettingsError, match="app_id"):
        EdroneSettings.parse({"app_id": ""})


# --- the vendor document's own example ---------------------------------------------------

DOC_EXAMPLE = {
    "app_id": "YOUR_APP_ID",
    "sender_type": "server",
    "action_type": "order",
    "email": "john@example.com",
    "first_name": "John",
    "last_name": "Doe",
    "order_id": "ORD-12345",
    "country": "US",
    "city": "New York",
    "base_currency": "USD",
    "order_currency": "USD",
    "base_payment_value": "99.99",
    "order_payment_value": "99.99",
    "product_ids": "123",
    "product_titles": "Product Name",
    "product_images": "https://store.com/img.jpg",
    "product_urls": "https://store.com/product",
    "product_counts": "1",
    "product_category_ids": "1~2",
    "product_category_names": "Category~Subcategory",
}
"""edrone-server-side-events.txt, "Order event" (the Python ``data=`` dict)."""


def test_reproduces_the_vendor_documents_order_example() -> None:
    placed_at = datetime(2024, 3, 1, 10, 30, tzinfo=UTC)
    total = Money(shop=Decimal("99.99"), buyer=Decimal("99.99"))
    order = Order(
        id="5550001",
        name="ORD-12345",
        created_at=placed_at,
        financial_status="pending",
        currency="USD",
        buyer_currency="USD",
        amounts=Amounts(total=total, subtotal=total),
        lines=(
            LineItem(
                line_id="1",
                product_id="123",
                title="Product Name",
                category="Category > Subcategory",
                quantity=1,
                unit_price=total,
                url="https://store.com/product",
                image_url="https://store.com/img.jpg",
            ),
        ),
        customer=Customer(
            email="john@example.com", first_name="John", last_name="Doe", country_code="US", city="New York"
        ),
    )
    source = CanonicalEvent(
        id="doc-example",
        kind=EventKind.ORDER_PLACED,
        shop="demo.myshopify.com",
        topic="orders/create",
        occurred_at=placed_at,
        received_at=placed_at,
        order=order,
    )

    (request,) = translate(source, EdroneSettings.parse({"app_id": "YOUR_APP_ID", "order_id_field": "name"})).requests
    body = dict(request.form_body or {})

    # Shopify has no category ids, so that one field of the example cannot be produced.
    assert {k: v for k, v in body.items() if k in DOC_EXAMPLE} == {
        k: v for k, v in DOC_EXAMPLE.items() if k != "product_category_ids"
    }
    # What we add is the documented optional status and event time, nothing else.
    assert {k: v for k, v in body.items() if k not in DOC_EXAMPLE} == {
        "order_status": "placed",
        "event_utc_date": "2024-03-01 10:30:00",
    }
    assert request.url == "https://api.edrone.me/trace"
    assert request.body_bytes() == urlencode(body).encode("ascii")


def test_reproduces_the_vendor_documents_cancel_example() -> None:
    source = event(
        edited(AUD_USD, name="ORD-12345", cancelled_at="2024-03-02T08:00:00Z", cancel_reason="customer"),
        "orders/cancelled",
    )

    (request,) = translate(source, EdroneSettings.parse({"app_id": "YOUR_APP_ID", "order_id_field": "name"})).requests

    # The document's cancel example; the older server guide adds the email, which we send too.
    assert dict(request.form_body or {}) == {
        "app_id": "YOUR_APP_ID",
        "sender_type": "server",
        "action_type": "order_cancel",
        "order_id": "ORD-12345",
        "email": "customer@example.com",
        "event_utc_date": "2024-03-02 08:00:00",
    }
