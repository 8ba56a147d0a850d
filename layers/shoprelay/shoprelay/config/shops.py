"""Where a shop's secrets and vendor settings live, and who may read which.

Layout under ``SSM_PREFIX`` (``/shoprelay/<stage>``)::

    shops/<shop>/webhook-secret            SecureString  the signing secret the shop uses now
    shops/<shop>/webhook-secret-previous   SecureString  optional: the one before a rotation
    shops/<shop>/vendors                   String        the vendors the shop's events go to,
                                                         comma-separated (``edrone,tracify``);
                                                         ``-`` or no parameter means none
    shops/<shop>/vendors/<vendor>          SecureString  JSON settings for one vendor

``<shop>`` is a host name (``demo-shop.myshopify.com``, ``shop.example.com``): lower-case
letters, digits, dots and hyphens, see :data:`SHOP_KEY_PATTERN`.

The split is what least privilege needs: the ingress reads the two secrets and the plain
vendor list, and never decrypts a vendor credential; each vendor function reads
``shops/*/vendors/<its vendor>`` and nothing else, so a flaw in one vendor's code cannot
reach another vendor's credentials or a webhook secret. The IAM grants in template.yaml
follow the same split, and tests/unit/test_least_privilege.py keeps them there.

Every read is by exact name (``GetParameters`` with the two or three names at once, or
``GetParameter``), never by path: SSM's higher-throughput setting raises the limit of reads
by name, not of reads by path (docs/scaling.md). Values are cached per container
(``POWERTOOLS_PARAMETERS_MAX_AGE`` seconds), so a burst of webhooks for one shop costs one
call. Shops nobody registered cost nothing at all, see :mod:`shoprelay.config.known`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shoprelay.aws import ssm_provider

if TYPE_CHECKING:
    from collections.abc import Iterable

    from shoprelay.config.known import KnownShops

SHOP_KEY_PATTERN = re.compile(r"^(?!.*\.\.)[a-z0-9][a-z0-9.-]{0,252}$")
"""A shop's key: a normalised host name, bounded in length, so it cannot change an SSM path."""
SHOP_DOMAIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}\.myshopify\.com$")
"""Shopify shop domains: the Shopify source refuses anything else before any lookup."""
VENDOR_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]{0,39}$")
NO_VENDORS = "-"
"""The vendor list's value when a shop has none (SSM refuses an empty value)."""

SECRET_LEAF = "webhook-secret"  # noqa: S105 - a parameter name, not a secret
PREVIOUS_SECRET_LEAF = "webhook-secret-previous"  # noqa: S105
VENDORS_LEAF = "vendors"


class ShopSettingsError(ValueError):
    """A shop's parameter exists but is not usable (for example, invalid JSON)."""


def _masked(secrets: tuple[str, ...]) -> str:
    return f"<{len(secrets)} secret{'s' if len(secrets) != 1 else ''}>"


@dataclass(frozen=True)
class ShopConfig:
    """What the ingress needs to accept a shop's webhook: its secrets and its vendors."""

    shop: str
    secrets: tuple[str, ...] = field(repr=False)
    """Current secret first, then the previous one during a rotation."""
    vendors: tuple[str, ...] = ()
    """The vendors the shop's events go to, from its vendor list."""

    def __repr__(self) -> str:
        return f"ShopConfig(shop={self.shop!r}, secrets={_masked(self.secrets)}, vendors={self.vendors!r})"

    __str__ = __repr__

    @property
    def enabled_vendors(self) -> list[str]:
        return sorted(self.vendors)


def parameter_prefix() -> str:
    return os.environ.get("SSM_PREFIX", "/shoprelay/dev").rstrip("/")


def parameter_name(prefix: str, shop: str, leaf: str) -> str:
    """The full name of one of a shop's parameters."""
    return f"{prefix.rstrip('/')}/shops/{shop}/{leaf}"


def vendor_leaf(vendor: str) -> str:
    return f"{VENDORS_LEAF}/{vendor}"


def valid_shop_key(shop: str) -> bool:
    return bool(SHOP_KEY_PATTERN.fullmatch(shop))


def parse_vendor_list(text: str | None) -> tuple[str, ...]:
    """The vendor list's names; a malformed entry is an error, not a vendor silently dropped."""
    if text is None or text.strip() in ("", NO_VENDORS):
        return ()
    names = [name.strip() for name in text.split(",") if name.strip()]
    bad = [name for name in names if not VENDOR_NAME_PATTERN.fullmatch(name)]
    if bad:
        raise ShopSettingsError(f"the vendor list holds {len(bad)} malformed name(s); expected e.g. 'edrone,tracify'")
    return tuple(sorted(set(names)))


def format_vendor_list(vendors: Iterable[str]) -> str:
    names = sorted(set(vendors))
    for name in names:
        if not VENDOR_NAME_PATTERN.fullmatch(name):
            raise ShopSettingsError(f"{name!r} is not a vendor name")
    return ",".join(names) or NO_VENDORS


def settings_enable_vendor(text: str) -> bool:
    """Whether settings put the vendor in the shop's list: all but ``"enabled": false``.

    Unreadable settings count as enabled, so the vendor function dead-letters the event with
    the reason instead of the event silently going nowhere.
    """
    try:
        parsed = json.loads(text)
    except ValueError:
        return True
    return not (isinstance(parsed, dict) and parsed.get("enabled", True) is False)


def _max_age() -> int:
    return int(os.environ.get("POWERTOOLS_PARAMETERS_MAX_AGE", "300"))


def _read_by_name(names: list[str]) -> dict[str, str]:
    """The values of the parameters that exist among ``names``, cached as a whole.

    One ``GetParameters`` call per cache period, absent names included: Powertools caches
    only the names it found, so a shop without a previous secret would cost a call per
    webhook. The cache lives in Powertools' SSM provider, so ``parameters.clear_caches()``
    empties it too.
    """
    provider = ssm_provider()  # the configured client, not botocore's 60 s defaults
    key = ("shoprelay:by-name", "\n".join(names))
    if provider.has_not_expired_in_cache(key):
        cached: dict[str, str] = provider.fetch_from_cache(key)
        return cached
    response = provider.client.get_parameters(Names=names, WithDecryption=True)
    values = {item["Name"]: item["Value"] for item in response.get("Parameters", [])}
    provider.add_to_cache(key, values, _max_age())
    return values


def load_shop_config(shop: str, known: KnownShops | None = None) -> ShopConfig | None:
    """The shop's secrets and vendor list, or None when the shop is unknown or has no secret.

    ``known`` is the list of registered shops (by default the one in ``STATE_TABLE``): a
    shop missing from it is unknown without any SSM call.
    """
    from shoprelay.config.known import known_shops

    if not valid_shop_key(shop) or not (known or known_shops()).may_exist(shop):
        return None
    prefix = parameter_prefix()
    names = {leaf: parameter_name(prefix, shop, leaf) for leaf in (SECRET_LEAF, PREVIOUS_SECRET_LEAF, VENDORS_LEAF)}
    values = _read_by_name(list(names.values()))
    secret = values.get(names[SECRET_LEAF])
    if not secret:
        return None
    previous = values.get(names[PREVIOUS_SECRET_LEAF])
    secrets = (secret, previous) if previous else (secret,)
    return ShopConfig(shop=shop, secrets=secrets, vendors=parse_vendor_list(values.get(names[VENDORS_LEAF])))


def load_vendor_settings(shop: str, vendor: str) -> dict[str, Any] | None:
    """One vendor's raw settings for a shop; None when the shop has none for it."""
    from aws_lambda_powertools.utilities import parameters

    if not valid_shop_key(shop) or not VENDOR_NAME_PATTERN.fullmatch(vendor):
        return None
    name = parameter_name(parameter_prefix(), shop, vendor_leaf(vendor))
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
