"""Per-shop Tracify settings.

Tracify's documents leave several choices open or contradict each other (decimal separator,
the ``cc`` workaround, email normalisation before hashing). Each choice is a field here, so a
shop can follow what its Tracify account manager confirms without a code change.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, WithJsonSchema

from shoprelay.vendors.base import Credential, VendorSettings

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
UUID_FORMAT = "36 characters, hex digits in groups of 8-4-4-4-12, such as 123e4567-e89b-42d3-a456-426614174000"


def _site_id(value: str) -> str:
    if not _UUID.fullmatch(value):
        raise ValueError(f"must be the UUID Tracify issued: {UUID_FORMAT}")
    return value


def _origin(value: str) -> str:
    trimmed = value.rstrip("/")
    parts = urlsplit(trimmed)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path or parts.query or parts.fragment:
        raise ValueError("must be scheme and host only, like https://www.example.com")
    return trimmed


SiteId = Annotated[str, AfterValidator(_site_id), WithJsonSchema({"type": "string", "format": "uuid"})]
Origin = Annotated[str, AfterValidator(_origin), WithJsonSchema({"type": "string", "format": "uri"})]


class TracifySettings(VendorSettings):
    """One shop's Tracify account and the choices its purchase events depend on."""

    api_key: Credential = Field(description="Sent as the `tracify-token` header.")
    customer_site_id: SiteId = Field(
        description=(
            f"The CSID Tracify's account representative hands out; it names the site in Tracify. A UUID: {UUID_FORMAT}."
        )
    )
    storefront_origin: Origin | None = Field(
        None,
        description=(
            "Scheme and host of the storefront (`https://www.shop.com`), sent as `data.origin`. It "
            "must be the host Tracify's browser pixel sees, which is the shop's own domain rather than "
            "`*.myshopify.com`. When unset, the host of the order's status page is used: it is the "
            "storefront's primary domain on most shops, but not on all, so set this when they differ."
        ),
    )
    currency: Literal["shop", "buyer"] = Field(
        "buyer",
        description=(
            'Tracify\'s docs ask for "the currency used to make the purchase": what the buyer paid '
            "(Shopify's presentment currency) by default; `shop` sends the shop's currency instead."
        ),
    )
    decimal_separator: Literal[",", "."] = Field(
        ",",
        description=(
            "Tracify's plugin and the server-side GTM tag send `100,00`; its docs example shows "
            "`100.00`. The default is the comma of the two working integrations; a shop switches to "
            "`.` if its account manager says so."
        ),
    )
    send_cc: bool = Field(
        True,
        description=(
            'Also send the currency as `cc`: a public server-side tag does so "due to an API bug" and '
            "the legacy schema used `cc`. Harmless when not needed, so on by default."
        ),
    )
    email_lowercase: bool = Field(
        False,
        description=(
            "Lowercase the email before hashing. Tracify's own plugin hashes it as stored (only "
            "surrounding spaces are stripped here), so matching the pixel means leaving case alone "
            "unless Tracify confirms it lowercases."
        ),
    )
    send_email_identity: bool = Field(
        True,
        description=(
            "Send the hashed email (identity class 1). Tracify marks it optional; a shop whose consent "
            "policy forbids sharing even hashed emails turns it off."
        ),
    )
    item_label: Literal["title", "sku"] = Field(
        "title",
        description=(
            "What `ITEMn` carries: the docs call it the item's name; Tracify's WooCommerce plugin sends "
            "the SKU. Lines without a SKU fall back to the title."
        ),
    )
