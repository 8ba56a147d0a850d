"""edrone translator: a canonical event becomes one Trace API form POST, or a skip with the reason.

edrone receives three server-side actions (``order``, ``order_cancel``, ``subscribe``), all as
form fields on ``/trace`` with ``sender_type=server``. Its CRM identifies people by email, so
order kinds without an email are skipped: the browser id alone (``c_id``) is what edrone's own
tag already sends from the thank-you page, and a server copy could not add anything to it.

A refund that leaves nothing on the order (every unit returned) takes the sale back as
``order_cancel``, the same effect as a cancellation, so a cancelled and refunded order is
cancelled in edrone once; a partial refund has no edrone equivalent and is skipped.

Effects: ``order:<status>`` for the three order statuses, ``order_cancel``, and
``subscribe:<event id>`` (every consent change is its own effect). An order status that arrives
after a later one was delivered would move the order backwards in edrone, hence
``superseded_by``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec

from shoprelay.canonical import CanonicalEvent, Customer, EventKind, Order, Refund, format_amount, utc_text
from shoprelay.vendors.base import Builder, Translation, Translator, UnknownOrder, VendorRequest, order_of
from shoprelay.vendors.edrone.products import lines_still_ordered, product_field_shapes
from shoprelay.vendors.edrone.settings import EdroneSettings


class OrderStatus(StrEnum):
    """edrone's ``order_status`` values that shoprelay sends (cancellations use ``order_cancel``)."""

    PLACED = "placed"
    PAID = "paid"
    DELIVERED = "delivered"


CANCEL_EFFECT = "order_cancel"

_LATER_EFFECTS: dict[OrderStatus, tuple[str, ...]] = {
    OrderStatus.PLACED: ("order:paid", "order:delivered", CANCEL_EFFECT),
    OrderStatus.PAID: ("order:delivered", CANCEL_EFFECT),
    OrderStatus.DELIVERED: (CANCEL_EFFECT,),
}
"""Effects that, once delivered, make an order status stale (a "placed" after the "paid")."""

NO_ORDER_EMAIL = "no email on the order; edrone's CRM identifies customers by email"
NO_CUSTOMER_EMAIL = "no email on the customer; edrone keys subscriptions on email"
NO_PRODUCTS = "the order has no line items; an edrone order needs at least one product"
CONSENT_UNKNOWN = "the payload does not state email marketing consent"
NO_CUSTOMER = "the event carries no customer"
UNSUBSCRIBES_OFF = "customer is not subscribed and send_unsubscribes is off"
PARTIAL_REFUND = "edrone has no partial refund action; only a refund that returns every item cancels the order"
SKIP_REASONS: dict[EventKind, str] = {
    EventKind.ORDER_UPDATED: "edrone has no order update action; the paid, fulfilled and cancelled topics carry status",
    EventKind.CHECKOUT_UPDATED: "edrone has no server-side cart action; its browser tag tracks carts",
}


def _order_placed(event: CanonicalEvent, settings: EdroneSettings) -> Translation:
    """A paid order's orders/create is the same effect as its orders/paid: one paid order."""
    status = OrderStatus.PAID if order_of(event).is_paid else OrderStatus.PLACED
    return _order(event, settings, status)


def _order_with(status: OrderStatus) -> Builder[EdroneSettings]:
    def build(event: CanonicalEvent, settings: EdroneSettings) -> Translation:
        return _order(event, settings, status)

    return build


def _order(event: CanonicalEvent, settings: EdroneSettings, status: OrderStatus) -> Translation:
    order = order_of(event)
    if not _email(order.customer):
        return Translation.skip(NO_ORDER_EMAIL)
    if not order.lines:
        return Translation.skip(NO_PRODUCTS)
    fields = {
        **_envelope(settings, "order"),
        "order_status": status.value,
        **_person(order.customer, settings),
        **_browser_id(order, settings),
        "order_id": order.id_for(settings.order_id_field),
        "base_currency": order.currency,
        "base_payment_value": format_amount(order.amounts.total.shop, order.currency),
        "order_currency": order.buyer_currency,
        "order_payment_value": format_amount(order.amounts.total.buyer, order.buyer_currency),
        # The purchase time, not the webhook's: every status of one order carries the same date.
        "event_utc_date": utc_text(order.processed_at or order.created_at),
    }

    def request_with(products: dict[str, str]) -> VendorRequest:
        return VendorRequest(
            method="POST",
            url=settings.trace_url(),
            effect=f"order:{status.value}",
            form_body={**fields, **products},
            superseded_by=_LATER_EFFECTS[status],
            # edrone's server-side events page: orders are deduplicated by order_id, and a
            # repeat is ignored; so one write marks the effect, and a resend does no harm.
            vendor_ignores_repeats=True,
        )

    # Products are shortened only as far as the size target needs; the last shape goes regardless.
    shapes = product_field_shapes(lines_still_ordered(order.lines), settings)
    request = request_with(next(shapes))
    while len(request.body_bytes() or b"") > settings.body_size_target:
        smaller = next(shapes, None)
        if smaller is None:
            break
        request = request_with(smaller)
    return Translation.send(request)


def _order_cancel(event: CanonicalEvent, settings: EdroneSettings) -> Translation:
    order = order_of(event)
    return _cancel(order, settings, order.cancelled_at or event.occurred_at)


def _refund(event: CanonicalEvent, settings: EdroneSettings) -> Translation:
    """A refund that returns every unit still on the order ends the sale: ``order_cancel``."""
    order = order_of(event)
    refund = event.refund
    if refund is None or not _returns_everything(order, refund):
        return Translation.skip(PARTIAL_REFUND)
    return _cancel(order, settings, refund.created_at)


def _returns_everything(order: Order, refund: Refund) -> bool:
    """Whether no unit is left once this refund and the ones the order already lists are counted."""
    earlier = tuple(r for r in order.refunds if r.id != refund.id)
    left = msgspec.structs.replace(order, refunds=(*earlier, refund)).remaining_quantities()
    return bool(left) and not any(left.values())


def _cancel(order: Order, settings: EdroneSettings, moment: datetime) -> Translation:
    """Only the keys edrone needs to find the order: it marks the whole order as cancelled."""
    email = _email(order.customer)
    if not email:
        return Translation.skip(NO_ORDER_EMAIL)
    fields = {
        **_envelope(settings, "order_cancel"),
        "order_id": order.id_for(settings.order_id_field),
        "email": email,
        "event_utc_date": utc_text(moment),
    }
    return Translation.send(
        VendorRequest(method="POST", url=settings.trace_url(), effect=CANCEL_EFFECT, form_body=fields)
    )


def _subscribe(event: CanonicalEvent, settings: EdroneSettings) -> Translation:
    customer = event.customer
    if customer is None:
        return Translation.skip(NO_CUSTOMER)
    consent = customer.accepts_email_marketing
    if consent is None:
        return Translation.skip(CONSENT_UNKNOWN)
    if not _email(customer):
        return Translation.skip(NO_CUSTOMER_EMAIL)
    if not consent and not settings.send_unsubscribes:
        return Translation.skip(UNSUBSCRIBES_OFF)
    fields = {
        **_envelope(settings, "subscribe"),
        **_person(customer, settings),
        "subscriber_status": _flag(consent),
        "event_utc_date": utc_text(event.occurred_at),
    }
    if customer.accepts_sms_marketing is not None and "phone" in fields:
        fields["sms_subscriber_status"] = _flag(customer.accepts_sms_marketing)
    return Translation.send(
        VendorRequest(method="POST", url=settings.trace_url(), effect=f"subscribe:{event.id}", form_body=fields)
    )


def _envelope(settings: EdroneSettings, action_type: str) -> dict[str, str]:
    """What every server-side trace starts with; without ``sender_type`` edrone ignores consent."""
    return {"app_id": settings.app_id, "sender_type": "server", "action_type": action_type}


def _person(customer: Customer, settings: EdroneSettings) -> dict[str, str]:
    """The customer fields edrone's CRM stores, leaving out what the shop does not know."""
    values = {
        "email": _email(customer),
        "first_name": (customer.first_name or "").strip(),
        "last_name": (customer.last_name or "").strip(),
        "phone": (customer.phone or "").strip(),
        "country": (customer.country_code or "").strip().upper(),
        "city": (customer.city or "").strip(),
        "user_id": (customer.id or "") if settings.send_user_id else "",
    }
    return {name: value for name, value in values.items() if value}


def _browser_id(order: Order, settings: EdroneSettings) -> dict[str, str]:
    """edrone's browser id (``c_id``) when the storefront copied it into the cart."""
    c_id = order.cart_attributes.get(settings.c_id_attribute, "").strip()
    return {"c_id": c_id} if c_id else {}


def _email(customer: Customer) -> str:
    return (customer.email or "").strip()


def _flag(value: bool) -> str:
    return "1" if value else "0"


BUILDERS: dict[EventKind, Builder[EdroneSettings]] = {
    EventKind.ORDER_PLACED: _order_placed,
    EventKind.ORDER_PAID: _order_with(OrderStatus.PAID),
    EventKind.ORDER_FULFILLED: _order_with(OrderStatus.DELIVERED),
    EventKind.ORDER_CANCELLED: _order_cancel,
    EventKind.ORDER_REFUNDED: _refund,
    EventKind.CUSTOMER_UPDATED: _subscribe,
}

translate = Translator(
    vendor="edrone",
    builders=BUILDERS,
    skip_reasons=SKIP_REASONS,
    # Every order action names the buyer by the order's email: no order, no one to name.
    unknown_order=UnknownOrder.SKIP,
)
