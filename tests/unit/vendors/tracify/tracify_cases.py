"""Shared builders for the Tracify tests: fixtures, their variants, and settings.

Variants start from a real Shopify body, edit the dict and re-serialise it, so every case
still goes through the real Shopify adapter.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from support.vendor_events import (
    AUD_USD,
    Body,
    Variant,
    canonical_event,
)
from support.webhooks import fixture_json

from shoprelay.canonical import CanonicalEvent
from shoprelay.vendors.base import VendorRequest
from shoprelay.vendors.tracify import TracifySettings

AUD_SHOP_USD_BUYER = AUD_USD

SHOP = "example-shop.myshopify.com"
RECEIVED_AT = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
ENDPOINT = "http://127.0.0.1:8765/tracify"
EVENTS_URL = f"{ENDPOINT}/api/v1/events"
API_KEY = "test-tracify-key"
SITE_ID = "3f2b8c1d-4e77-4d36-9a1e-6f2b8c1d4e77"

Payload = Body


def settings(**overrides: Any) -> TracifySettings:
    values: dict[str, Any] = {"endpoint": ENDPOINT, "api_key": API_KEY, "customer_site_id": SITE_ID}
    return TracifySettings.parse(values | overrides)


def load(name: str) -> Payload:
    return fixture_json(name)


def to_event(payload: Payload, topic: str) -> CanonicalEvent:
    return canonical_event(payload, topic, shop=SHOP, received_at=RECEIVED_AT)


def fixture_event(name: str, topic: str, *variants: Variant) -> CanonicalEvent:
    payload = load(name)
    for variant in variants:
        payload = variant(copy.deepcopy(payload))
    return to_event(payload, topic)


def whole(request: VendorRequest) -> dict[str, Any]:
    """Everything about a request that delivery acts on, in one comparable dict."""
    return {
        **request.describe(),
        "effect": request.effect,
        "part": request.part,
        "superseded_by": request.superseded_by,
        "repeatable": request.repeatable,
        "vendor_ignores_repeats": request.vendor_ignores_repeats,
    }


# -- variants ---------------------------------------------------------------------------


def _money_set(amount: str, currency: str) -> Payload:
    money = {"amount": amount, "currency_code": currency}
    return {"shop_money": dict(money), "presentment_money": dict(money)}


def _make_line(template: Payload, line_id: int, title: str, price: str, quantity: int) -> Payload:
    line = copy.deepcopy(template)
    currency = line["price_set"]["shop_money"]["currency_code"]
    line.update(
        id=line_id,
        title=title,
        name=title,
        sku=f"SKU-{line_id}",
        price=price,
        price_set=_money_set(price, currency),
        quantity=quantity,
        current_quantity=quantity,
        total_discount="0.00",
        total_discount_set=_money_set("0.00", currency),
    )
    return line


def with_lines(lines: list[tuple[str, str, int]]) -> Variant:
    """Replace the order's lines with (title, unit price, quantity) rows."""

    def apply(payload: Payload) -> Payload:
        template = payload["line_items"][0]
        payload["line_items"] = [
            _make_line(template, 9000 + n, title, price, qty) for n, (title, price, qty) in enumerate(lines, start=1)
        ]
        return payload

    return apply


def forty_lines(payload: Payload) -> Payload:
    return with_lines([(f"Line {n}", f"{n}.50", n % 3 + 1) for n in range(1, 41)])(payload)


def in_yen(payload: Payload) -> Payload:
    """The same order in JPY: every amount times 100 with no minor unit, as Shopify reports yen."""

    def convert(node: Any) -> None:
        if isinstance(node, dict):
            if "currency_code" in node and "amount" in node:
                node["currency_code"] = "JPY"
                node["amount"] = str(int(Decimal(node["amount"]) * 100))
            for child in node.values():
                convert(child)
        elif isinstance(node, list):
            for child in node:
                convert(child)

    convert(payload)
    payload["currency"] = payload["presentment_currency"] = "JPY"
    return payload


def guest_with_phone_only(payload: Payload) -> Payload:
    payload.update(email=None, contact_email=None, customer=None, phone="+49 170 1234567")
    return payload


def without_client_details(payload: Payload) -> Payload:
    payload.update(client_details=None, browser_ip=None)
    return payload


def without_user_agent(payload: Payload) -> Payload:
    payload["client_details"]["user_agent"] = None
    return payload


def pending(payload: Payload) -> Payload:
    payload["financial_status"] = "pending"
    return payload


def cancelled(payload: Payload) -> Payload:
    payload.update(cancelled_at="2024-01-16T08:00:00+01:00", cancel_reason="customer", financial_status="refunded")
    return payload


def email(address: str) -> Variant:
    def apply(payload: Payload) -> Payload:
        payload["email"] = address
        payload["customer"]["email"] = address
        return payload

    return apply


def without_status_url(payload: Payload) -> Payload:
    payload["order_status_url"] = None
    return payload


def status_url(url: str) -> Variant:
    def apply(payload: Payload) -> Payload:
        payload["order_status_url"] = url
        return payload

    return apply


def without_landing_site(payload: Payload) -> Payload:
    payload.update(landing_site=None, referring_site=None)
    return payload


def landing(site: str) -> Variant:
    def apply(payload: Payload) -> Payload:
        payload["landing_site"] = site
        return payload

    return apply
