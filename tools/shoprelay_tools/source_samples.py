"""Sample events for the other ways in: Shopify through EventBridge, and WooCommerce.

``events/ingress-eventbridge/`` holds envelopes as Shopify's partner event source delivers
them (the webhook body in ``detail.payload``, its headers in ``detail.metadata``), for
EventBridgeIngressFunction. ``events/woocommerce-ingress/`` holds API Gateway events of
WooCommerce deliveries to ``/webhooks/woocommerce``, signed with the demo secret for the demo
WooCommerce site, and its activation ping. Both are written by
``python -m shoprelay_tools.sample_events`` together with the other samples.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

from shoprelay.sources.woocommerce import sign
from shoprelay_tools.demo import DEMO_SECRET, DEMO_SHOP
from shoprelay_tools.stack.template import find_root

DEMO_WOO_SOURCE = "https://demo-woo.example.com/"
"""The demo WooCommerce site's home URL, as it sends it in ``X-WC-Webhook-Source``."""
DEMO_WOO_SHOP = "demo-woo.example.com"
"""Its shop key (see :mod:`shoprelay.sources.woocommerce.shop_key`)."""
DEMO_EVENT_SOURCE = "aws.partner/shopify.com/1234567/shoprelay-demo"
"""A partner event source name of the shape Shopify creates (app id, then the chosen name)."""
TRIGGERED_AT = "2026-11-20T10:00:00.000000000Z"

EVENTBRIDGE_SAMPLES: dict[str, str] = {
    "orders/create": "orders-create.test-store-shop-AUD-buyer-USD.json",
    "orders/paid": "orders-create.test-store-shop-AUD-buyer-USD.json",
    "orders/updated": "order-12-line-items.filled-2024-01.json",
    "refunds/create": "refunds-create.shopify-docs-2026-04.json",
}
"""Topic → fixture (tests/fixtures/shopify) of each EventBridge sample, in posting order."""


def _fixtures(source: str) -> Path:
    return find_root() / "tests" / "fixtures" / source


def _shopify_body(fixture: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((_fixtures("shopify") / fixture).read_bytes())
    if body.get("test"):
        body["test"] = False
    return body


def eventbridge_envelope(topic: str, payload: dict[str, Any], index: int, shop: str = DEMO_SHOP) -> dict[str, Any]:
    """An EventBridge event as Shopify's partner event source puts it on the bus."""
    return {
        "version": "0",
        "id": f"00000000-0000-4000-9000-{index:012d}",
        "detail-type": "shopifyWebhook",
        "source": DEMO_EVENT_SOURCE,
        "account": "123456789012",
        "time": "2026-11-20T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "payload": payload,
            "metadata": {
                "Content-Type": "application/json",
                "X-Shopify-Topic": topic,
                "X-Shopify-Shop-Domain": shop,
                "X-Shopify-Webhook-Id": f"eventbridge-sample-{index:04d}",
                "X-Shopify-Event-Id": f"eventbridge-event-{index:04d}",
                "X-Shopify-API-Version": "2026-04",
                "X-Shopify-Triggered-At": TRIGGERED_AT,
            },
        },
    }


VISITOR = {
    "customer_ip_address": "192.0.2.10",
    "customer_user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "meta_data": [
        {"id": 9001, "key": "_mytracker_lvid", "value": "0123456789abcdef0123456789abcdef"},
        {"id": 9002, "key": "_corvidae_visitor_id", "value": "cv-visitor-demo"},
        {"id": 9003, "key": "_corvidae_session_id", "value": "cv-session-demo"},
        {"id": 9004, "key": "_edrone_c_id", "value": "edrone-c-demo"},
    ],
}
"""What a storefront script leaves on a WooCommerce order: the browser, and the vendors'
visitor ids as order meta under the names their settings expect."""


def _woo_order(fixture: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((_fixtures("woocommerce") / fixture).read_bytes())
    body.update(copy.deepcopy(changes))
    return body


DOCS = "order-created.woocommerce-docs.json"
CAPTURE = "order-updated.capture-wc-10.2.1.json"
WOOCOMMERCE_SAMPLES: dict[str, tuple[str, dict[str, Any]]] = {
    "order-created-pending": (
        "order.created",
        _woo_order(DOCS, status="pending", date_paid=None, date_paid_gmt=None, **VISITOR),
    ),
    "order-updated-processing": ("order.updated", _woo_order(DOCS, **VISITOR)),
    "order-updated-refunded-partly": (
        "order.updated",
        _woo_order(DOCS, refunds=[{"id": 731, "reason": "damaged in transit", "total": "-6.45"}], **VISITOR),
    ),
    "order-updated-completed": ("order.updated", _woo_order(CAPTURE)),
}
"""File stem → (topic, body) of each WooCommerce sample, in posting order."""


def woocommerce_event(topic: str, body: bytes, delivery_id: str, *, signed: bool = True) -> dict[str, Any]:
    """What API Gateway hands the ingress function for one WooCommerce delivery."""
    resource, _, action = topic.partition(".")
    headers = {"content-type": "application/json", "user-agent": "WooCommerce/10.2.1 Hookshot (WordPress/6.8.3)"}
    if signed:
        headers |= {
            "x-wc-webhook-source": DEMO_WOO_SOURCE,
            "x-wc-webhook-topic": topic,
            "x-wc-webhook-resource": resource,
            "x-wc-webhook-event": action,
            "x-wc-webhook-id": "16",
            "x-wc-webhook-delivery-id": delivery_id,
            "x-wc-webhook-signature": sign(DEMO_SECRET, body),
        }
    else:
        headers["content-type"] = "application/x-www-form-urlencoded"
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/woocommerce",
        "rawPath": "/webhooks/woocommerce",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "local",
            "http": {
                "method": "POST",
                "path": "/webhooks/woocommerce",
                "protocol": "HTTP/1.0",
                "sourceIp": "192.0.2.20",
            },
            "requestId": f"request-{delivery_id}",
            "routeKey": "POST /webhooks/woocommerce",
            "stage": "$default",
            "time": "20/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795168800000,
        },
        "body": base64.b64encode(body).decode("ascii"),
        "isBase64Encoded": True,
    }


def woocommerce_body(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _write(path: Path, event: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(event, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_source_events(events: Path) -> list[Path]:
    """Write both sample directories under ``events`` and return the files written."""
    written: list[Path] = []
    for index, (topic, fixture) in enumerate(EVENTBRIDGE_SAMPLES.items()):
        envelope = eventbridge_envelope(topic, _shopify_body(fixture), index)
        written.append(_write(events / "ingress-eventbridge" / f"{topic.replace('/', '-')}.json", envelope))
    for index, (stem, (topic, body)) in enumerate(WOOCOMMERCE_SAMPLES.items()):
        event = woocommerce_event(topic, woocommerce_body(body), f"sample-delivery-{index:04d}")
        written.append(_write(events / "woocommerce-ingress" / f"{stem}.json", event))
    ping = woocommerce_event("", b"webhook_id=16", "ping", signed=False)
    written.append(_write(events / "woocommerce-ingress" / "ping.json", ping))
    return written
