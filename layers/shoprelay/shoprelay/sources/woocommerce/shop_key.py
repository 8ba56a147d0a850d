"""The shop key of a WooCommerce site: its ``X-WC-Webhook-Source`` URL, normalised.

WooCommerce names the sending site by its home URL (``https://Shop.Example.com/``). The key
is that URL's host, lower-cased, IDNA-encoded and without a trailing dot, followed by the
path of a site installed in a subdirectory with each ``/`` written as ``.``:

    https://Shop.Example.com/        ->  shop.example.com
    https://www.example.com/store/   ->  www.example.com.store
    http://example.com:8080/         ->  example.com

Scheme, port, query, fragment and credentials are left out: they change when a site moves
to HTTPS or behind a proxy, and the shop's parameters must not move with them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_SEGMENT = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LONGEST_KEY = 200


class ShopSourceError(ValueError):
    """The source header is not a site URL a shop key can be made from."""


def shop_key(source: str) -> str:
    """The key under which the site's secret and vendor settings are kept."""
    text = source.strip()
    try:
        parts = urlsplit(text if "//" in text else f"//{text}")
        host = parts.hostname
    except ValueError:
        raise ShopSourceError("X-WC-Webhook-Source is not a URL") from None
    if not host:
        raise ShopSourceError("X-WC-Webhook-Source names no host")
    try:
        host = host.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ShopSourceError("X-WC-Webhook-Source has a host that is not a valid name") from None
    segments = [segment.lower() for segment in parts.path.split("/") if segment]
    labels = [*host.split("."), *segments]
    if len(labels) < 2 or not all(_SEGMENT.fullmatch(label) for label in labels):
        raise ShopSourceError("X-WC-Webhook-Source is not a site address shoprelay can key")
    key = ".".join(labels)
    if len(key) > _LONGEST_KEY:
        raise ShopSourceError("X-WC-Webhook-Source is too long")
    return key
