"""The JSON MyTracker's ``order`` method takes, cut into parts that respect its 10 KB limit.

MyTracker caps imported data at 10 KB per request. Dropping items would under-report
revenue and truncating names is still "changing the order", so a large order is spread
over several requests of the same status instead: MyTracker's own chains allow PAY→PAY and
ADD→ADD ("adding a product to an order"), and each part carries its own ``action_id``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any

from shoprelay.canonical import LineItem, amount_text, minor_units
from shoprelay.vendors.base import TranslationError
from shoprelay.vendors.mytracker.actions import OrderAction
from shoprelay.vendors.mytracker.settings import MyTrackerSettings
from shoprelay.vendors.wire import json_bytes

MAX_BODY_BYTES = 10 * 1024
"""MyTracker's documented "10Kb", read as KiB; measured on the exact bytes sent."""
MAX_BATCH_ELEMENTS = 20
ARRAY_BRACKETS = 2

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

    ``price`` is what the buyer paid per unit after the line's discount and ``discount`` the
    per-unit reduction (the GA4 item convention MyTracker's field names follow), so that
    price times quantity is the revenue actually earned. ``tax`` is a per-item percentage the
    canonical line does not carry, so it is left out rather than guessed. ``places`` are the
    decimals of the order's currency.
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
    fields["quantity"] = str(quantity)
    return fields


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


def _frame(envelope: Mapping[str, str], order: Mapping[str, str], action_number: str, items: list[Any]) -> Body:
    return {**envelope, "order": {**order, "action_id": action_number, "items": items}}


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
    return _frame(envelope, order, action_id(shop, order["order_id"], action.effect, 1), items)


def order_parts(
    action: OrderAction, shop: str, envelope: Mapping[str, str], settings: MyTrackerSettings, limit: int
) -> list[Body]:
    """The order spread over bodies of at most ``limit`` bytes, for an order one body cannot hold.

    Items are packed in order, measured as if every part had the longest possible
    ``action_id``; part ``n`` then gets the id of (order, effect, n).
    """
    order, items = _content(action, settings)
    empty_size = wire_size(_frame(envelope, order, _WIDEST_ACTION_ID, []))
    try:
        parts = _pack([wire_size(item) for item in items], empty_size, limit)
    except TranslationError as error:
        raise TranslationError(
            f"order {order['order_id']}: an item cannot fit one MyTracker request ({error})"
        ) from None
    return [
        _frame(envelope, order, action_id(shop, order["order_id"], action.effect, number), [items[i] for i in part])
        for number, part in enumerate(parts, start=1)
    ]


def batches(bodies: Iterable[Body]) -> list[list[Body]]:
    """``orderBatch`` arrays: at most 20 bodies and 10 KB each, bodies kept in order."""
    listed = list(bodies)
    if len(listed) == 1:
        # The common case; the request built from it is measured, and split if it must be.
        return [listed]
    groups: list[list[Body]] = []
    for part in _pack([wire_size(body) for body in listed], ARRAY_BRACKETS, MAX_BODY_BYTES):
        for start in range(0, len(part), MAX_BATCH_ELEMENTS):
            groups.append([listed[i] for i in part[start : start + MAX_BATCH_ELEMENTS]])
    return groups
