"""edrone: marketing-automation CRM fed through its Trace API (form POSTs to ``/trace``).

edrone answers 200 with an ``x-edrone-event-id`` header, or 400 with ``{"error": "..."}``;
the shared status reading fits (400 is final, 429 and 5xx are retried).
"""

from __future__ import annotations

from shoprelay.vendors.base import Vendor, read_http_status
from shoprelay.vendors.edrone.settings import EdroneSettings
from shoprelay.vendors.edrone.translate import translate

VENDOR = Vendor(
    name="edrone",
    settings_model=EdroneSettings,
    translate=translate,
    read_response=read_http_status,
    placeholder_settings={"app_id": "PLACEHOLDER-APP-ID"},
)

__all__ = ["VENDOR", "EdroneSettings", "translate"]
