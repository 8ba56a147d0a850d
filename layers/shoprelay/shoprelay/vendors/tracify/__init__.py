"""Tracify: one server-side ``purchase`` per order, for attribution.

See ``translate`` for which events become purchases, ``identity`` for the hashing Tracify's
matching depends on, and ``response`` for why an HTTP 200 can still be a failure.
"""

from __future__ import annotations

from shoprelay.vendors.base import Vendor
from shoprelay.vendors.tracify.response import read_response
from shoprelay.vendors.tracify.settings import TracifySettings
from shoprelay.vendors.tracify.translate import translate

VENDOR = Vendor(
    name="tracify",
    settings_model=TracifySettings,
    translate=translate,
    read_response=read_response,
    placeholder_settings={
        "api_key": "PLACEHOLDER-TRACIFY-API-KEY",
        "customer_site_id": "00000000-0000-0000-0000-000000000000",
    },
)

__all__ = ["VENDOR", "TracifySettings", "read_response", "translate"]
