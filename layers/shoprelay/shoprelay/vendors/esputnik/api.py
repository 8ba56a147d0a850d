"""What every eSputnik request shares: the host, Basic auth and JSON numbers."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from pydantic import SecretStr

from shoprelay.vendors.base import VendorRequest
from shoprelay.vendors.esputnik.settings import EsputnikSettings

PRODUCTION_BASE_URL = "https://esputnik.com"
CONTENT_TYPE = "application/json; charset=UTF-8"
"""The content type eSputnik's API guide names; UTF-8 is its default, stated anyway."""


def api_url(settings: EsputnikSettings, method_path: str) -> str:
    """``https://esputnik.com/api/<method_path>``, or the same path below ``settings.endpoint``."""
    return f"{(settings.endpoint or PRODUCTION_BASE_URL).rstrip('/')}/api/{method_path}"


def headers(settings: EsputnikSettings) -> Mapping[str, str]:
    """Basic auth with the API key as the password: the only scheme every method accepts."""
    return _headers(settings.username, settings.api_key)


@lru_cache(maxsize=16)
def _headers(username: str, api_key: SecretStr) -> Mapping[str, str]:
    """Made once per account: an event sends two requests, and a function serves few shops.

    Keyed by the ``SecretStr`` itself, so the cache holds the key only in its masked wrapper.
    """
    credentials = f"{username}:{api_key.get_secret_value()}".encode()
    return MappingProxyType(
        {
            "Authorization": f"Basic {base64.b64encode(credentials).decode('ascii')}",
            "Content-Type": CONTENT_TYPE,
            "Accept": "application/json",
        }
    )


def post(settings: EsputnikSettings, method_path: str, body: Any, effect: str, **options: Any) -> VendorRequest:
    """A JSON POST to one API method; ``options`` are the delivery fields of VendorRequest."""
    return VendorRequest(
        method="POST",
        url=api_url(settings, method_path),
        effect=effect,
        headers=headers(settings),
        json_body=body,
        **options,
    )


def json_number(amount: Decimal) -> int | float:
    """An amount as a JSON number, which the order resource and item lists expect.

    All arithmetic stays in ``Decimal``; only here, at the JSON boundary, does a fractional
    amount become a float. Amounts are already rounded to the currency's minor unit, and a
    float prints as the shortest text that reads back to it, so ``Decimal("45.50")`` is
    written ``45.5`` and no digit is ever invented or lost.
    """
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)
