"""The demo shop the local stack and the tests configure: one shop, every vendor enabled."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shoprelay_tools.sandboxes.base import Sandbox

DEMO_SHOP = "demo-shop.myshopify.com"
DEMO_SECRET = "shoprelay-demo-secret"  # noqa: S105 - documented, local-only demo value


def parameter_name(prefix: str, shop: str, leaf: str) -> str:
    return f"{prefix.rstrip('/')}/shops/{shop}/{leaf}"


def seed_shop(
    ssm: Any,
    prefix: str,
    shop: str,
    secret: str,
    vendors: Mapping[str, Mapping[str, Any]],
    *,
    previous_secret: str | None = None,
) -> None:
    """Write a shop's parameters exactly as the README tells a deployer to."""
    ssm.put_parameter(
        Name=parameter_name(prefix, shop, "webhook-secret"), Value=secret, Type="SecureString", Overwrite=True
    )
    if previous_secret:
        ssm.put_parameter(
            Name=parameter_name(prefix, shop, "webhook-secret-previous"),
            Value=previous_secret,
            Type="SecureString",
            Overwrite=True,
        )
    for vendor, settings in vendors.items():
        ssm.put_parameter(
            Name=parameter_name(prefix, shop, f"vendors/{vendor}"),
            Value=json.dumps(settings),
            Type="SecureString",
            Overwrite=True,
        )


# -- the demo vendor accounts -------------------------------------------------------------
# Made-up credentials that the local sandboxes are constructed with and the demo shop's
# settings carry, so every vendor accepts the demo shop's requests. Local-only values.
DEMO_EDRONE_APP_ID = "demo-edrone-app"
DEMO_MYTRACKER_APP_ID = "123456"
DEMO_MYTRACKER_TOKEN = "demo-mytracker-s2s-token"  # noqa: S105
DEMO_TRACIFY_API_KEY = "demo-tracify-api-key"
DEMO_TRACIFY_SITE_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
DEMO_STOREFRONT_ORIGIN = "https://demo-shop.example"
DEMO_CORVIDAE_APP_ID = "demo-corvidae-app"
DEMO_CORVIDAE_PROPERTY = "demo-shop"
DEMO_CORVIDAE_HOST = "corvidae.demo-shop.example"
DEMO_ESPUTNIK_API_KEY = "demo-esputnik-api-key"


def demo_vendor_settings(url_for: Callable[[str], str]) -> dict[str, dict[str, Any]]:
    """The demo shop's settings for all five vendors, each pointed at ``url_for(vendor)``.

    Test orders are relayed (the bundled samples are Shopify test orders) and the timeout is
    short so a sandbox told to hang shows up as a retry within seconds.
    """
    common: dict[str, Any] = {"send_test_orders": True, "timeout_seconds": 2}
    accounts: dict[str, dict[str, Any]] = {
        "edrone": {"app_id": DEMO_EDRONE_APP_ID},
        "mytracker": {"app_id": DEMO_MYTRACKER_APP_ID, "api_token": DEMO_MYTRACKER_TOKEN},
        "tracify": {
            "api_key": DEMO_TRACIFY_API_KEY,
            "customer_site_id": DEMO_TRACIFY_SITE_ID,
            "storefront_origin": DEMO_STOREFRONT_ORIGIN,
        },
        "corvidae": {
            "app_id": DEMO_CORVIDAE_APP_ID,
            "tracking_host": DEMO_CORVIDAE_HOST,
            "digital_property": DEMO_CORVIDAE_PROPERTY,
        },
        "esputnik": {"api_key": DEMO_ESPUTNIK_API_KEY},
    }
    return {vendor: {**account, **common, "endpoint": url_for(vendor)} for vendor, account in accounts.items()}


def demo_sandboxes() -> dict[str, Sandbox]:
    """One sandbox per vendor, expecting the demo accounts' credentials."""
    from shoprelay_tools.sandboxes.corvidae import CorvidaeSandbox
    from shoprelay_tools.sandboxes.edrone import EdroneSandbox
    from shoprelay_tools.sandboxes.esputnik import EsputnikSandbox
    from shoprelay_tools.sandboxes.mytracker import MyTrackerSandbox
    from shoprelay_tools.sandboxes.tracify import TracifySandbox

    return {
        "edrone": EdroneSandbox(app_id=DEMO_EDRONE_APP_ID),
        "mytracker": MyTrackerSandbox(app_id=DEMO_MYTRACKER_APP_ID, token=DEMO_MYTRACKER_TOKEN),
        "tracify": TracifySandbox(api_key=DEMO_TRACIFY_API_KEY, customer_site_id=DEMO_TRACIFY_SITE_ID),
        "corvidae": CorvidaeSandbox(app_id=DEMO_CORVIDAE_APP_ID, digital_property=DEMO_CORVIDAE_PROPERTY),
        "esputnik": EsputnikSandbox(api_key=DEMO_ESPUTNIK_API_KEY),
    }
