"""WooCommerce webhooks for tests: the fixture bodies, the cases every vendor is tried on,
and API Gateway events as WooCommerce's deliveries arrive.

Cases edit a real fixture body as a dict (the status an order moves to, a refund added, a
guest) and go through the real WooCommerce adapter, as the Shopify vendor tests do.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shoprelay.canonical import CanonicalEvent
from shoprelay.sources.woocommerce import WooMeta, parse_webhook, sign
from support.webhooks import FIXTURES

DOCS_ORDER = "order-created.woocommerce-docs.json"
"""WooCommerce's documented order: a guest, two lines, USD, paid by bank transfer."""
CAPTURED_ORDER = "order-updated.capture-wc-10.2.1.json"
"""A real order.updated of WooCommerce 10.2.1: a registered buyer, RUB, a 100 % coupon, completed."""
WOO_SHOP = "demo-woo.example.com"
WOO_SOURCE = "https://demo-woo.example.com/"
WOO_SECRET = "shoprelay-demo-secret"
MOMENT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)

Body = dict[str, Any]


def woo_body(name: str = DOCS_ORDER) -> Body:
    loaded: Body = json.loads((FIXTURES / "woocommerce" / name).read_bytes())
    return loaded


def woo_events(body: Body, topic: str = "order.updated", *, delivery_id: str = "d-1") -> list[CanonicalEvent]:
    """The events ingress publishes for ``body`` the first time it sees them."""
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    meta = WooMeta(shop=WOO_SHOP, topic=topic, delivery_id=delivery_id)
    return [effect.event for effect in parse_webhook(meta, raw, MOMENT)]


def _status(status: str, *, paid: bool) -> Callable[[Body], Body]:
    def edit(body: Body) -> Body:
        edited = copy.deepcopy(body)
        edited["status"] = status
        if not paid:
            edited["date_paid"] = edited["date_paid_gmt"] = None
        return edited

    return edit


def with_refund(body: Body, *, refund_id: int = 731, amount: str = "-6.45", line_items: bool = True) -> Body:
    """``body`` after a partial refund of one unit of its first line, as WooCommerce lists it."""
    edited = copy.deepcopy(body)
    first = edited["line_items"][0]
    refund: Body = {"id": refund_id, "reason": "damaged in transit", "total": amount}
    if line_items:
        refund["line_items"] = [
            {
                "id": 900 + refund_id,
                "name": first["name"],
                "product_id": first["product_id"],
                "variation_id": first["variation_id"],
                "quantity": -1,
                "subtotal": "-3.00",
                "subtotal_tax": "-0.23",
                "total": "-3.00",
                "total_tax": "-0.23",
                "sku": first["sku"],
                "meta_data": [{"id": 1, "key": "_refunded_item_id", "value": str(first["id"])}],
            }
        ]
    edited["refunds"] = [*edited.get("refunds", []), refund]
    return edited


def with_storefront_ids(body: Body) -> Body:
    """``body`` with the visitor ids storefront scripts leave in order meta (named as Shopify cart attributes)."""
    edited = copy.deepcopy(body)
    edited["meta_data"] = [
        *edited.get("meta_data", []),
        {"id": 1, "key": "_mytracker_lvid", "value": "0123456789abcdef0123456789abcdef"},
        {"id": 2, "key": "_corvidae_visitor_id", "value": "cv-visitor-1"},
        {"id": 3, "key": "_corvidae_session_id", "value": "cv-session-1"},
        {"id": 4, "key": "_edrone_c_id", "value": "edrone-c-1"},
    ]
    edited["customer_ip_address"] = "192.0.2.10"
    edited["customer_user_agent"] = "Mozilla/5.0 (X11; Linux x86_64)"
    return edited


def as_registered(body: Body) -> Body:
    edited = copy.deepcopy(body)
    edited["customer_id"] = 41
    return edited


CASES: dict[str, tuple[Callable[[], Body], str]] = {
    "placed": (lambda: _status("pending", paid=False)(with_storefront_ids(woo_body())), "order.created"),
    "on-hold": (lambda: _status("on-hold", paid=False)(with_storefront_ids(woo_body())), "order.created"),
    "paid": (lambda: with_storefront_ids(woo_body()), "order.updated"),
    "completed": (lambda: _status("completed", paid=True)(with_storefront_ids(woo_body())), "order.updated"),
    "cancelled": (lambda: _status("cancelled", paid=False)(with_storefront_ids(woo_body())), "order.updated"),
    "partly refunded": (lambda: with_refund(with_storefront_ids(woo_body())), "order.updated"),
    "refunded without lines": (
        lambda: with_refund(with_storefront_ids(woo_body()), line_items=False, amount="-29.35"),
        "order.updated",
    ),
    "multi-line registered": (lambda: as_registered(with_storefront_ids(woo_body())), "order.updated"),
    "guest": (woo_body, "order.updated"),
    "captured": (lambda: woo_body(CAPTURED_ORDER), "order.updated"),
}
"""Every case a vendor is tried on: the body and the topic WooCommerce sends it on."""


def woo_api_event(
    body: bytes,
    *,
    topic: str = "order.updated",
    source: str = WOO_SOURCE,
    secret: str | None = WOO_SECRET,
    delivery_id: str = "0e3f1b6c9a2d4e5f8a7b6c5d4e3f2a1b",
    webhook_id: str = "16",
    base64_encoded: bool = False,
    extra_headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The event API Gateway gives the ingress function for one WooCommerce delivery."""
    resource, _, action = topic.partition(".")
    headers = {
        "content-type": "application/json",
        "user-agent": "WooCommerce/10.2.1 Hookshot (WordPress/6.8.3)",
        "x-wc-webhook-source": source,
        "x-wc-webhook-topic": topic,
        "x-wc-webhook-resource": resource,
        "x-wc-webhook-event": action,
        "x-wc-webhook-id": webhook_id,
        "x-wc-webhook-delivery-id": delivery_id,
    }
    if secret is not None:
        headers["x-wc-webhook-signature"] = sign(secret, body)
    headers.update(extra_headers or {})
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/woocommerce",
        "rawPath": "/webhooks/woocommerce",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "http": {
                "method": "POST",
                "path": "/webhooks/woocommerce",
                "sourceIp": "192.0.2.1",
                "protocol": "HTTP/1.0",
            },
            "requestId": "req-woo-1",
            "routeKey": "POST /webhooks/woocommerce",
            "stage": "$default",
        },
        "body": base64.b64encode(body).decode() if base64_encoded else body.decode("utf-8", errors="surrogateescape"),
        "isBase64Encoded": base64_encoded,
    }


def ping_event(webhook_id: str = "16") -> dict[str, Any]:
    """WooCommerce's activation ping: an unsigned form post."""
    event = woo_api_event(f"webhook_id={webhook_id}".encode(), secret=None)
    headers = event["headers"]
    for name in list(headers):
        if name.startswith("x-wc-webhook-"):
            del headers[name]
    headers["content-type"] = "application/x-www-form-urlencoded"
    return event
