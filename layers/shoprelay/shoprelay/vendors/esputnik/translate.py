"""Canonical event → eSputnik requests, per the shop's ``mode``.

Each event kind has one builder; where the shop's ``mode`` decides the call, the builder
picks the event-mode or the orders-mode way of sending it. Effect names are what delivery records per order so
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

from typing import Literal

from shoprelay.canonical import CanonicalEvent, EventKind
from shoprelay.vendors.base import Builder, Translation, TranslationError, Translator, UnknownOrder, order_of
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
PARTIAL_REFUND_IN_ORDERS_MODE = (
    "a partial refund keeps the order's status, and Add orders would raise that status's event again"
)

SKIP_REASONS: dict[EventKind, str] = {
    EventKind.CUSTOMER_UPDATED: "eSputnik gets contacts with their orders and carts, not on customer updates alone",
}


# Event mode: one Generate event per change, after the contact upsert.


def _placed(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    order = order_of(event)
    effect = PAID_EFFECT if order.is_paid else "orderCreated"
    return order_event(view_of(order, settings), settings, "orderCreated", effect)


def _paid(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    return order_event(view_of(order_of(event), settings), settings, "orderUpdated", PAID_EFFECT)


def _updated(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    return order_event(view_of(order_of(event), settings), settings, "orderUpdated", f"orderUpdated:{event.id}")


def _fulfilled(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    view = view_of(order_of(event), settings, status=DELIVERED)
    return order_event(view, settings, "orderDelivered", "orderDelivered")


def _cancelled(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    view = view_of(order_of(event), settings, status=CANCELLED)
    return order_event(view, settings, "orderCancelled", "orderCancelled")


def _refunded(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    view = _refunded_view(event, settings)
    refund_id = event.refund.id if event.refund else ""
    return order_event(view, settings, "orderUpdated", f"orderUpdated:refund:{refund_id}")


# Orders mode: the whole order to Add orders, once per status.


def _order_as_is(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    return add_order(view_of(order_of(event), settings), settings)


def _order_delivered(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    return add_order(view_of(order_of(event), settings, status=DELIVERED), settings)


def _order_cancelled(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    return add_order(view_of(order_of(event), settings, status=CANCELLED), settings)


def _order_refunded(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    view = _refunded_view(event, settings)
    if view.status != CANCELLED:
        return Translation.skip(PARTIAL_REFUND_IN_ORDERS_MODE)
    return add_order(view, settings)


# Shared.


def _refunded_view(event: CanonicalEvent, settings: EsputnikSettings) -> OrderView:
    """The remembered order after the refund."""
    if event.refund is None:
        raise TranslationError(f"{event.kind} event {event.id} carries no refund")
    return view_after_refund(order_of(event), event.refund, settings)


def _by_mode(*, event: Builder[EsputnikSettings], orders: Builder[EsputnikSettings]) -> Builder[EsputnikSettings]:
    """The builder for the shop's ``mode``: one table serves both ways of sending orders."""
    chosen: dict[Literal["event", "orders"], Builder[EsputnikSettings]] = {"event": event, "orders": orders}

    def build(subject: CanonicalEvent, settings: EsputnikSettings) -> Translation:
        return chosen[settings.mode](subject, settings)

    return build


BUILDERS: dict[EventKind, Builder[EsputnikSettings]] = {
    EventKind.ORDER_PLACED: _by_mode(event=_placed, orders=_order_as_is),
    EventKind.ORDER_PAID: _by_mode(event=_paid, orders=_order_as_is),
    EventKind.ORDER_UPDATED: _by_mode(event=_updated, orders=_order_as_is),
    EventKind.ORDER_FULFILLED: _by_mode(event=_fulfilled, orders=_order_delivered),
    EventKind.ORDER_CANCELLED: _by_mode(event=_cancelled, orders=_order_cancelled),
    EventKind.ORDER_REFUNDED: _by_mode(event=_refunded, orders=_order_refunded),
    EventKind.CHECKOUT_UPDATED: cart_event,
}

translate = Translator(
    vendor="eSputnik",
    builders=BUILDERS,
    skip_reasons=SKIP_REASONS,
    # Orders and their events belong to a contact, found by the email or phone on the order.
    unknown_order=UnknownOrder.SKIP,
)
