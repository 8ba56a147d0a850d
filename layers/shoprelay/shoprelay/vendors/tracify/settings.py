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

import msgspec

from shoprelay.vendors.base import Secret, VendorSettings

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class TracifySettings(VendorSettings, frozen=True, kw_only=True):
    """One shop's Tracify account and the choices its purchase events depend on."""

    api_key: Secret
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

    def __post_init__(self) -> None:
        if not _UUID.match(self.customer_site_id):
            raise ValueError("customer_site_id: must be the UUID Tracify issued (8-4-4-4-12 hex digits)")
        if self.storefront_origin is not None:
            trimmed = self.storefront_origin.rstrip("/")
            parts = urlsplit(trimmed)
            if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path or parts.query:
                raise ValueError("storefront_origin: must be scheme and host only, like https://www.example.com")
            msgspec.structs.force_setattr(self, "storefront_origin", trimmed)
