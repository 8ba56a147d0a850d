"""The remembered order: what refunds need of it, compressed, never over a fixed size.

A refund webhook names its order but does not describe it, and two vendors need the order
to express the refund: MyTracker (lines, currency, discount codes, customer id, browser
context) and eSputnik (lines with their units, totals, customer, shipping address). Nothing
reads the billing address, the tokens, the status page or the copies of lines inside the
order's earlier refunds, so those are left out. The rest compresses well (line after line
of the same keys), so a 1,000-line order stays far under DynamoDB's 400 KB item limit.

A body built to defeat compression could still exceed it, and a put over the limit fails on
every retry (a 503 loop). So the document is bounded: when the full view does not fit, the
lines lose their descriptions, and then the order keeps only its header. A refund of such an
order is still relayed, from the lines the refund itself carries.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import msgspec

from shoprelay.canonical import ClientContext, LineItem, Order, Refund, from_json, to_json

MEMORY_LIMIT_BYTES = 300 * 1024
"""Largest stored document; DynamoDB's item limit is 400 KB, keys and attributes included."""
_LEVEL = 6

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


def pack(order: Order) -> bytes | None:
    """The compressed document to remember, or None when not even the header fits."""
    for trim in _TRIMS:
        document = zlib.compress(to_json(trim(order)), _LEVEL)
        if len(document) <= MEMORY_LIMIT_BYTES:
            return document
    return None


def unpack(document: bytes | str) -> Order:
    """The order from :func:`pack`'s bytes, or from the JSON text remembered before compression."""
    return from_json(Order, document if isinstance(document, str) else zlib.decompress(document))
