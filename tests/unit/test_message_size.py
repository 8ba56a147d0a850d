"""The SNS message size as AWS counts it: body plus every attribute's name, type and value."""

from __future__ import annotations

import json

from shoprelay.ingress.message import (
    DEAD_LETTER_RESERVE,
    INLINE_LIMIT,
    SNS_MESSAGE_LIMIT,
    MessageAttributes,
    fits_inline,
    message_size,
)

VENDORS = ["edrone", "mytracker", "tracify", "corvidae", "esputnik"]


def attributes(shop: str = "demo-shop.myshopify.com") -> MessageAttributes:
    """The attributes the ingress publishes with every event."""
    return {
        "vendors": {"DataType": "String.Array", "StringValue": json.dumps(VENDORS)},
        "shop": {"DataType": "String", "StringValue": shop},
        "kind": {"DataType": "String", "StringValue": "order_placed"},
        "event_id": {"DataType": "String", "StringValue": "0f8fad5b-d9cb-469f-a165-70867728950e"},
    }


def attributes_size(values: MessageAttributes) -> int:
    """Counted independently: name + data type + value, each in UTF-8 bytes."""
    return sum(
        len(name.encode()) + len(str(a["DataType"]).encode()) + len(str(a["StringValue"]).encode())
        for name, a in values.items()
    )


def test_attributes_count_with_their_names_types_and_values() -> None:
    values = attributes()
    expected = (
        len("vendors") + len("String.Array") + len(json.dumps(VENDORS))
        + len("shop") + len("String") + len("demo-shop.myshopify.com")
        + len("kind") + len("String") + len("order_placed")
        + len("event_id") + len("String") + 36
    )  # fmt: skip
    assert message_size("", values) == expected == attributes_size(values)


def test_body_and_attributes_are_counted_in_utf8_bytes() -> None:
    values = attributes(shop="zürich-shop.myshopify.com")
    body = '{"title":"Füller \u2013 Bordeaux"}'
    assert message_size(body, values) == len(body.encode()) + attributes_size(values)
    assert message_size(body, values) > len(body) + attributes_size(attributes(shop="x" * 25))


def test_binary_attribute_values_count_their_bytes() -> None:
    values: MessageAttributes = {"blob": {"DataType": "Binary", "BinaryValue": b"\x00" * 10}}
    assert message_size("", values) == len("blob") + len("Binary") + 10


def test_an_event_is_inline_up_to_the_limit_less_the_dead_letter_reserve_and_not_one_byte_more() -> None:
    values = attributes()
    room = INLINE_LIMIT - attributes_size(values)
    assert fits_inline("x" * room, values)
    assert not fits_inline("x" * (room + 1), values)
    # A multi-byte character one byte over tips it too: the limit is bytes, not characters.
    assert not fits_inline("x" * (room - 1) + "é", values)


def test_an_event_just_under_256_kib_alone_is_still_referenced_because_of_its_attributes() -> None:
    body = "x" * (SNS_MESSAGE_LIMIT - 100)
    assert len(body.encode()) < SNS_MESSAGE_LIMIT
    assert message_size(body, attributes()) > SNS_MESSAGE_LIMIT
    assert not fits_inline(body, attributes())


def test_the_reserve_holds_the_attributes_a_dead_letter_adds() -> None:
    """What delivery/app.py attaches when it parks a message, at the longest it writes."""
    worst = {
        "reason": "\U0001f4e6" * 1000,
        "vendor_error": "\U0001f4e6" * 1000,
        "vendor": "mytracker",
        "shop": "s" * 255,
        "event_id": "e" * 64,
        "kind": "checkout_updated",
        "status": "503",
        "failed_at": "2026-11-20T10:00:00+00:00",
        "source_message_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    }
    added: MessageAttributes = {name: {"DataType": "String", "StringValue": value} for name, value in worst.items()}
    assert message_size("", added) <= DEAD_LETTER_RESERVE
