"""The demo shop the local stack and the tests configure: one shop, every vendor enabled."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import TYPE_CHECKING, Any

from shoprelay.vendors import vendor_names

if TYPE_CHECKING:
    from shoprelay_tools.sandboxes.base import DemoAccount, Sandbox

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


def demo_account(vendor: str) -> DemoAccount:
    """The made-up account defined beside the vendor's sandbox (``sandboxes/<vendor>.py``)."""
    account: DemoAccount = import_module(f"shoprelay_tools.sandboxes.{vendor}").DEMO
    return account


def demo_vendor_settings(url_for: Callable[[str], str]) -> dict[str, dict[str, Any]]:
    """The demo shop's settings for every vendor, each pointed at ``url_for(vendor)``.

    Test orders are relayed (the bundled samples are Shopify test orders) and the timeout is
    short so a sandbox told to hang shows up as a retry within seconds.
    """
    common: dict[str, Any] = {"send_test_orders": True, "timeout_seconds": 2}
    return {
        vendor: {**demo_account(vendor).settings, **common, "endpoint": url_for(vendor)} for vendor in vendor_names()
    }


def demo_sandboxes() -> dict[str, Sandbox]:
    """One sandbox per vendor, expecting the demo accounts' credentials."""
    return {vendor: demo_account(vendor).sandbox() for vendor in vendor_names()}
