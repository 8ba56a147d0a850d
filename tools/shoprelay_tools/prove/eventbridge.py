"""A share of the soak through Shopify's other channel: EventBridge to the EventBridge ingress.

The webhooks picked (by a hash of their id, so a re-post takes the same channel) go as an
EventBridge envelope to EventBridgeIngressFunction, run in processes like the HTTP ingress;
the rest go over HTTPS as before. The invariants are the same for both: every accepted event
ends in one final state at each vendor, once.

An invocation that fails (its AWS calls failing, killed at its timeout) is tried again on the
HTTPS sender's compressed schedule. Lambda itself retries an asynchronous invocation twice and
then puts the event in the function's dead-letter queue; the soak keeps retrying instead, so
that each event's end is judged by the same checks as the HTTPS ones.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from shoprelay_tools.prove.reconcile import Attempt, Delivery
from shoprelay_tools.prove.shopify import API_VERSION, ShopifySender
from shoprelay_tools.prove.workload import Webhook
from shoprelay_tools.source_samples import DEMO_EVENT_SOURCE

FUNCTION = "EventBridgeIngressFunction"
PARAMETERS = {"ShopifyEventSourceName": DEMO_EVENT_SOURCE}
"""The template parameters that give the local stack its EventBridge ingress."""
SHARE = 0.25
"""The part of the soak's webhooks sent through EventBridge."""
EVENTBRIDGE_LIMIT = 1_000_000
"""Larger bodies reach EventBridge as the bare id (Shopify's fallback), so they go over HTTPS."""
_STATUSES = {"accepted": 202, "duplicate": 200, "ignored": 200}


def envelope_for(webhook: Webhook) -> dict[str, Any]:
    """The webhook as Shopify's partner event source puts it on the bus."""
    return {
        "version": "0",
        "id": hashlib.sha256(webhook.webhook_id.encode()).hexdigest()[:32],
        "detail-type": "shopifyWebhook",
        "source": DEMO_EVENT_SOURCE,
        "account": "123456789012",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "payload": json.loads(webhook.body),
            "metadata": {
                "Content-Type": "application/json",
                "X-Shopify-Topic": webhook.topic,
                "X-Shopify-Shop-Domain": webhook.shop.domain,
                "X-Shopify-Webhook-Id": webhook.webhook_id,
                "X-Shopify-API-Version": API_VERSION,
            },
        },
    }


class BridgedSender:
    """Sends :data:`SHARE` of the webhooks through EventBridge, the rest through ``https``."""

    def __init__(self, https: ShopifySender, invoke: Callable[[dict[str, Any]], Any], share: float = SHARE) -> None:
        self.https = https
        self.invoke = invoke
        self.share = share
        self.schedule = https.schedule
        self._lock = threading.Lock()
        self._retried = 0
        self.bridged = 0
        """Webhooks sent through EventBridge (first deliveries only)."""

    @property
    def retried(self) -> int:
        return self.https.retried + self._retried

    def takes(self, webhook: Webhook) -> bool:
        """Whether ``webhook`` goes through EventBridge: a fixed pick per webhook id."""
        if len(webhook.body) > EVENTBRIDGE_LIMIT:
            return False
        pick = int.from_bytes(hashlib.sha256(webhook.webhook_id.encode()).digest()[:4], "big") / 2**32
        return pick < self.share

    def attempt(self, webhook: Webhook) -> Attempt:
        if not self.takes(webhook):
            return self.https.attempt(webhook)
        try:
            payload = self.invoke(envelope_for(webhook))
        except Exception as error:  # the invocation failed: Lambda would retry it
            return Attempt(None, None, None, (), time.time(), f"invocation failed: {type(error).__name__}")
        payload = payload if isinstance(payload, dict) else {}
        answer = str(payload.get("status"))
        status = _STATUSES.get(answer, 400)
        detail = "" if status < 300 else str(payload.get("reason") or answer)[:200]
        vendors = tuple(payload.get("vendors") or ())
        return Attempt(status, answer, payload.get("id"), vendors, time.time(), detail)

    def deliver(self, webhook: Webhook, mode: str = "original") -> Delivery:
        """The first attempt, then a retry after each wait until one succeeds."""
        if not self.takes(webhook):
            return self.https.deliver(webhook, mode)
        if mode == "original":
            with self._lock:
                self.bridged += 1
        attempts = [self.attempt(webhook)]
        for delay in self.schedule.delays():
            if attempts[-1].ok:
                break
            with self._lock:
                self._retried += 1
            time.sleep(delay)
            attempts.append(self.attempt(webhook))
        return Delivery(mode, tuple(attempts))
