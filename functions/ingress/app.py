"""Ingress Lambda: POST /webhooks/shopify and /webhooks/woocommerce. All logic lives in the shared layer."""

from shoprelay.ingress.app import build_pipeline, make_handler

handler = make_handler(build_pipeline())
