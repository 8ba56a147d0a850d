"""Per-shop eSputnik (Yespo) settings.

eSputnik's documents offer two ways in for orders and leave several choices open; each
choice is a field here, so a shop can follow what its eSputnik account is set up for without
a code change.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shoprelay.vendors.base import Credential, NonEmpty, VendorSettings


class EsputnikSettings(VendorSettings):
    """One shop's eSputnik account and how its orders reach it."""

    api_key: Credential = Field(
        description=(
            "The API key (Settings → API in eSputnik), sent as the Basic-auth password. It needs "
            "access to contacts and events (event mode) or to orders (orders mode)."
        )
    )
    username: NonEmpty = Field(
        "user",
        description=(
            "The Basic-auth user name. eSputnik ignores it and reads only the key; `user` is what "
            "Yespo's own Shopify app sends."
        ),
    )
    mode: Literal["event", "orders"] = Field(
        "event",
        description=(
            "How orders travel. `event`: the contact is upserted (`/v1/contacts`), then each order "
            "change is an `orderCreated`/`orderUpdated`/`orderDelivered`/`orderCancelled` event "
            "(`/v1/event`), which segmentation by event parameters can use. `orders`: each change "
            "re-sends the whole order to Add orders (`/v1/orders`), which needs no contact upsert but "
            "raises an `order<STATUS>` workflow event every time, so only one call per order status "
            "is made. Carts are `cartUpdated` events in both modes: Add orders has no cart."
        ),
    )
    paid_status: Literal["INITIALIZED", "IN_PROGRESS"] = Field(
        "INITIALIZED",
        description=(
            "The status of a paid order that is not fulfilled yet. Yespo's Shopify app keeps it "
            "`INITIALIZED` (it looks only at fulfilment); its WooCommerce plugin says `IN_PROGRESS` "
            "for paid orders. A shop whose workflows start on `orderIN_PROGRESS` switches to the latter."
        ),
    )
    store_id: str | None = Field(
        None,
        description=(
            "Sent as `storeId` when several shops share one eSputnik account, so their orders can be "
            "told apart; unset for an account with one shop."
        ),
    )
    requests_per_second: float | None = Field(
        1.0,
        gt=0,
        le=10_000,
        description=(
            "The most requests per second to the shop's account, across every invocation. Yespo's "
            "own Shopify app keeps to 60 a minute per account, so 1 by default; an account with a "
            "higher limit raises it."
        ),
    )
