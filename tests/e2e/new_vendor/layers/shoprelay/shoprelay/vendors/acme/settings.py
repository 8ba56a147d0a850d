"""Per-shop settings for Acme."""

from __future__ import annotations

from pydantic import Field

from shoprelay.vendors.base import Credential, VendorSettings


class AcmeSettings(VendorSettings):
    """Acme identifies the account by its API key alone."""

    api_key: Credential = Field(description="The key Acme's dashboard shows, sent as `X-Api-Key`.")
