"""The remembered order stays under DynamoDB's item limit whatever its line count."""

from __future__ import annotations

import random
import string
import zlib
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest
from support.large_orders import encode, order_body, refund_body

from shoprelay.canonical import Order
from shoprelay.sources.shopify.adapter import WebhookMeta, parse_webhook
from shoprelay.state.order_memory import DICTIONARIES, MEMORY_LIMIT_BYTES, for_refunds, pack, unpack

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


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shopify"


def fixture_order(name: str) -> Order:
    meta = WebhookMeta(shop="demo-shop.myshopify.com", topic="orders/create", webhook_id="w-2")
    event = parse_webhook(meta, (FIXTURES / name).read_bytes(), datetime(2026, 11, 20, tzinfo=UTC))
    assert event.order is not None
    return event.order


@pytest.mark.parametrize(
    ("name", "budget"),
    [
        # 1 to 5 lines: the item (document plus about 100 bytes of key and attributes) is one write unit
        ("orders-create.shopify-docs-2026-04.json", 1024 - 100),
        ("orders-create.test-store-shop-AUD-buyer-USD.json", 1024 - 100),
        # 12 lines: the document alone stays under 1 KB
        ("order-12-line-items.filled-2024-01.json", 1024),
    ],
)
def test_a_typical_order_is_remembered_in_about_1_kb_and_comes_back_whole(name: str, budget: int) -> None:
    order = fixture_order(name)

    document = pack(order)

    assert document is not None
    assert len(document) <= budget
    assert unpack(document) == for_refunds(order)


def test_documents_compressed_without_a_dictionary_are_still_read() -> None:
    order = for_refunds(fixture_order("orders-create.shopify-docs-2026-04.json"))
    assert unpack(zlib.compress(msgspec.json.encode(order), 6)) == order


def test_a_document_naming_an_unknown_dictionary_is_refused_not_misread() -> None:
    compressor = zlib.compressobj(9, zdict=b'"a made-up dictionary":')
    document = compressor.compress(b'{"id":"1"}') + compressor.flush()
    assert zlib.adler32(b'"a made-up dictionary":') not in DICTIONARIES

    with pytest.raises(ValueError, match="dictionary"):
        unpack(document)
