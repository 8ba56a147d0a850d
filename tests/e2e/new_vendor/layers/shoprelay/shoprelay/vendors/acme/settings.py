"""Per-shop settings for Acme."""

from __future__ import annotations

from shoprelay.vendors.base import NonEmpty, VendorSettings


class AcmeSettings(VendorSettings, frozen=True, kw_only=True):
    """Acme identifies the account by its API key alone."""

    api_key: NonEmpty
    """The key Acme's dashboard shows, sent as ``X-Api-Key``."""
