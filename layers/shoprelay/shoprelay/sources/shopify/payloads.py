"""The parts of Shopify's REST-shaped webhook bodies that shoprelay reads.

Models ignore unknown fields and default every field that some API version (2020-10 …
2026-04) lacks, so a body from any of those versions decodes; only what no version omits
is required. Shopify sends ids as JSON numbers (some above 2**53) and money as strings,
except refund line subtotals, which are numbers: ids are taken as numbers or strings and
made text by the adapter, and amounts stay as sent until the adapter makes the ones it
uses exact ``Decimal`` values (a body carries about ten amounts per line; most are unused).

They are msgspec structs decoded in lax mode (``"5"`` is accepted for a count, ``1.0`` for
an id): a typed decode of the 12-line order costs less than parsing it into dicts.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

Id = int | str
"""A Shopify id: a JSON number today, a string in some payloads; the adapter makes it text."""
Text = str | int | float | None
"""Free text, which some shops' data turns into numbers (a numeric SKU or title); made text by the adapter."""
Timestamp = str | None
"""An ISO 8601 time, read by the adapter: Shopify sends ``""`` for some unset times, and
msgspec cannot type a field as "a time or an empty string"."""
Amount = str | int | float | None
"""A decimal amount as sent: a string, or a number in refund lines."""
Count = Annotated[int, msgspec.Meta(ge=0)]
CurrencyCode = Annotated[str, msgspec.Meta(min_length=3, max_length=3)]


class _Payload(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Base of the payload models: read-only, unknown fields skipped without being built."""


class MoneyValue(_Payload, frozen=True, kw_only=True):
    amount: Amount = None


class MoneySet(_Payload, frozen=True, kw_only=True):
    shop_money: MoneyValue | None = None
    presentment_money: MoneyValue | None = None


class NameValue(_Payload, frozen=True, kw_only=True):
    name: Text = None
    value: Text = None


class ClientDetails(_Payload, frozen=True, kw_only=True):
    browser_ip: str | None = None
    user_agent: str | None = None
    accept_language: str | None = None


class MarketingConsent(_Payload, frozen=True, kw_only=True):
    state: str | None = None


class ShopifyAddress(_Payload, frozen=True, kw_only=True):
    first_name: Text = None
    last_name: Text = None
    address1: Text = None
    address2: Text = None
    city: Text = None
    zip: Text = None
    province_code: Text = None
    country_code: Text = None
    phone: Text = None


class ShopifyCustomer(_Payload, frozen=True, kw_only=True):
    id: Id | None = None
    email: str | None = None
    phone: str | None = None
    first_name: Text = None
    last_name: Text = None
    locale: str | None = None
    default_address: ShopifyAddress | None = None
    accepts_marketing: bool | None = None
    """Removed in 2024-01."""
    email_marketing_consent: MarketingConsent | None = None
    """Added 2022-04, removed from customer payloads in 2025-01."""
    sms_marketing_consent: MarketingConsent | None = None


class ShopifyDiscountAllocation(_Payload, frozen=True, kw_only=True):
    """One discount's share of one line (or shipping line), in both currencies."""

    amount: Amount = None
    amount_set: MoneySet | None = None


class ShopifyTaxLine(_Payload, frozen=True, kw_only=True):
    rate: Amount = None
    """A fraction: ``0.2`` is 20 %."""


class ShopifyLineItem(_Payload, frozen=True, kw_only=True):
    id: Id | None = None
    key: str | None = None
    product_id: Id | None = None
    variant_id: Id | None = None
    sku: Text = None
    title: Text = None
    name: Text = None
    variant_title: Text = None
    vendor: Text = None
    product_type: Text = None
    quantity: Count
    current_quantity: int | None = None
    """Added in 2024-01."""
    price: Amount = None
    price_set: MoneySet | None = None
    total_discount: Amount = None
    """Deprecated by Shopify, and left at zero by discount codes: read only when a body has no
    ``discount_allocations``."""
    total_discount_set: MoneySet | None = None
    discount_allocations: tuple[ShopifyDiscountAllocation, ...] | None = None
    """Every discount's share of this line; ``None`` when the body predates the field."""
    tax_lines: tuple[ShopifyTaxLine, ...] = ()


class ShopifyShippingLine(_Payload, frozen=True, kw_only=True):
    price: Amount = None
    price_set: MoneySet | None = None
    discount_allocations: tuple[ShopifyDiscountAllocation, ...] = ()


class ShopifyDiscountCode(_Payload, frozen=True, kw_only=True):
    code: Text = None


class CurrencyMoneyValue(MoneyValue, frozen=True, kw_only=True):
    """An amount with its currency, which refunds need: their transactions name only one side."""

    currency_code: str | None = None


class CurrencyMoneySet(MoneySet, frozen=True, kw_only=True):
    shop_money: CurrencyMoneyValue | None = None
    presentment_money: CurrencyMoneyValue | None = None


class ShopifyRefundLine(_Payload, frozen=True, kw_only=True):
    id: Id | None = None
    line_item_id: Id
    quantity: Count
    subtotal: Amount = None
    subtotal_set: CurrencyMoneySet | None = None
    total_tax: Amount = None
    total_tax_set: CurrencyMoneySet | None = None
    line_item: ShopifyLineItem | None = None


class ShopifyTransaction(_Payload, frozen=True, kw_only=True):
    kind: str | None = None
    status: str | None = None
    amount: Amount = None
    currency: str | None = None
    """The currency ``amount`` is in; null in some documented bodies."""


class ShopifyAdjustment(_Payload, frozen=True, kw_only=True):
    kind: str | None = None
    amount: Amount = None
    amount_set: CurrencyMoneySet | None = None


class ShopifyRefundShippingLine(_Payload, frozen=True, kw_only=True):
    subtotal_amount_set: CurrencyMoneySet | None = None
    tax_amount_set: CurrencyMoneySet | None = None


class ShopifyRefund(_Payload, frozen=True, kw_only=True):
    """A ``refunds/create`` body, also nested in an order's ``refunds``."""

    id: Id
    order_id: Id | None = None
    created_at: str
    processed_at: Timestamp = None
    note: str | None = None
    refund_line_items: tuple[ShopifyRefundLine, ...] = ()
    transactions: tuple[ShopifyTransaction, ...] = ()
    order_adjustments: tuple[ShopifyAdjustment, ...] = ()
    refund_shipping_lines: tuple[ShopifyRefundShippingLine, ...] = ()
    """Added in 2024-04."""


class _Purchase(_Payload, frozen=True, kw_only=True):
    """What an order and a checkout share: the buyer, the browser, the cart, the totals."""

    cart_token: str | None = None
    created_at: str
    updated_at: Timestamp = None
    currency: CurrencyCode
    presentment_currency: str | None = None
    total_price: Amount = None
    subtotal_price: Amount = None
    total_tax: Amount = None
    total_discounts: Amount = None
    email: str | None = None
    phone: str | None = None
    buyer_accepts_marketing: bool | None = None
    customer: ShopifyCustomer | None = None
    billing_address: ShopifyAddress | None = None
    browser_ip: str | None = None
    client_details: ClientDetails | None = None
    landing_site: str | None = None
    referring_site: str | None = None
    source_name: Text = None
    note_attributes: tuple[NameValue, ...] = ()
    line_items: tuple[ShopifyLineItem, ...] = ()


class ShopifyOrder(_Purchase, frozen=True, kw_only=True):
    id: Id
    name: Text = None
    number: Id | None = None
    order_number: Id | None = None
    token: str | None = None
    checkout_token: str | None = None
    processed_at: Timestamp = None
    cancelled_at: Timestamp = None
    cancel_reason: str | None = None
    financial_status: str | None = None
    fulfillment_status: str | None = None
    total_price_set: MoneySet | None = None
    current_total_price: Amount = None
    current_total_price_set: MoneySet | None = None
    subtotal_price_set: MoneySet | None = None
    current_subtotal_price_set: MoneySet | None = None
    total_tax_set: MoneySet | None = None
    current_total_tax_set: MoneySet | None = None
    total_discounts_set: MoneySet | None = None
    current_total_discounts_set: MoneySet | None = None
    total_shipping_price_set: MoneySet | None = None
    current_shipping_price_set: MoneySet | None = None
    """Added in 2024-10."""
    shipping_lines: tuple[ShopifyShippingLine, ...] = ()
    contact_email: str | None = None
    customer_locale: str | None = None
    shipping_address: ShopifyAddress | None = None
    discount_codes: tuple[ShopifyDiscountCode, ...] = ()
    refunds: tuple[ShopifyRefund, ...] = ()
    order_status_url: str | None = None
    test: bool = False


class ShopifyCheckout(_Purchase, frozen=True, kw_only=True):
    token: Annotated[str, msgspec.Meta(min_length=1)]
    """The checkout's identity since 2026-04 removed ``id``."""
    completed_at: Timestamp = None
    abandoned_checkout_url: str | None = None


class ShopifyCustomerPayload(ShopifyCustomer, frozen=True, kw_only=True):
    """A ``customers/*`` body: the customer object itself, with a required id."""

    id: Id
    created_at: Timestamp = None
    updated_at: Timestamp = None
    addresses: tuple[ShopifyAddress, ...] = ()


class ShopifyEmailConsentPayload(_Payload, frozen=True, kw_only=True):
    """A ``customers_email_marketing_consent/update`` body (split out of customers in 2025-01)."""

    customer_id: Id
    email_address: str | None = None
    email_marketing_consent: MarketingConsent | None = None
