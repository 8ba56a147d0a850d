"""WooCommerce's webhook signature: ``X-WC-Webhook-Signature``, the base64 HMAC-SHA256 of the
raw body with the webhook's secret.

It is the same construction as Shopify's, so the same constant-time check serves both; the
secret is the one typed into WooCommerce's webhook form (WooCommerce decodes HTML entities
in it before signing, so a secret containing ``&amp;`` signs with ``&``).
"""

from __future__ import annotations

from shoprelay.sources.shopify.signature import sign, signature_matches

__all__ = ["sign", "signature_matches"]
