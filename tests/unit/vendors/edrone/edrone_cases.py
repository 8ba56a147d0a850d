"""Shared builders for the edrone tests: fixture bodies, their variants, and parsed events."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from support.vendor_events import (
    CUSTOMER,
    REFUND,
    canonical_event,
    order_in,
)
from support.webhooks import fixture_json

from shoprelay.canonical import CanonicalEvent
from shoprelay.vendors.edrone.settings import EdroneSettings

SHOP = "demo.myshopify.com"
APP_ID = "demo-app"
ENDPOINT = "http://127.0.0.1:8765/edrone"
TRACE_URL = f"{ENDPOINT}/trace"
RECEIVED_AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


Payload = dict[str, Any]


def settings(**overrides: Any) -> EdroneSettings:
    return EdroneSettings.parse(dict(app_id=APP_ID, endpoint=ENDPOINT, **overrides))


def load(name: str) -> Payload:
    return fixture_json(name)


def event(payload: Payload, topic: str) -> CanonicalEvent:
    """The canonical event ingress would publish for ``payload`` delivered on ``topic``."""
    return canonical_event(payload, topic, shop=SHOP, received_at=RECEIVED_AT, webhook_id=f"wh-{topic}")


def fixture_event(name: str, topic: str) -> CanonicalEvent:
    return event(load(name), topic)


def refund_event(refund_payload: Payload, *, remembered_order: Payload | None) -> CanonicalEvent:
    """A refunds/create event, enriched from order memory as ingress would do it."""
    order = order_in(remembered_order, shop=SHOP, received_at=RECEIVED_AT) if remembered_order else None
    return canonical_event(
        refund_payload,
        "refunds/create",
        shop=SHOP,
        received_at=RECEIVED_AT,
        webhook_id="wh-refunds/create",
        remembered=order,
    )


def partial_refund() -> Payload:
    """The docs refund cut down to its first line (one of five) and one 89.99 transaction."""
    payload = load(REFUND)
    payload["refund_line_items"] = payload["refund_line_items"][:1]
    payload["transactions"] = [{**payload["transactions"][0], "amount": "89.99"}]
    return payload


# --- variants of order bodies -------------------------------------------------------------


def edited(fixture: str, /, **fields: Any) -> Payload:
    payload = load(fixture)
    payload.update(fields)
    return payload


def in_currency(payload: Payload, currency: str, factor: int) -> Payload:
    """Every money set and plain amount moved into ``currency`` (amounts times ``factor``)."""
    changed = copy.deepcopy(payload)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "amount" in node and "currency_code" in node:
                node["amount"] = f"{Decimal(node['amount']) * factor:.2f}"
                node["currency_code"] = currency
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(changed)
    for key in ("total_price", "subtotal_price", "total_tax", "current_total_price", "total_discounts"):
        if changed.get(key) is not None:
            changed[key] = f"{Decimal(changed[key]) * factor:.2f}"
    changed["currency"] = currency
    changed["presentment_currency"] = currency
    return changed


def guest_with_phone_only(name: str, phone: str = "+4915112345678") -> Payload:
    payload = load(name)
    payload.update(email=None, contact_email=None, customer=None, phone=phone)
    for address in ("billing_address", "shipping_address"):
        if payload.get(address):
            payload[address]["phone"] = phone
    return payload


def without_client_details(name: str) -> Payload:
    payload = load(name)
    payload.update(client_details=None, browser_ip=None, landing_site=None, referring_site=None)
    return payload


def with_line_titles(name: str, titles: list[tuple[str, str | None]]) -> Payload:
    """The first lines retitled (title, product type); the others removed."""
    payload = load(name)
    template = payload["line_items"]
    payload["line_items"] = []
    for index, (title, product_type) in enumerate(titles):
        line = copy.deepcopy(template[index % len(template)])
        line.update(title=title, name=title, product_type=product_type)
        payload["line_items"].append(line)
    return payload


def with_many_lines(name: str, count: int, title: str = "Item {n}") -> Payload:
    """``count`` lines: product 5000+n, variant 6000+n, SKU S-n, quantity (n % 3) + 1."""
    payload = load(name)
    template = payload["line_items"][0]
    lines = []
    for n in range(1, count + 1):
        line = copy.deepcopy(template)
        line.update(
            id=4000 + n,
            product_id=5000 + n,
            variant_id=6000 + n,
            sku=f"S-{n}",
            title=title.format(n=n),
            name=title.format(n=n),
            quantity=n % 3 + 1,
            current_quantity=n % 3 + 1,
        )
        lines.append(line)
    payload["line_items"] = lines
    return payload


def with_cart_attributes(name: str, **attributes: str) -> Payload:
    payload = load(name)
    payload["note_attributes"] = [
        *payload.get("note_attributes", []),
        *({"name": key, "value": value} for key, value in attributes.items()),
    ]
    return payload


def customer_with_consent(state: str | None, **fields: Any) -> Payload:
    payload = load(CUSTOMER)
    if state is not None:
        payload["email_marketing_consent"] = {"state": state, "opt_in_level": "single_opt_in"}
    payload.update(fields)
    return payload


def consent_update(state: str, email: str | None = "customer@example.com") -> Payload:
    """A customers_email_marketing_consent/update body."""
    return {
        "customer_id": 706405506930370000,
        "email_address": email,
        "email_marketing_consent": {
            "state": state,
            "opt_in_level": "single_opt_in",
            "consent_updated_at": "2024-04-30T08:15:00-02:00",
        },
    }
