"""Shopify's webhook signature: base64 HMAC-SHA256 of the raw body bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable


def sign(secret: str, body: bytes) -> str:
    """The ``X-Shopify-Hmac-Sha256`` value Shopify sends for ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(body: bytes, signature: str | None, secrets: Iterable[str]) -> bool:
    """Whether ``signature`` was made with any of ``secrets`` (current first, then previous).

    Every secret is checked in constant time and all of them are always tried, so the
    answer's timing tells nothing about which secret, if any, came close.
    """
    if not signature:
        return False
    given = signature.strip().encode("ascii", errors="replace")
    matched = False
    for secret in secrets:
        if secret and hmac.compare_digest(sign(secret, body).encode("ascii"), given):
            matched = True
    return matched
