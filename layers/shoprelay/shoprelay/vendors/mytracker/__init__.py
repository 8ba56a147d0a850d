"""MyTracker (VK) S2S API: shop orders as ``ADD``/``PAY``/``CANCEL``/``REFUND`` order actions.

MyTracker answers with plain HTTP semantics (200 OK; 400/403/404 final; 500 "repeat the
request later"), so the shared status reading is all delivery needs.
"""

from __future__ import annotations

from shoprelay.vendors.base import Vendor, read_http_status
from shoprelay.vendors.mytracker.settings import MyTrackerSettings
from shoprelay.vendors.mytracker.translate import translate

VENDOR = Vendor(
    name="mytracker",
    settings_model=MyTrackerSettings,
    translate=translate,
    read_response=read_http_status,
    placeholder_settings={"app_id": "PLACEHOLDER-APP-ID", "api_token": "PLACEHOLDER-S2S-TOKEN"},
)

__all__ = ["VENDOR", "MyTrackerSettings", "translate"]
