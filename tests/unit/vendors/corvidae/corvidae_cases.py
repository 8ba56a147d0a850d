"""Shared builders for the Corvidae tests: real Shopify fixtures, edited into variants."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from support.vendor_events import (
    TWELVE_LINES,
    Body,
    canonical_event,
    order_in,
)
from support.webhooks import fixture_json

from shoprelay.canonical import CanonicalEvent
from shoprelay.vendors.corvidae import CorvidaeSettings
from shoprelay_tools.sandboxes.base import SandboxRequest

SHOP = "demo-shop.myshopify.com"
RECEIVED = datetime(2024, 1, 15, 9, 21, 0, 123000, tzinfo=UTC)
RECEIVED_MS = "1705310460123"
HOST = "t.demo-shop.example"
SANDBOX_ENDPOINT = "http://127.0.0.1:8125/corvidae"

FILLED = TWELVE_LINES


def settings(**overrides: Any) -> CorvidaeSettings:
    """The demo shop's settings; tests change only what they are about."""
    base: dict[str, Any] = {"app_id": "demo-app", "tracking_host": HOST, "digital_property": "demo-shop"}
    return CorvidaeSettings.parse(dict(**{**base, **overrides}))


def fixture(name: str) -> Body:
    """A fresh, editable copy of a fixture body."""
    return fixture_json(name)


def event(
    topic: str, body: Body, *, received_at: datetime = RECEIVED, order_from: Body | None = None
) -> CanonicalEvent:
    """The canonical event ingress would publish; ``order_from`` plays order memory."""
    remembered = order_in(order_from, shop=SHOP, received_at=received_at) if order_from is not None else None
    return canonical_event(body, topic, shop=SHOP, received_at=received_at, remembered=remembered)


def hit_url(*params: tuple[str, str], base: str = f"https://{HOST}") -> str:
    """An expected URL from wire-form pairs, written exactly as they must appear."""
    return f"{base}/i?" + "&".join(f"{key}={value}" for key, value in params)


def sandbox_request(url: str, method: str = "GET", body: bytes = b"") -> SandboxRequest:
    """What the local HTTP server hands the sandbox for ``url`` under ``/corvidae``."""
    parts = urlsplit(url)
    path = parts.path.removeprefix("/corvidae")
    return SandboxRequest(
        method=method, path=path, query=parse_qs(parts.query, keep_blank_values=True), headers={}, body=body
    )


# --- variants -------------------------------------------------------------------------


def in_zero_decimal_currency(body: Body) -> Body:
    """The same order priced in yen: every amount times 100, written as Shopify's "56650.00"."""
    edited = copy.deepcopy(body)
    edited["currency"] = edited["presentment_currency"] = "JPY"

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "currency_code" in node and "amount" in node:
                node["currency_code"] = "JPY"
                node["amount"] = str(Decimal(node["amount"]) * 100)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(edited)
    return edited


def guest_with_phone_only(body: Body) -> Body:
    edited = copy.deepcopy(body)
    edited.update(customer=None, email=None, contact_email=None, phone="+4915112345678")
    return edited


def without_client_details(body: Body) -> Body:
    edited = copy.deepcopy(body)
    edited.update(client_details=None, browser_ip=None, landing_site=None, referring_site=None)
    return edited


def with_forty_lines(body: Body) -> Body:
    edited = copy.deepcopy(body)
    template = edited["line_items"][0]
    edited["line_items"] = [
        {**copy.deepcopy(template), "id": 9000 + i, "variant_id": 8000 + i, "title": f"Sock pair {i}"}
        for i in range(40)
    ]
    return edited


AWKWARD_TITLES = ('Shirt | "Linen" ~ 100% & more', "Рубашка льняная", "麻のシャツ 'M'", "a~b|c&d=e#f")


def with_awkward_titles(body: Body) -> Body:
    edited = copy.deepcopy(body)
    for line, title in zip(edited["line_items"], AWKWARD_TITLES, strict=False):
        line["title"] = line["name"] = title
    return edited


def pending(body: Body) -> Body:
    edited = copy.deepcopy(body)
    edited["financial_status"] = "pending"
    return edited


def cancelled(body: Body) -> Body:
    """A paid order the merchant cancelled (and refunded)."""
    edited = copy.deepcopy(body)
    edited.update(cancelled_at="2024-01-16T08:00:00+01:00", cancel_reason="customer", financial_status="refunded")
    return edited


def not_cancelled(body: Body) -> Body:
    edited = copy.deepcopy(body)
    edited.update(cancelled_at=None, cancel_reason=None, financial_status="paid")
    return edited


def with_session_id(body: Body) -> Body:
    edited = copy.deepcopy(body)
    edited["note_attributes"].append({"name": "_corvidae_session_id", "value": "b1aadba2-97c4-4c48-9fff-ae9b51579470"})
    return edited


def unchanged(body: Body) -> Body:
    return body


def partial_refund(body: Body) -> Body:
    """The docs' refund reduced to its first line: one unit of five comes back."""
    edited = copy.deepcopy(body)
    edited["refund_line_items"] = edited["refund_line_items"][:1]
    return edited
