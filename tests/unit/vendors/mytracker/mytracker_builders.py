"""Shared builders for the MyTracker tests: fixtures, variants of them, and sandbox plumbing.

Variants edit the raw Shopify body and go through the real adapter, so the tests cover
what a shop actually sends, not a hand-made canonical event.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from msgspec.structs import replace
from support.vendor_events import (
    AUD_USD,
    DISCOUNT_AUTOMATIC,
    DISCOUNT_FIXED_ACROSS,
    DISCOUNT_FREE_SHIPPING,
    DISCOUNT_PERCENT_ONE_LINE,
    DOCS_ORDER,
    REFUND,
    TWELVE_LINES,
    Body,
    Variant,
    canonical_event,
)
from support.webhooks import fixture_json

from shoprelay.canonical import CanonicalEvent
from shoprelay.vendors.base import VendorRequest
from shoprelay.vendors.mytracker import MyTrackerSettings
from shoprelay_tools.sandboxes.base import SandboxRequest

SHOP = "relay-test.myshopify.com"
RECEIVED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
APP_ID = "4242"
TOKEN = "s2s-token-0123456789abcdef"
PREFIX = "/mytracker"
ENDPOINT = f"http://127.0.0.1:8765{PREFIX}"
ORDER_URL = f"{ENDPOINT}/v1/order/?idApp={APP_ID}"
BATCH_URL = f"{ENDPOINT}/v1/orderBatch/?idApp={APP_ID}"
HEADERS = {"Authorization": TOKEN, "Content-Type": "application/json"}

DOCS_REFUND = REFUND

Payload = Body


def settings(**overrides: Any) -> MyTrackerSettings:
    return MyTrackerSettings.parse(dict(app_id=APP_ID, api_token=TOKEN, endpoint=ENDPOINT, **overrides))


def load(name: str) -> Payload:
    return fixture_json(name)


def event(payload: Payload, topic: str) -> CanonicalEvent:
    return canonical_event(payload, topic, shop=SHOP, received_at=RECEIVED_AT)


def fixture_event(name: str, topic: str, *variants: Variant) -> CanonicalEvent:
    payload = load(name)
    for variant in variants:
        payload = variant(copy.deepcopy(payload))
    return event(payload, topic)


def remembered(refund_event: CanonicalEvent, order_event: CanonicalEvent | None) -> CanonicalEvent:
    """A refund enriched the way ingress does it from order memory."""
    return replace(
        refund_event, order=order_event.order if order_event else None, order_remembered=order_event is not None
    )


# --- variants of the raw Shopify bodies -------------------------------------------------


def financial(status: str) -> Variant:
    def apply(payload: Payload) -> Payload:
        payload["financial_status"] = status
        return payload

    return apply


def lvid(value: str) -> Variant:
    def apply(payload: Payload) -> Payload:
        others = [a for a in payload.get("note_attributes", []) if a["name"] != "_mytracker_lvid"]
        payload["note_attributes"] = [*others, {"name": "_mytracker_lvid", "value": value}]
        return payload

    return apply


def without_lvid(payload: Payload) -> Payload:
    payload["note_attributes"] = [a for a in payload.get("note_attributes", []) if a["name"] != "_mytracker_lvid"]
    return payload


def guest_with_phone_only(payload: Payload) -> Payload:
    for key in ("customer", "email", "contact_email"):
        payload[key] = None
    payload["phone"] = "+4915112345678"
    return payload


def without_client_details(payload: Payload) -> Payload:
    payload["client_details"] = None
    payload["browser_ip"] = None
    return payload


def money_set(amount: str, currency: str) -> Payload:
    money = {"amount": amount, "currency_code": currency}
    return {"shop_money": money, "presentment_money": dict(money)}


def in_yen(payload: Payload) -> Payload:
    """The AUD/USD order re-priced as a JPY shop: 3 units at ¥1500, ¥100 off the line."""
    payload["currency"] = payload["presentment_currency"] = "JPY"
    line = payload["line_items"][0]
    line.update(quantity=3, price="1500", price_set=money_set("1500", "JPY"))
    line.update(total_discount="100", total_discount_set=money_set("100", "JPY"))
    line["discount_allocations"] = [
        {"amount": "100", "amount_set": money_set("100", "JPY"), "discount_application_index": 0}
    ]
    return payload


def legacy_discount_only(payload: Payload) -> Payload:
    """A body from before ``discount_allocations``: only the deprecated ``total_discount``."""
    for line in payload["line_items"]:
        line.pop("discount_allocations", None)
    return payload


def aud_usd_refund(payload: Payload) -> Payload:
    """The refund fixture re-aimed at the AUD-shop / USD-buyer order: its pen, back in USD."""
    payload.update(order_id=2998548365461, created_at="2020-12-28T12:00:00+11:00", processed_at=None)
    first = payload["refund_line_items"][0]
    first.update(line_item_id=6456910643349, quantity=1, subtotal=45.62, total_tax=4.56)
    first["subtotal_set"] = {
        "shop_money": {"amount": "45.62", "currency_code": "AUD"},
        "presentment_money": {"amount": "34.67", "currency_code": "USD"},
    }
    payload["refund_line_items"] = [first]
    payload["transactions"] = [{"kind": "refund", "status": "success", "amount": "38.14", "currency": "USD"}]
    return payload


def with_discount_code(code: str) -> Variant:
    def apply(payload: Payload) -> Payload:
        payload["discount_codes"] = [{"code": code, "amount": "5.00", "type": "fixed_amount"}]
        return payload

    return apply


def long_title(index: int) -> str:
    """A 200-character title, different per line, so 40 lines outgrow one 10 KB request."""
    head = f"Line {index:02d} — Handgefertigte Keramiktasse «Nordlicht» "
    return (head + "x" * 200)[:200]


def with_lines(count: int, title: Callable[[int], str] = long_title) -> Variant:
    """``count`` copies of the first line with their own ids, titles, prices and quantities."""

    def apply(payload: Payload) -> Payload:
        template = payload["line_items"][0]
        currency = payload["currency"]
        lines = []
        for index in range(1, count + 1):
            line = copy.deepcopy(template)
            price = f"{index}.50"
            line.update(id=10_000 + index, variant_id=20_000 + index, product_id=30_000 + index, sku=f"SKU-{index}")
            line.update(title=title(index), name=title(index), quantity=index % 3 + 1, current_quantity=index % 3 + 1)
            line.update(price=price, price_set=money_set(price, currency), variant_title=None, vendor="Atelier")
            line.update(total_discount="0.00", total_discount_set=money_set("0.00", currency))
            lines.append(line)
        payload["line_items"] = lines
        return payload

    return apply


def refund_of_lines(*line_quantities: tuple[int, int]) -> Variant:
    """Keep only the given (refund line index, quantity) pairs of the refund fixture."""

    def apply(payload: Payload) -> Payload:
        kept = []
        for index, quantity in line_quantities:
            line = payload["refund_line_items"][index]
            line["quantity"] = quantity
            kept.append(line)
        payload["refund_line_items"] = kept
        return payload

    return apply


def with_earlier_refund(payload: Payload) -> Payload:
    """The docs order carrying a refund of its first line (as orders/cancelled would)."""
    refund = load(DOCS_REFUND)
    refund["refund_line_items"] = refund["refund_line_items"][:1]
    payload["refunds"] = [refund]
    return payload


# --- sandbox plumbing -------------------------------------------------------------------


def sandbox_request(request: VendorRequest) -> SandboxRequest:
    """The request as the sandbox server would hand it over: path below the prefix."""
    url = urlsplit(request.url)
    assert url.path.startswith(PREFIX)
    return SandboxRequest(
        method=request.method,
        path=url.path[len(PREFIX) :],
        query=parse_qs(url.query),
        headers={name.lower(): value for name, value in request.wire_headers().items()},
        body=request.body_bytes() or b"",
    )


def refund_for_twelve_lines(payload: Payload) -> Payload:
    """The refund fixture re-aimed at the 12-line order: 2 of 3 mugs and 1 of 3 towels back.

    The nested ``line_item`` copies still describe the docs order, so a translator that
    trusted them over the remembered order would name the wrong products.
    """
    payload["order_id"] = 5551234567890
    payload["processed_at"] = "2024-01-20T08:00:00Z"
    first, second = payload["refund_line_items"][:2]
    first.update(line_item_id=1002, quantity=2)
    second.update(line_item_id=1008, quantity=1)
    payload["refund_line_items"] = [first, second]
    return payload


def everything_refunded(payload: Payload) -> Payload:
    """The docs order after a refund of all five lines, as orders/cancelled reports it."""
    payload["refunds"] = [load(DOCS_REFUND)]
    payload["financial_status"] = "refunded"
    return payload


# --- scenarios shared by the translator and the sandbox tests ---------------------------


def _placed_twelve(*variants: Variant) -> CanonicalEvent:
    return fixture_event(TWELVE_LINES, "orders/create", *variants)


def _docs_refund(*variants: Variant) -> CanonicalEvent:
    order = fixture_event(DOCS_ORDER, "orders/create", financial("paid"))
    return remembered(fixture_event(DOCS_REFUND, "refunds/create", *variants), order)


def _twelve_line_refund() -> CanonicalEvent:
    order = _placed_twelve()
    return remembered(fixture_event(DOCS_REFUND, "refunds/create", refund_for_twelve_lines), order)


type Scenario = tuple[Callable[[], CanonicalEvent], MyTrackerSettings]

SCENARIOS: dict[str, Scenario] = {
    "12 lines, paid at placement": (_placed_twelve, settings()),
    "12 lines, orders/paid": (lambda: fixture_event(TWELVE_LINES, "orders/paid"), settings()),
    "12 lines, placed unpaid": (lambda: _placed_twelve(financial("pending")), settings()),
    "12 lines, partial refund": (_twelve_line_refund, settings()),
    "shop AUD, buyer USD, shop currency": (lambda: fixture_event(AUD_USD, "orders/create"), settings()),
    "shop AUD, buyer USD, buyer currency": (
        lambda: fixture_event(AUD_USD, "orders/create"),
        settings(currency="buyer"),
    ),
    "JPY, unpaid, line discount": (
        lambda: fixture_event(AUD_USD, "orders/create", in_yen, financial("pending"), with_discount_code("SOMMER-10")),
        settings(),
    ),
    "docs order cancelled unpaid": (lambda: fixture_event(DOCS_ORDER, "orders/cancelled"), settings()),
    "docs order cancelled paid": (lambda: fixture_event(DOCS_ORDER, "orders/cancelled", financial("paid")), settings()),
    "docs order cancelled after a refund": (
        lambda: fixture_event(DOCS_ORDER, "orders/cancelled", financial("partially_refunded"), with_earlier_refund),
        settings(),
    ),
    "docs refund of 2 lines": (lambda: _docs_refund(refund_of_lines((0, 1), (3, 1))), settings()),
    "guest with phone only and lvid, no client details": (
        lambda: fixture_event(AUD_USD, "orders/create", guest_with_phone_only, lvid("f" * 32), without_client_details),
        settings(),
    ),
    "12 lines without client details": (lambda: _placed_twelve(without_client_details), settings()),
    "40 long lines, split": (lambda: _placed_twelve(with_lines(40)), settings()),
    "40 long lines, orderBatch": (lambda: _placed_twelve(with_lines(40)), settings(use_batch=True)),
    "AUD/USD orders/paid, buyer currency": (lambda: fixture_event(AUD_USD, "orders/paid"), settings(currency="buyer")),
    "AUD/USD placed unpaid, buyer currency": (
        lambda: fixture_event(AUD_USD, "orders/create", financial("pending")),
        settings(currency="buyer"),
    ),
    "AUD/USD cancelled unpaid, buyer currency": (
        lambda: fixture_event(AUD_USD, "orders/cancelled", financial("pending")),
        settings(currency="buyer"),
    ),
    "AUD/USD cancelled paid, buyer currency": (
        lambda: fixture_event(AUD_USD, "orders/cancelled"),
        settings(currency="buyer"),
    ),
    "AUD/USD refund, buyer currency": (
        lambda: remembered(
            fixture_event(DOCS_REFUND, "refunds/create", aud_usd_refund), fixture_event(AUD_USD, "orders/create")
        ),
        settings(currency="buyer"),
    ),
    "AUD/USD refund, shop currency": (
        lambda: remembered(
            fixture_event(DOCS_REFUND, "refunds/create", aud_usd_refund), fixture_event(AUD_USD, "orders/create")
        ),
        settings(),
    ),
    "percentage code on one line, buyer currency": (
        lambda: fixture_event(DISCOUNT_PERCENT_ONE_LINE, "orders/create"),
        settings(currency="buyer"),
    ),
    "percentage code on one line, shop currency": (
        lambda: fixture_event(DISCOUNT_PERCENT_ONE_LINE, "orders/create"),
        settings(),
    ),
    "fixed amount across the order": (
        lambda: fixture_event(DISCOUNT_FIXED_ACROSS, "orders/create"),
        settings(currency="buyer"),
    ),
    "automatic discount": (lambda: fixture_event(DISCOUNT_AUTOMATIC, "orders/create"), settings(currency="buyer")),
    "free shipping": (lambda: fixture_event(DISCOUNT_FREE_SHIPPING, "orders/create"), settings(currency="buyer")),
    "legacy total_discount without allocations": (
        lambda: fixture_event(AUD_USD, "orders/create", in_yen, financial("pending"), legacy_discount_only),
        settings(),
    ),
}
"""Every event here is sent; skips are tested in the translator tests only."""
