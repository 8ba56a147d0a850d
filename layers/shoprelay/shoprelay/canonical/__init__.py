"""The platform-neutral event every source produces and every vendor translator consumes."""

from shoprelay.canonical.codec import from_json, to_json, to_json_text
from shoprelay.canonical.currency import amount_text, format_amount, minor_units, round_amount, round_places
from shoprelay.canonical.models import (
    Address,
    Amounts,
    CanonicalEvent,
    CanonicalModel,
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
from shoprelay.canonical.reference import EventReference, StoredEvent
from shoprelay.canonical.times import utc_text

__all__ = [
    "Address",
    "Amounts",
    "CanonicalEvent",
    "CanonicalModel",
    "Checkout",
    "ClientContext",
    "Customer",
    "EventKind",
    "EventReference",
    "LineItem",
    "Money",
    "Order",
    "Refund",
    "RefundLine",
    "StoredEvent",
    "amount_text",
    "format_amount",
    "from_json",
    "minor_units",
    "round_amount",
    "round_places",
    "to_json",
    "to_json_text",
    "utc_text",
]
