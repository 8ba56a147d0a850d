"""The parts of WooCommerce's webhook bodies that shoprelay reads.

A WooCommerce webhook body is the REST API representation of the resource (``wc/v1`` to
``wc/v3``, whichever the webhook was created with). Every field defaults, because versions
and plugins differ in what they add or leave out; only the order id is required. Ids are
JSON numbers, money is strings except a line's ``price`` (a number), and meta values can be
anything a plugin stored, so they are kept as raw JSON and only scalars are read.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

Amount = str | int | float | None
"""A decimal amount as sent; the adapter makes it an exact ``Decimal``."""
Id = int | str
Text = str | int | float | None
Timestamp = str | None
"""``date_*_gmt`` is UTC without an offset (``2017-03-22T19:28:08``); ``null`` when unset."""
Count = Annotated[int, msgspec.Meta(ge=0)]


class _Payload(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Base of the payload models: read-only, unknown fields skipped without being built."""


class MetaData(_Payload, frozen=True, kw_only=True):
    key: Text = None
    value: msgspec.Raw = msgspec.field(default_factory=lambda: msgspec.Raw(b"null"))
    """Whatever a plugin stored: text, a number, an object; only scalars are used."""


class WooAddress(_Payload, frozen=True, kw_only=True):
    first_name: Text = None
    last_name: Text = None
    company: Text = None
    address_1: Text = None
    address_2: Text = None
    city: Text = None
    state: Text = None
    postcode: Text = None
    country: Text = None
    email: str | None = None
    phone: Text = None


class WooImage(_Payload, frozen=True, kw_only=True):
    src: str | None = None


class WooLineItem(_Payload, frozen=True, kw_only=True):
    id: Id | None = None
    name: Text = None
    parent_name: Text = None
    product_id: Id | None = None
    variation_id: Id | None = None
    quantity: int = 0
    """Negative in a refund's lines."""
    subtotal: Amount = None
    """Line total before discounts, without tax."""
    subtotal_tax: Amount = None
    total: Amount = None
    """Line total after discounts, without tax."""
    total_tax: Amount = None
    sku: Text = None
    image: WooImage | None = None
    refunded_item_id: Id | None = None
    """In a refund's lines: the order line refunded (also kept as ``_refunded_item_id`` meta)."""
    meta_data: tuple[MetaData, ...] = ()


class WooRefundSummary(_Payload, frozen=True, kw_only=True):
    """An entry of an order's ``refunds``: id, reason and a negative total; lines when present."""

    id: Id
    reason: str | None = None
    total: Amount = None
    date_created_gmt: Timestamp = None
    line_items: tuple[WooLineItem, ...] = ()


class WooCouponLine(_Payload, frozen=True, kw_only=True):
    code: Text = None


class WooOrder(_Payload, frozen=True, kw_only=True):
    """An ``order.*`` body (``order.deleted`` carries only the id)."""

    id: Id
    number: Text = None
    order_key: str | None = None
    created_via: str | None = None
    status: str | None = None
    currency: str | None = None
    prices_include_tax: bool = False
    date_created: Timestamp = None
    date_created_gmt: Timestamp = None
    date_modified: Timestamp = None
    date_modified_gmt: Timestamp = None
    date_paid: Timestamp = None
    date_paid_gmt: Timestamp = None
    date_completed: Timestamp = None
    date_completed_gmt: Timestamp = None
    discount_total: Amount = None
    discount_tax: Amount = None
    shipping_total: Amount = None
    shipping_tax: Amount = None
    total: Amount = None
    total_tax: Amount = None
    customer_id: Id | None = None
    """0 for a guest."""
    customer_ip_address: str | None = None
    customer_user_agent: str | None = None
    cart_hash: str | None = None
    billing: WooAddress | None = None
    shipping: WooAddress | None = None
    meta_data: tuple[MetaData, ...] = ()
    line_items: tuple[WooLineItem, ...] = ()
    coupon_lines: tuple[WooCouponLine, ...] = ()
    refunds: tuple[WooRefundSummary, ...] = ()


class WooCustomer(_Payload, frozen=True, kw_only=True):
    """A ``customer.*`` body."""

    id: Id
    email: str | None = None
    first_name: Text = None
    last_name: Text = None
    date_created_gmt: Timestamp = None
    date_modified_gmt: Timestamp = None
    billing: WooAddress | None = None
    shipping: WooAddress | None = None
