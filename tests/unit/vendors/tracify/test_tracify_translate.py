"""Tracify translator: real Shopify fixtures (and variants) → the whole expected request."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from msgspec.structs import replace
from support.vendor_events import (
    CHECKOUT,
    CUSTOMER,
    DISCOUNT_AUTOMATIC,
    DISCOUNT_FIXED_ACROSS,
    DISCOUNT_FREE_SHIPPING,
    DISCOUNT_PERCENT_ONE_LINE,
    REFUND,
    TWELVE_LINES,
)
from tracify_cases import (
    API_KEY,
    AUD_SHOP_USD_BUYER,
    EVENTS_URL,
    SITE_ID,
    Variant,
    cancelled,
    email,
    fixture_event,
    forty_lines,
    guest_with_phone_only,
    in_yen,
    landing,
    pending,
    settings,
    status_url,
    whole,
    with_lines,
    without_client_details,
    without_landing_site,
    without_status_url,
    without_user_agent,
)

from shoprelay.canonical import RefundLine, format_amount
from shoprelay.problems import SettingsError
from shoprelay.vendors import load_vendor
from shoprelay.vendors.base import TranslationError
from shoprelay.vendors.tracify import VENDOR, TracifySettings, translate
from shoprelay.vendors.tracify.identity import identity_key

# Hashes of the 12-line fixture's buyer (IP 198.51.100.23, its Firefox UA, buyer12@example.com).
EMAIL_KEY = "bc4f49820e42ae460f2a35f05b5c4d6ce6d747e00bba38620a92fdf2aa771866"
SESSION_KEY = "4948622ec5faf8a75ad9d5cea59d279e424789393bfbe61f5e8ed1b9363a0e5c"
IP_KEY = "76ad2c141a10b6f7cb9178a96746da2dd35db545eddcb2f2130d0c540ca97629"
UA_KEY = "db735e2c27f06f04958ecbac63d25f4046fbc73cecfa0bdc2b2e646a30779048"
TWELVE_IDENTITY = {EMAIL_KEY: 1, SESSION_KEY: 2, IP_KEY: 3, UA_KEY: 4}

TWELVE_ITEMS = {
    "ITEM1": "Linen shirt", "AMT1": "5,90", "QTY1": "1",
    "ITEM2": "Wool socks | 3 pack", "AMT2": "8,90", "QTY2": "2",
    "ITEM3": "Café crème mug", "AMT3": "11,90", "QTY3": "3",
    "ITEM4": "Tea ~ green, loose", "AMT4": "14,90", "QTY4": "1",
    "ITEM5": 'Notebook "A5"', "AMT5": "17,90", "QTY5": "2",
    "ITEM6": "Pen & ink set", "AMT6": "20,90", "QTY6": "3",
    "ITEM7": "Canvas tote", "AMT7": "23,90", "QTY7": "1",
    "ITEM8": "Сумка шоппер", "AMT8": "26,90", "QTY8": "2",
    "ITEM9": "手ぬぐい towel", "AMT9": "29,90", "QTY9": "3",
    "ITEM10": "Candle 'amber'", "AMT10": "32,90", "QTY10": "1",
    "ITEM11": "Soap bar", "AMT11": "35,90", "QTY11": "2",
    "ITEM12": "Gift card", "AMT12": "38,90", "QTY12": "3",
}  # fmt: skip

TWELVE_DATA = {
    "origin": "https://shop.example.com",
    "Referer": "https://mail.example.net/",
    "utm_source": "newsletter",
    "utm_medium": "email",
    "utm_campaign": "winter",
    "trc_mcmp_id": "42",
    "order_id": "5551234567890",
    "currency": "EUR",
    "cc": "EUR",
    "amount": "566,50",
    **TWELVE_ITEMS,
}


def purchase(
    data: dict[str, str],
    *,
    identity: dict[str, int] | None = None,
    url: str = "https://shop.example.com/collections/all",
    moment: str = "2024-01-15 09:20:30",
) -> dict[str, Any]:
    """The whole request of one Tracify purchase (the 12-line order's facts unless given)."""
    return {
        "method": "POST",
        "url": EVENTS_URL,
        "headers": {
            "tracify-token": API_KEY,
            "Accept": "application/json",
            "Content-Type": "application/json; charset=utf-8",
        },
        "body": {
            "events": [
                {
                    "url": url,
                    "customer_site_id": SITE_ID,
                    "identity_data": TWELVE_IDENTITY if identity is None else identity,
                    "datetime": moment,
                    "type": "purchase",
                    "data": data,
                }
            ]
        },
        "effect": "purchase",
        "part": 1,
        "superseded_by": (),
        "repeatable": False,
        "vendor_ignores_repeats": True,  # Tracify keeps the first purchase of an order_id
    }


AUD_IDENTITY = {
    "5419bebc53242c246c8013a194a3f832fce17f2eeea39b302c2560b3a0dff708": 1,
    "9debcb3c40fc528506db1bc850270bfa5a1aaf172bed1b7e8302f46ded2366a1": 2,
    "c6286e821f5fe4eb13c80fe600b8d372ddbdecc06bb04d00f369eced71012b44": 3,
    "21dc6f871332f2d6de62ec72d9775b41bff4148d6e66e4b958f78867bcb75364": 4,
}
AUD_ORIGIN = "https://convert-cart-development.myshopify.com"


def aud_purchase(currency: str, amount: str, unit_price: str) -> dict[str, Any]:
    data = {
        "origin": AUD_ORIGIN,
        "order_id": "2998548365461",
        "currency": currency,
        "cc": currency,
        "amount": amount,
        "ITEM1": "Classic Fountain Pen",
        "AMT1": unit_price,
        "QTY1": "1",
    }
    return purchase(data, identity=AUD_IDENTITY, url=f"{AUD_ORIGIN}/", moment="2020-12-26 21:18:45")


def discounted_purchase(order_id: str, currency: str, amount: str, pen: str, ink: str) -> dict[str, Any]:
    """A purchase of the two-line discount fixtures: the pen, then three ink cartridges."""
    data = {
        "origin": AUD_ORIGIN,
        "order_id": order_id,
        "currency": currency,
        "cc": currency,
        "amount": amount,
        "ITEM1": "Classic Fountain Pen",
        "AMT1": pen,
        "QTY1": "1",
        "ITEM2": "Ink Cartridges",
        "AMT2": ink,
        "QTY2": "3",
    }
    return purchase(data, identity=AUD_IDENTITY, url=f"{AUD_ORIGIN}/", moment="2020-12-26 21:18:45")


def yen_items() -> dict[str, str]:
    return {key: (value.replace(",", "") if key.startswith("AMT") else value) for key, value in TWELVE_ITEMS.items()}


SENT: list[tuple[str, str, str, tuple[Variant, ...], dict[str, Any], dict[str, Any]]] = [
    # id, fixture, topic, variants, settings overrides, whole expected request
    ("placed-12-lines-titles-with-separators", TWELVE_LINES, "orders/create", (), {}, purchase(TWELVE_DATA)),
    ("paid-12-lines", TWELVE_LINES, "orders/paid", (), {}, purchase(TWELVE_DATA)),
    ("placed-but-pending-is-still-a-purchase", TWELVE_LINES, "orders/create", (pending,), {}, purchase(TWELVE_DATA)),
    (
        "buyer-currency-USD-by-default",
        AUD_SHOP_USD_BUYER,
        "orders/create",
        (),
        {},
        aud_purchase("USD", "45,85", "34,67"),
    ),
    (
        "shop-currency-AUD-when-chosen",
        AUD_SHOP_USD_BUYER,
        "orders/create",
        (),
        {"currency": "shop"},
        aud_purchase("AUD", "60,33", "45,62"),
    ),
    (
        "paid-multi-currency-in-the-buyer-currency",
        AUD_SHOP_USD_BUYER,
        "orders/paid",
        (),
        {},
        aud_purchase("USD", "45,85", "34,67"),
    ),
    (
        "percentage-code-on-one-line-USD",
        DISCOUNT_PERCENT_ONE_LINE,
        "orders/create",
        (),
        {},
        discounted_purchase("2998548365462", "USD", "58,28", "27,74", "6,08"),
    ),
    (
        "percentage-code-on-one-line-AUD",
        DISCOUNT_PERCENT_ONE_LINE,
        "orders/paid",
        (),
        {"currency": "shop"},
        discounted_purchase("2998548365462", "AUD", "76,70", "36,50", "8,00"),
    ),
    (
        "fixed-amount-across-the-order",
        DISCOUNT_FIXED_ACROSS,
        "orders/create",
        (),
        {},
        discounted_purchase("2998548365463", "USD", "57,55", "29,69", "5,21"),
    ),
    (
        "fixed-amount-across-the-order-AUD",
        DISCOUNT_FIXED_ACROSS,
        "orders/create",
        (),
        {"currency": "shop"},
        discounted_purchase("2998548365463", "AUD", "75,74", "39,07", "6,85"),
    ),
    (
        "automatic-discount",
        DISCOUNT_AUTOMATIC,
        "orders/create",
        (),
        {},
        discounted_purchase("2998548365464", "USD", "62,90", "34,67", "5,17"),
    ),
    (
        "free-shipping-leaves-item-prices-alone",
        DISCOUNT_FREE_SHIPPING,
        "orders/create",
        (),
        {},
        discounted_purchase("2998548365465", "USD", "58,20", "34,67", "6,08"),
    ),
    (
        "zero-decimal-JPY",
        TWELVE_LINES,
        "orders/create",
        (in_yen,),
        {},
        purchase({**TWELVE_DATA, "currency": "JPY", "cc": "JPY", "amount": "56650", **yen_items()}),
    ),
    (
        "guest-with-only-a-phone-has-no-email-identity",
        TWELVE_LINES,
        "orders/create",
        (guest_with_phone_only,),
        {},
        purchase(TWELVE_DATA, identity={SESSION_KEY: 2, IP_KEY: 3, UA_KEY: 4}),
    ),
    (
        "forty-lines",
        TWELVE_LINES,
        "orders/create",
        (forty_lines,),
        {},
        purchase(
            {
                **{key: value for key, value in TWELVE_DATA.items() if key[:3] not in {"ITE", "AMT", "QTY"}},
                **{
                    key: value
                    for n in range(1, 41)
                    for key, value in ((f"ITEM{n}", f"Line {n}"), (f"AMT{n}", f"{n},50"), (f"QTY{n}", str(n % 3 + 1)))
                },
            }
        ),
    ),
    (
        "dot-separator-no-cc-own-origin-order-name-sku-labels",
        TWELVE_LINES,
        "orders/create",
        (),
        {
            "decimal_separator": ".",
            "send_cc": False,
            "storefront_origin": "https://www.example-shop.de/",
            "order_id_field": "name",
            "item_label": "sku",
        },
        purchase(
            {
                "origin": "https://www.example-shop.de",
                "Referer": "https://mail.example.net/",
                "utm_source": "newsletter",
                "utm_medium": "email",
                "utm_campaign": "winter",
                "trc_mcmp_id": "42",
                "order_id": "#1123",
                "currency": "EUR",
                "amount": "566.50",
                **{
                    key: (f"SKU-{int(key[4:]):03d}" if key.startswith("ITEM") else value.replace(",", "."))
                    for key, value in TWELVE_ITEMS.items()
                },
            },
            url="https://www.example-shop.de/collections/all",
        ),
    ),
    (
        "email-stripped-but-case-kept-by-default",
        TWELVE_LINES,
        "orders/create",
        (email("  Buyer12@Example.com "),),
        {},
        purchase(
            TWELVE_DATA,
            identity={
                "d7c19d8a4b9d43369ee996ddc01f1f49c943941fb88ea7bf897b3bc277f0354e": 1,
                SESSION_KEY: 2,
                IP_KEY: 3,
                UA_KEY: 4,
            },
        ),
    ),
    (
        "email-lowercased-when-chosen",
        TWELVE_LINES,
        "orders/create",
        (email("  Buyer12@Example.com "),),
        {"email_lowercase": True},
        purchase(TWELVE_DATA),
    ),
    (
        "email-identity-turned-off",
        TWELVE_LINES,
        "orders/create",
        (),
        {"send_email_identity": False},
        purchase(TWELVE_DATA, identity={SESSION_KEY: 2, IP_KEY: 3, UA_KEY: 4}),
    ),
    (
        "every-non-empty-landing-param-but-shopify-internal-ones-and-no-query-in-url",
        TWELVE_LINES,
        "orders/create",
        (
            landing(
                "https://shop.example.com/products/mug?fbclid=abc&utm_term=&UTM_Content=hero&trc_mad_id=7&_bt=x"
                "&gclid=g-1&ttclid=t-1&msclkid=m-1&wbraid=w-1&gbraid=b-1&ref=partner"
                "&_pos=1&_sid=5e1&_ss=r&_psq=mug&_v=1.0&preview_theme_id=9&amount=1&AMT3=0&order_id=7"
            ),
        ),
        {},
        purchase(
            {
                **{k: v for k, v in TWELVE_DATA.items() if not k.startswith(("utm_", "trc_"))},
                "fbclid": "abc",
                "UTM_Content": "hero",
                "trc_mad_id": "7",
                "gclid": "g-1",
                "ttclid": "t-1",
                "msclkid": "m-1",
                "wbraid": "w-1",
                "gbraid": "b-1",
                "ref": "partner",
            },
            url="https://shop.example.com/products/mug",
        ),
    ),
    (
        "a-landing-address-urlsplit-refuses-keeps-its-attribution-but-not-its-path",
        TWELVE_LINES,
        "orders/create",
        (
            landing(
                "http://[::1/products/mug?utm_source=newsletter&utm_medium=email&utm_campaign=winter&trc_mcmp_id=42"
            ),
        ),
        {},
        purchase(TWELVE_DATA, url="https://shop.example.com/"),
    ),
    (
        "no-landing-page-gives-the-storefront-root",
        TWELVE_LINES,
        "orders/create",
        (without_landing_site,),
        {},
        purchase(
            {k: v for k, v in TWELVE_DATA.items() if k != "Referer" and not k.startswith(("utm_", "trc_"))},
            url="https://shop.example.com/",
        ),
    ),
]


@pytest.mark.parametrize(
    ("fixture", "topic", "variants", "overrides", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in SENT],
)
def test_sends_the_whole_expected_request(
    fixture: str, topic: str, variants: tuple[Variant, ...], overrides: dict[str, Any], expected: dict[str, Any]
) -> None:
    translation = translate(fixture_event(fixture, topic, *variants), settings(**overrides))

    assert translation.skipped is None
    assert [whole(request) for request in translation.requests] == [expected]


CANNOT_EXPRESS_CANCEL = "Tracify cannot express cancellations: a reported purchase is never updated"
CANNOT_EXPRESS_REFUND = "Tracify cannot express refunds: a reported purchase is never updated"

SKIPPED: list[tuple[str, str, str, tuple[Variant, ...], str]] = [
    # id, fixture, topic, variants, reason
    (
        "no-client-details",
        TWELVE_LINES,
        "orders/create",
        (without_client_details,),
        "no client IP and user agent on the order, which Tracify requires",
    ),
    (
        "no-user-agent",
        TWELVE_LINES,
        "orders/paid",
        (without_user_agent,),
        "no client user agent on the order, which Tracify requires",
    ),
    (
        "docs-order-without-client-details",
        "orders-create.shopify-docs-2026-04.json",
        "orders/paid",
        (lambda p: {**p, "cancelled_at": None},),
        "no client IP and user agent on the order, which Tracify requires",
    ),
    (
        "created-already-cancelled",
        TWELVE_LINES,
        "orders/create",
        (cancelled,),
        "the order is already cancelled, and Tracify could never take the purchase back",
    ),
    ("cancelled-paid-order", TWELVE_LINES, "orders/cancelled", (cancelled,), CANNOT_EXPRESS_CANCEL),
    (
        "fulfilled",
        TWELVE_LINES,
        "orders/fulfilled",
        (),
        "Tracify has no fulfilment event; the purchase was reported when the order was placed",
    ),
    (
        "updated",
        TWELVE_LINES,
        "orders/updated",
        (),
        "Tracify cannot express order changes: a reported purchase is never updated",
    ),
    ("refund-of-an-order-never-seen", REFUND, "refunds/create", (), CANNOT_EXPRESS_REFUND),
    ("checkout", CHECKOUT, "checkouts/create", (), "unfinished checkouts are not sent to Tracify, only purchases"),
    ("customer", CUSTOMER, "customers/create", (), "Tracify has no customer or consent events"),
]


@pytest.mark.parametrize(
    ("fixture", "topic", "variants", "reason"),
    [pytest.param(*case[1:], id=case[0]) for case in SKIPPED],
)
def test_skips_with_the_reason(fixture: str, topic: str, variants: tuple[Variant, ...], reason: str) -> None:
    translation = translate(fixture_event(fixture, topic, *variants), settings())

    assert translation.requests == ()
    assert translation.skipped == reason


def test_partial_refund_of_a_remembered_order_is_skipped() -> None:
    order = fixture_event(TWELVE_LINES, "orders/paid").order
    assert order is not None
    refund_event = fixture_event(REFUND, "refunds/create")
    assert refund_event.refund is not None
    partial = replace(
        refund_event.refund, order_id=order.id, lines=(RefundLine(line_id=order.lines[1].line_id, quantity=1),)
    )
    event = replace(refund_event, order=order, order_remembered=True, refund=partial)

    assert translate(event, settings()).skipped == CANNOT_EXPRESS_REFUND


def test_created_and_paid_of_one_paid_order_are_the_same_effect_and_body() -> None:
    placed = translate(fixture_event(TWELVE_LINES, "orders/create"), settings())
    paid = translate(
        fixture_event(TWELVE_LINES, "orders/paid", lambda p: {**p, "updated_at": "2024-01-15T11:00:00Z"}), settings()
    )

    assert [r.effect for r in placed.requests] == [r.effect for r in paid.requests] == ["purchase"]
    assert placed.requests[0].body_bytes() == paid.requests[0].body_bytes()


def test_production_url_when_no_endpoint_is_set() -> None:
    shop_settings = TracifySettings.parse({"api_key": API_KEY, "customer_site_id": SITE_ID})

    request = translate(fixture_event(TWELVE_LINES, "orders/create"), shop_settings).requests[0]

    assert request.url == "https://api.tracify.ai/api/v1/events"


def test_no_origin_at_all_is_a_translation_error() -> None:
    with pytest.raises(TranslationError, match="storefront_origin"):
        translate(fixture_event(TWELVE_LINES, "orders/create", without_status_url), settings())


def test_a_status_page_address_urlsplit_refuses_is_no_origin() -> None:
    with pytest.raises(TranslationError, match="storefront_origin"):
        translate(
            fixture_event(TWELVE_LINES, "orders/create", status_url("https://[shop.example.com/orders/1")), settings()
        )


def test_the_docs_example_purchase_is_reproduced() -> None:
    """Tracify's own purchase example, built from an equivalent Shopify order."""

    def as_in_the_docs(payload: dict[str, Any]) -> dict[str, Any]:
        payload = with_lines([("Name of Product 1", "25.00", 2), ("Name of Product 2", "50.00", 1)])(payload)
        hundred = {"shop_money": {"amount": "100.00", "currency_code": "EUR"}}
        hundred["presentment_money"] = dict(hundred["shop_money"])
        payload.update(
            id=123456789,
            total_price="100.00",
            current_total_price="100.00",
            total_price_set=hundred,
            current_total_price_set=hundred,
            created_at="2024-06-21T12:36:40Z",
            processed_at="2024-06-21T12:36:40Z",
            landing_site="/your-full-path-here",
            referring_site=None,
        )
        return payload

    doc_settings = TracifySettings.parse(
        {
            "api_key": API_KEY,
            "customer_site_id": "00000000-0000-0000-0000-000000000000",
            "storefront_origin": "https://www.yourwebsite.com",
            "decimal_separator": ".",
            "send_cc": False,
        }
    )
    sent = translate(fixture_event(TWELVE_LINES, "orders/create", as_in_the_docs), doc_settings).requests[0]

    documented = {
        "url": "https://www.yourwebsite.com/your-full-path-here",
        "customer_site_id": "00000000-0000-0000-0000-000000000000",
        "identity_data": {"<email hash>": 1, "<session hash>": 2, "<ip hash>": 3, "<ua hash>": 4},
        "datetime": "2024-06-21 12:36:40",
        "type": "purchase",
        "data": {
            "origin": "https://www.yourwebsite.com",
            "order_id": "123456789",
            "currency": "EUR",
            "amount": "100.00",
            "ITEM1": "Name of Product 1",
            "AMT1": "25",
            "QTY1": "2",
            "ITEM2": "Name of Product 2",
            "AMT2": "50",
            "QTY2": "1",
        },
    }
    assert sent.url == "https://api.tracify.ai/api/v1/events"
    assert _in_substance(sent.json_body["events"][0]) == _in_substance(documented)
    assert sent.json_body["events"][0]["data"]["amount"] == "100.00"


def _in_substance(event: dict[str, Any]) -> dict[str, Any]:
    """The event with hash keys reduced to their classes and amounts compared as numbers."""
    data = {
        key: Decimal(value) if key == "amount" or key.startswith("AMT") else value
        for key, value in event["data"].items()
    }
    return {**event, "identity_data": sorted(event["identity_data"].values()), "data": data}


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("test@example.com", "d655199e48e08f40798252d4688ea6c4d2e1ec5a06175477e9342a3cfda4ded9"),
        ("192.168.1.1", "2d0b84ff7b04b74906148264f4c6cba08b99a4c9a856ad92fb9ba0dde4932580"),
        ("192.168.1.1|Mozilla/5.0", "6fa4c6102d82c29727f536f606dfa1780df4b188846ff70042cdafbcee84a404"),
    ],
)
def test_identity_key_matches_the_reference_vectors(raw: str, key: str) -> None:
    assert identity_key(raw) == key


@pytest.mark.parametrize(
    ("amount", "currency", "separator", "text"),
    [
        ("566.5", "EUR", ",", "566,50"),
        ("10.005", "EUR", ".", "10.01"),
        ("7", "USD", ",", "7,00"),
        ("1500", "JPY", ",", "1500"),
        ("1500.50", "CLP", ".", "1501"),
        ("1234567.891", "KWD", ".", "1234567.89"),
    ],
)
def test_amount_format(amount: str, currency: str, separator: str, text: str) -> None:
    assert format_amount(Decimal(amount), currency, separator, max_places=2) == text


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"customer_site_id": "site-42"}, "UUID"),
        ({"storefront_origin": "https://www.example.com/shop"}, "scheme and host only"),
        ({"storefront_origin": "www.example.com"}, "scheme and host only"),
        ({"decimal_separator": ";"}, "decimal_separator"),
        ({"api_key": ""}, "api_key"),
    ],
)
def test_invalid_settings_are_refused(overrides: dict[str, Any], problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        settings(**overrides)


def test_vendor_declaration_dry_runs_with_placeholders() -> None:
    vendor = load_vendor("tracify")
    placeholder = vendor.settings_model.parse(vendor.placeholder_settings)

    request = vendor.translate(fixture_event(TWELVE_LINES, "orders/create"), placeholder).requests[0]

    assert vendor is VENDOR
    assert vendor.name == "tracify"
    assert request.headers["tracify-token"] == "PLACEHOLDER-TRACIFY-API-KEY"
    assert request.json_body["events"][0]["customer_site_id"] == "00000000-0000-0000-0000-000000000000"
    assert "PLACEHOLDER" not in repr(placeholder)
