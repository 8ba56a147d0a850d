"""The remembered order stays under DynamoDB's item limit whatever its line count."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime

import msgspec
from support.large_orders import encode, order_body, refund_body

from shoprelay.canonical import Order
from shoprelay.sources.shopify.adapter import WebhookMeta, parse_webhook
from shoprelay.state.order_memory import MEMORY_LIMIT_BYTES, for_refunds, pack, unpack

DYNAMODB_ITEM_LIMIT = 400 * 1024


def parsed(body: dict[str, object], topic: str = "orders/create") -> Order:
    meta = WebhookMeta(shop="demo-shop.myshopify.com", topic=topic, webhook_id="w-1")
    event = parse_webhook(meta, encode(body), datetime(2026, 11, 20, tzinfo=UTC))
    assert event.order is not None
    return event.order


def test_a_1000_line_order_is_remembered_whole_in_a_fraction_of_the_limit() -> None:
    order = parsed(order_body(1000))
    assert len(msgspec.json.encode(order)) > DYNAMODB_ITEM_LIMIT  # too big to keep as it is

    document = pack(order)

    assert document is not None
    assert len(document) < MEMORY_LIMIT_BYTES < DYNAMODB_ITEM_LIMIT
    remembered = unpack(document)
    assert remembered == for_refunds(order)
    assert len(remembered.lines) == 1000
    assert remembered.lines[999].title == order.lines[999].title


def test_what_is_left_out_is_what_no_later_event_reads() -> None:
    body = order_body(3)
    body["refunds"] = [refund_body(body, 2)]
    order = parsed(body)
    assert order.billing_address is not None
    assert order.refunds[0].lines[0].line is not None

    remembered = unpack(pack(order) or b"")

    assert (remembered.billing_address, remembered.status_url, remembered.token) == (None, None, None)
    assert remembered.refunds[0].lines[0].line is None
    assert remembered.refunds[0].lines[0].quantity == 1
    assert (remembered.lines, remembered.customer, remembered.client) == (order.lines, order.customer, order.client)
    assert remembered.amounts == order.amounts


def test_an_order_that_defeats_compression_is_still_bounded() -> None:
    """Random, incompressible titles and descriptions in 1,000 lines: the limit still holds."""
    rng = random.Random(12)
    body = order_body(1000)
    for line in body["line_items"]:  # type: ignore[union-attr]
        line["title"] = "".join(rng.choices(string.printable[:94], k=255))
        line["variant_title"] = "".join(rng.choices(string.printable[:94], k=255))
        line["vendor"] = "".join(rng.choices(string.printable[:94], k=255))
    order = parsed(body)

    document = pack(order)

    assert document is not None
    assert len(document) <= MEMORY_LIMIT_BYTES
    remembered = unpack(document)
    assert remembered.id == order.id
    assert remembered.amounts == order.amounts


def test_text_remembered_before_compression_is_still_read() -> None:
    order = parsed(order_body(2))
    assert unpack(msgspec.json.encode(order).decode()) == order
