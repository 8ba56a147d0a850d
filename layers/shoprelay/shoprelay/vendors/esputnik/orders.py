"""Orders mode: the whole order, re-sent to Add orders (``/v1/orders``) on each status change.

Add orders upserts by ``externalOrderId`` and creates the contact itself, but every call
raises an ``order<STATUS>`` event that can start workflows (a second order confirmation, a
second review request). So the effect is that event's own name: one call per order and
status, however many webhooks describe it. Changes that keep the status (a partial refund,
most orders/updated) are therefore not re-sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shoprelay.vendors.base import Translation
from shoprelay.vendors.esputnik import api
from shoprelay.vendors.esputnik.contact import contact_for
from shoprelay.vendors.esputnik.events import NO_CONTACT
from shoprelay.vendors.esputnik.order_view import STATUSES_AFTER, OrderView, order_fields, order_items
from shoprelay.vendors.esputnik.settings import EsputnikSettings


def status_effect(status: str) -> str:
    """``orderDELIVERED`` and so on: the event eSputnik raises for an Add-orders call."""
    return f"order{status}"


def add_order(view: OrderView, settings: EsputnikSettings) -> Translation:
    """One Add-orders call carrying the order as ``view`` describes it."""
    contact = contact_for(view.order.customer)
    if contact is None:
        return Translation.skip(NO_CONTACT)
    fields = order_fields(view, contact, settings, locators=True)
    order: dict[str, Any] = {
        name: api.json_number(value) if isinstance(value, Decimal) else value for name, value in fields.items()
    }
    order["items"] = order_items(view)
    request = api.post(
        settings,
        "v1/orders",
        {"orders": [order]},
        effect=status_effect(view.status),
        superseded_by=tuple(status_effect(later) for later in STATUSES_AFTER[view.status]),
    )
    return Translation.send(request)
