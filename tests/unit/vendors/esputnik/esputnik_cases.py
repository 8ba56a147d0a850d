"""Shared builders for the eSputnik tests: fixtures, their variants, and expected requests.

Variants are made from real bodies: load a real webhook body, edit the dict, and
parse it again through the Shopify adapter, so every test event is one Shopify could send.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from support.vendor_events import (
    AUD_USD,
    CHECKOUT,
    DOCS_ORDER,
    REFUND,
    canonical_event,
    order_in,
)
from support.webhooks import fixture_json

from shoprelay.canonical import CanonicalEvent, Order
from shoprelay.vendors.base import VendorRequest
from shoprelay.vendors.esputnik import EsputnikSettings
from shoprelay_tools.sandboxes.base import SandboxRequest

SHOP = "example.myshopify.com"
RECEIVED = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)
PREFIX = "/esputnik"
ENDPOINT = f"http://127.0.0.1:8080{PREFIX}"
API_KEY = "test-key"
HEADERS = {
    # base64("user:test-key")
    "Authorization": "Basic dXNlcjp0ZXN0LWtleQ==",
    "Content-Type": "application/json; charset=UTF-8",
    "Accept": "application/json",
}
CONTACTS_URL = f"{ENDPOINT}/api/v1/contacts"
EVENT_URL = f"{ENDPOINT}/api/v1/event"
ORDERS_URL = f"{ENDPOINT}/api/v1/orders"


_TWO_DECIMALS = re.compile(r"^\d+\.\d\d$")


def settings(**overrides: Any) -> EsputnikSettings:
    return EsputnikSettings.parse(dict(api_key=API_KEY, endpoint=ENDPOINT, **overrides))


def payload(name: str) -> dict[str, Any]:
    return fixture_json(name)


def event(
    body: dict[str, Any], topic: str, *, webhook_id: str = "webhook-1", order: Order | None = None
) -> CanonicalEvent:
    """The canonical event for ``body``; ``order`` plays order memory for refunds."""
    return canonical_event(body, topic, shop=SHOP, received_at=RECEIVED, webhook_id=webhook_id, remembered=order)


def order_of(body: dict[str, Any]) -> Order:
    return order_in(body, shop=SHOP, received_at=RECEIVED)


# Variants.


def open_docs_order(financial_status: str = "paid") -> dict[str, Any]:
    """Shopify's documented order, not cancelled: 5 lines, USD 414.95, email and phone."""
    body = payload(DOCS_ORDER)
    body.update(cancelled_at=None, cancel_reason=None, financial_status=financial_status, fulfillment_status=None)
    return body


def cancelled_paid_order() -> dict[str, Any]:
    body = open_docs_order("paid")
    body.update(cancelled_at="2022-01-02T10:00:00-05:00", cancel_reason="customer")
    return body


def fulfilled_order() -> dict[str, Any]:
    body = open_docs_order("paid")
    body.update(fulfillment_status="fulfilled")
    return body


def as_yen(body: dict[str, Any]) -> dict[str, Any]:
    """The same order priced in yen: every 12.34 becomes 1234, every currency JPY."""
    changed = copy.deepcopy(body)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: _yen_value(key, walk(value)) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    return walk(changed)  # type: ignore[no-any-return]


def _yen_value(key: str, value: Any) -> Any:
    if key in {"currency", "presentment_currency", "currency_code"} and isinstance(value, str):
        return "JPY"
    if isinstance(value, str) and _TWO_DECIMALS.match(value):
        return str(int(Decimal(value) * 100))
    return value


def guest_with_phone_only(body: dict[str, Any], phone: str = "+380 50 123 4567") -> dict[str, Any]:
    changed = copy.deepcopy(body)
    changed.update(customer=None, email=None, contact_email=None, phone=phone)
    for address in ("billing_address", "shipping_address"):
        if changed.get(address):
            changed[address]["phone"] = None
    return changed


def without_contact(body: dict[str, Any]) -> dict[str, Any]:
    changed = guest_with_phone_only(body)
    changed["phone"] = None
    return changed


def without_client_details(body: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    changed.update(client_details=None, browser_ip=None)
    return changed


def with_email(body: dict[str, Any], email: str) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    changed.update(email=email, contact_email=email)
    if changed.get("customer"):
        changed["customer"]["email"] = email
    return changed


def with_lines(body: dict[str, Any], count: int, title: str = "Line") -> dict[str, Any]:
    """``count`` one-unit lines priced 1.00, 2.00, …; the totals follow (no tax, no shipping)."""
    changed = copy.deepcopy(body)
    template = changed["line_items"][0]
    lines = []
    for index in range(1, count + 1):
        line = copy.deepcopy(template)
        price = f"{index}.00"
        line.update(id=9_000_000 + index, product_id=8_000_000 + index, variant_id=7_000_000 + index)
        line.update(title=f"{title} {index}", name=f"{title} {index}", sku=f"SKU-{index}", quantity=1)
        line.update(current_quantity=1, price=price, variant_title=None, total_discount="0.00")
        line["price_set"] = _money_set(price, changed["currency"])
        line["total_discount_set"] = _money_set("0.00", changed["currency"])
        lines.append(line)
    total = f"{sum(range(1, count + 1))}.00"
    changed["line_items"] = lines
    for field in ("total_price", "current_total_price", "subtotal_price", "current_subtotal_price"):
        changed[field] = total
        changed[f"{field}_set"] = _money_set(total, changed["currency"])
    for field in ("total_tax", "current_total_tax", "total_discounts", "current_total_discounts"):
        changed[field] = "0.00"
        changed[f"{field}_set"] = _money_set("0.00", changed["currency"])
    changed["total_shipping_price_set"] = _money_set("0.00", changed["currency"])
    changed["shipping_lines"] = []
    return changed


def _money_set(amount: str, currency: str) -> dict[str, Any]:
    money = {"amount": amount, "currency_code": currency}
    return {"shop_money": dict(money), "presentment_money": dict(money)}


def partial_refund() -> dict[str, Any]:
    """The documented refund cut to its first line (one 89.99 sunglasses), 89.99 returned."""
    body = payload(REFUND)
    body["refund_line_items"] = body["refund_line_items"][:1]
    body["transactions"] = body["transactions"][:1]
    body["transactions"][0]["amount"] = "89.99"
    return body


# Expected requests.


def summary(request: VendorRequest) -> dict[str, Any]:
    """Everything delivery uses of a request, for whole-request comparisons."""
    return {
        **request.describe(),
        "effect": request.effect,
        "part": request.part,
        "superseded_by": request.superseded_by,
        "repeatable": request.repeatable,
    }


def contact_upsert(contact: dict[str, Any], dedupe_on: str = "email") -> dict[str, Any]:
    return {
        "method": "POST",
        "url": CONTACTS_URL,
        "headers": HEADERS,
        "body": {"contacts": [contact], "dedupeOn": dedupe_on},
        "effect": "contact",
        "part": 1,
        "superseded_by": (),
        "repeatable": True,
    }


def event_request(body: dict[str, Any], effect: str, superseded_by: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "method": "POST",
        "url": EVENT_URL,
        "headers": HEADERS,
        "body": body,
        "effect": effect,
        "part": 1,
        "superseded_by": superseded_by,
        "repeatable": False,
    }


def orders_request(order: dict[str, Any], effect: str, superseded_by: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "method": "POST",
        "url": ORDERS_URL,
        "headers": HEADERS,
        "body": {"orders": [order]},
        "effect": effect,
        "part": 1,
        "superseded_by": superseded_by,
        "repeatable": False,
    }


def params(**values: str) -> list[dict[str, str]]:
    """Name/value pairs in the order given (keyword order is kept)."""
    return [{"name": name, "value": value} for name, value in values.items()]


def json_text(value: Any) -> str:
    """A list as the compact JSON string eSputnik gets inside ``items``/``products``."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def sandbox_request(request: VendorRequest) -> SandboxRequest:
    """What the shared HTTP server hands a sandbox for ``request``."""
    url = urlsplit(request.url)
    assert url.path.startswith(PREFIX), url.path
    return SandboxRequest(
        method=request.method,
        path=url.path[len(PREFIX) :],
        query={},
        headers={name.lower(): value for name, value in request.wire_headers().items()},
        body=request.body_bytes() or b"",
    )


# Multi-currency: the AUD-shop / USD-buyer order, its refunds, and a checkout priced in USD.

SHIPPING_REFUND = "refunds-create.shipping-only.AUD-shop-USD-buyer.json"
LINE_REFUND = "refunds-create.line-with-tax.AUD-shop-USD-buyer.json"
DISCOUNT_PERCENT_ONE_LINE = "orders-create.discount-code-percent-one-line.AUD-USD.json"
DISCOUNT_FIXED_ACROSS_ORDER = "orders-create.discount-fixed-across-order.AUD-USD.json"
DISCOUNT_AUTOMATIC = "orders-create.discount-automatic.AUD-USD.json"
DISCOUNT_FREE_SHIPPING = "orders-create.discount-free-shipping.AUD-USD.json"


def aud_order(**changes: Any) -> dict[str, Any]:
    """The AUD-shop / USD-buyer order (one pen, shipping, GST, paid), with ``changes``."""
    body = payload(AUD_USD)
    body.update(changes)
    return body


def multi_currency_checkout() -> dict[str, Any]:
    """The documented checkout in an AUD shop whose buyer sees USD: line prices stay USD."""
    body = payload(CHECKOUT)
    body.update(currency="AUD", presentment_currency="USD")
    return body


def as_guest(body: dict[str, Any], email: str | None = None) -> dict[str, Any]:
    """The order placed without an account: no customer object, only the order's email."""
    changed = copy.deepcopy(body)
    changed["customer"] = None
    if email is not None:
        changed.update(email=email, contact_email=email)
    return changed
