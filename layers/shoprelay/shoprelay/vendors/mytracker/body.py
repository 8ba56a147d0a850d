"""The JSON MyTracker's ``order`` method takes, cut into parts that respect its 10 KB limit.

MyTracker caps imported data at 10 KB per request. Dropping items would under-report
revenue and truncating names is still "changing the order", so a large order is spread
over several requests of the same status instead: MyTracker's own chains allow PAY→PAY and
ADD→ADD ("adding a product to an order"), and each part carries its own ``action_id``.

``orderBatch`` takes an array of the same parameters written flat, as its documented example
shows: the order's fields (``order_id``, ``status``, ``items``…) beside the identity and
context fields rather than under ``order``. A part fills a request on its own, so each
batch holds one element.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any

from shoprelay.canonical import LineItem, amount_text, minor_units
from shoprelay.vendors.base import TranslationError
from shoprelay.vendors.mytracker.actions import OrderAction
from shoprelay.vendors.mytracker.settings import MyTrackerSettings
from shoprelay.vendors.wire import json_bytes

MAX_BODY_BYTES = 10_000
"""MyTracker's documented "10Kb", read as 10,000 bytes (the stricter reading of the two);
measured on the exact bytes sent."""
ARRAY_BRACKETS = 2
"""What wrapping a body in an ``orderBatch`` array adds to it."""

_ACTION_ID_HEX_DIGITS = 13
"""52 bits: the id stays exact even if MyTracker parses it as a JavaScript number."""
_WIDEST_ACTION_ID = str(16**_ACTION_ID_HEX_DIGITS - 1)
"""Packing measures with the longest possible id, so the real one can only make a part smaller."""

type Body = dict[str, Any]
_ZERO = Decimal(0)


def wire_size(value: Any) -> int:
    """Bytes of ``value`` encoded exactly as ``VendorRequest.body_bytes`` encodes JSON."""
    return len(json_bytes(value))


def action_id(shop: str, order_id: str, effect: str, part: int) -> str:
    """A number unique within the order that a retry, a redelivery or a dry run repeats exactly.

    MyTracker documents ``action_id`` as "unique action number within the order"; hashing the
    effect keeps it stable without a counter, and digits match the documented example.
    """
    digest = hashlib.sha256(f"{shop}\n{order_id}\n{effect}\n{part}".encode()).hexdigest()
    return str(int(digest[:_ACTION_ID_HEX_DIGITS], 16))


_PREFERRED_ITEM_ID: dict[str, Callable[[LineItem], str | None]] = {
    "variant": attrgetter("variant_id"),
    "product": attrgetter("product_id"),
    "sku": attrgetter("sku"),
}
_DESCRIPTIONS = (("item_variant", "variant_title"), ("item_brand", "brand"), ("item_category1", "category"))
"""MyTracker item field → canonical line attribute, sent when it has text."""


def _item_id(line: LineItem, settings: MyTrackerSettings) -> str:
    return _PREFERRED_ITEM_ID[settings.item_id_source](line) or line.item_id


def item_fields(line: LineItem, quantity: int, settings: MyTrackerSettings, places: int) -> dict[str, str]:
    """One ``items[]`` entry, numbers as strings like every example in MyTracker's docs.

    ``price`` is what the buyer paid per unit after the line's discounts and ``discount`` the
    per-unit reduction (the GA4 item convention MyTracker's field names follow), so that
    price times quantity is the revenue actually earned. ``tax`` is the line's tax rate in
    percent, sent only within the 1 to 100 MyTracker accepts. ``places`` are the decimals of
    the order's currency.
    """
    side = settings.currency
    line_discount = line.discount.pick(side)
    unit_discount = line_discount / line.quantity if line_discount and line.quantity > 0 else _ZERO
    item_id = _item_id(line, settings)
    fields = {"item_id": item_id, "item_name": line.title.strip() or item_id}
    for name, attribute in _DESCRIPTIONS:
        text = getattr(line, attribute)
        if text and (text := text.strip()):
            fields[name] = text
    fields["price"] = amount_text(line.unit_price.pick(side) - unit_discount, places)
    if unit_discount:
        discount = amount_text(unit_discount, places)
        if discount.strip("0."):  # some digit is not zero: the discount survives rounding
            fields["discount"] = discount
    tax = tax_percent(line)
    if tax is not None:
        fields["tax"] = tax
    fields["quantity"] = str(quantity)
    return fields


_PERCENT = Decimal(100)
_MIN_TAX, _MAX_TAX = Decimal(1), Decimal(100)


def tax_percent(line: LineItem) -> str | None:
    """The line's tax rate as MyTracker's percentage (``"20"``, ``"7.25"``), or None when the
    line states none or a rate outside the 1 to 100 MyTracker accepts."""
    if line.tax_rate is None:
        return None
    percent = line.tax_rate * _PERCENT
    if not _MIN_TAX <= percent <= _MAX_TAX:
        return None
    return format(percent.normalize(), "f")


def _order_fields(action: OrderAction, settings: MyTrackerSettings, currency: str) -> dict[str, str]:
    fields = {
        "order_id": action.order.id_for(settings.order_id_field),
        "currency_code": currency,
        "status": action.status,
        "action_id": "",
        "action_ts": str(int(action.happened_at.timestamp())),
    }
    if action.order.discount_codes:
        fields["coupon"] = ",".join(action.order.discount_codes)
    return fields


type Frame = Callable[[Mapping[str, str], Mapping[str, str], str, list[Any]], Body]


def _nested(envelope: Mapping[str, str], order: Mapping[str, str], action_number: str, items: list[Any]) -> Body:
    """The ``order`` method's body: the order's fields under ``order``."""
    return {**envelope, "order": {**order, "action_id": action_number, "items": items}}


def _flat(envelope: Mapping[str, str], order: Mapping[str, str], action_number: str, items: list[Any]) -> Body:
    """One ``orderBatch`` element: the same fields side by side, as the batch example has them."""
    return {**envelope, **order, "action_id": action_number, "items": items}


def _frame_for(settings: MyTrackerSettings) -> Frame:
    return _flat if settings.use_batch else _nested


def _pack(sizes: Sequence[int], empty_size: int, limit: int, separator: int = 1) -> list[list[int]]:
    """Indexes of ``sizes`` grouped in order, each group filled until the next would overflow.

    A group of sizes ``s1..sk`` costs ``empty_size + sum(s) + (k - 1) * separator`` bytes,
    which is exactly how compact JSON grows when elements are added to one array.
    """
    groups: list[list[int]] = []
    used = 0
    for index, size in enumerate(sizes):
        if empty_size + size > limit:
            raise TranslationError(f"element {index + 1} alone needs {empty_size + size} bytes, over {limit}")
        if groups and used + separator + size <= limit:
            groups[-1].append(index)
            used += separator + size
        else:
            groups.append([index])
            used = empty_size + size
    return groups


def _content(action: OrderAction, settings: MyTrackerSettings) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The order's fields (``action_id`` still blank) and its items, in the shop's chosen currency."""
    currency = action.order.buyer_currency if settings.currency == "buyer" else action.order.currency
    order = _order_fields(action, settings, currency)
    places = minor_units(currency)
    return order, [item_fields(line, quantity, settings, places) for line, quantity in action.quantities]


def order_body(action: OrderAction, shop: str, envelope: Mapping[str, str], settings: MyTrackerSettings) -> Body:
    """The whole order in one body, as part 1: what nearly every order is sent as.

    Not measured here: the caller measures the request it builds from it, whose bytes are
    then the ones sent, and turns to :func:`order_parts` only when they exceed the limit.
    An order that fits is part 1, so a shop that grows past the limit keeps the ids of its
    small orders.
    """
    order, items = _content(action, settings)
    return _frame_for(settings)(envelope, order, action_id(shop, order["order_id"], action.effect, 1), items)


def order_parts(
    action: OrderAction, shop: str, envelope: Mapping[str, str], settings: MyTrackerSettings, limit: int
) -> list[Body]:
    """The order spread over bodies of at most ``limit`` bytes, for an order one body cannot hold.

    Items are packed in order, measured as if every part had the longest possible
    ``action_id``; part ``n`` then gets the id of (order, effect, n).
    """
    order, items = _content(action, settings)
    frame = _frame_for(settings)
    empty_size = wire_size(frame(envelope, order, _WIDEST_ACTION_ID, []))
    try:
        parts = _pack([wire_size(item) for item in items], empty_size, limit)
    except TranslationError as error:
        raise TranslationError(
            f"order {order['order_id']}: an item cannot fit one MyTracker request ({error})"
        ) from None
    return [
        frame(envelope, order, action_id(shop, order["order_id"], action.effect, number), [items[i] for i in part])
        for number, part in enumerate(parts, start=1)
    ]
