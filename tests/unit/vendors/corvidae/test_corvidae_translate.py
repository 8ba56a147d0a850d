"""Corvidae translator: real fixtures and their variants → the whole expected request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from corvidae_cases import (
    FILLED,
    HOST,
    RECEIVED,
    RECEIVED_MS,
    SANDBOX_ENDPOINT,
    SHOP,
    Body,
    cancelled,
    event,
    fixture,
    guest_with_phone_only,
    hit_url,
    in_zero_decimal_currency,
    not_cancelled,
    partial_refund,
    pending,
    settings,
    unchanged,
    with_awkward_titles,
    with_forty_lines,
    with_session_id,
    without_client_details,
)
from msgspec.structs import replace
from support.vendor_events import (
    AUD_USD,
    CHECKOUT,
    CUSTOMER,
    DISCOUNT_FIXED_ACROSS,
    DISCOUNT_FREE_SHIPPING,
    DOCS_ORDER,
    REFUND,
)

from shoprelay.canonical import Amounts, CanonicalEvent, Customer, EventKind, Money, Order, format_amount
from shoprelay.problems import SettingsError
from shoprelay.vendors import load_vendor
from shoprelay.vendors.base import Translation, TranslationError, VendorRequest, Verdict
from shoprelay.vendors.corvidae import VENDOR, CorvidaeSettings, translate
from shoprelay.vendors.corvidae.translate import transaction_event_id

# eventIDs are pinned: if the derivation ever changed, Corvidae would count resent orders twice.
FILLED_EVENT_ID = "58de267e-7ca2-5693-8b5c-7ebcb6da6e7c"
AUD_EVENT_ID = "0c64961a-0ae0-5542-b865-86b38abab095"
DOCS_EVENT_ID = "99b29c53-1ec1-5dc3-841a-bc3984f10321"
FIXED_EVENT_ID = "59c6d9bb-f135-5662-9ce2-d6bfb416ca33"
FREE_SHIP_EVENT_ID = "8a48e91b-08ba-5a18-aa4a-97452d847c3e"
FILLED_VISITOR = "5f0c7a52-3e0b-4d36-9a1e-6f2b8c1d4e77"
SESSION = "b1aadba2-97c4-4c48-9fff-ae9b51579470"

SKIP_FULFILLED = "fulfilment is not a transaction; Corvidae got the sale when it was placed"
SKIP_CANCELLED = "Corvidae's ingress pixel has no way to cancel a transaction"
SKIP_REFUNDED = "Corvidae's ingress pixel has no way to record a refund"
SKIP_UPDATED = "Corvidae gets one transaction per order, when placed or paid, not its edits"
SKIP_CHECKOUT = "Corvidae takes transactions only, not checkouts"
SKIP_CUSTOMER = "Corvidae takes transactions only, not customer changes"
SKIP_ALREADY_CANCELLED = "order was already cancelled, and Corvidae cannot take a transaction back"


def head(event_id: str, **fixed: str) -> tuple[tuple[str, str], ...]:
    """The parameters every hit of the demo shop starts with, in the docs' order."""
    values = {
        "timestamp": RECEIVED_MS,
        "event": "tr",
        "trackerVersion": "na",
        "appId": "demo-app",
        "platform": "server",
        "digitalProperty": "demo-shop",
        "timezone": "UTC",
        "characterSet": "UTF-8",
        "eventID": event_id,
    }
    return tuple({**values, **fixed}.items())


def tr(*params: tuple[str, str], base: str = f"https://{HOST}") -> Translation:
    """The one ``tr`` request Corvidae gets: a bare GET, no headers, no body."""
    return Translation.send(
        VendorRequest(method="GET", url=hit_url(*params, base=base), effect="tr", vendor_ignores_repeats=True)
    )


def sale(order_id: str, currency: str, revenue: str, tax: str, shipping: str) -> tuple[tuple[str, str], ...]:
    return (
        ("conversionName", "Sale"),
        ("transactionId", order_id),
        ("orderId", order_id),
        ("currency", currency),
        ("revenue", revenue),
        ("tax", tax),
        ("shipping", shipping),
    )


FILLED_PARAMS = (
    *head(FILLED_EVENT_ID),
    ("visitorId", FILLED_VISITOR),
    ("userId", "7770001"),
    *sale("5551234567890", "EUR", "566.50", "89.67", "4.90"),
)
FILLED_TR = tr(*FILLED_PARAMS)
AUD_SHOP_TR = tr(
    *head(AUD_EVENT_ID), ("userId", "4206822293653"), *sale("2998548365461", "AUD", "60.33", "4.56", "10.15")
)

CASES: list[Any] = [
    pytest.param("orders/create", FILLED, unchanged, {}, FILLED_TR, id="placed-paid-eur-order"),
    pytest.param("orders/paid", FILLED, unchanged, {}, FILLED_TR, id="paid-eur-order"),
    pytest.param("orders/create", FILLED, pending, {}, FILLED_TR, id="placed-unpaid-order-still-a-sale"),
    pytest.param("orders/create", AUD_USD, unchanged, {}, AUD_SHOP_TR, id="shop-aud-buyer-usd-shop-currency"),
    pytest.param(
        "orders/create",
        AUD_USD,
        unchanged,
        {"currency": "buyer"},
        tr(*head(AUD_EVENT_ID), ("userId", "4206822293653"), *sale("2998548365461", "USD", "45.85", "3.47", "7.71")),
        id="shop-aud-buyer-usd-buyer-currency",
    ),
    pytest.param("orders/paid", AUD_USD, unchanged, {}, AUD_SHOP_TR, id="paid-shop-aud-buyer-usd-shop-currency"),
    pytest.param(
        "orders/paid",
        AUD_USD,
        unchanged,
        {"currency": "buyer"},
        tr(*head(AUD_EVENT_ID), ("userId", "4206822293653"), *sale("2998548365461", "USD", "45.85", "3.47", "7.71")),
        id="paid-shop-aud-buyer-usd-buyer-currency",
    ),
    pytest.param(
        "orders/create",
        DISCOUNT_FIXED_ACROSS,
        unchanged,
        {},
        tr(*head(FIXED_EVENT_ID), ("userId", "4206822293653"), *sale("2998548365463", "AUD", "75.74", "5.97", "10.15")),
        id="discounted-order-shop-currency",
    ),
    pytest.param(
        "orders/paid",
        DISCOUNT_FIXED_ACROSS,
        unchanged,
        {"currency": "buyer"},
        tr(*head(FIXED_EVENT_ID), ("userId", "4206822293653"), *sale("2998548365463", "USD", "57.55", "4.53", "7.71")),
        id="discounted-order-buyer-currency",
    ),
    pytest.param(
        "orders/create",
        DISCOUNT_FREE_SHIPPING,
        unchanged,
        {},
        tr(
            *head(FREE_SHIP_EVENT_ID),
            ("userId", "4206822293653"),
            *sale("2998548365465", "AUD", "76.58", "6.96", "0.00"),
        ),
        id="free-shipping-is-no-shipping-shop-currency",
    ),
    pytest.param(
        "orders/create",
        DISCOUNT_FREE_SHIPPING,
        unchanged,
        {"currency": "buyer"},
        tr(
            *head(FREE_SHIP_EVENT_ID),
            ("userId", "4206822293653"),
            *sale("2998548365465", "USD", "58.20", "5.29", "0.00"),
        ),
        id="free-shipping-is-no-shipping-buyer-currency",
    ),
    pytest.param(
        "orders/create",
        FILLED,
        in_zero_decimal_currency,
        {},
        tr(
            *head(FILLED_EVENT_ID),
            ("visitorId", FILLED_VISITOR),
            ("userId", "7770001"),
            *sale("5551234567890", "JPY", "56650", "8967", "490"),
        ),
        id="zero-decimal-jpy",
    ),
    pytest.param(
        "orders/create",
        FILLED,
        guest_with_phone_only,
        {},
        tr(
            *head(FILLED_EVENT_ID),
            ("visitorId", FILLED_VISITOR),
            *sale("5551234567890", "EUR", "566.50", "89.67", "4.90"),
        ),
        id="guest-with-only-a-phone-has-no-user-id",
    ),
    pytest.param("orders/create", FILLED, without_client_details, {}, FILLED_TR, id="no-client-details"),
    pytest.param("orders/create", FILLED, with_forty_lines, {}, FILLED_TR, id="forty-lines-same-order-level-hit"),
    pytest.param(
        "orders/create", FILLED, with_awkward_titles, {}, FILLED_TR, id="titles-with-separators-and-non-latin"
    ),
    pytest.param(
        "orders/create",
        FILLED,
        with_session_id,
        {"order_id_field": "name", "send_user_id": False},
        tr(
            *head(FILLED_EVENT_ID),
            ("visitorId", FILLED_VISITOR),
            ("sessionId", SESSION),
            *sale("%231123", "EUR", "566.50", "89.67", "4.90"),
        ),
        id="order-name-session-id-user-id-off",
    ),
    pytest.param(
        "orders/create",
        FILLED,
        unchanged,
        {"digital_property": "Demo Shop & Co", "conversion_name": "Online Sale", "timezone": "Europe/London"},
        tr(
            *head(FILLED_EVENT_ID, digitalProperty="Demo%20Shop%20%26%20Co", timezone="Europe/London"),
            ("visitorId", FILLED_VISITOR),
            ("userId", "7770001"),
            ("conversionName", "Online%20Sale"),
            *sale("5551234567890", "EUR", "566.50", "89.67", "4.90")[1:],
        ),
        id="settings-with-spaces-ampersand-slash",
    ),
    pytest.param(
        "orders/create",
        FILLED,
        unchanged,
        {"endpoint": SANDBOX_ENDPOINT + "/"},
        tr(*FILLED_PARAMS, base=SANDBOX_ENDPOINT),
        id="endpoint-replaces-the-tracking-host",
    ),
    pytest.param(
        "orders/create",
        DOCS_ORDER,
        not_cancelled,
        {},
        tr(
            *head(DOCS_EVENT_ID),
            ("userId", "115310627314723950"),
            *sale("820982911946154500", "USD", "414.95", "0.00", "0.00"),
        ),
        id="shopify-docs-order",
    ),
    pytest.param(
        "orders/create",
        DOCS_ORDER,
        unchanged,
        {},
        Translation.skip(SKIP_ALREADY_CANCELLED),
        id="placed-already-cancelled",
    ),
    pytest.param(
        "orders/paid", FILLED, cancelled, {}, Translation.skip(SKIP_ALREADY_CANCELLED), id="paid-already-cancelled"
    ),
    pytest.param(
        "orders/cancelled", FILLED, cancelled, {}, Translation.skip(SKIP_CANCELLED), id="cancelled-paid-order"
    ),
    pytest.param(
        "orders/cancelled", AUD_USD, pending, {}, Translation.skip(SKIP_CANCELLED), id="cancelled-unpaid-order"
    ),
    pytest.param("orders/fulfilled", FILLED, unchanged, {}, Translation.skip(SKIP_FULFILLED), id="fulfilled"),
    pytest.param("orders/updated", FILLED, unchanged, {}, Translation.skip(SKIP_UPDATED), id="updated"),
    pytest.param(
        "refunds/create",
        REFUND,
        partial_refund,
        {},
        Translation.skip(SKIP_REFUNDED),
        id="partial-refund-order-not-seen",
    ),
    pytest.param(
        "refunds/create", REFUND, unchanged, {}, Translation.skip(SKIP_REFUNDED), id="full-refund-order-not-seen"
    ),
    pytest.param("checkouts/create", CHECKOUT, unchanged, {}, Translation.skip(SKIP_CHECKOUT), id="checkout"),
    pytest.param("checkouts/update", CHECKOUT, unchanged, {}, Translation.skip(SKIP_CHECKOUT), id="checkout-update"),
    pytest.param("customers/create", CUSTOMER, unchanged, {}, Translation.skip(SKIP_CUSTOMER), id="customer"),
]


@pytest.mark.parametrize(("topic", "name", "variant", "overrides", "expected"), CASES)
def test_translation(
    topic: str, name: str, variant: Callable[[Body], Body], overrides: dict[str, Any], expected: Translation
) -> None:
    assert translate(event(topic, variant(fixture(name))), settings(**overrides)) == expected


def test_partial_refund_of_a_remembered_order_is_skipped_too() -> None:
    refund = event("refunds/create", partial_refund(fixture(REFUND)), order_from=not_cancelled(fixture(DOCS_ORDER)))
    assert refund.order is not None
    assert refund.order_remembered
    assert translate(refund, settings()) == Translation.skip(SKIP_REFUNDED)


def test_describe_shows_a_bare_get_with_the_query_in_the_url() -> None:
    request = translate(event("orders/create", fixture(FILLED)), settings()).requests[0]
    assert request.describe() == {"method": "GET", "url": hit_url(*FILLED_PARAMS), "headers": {}, "body": None}
    assert request.body_bytes() is None


# --- one transaction per order ----------------------------------------------------------


def _query(translation: Translation) -> dict[str, list[str]]:
    (request,) = translation.requests
    return parse_qs(urlsplit(request.url).query)


def test_placed_and_paid_of_one_paid_order_are_the_same_effect_and_event_id() -> None:
    placed_body = fixture(FILLED)
    paid_body = {**fixture(FILLED), "updated_at": "2024-01-15T10:25:00+01:00"}
    placed = translate(event("orders/create", placed_body, received_at=RECEIVED), settings())
    paid = translate(event("orders/paid", paid_body, received_at=RECEIVED + timedelta(minutes=4)), settings())

    assert [(r.effect, r.part, r.superseded_by, r.repeatable) for r in placed.requests] == [("tr", 1, (), False)]
    assert [(r.effect, r.part, r.superseded_by, r.repeatable) for r in paid.requests] == [("tr", 1, (), False)]
    assert _query(placed)["eventID"] == _query(paid)["eventID"] == [FILLED_EVENT_ID]
    assert _query(placed)["timestamp"] == [RECEIVED_MS]
    assert _query(paid)["timestamp"] == ["1705310700123"]


def test_event_id_depends_on_shop_and_order_only() -> None:
    assert transaction_event_id(SHOP, "5551234567890") == FILLED_EVENT_ID
    assert transaction_event_id("other-shop.myshopify.com", "5551234567890") != FILLED_EVENT_ID
    assert transaction_event_id(SHOP, "5551234567891") != FILLED_EVENT_ID
    by_name = translate(event("orders/create", fixture(FILLED)), settings(order_id_field="number"))
    assert _query(by_name)["eventID"] == [FILLED_EVENT_ID]
    assert _query(by_name)["orderId"] == ["1123"]


@pytest.mark.parametrize(
    "received_at",
    [
        datetime(2024, 1, 15, 9, 21, 0, 123999, tzinfo=UTC),
        datetime(2024, 1, 15, 10, 21, 0, 123000, tzinfo=timezone(timedelta(hours=1))),
    ],
    ids=["microseconds-floored", "offset-converted-to-utc"],
)
def test_timestamp_is_utc_milliseconds_of_receipt(received_at: datetime) -> None:
    hit = translate(event("orders/create", fixture(FILLED), received_at=received_at), settings())
    assert _query(hit)["timestamp"] == [RECEIVED_MS]


# --- browser ids and limits -------------------------------------------------------------


def _with_attributes(*pairs: tuple[str, str]) -> Body:
    body = fixture(FILLED)
    body["note_attributes"] = [{"name": name, "value": value} for name, value in pairs]
    return body


def test_renamed_cart_attributes_are_read() -> None:
    body = _with_attributes(("cv", " visitor-1 "), ("cs", "session-1"), ("_corvidae_visitor_id", "ignored"))
    hit = translate(event("orders/create", body), settings(visitor_id_attribute="cv", session_id_attribute="cs"))
    assert _query(hit)["visitorId"] == ["visitor-1"]
    assert _query(hit)["sessionId"] == ["session-1"]


def test_blank_or_implausibly_long_browser_ids_are_left_out() -> None:
    body = _with_attributes(("_corvidae_visitor_id", "v" * 129), ("_corvidae_session_id", "   "))
    query = _query(translate(event("orders/create", body), settings()))
    assert "visitorId" not in query
    assert "sessionId" not in query
    assert query["userId"] == ["7770001"]


def test_a_url_over_8_kb_is_refused_not_sent() -> None:
    with pytest.raises(TranslationError, match=r"over the 8192-byte limit"):
        translate(event("orders/create", fixture(FILLED)), settings(digital_property="p" * 8000))


def test_an_order_event_without_its_order_is_skipped_as_not_seen() -> None:
    broken = replace(event("orders/paid", fixture(FILLED)), order=None)
    assert translate(broken, settings()) == Translation.skip("order not seen")


# --- the vendor document's own example --------------------------------------------------

DOC_EXAMPLE_URL = (
    "https://corvidae.example.com/i?timestamp=1735689600000&event=tr&trackerVersion=na&appId=your-app-id"
    "&platform=server&digitalProperty=your-property-name&timezone=Europe/London&characterSet=UTF-8"
    "&eventID=unique-event-id&visitorId=a8469964-2f2d-41fe-94fa-7e71c1df1022"
    "&sessionId=b1aadba2-97c4-4c48-9fff-ae9b51579470&userId=8679739f-8a1c-48fb-b498-d46b78e0fa01"
    "&conversionName=your-conversion&orderId=1234abcd&currency=USD&revenue=1000.99&tax=200.2&shipping=14.99"
)


def test_reproduces_the_corvidae_docs_example() -> None:
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    order = Order(
        id="1234abcd",
        created_at=moment,
        currency="USD",
        buyer_currency="USD",
        financial_status="paid",
        amounts=Amounts(
            total=Money(shop=Decimal("1000.99"), buyer=Decimal("1000.99")),
            tax=Money(shop=Decimal("200.20"), buyer=Decimal("200.20")),
            shipping=Money(shop=Decimal("14.99"), buyer=Decimal("14.99")),
        ),
        customer=Customer(id="8679739f-8a1c-48fb-b498-d46b78e0fa01"),
        cart_attributes={
            "_corvidae_visitor_id": "a8469964-2f2d-41fe-94fa-7e71c1df1022",
            "_corvidae_session_id": "b1aadba2-97c4-4c48-9fff-ae9b51579470",
        },
    )
    docs_event = CanonicalEvent(
        id="docs-example",
        kind=EventKind.ORDER_PAID,
        shop="example.myshopify.com",
        topic="orders/paid",
        occurred_at=moment,
        received_at=moment,
        order=order,
    )
    docs_settings = CorvidaeSettings.parse(
        {
            "app_id": "your-app-id",
            "tracking_host": "corvidae.example.com",
            "digital_property": "your-property-name",
            "conversion_name": "your-conversion",
            "timezone": "Europe/London",
        }
    )

    translation = translate(docs_event, docs_settings)

    # Three deliberate differences from the example: a deterministic eventID instead of a
    # placeholder, transactionId (the docs' table) beside orderId (their URL), and tax with
    # the two places the docs' table shows (200.20) where the URL wrote 200.2.
    expected = (
        DOC_EXAMPLE_URL.replace(
            "eventID=unique-event-id", f"eventID={transaction_event_id('example.myshopify.com', '1234abcd')}"
        )
        .replace("&orderId=1234abcd", "&transactionId=1234abcd&orderId=1234abcd")
        .replace("&tax=200.2&", "&tax=200.20&")
    )
    assert expected != DOC_EXAMPLE_URL
    assert translation == Translation.send(
        VendorRequest(method="GET", url=expected, effect="tr", vendor_ignores_repeats=True)
    )


# --- amounts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1000.99", "USD", "1000.99"),
        ("200.2", "GBP", "200.20"),
        ("1500.0", "JPY", "1500"),
        ("1500.5", "JPY", "1501"),
        ("12990", "clp", "12990"),
        ("12.3456", "KWD", "12.346"),
        ("1E+3", "USD", "1000.00"),
        ("0.005", "EUR", "0.01"),
        ("-0.001", "EUR", "0.00"),
    ],
)
def test_amounts_are_dot_decimals_with_the_currency_places(amount: str, currency: str, expected: str) -> None:
    assert format_amount(Decimal(amount), currency) == expected


# --- settings and the vendor declaration --------------------------------------------------


def test_settings_defaults_are_the_documented_ones() -> None:
    defaults = CorvidaeSettings.parse({"app_id": "a", "tracking_host": "c.example.com", "digital_property": "p"})
    assert (defaults.conversion_name, defaults.timezone, defaults.send_user_id) == ("Sale", "UTC", True)
    assert (defaults.visitor_id_attribute, defaults.session_id_attribute) == (
        "_corvidae_visitor_id",
        "_corvidae_session_id",
    )
    assert (defaults.currency, defaults.order_id_field, defaults.endpoint) == ("shop", "id", None)


@pytest.mark.parametrize(
    "overrides",
    [
        {"tracking_host": "https://corvidae.example.com"},
        {"tracking_host": "corvidae.example.com/i"},
        {"tracking_host": "corvidae.example.com:443"},
        {"timezone": "Central European Time"},
        {"app_id": ""},
        {"conversion_name": ""},
        {"api_key": "no-such-setting"},
    ],
)
def test_settings_refuse_what_would_break_every_hit(overrides: dict[str, Any]) -> None:
    with pytest.raises(SettingsError):
        settings(**overrides)


def test_tracking_host_and_property_are_required() -> None:
    with pytest.raises(SettingsError, match="tracking_host"):
        CorvidaeSettings.parse({"app_id": "a", "digital_property": "p"})  # type: ignore[call-arg]
    with pytest.raises(SettingsError, match="digital_property"):
        CorvidaeSettings.parse({"app_id": "a", "tracking_host": "c.example.com"})  # type: ignore[call-arg]


def test_vendor_is_loadable_and_dry_runs_with_placeholders() -> None:
    assert load_vendor("corvidae") is VENDOR
    assert VENDOR.name == "corvidae"
    placeholder = VENDOR.settings_model.parse(VENDOR.placeholder_settings)
    (request,) = VENDOR.translate(event("orders/create", fixture(FILLED)), placeholder).requests
    assert request.url.startswith("https://corvidae.example.com/i?timestamp=1705310460123&event=tr&")
    assert "&appId=PLACEHOLDER-APP-ID&" in request.url


@pytest.mark.parametrize(
    ("status", "body", "verdict", "error"),
    [
        (200, b"GIF89a", Verdict.DELIVERED, None),
        (204, b"", Verdict.DELIVERED, None),
        (400, b"missing parameter: appId", Verdict.PERMANENT, "missing parameter: appId"),
        (403, b"unknown appId", Verdict.PERMANENT, "unknown appId"),
        (429, b"", Verdict.RETRYABLE, "HTTP 429"),
        (503, b"busy", Verdict.RETRYABLE, "busy"),
    ],
)
def test_reading_answers(status: int, body: bytes, verdict: Verdict, error: str | None) -> None:
    reading = VENDOR.read_response(status, {}, body)
    assert (reading.verdict, reading.error) == (verdict, error)
