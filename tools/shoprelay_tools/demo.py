"""The demo shop the local stack and the tests configure: one shop, every vendor enabled."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

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
