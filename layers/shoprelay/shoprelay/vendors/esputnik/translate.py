"""Canonical event → eSputnik requests, per the shop's ``mode``.

Which event kind becomes which eSputnik call is the vendor semantics table; the builders below are
looked up by kind, one table per mode. Effect names are what delivery records per order so
that no eSputnik side effect happens twice:

* event mode: ``orderCreated``, ``orderUpdated:paid``, ``orderUpdated:<event id>`` (any other
  update), ``orderUpdated:refund:<refund id>``, ``orderDelivered``, ``orderCancelled``,
  ``cartUpdated:<event id>``; the contact upsert (``contact``) is repeatable. orders/create
  of an order that is already paid tells eSputnik the paid state, so it takes the effect
  ``orderUpdated:paid`` and the orders/paid that follows is recognised as a repeat.
* orders mode: ``order<STATUS>``, the event eSputnik raises for each Add-orders call.

A message that would move an order back (a late "placed" after the cancel) is superseded
by the effects of the statuses that come after its own.
"""

from __future__ import annotations

from collections.abc import Callable

from shoprelay.canonical import CanonicalEvent, EventKind, Order
from shoprelay.vendors.base import Translation, TranslationError
from shoprelay.vendors.esputnik.events import cart_event, order_event
from shoprelay.vendors.esputnik.order_view import (
    CANCELLED,
    DELIVERED,
    OrderView,
    view_after_refund,
    view_of,
)
from shoprelay.vendors.esputnik.orders import add_order
from shoprelay.vendors.esputnik.settings import EsputnikSettings

PAID_EFFECT = "orderUpdated:paid"
ORDER_NOT_SEEN = "order not seen"
CUSTOMER_ONLY = "eSputnik gets contacts with their orders and carts, not on customer updates alone"
PARTIAL_REFUND_IN_ORDERS_MODE = (
    "a partial refund keeps the order's status, and Add orders would raise that status's event again"
)

Builder = Callable[[CanonicalEvent, EsputnikSettings], Translation]


def translate(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    """The requests eSputnik should get for ``event``, or why it gets none."""
    builders = _EVENT_MODE if settings.mode == "event" else _ORDERS_MODE
    return builders.get(event.kind, _skip_kind)(event, settings)


# Event mode: one Generate event per change, after the contact upsert.


def _placed(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    order = _order_of(event)
    effect = PAID_EFFECT if order.is_paid else "orderCreated"
    return order_event(view_of(order, settings), settings, "orderCreated", effect)


def _paid(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    return order_event(view_of(_order_of(event), settings), settings, "orderUpdated", PAID_EFFECT)


def _updated(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    return order_event(view_of(_order_of(event), settings), settings, "orderUpdated", f"orderUpdated:{event.id}")


def _fulfilled(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    view = view_of(_order_of(event), settings, status=DELIVERED)
    return order_event(view, settings, "orderDelivered", "orderDelivered")


def _cancelled(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    view = view_of(_order_of(event), settings, status=CANCELLED)
    return order_event(view, settings, "orderCancelled", "orderCancelled")


def _refunded(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    view = _refunded_view(event, settings)
    if view is None:
        return Translation.skip(ORDER_NOT_SEEN)
    refund_id = event.refund.id if event.refund else ""
    return order_event(view, settings, "orderUpdated", f"orderUpdated:refund:{refund_id}")


# Orders mode: the whole order to Add orders, once per status.


def _order_as_is(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    return add_order(view_of(_order_of(event), settings), settings)


def _order_delivered(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    return add_order(view_of(_order_of(event), settings, status=DELIVERED), settings)


def _order_cancelled(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    return add_order(view_of(_order_of(event), settings, status=CANCELLED), settings)


def _order_refunded(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    view = _refunded_view(event, settings)
    if view is None:
        return Translation.skip(ORDER_NOT_SEEN)
    if view.status != CANCELLED:
        return Translation.skip(PARTIAL_REFUND_IN_ORDERS_MODE)
    return add_order(view, settings)


# Shared.


def _skip_kind(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    return Translation.skip(f"{event.kind} has no eSputnik equivalent")


def _skip_customer(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    return Translation.skip(CUSTOMER_ONLY)


def _order_of(event: CanonicalEvent) -> Order:
    if event.order is None:
        raise TranslationError(f"{event.kind} event {event.id} carries no order")
    return event.order


def _refunded_view(event: CanonicalEvent, settings: EsputnikSettings) -> OrderView | None:
    """The remembered order after the refund; None when the order was never seen."""
    if event.refund is None:
        raise TranslationError(f"{event.kind} event {event.id} carries no refund")
    if event.order is None:
        return None
    return view_after_refund(event.order, event.refund, settings)


_EVENT_MODE: dict[EventKind, Builder] = {
    EventKind.ORDER_PLACED: _placed,
    EventKind.ORDER_PAID: _paid,
    EventKind.ORDER_UPDATED: _updated,
    EventKind.ORDER_FULFILLED: _fulfilled,
    EventKind.ORDER_CANCELLED: _cancelled,
    EventKind.ORDER_REFUNDED: _refunded,
    EventKind.CHECKOUT_UPDATED: cart_event,
    EventKind.CUSTOMER_UPDATED: _skip_customer,
}

_ORDERS_MODE: dict[EventKind, Builder] = {
    EventKind.ORDER_PLACED: _order_as_is,
    EventKind.ORDER_PAID: _order_as_is,
    EventKind.ORDER_UPDATED: _order_as_is,
    EventKind.ORDER_FULFILLED: _order_delivered,
    EventKind.ORDER_CANCELLED: _order_cancelled,
    EventKind.ORDER_REFUNDED: _order_refunded,
    EventKind.CHECKOUT_UPDATED: cart_event,
    EventKind.CUSTOMER_UPDATED: _skip_customer,
}
