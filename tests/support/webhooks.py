"""Build API Gateway HTTP API (v2) events for Shopify webhooks, signed or not."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from shoprelay.sources.shopify import sign

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / "shopify" / name).read_bytes()


def fixture_json(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(fixture_bytes(name))
    return loaded


def api_event(
    body: bytes,
    *,
    topic: str = "orders/create",
    shop: str = "demo-shop.myshopify.com",
    secret: str | None = "shoprelay-demo-secret",
    webhook_id: str = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    event_id: str | None = None,
    base64_encoded: bool = False,
    extra_headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The event API Gateway gives the ingress function for one Shopify delivery."""
    headers = {
        "content-type": "application/json",
        "x-shopify-topic": topic,
        "x-shopify-shop-domain": shop,
        "x-shopify-webhook-id": webhook_id,
        "x-shopify-api-version": "2026-04",
        "x-shopify-triggered-at": "2026-11-20T10:00:00.123456789Z",
    }
    if event_id:
        headers["x-shopify-event-id"] = event_id
    if secret is not None:
        headers["x-shopify-hmac-sha256"] = sign(secret, body)
    headers.update(extra_headers or {})
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/shopify",
        "rawPath": "/webhooks/shopify",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "http": {"method": "POST", "path": "/webhooks/shopify", "sourceIp": "192.0.2.1", "protocol": "HTTP/1.1"},
            "requestId": "req-1",
            "routeKey": "POST /webhooks/shopify",
            "stage": "$default",
        },
        "body": base64.b64encode(body).decode() if base64_encoded else body.decode("utf-8", errors="surrogateescape"),
        "isBase64Encoded": base64_encoded,
    }
