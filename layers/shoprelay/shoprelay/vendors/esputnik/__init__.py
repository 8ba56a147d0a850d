"""eSputnik (Yespo): orders as contact-bound events, or through Add orders, plus cart events."""

from __future__ import annotations

from shoprelay.vendors.base import Vendor
from shoprelay.vendors.esputnik.response import read_response
from shoprelay.vendors.esputnik.settings import EsputnikSettings
from shoprelay.vendors.esputnik.translate import translate

VENDOR = Vendor(
    name="esputnik",
    settings_model=EsputnikSettings,
    translate=translate,
    read_response=read_response,
    placeholder_settings={"api_key": "PLACEHOLDER-ESPUTNIK-API-KEY"},
)

__all__ = ["VENDOR", "EsputnikSettings", "read_response", "translate"]
