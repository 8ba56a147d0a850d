"""What the vendor tests start from: real Shopify bodies and the canonical events ingress makes of them.

Tests edit a fixture body as a dict and turn it into an event here, so every case still goes
through the real Shopify adapter, and order memory is played by handing in the remembered order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from msgspec.structs import replace

from shoprelay.canonical import CanonicalEvent, Order
from shoprelay.sources.shopify import WebhookMeta, parse_webhook

TWELVE_LINES = "order-12-line-items.filled-2024-01.json"
AUD_USD = "orders-create.test-store-shop-AUD-buyer-USD.json"
DOCS_ORDER = "orders-create.shopify-docs-2026-04.json"
REFUND = "refunds-create.shopify-docs-2026-04.json"
CHECKOUT = "checkouts-create.shopify-docs-2026-04.json"
CUSTOMER = "customers-create.shopify-docs-2026-04.json"
DISCOUNT_PERCENT_ONE_LINE = "orders-create.discount-code-percent-one-line.AUD-USD.json"
DISCOUNT_FIXED_ACROSS = "orders-create.discount-fixed-across-order.AUD-USD.json"
DISCOUNT_AUTOMATIC = "orders-create.discount-automatic.AUD-USD.json"
DISCOUNT_FREE_SHIPPING = "orders-create.discount-free-shipping.AUD-USD.json"
"""Two-line AUD-shop / USD-buyer orders (a pen, three ink cartridges), one kind of discount each."""

Body = dict[str, Any]
Variant = Callable[[Body], Body]
"""An edit of a fixture body (a guest, another currency…), applied before parsing."""


def canonical_event(
    body: Body,
    topic: str,
    *,
    shop: str,
    received_at: datetime,
    webhook_id: str | None = None,
    remembered: Order | None = None,
) -> CanonicalEvent:
    """The event ingress would publish for ``body`` on ``topic``; ``remembered`` plays order memory."""
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    parsed = parse_webhook(WebhookMeta(shop=shop, topic=topic, webhook_id=webhook_id), raw, received_at)
    if remembered is not None:
        parsed = replace(parsed, order=remembered, order_remembered=True)
    return parsed


def order_in(body: Body, *, shop: str, received_at: datetime) -> Order:
    """The order an orders/create of ``body`` carries, as order memory would keep it."""
    order = canonical_event(body, "orders/create", shop=shop, received_at=received_at).order
    assert order is not None
    return order
