"""Canonical event → Tracify ``purchase`` event.

Tracify records a purchase once per ``order_id`` and never updates it: there is no cancel,
refund or correction event. So only ``order_placed`` and ``order_paid`` send anything, both as
the same effect ``purchase`` (delivery sends whichever arrives first, once), and both build
the identical body from order facts that do not change between the two topics (the order's
processing time, not the webhook's). Every other kind is skipped with the reason.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from shoprelay.canonical import CanonicalEvent, EventKind, LineItem, Money, Order, format_amount, utc_text
from shoprelay.vendors.base import (
    Builder,
    Translation,
    TranslationError,
    Translator,
    UnknownOrder,
    VendorRequest,
    order_of,
)
from shoprelay.vendors.tracify.identity import identity_data, normalise_email
from shoprelay.vendors.tracify.settings import TracifySettings

PRODUCTION_BASE_URL = "https://api.tracify.ai"
EVENTS_PATH = "/api/v1/events"
PURCHASE_EFFECT = "purchase"
MIN_URL_LENGTH = 7
"""Tracify's SDK refuses shorter ``url`` values."""
SHOPIFY_INTERNAL_PARAMS = frozenset(
    {"_bt", "_pos", "_sid", "_ss", "_psq", "_v", "_ab", "_fd", "_sc", "preview_theme_id"}
)
"""Landing-page parameters Shopify adds for itself, which say nothing about where the buyer
came from: ``_bt`` (a token Shopify appends to links it generates), ``_pos``/``_sid``/``_ss``
(search-result position and search ids), ``_psq``/``_v`` (predictive search) and
``_ab``/``_fd``/``_sc``/``preview_theme_id`` (theme previews). Every other parameter (``utm_*``,
``trc_*``, click ids such as ``gclid``, ``fbclid``, ``ttclid``, ``msclkid``, ``wbraid``) goes
into ``data`` as Tracify's docs ask."""
_PURCHASE_KEYS = frozenset({"origin", "referer", "order_id", "currency", "cc", "amount"})
_ITEM_KEY = re.compile(r"(?:ITEM|AMT|QTY)[0-9]+", re.IGNORECASE)
"""Landing parameters named like purchase fields are left out: they would pose as order facts."""

SKIP_REASONS: dict[EventKind, str] = {
    EventKind.ORDER_FULFILLED: "Tracify has no fulfilment event; the purchase was reported when the order was placed",
    EventKind.ORDER_CANCELLED: "Tracify cannot express cancellations: a reported purchase is never updated",
    EventKind.ORDER_REFUNDED: "Tracify cannot express refunds: a reported purchase is never updated",
    EventKind.ORDER_UPDATED: "Tracify cannot express order changes: a reported purchase is never updated",
    EventKind.CHECKOUT_UPDATED: "unfinished checkouts are not sent to Tracify, only purchases",
    EventKind.CUSTOMER_UPDATED: "Tracify has no customer or consent events",
}


def _purchase(event: CanonicalEvent, settings: TracifySettings) -> Translation:
    order = order_of(event)
    if order.cancelled_at is not None:
        return Translation.skip("the order is already cancelled, and Tracify could never take the purchase back")
    ip, user_agent = order.client.ip, order.client.user_agent
    if not ip or not user_agent:
        return Translation.skip(f"no client {_missing_client_facts(order)} on the order, which Tracify requires")

    origin = _storefront_origin(order, settings)
    url = origin + _landing_path(order)
    if len(url) < MIN_URL_LENGTH:
        raise TranslationError(f"Tracify needs a url of at least {MIN_URL_LENGTH} characters, got {url!r}")
    email = normalise_email(order.customer.email, lowercase=settings.email_lowercase)
    tracify_event = {
        "url": url,
        "customer_site_id": settings.customer_site_id,
        "identity_data": identity_data(
            ip=ip,
            user_agent=user_agent,
            email=email if settings.send_email_identity else None,
        ),
        "datetime": utc_text(order.processed_at or order.created_at),
        "type": "purchase",
        "data": _purchase_data(order, origin, settings),
    }
    return Translation.send(
        VendorRequest(
            method="POST",
            url=events_url(settings),
            effect=PURCHASE_EFFECT,
            headers={"tracify-token": settings.api_key.get_secret_value(), "Accept": "application/json"},
            json_body={"events": [tracify_event]},
            vendor_ignores_repeats=True,
        )
    )


BUILDERS: dict[EventKind, Builder[TracifySettings]] = {
    EventKind.ORDER_PLACED: _purchase,
    EventKind.ORDER_PAID: _purchase,
}

translate = Translator(
    vendor="Tracify",
    builders=BUILDERS,
    skip_reasons=SKIP_REASONS,
    # A purchase needs the buyer's IP and user agent, which only the order carries.
    unknown_order=UnknownOrder.SKIP,
)


def events_url(settings: TracifySettings) -> str:
    return (settings.endpoint or PRODUCTION_BASE_URL).rstrip("/") + EVENTS_PATH


def _missing_client_facts(order: Order) -> str:
    """Which of IP and user agent is missing, in words; empty when both are there."""
    missing = [name for name, value in (("IP", order.client.ip), ("user agent", order.client.user_agent)) if not value]
    return " and ".join(missing)


def _storefront_origin(order: Order, settings: TracifySettings) -> str:
    """The configured storefront origin, else the scheme and host of the order status page."""
    if settings.storefront_origin:
        return settings.storefront_origin
    status_page = _split(order.status_url)
    if status_page.scheme in {"http", "https"} and status_page.netloc:
        return f"{status_page.scheme}://{status_page.netloc}"
    raise TranslationError(
        "no storefront origin: set storefront_origin, the order has no status page URL to fall back on"
    )


def _landing_path(order: Order) -> str:
    """The landing page's path; its query is left out because its attribution keys go in ``data``."""
    path = _split(order.client.landing_url).path
    return path if path.startswith("/") else "/" + path


def _split(url: str | None) -> SplitResult:
    """``url`` in parts; an address ``urlsplit`` refuses (an unclosed IPv6 bracket) has none.

    Shopify passes landing pages through as the browser sent them, and one malformed address
    must cost the purchase its page path, not the purchase.
    """
    try:
        return urlsplit(url or "")
    except ValueError:
        return urlsplit("")


def _attribution_params(order: Order) -> dict[str, str]:
    return {key: value for key, value in order.client.landing_params.items() if value and _kept_param(key)}


def _kept_param(key: str) -> bool:
    lowered = key.lower()
    return not (lowered in SHOPIFY_INTERNAL_PARAMS or lowered in _PURCHASE_KEYS or _ITEM_KEY.fullmatch(key))


def _purchase_data(order: Order, origin: str, settings: TracifySettings) -> dict[str, str]:
    """``data`` of the purchase. ``AMTn`` is the unit price: in Tracify's own example the items
    (25 * 2 + 50 * 1) add up to the order amount only when read that way. It is the price the
    buyer paid per unit, after the line's discounts, so the items agree with ``amount``."""
    currency = order.buyer_currency if settings.currency == "buyer" else order.currency

    def text(amount: Money) -> str:
        return format_amount(amount.pick(settings.currency), currency, settings.decimal_separator, max_places=2)

    data: dict[str, str] = {"origin": origin}
    if order.client.referrer:
        data["Referer"] = order.client.referrer
    data |= _attribution_params(order)
    data["order_id"] = order.id_for(settings.order_id_field)
    data["currency"] = currency
    if settings.send_cc:
        data["cc"] = currency
    data["amount"] = text(order.amounts.total)
    for number, line in enumerate(order.lines, start=1):
        data[f"ITEM{number}"] = _item_label(line, settings)
        data[f"AMT{number}"] = text(_paid_unit_price(line))
        data[f"QTY{number}"] = str(line.quantity)
    return data


def _paid_unit_price(line: LineItem) -> Money:
    """The unit price less the line's discounts spread over its units (both currencies)."""
    if (not line.discount.shop and not line.discount.buyer) or line.quantity <= 0:
        return line.unit_price
    return Money(
        shop=line.unit_price.shop - line.discount.shop / line.quantity,
        buyer=line.unit_price.buyer - line.discount.buyer / line.quantity,
    )


def _item_label(line: LineItem, settings: TracifySettings) -> str:
    return (line.sku or line.title) if settings.item_label == "sku" else line.title
