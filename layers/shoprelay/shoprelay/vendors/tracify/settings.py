"""Per-shop Tracify settings.

Tracify's documents leave several choices open or contradict each other (decimal separator,
the ``cc`` workaround, email normalisation before hashing). Each choice is a field here with
the default the README documents, so a shop can follow what
its Tracify account manager confirms without a code change.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from shoprelay.vendors.base import VendorSettings

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class TracifySettings(VendorSettings):
    """One shop's Tracify account and the choices its purchase events depend on."""

    api_key: SecretStr = Field(min_length=1)
    """Sent as the ``tracify-token`` header; a secret, so it never appears in reprs or logs."""

    customer_site_id: str
    """The CSID (a UUID) Tracify's account representative hands out; it names the site in Tracify."""

    storefront_origin: str | None = None
    """Scheme and host of the storefront (``https://www.shop.com``), sent as ``data.origin``.

    It must be the host Tracify's browser pixel sees, which is the shop's own domain rather
    than ``*.myshopify.com``. When unset, the host of the order's status page is used: it is the
    storefront's primary domain on most shops, but not on all, so set this when they differ.
    """

    decimal_separator: Literal[",", "."] = ","
    """Tracify's plugin and the server-side GTM tag send ``100,00``; its docs example shows ``100.00``.

    The default is the comma of the two working integrations; a shop switches to ``.`` if
    its account manager says so.
    """

    send_cc: bool = True
    """Also send the currency as ``cc``: a public server-side tag does so "due to an API bug"
    and the legacy schema used ``cc``. Harmless when not needed, so on by default."""

    email_lowercase: bool = False
    """Lowercase the email before hashing. Tracify's own plugin hashes it as stored (only
    surrounding spaces are stripped here), so matching the pixel means leaving case alone
    unless Tracify confirms it lowercases."""

    send_email_identity: bool = True
    """Send the hashed email (identity class 1). Tracify marks it optional; a shop whose
    consent policy forbids sharing even hashed emails turns it off."""

    item_label: Literal["title", "sku"] = "title"
    """What ``ITEMn`` carries: the docs call it the item's name; Tracify's WooCommerce plugin
    sends the SKU. Lines without a SKU fall back to the title."""

    @field_validator("customer_site_id")
    @classmethod
    def _looks_like_uuid(cls, value: str) -> str:
        if not _UUID.match(value):
            raise ValueError("must be the UUID Tracify issued (8-4-4-4-12 hex digits)")
        return value

    @field_validator("storefront_origin")
    @classmethod
    def _is_bare_origin(cls, value: str | None) -> str | None:
        if value is None:
            return None
        trimmed = value.rstrip("/")
        parts = urlsplit(trimmed)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path or parts.query:
            raise ValueError("must be scheme and host only, like https://www.example.com")
        return trimmed
