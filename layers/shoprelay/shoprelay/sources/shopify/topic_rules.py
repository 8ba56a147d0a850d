"""A Shopify body must be what its topic says, or it is refused before anything is relayed.

The signature covers the body, not the ``X-Shopify-Topic`` header, and the webhook id is the
sender's choice. Without these rules, a captured body could be sent again under another topic
and a new id: a live, paid order as ``orders/cancelled`` would become a cancellation, and a
vendor would book the whole order back. Each relayed topic therefore names what its body must
show (a cancellation its ``cancelled_at``, a payment a paid financial status, ...) and what it
must not be (an order is not a refund, a checkout is not an order).

A body missing what the adapter itself requires (an order's id, ``created_at`` or currency,
say) is left to the adapter, whose answer names that field. Checks read only the few fields
they need (:class:`_Shape`, lists kept as raw bytes), so they add little to the adapter's own
decoding; a body that is not JSON is left to the adapter too.

:mod:`shoprelay.sources.memory_rules` adds the order memory's view for the effects that move
money backwards, for every source.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from shoprelay.sources.errors import PayloadError

if TYPE_CHECKING:
    from shoprelay.sources.shopify.adapter import WebhookMeta

PAID_STATUSES = frozenset({"paid", "partially_paid", "partially_refunded", "refunded"})
"""Financial statuses of an order whose money was received (a refund implies a payment)."""
_EMPTY_LIST = b"[]"


class _Shape(msgspec.Struct, kw_only=True):
    """The fields the rules read; UNSET tells a missing field from an explicit null."""

    line_items: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    refund_line_items: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    transactions: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    fulfillments: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    financial_status: Any = msgspec.UNSET
    fulfillment_status: Any = msgspec.UNSET
    cancelled_at: Any = msgspec.UNSET
    order_id: Any = msgspec.UNSET
    customer_id: Any = msgspec.UNSET
    token: Any = msgspec.UNSET
    id: Any = msgspec.UNSET
    created_at: Any = msgspec.UNSET
    currency: Any = msgspec.UNSET


_DECODER = msgspec.json.Decoder(_Shape)
type Rule = Callable[[_Shape], PayloadError | None]


def _present(value: Any) -> bool:
    return value is not msgspec.UNSET and value is not None


def _an_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool) and value != ""


_BASICS: dict[str, Callable[[_Shape], bool]] = {
    "orders": lambda s: _an_id(s.id) and isinstance(s.created_at, str) and isinstance(s.currency, str),
    "checkouts": lambda s: isinstance(s.created_at, str) and isinstance(s.currency, str),
    "refunds": lambda s: _an_id(s.id) and isinstance(s.created_at, str),
    "customers": lambda s: _an_id(s.id),
    "customers_email_marketing_consent": lambda s: True,
}
"""What the adapter itself requires of each topic family: a body without it is left to the
adapter, whose answer names the precise field."""


def _non_empty(raw: msgspec.Raw | msgspec.UnsetType) -> bool:
    return isinstance(raw, msgspec.Raw) and bytes(raw).strip() not in (_EMPTY_LIST, b"null")


def _an_order(shape: _Shape) -> PayloadError | None:
    if shape.line_items is msgspec.UNSET or _present(shape.refund_line_items):
        return PayloadError("line_items", "the body is not an order, which this topic requires")
    return None


def _paid_order(shape: _Shape) -> PayloadError | None:
    # A status that is not text (a list, an object) is refused like an unpaid one, not hashed.
    if not isinstance(shape.financial_status, str) or shape.financial_status not in PAID_STATUSES:
        return PayloadError("financial_status", "orders/paid needs a paid financial status")
    return None


def _fulfilled_order(shape: _Shape) -> PayloadError | None:
    if shape.fulfillment_status != "fulfilled" and not _non_empty(shape.fulfillments):
        return PayloadError("fulfillment_status", "orders/fulfilled needs a fulfilment")
    return None


def _cancelled_order(shape: _Shape) -> PayloadError | None:
    if not _present(shape.cancelled_at):
        return PayloadError("cancelled_at", "orders/cancelled needs cancelled_at")
    return None


def _a_refund(shape: _Shape) -> PayloadError | None:
    if shape.line_items is not msgspec.UNSET or not _present(shape.order_id):
        return PayloadError("order_id", "refunds/create needs a refund of an order")
    if shape.refund_line_items is msgspec.UNSET and shape.transactions is msgspec.UNSET:
        return PayloadError("refund_line_items", "refunds/create needs refund lines or transactions")
    return None


def _a_checkout(shape: _Shape) -> PayloadError | None:
    if not shape.token or _present(shape.financial_status) or _present(shape.refund_line_items):
        return PayloadError("token", "the body is not a checkout, which this topic requires")
    return None


def _a_customer(shape: _Shape) -> PayloadError | None:
    if any(_present(value) for value in (shape.line_items, shape.financial_status, shape.order_id)):
        return PayloadError("", "the body is not a customer, which this topic requires")
    return None


def _a_consent(shape: _Shape) -> PayloadError | None:
    if not _present(shape.customer_id) or _present(shape.line_items):
        return PayloadError("customer_id", "the body is not a customer's marketing consent")
    return None


TOPIC_RULES: dict[str, tuple[Rule, ...]] = {
    "orders/create": (_an_order,),
    "orders/updated": (_an_order,),
    "orders/paid": (_an_order, _paid_order),
    "orders/fulfilled": (_an_order, _fulfilled_order),
    "orders/cancelled": (_an_order, _cancelled_order),
    "refunds/create": (_a_refund,),
    "checkouts/create": (_a_checkout,),
    "checkouts/update": (_a_checkout,),
    "customers/create": (_a_customer,),
    "customers/update": (_a_customer,),
    "customers_email_marketing_consent/update": (_a_consent,),
}
"""Every relayed topic (``TOPIC_KINDS``) and what its body must show; a unit test keeps them in step."""


def check_topic(meta: WebhookMeta, body: bytes) -> None:
    """Raise :class:`PayloadError` when ``body`` is not what ``meta.topic`` says it is."""
    rules = TOPIC_RULES.get(meta.topic)
    if not rules:
        return
    try:
        shape = _DECODER.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return  # not an object at all: the adapter refuses it with the precise problem
    if not _BASICS[meta.topic.split("/")[0]](shape):
        return
    for rule in rules:
        problem = rule(shape)
        if problem is not None:
            raise problem
