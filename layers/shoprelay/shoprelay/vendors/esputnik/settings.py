"""Per-shop eSputnik (Yespo) settings.

eSputnik's documents offer two ways in for orders and leave several choices open; each
choice is a field here, with the default the README documents,
so a shop can follow what its eSputnik account is set up for without a code change.
"""

from __future__ import annotations

from typing import Literal

from shoprelay.vendors.base import NonEmpty, Secret, VendorSettings


class EsputnikSettings(VendorSettings, frozen=True, kw_only=True):
    """One shop's eSputnik account and how its orders reach it."""

    api_key: Secret
    """The API key (Settings → API in eSputnik), sent as the Basic-auth password; a secret,
    so it never appears in reprs or logs. It needs access to contacts and events (event mode)
    or to orders (orders mode)."""

    username: NonEmpty = "user"
    """The Basic-auth user name. eSputnik ignores it and reads only the key; ``user`` is what
    Yespo's own Shopify app sends."""

    mode: Literal["event", "orders"] = "event"
    """How orders travel, as the vendor semantics decide.

    ``event`` (default): the contact is upserted (``/v1/contacts``), then each order change is
    an ``orderCreated``/``orderUpdated``/``orderDelivered``/``orderCancelled`` event
    (``/v1/event``), which segmentation by event parameters can use. ``orders``: each change
    re-sends the whole order to Add orders (``/v1/orders``), which needs no contact upsert
    but raises an ``order<STATUS>`` workflow event every time, so only one call per order
    status is made. Carts are ``cartUpdated`` events in both modes: Add orders has no cart.
    """

    paid_status: Literal["INITIALIZED", "IN_PROGRESS"] = "INITIALIZED"
    """The status of a paid order that is not fulfilled yet. Yespo's Shopify app keeps it
    ``INITIALIZED`` (it looks only at fulfilment); its WooCommerce plugin says
    ``IN_PROGRESS`` for paid orders. A shop whose workflows start on ``orderIN_PROGRESS``
    switches to the latter."""

    store_id: str | None = None
    """Sent as ``storeId`` when several shops share one eSputnik account, so their orders can
    be told apart; unset for an account with one shop."""
