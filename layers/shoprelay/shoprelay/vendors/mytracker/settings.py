"""One shop's MyTracker settings: the S2S credentials and the choices the docs leave open."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shoprelay.vendors.base import Credential, NonEmpty, VendorSettings

PRODUCTION_ENDPOINT = "https://tracker-s2s.my.com"


class MyTrackerSettings(VendorSettings):
    """Settings for MyTracker's S2S ``order`` / ``orderBatch`` methods.

    Inherited choices keep their shared defaults: ``order_id_field="id"`` (it must match
    the ``order_id`` the storefront counter sends, or web and server events never meet)
    and ``currency="shop"`` (MyTracker orders carry one ``currency_code``).
    """

    app_id: NonEmpty = Field(description="The project's `idApp`; it travels in the query string, not in a header.")
    api_token: Credential = Field(
        description="The S2S token, sent raw in `Authorization` (MyTracker refuses a `Bearer` prefix)."
    )
    lvid_attribute: NonEmpty = Field(
        "_mytracker_lvid",
        description=(
            "Cart attribute where the storefront stores the MyTracker visitor id (`lvid`). The server "
            "cannot derive an `lvid`; only the storefront's counter knows it, so the theme has to copy "
            "it into the cart. Values that are not exactly 32 characters are ignored, as MyTracker "
            "would reject the whole request for them."
        ),
    )
    send_custom_user_id_with_lvid: bool = Field(
        False,
        description=(
            "Also send `customUserId` when an `lvid` is known. Off by default: `customUserId` is the "
            "fallback for orders without a visitor id. Shops whose counter calls `setUserID` with the "
            "Shopify customer id gain a second way to match by turning it on."
        ),
    )
    send_client_context: bool = Field(
        True,
        description=(
            "Send the buyer's IP (`ipv4`/`ipv6`) and `userAgent` captured at checkout. Without them "
            "MyTracker attributes the event to its S2S caller's context (no geo, no device). Shops "
            "whose privacy notice does not cover sharing them can turn it off."
        ),
    )
    item_id_source: Literal["variant", "product", "sku"] = Field(
        "variant",
        description=(
            "Which product id goes into `item_id`; it should match what the storefront's `mt_order` "
            "tag sends. Falls back to the most specific id the line has."
        ),
    )
    use_batch: bool = Field(
        False,
        description=(
            "Send through `orderBatch` instead of `order`, each request an array of one flat element "
            "(the order's fields written flat, with the identity and context fields beside them, as in "
            "MyTracker's batch example). An event is one order action and a part of a split order "
            "fills a request by itself, so a batch never holds more than one element and gains "
            "nothing over `order`; the option is for accounts whose MyTracker contact asks for the "
            "batch method."
        ),
    )
    requests_per_second: float | None = Field(
        10.0,
        gt=0,
        le=10_000,
        description=(
            "The most requests per second to the shop's app, across every invocation. MyTracker "
            "states no limit for its S2S API; its other APIs allow 10 a second per account, so 10 "
            "by default; an app known to take more raises it."
        ),
    )
