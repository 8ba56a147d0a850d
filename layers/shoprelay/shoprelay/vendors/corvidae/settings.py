"""Per-shop settings for Corvidae's back-end ingress pixel."""

from __future__ import annotations

import re

import msgspec

from shoprelay.vendors.base import NonEmpty, VendorSettings

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_TIMEZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*$")


class CorvidaeSettings(VendorSettings, frozen=True, kw_only=True):
    """What one shop's Corvidae account needs, and the choices its docs leave to the shop.

    Corvidae has no API key: ``app_id`` identifies the account and the request goes to the
    shop's own first-party tracking subdomain, so both are required. ``endpoint`` (from
    :class:`VendorSettings`) replaces ``https://<tracking_host>`` entirely, for sandboxes.
    """

    app_id: NonEmpty
    """The Corvidae application (client) id the account manager gives the shop."""
    tracking_host: str
    """The shop's Corvidae tracking subdomain, a bare host name such as
    ``corvidae.example.com``: Corvidae serves each client from a first-party CNAME, so there is
    no shared production host to fall back on."""
    digital_property: NonEmpty
    """Must equal a property name configured in the Corvidae account, or the hit is not
    attributed; Corvidae cannot guess it, so there is no default."""
    conversion_name: NonEmpty = "Sale"
    """Must equal a conversion type configured in Corvidae; ``Sale`` is the docs' own example."""
    timezone: str = "UTC"
    """IANA name of the sender's time zone. Lambda runs in UTC and ``timestamp`` is UTC, so
    UTC is the honest default; a shop may mirror what its web pixel reports instead."""
    send_user_id: bool = True
    """Send the shop's customer id as ``userId``. A shop whose web pixel uses another user id
    (or none) turns this off, so the two never disagree about who bought."""
    visitor_id_attribute: str = "_corvidae_visitor_id"
    """Cart attribute where the storefront stores Corvidae's visitor id: the only way the
    browser's id reaches a server-side order."""
    session_id_attribute: str = "_corvidae_session_id"
    """Cart attribute where the storefront stores Corvidae's session id."""

    def __post_init__(self) -> None:
        # A scheme or path in the host would silently produce a broken URL on every order.
        if not _HOSTNAME.fullmatch(self.tracking_host):
            raise ValueError(
                "tracking_host: must be a bare host name such as corvidae.example.com (no scheme, port or path)"
            )
        msgspec.structs.force_setattr(self, "tracking_host", self.tracking_host.lower())
        # The zone is checked by shape only: the Lambda image need not carry the tz database.
        if not _TIMEZONE.fullmatch(self.timezone):
            raise ValueError("timezone: must be an IANA time zone name such as UTC or Europe/London")
