"""The remembered order: what refunds need of it, compressed, never over a fixed size.

A refund webhook names its order but does not describe it, and two vendors need the order
to express the refund: MyTracker (lines, currency, discount codes, customer id, browser
context) and eSputnik (lines with their units, totals, customer, shipping address). Nothing
reads the billing address, the tokens, the status page or the copies of lines inside the
order's earlier refunds, so those are left out. The rest compresses well (line after line
of the same keys), so a 1,000-line order stays far under DynamoDB's 400 KB item limit.

The document leaves out every field that holds its default (no nulls, no zero amounts) and
is compressed against a fixed dictionary of the canonical field names, so a typical order
takes well under 1 KB and its item one write unit. The dictionary is part of the stored
format: a document names the dictionary it was written with (zlib's dictionary id), and
:data:`DICTIONARIES` keeps every one ever used, so a new one can be added but none removed.

A body built to defeat compression could still exceed the limit, and a put over the limit fails on
every retry (a 503 loop). So the document is bounded: when the full view does not fit, the
lines lose their descriptions, and then the order keeps only its header. A refund of such an
order is still relayed, from the lines the refund itself carries.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import msgspec

from shoprelay.canonical import ClientContext, LineItem, Order, Refund, from_json

MEMORY_LIMIT_BYTES = 300 * 1024
"""Largest stored document; DynamoDB's item limit is 400 KB, keys and attributes included."""
_LEVEL = 9
_DICTIONARY = (
    b'{"id":"","name":"#","number":"","created_at":"T:Z","processed_at":"","updated_at":"","cancelled_at":"'
    b'","cancel_reason":"","financial_status":"paid","fulfillment_status":"fulfilled","test":true,'
    b'"customer":{"id":"","email":"","phone":"","first_name":"","last_name":"","locale":"en","country_code":"'
    b'","city":"","accepts_email_marketing":false,"accepts_sms_marketing":false},'
    b'"shipping_address":{"first_name":"","last_name":"","address1":"","address2":"","city":"","zip":"",'
    b'"province_code":"","country_code":"","phone":""},"client":{"ip":"","user_agent":"Mozilla/5.0",'
    b'"accept_language":"","landing_url":"https://","landing_params":{},"referrer":"","source_name":"web"},'
    b'"cart_attributes":{},"discount_codes":[""],"refunds":[{"id":"","order_id":"","created_at":"","note":"",'
    b'"amount":{},"shipping":{},"adjustments":{},"lines":[{"line_id":"","quantity":1,"subtotal":{},"tax":{}}]}],'
    b'"currency":"USD","buyer_currency":"EUR","amounts":{"total":{},"subtotal":{},"tax":{},"shipping":{},'
    b'"discounts":{}},"lines":[{"line_id":"","product_id":"","variant_id":"","sku":"","title":"",'
    b'"variant_title":"","brand":"","category":"","current_quantity":,"url":"https://","image_url":"https://",'
    b'"discount":{"shop":"0.00","buyer":"0.00"},"quantity":1,"unit_price":{"shop":".00","buyer":".00"}},'
    b'{"line_id":"","product_id":"","variant_id":"","sku":"","title":"","quantity":1,"unit_price":{"shop":"'
)
"""Snippets of a remembered order (field names, common values), for zlib to refer back to."""
DICTIONARIES = {zlib.adler32(_DICTIONARY): _DICTIONARY}
"""Every dictionary a stored document may name, by zlib dictionary id (never remove one)."""
_FDICT = 0x20
"""The zlib header flag that says a dictionary id follows."""

type Trim = Callable[[Order], Order]


def _without_line_copies(refund: Refund) -> Refund:
    lines = tuple(msgspec.structs.replace(line, line=None) for line in refund.lines)
    return msgspec.structs.replace(refund, lines=lines)


def for_refunds(order: Order) -> Order:
    """The order without what no later event reads."""
    return msgspec.structs.replace(
        order,
        token=None,
        cart_token=None,
        checkout_token=None,
        billing_address=None,
        status_url=None,
        refunds=tuple(_without_line_copies(refund) for refund in order.refunds),
    )


def _plain_line(line: LineItem) -> LineItem:
    return msgspec.structs.replace(line, variant_title=None, brand=None, category=None, url=None, image_url=None)


def _plain_lines(order: Order) -> Order:
    trimmed = for_refunds(order)
    return msgspec.structs.replace(trimmed, lines=tuple(_plain_line(line) for line in trimmed.lines))


def _header(order: Order) -> Order:
    trimmed = for_refunds(order)
    refunds = tuple(msgspec.structs.replace(refund, lines=()) for refund in trimmed.refunds)
    return msgspec.structs.replace(trimmed, lines=(), refunds=refunds, cart_attributes={}, client=ClientContext())


_TRIMS: tuple[Trim, ...] = (for_refunds, _plain_lines, _header)
"""From the most to the least complete view of the order."""


_FIELDS: dict[type[msgspec.Struct], tuple[msgspec.structs.FieldInfo, ...]] = {}


def _fields(kind: type[msgspec.Struct]) -> tuple[msgspec.structs.FieldInfo, ...]:
    """A struct type's fields, looked up once: msgspec evaluates the annotations on every call."""
    found = _FIELDS.get(kind)
    if found is None:
        found = _FIELDS[kind] = msgspec.structs.fields(kind)
    return found


def _lean(value: Any) -> Any:
    """``value`` as plain data without the fields that hold their default (decoding restores them)."""
    if isinstance(value, msgspec.Struct):
        kept: dict[str, Any] = {}
        for info in _fields(type(value)):
            field_value = getattr(value, info.name)
            if info.default is not msgspec.NODEFAULT and field_value == info.default:
                continue
            if info.default_factory is not msgspec.NODEFAULT and field_value == info.default_factory():
                continue
            kept[info.encode_name] = _lean(field_value)
        return kept
    if isinstance(value, tuple | list):
        return [_lean(item) for item in value]
    if isinstance(value, dict):
        return {key: _lean(item) for key, item in value.items()}
    return value


_ENCODER = msgspec.json.Encoder(decimal_format="string")


def _compress(order: Order) -> bytes:
    compressor = zlib.compressobj(_LEVEL, zdict=_DICTIONARY)
    return compressor.compress(_ENCODER.encode(_lean(order))) + compressor.flush()


def _decompress(document: bytes) -> bytes:
    """Documents name their dictionary; those written before dictionaries name none."""
    if len(document) < 6 or not document[1] & _FDICT:
        return zlib.decompress(document)
    dictionary = DICTIONARIES.get(int.from_bytes(document[2:6], "big"))
    if dictionary is None:
        raise ValueError("the remembered order names a compression dictionary this version does not know")
    decompressor = zlib.decompressobj(zdict=dictionary)
    return decompressor.decompress(document) + decompressor.flush()


def pack(order: Order) -> bytes | None:
    """The compressed document to remember, or None when not even the header fits."""
    for trim in _TRIMS:
        document = _compress(trim(order))
        if len(document) <= MEMORY_LIMIT_BYTES:
            return document
    return None


def unpack(document: bytes | str) -> Order:
    """The order from :func:`pack`'s bytes, or from what was remembered before: JSON text, or
    JSON compressed without a dictionary."""
    return from_json(Order, document if isinstance(document, str) else _decompress(document))
