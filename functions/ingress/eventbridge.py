"""Ingress Lambda for Shopify's EventBridge deliveries (the optional partner event source's rule).

All logic lives in the shared layer; the pipeline is the HTTPS ingress's.
"""

from shoprelay.ingress.app import build_pipeline
from shoprelay.ingress.eventbridge import build_dead_letters, make_eventbridge_handler

handler = make_eventbridge_handler(build_pipeline(), build_dead_letters())
