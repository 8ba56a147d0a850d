"""Acme: one JSON order per placed order. A made-up vendor, the smallest complete example."""

from __future__ import annotations

from shoprelay.vendors.acme.settings import AcmeSettings
from shoprelay.vendors.acme.translate import translate
from shoprelay.vendors.base import Vendor

VENDOR = Vendor(
    name="acme",
    settings_model=AcmeSettings,
    translate=translate,
    placeholder_settings={"api_key": "PLACEHOLDER-ACME-KEY"},
)

__all__ = ["VENDOR", "AcmeSettings", "translate"]
