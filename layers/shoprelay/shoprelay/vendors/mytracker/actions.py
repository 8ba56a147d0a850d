"""Which MyTracker order action a canonical event becomes: the status chain in one place.

MyTracker documents its order statuses as chains (ADD→PAY, PAY→REFUND, ADD→CANCEL…) where
every later event carries only the items it affects. The planners here decide the status,
the items with their quantities, the moment and the delivery effect; building the JSON is
left to :mod:`shoprelay.vendors.mytracker.body`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

import msgspec

from shoprelay.canonical import CanonicalEvent, LineItem, Order, Refund
from shoprelay.vendors.base import TranslationError, order_of

type Status = Literal["ADD", "PAY", "CANCEL", "REFUND"]

ADD = "ADD"
PAY = "PAY"
CANCEL = "CANCEL"
REFUND_ON_CANCEL = "REFUND:cancelled"
"""A paid order's cancellation: a REFUND that no refund id names, one per order."""

ADD_SUPERSEDED_BY = (PAY, CANCEL, REFUND_ON_CANCEL)
"""An ADD that arrives after any of these would reopen an order MyTracker already moved on."""


def refund_effect(refund: Refund) -> str:
    """One REFUND per shop refund, so two partial refunds are two effects, not a duplicate."""
    return f"REFUND:{refund.id}"


class OrderAction(msgspec.Struct, frozen=True):
    """One MyTracker status change of one order, before identity and size limits apply."""

    order: Order
    status: Status
    effect: str
    happened_at: datetime
    quantities: tuple[tuple[LineItem, int], ...]
    superseded_by: tuple[str, ...] = ()


class Skip(msgspec.Struct, frozen=True):
    reason: str


type Plan = OrderAction | Skip
type Planner = Callable[[CanonicalEvent], Plan]


def _placed_quantities(order: Order) -> tuple[tuple[LineItem, int], ...]:
    return tuple((line, line.quantity) for line in order.lines if line.quantity > 0)


def _whole_order(
    order: Order, status: Status, effect: str, happened_at: datetime, superseded_by: tuple[str, ...] = ()
) -> Plan:
    quantities = _placed_quantities(order)
    if not quantities:
        return Skip("the order has no line items, and every MyTracker order action needs at least one")
    return OrderAction(order, status, effect, happened_at, quantities, superseded_by)


def plan_placed(event: CanonicalEvent) -> Plan:
    """Placement: PAY straight away when the order is already paid, so that orders/create and
    orders/paid of one paid order name the same effect and delivery sends a single PAY."""
    order = order_of(event)
    placed_at = order.processed_at or order.created_at
    if order.is_paid:
        return _whole_order(order, "PAY", PAY, placed_at)
    return _whole_order(order, "ADD", ADD, placed_at, ADD_SUPERSEDED_BY)


def plan_paid(event: CanonicalEvent) -> Plan:
    order = order_of(event)
    return _whole_order(order, "PAY", PAY, event.occurred_at)


def plan_cancelled(event: CanonicalEvent) -> Plan:
    """Cancellation: CANCEL what an unpaid order holds, REFUND what a paid order still holds.

    Items refunded before the cancellation (the refunds on the order) already had their own
    REFUND, so only the remaining quantities are returned here.
    """
    order = order_of(event)
    cancelled_at = order.cancelled_at or event.occurred_at
    if not order.is_paid:
        return _remaining(order, "CANCEL", CANCEL, cancelled_at, nothing_left="nothing is left on the order to cancel")
    return _remaining(
        order, "REFUND", REFUND_ON_CANCEL, cancelled_at, nothing_left="every item was refunded before the cancellation"
    )


def _remaining(order: Order, status: Status, effect: str, happened_at: datetime, *, nothing_left: str) -> Plan:
    left = order.remaining_quantities()
    quantities = tuple((line, left.get(line.line_id, 0)) for line in order.lines if left.get(line.line_id, 0) > 0)
    if not quantities:
        return Skip(nothing_left)
    return OrderAction(order, status, effect, happened_at, quantities)


def plan_refunded(event: CanonicalEvent) -> Plan:
    """A refund returns only its own lines and quantities (MyTracker's partial refund)."""
    refund = event.refund
    if refund is None:
        raise TranslationError(f"order_refunded event {event.id} carries no refund")
    order = order_of(event)
    lines_by_id = {line.line_id: line for line in order.lines}
    quantities: list[tuple[LineItem, int]] = []
    for refunded in refund.lines:
        if refunded.quantity <= 0:
            continue
        line = lines_by_id.get(refunded.line_id) or refunded.line
        if line is None:
            raise TranslationError(f"refund {refund.id} returns line {refunded.line_id}, which the order does not have")
        quantities.append((line, refunded.quantity))
    if not quantities:
        return Skip("the refund returns money but no items, and a MyTracker REFUND needs the returned items")
    return OrderAction(order, "REFUND", refund_effect(refund), refund.created_at, tuple(quantities))
