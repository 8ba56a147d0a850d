"""Shopify webhooks: signature check, topic table and payload mapping."""

from shoprelay.sources.shopify.adapter import TOPIC_KINDS, WebhookMeta, parse_webhook
from shoprelay.sources.shopify.signature import sign, signature_matches

__all__ = ["TOPIC_KINDS", "WebhookMeta", "parse_webhook", "sign", "signature_matches"]
