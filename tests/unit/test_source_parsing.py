"""Every source tells a shop what is wrong with its body in the same words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from shoprelay.sources import PayloadError
from shoprelay.sources.shopify import WebhookMeta, parse_webhook
from shoprelay.sources.woocommerce.adapter import WooMeta
from shoprelay.sources.woocommerce.adapter import parse_webhook as parse_woocommerce

RECEIVED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def shopify(body: bytes) -> Any:
    return parse_webhook(WebhookMeta(shop="demo-shop.myshopify.com", topic="orders/create"), body, RECEIVED)


def woocommerce(body: bytes) -> Any:
    return parse_woocommerce(WooMeta(shop="shop.example.com", topic="order.created"), body, RECEIVED)


SOURCES = [pytest.param(shopify, id="shopify"), pytest.param(woocommerce, id="woocommerce")]


@pytest.mark.parametrize("parse", SOURCES)
@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        (b"[1, 2]", "", "must be a JSON object"),
        (b'{"id": 1, "line_items": 5}', "line_items", "Expected `array`, got `int`"),
        (b'{"id": 1, "line_items": [7]}', "line_items.0", "Expected `object`, got `int`"),
        (b"\xff\xfe{}", "", "body is not"),
        (b'{"id": 1', "", "body is not valid JSON"),
        (b'{"note": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "", "body nests arrays or objects too deeply"),
    ],
)
def test_a_bad_body_is_named_alike_by_every_source(
    parse: Callable[[bytes], Any], body: bytes, path: str, message: str
) -> None:
    with pytest.raises(PayloadError) as refused:
        parse(body)
    assert refused.value.path == path
    assert refused.value.message.startswith(message)
