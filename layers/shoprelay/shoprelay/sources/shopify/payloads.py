"""The parts of Shopify's REST-shaped webhook bodies that shoprelay reads.

Models ignore unknown fields and default every field that some API version (2020-10 …
2026-04) lacks, so a body from any of those versions validates; only what no version omits
is required. Shopify sends ids as JSON numbers (some above 2**53) and money as strings,
except refund line subtotals, which are numbers: both are accepted and kept exact.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _id_to_text(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be an id (number or string), not a boolean")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole-number id")
        return str(int(value))
    if isinstance(value, str) and not value.strip():
        raise ValueError("must not be empty")
    return value


def _text_or_none(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _empty_to_none(value: Any) -> Any:
    return None if value == "" else value


Id = Annotated[str, BeforeValidator(_id_to_text)]
OptionalId = Annotated[str | None, BeforeValidator(_id_to_text)]
Text = Annotated[str | None, BeforeValidator(_text_or_none)]
Amount = Annotated[Decimal | None, BeforeValidator(_empty_to_none)]
Timestamp = Annotated[datetime | None, BeforeValidator(_empty_to_none)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class MoneyValue(_Payload):
    amount: Amount = None
    currency_code: str | None = None


class MoneySet(_Payload):
    shop_money: MoneyValue | None = None
    presentment_money: MoneyValue | None = None


class NameValue(_Payload):
    name: Text = None
    value: Text = None


class ClientDetails(_Payload):
    browser_ip: str | None = None
    user_agent: str | None = None
    accept_language: str | None = None


class MarketingConsent(_Payload):
    state: str | None = None


class ShopifyAddress(_Payload):
    first_name: Text = None
    last_name: Text = None
    address1: Text = None
    address2: Text = None
    city: Text = None
    zip: Text = None
    province_code: Text = None
    country_code: Text = None
    phone: Text = None


class ShopifyCustomer(_Payload):
    id: OptionalId = None
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


class ShopifyLineItem(_Payload):
    id: OptionalId = None
    key: str | None = None
    product_id: OptionalId = None
    variant_id: OptionalId = None
    sku: Text = None
    title: Text = None
    name: Text = None
    variant_title: Text = None
    vendor: Text = None
    product_type: Text = None
    quantity: int = Field(ge=0)
    current_quantity: int | None = None
    """Added in 2024-01."""
    price: Amount = None
    price_set: MoneySet | None = None
    total_discount: Amount = None
    total_discount_set: MoneySet | None = None
    line_price: Amount = None


class ShopifyShippingLine(_Payload):
    price: Amount = None
    price_set: MoneySet | None = None


class ShopifyDiscountCode(_Payload):
    code: Text = None


class ShopifyRefundLine(_Payload):
    id: OptionalId = None
    line_item_id: Id
    quantity: int = Field(ge=0)
    subtotal: Amount = None
    subtotal_set: MoneySet | None = None
    total_tax: Amount = None
    total_tax_set: MoneySet | None = None
    line_item: ShopifyLineItem | None = None


class ShopifyTransaction(_Payload):
    kind: str | None = None
    status: str | None = None
    amount: Amount = None
    currency: str | None = None


class ShopifyAdjustment(_Payload):
    kind: str | None = None
    amount: Amount = None
    amount_set: MoneySet | None = None


class ShopifyRefundShippingLine(_Payload):
    subtotal_amount_set: MoneySet | None = None


class ShopifyRefund(_Payload):
    """A ``refunds/create`` body, also nested in an order's ``refunds``."""

    id: Id
    order_id: OptionalId = None
    created_at: datetime
    processed_at: Timestamp = None
    note: str | None = None
    refund_line_items: list[ShopifyRefundLine] = Field(default_factory=list)
    transactions: list[ShopifyTransaction] = Field(default_factory=list)
    order_adjustments: list[ShopifyAdjustment] = Field(default_factory=list)
    refund_shipping_lines: list[ShopifyRefundShippingLine] = Field(default_factory=list)
    """Added in 2024-04."""


class _Purchase(_Payload):
    """What an order and a checkout share: the buyer, the browser, the cart, the totals."""

    cart_token: str | None = None
    created_at: datetime
    updated_at: Timestamp = None
    currency: str = Field(min_length=3, max_length=3)
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
    note_attributes: list[NameValue] = Field(default_factory=list)
    line_items: list[ShopifyLineItem] = Field(default_factory=list)


class ShopifyOrder(_Purchase):
    id: Id
    name: Text = None
    number: OptionalId = None
    order_number: OptionalId = None
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
    shipping_lines: list[ShopifyShippingLine] = Field(default_factory=list)
    contact_email: str | None = None
    customer_locale: str | None = None
    shipping_address: ShopifyAddress | None = None
    discount_codes: list[ShopifyDiscountCode] = Field(default_factory=list)
    refunds: list[ShopifyRefund] = Field(default_factory=list)
    order_status_url: str | None = None
    test: bool = False


class ShopifyCheckout(_Purchase):
    token: str = Field(min_length=1)
    """The checkout's identity since 2026-04 removed ``id``."""
    completed_at: Timestamp = None
    abandoned_checkout_url: str | None = None


class ShopifyCustomerPayload(ShopifyCustomer):
    """A ``customers/*`` body: the customer object itself, with a required id."""

    id: Id
    created_at: Timestamp = None
    updated_at: Timestamp = None
    addresses: list[ShopifyAddress] = Field(default_factory=list)


class ShopifyEmailConsentPayload(_Payload):
    """A ``customers_email_marketing_consent/update`` body (split out of customers in 2025-01)."""

    customer_id: Id
    email_address: str | None = None
    email_marketing_consent: MarketingConsent | None = None
