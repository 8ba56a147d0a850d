"""Per-shop edrone settings.

edrone's Trace API authenticates by the ``app_id`` form field alone, so the App ID is the
only credential. The other fields are the choices edrone's documents leave to the integrator.
The shared ``currency`` setting does not apply: edrone always receives both sides of every
amount (``base_*`` in the shop's currency, ``order_*`` in the buyer's).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shoprelay.vendors.base import NonEmpty, VendorSettings

DEFAULT_BASE_URL = "https://api.edrone.me"


class EdroneSettings(VendorSettings):
    """One shop's edrone account and the choices its order and subscription events depend on."""

    app_id: NonEmpty = Field(
        description=(
            "The App ID from edrone's Mission Control. Not a secret: edrone's browser tag shows it on every page."
        )
    )
    c_id_attribute: str = Field(
        "_edrone_c_id",
        description=(
            "Cart attribute the storefront fills with edrone's browser id (`c_id`, kept in "
            "localStorage). Sending it lets edrone join the server-side order to the visitor its tag "
            "has been following."
        ),
    )
    product_id_field: Literal["product", "variant"] = Field(
        "product",
        description=(
            "Which Shopify id becomes `product_ids`; it must match what the storefront tag sends on "
            "product views, and edrone's own platform modules send the parent product, hence the default."
        ),
    )
    send_user_id: bool = Field(
        True,
        description=(
            "Send the shop's customer id as `user_id`; edrone uses it to match customers with GA4. "
            "Turn it off when the storefront tag sends a different `user_id`, so the two never conflict."
        ),
    )
    send_unsubscribes: bool = Field(
        True,
        description=(
            'Relay "not subscribed" consent as `subscriber_status=0`. Shopify reports customers who '
            "never subscribed the same way as those who unsubscribed, so a shop that also collects "
            "subscribers through edrone's own forms should turn this off: otherwise any customer "
            "update in Shopify would unsubscribe them in edrone."
        ),
    )
    body_size_target: int = Field(
        8192,
        ge=1024,
        description=(
            "Bytes an encoded request should stay under. edrone documents no limit; 8 KB is what web "
            "servers and proxies accept for a form body almost everywhere. Over it, titles are "
            "shortened and product links dropped, but products are never removed, so a very large "
            "order is sent whole rather than misstated."
        ),
    )

    def trace_url(self) -> str:
        """The Trace API endpoint, on the production host unless ``endpoint`` overrides it."""
        return f"{(self.endpoint or DEFAULT_BASE_URL).rstrip('/')}/trace"
