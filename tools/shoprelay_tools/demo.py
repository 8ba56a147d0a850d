"""The demo shop the local stack and the tests configure: one shop, every vendor enabled."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from typing import TYPE_CHECKING, Any

from shoprelay.config import shops
from shoprelay.config.known import register_shop
from shoprelay.vendors import vendor_names

if TYPE_CHECKING:
    from shoprelay_tools.sandboxes.base import DemoAccount, Sandbox

DEMO_SHOP = "demo-shop.myshopify.com"
DEMO_SECRET = "shoprelay-demo-secret"  # noqa: S105 - documented, local-only demo value


def parameter_name(prefix: str, shop: str, leaf: str) -> str:
    return shops.parameter_name(prefix, shop, leaf)


def _check_shop(shop: str) -> None:
    if not shops.valid_shop_key(shop):
        raise ValueError(f"{shop!r} is not a shop key (a lower-case host name such as demo-shop.myshopify.com)")


def seed_shop(
    ssm: Any,
    prefix: str,
    shop: str,
    secret: str,
    vendors: Mapping[str, Mapping[str, Any]],
    *,
    previous_secret: str | None = None,
    dynamodb: Any,
    table: str,
) -> None:
    """Write a shop's parameters exactly as the README tells a deployer to, and register it.

    ``dynamodb`` and ``table`` are the state table the ingress reads the list of registered
    shops from (:mod:`shoprelay.config.known`); a shop missing there is answered 401.
    """
    _check_shop(shop)
    ssm.put_parameter(
        Name=parameter_name(prefix, shop, shops.SECRET_LEAF), Value=secret, Type="SecureString", Overwrite=True
    )
    if previous_secret:
        ssm.put_parameter(
            Name=parameter_name(prefix, shop, shops.PREVIOUS_SECRET_LEAF),
            Value=previous_secret,
            Type="SecureString",
            Overwrite=True,
        )
    for vendor, settings in vendors.items():
        put_vendor_settings(ssm, prefix, shop, vendor, json.dumps(settings))
    if not vendors:
        write_vendor_list(ssm, prefix, shop, ())
    register_shop(dynamodb, table, shop)


def read_vendor_list(ssm: Any, prefix: str, shop: str) -> tuple[str, ...]:
    """The vendors the ingress sends the shop's events to (empty when the list is missing)."""
    try:
        value = ssm.get_parameter(Name=parameter_name(prefix, shop, shops.VENDORS_LEAF))["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return ()
    return shops.parse_vendor_list(value)


def write_vendor_list(ssm: Any, prefix: str, shop: str, vendors: Iterable[str]) -> None:
    ssm.put_parameter(
        Name=parameter_name(prefix, shop, shops.VENDORS_LEAF),
        Value=shops.format_vendor_list(vendors),
        Type="String",
        Overwrite=True,
    )


def put_vendor_settings(ssm: Any, prefix: str, shop: str, vendor: str, text: str) -> None:
    """Store one vendor's settings (JSON text) for a shop, and keep the shop's vendor list in step.

    The vendor is in the list unless its settings say ``"enabled": false``; settings that are not
    valid JSON still put it there, so its events reach the vendor function and are
    dead-lettered with the reason rather than going nowhere.
    """
    _check_shop(shop)
    if not shops.VENDOR_NAME_PATTERN.fullmatch(vendor):
        raise ValueError(f"{vendor!r} is not a vendor name")
    ssm.put_parameter(
        Name=parameter_name(prefix, shop, shops.vendor_leaf(vendor)), Value=text, Type="SecureString", Overwrite=True
    )
    listed = set(read_vendor_list(ssm, prefix, shop))
    wanted = listed | {vendor} if shops.settings_enable_vendor(text) else listed - {vendor}
    if wanted != listed or not ssm_has(ssm, parameter_name(prefix, shop, shops.VENDORS_LEAF)):
        write_vendor_list(ssm, prefix, shop, wanted)


def ssm_has(ssm: Any, name: str) -> bool:
    return bool(ssm.get_parameters(Names=[name])["Parameters"])


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
        vendor: {**demo_account(vendor).settings, **common, **_local_pace(vendor), "endpoint": url_for(vendor)}
        for vendor in vendor_names()
    }


LOCAL_REQUESTS_PER_SECOND = 100
"""The pace a sandbox is called at when its vendor has a documented limit: the pacing code runs
as deployed, while a burst is not held to a real account's 60 requests a minute."""


def _local_pace(vendor: str) -> dict[str, Any]:
    from shoprelay.vendors import load_vendor

    field = load_vendor(vendor).settings_model.model_fields.get("requests_per_second")
    return {} if field is None or field.default is None else {"requests_per_second": LOCAL_REQUESTS_PER_SECOND}


def demo_sandboxes() -> dict[str, Sandbox]:
    """One sandbox per vendor, expecting the demo accounts' credentials."""
    return {vendor: demo_account(vendor).sandbox() for vendor in vendor_names()}
