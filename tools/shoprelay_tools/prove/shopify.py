"""Shopify as a webhook sender: what it does with every answer that is not a 2xx.

Shopify opens the connection within 1 s and waits 5 s in all for an answer; only a 2xx
counts as delivered (a redirect, a 4xx, a 5xx and silence all count as failures). A failed
delivery is retried 8 times over 4 hours with exponential backoff, with the same
``X-Shopify-Webhook-Id`` and the same body. A run cannot wait 4 hours, so
:class:`RetrySchedule` keeps the shape (8 retries, each wait twice the one before) and
compresses the window.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import requests

from shoprelay.sources.shopify import sign
from shoprelay_tools.prove.reconcile import Attempt, Delivery
from shoprelay_tools.prove.workload import Webhook

CONNECT_TIMEOUT_SECONDS = 1.0
ANSWER_TIMEOUT_SECONDS = 5.0
RETRIES = 8
RETRY_WINDOW_SECONDS = 4 * 3600
API_VERSION = "2026-04"


@dataclass(frozen=True)
class RetrySchedule:
    window_seconds: float
    """How long the retries of one delivery are spread over (Shopify: 4 hours)."""
    retries: int = RETRIES

    def delays(self) -> tuple[float, ...]:
        """The wait before each retry: doubling, adding up to the window."""
        first = self.window_seconds / (2**self.retries - 1)
        return tuple(first * 2**index for index in range(self.retries))

    def describe(self) -> str:
        delays = self.delays()
        return (
            f"{self.retries} retries over {self.window_seconds:g} s (Shopify: {RETRY_WINDOW_SECONDS // 3600} h), "
            f"waits {delays[0]:.2f} s doubling to {delays[-1]:.0f} s"
        )


def signed_headers(webhook: Webhook, secret: str | None = None) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": webhook.topic,
        "X-Shopify-Shop-Domain": webhook.shop.domain,
        "X-Shopify-Webhook-Id": webhook.webhook_id,
        "X-Shopify-Api-Version": API_VERSION,
        "X-Shopify-Hmac-Sha256": sign(secret or webhook.shop.secret, webhook.body),
    }


def _attempt(response: requests.Response) -> Attempt:
    try:
        payload: Any = response.json()
    except ValueError:
        payload = {}
    payload = payload if isinstance(payload, dict) else {}
    ok = 200 <= response.status_code < 300
    return Attempt(
        status=response.status_code,
        answer_status=payload.get("status"),
        answer_id=payload.get("id"),
        vendors=tuple(payload.get("vendors") or ()),
        at=time.time(),
        detail="" if ok else response.text[:200],
    )


class ShopifySender:
    """Delivers webhooks to the gateway the way Shopify does; one keep-alive session per thread."""

    def __init__(self, url: str, schedule: RetrySchedule) -> None:
        self.url = url
        self.schedule = schedule
        self._local = threading.local()
        self._lock = threading.Lock()
        self.retried = 0
        """Attempts that failed and were retried."""

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def attempt(self, webhook: Webhook) -> Attempt:
        try:
            response = self._session().post(
                self.url,
                data=webhook.body,
                headers=signed_headers(webhook),
                timeout=(CONNECT_TIMEOUT_SECONDS, ANSWER_TIMEOUT_SECONDS),
                allow_redirects=False,
            )
        except requests.RequestException as error:
            # The connection may still be held by a request the gateway is serving: start afresh.
            self._local.session = None
            return Attempt(None, None, None, (), time.time(), type(error).__name__)
        return _attempt(response)

    def deliver(self, webhook: Webhook, mode: str = "original") -> Delivery:
        """The first attempt, then a retry after each wait until one is answered 2xx."""
        attempts = [self.attempt(webhook)]
        for delay in self.schedule.delays():
            if attempts[-1].ok:
                break
            with self._lock:
                self.retried += 1
            time.sleep(delay)
            attempts.append(self.attempt(webhook))
        return Delivery(mode, tuple(attempts))
