"""What the order memory says about the events that move money backwards, for every source.

A signed body stays valid for ever, so a cancellation or refund must also agree with the
newest state of the order the ingress has seen (when it has seen one): a cancellation older
than a newer, uncancelled state of the order, and a refund dated before the order it names,
are refused with a 400 and never relayed. The remembered financial status is not used:
memory may lag the order, and a refund refused for that would be lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from shoprelay.sources.errors import PayloadError

if TYPE_CHECKING:
    from shoprelay.canonical import CanonicalEvent, Order


def _refund_refusal(event: CanonicalEvent, remembered: Order) -> PayloadError | None:
    refund = event.refund
    if refund is None:
        return None
    if refund.created_at < remembered.created_at:
        return PayloadError("created_at", "the refund predates the order it names")
    return None


def _cancel_refusal(event: CanonicalEvent, remembered: Order) -> PayloadError | None:
    order = event.order
    if order is None or remembered.cancelled_at is not None:
        return None
    seen, claimed = remembered.updated_at, order.updated_at
    if seen is not None and claimed is not None and seen > claimed:
        return PayloadError("updated_at", "the order changed after this cancellation and is not cancelled")
    return None


_MEMORY_RULES: dict[str, Callable[[CanonicalEvent, Order], PayloadError | None]] = {
    "order_refunded": _refund_refusal,
    "order_cancelled": _cancel_refusal,
}
MEMORY_CHECKED_KINDS = frozenset(_MEMORY_RULES)
"""Kinds that move money backwards: checked against the remembered order when there is one."""


def check_against_memory(event: CanonicalEvent, remembered: Order | None) -> None:
    """Raise :class:`PayloadError` when the remembered order contradicts a cancel or refund."""
    rule = _MEMORY_RULES.get(event.kind.value)
    if rule is None or remembered is None:
        return
    problem = rule(event, remembered)
    if problem is not None:
        raise problem
