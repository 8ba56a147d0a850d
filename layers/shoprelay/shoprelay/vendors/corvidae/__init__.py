"""Corvidae: one server-side transaction hit per order on the shop's ingress pixel."""

from __future__ import annotations

from shoprelay.vendors.base import Vendor, read_http_status
from shoprelay.vendors.corvidae.settings import CorvidaeSettings
from shoprelay.vendors.corvidae.translate import translate

VENDOR = Vendor(
    name="corvidae",
    settings_model=CorvidaeSettings,
    translate=translate,
    # Corvidae documents no status codes; the pixel answers 2xx when it took the hit, so the
    # shared reading (2xx delivered, 408/429/5xx retried, other 4xx final) fits.
    read_response=read_http_status,
    placeholder_settings={
        "app_id": "PLACEHOLDER-APP-ID",
        "tracking_host": "corvidae.example.com",
        "digital_property": "PLACEHOLDER-PROPERTY",
    },
)

__all__ = ["VENDOR", "CorvidaeSettings", "translate"]
