"""Where a shop's secrets and vendor settings live, and how they are read.

Layout under ``SSM_PREFIX`` (``/shoprelay/<stage>``), every parameter a SecureString::

    shops/<shop>.myshopify.com/webhook-secret            the signing secret Shopify uses now
    shops/<shop>.myshopify.com/webhook-secret-previous   optional: the one before a rotation
    shops/<shop>.myshopify.com/vendors/<vendor>          JSON settings for one vendor

A shop uses exactly the vendors that have a settings parameter with ``"enabled"`` not
false. Reads go through Powertools parameters, so they are cached per container
(``POWERTOOLS_PARAMETERS_MAX_AGE`` seconds) and a burst of webhooks costs one SSM call;
its SSM client has the timeouts of :func:`shoprelay.aws.ssm_provider`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.utilities import parameters

from shoprelay.aws import ssm_provider

SHOP_DOMAIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}\.myshopify\.com$")
"""Shopify shop domains; anything else is refused before it can reach an SSM path."""

_SECRET = "webhook-secret"  # noqa: S105 - a parameter name, not a secret
_PREVIOUS_SECRET = "webhook-secret-previous"  # noqa: S105
_VENDORS = "vendors/"


class ShopSettingsError(ValueError):
    """A shop's parameter exists but is not usable (for example, invalid JSON)."""


@dataclass(frozen=True)
class ShopConfig:
    shop: str
    secrets: tuple[str, ...]
    """Current secret first, then the previous one during a rotation."""
    vendors: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def enabled_vendors(self) -> list[str]:
        return sorted(name for name, settings in self.vendors.items() if settings.get("enabled", True) is not False)


def parameter_prefix() -> str:
    return os.environ.get("SSM_PREFIX", "/shoprelay/dev").rstrip("/")


def _max_age() -> int:
    return int(os.environ.get("POWERTOOLS_PARAMETERS_MAX_AGE", "300"))


def load_shop_config(shop: str) -> ShopConfig | None:
    """The shop's secrets and vendors, or None when the shop is unknown or has no secret."""
    if not SHOP_DOMAIN_PATTERN.fullmatch(shop):
        return None
    path = f"{parameter_prefix()}/shops/{shop}/"
    ssm_provider()  # the configured client, not botocore's 60 s defaults
    values: dict[str, str] = parameters.get_parameters(path, recursive=True, decrypt=True, max_age=_max_age())
    secret = values.get(_SECRET)
    if not secret:
        return None
    secrets = (secret, values[_PREVIOUS_SECRET]) if values.get(_PREVIOUS_SECRET) else (secret,)
    vendors: dict[str, dict[str, Any]] = {}
    for name, raw in values.items():
        if not name.startswith(_VENDORS):
            continue
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        # An unreadable vendor parameter still counts as enabled, so the vendor function
        # dead-letters the event with the reason instead of the event silently skipping it.
        vendors[name.removeprefix(_VENDORS)] = parsed if isinstance(parsed, dict) else {}
    return ShopConfig(shop=shop, secrets=secrets, vendors=vendors)


def load_vendor_settings(shop: str, vendor: str) -> dict[str, Any] | None:
    """One vendor's raw settings for a shop; None when the shop has none for it."""
    if not SHOP_DOMAIN_PATTERN.fullmatch(shop):
        return None
    name = f"{parameter_prefix()}/shops/{shop}/{_VENDORS}{vendor}"
    ssm_provider()  # the configured client, not botocore's 60 s defaults
    try:
        raw: str = parameters.get_parameter(name, decrypt=True, max_age=_max_age())
    except parameters.exceptions.GetParameterError as error:
        if "ParameterNotFound" in str(error.__cause__ or error):
            return None
        raise
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ShopSettingsError(f"{vendor} settings for {shop} are not valid JSON: {error.msg}") from None
    if not isinstance(parsed, dict):
        raise ShopSettingsError(f"{vendor} settings for {shop} must be a JSON object")
    return parsed
