"""Per-shop settings for Corvidae's back-end ingress pixel."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, WithJsonSchema

from shoprelay.vendors.addresses import AddressError, check_host
from shoprelay.vendors.base import NonEmpty, VendorSettings

_BARE_HOST = re.compile(r"^[A-Za-z0-9.-]+$")
_TIMEZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*$")


def _tracking_host(value: str) -> str:
    # A scheme or path in the host would silently produce a broken URL on every order.
    if not _BARE_HOST.fullmatch(value):
        raise ValueError("must be a bare host name such as corvidae.example.com (no scheme, port or path)")
    try:
        return check_host(value)
    except AddressError as error:
        raise ValueError(str(error)) from None


def _timezone(value: str) -> str:
    # Checked by shape only: the Lambda image need not carry the tz database.
    if not _TIMEZONE.fullmatch(value):
        raise ValueError("must be an IANA time zone name such as UTC or Europe/London")
    return value


TrackingHost = Annotated[str, AfterValidator(_tracking_host), WithJsonSchema({"type": "string", "format": "hostname"})]


class CorvidaeSettings(VendorSettings):
    """What one shop's Corvidae account needs, and the choices its docs leave to the shop.

    Corvidae has no API key: ``app_id`` identifies the account and the request goes to the
    shop's own first-party tracking subdomain, so both are required. The shared ``endpoint``
    replaces ``https://<tracking_host>`` entirely, for sandboxes.
    """

    app_id: NonEmpty = Field(description="The Corvidae application (client) id the account manager gives the shop.")
    tracking_host: TrackingHost = Field(
        description=(
            "The shop's Corvidae tracking subdomain, a bare host name such as `corvidae.example.com`: "
            "Corvidae serves each client from a first-party CNAME, so there is no shared production "
            "host to fall back on. Hits go to `https://<tracking_host>/i` unless `endpoint` is set."
        )
    )
    digital_property: NonEmpty = Field(
        description=(
            "Must equal a property name configured in the Corvidae account, or the hit is not "
            "attributed; Corvidae cannot guess it, so there is no default."
        )
    )
    conversion_name: NonEmpty = Field(
        "Sale", description="Must equal a conversion type configured in Corvidae; `Sale` is the docs' own example."
    )
    timezone: Annotated[str, AfterValidator(_timezone)] = Field(
        "UTC",
        description=(
            "IANA name of the sender's time zone. Lambda runs in UTC and the hit's timestamp is UTC, "
            "so UTC is the honest default; a shop may mirror what its web pixel reports instead."
        ),
    )
    send_user_id: bool = Field(
        True,
        description=(
            "Send the shop's customer id as `userId`. A shop whose web pixel uses another user id (or "
            "none) turns this off, so the two never disagree about who bought."
        ),
    )
    visitor_id_attribute: str = Field(
        "_corvidae_visitor_id",
        description=(
            "Cart attribute where the storefront stores Corvidae's visitor id: the only way the "
            "browser's id reaches a server-side order."
        ),
    )
    session_id_attribute: str = Field(
        "_corvidae_session_id", description="Cart attribute where the storefront stores Corvidae's session id."
    )
