"""Shopify webhooks: signature check, topic table and payload mapping.

The payload models load on first use (PEP 562), so code that only checks signatures does
not import the payload models or build their decoders.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from shoprelay.sources.shopify.signature import sign, signature_matches

if TYPE_CHECKING:
    from shoprelay.sources.shopify.adapter import TOPIC_KINDS, WebhookMeta, parse_webhook

__all__ = ["TOPIC_KINDS", "WebhookMeta", "parse_webhook", "sign", "signature_matches"]

_FROM_ADAPTER = frozenset({"TOPIC_KINDS", "WebhookMeta", "parse_webhook"})


def __getattr__(name: str) -> Any:
    if name in _FROM_ADAPTER:
        return getattr(import_module("shoprelay.sources.shopify.adapter"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
