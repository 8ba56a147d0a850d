"""One shop's MyTracker settings: the S2S credentials and the choices the docs leave open."""

from __future__ import annotations

from typing import Literal

from shoprelay.vendors.base import NonEmpty, Secret, VendorSettings

PRODUCTION_ENDPOINT = "https://tracker-s2s.my.com"


class MyTrackerSettings(VendorSettings, frozen=True, kw_only=True):
    """Settings for MyTracker's S2S ``order`` / ``orderBatch`` methods.

    Inherited choices keep their shared defaults: ``order_id_field="id"`` (it must match
    the ``order_id`` the storefront counter sends, or web and server events never meet)
    and ``currency="shop"`` (MyTracker orders carry one ``currency_code``).
    """

    app_id: NonEmpty
    """The project's ``idApp``; it travels in the query string, not in a header."""
    api_token: Secret
    """The S2S token, sent raw in ``Authorization`` (MyTracker refuses a ``Bearer`` prefix).

    A secret type so that settings printed in a log or a traceback never show it.
    """
    lvid_attribute: NonEmpty = "_mytracker_lvid"
    """Cart attribute where the storefront stores the MyTracker visitor id (``lvid``).

    The server cannot derive an ``lvid``; only the storefront's counter knows it, so the
    theme has to copy it into the cart. Values that are not exactly 32 characters are
    ignored, as MyTracker would reject the whole request for them.
    """
    send_custom_user_id_with_lvid: bool = False
    """Also send ``customUserId`` when an ``lvid`` is known.

    Off by default: ``customUserId`` is the fallback for orders without a visitor id. Shops
    whose counter calls ``setUserID`` with the Shopify customer id gain a second way to
    match by turning it on.
    """
    send_client_context: bool = True
    """Send the buyer's IP (``ipv4``/``ipv6``) and ``userAgent`` captured at checkout.

    Without them MyTracker attributes the event to its S2S caller's context (no geo, no
    device). Shops whose privacy notice does not cover sharing them can turn it off.
    """
    item_id_source: Literal["variant", "product", "sku"] = "variant"
    """Which product id goes into ``item_id``; it should match what the storefront's
    ``mt_order`` tag sends. Falls back to the most specific id the line has."""
    use_batch: bool = False
    """Send the parts of a split order through ``orderBatch`` instead of one ``order`` each.

    Off by default: MyTracker does not confirm the batch element shape (its example shows
    flat orders without identity, while each element here is a whole single-call body),
    one bad element fails the whole batch, and a webhook rarely yields more than one
    request anyway.
    """
