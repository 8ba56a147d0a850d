"""Event mode: the contact upsert, then one Generate event (``/v1/event``) per change.

eSputnik's order events (``orderCreated``, ``orderUpdated``, ``orderDelivered``,
``orderCancelled``) take the order resource's fields as text parameters, with ``items`` as a
JSON string, and the same entries again as ``products`` (``{"array": [...]}``), which is what
email templates read product data from; ``cartUpdated`` feeds its recommendation engine.
Each event is kept within the 20 kB body limit by trimming its item list, never by
splitting it: every order event replaces the order's items, so a second part would erase
the first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from shoprelay.canonical import CanonicalEvent, round_amount
from shoprelay.vendors.base import Translation, TranslationError, VendorRequest
from shoprelay.vendors.esputnik import api
from shoprelay.vendors.esputnik.contact import Contact, contact_for, upsert_request
from shoprelay.vendors.esputnik.limits import MAX_EVENT_BYTES, largest_fitting
from shoprelay.vendors.esputnik.order_view import (
    CANCELLED,
    DELIVERED,
    STATUSES_AFTER,
    OrderView,
    item_name,
    order_fields,
    order_items,
)
from shoprelay.vendors.esputnik.settings import EsputnikSettings
from shoprelay.vendors.wire import json_text

NO_CONTACT = "no email or phone for the buyer, so eSputnik has no contact to attach the order to"
NO_CART_CONTACT = "no email or phone on the checkout, so eSputnik has no contact to attach the cart to"
CHECKOUT_COMPLETED = "checkout is completed; its order is sent instead"

_EFFECT_OF_FINAL_STATUS = {DELIVERED: "orderDelivered", CANCELLED: "orderCancelled"}

Params = Callable[[Sequence[dict[str, Any]], int], list[dict[str, str]]]
"""Builds an event's parameters from the list entries kept and how many were left out."""


def order_event(view: OrderView, settings: EsputnikSettings, event_type: str, effect: str) -> Translation:
    """Upsert the buyer, then send ``event_type`` with the order as ``view`` describes it."""
    contact = contact_for(view.order.customer)
    if contact is None:
        return Translation.skip(NO_CONTACT)
    fields = order_fields(view, contact, settings, locators=False)
    # Amounts come rounded to the currency by the view: ``str`` writes them in plain digits.
    listed = [_param(name, value if isinstance(value, str) else str(value)) for name, value in fields.items()]

    def params(items: Sequence[dict[str, Any]], omitted: int) -> list[dict[str, str]]:
        return [
            *contact.locator_params,
            *listed,
            *_list_params("items", items, omitted),
            _param("products", json_text({"array": list(items)})),
        ]

    superseded_by = tuple(
        _EFFECT_OF_FINAL_STATUS[s] for s in STATUSES_AFTER[view.status] if s in _EFFECT_OF_FINAL_STATUS
    )
    event = _fitted_event(
        settings,
        event_type,
        effect=effect,
        contact=contact,
        params=params,
        entries=order_items(view),
        superseded_by=superseded_by,
    )
    return Translation.send(upsert_request(contact, settings), event)


def cart_event(event: CanonicalEvent, settings: EsputnikSettings) -> Translation:
    """``cartUpdated`` for a checkout whose buyer eSputnik can know; ``recycleStateId`` is its token."""
    checkout = event.checkout
    if checkout is None:
        raise TranslationError(f"{event.kind} event {event.id} carries no checkout")
    if checkout.completed_at is not None:
        return Translation.skip(CHECKOUT_COMPLETED)
    contact = contact_for(checkout.customer)
    if contact is None:
        return Translation.skip(NO_CART_CONTACT)
    # Shopify prices a checkout's lines only in what the buyer sees, whatever ``currency`` says.
    currency = checkout.buyer_currency
    products: list[dict[str, Any]] = []
    for line in checkout.lines:
        product: dict[str, Any] = {"productId": line.item_id, "name": item_name(line)}
        if line.category:
            product["category"] = line.category
        product["quantity"] = line.quantity
        product["price"] = api.json_number(round_amount(line.unit_price.buyer, currency))
        if line.discount.buyer and line.quantity > 0:
            # The docs' optional per-item discount, a string like every parameter value.
            product["discount"] = str(round_amount(line.discount.buyer / line.quantity, currency))
        products.append(product)

    def params(kept: Sequence[dict[str, Any]], omitted: int) -> list[dict[str, str]]:
        listed = _list_params("products", kept, omitted) if products else []
        return [
            *contact.locator_params,
            *listed,
            _param("currencyCode", currency),
            _param("recycleStateId", checkout.token),
        ]

    cart = _fitted_event(
        settings,
        "cartUpdated",
        effect=f"cartUpdated:{event.id}",
        contact=contact,
        params=params,
        entries=products,
        superseded_by=(),
    )
    return Translation.send(upsert_request(contact, settings), cart)


def _fitted_event(
    settings: EsputnikSettings,
    event_type: str,
    *,
    effect: str,
    contact: Contact,
    params: Params,
    entries: Sequence[dict[str, Any]],
    superseded_by: tuple[str, ...],
) -> VendorRequest:
    """The event with as many list entries as fit in eSputnik's 20 kB, in the shop's order."""

    def build(kept: Sequence[dict[str, Any]]) -> VendorRequest:
        body: dict[str, Any] = {"eventTypeKey": event_type}
        if contact.key_value is not None:
            body["keyValue"] = contact.key_value
        body["params"] = params(kept, len(entries) - len(kept))
        return api.post(settings, "v1/event", body, effect=effect, superseded_by=superseded_by)

    fitted = largest_fitting(entries, build, MAX_EVENT_BYTES)
    if fitted is None:
        raise TranslationError(f"{event_type} event exceeds eSputnik's {MAX_EVENT_BYTES}-byte limit even without items")
    return fitted[0]


def _list_params(name: str, entries: Sequence[dict[str, Any]], omitted: int) -> list[dict[str, str]]:
    """The list as a JSON string (eSputnik reads one nesting level), and how many were trimmed."""
    listed = [_param(name, json_text(list(entries)))]
    if omitted:
        listed.append(_param(f"{name}Omitted", str(omitted)))
    return listed


def _param(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value}
