"""Canonical event → one GET to the shop's Corvidae ingress pixel (``/i``).

Corvidae's back-end pixel knows one server event, the transaction (``event=tr``), and has no
way to amend or take one back. So each order produces exactly one ``tr`` — whichever of
orders/create and orders/paid arrives first — under the effect name ``tr``, and every other
kind is skipped with the reason. All fields travel in the query string; there is no body.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shoprelay.canonical import CanonicalEvent, EventKind, Order, format_amount
from shoprelay.vendors.base import (
    Builder,
    Translation,
    TranslationError,
    Translator,
    UnknownOrder,
    VendorRequest,
    order_of,
)
from shoprelay.vendors.corvidae.settings import CorvidaeSettings
from shoprelay.vendors.wire import query_text

TRANSACTION_EFFECT = "tr"
"""One effect per order: orders/create and orders/paid of the same order both map to it."""

MAX_URL_BYTES = 8 * 1024
"""Corvidae documents no limit; 8 KB is what proxies and CDNs commonly accept for a URL."""

MAX_BROWSER_ID_LENGTH = 128
"""Corvidae's ids are UUIDs. A cart attribute far longer than that was not written by its
pixel, and must neither be forwarded nor push the hit over :data:`MAX_URL_BYTES`."""

_EVENT_ID_NAMESPACE = uuid.UUID("3c5e1f0a-8d2b-4b7e-9a61-0c4f2d9e7b35")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

SKIP_REASONS: dict[EventKind, str] = {
    EventKind.ORDER_FULFILLED: "fulfilment is not a transaction; Corvidae got the sale when it was placed",
    EventKind.ORDER_CANCELLED: "Corvidae's ingress pixel has no way to cancel a transaction",
    EventKind.ORDER_REFUNDED: "Corvidae's ingress pixel has no way to record a refund",
    EventKind.ORDER_UPDATED: "Corvidae gets one transaction per order, when placed or paid, not its edits",
    EventKind.CHECKOUT_UPDATED: "Corvidae takes transactions only, not checkouts",
    EventKind.CUSTOMER_UPDATED: "Corvidae takes transactions only, not customer changes",
}


def transaction_event_id(shop: str, order_id: str) -> str:
    """Corvidae drops repeats of an ``eventID``, so the same order must always get the same one.

    Derived from the shop's own order id (not the configurable one sent as ``orderId``), so
    switching ``order_id_field`` cannot make an already-sent order look new.
    """
    return str(uuid.uuid5(_EVENT_ID_NAMESPACE, f"{shop}\n{order_id}\n{TRANSACTION_EFFECT}"))


def _transaction(event: CanonicalEvent, settings: CorvidaeSettings) -> Translation:
    order = order_of(event)
    if order.cancelled_at is not None:
        return Translation.skip("order was already cancelled, and Corvidae cannot take a transaction back")
    url = f"{_base_url(settings)}/i?{query_text(_transaction_query(event, order, settings))}"
    if len(url) > MAX_URL_BYTES:
        raise TranslationError(f"Corvidae URL would be {len(url)} bytes, over the {MAX_URL_BYTES}-byte limit")
    return Translation.send(
        VendorRequest(method="GET", url=url, effect=TRANSACTION_EFFECT, vendor_ignores_repeats=True)
    )


BUILDERS: dict[EventKind, Builder[CorvidaeSettings]] = {
    EventKind.ORDER_PLACED: _transaction,
    EventKind.ORDER_PAID: _transaction,
}

translate = Translator(
    vendor="Corvidae",
    builders=BUILDERS,
    skip_reasons=SKIP_REASONS,
    # A transaction is the order's own amounts and ids: without the order there is nothing to send.
    unknown_order=UnknownOrder.SKIP,
)


def _transaction_query(event: CanonicalEvent, order: Order, settings: CorvidaeSettings) -> dict[str, str]:
    """Parameters in the order of Corvidae's own example, which makes hits easy to compare."""
    currency = order.buyer_currency if settings.currency == "buyer" else order.currency
    order_id = order.id_for(settings.order_id_field)
    amounts = order.amounts
    return {
        "timestamp": str(_epoch_millis(event.received_at)),
        "event": "tr",
        "trackerVersion": "na",
        "appId": settings.app_id,
        "platform": "server",
        "digitalProperty": settings.digital_property,
        "timezone": settings.timezone,
        "characterSet": "UTF-8",
        "eventID": transaction_event_id(event.shop, order.id),
        **_known_people(order, settings),
        "conversionName": settings.conversion_name,
        # The docs' table says transactionId, their example URL says orderId: send both.
        "transactionId": order_id,
        "orderId": order_id,
        "currency": currency,
        "revenue": format_amount(amounts.total.pick(settings.currency), currency),
        "tax": format_amount(amounts.tax.pick(settings.currency), currency),
        "shipping": format_amount(amounts.shipping.pick(settings.currency), currency),
    }


def _known_people(order: Order, settings: CorvidaeSettings) -> dict[str, str]:
    """Visitor, session and user ids that tie the sale to web journeys; only those known."""
    known: dict[str, str] = {}
    for parameter, attribute in (
        ("visitorId", settings.visitor_id_attribute),
        ("sessionId", settings.session_id_attribute),
    ):
        value = order.cart_attributes.get(attribute, "").strip()
        if value and len(value) <= MAX_BROWSER_ID_LENGTH:
            known[parameter] = value
    if settings.send_user_id and order.customer.id:
        known["userId"] = order.customer.id
    return known


def _base_url(settings: CorvidaeSettings) -> str:
    if settings.endpoint:
        return settings.endpoint.rstrip("/")
    return f"https://{settings.tracking_host}"


def _epoch_millis(moment: datetime) -> int:
    """Corvidae wants "the moment the request is made"; a pure translator's closest stand-in
    is when shoprelay received the webhook (retries then keep the sale's real time)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return (aware - _EPOCH) // timedelta(milliseconds=1)
