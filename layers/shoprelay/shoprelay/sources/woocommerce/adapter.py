"""WooCommerce webhook body + headers → the canonical events it stands for.

WooCommerce has one order topic for every change (``order.updated``), where Shopify has one
per effect (``orders/paid``, ``orders/fulfilled``, ``refunds/create``…). So one WooCommerce
order body becomes several events: the effects its status and refunds show (placed, paid,
fulfilled, cancelled, one refund per refund id) and, for ``order.updated``, the update
itself. Each effect has a key of its own (:attr:`Effect.basis`) that holds for as long as
orders are remembered, so the ingress publishes an effect once however many updates show
it; the update itself is keyed by its delivery.
"""

from __future__ import annotations

import hashlib
import html
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from shoprelay.canonical import (
    Address,
    Amounts,
    CanonicalEvent,
    ClientContext,
    Customer,
    EventKind,
    LineItem,
    Money,
    Order,
    Refund,
    RefundLine,
)
from shoprelay.sources.errors import PayloadError, UnsupportedTopicError
from shoprelay.sources.parsing import decode_body, landing_params, lax_decoder, utc
from shoprelay.sources.woocommerce import payloads as p

SOURCE = "woocommerce"
ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})
CUSTOMER_TOPICS = frozenset({"customer.created", "customer.updated"})

PLACED_STATUSES = frozenset({"pending", "on-hold", "processing", "completed", "cancelled", "refunded"})
"""Statuses of an order the buyer placed; ``failed`` and ``checkout-draft`` are not (yet) orders."""
PAID_STATUSES = frozenset({"processing", "completed"})
UNPAID_STATUSES = frozenset({"pending", "failed", "checkout-draft"})
IGNORED_STATUSES = frozenset({"checkout-draft", "auto-draft", "trash"})
"""Block-checkout drafts (a cart, not an order) and orders moved to the bin (their deletion
is ``order.deleted``): nothing to relay."""
FINANCIAL_STATUS: dict[str, str] = {
    "pending": "pending",
    "on-hold": "pending",
    "failed": "pending",
    "processing": "paid",
    "completed": "paid",
    "refunded": "refunded",
}
"""Order status → Shopify's financial status, the vocabulary the canonical order uses."""

_ZERO = Decimal(0)
_EVENT_NAMESPACE = uuid.UUID("0d6a3c1e-5b7f-4e8a-9c2d-7f1e4b3a6c58")
_ATTRIBUTION_PREFIX = "_wc_order_attribution_"
_NO_VALUE = frozenset({"", "(none)", "(direct)"})
"""What WooCommerce's order attribution writes when it knows nothing."""


@dataclass(frozen=True)
class WooMeta:
    """What the delivery's headers say about the webhook."""

    shop: str
    topic: str
    delivery_id: str | None = None
    webhook_id: str | None = None


@dataclass(frozen=True)
class Effect:
    """One canonical event a webhook stands for, and what makes it the same event again.

    ``lasting`` effects (an order placed, paid, fulfilled, cancelled; a refund) happen once
    per order or refund, so their key must outlive every later update of the order.
    """

    event: CanonicalEvent
    basis: str
    lasting: bool


def parse_webhook(meta: WooMeta, body: bytes, received_at: datetime) -> list[Effect]:
    """Validate ``body`` for ``meta.topic`` and map it to the events it stands for.

    Raises :class:`UnsupportedTopicError` for topics shoprelay does not relay (and for
    draft orders) and :class:`PayloadError`, with the first problem's path, for a bad body.
    """
    parser = _PARSERS.get(meta.topic)
    if parser is None:
        raise UnsupportedTopicError(meta.topic)
    decoder, build = parser
    try:
        return build(meta, decode_body(decoder, body), body, utc(received_at))
    except _InvalidAmountError as error:
        raise PayloadError(error.path, "must be a decimal amount") from None


def event_id(shop: str, basis: str) -> str:
    """A stable event id: the same effect of the same order always has the same id."""
    return str(uuid.uuid5(_EVENT_NAMESPACE, f"{SOURCE}\n{shop}\n{basis}"))


class _InvalidAmountError(ValueError):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def _decimal(value: p.Amount, path: str) -> Decimal:
    """An amount, exact; ``""`` and null are zero, a JSON float is read through its shortest text."""
    if value is None or value == "":
        return _ZERO
    try:
        amount = Decimal(repr(value) if type(value) is float else value)
    except InvalidOperation:
        raise _InvalidAmountError(path) from None
    if not amount.is_finite():
        raise _InvalidAmountError(path)
    return amount


def _same(amount: Decimal) -> Money:
    """WooCommerce has one currency per order: the buyer's amount is the shop's."""
    return Money(shop=amount, buyer=amount)


def _text(value: p.Text) -> str | None:
    if value is None or value == "":
        return None
    return value if type(value) is str else str(value)


def _id(value: p.Id | None) -> str | None:
    """An id as text; WooCommerce's 0 means none (a guest, a product without variations)."""
    if value is None or value in {0, "", "0"}:
        return None
    return str(value)


def _time(gmt: p.Timestamp, local: p.Timestamp, path: str) -> datetime | None:
    """The UTC time from ``*_gmt``; the site-local time only when no UTC one is sent (then read as UTC)."""
    value = gmt or local
    if not value:
        return None
    try:
        return utc(datetime.fromisoformat(value))
    except ValueError:
        raise PayloadError(path, "must be an ISO 8601 date and time") from None


def _address(address: p.WooAddress | None) -> Address | None:
    if address is None:
        return None
    mapped = Address(
        first_name=_text(address.first_name),
        last_name=_text(address.last_name),
        address1=_text(address.address_1),
        address2=_text(address.address_2),
        city=_text(address.city),
        zip=_text(address.postcode),
        province_code=_text(address.state),
        country_code=_text(address.country),
        phone=_text(address.phone),
    )
    return None if mapped == Address() else mapped


def _customer(customer_id: p.Id | None, billing: p.WooAddress | None, email: str | None = None) -> Customer:
    """The buyer from the billing address, which is where WooCommerce keeps e-mail and phone."""
    b = billing or p.WooAddress()
    return Customer(
        id=_id(customer_id),
        email=(email or b.email or None),
        phone=_text(b.phone),
        first_name=_text(b.first_name),
        last_name=_text(b.last_name),
        country_code=_text(b.country),
        city=_text(b.city),
    )


def _scalar(raw: msgspec.Raw) -> str | None:
    """A meta value as text when it is a string or number; objects and lists are skipped."""
    value = msgspec.json.decode(raw)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value)
    return None


def meta_values(meta_data: tuple[p.MetaData, ...]) -> dict[str, str]:
    """Order meta with scalar values, the first of each key: where storefront scripts and
    plugins leave visitor ids (``_mytracker_lvid``, ``_corvidae_visitor_id``) and UTM data."""
    found: dict[str, str] = {}
    for entry in meta_data:
        key = _text(entry.key)
        if not key or key in found:
            continue
        value = _scalar(entry.value)
        if value is not None:
            found[key] = value
    return found


def _client(order: p.WooOrder, meta: dict[str, str]) -> ClientContext:
    """The browser at checkout; landing page and UTM data from WooCommerce's order attribution."""
    landing = meta.get(f"{_ATTRIBUTION_PREFIX}session_entry") or None
    params = landing_params(landing) if landing else {}
    for key, value in meta.items():
        if key.startswith(f"{_ATTRIBUTION_PREFIX}utm_") and value not in _NO_VALUE:
            params.setdefault(key.removeprefix(_ATTRIBUTION_PREFIX), value)
    referrer = meta.get(f"{_ATTRIBUTION_PREFIX}referrer")
    return ClientContext(
        ip=order.customer_ip_address or None,
        user_agent=order.customer_user_agent or meta.get(f"{_ATTRIBUTION_PREFIX}user_agent") or None,
        landing_url=landing,
        landing_params=params,
        referrer=referrer if referrer not in _NO_VALUE else None,
        source_name=order.created_via or None,
    )


def _line(line: p.WooLineItem, index: int, with_tax: bool, path: str) -> LineItem:
    """A line with Shopify's meaning: unit price before discounts, tax in it when the shop's
    prices include tax (WooCommerce sends line amounts without tax either way)."""
    quantity = abs(line.quantity)
    subtotal = abs(_decimal(line.subtotal, f"{path}subtotal"))
    total = abs(_decimal(line.total, f"{path}total"))
    if with_tax:
        subtotal += abs(_decimal(line.subtotal_tax, f"{path}subtotal_tax"))
        total += abs(_decimal(line.total_tax, f"{path}total_tax"))
    unit = subtotal / quantity if quantity else subtotal
    image = line.image.src if line.image is not None and line.image.src else None
    name = html.unescape(_text(line.name) or _text(line.sku) or "item")
    parent = _text(line.parent_name)
    return LineItem(
        line_id=_id(line.id) or str(index + 1),
        product_id=_id(line.product_id),
        variant_id=_id(line.variation_id),
        sku=_text(line.sku),
        title=html.unescape(parent) if parent else name,
        variant_title=name if parent else None,
        quantity=quantity,
        unit_price=_same(unit),
        discount=_same(max(_ZERO, subtotal - total)),
        image_url=image,
    )


def _refunded_line_id(line: p.WooLineItem) -> str | None:
    if line.refunded_item_id is not None:
        return _id(line.refunded_item_id)
    for entry in line.meta_data:
        if entry.key == "_refunded_item_id":
            return _scalar(entry.value)
    return None


def _refund(refund: p.WooRefundSummary, order: p.WooOrder, index: int, with_tax: bool, moment: datetime) -> Refund:
    path = f"refunds.{index}."
    lines: list[RefundLine] = []
    for i, line in enumerate(refund.line_items):
        line_id = _refunded_line_id(line)
        if line_id is None:
            continue
        where = f"{path}line_items.{i}."
        lines.append(
            RefundLine(
                line_id=line_id,
                quantity=abs(line.quantity),
                subtotal=_same(abs(_decimal(line.total, f"{where}total"))),
                tax=_same(abs(_decimal(line.total_tax, f"{where}total_tax"))),
                line=_line(line, i, with_tax, where),
            )
        )
    return Refund(
        id=str(refund.id),
        order_id=str(order.id),
        created_at=_time(refund.date_created_gmt, None, f"{path}date_created_gmt") or moment,
        lines=tuple(lines),
        amount=_same(abs(_decimal(refund.total, f"{path}total"))),
        note=refund.reason or None,
    )


def order_from_payload(order: p.WooOrder) -> Order:
    """Map a validated WooCommerce order body to the canonical order."""
    with_tax = order.prices_include_tax
    created = _time(order.date_created_gmt, order.date_created, "date_created_gmt")
    if created is None:
        raise PayloadError("date_created_gmt", "Field required")
    updated = _time(order.date_modified_gmt, order.date_modified, "date_modified_gmt")
    if not order.currency:
        raise PayloadError("currency", "Field required")
    currency = order.currency.upper()
    status = order.status or ""
    meta = meta_values(order.meta_data)
    lines = tuple(_line(line, i, with_tax, f"line_items.{i}.") for i, line in enumerate(order.line_items))
    refunds = tuple(_refund(refund, order, i, with_tax, updated or created) for i, refund in enumerate(order.refunds))
    refunded = sum((refund.amount.shop for refund in refunds), _ZERO)

    def amount(name: str, tax_name: str) -> Decimal:
        base = _decimal(getattr(order, name), name)
        return base + _decimal(getattr(order, tax_name), tax_name) if with_tax else base

    subtotal = sum((line.unit_price.shop * line.quantity - line.discount.shop for line in lines), _ZERO)
    amounts = Amounts(
        total=_same(_decimal(order.total, "total") - refunded),
        subtotal=_same(subtotal),
        tax=_same(_decimal(order.total_tax, "total_tax")),
        shipping=_same(amount("shipping_total", "shipping_tax")),
        discounts=_same(amount("discount_total", "discount_tax")),
    )
    financial = FINANCIAL_STATUS.get(status)
    if status == "cancelled":
        financial = "voided" if not (order.date_paid_gmt or order.date_paid) else "paid"
    if refunds and financial == "paid":
        financial = "partially_refunded"
    return Order(
        id=str(order.id),
        name=f"#{_text(order.number) or order.id}",
        number=_text(order.number) or str(order.id),
        token=order.order_key or None,
        cart_token=order.cart_hash or None,
        created_at=created,
        processed_at=created,
        updated_at=updated,
        cancelled_at=(updated or created) if status == "cancelled" else None,
        financial_status=financial,
        fulfillment_status="fulfilled" if status == "completed" else None,
        currency=currency,
        buyer_currency=currency,
        amounts=amounts,
        lines=lines,
        customer=_customer(order.customer_id, order.billing),
        billing_address=_address(order.billing),
        shipping_address=_address(order.shipping),
        client=_client(order, meta),
        cart_attributes=meta,
        discount_codes=tuple(code for c in order.coupon_lines if (code := _text(c.code))),
        refunds=refunds,
    )


def order_kinds(status: str, paid: bool) -> list[EventKind]:
    """The effects an order in ``status`` has had, in the order they happen.

    ``paid`` (a payment date is set) also counts for orders cancelled or refunded after
    payment, so a refund or cancellation never reaches a vendor for an order it never saw paid.
    """
    kinds: list[EventKind] = []
    if status not in PLACED_STATUSES:
        return kinds
    kinds.append(EventKind.ORDER_PLACED)
    if status in PAID_STATUSES or (paid and status not in UNPAID_STATUSES):
        kinds.append(EventKind.ORDER_PAID)
    if status == "completed":
        kinds.append(EventKind.ORDER_FULFILLED)
    if status == "cancelled":
        kinds.append(EventKind.ORDER_CANCELLED)
    return kinds


def _event(
    meta: WooMeta, basis: str, kind: EventKind, occurred: datetime, received: datetime, **fields: Any
) -> CanonicalEvent:
    return CanonicalEvent(
        id=event_id(meta.shop, basis),
        kind=kind,
        source=SOURCE,
        shop=meta.shop,
        topic=meta.topic,
        webhook_id=meta.delivery_id,
        occurred_at=occurred,
        received_at=received,
        **fields,
    )


def delivery_basis(meta: WooMeta, body: bytes) -> str:
    """The update's own key: its delivery id, with the body's hash because WooCommerce derives
    the delivery id from the webhook id and the current second, so two updates of one second
    share it."""
    digest = hashlib.sha256(body).hexdigest()[:32]
    return f"delivery#{meta.delivery_id or '-'}#{digest}"


def _order_effects(meta: WooMeta, order: p.WooOrder, body: bytes, received: datetime) -> list[Effect]:
    status = (order.status or "").lower()
    if status in IGNORED_STATUSES:
        raise UnsupportedTopicError(f"{meta.topic} ({status})")
    mapped = order_from_payload(order)
    occurred = mapped.updated_at or mapped.created_at
    effects: list[Effect] = []
    paid = bool(order.date_paid_gmt or order.date_paid)
    for kind in order_kinds(status, paid):
        basis = f"order#{mapped.id}#{kind.value}"
        effects.append(Effect(_event(meta, basis, kind, occurred, received, order=mapped), basis, lasting=True))
    for refund in mapped.refunds:
        basis = f"refund#{refund.id}"
        event = _event(meta, basis, EventKind.ORDER_REFUNDED, refund.created_at, received, order=mapped, refund=refund)
        effects.append(Effect(event, basis, lasting=True))
    if meta.topic != "order.created" or not effects:
        basis = delivery_basis(meta, body)
        event = _event(meta, basis, EventKind.ORDER_UPDATED, occurred, received, order=mapped)
        effects.append(Effect(event, basis, lasting=False))
    return effects


def _customer_effects(meta: WooMeta, customer: p.WooCustomer, body: bytes, received: datetime) -> list[Effect]:
    if _id(customer.id) is None:
        raise PayloadError("id", "must not be empty")
    mapped = msgspec.structs.replace(
        _customer(customer.id, customer.billing, customer.email),
        **{
            name: value for name in ("first_name", "last_name") if (value := _text(getattr(customer, name))) is not None
        },
    )
    occurred = (
        _time(customer.date_modified_gmt, None, "date_modified_gmt")
        or _time(customer.date_created_gmt, None, "date_created_gmt")
        or received
    )
    basis = delivery_basis(meta, body)
    event = _event(meta, basis, EventKind.CUSTOMER_UPDATED, occurred, received, customer=mapped)
    return [Effect(event, basis, lasting=False)]


_ORDER = lax_decoder(p.WooOrder)
_CUSTOMER = lax_decoder(p.WooCustomer)
_PARSERS: dict[str, tuple[msgspec.json.Decoder[Any], Callable[[WooMeta, Any, bytes, datetime], list[Effect]]]] = {
    **dict.fromkeys(ORDER_TOPICS, (_ORDER, _order_effects)),
    **dict.fromkeys(CUSTOMER_TOPICS, (_CUSTOMER, _customer_effects)),
}
"""Topic → (typed decoder, mapping to canonical events); decoders compile once."""
