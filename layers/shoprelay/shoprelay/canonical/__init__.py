"""The platform-neutral event every source produces and every vendor translator consumes."""

from shoprelay.canonical.currency import format_amount, minor_units
from shoprelay.canonical.models import (
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

__all__ = [
    "Address",
    "Amounts",
    "CanonicalEvent",
    "Checkout",
    "ClientContext",
    "Customer",
    "EventKind",
    "LineItem",
    "Money",
    "Order",
    "Refund",
    "RefundLine",
    "format_amount",
    "minor_units",
]
