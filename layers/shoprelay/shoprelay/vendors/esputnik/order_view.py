"""The order as eSputnik should see it now: status, total, and the items still on it.

Both ways of sending orders (events and Add orders) describe the same thing, eSputnik's
order resource, so both build it here. Amounts stay ``Decimal`` in the currency the shop's
``currency`` setting picks.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import msgspec

from shoprelay.canonical import LineItem, Order, Refund, minor_units, round_places, utc_text
from shoprelay.vendors.esputnik.api import json_number
from shoprelay.vendors.esputnik.contact import Contact
from shoprelay.vendors.esputnik.settings import EsputnikSettings

_ZERO = Decimal(0)

INITIALIZED = "INITIALIZED"
IN_PROGRESS = "IN_PROGRESS"
DELIVERED = "DELIVERED"
CANCELLED = "CANCELLED"

STATUSES_AFTER: dict[str, tuple[str, ...]] = {
    INITIALIZED: (IN_PROGRESS, DELIVERED, CANCELLED),
    IN_PROGRESS: (DELIVERED, CANCELLED),
    DELIVERED: (CANCELLED,),
    CANCELLED: (),
}
"""Statuses an order only reaches later: a message carrying a status is wrong once the order
has been told one of these (a late "placed" must not reopen a cancelled order)."""

_FULFILLMENT_STATUSES = {"restocked": CANCELLED, "partial": IN_PROGRESS, "fulfilled": DELIVERED}
"""Shopify fulfilment status → eSputnik status, as Yespo's own Shopify app maps it."""


class OrderView(msgspec.Struct, frozen=True, kw_only=True):
    """One order, as of one event, in the terms of eSputnik's order resource."""

    order: Order
    status: str
    currency: str
    places: int
    """The currency's decimals (0 for JPY), looked up once for the many amounts rounded."""
    total: Decimal
    shipping: Decimal
    taxes: Decimal
    lines: tuple[tuple[LineItem, int], ...]
    """Each line with the units still on the order (0 once removed or refunded)."""
    side: str
    """``shop`` or ``buyer``: which amounts of each ``Money`` this view reports."""

    def amount(self, value: Decimal) -> Decimal:
        """``value`` rounded to the currency's minor unit (none for JPY), never ``-0.00``."""
        return round_places(value, self.places)


def order_status(order: Order, settings: EsputnikSettings) -> str:
    """The eSputnik status the order's own fields imply (Yespo's Shopify app's mapping)."""
    if order.cancelled_at is not None:
        return CANCELLED
    status = _FULFILLMENT_STATUSES.get(order.fulfillment_status or "")
    if status is not None:
        return status
    return settings.paid_status if order.is_paid else INITIALIZED


def view_of(order: Order, settings: EsputnikSettings, status: str | None = None) -> OrderView:
    """The order as its webhook describes it; ``status`` overrides the mapped one."""
    currency = _currency(order, settings)
    side = settings.currency
    amounts = order.amounts
    return OrderView(
        order=order,
        status=status or order_status(order, settings),
        currency=currency,
        places=minor_units(currency),
        total=max(amounts.total.pick(side), _ZERO),
        shipping=amounts.shipping.pick(side),
        taxes=amounts.tax.pick(side),
        lines=tuple(_units_now(order)),
        side=side,
    )


def view_after_refund(order: Order, refund: Refund, settings: EsputnikSettings) -> OrderView:
    """The remembered order with ``refund`` taken off, unless the order already counts it.

    Order memory may have been refreshed by an orders/updated that followed the refund (then
    the refund is among ``order.refunds`` and totals are current) or not (then the refunded
    units and money are subtracted here: the money paid back from the total, the refunded
    shipping from the shipping, the refunded lines' tax from the taxes, each on the view's
    own side). An order left with no units is ``CANCELLED``.
    """
    view = view_of(order, settings)
    if any(known.id == refund.id for known in order.refunds):
        return view
    refunded = Counter[str]()
    for line in refund.lines:
        refunded[line.line_id] += line.quantity
    lines = tuple((line, max(0, units - refunded[line.line_id])) for line, units in view.lines)
    side = view.side
    refunded_tax = sum((line.tax.pick(side) for line in refund.lines), _ZERO)
    emptied = bool(lines) and not any(units for _, units in lines)
    return msgspec.structs.replace(
        view,
        status=CANCELLED if emptied else view.status,
        total=max(view.total - refund.amount.pick(side), _ZERO),
        shipping=max(view.shipping - refund.shipping.pick(side), _ZERO),
        taxes=max(view.taxes - refunded_tax, _ZERO),
        lines=lines,
    )


def order_items(view: OrderView) -> list[dict[str, Any]]:
    """The ``items`` of the order resource: each line still on the order, priced per unit.

    eSputnik defines ``cost`` as the price of one item, and Yespo's own Shopify app sends the
    unit price; shipping, taxes and order discounts have parameters of their own. The cost
    is therefore the unit price after the line's own discounts (its share of every discount
    allocated to it), rounded to the currency's minor unit. Fields follow the order of
    eSputnik's own example.
    """
    items: list[dict[str, Any]] = []
    for line, units in view.lines:
        if units <= 0:
            continue
        item: dict[str, Any] = {"externalItemId": line.item_id, "name": item_name(line)}
        if line.category:
            item["category"] = line.category
        item["quantity"] = units
        item["cost"] = json_number(view.amount(unit_cost(line, view.side)))
        if line.url:
            item["url"] = line.url
        if line.image_url:
            item["imageUrl"] = line.image_url
        items.append(item)
    return items


def unit_cost(line: LineItem, side: str) -> Decimal:
    """One unit's price after the line's own discounts, unrounded; never below zero."""
    price = line.unit_price.pick(side)
    discount = line.discount.pick(side)
    if not discount or line.quantity <= 0:
        return max(price, _ZERO)
    return max(price - discount / line.quantity, _ZERO)


def item_name(line: LineItem) -> str:
    """The title with the variant, as the buyer saw it in the cart (``Shirt - M``)."""
    if line.variant_title and line.variant_title != "Default Title":
        return f"{line.title} - {line.variant_title}"
    return line.title


def _currency(order: Order, settings: EsputnikSettings) -> str:
    return order.buyer_currency if settings.currency == "buyer" else order.currency


def _units_now(order: Order) -> list[tuple[LineItem, int]]:
    """Units per line after edits and refunds: ``current_quantity`` when the payload has it."""
    if all(line.current_quantity is not None for line in order.lines):
        return [(line, line.current_quantity or 0) for line in order.lines]
    remaining = order.remaining_quantities()
    return [
        (line, line.current_quantity if line.current_quantity is not None else remaining[line.line_id])
        for line in order.lines
    ]


def order_fields(
    view: OrderView, contact: Contact, settings: EsputnikSettings, *, locators: bool
) -> dict[str, str | Decimal]:
    """The order resource's fields except ``items``, amounts as ``Decimal`` rounded by the view.

    Both modes send the same fields: Add orders as typed JSON, events as text parameters.
    ``locators`` adds the buyer's email and phone, which events carry in front instead.
    """
    order = view.order
    fields: dict[str, str | Decimal] = {"externalOrderId": order.id_for(settings.order_id_field)}
    known = {
        "externalCustomerId": contact.external_customer_id,
        "firstName": contact.first_name,
        "lastName": contact.last_name,
        "email": contact.email if locators else None,
        "phone": contact.phone if locators else None,
    }
    fields.update({name: value for name, value in known.items() if value})
    fields["totalCost"] = view.amount(view.total)
    fields["currency"] = view.currency
    fields["status"] = view.status
    description = ", ".join(filter(None, (order.financial_status, order.fulfillment_status)))
    if description:
        fields["statusDescription"] = description
    fields["date"] = f"{utc_text(order.created_at, 'T')}+00:00"
    fields["shipping"] = view.amount(view.shipping)
    fields["discount"] = view.amount(order.amounts.discounts.pick(view.side))
    fields["taxes"] = view.amount(view.taxes)
    address = order.shipping_address.one_line() if order.shipping_address else ""
    if address:
        fields["deliveryAddress"] = address
    if settings.store_id:
        fields["storeId"] = settings.store_id
    return fields
