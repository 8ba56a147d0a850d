"""WooCommerce webhooks: shop key, signature check, topic table and payload mapping.

The payload models load on first use (PEP 562), so a request refused before parsing (an
unknown site, a bad signature, the activation ping) never imports them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from shoprelay.sources.woocommerce.shop_key import ShopSourceError, shop_key
from shoprelay.sources.woocommerce.signature import sign, signature_matches

if TYPE_CHECKING:
    from shoprelay.sources.woocommerce.adapter import Effect, WooMeta, order_from_payload, parse_webhook

__all__ = [
    "Effect",
    "ShopSourceError",
    "WooMeta",
    "order_from_payload",
    "parse_webhook",
    "shop_key",
    "sign",
    "signature_matches",
]

_FROM_ADAPTER = frozenset({"Effect", "WooMeta", "order_from_payload", "parse_webhook"})


def __getattr__(name: str) -> Any:
    if name in _FROM_ADAPTER:
        return getattr(import_module("shoprelay.sources.woocommerce.adapter"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
