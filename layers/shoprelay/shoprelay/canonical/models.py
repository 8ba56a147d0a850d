"""Canonical event: what every vendor needs to know about an order, in one shape.

Sources (Shopify today) map their payloads into these models once; translators never look
at platform payloads. Amounts are ``Decimal`` and always carried twice, in the shop's
currency and in the buyer's (presentment) currency, because vendors disagree on which one
they want and some (edrone) want both.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import msgspec


class CanonicalModel(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, gc=False):
    """Base of every canonical model: immutable, strict about unknown keys, every field on the wire.

    msgspec structs rather than validated models because every vendor function decodes one
    of these per message and every translator walks them: construction is a plain attribute
    fill and decoding is typed at JSON-parser speed. Values are trusted here (sources build
    them from validated payloads); decoding from JSON still checks every type.
    """


class EventKind(StrEnum):
    """What happened, independent of the platform's topic names."""

    ORDER_PLACED = "order_placed"
    ORDER_PAID = "order_paid"
    ORDER_FULFILLED = "order_fulfilled"
    ORDER_CANCELLED = "order_cancelled"
    ORDER_REFUNDED = "order_refunded"
    ORDER_UPDATED = "order_updated"
    CHECKOUT_UPDATED = "checkout_updated"
    CUSTOMER_UPDATED = "customer_updated"


class Money(CanonicalModel, frozen=True, kw_only=True):
    """One amount in the shop's currency and in the buyer's currency.

    When the shop did not report a buyer amount (single-currency shops, older payloads),
    ``buyer`` equals ``shop`` and the buyer currency equals the shop currency.
    """

    shop: Decimal = Decimal(0)
    buyer: Decimal = Decimal(0)

    def __add__(self, other: Money) -> Money:
        return Money(shop=self.shop + other.shop, buyer=self.buyer + other.buyer)

    def pick(self, side: str) -> Decimal:
        """The amount on ``side`` ("shop" or "buyer"), the setting name shops use."""
        return self.buyer if side == "buyer" else self.shop


ZERO = Money()


class Amounts(CanonicalModel, frozen=True, kw_only=True):
    """Order-level totals. ``total`` is what the buyer pays now (after edits and refunds)."""

    total: Money = ZERO
    subtotal: Money = ZERO
    tax: Money = ZERO
    shipping: Money = ZERO
    discounts: Money = ZERO


class Address(CanonicalModel, frozen=True, kw_only=True):
    first_name: str | None = None
    last_name: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    zip: str | None = None
    province_code: str | None = None
    country_code: str | None = None
    phone: str | None = None

    def one_line(self) -> str:
        """A comma-joined address, the form CRMs show in a single field."""
        return ", ".join(
            filter(None, (self.address1, self.address2, self.zip, self.city, self.province_code, self.country_code))
        )


class Customer(CanonicalModel, frozen=True, kw_only=True):
    """The buyer as far as the shop knows them; every field may be missing (guests, POS)."""

    id: str | None = None
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    locale: str | None = None
    country_code: str | None = None
    city: str | None = None
    accepts_email_marketing: bool | None = None
    """None when the payload does not say (Shopify removed consent from many payloads)."""
    accepts_sms_marketing: bool | None = None


class ClientContext(CanonicalModel, frozen=True, kw_only=True):
    """Browser facts captured at checkout, which attribution vendors match on."""

    ip: str | None = None
    user_agent: str | None = None
    accept_language: str | None = None
    landing_url: str | None = None
    """Path and query of the first page of the buying session, as the shop reports it."""
    landing_params: dict[str, str] = msgspec.field(default_factory=dict)
    referrer: str | None = None
    source_name: str | None = None


class LineItem(CanonicalModel, frozen=True, kw_only=True):
    line_id: str
    product_id: str | None = None
    variant_id: str | None = None
    sku: str | None = None
    title: str
    variant_title: str | None = None
    brand: str | None = None
    category: str | None = None
    quantity: int
    current_quantity: int | None = None
    """Units still on the order after edits and removals; None when the payload predates it."""
    unit_price: Money = ZERO
    """Unit price before discounts."""
    discount: Money = ZERO
    """Total discount on the whole line (all units): the sum of every discount allocated to it."""
    tax_rate: Decimal | None = None
    """The line's tax rates added up, as a fraction (``0.2`` is 20 %); None when not stated."""
    url: str | None = None
    image_url: str | None = None

    @property
    def item_id(self) -> str:
        """The most specific product identifier the line has: variant, product, SKU, line."""
        return self.variant_id or self.product_id or self.sku or self.line_id


class RefundLine(CanonicalModel, frozen=True, kw_only=True):
    line_id: str
    quantity: int
    subtotal: Money = ZERO
    tax: Money = ZERO
    line: LineItem | None = None
    """The refunded line as it was on the order, when the payload carries it."""


class Refund(CanonicalModel, frozen=True, kw_only=True):
    id: str
    order_id: str | None = None
    created_at: datetime
    lines: tuple[RefundLine, ...] = ()
    amount: Money = ZERO
    """Money actually returned (sum of successful refund transactions)."""
    shipping: Money = ZERO
    adjustments: Money = ZERO
    note: str | None = None


class Order(CanonicalModel, frozen=True, kw_only=True):
    """An order as the shop last described it."""

    id: str
    name: str | None = None
    number: str | None = None
    token: str | None = None
    cart_token: str | None = None
    checkout_token: str | None = None
    created_at: datetime
    processed_at: datetime | None = None
    updated_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    financial_status: str | None = None
    fulfillment_status: str | None = None
    currency: str
    """The shop's currency (ISO 4217)."""
    buyer_currency: str
    """The currency the buyer saw and paid (ISO 4217)."""
    amounts: Amounts = Amounts()
    lines: tuple[LineItem, ...] = ()
    customer: Customer = Customer()
    billing_address: Address | None = None
    shipping_address: Address | None = None
    client: ClientContext = ClientContext()
    cart_attributes: dict[str, str] = msgspec.field(default_factory=dict)
    discount_codes: tuple[str, ...] = ()
    refunds: tuple[Refund, ...] = ()
    """Refunds already on the order (the cancelled topic carries them)."""
    status_url: str | None = None
    test: bool = False

    @property
    def is_paid(self) -> bool:
        """Money was captured at some point (refunds do not make an order unpaid)."""
        return self.financial_status in {"paid", "partially_paid", "partially_refunded", "refunded"}

    def id_for(self, field: str) -> str:
        """The order id a vendor gets: ``id`` (default), ``name`` or ``number``."""
        value = {"id": self.id, "name": self.name, "number": self.number}.get(field)
        return value or self.id

    def remaining_quantities(self) -> dict[str, int]:
        """Units per line still owned by the buyer after the refunds on the order."""
        left = {line.line_id: line.quantity for line in self.lines}
        for refund in self.refunds:
            for refunded in refund.lines:
                if refunded.line_id in left:
                    left[refunded.line_id] = max(0, left[refunded.line_id] - refunded.quantity)
        return left


class Checkout(CanonicalModel, frozen=True, kw_only=True):
    """An unfinished checkout (abandoned-cart material)."""

    token: str
    cart_token: str | None = None
    created_at: datetime
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    currency: str
    buyer_currency: str
    amounts: Amounts = Amounts()
    lines: tuple[LineItem, ...] = ()
    customer: Customer = Customer()
    client: ClientContext = ClientContext()
    cart_attributes: dict[str, str] = msgspec.field(default_factory=dict)
    recovery_url: str | None = None


class CanonicalEvent(CanonicalModel, frozen=True, kw_only=True):
    """One thing that happened in one shop, ready to fan out to vendors.

    ``order`` is set for every order kind; for ``order_refunded`` it is the order as
    remembered from earlier webhooks (``None`` when the order was never seen).
    """

    schema_version: int = 1
    id: str
    """Stable across redeliveries of the same platform event."""
    kind: EventKind
    source: str = "shopify"
    shop: str
    topic: str
    webhook_id: str | None = None
    occurred_at: datetime
    received_at: datetime
    api_version: str | None = None
    test: bool = False
    order: Order | None = None
    refund: Refund | None = None
    checkout: Checkout | None = None
    customer: Customer | None = None
    order_remembered: bool = False
    """True when ``order`` came from order memory rather than from this webhook's body."""
