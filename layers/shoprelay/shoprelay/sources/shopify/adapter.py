"""Shopify webhook body + headers → canonical event.

The topic table (:data:`TOPIC_KINDS`) is the single list of what shoprelay relays; a topic
missing from it is answered as ignored, never as an error, so Shopify does not retry it.
"""

from __future__ import annotations

import hashlib
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
    Checkout,
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
from shoprelay.sources.shopify import payloads as p

TOPIC_KINDS: dict[str, EventKind] = {
    "orders/create": EventKind.ORDER_PLACED,
    "orders/paid": EventKind.ORDER_PAID,
    "orders/fulfilled": EventKind.ORDER_FULFILLED,
    "orders/cancelled": EventKind.ORDER_CANCELLED,
    "orders/updated": EventKind.ORDER_UPDATED,
    "refunds/create": EventKind.ORDER_REFUNDED,
    "checkouts/create": EventKind.CHECKOUT_UPDATED,
    "checkouts/update": EventKind.CHECKOUT_UPDATED,
    "customers/create": EventKind.CUSTOMER_UPDATED,
    "customers/update": EventKind.CUSTOMER_UPDATED,
    "customers_email_marketing_consent/update": EventKind.CUSTOMER_UPDATED,
}

_ZERO = Decimal(0)
_ZERO_AMOUNTS = {text: Decimal(text) for text in ("0", "0.0", "0.00", "0.000")}
"""Zero as Shopify writes it, parsed once: most orders carry a dozen zero discounts and taxes."""
_ZERO_MONEY: dict[p.Amount, Money] = {text: Money(shop=amount, buyer=amount) for text, amount in _ZERO_AMOUNTS.items()}
_EVENT_NAMESPACE = uuid.UUID("6f0b8f8e-6c1e-4c57-9f63-2d7f0c6a9b10")
_CONSENT_YES = frozenset({"subscribed"})
_CONSENT_NO = frozenset({"not_subscribed", "unsubscribed", "redacted", "invalid"})


@dataclass(frozen=True)
class WebhookMeta:
    """What the delivery's headers say about the webhook."""

    shop: str
    topic: str
    webhook_id: str | None = None
    event_id: str | None = None
    triggered_at: datetime | None = None
    api_version: str | None = None


def parse_webhook(meta: WebhookMeta, body: bytes, received_at: datetime) -> CanonicalEvent:
    """Validate ``body`` for ``meta.topic`` and map it to the canonical event.

    Raises :class:`UnsupportedTopicError` for topics not in :data:`TOPIC_KINDS` and
    :class:`PayloadError` (with the first problem's field path) for any invalid body.
    """
    kind = TOPIC_KINDS.get(meta.topic)
    if kind is None:
        raise UnsupportedTopicError(meta.topic)
    # JSON is UTF-8 throughout; the typed decoder checks only the strings it keeps.
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise PayloadError("", f"body is not UTF-8 (byte {error.start})") from None
    decoder, build = _TOPIC_PARSERS[meta.topic.split("/")[0]]
    payload = decode_body(decoder, body)
    try:
        fields = build(payload)
    except _InvalidAmountError as error:
        raise PayloadError(_amount_path(payload, error.value), "must be a decimal amount") from None
    occurred = meta.triggered_at or fields.pop("_occurred_at", None) or received_at
    fields.pop("_occurred_at", None)
    return CanonicalEvent(
        id=event_id_for(meta, body),
        kind=kind,
        shop=meta.shop,
        topic=meta.topic,
        webhook_id=meta.webhook_id,
        occurred_at=utc(occurred),
        received_at=utc(received_at),
        api_version=meta.api_version,
        **fields,
    )


def event_id_for(meta: WebhookMeta, body: bytes) -> str:
    """A stable id: Shopify's event id when given, else the delivery id, else the body hash."""
    basis = meta.event_id or meta.webhook_id or hashlib.sha256(body).hexdigest()
    return str(uuid.uuid5(_EVENT_NAMESPACE, f"{meta.shop}\n{meta.topic}\n{basis}"))


def _id(value: p.Id | None) -> str | None:
    """An id as text; Shopify's numbers can exceed 2**53, so never via float."""
    if type(value) is int:
        return str(value)
    if value and isinstance(value, str) and not value.isspace():
        return value
    return None


def _required_id(value: p.Id, path: str) -> str:
    text = _id(value)
    if text is None:
        raise PayloadError(path, "must not be empty")
    return text


class _InvalidAmountError(ValueError):
    """An amount that is not a finite decimal number; :func:`parse_webhook` finds its path."""

    def __init__(self, value: p.Amount) -> None:
        super().__init__("not a decimal amount")
        self.value = value


def _amount_path(node: Any, value: p.Amount, path: str = "") -> str:
    """The dotted path of the field declared as an amount that holds the invalid ``value``.

    Amounts are checked while mapping, where their path is not at hand, so the decoded
    payload is walked again to name the field in the error answer.
    """
    amounts: tuple[str, ...] = ()
    if isinstance(node, msgspec.Struct):
        amounts = _amount_fields(type(node))
        children = [(name, getattr(node, name)) for name in node.__struct_fields__]
    elif isinstance(node, tuple | list):
        children = [(str(index), child) for index, child in enumerate(node)]
    else:
        return ""
    for key, child in children:
        where = f"{path}.{key}" if path else key
        if key in amounts and child == value and type(child) is type(value):
            return where
        found = _amount_path(child, value, where)
        if found:
            return found
    return ""


def _amount_fields(model: type[msgspec.Struct]) -> tuple[str, ...]:
    """Fields ``model`` declares as :data:`payloads.Amount`, in declaration order."""
    declared = {
        name: kind for base in reversed(model.__mro__) for name, kind in vars(base).get("__annotations__", {}).items()
    }
    return tuple(name for name in model.__struct_fields__ if declared.get(name) == "Amount")


def _decimal(value: p.Amount) -> Decimal | None:
    """An amount, exact: a float from the JSON is read back through its shortest text."""
    if type(value) is str:
        if not value:
            return None
        known = _ZERO_AMOUNTS.get(value)
        if known is not None:
            return known
    elif value is None:
        return None
    try:
        amount = Decimal(repr(value) if type(value) is float else value)
    except InvalidOperation:
        raise _InvalidAmountError(value) from None
    if not amount.is_finite():
        raise _InvalidAmountError(value)
    return amount


def _text(value: p.Text) -> str | None:
    if value is None or type(value) is str:
        return value
    return str(value)


def _time(value: p.Timestamp, path: str) -> datetime | None:
    """An ISO 8601 time in UTC; ``""`` and null mean unset."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(path, "must be an ISO 8601 date and time") from None
    return utc(moment)


def _required_time(value: str, path: str) -> datetime:
    moment = _time(value, path)
    if moment is None:
        raise PayloadError(path, "must not be empty")
    return moment


def _money(money_set: p.MoneySet | None, fallback: p.Amount = None) -> Money:
    """Both sides of an amount; a missing buyer side means the buyer paid in shop currency."""
    shop_text: p.Amount = None
    buyer_text: p.Amount = None
    if money_set is not None:
        side = money_set.shop_money
        if side is not None:
            shop_text = side.amount
        side = money_set.presentment_money
        if side is not None:
            buyer_text = side.amount
    if buyer_text is None or buyer_text == shop_text:
        # Single-currency shops send the same text twice: one Decimal serves both sides.
        zero = _ZERO_MONEY.get(shop_text)
        if zero is not None:
            return zero
        shop = _shop_amount(shop_text, fallback)
        return Money(shop=shop, buyer=shop)
    shop = _shop_amount(shop_text, fallback)
    buyer = _decimal(buyer_text)
    return Money(shop=shop, buyer=buyer if buyer is not None else shop)


def _shop_amount(text: p.Amount, fallback: p.Amount) -> Decimal:
    amount = _decimal(text)
    if amount is None and fallback is not None:
        amount = _decimal(fallback)
    return _ZERO if amount is None else amount


def _first_money(*candidates: p.MoneySet | None, fallback: p.Amount = None) -> Money:
    for candidate in candidates:
        if candidate is not None and candidate.shop_money is not None:
            return _money(candidate)
    return _money(None, fallback)


def _consent(consent: p.MarketingConsent | None, legacy: bool | None = None) -> bool | None:
    if consent is not None and consent.state:
        if consent.state in _CONSENT_YES:
            return True
        if consent.state in _CONSENT_NO:
            return False
    return legacy


def _address(address: p.ShopifyAddress | None) -> Address | None:
    if address is None:
        return None
    return Address(
        first_name=_text(address.first_name),
        last_name=_text(address.last_name),
        address1=_text(address.address1),
        address2=_text(address.address2),
        city=_text(address.city),
        zip=_text(address.zip),
        province_code=_text(address.province_code),
        country_code=_text(address.country_code),
        phone=_text(address.phone),
    )


def _customer(
    customer: p.ShopifyCustomer | None,
    *,
    email: str | None = None,
    phone: str | None = None,
    locale: str | None = None,
    address: p.ShopifyAddress | None = None,
    accepts_marketing: bool | None = None,
) -> Customer:
    """The buyer from the order's own fields, completed from its customer object."""
    c = customer or p.ShopifyCustomer()
    where = address or c.default_address or p.ShopifyAddress()
    return Customer(
        id=_id(c.id),
        email=(email or c.email or None),
        phone=(phone or c.phone or _text(where.phone) or None),
        first_name=_text(c.first_name or where.first_name),
        last_name=_text(c.last_name or where.last_name),
        locale=locale or c.locale,
        country_code=_text(where.country_code),
        city=_text(where.city),
        accepts_email_marketing=_consent(c.email_marketing_consent, c.accepts_marketing)
        if (c.email_marketing_consent or c.accepts_marketing is not None)
        else accepts_marketing,
        accepts_sms_marketing=_consent(c.sms_marketing_consent),
    )


def _client(
    details: p.ClientDetails | None,
    browser_ip: str | None,
    landing_site: str | None,
    referring_site: str | None,
    source_name: str | None,
) -> ClientContext:
    d = details or p.ClientDetails()
    landing = landing_site or None
    return ClientContext(
        ip=d.browser_ip or browser_ip or None,
        user_agent=d.user_agent or None,
        accept_language=d.accept_language or None,
        landing_url=landing,
        landing_params=landing_params(landing) if landing else {},
        referrer=referring_site or None,
        source_name=source_name,
    )


def _cart_attributes(attributes: tuple[p.NameValue, ...]) -> dict[str, str]:
    return {str(a.name): _text(a.value) or "" for a in attributes if a.name}


def _line(line: p.ShopifyLineItem, index: int) -> LineItem:
    return LineItem(
        line_id=_id(line.id) or line.key or str(index + 1),
        product_id=_id(line.product_id),
        variant_id=_id(line.variant_id),
        sku=_text(line.sku) or None,
        title=_text(line.title or line.name or line.sku) or "item",
        variant_title=_text(line.variant_title) or None,
        brand=_text(line.vendor) or None,
        category=_text(line.product_type) or None,
        quantity=line.quantity,
        current_quantity=line.current_quantity,
        unit_price=_money(line.price_set, line.price),
        discount=_line_discount(line),
        tax_rate=_tax_rate(line.tax_lines),
    )


def _line_discount(line: p.ShopifyLineItem) -> Money:
    """Every discount allocated to the line, in both currencies.

    ``discount_allocations`` is where Shopify puts each discount's share of a line (codes,
    automatic discounts, order-level amounts spread over lines); the deprecated
    ``total_discount`` stays at zero for many of them, so it is read only from bodies that
    have no allocations field at all.
    """
    allocations = line.discount_allocations
    if allocations is None:
        return _money(line.total_discount_set, line.total_discount)
    return _allocated(allocations)


def _allocated(allocations: tuple[p.ShopifyDiscountAllocation, ...]) -> Money:
    total = Money()
    for allocation in allocations:
        total = total + _money(allocation.amount_set, allocation.amount)
    return total


def _tax_rate(tax_lines: tuple[p.ShopifyTaxLine, ...]) -> Decimal | None:
    """The line's tax rates added up (a fraction), or None when the body states none."""
    rates = [rate for rate in (_decimal(t.rate) for t in tax_lines) if rate is not None]
    return sum(rates, _ZERO) if rates else None


def _shipping_paid(lines: tuple[p.ShopifyShippingLine, ...]) -> Money:
    """Shipping the buyer pays: each shipping line's price less its discounts (free shipping)."""
    total = Money()
    for line in lines:
        total = total + _money(line.price_set, line.price)
        if line.discount_allocations:
            discount = _allocated(line.discount_allocations)
            total = Money(shop=total.shop - discount.shop, buyer=total.buyer - discount.buyer)
    return total


def _refund(refund: p.ShopifyRefund, path: str = "") -> Refund:
    lines = tuple(
        RefundLine(
            line_id=_required_id(r.line_item_id, f"{path}refund_line_items.{i}.line_item_id"),
            quantity=r.quantity,
            subtotal=_money(r.subtotal_set, r.subtotal),
            tax=_money(r.total_tax_set, r.total_tax),
            line=_line(r.line_item, i) if r.line_item is not None else None,
        )
        for i, r in enumerate(refund.refund_line_items)
    )
    shipping = Money()
    shipping_tax = Money()
    for shipping_line in refund.refund_shipping_lines:
        shipping = shipping + _money(shipping_line.subtotal_amount_set)
        shipping_tax = shipping_tax + _money(shipping_line.tax_amount_set)
    adjustments = Money()
    for adjustment in refund.order_adjustments:
        adjustments = adjustments + _money(adjustment.amount_set, adjustment.amount)
    stated = sum((line.subtotal + line.tax for line in lines), shipping + shipping_tax)
    amount = _refunded_money(refund, stated, _rate_basis(stated, adjustments))
    return Refund(
        id=_required_id(refund.id, f"{path}id"),
        order_id=_id(refund.order_id),
        created_at=_time(refund.processed_at, f"{path}processed_at")
        or _required_time(refund.created_at, f"{path}created_at"),
        lines=lines,
        amount=amount,
        shipping=shipping,
        adjustments=adjustments,
        note=refund.note or None,
    )


def _refund_currencies(refund: p.ShopifyRefund) -> tuple[str | None, str | None]:
    """The shop and buyer currencies a refund names in its own money sets, when it names them.

    A refunds/create body does not carry the order's currencies, and its transactions name
    only the currency they were paid back in, so the sides are told apart by these codes.
    """
    sets: list[p.CurrencyMoneySet | None] = [
        s for r in refund.refund_line_items for s in (r.subtotal_set, r.total_tax_set)
    ]
    sets += [s for line in refund.refund_shipping_lines for s in (line.subtotal_amount_set, line.tax_amount_set)]
    sets += [a.amount_set for a in refund.order_adjustments]
    for money_set in sets:
        if money_set is None or money_set.shop_money is None or money_set.presentment_money is None:
            continue
        shop, buyer = money_set.shop_money.currency_code, money_set.presentment_money.currency_code
        if shop and buyer:
            return shop.upper(), buyer.upper()
    return None, None


def _rate_basis(stated: Money, adjustments: Money) -> Money:
    """Amounts the refund states on both sides, whose ratio converts money between them."""
    if stated.shop and stated.buyer:
        return stated
    return Money(shop=abs(adjustments.shop), buyer=abs(adjustments.buyer))


def _refunded_money(refund: p.ShopifyRefund, stated: Money, basis: Money) -> Money:
    """The money paid back, each side in its own currency.

    The successful refund transactions are what was paid back; each counts on the side its
    ``currency`` names (a transaction without one is in the buyer's currency, in which
    Shopify pays refunds back), and is converted to the other side at the rate the refund's
    own two-sided amounts imply. A refund without transactions returned what it states.
    """
    shop_code, buyer_code = _refund_currencies(refund)
    in_shop = in_buyer = _ZERO
    paid = False
    for transaction in refund.transactions:
        if transaction.kind != "refund" or transaction.status not in {None, "success"}:
            continue
        paid = True
        amount = _decimal(transaction.amount) or _ZERO
        code = (transaction.currency or "").upper()
        if code and code == shop_code and code != buyer_code:
            in_shop += amount
        else:
            in_buyer += amount
    if not paid:
        return stated
    if shop_code == buyer_code:
        return Money(shop=in_shop + in_buyer, buyer=in_shop + in_buyer)
    return Money(
        shop=in_shop + _converted(in_buyer, basis.buyer, basis.shop),
        buyer=in_buyer + _converted(in_shop, basis.shop, basis.buyer),
    )


def _converted(amount: Decimal, basis_from: Decimal, basis_to: Decimal) -> Decimal:
    """``amount`` at the rate ``basis_to / basis_from``; exact when it is the whole basis.

    With no basis (a refund stating nothing on both sides) the amount stays as paid.
    """
    if not amount or amount == basis_from:
        return basis_to if amount else _ZERO
    if not basis_from:
        return amount
    return amount * basis_to / basis_from


def _order_shipping(order: p.ShopifyOrder) -> Money:
    """Shipping after discounts: ``current_shipping_price_set`` when the body has it.

    ``total_shipping_price_set`` is the price before discounts, so an order whose shipping
    lines carry discounts (free shipping) is summed from those lines instead.
    """
    current, total = order.current_shipping_price_set, order.total_shipping_price_set
    if current is not None and current.shop_money is not None:
        return _money(current)
    discounted = any(line.discount_allocations for line in order.shipping_lines)
    if total is not None and total.shop_money is not None and not discounted:
        return _money(total)
    return _shipping_paid(order.shipping_lines)


def order_from_payload(order: p.ShopifyOrder) -> Order:
    """Map a validated Shopify order body to the canonical order."""
    shipping = _order_shipping(order)
    amounts = Amounts(
        total=_first_money(
            order.current_total_price_set,
            order.total_price_set,
            fallback=order.current_total_price if order.current_total_price is not None else order.total_price,
        ),
        subtotal=_first_money(
            order.current_subtotal_price_set, order.subtotal_price_set, fallback=order.subtotal_price
        ),
        tax=_first_money(order.current_total_tax_set, order.total_tax_set, fallback=order.total_tax),
        shipping=shipping,
        discounts=_first_money(
            order.current_total_discounts_set, order.total_discounts_set, fallback=order.total_discounts
        ),
    )
    return Order(
        id=_required_id(order.id, "id"),
        name=_text(order.name),
        number=_id(order.order_number) or _id(order.number),
        token=order.token,
        cart_token=order.cart_token or None,
        checkout_token=order.checkout_token or None,
        created_at=_required_time(order.created_at, "created_at"),
        processed_at=_time(order.processed_at, "processed_at"),
        updated_at=_time(order.updated_at, "updated_at"),
        cancelled_at=_time(order.cancelled_at, "cancelled_at"),
        cancel_reason=order.cancel_reason,
        financial_status=order.financial_status,
        fulfillment_status=order.fulfillment_status,
        currency=order.currency.upper(),
        buyer_currency=(order.presentment_currency or order.currency).upper(),
        amounts=amounts,
        lines=tuple([_line(line, i) for i, line in enumerate(order.line_items)]),
        customer=_customer(
            order.customer,
            email=order.email or order.contact_email,
            phone=order.phone,
            locale=order.customer_locale,
            address=order.billing_address or order.shipping_address,
            accepts_marketing=order.buyer_accepts_marketing,
        ),
        billing_address=_address(order.billing_address),
        shipping_address=_address(order.shipping_address),
        client=_client(
            order.client_details, order.browser_ip, order.landing_site, order.referring_site, _text(order.source_name)
        ),
        cart_attributes=_cart_attributes(order.note_attributes),
        discount_codes=tuple(str(d.code) for d in order.discount_codes if d.code),
        refunds=tuple(_refund(r, f"refunds.{i}.") for i, r in enumerate(order.refunds)),
        status_url=order.order_status_url,
        test=order.test,
    )


def _order_fields(order: p.ShopifyOrder) -> dict[str, Any]:
    mapped = order_from_payload(order)
    return {"order": mapped, "test": mapped.test, "_occurred_at": mapped.updated_at or mapped.created_at}


def _refund_fields(refund: p.ShopifyRefund) -> dict[str, Any]:
    if refund.order_id is None:
        raise PayloadError("order_id", "Field required")
    return {"refund": _refund(refund), "_occurred_at": _required_time(refund.created_at, "created_at"), "order": None}


def _checkout_fields(checkout: p.ShopifyCheckout) -> dict[str, Any]:
    currency = checkout.currency.upper()

    def same(amount: p.Amount) -> Money:
        return _money(None, amount)

    mapped = Checkout(
        token=checkout.token,
        cart_token=checkout.cart_token or None,
        created_at=_required_time(checkout.created_at, "created_at"),
        updated_at=_time(checkout.updated_at, "updated_at"),
        completed_at=_time(checkout.completed_at, "completed_at"),
        currency=currency,
        buyer_currency=(checkout.presentment_currency or currency).upper(),
        amounts=Amounts(
            total=same(checkout.total_price),
            subtotal=same(checkout.subtotal_price),
            tax=same(checkout.total_tax),
            discounts=same(checkout.total_discounts),
        ),
        lines=tuple([_line(line, i) for i, line in enumerate(checkout.line_items)]),
        customer=_customer(
            checkout.customer,
            email=checkout.email,
            phone=checkout.phone,
            address=checkout.billing_address,
            accepts_marketing=checkout.buyer_accepts_marketing,
        ),
        client=_client(
            checkout.client_details,
            checkout.browser_ip,
            checkout.landing_site,
            checkout.referring_site,
            _text(checkout.source_name),
        ),
        cart_attributes=_cart_attributes(checkout.note_attributes),
        recovery_url=checkout.abandoned_checkout_url,
    )
    return {"checkout": mapped, "_occurred_at": mapped.updated_at or mapped.created_at}


def _customer_fields(customer: p.ShopifyCustomerPayload) -> dict[str, Any]:
    _required_id(customer.id, "id")
    address = customer.default_address or (customer.addresses[0] if customer.addresses else None)
    return {
        "customer": _customer(customer, address=address),
        "_occurred_at": _time(customer.updated_at, "updated_at") or _time(customer.created_at, "created_at"),
    }


def _consent_fields(consent: p.ShopifyEmailConsentPayload) -> dict[str, Any]:
    return {
        "customer": Customer(
            id=_required_id(consent.customer_id, "customer_id"),
            email=consent.email_address or None,
            accepts_email_marketing=_consent(consent.email_marketing_consent),
        )
    }


_TOPIC_PARSERS: dict[str, tuple[msgspec.json.Decoder[Any], Callable[[Any], dict[str, Any]]]] = {
    "orders": (lax_decoder(p.ShopifyOrder), _order_fields),
    "refunds": (lax_decoder(p.ShopifyRefund), _refund_fields),
    "checkouts": (lax_decoder(p.ShopifyCheckout), _checkout_fields),
    "customers": (lax_decoder(p.ShopifyCustomerPayload), _customer_fields),
    "customers_email_marketing_consent": (lax_decoder(p.ShopifyEmailConsentPayload), _consent_fields),
}
"""Topic family → (typed decoder, mapping to canonical fields); decoders compile once."""
