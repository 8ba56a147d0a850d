"""The list of registered shops, so that a request naming any other shop costs no SSM call.

Before the ingress can check a signature it must read the shop's secret, and the request
naming the shop is not yet authenticated: without this list anyone could make every request
name a new shop and spend the account's SSM throughput, which the vendor functions share.
The list is one item of the state table (a string set), read once per cache period per
container; a shop missing from it is re-checked at most once every
``KNOWN_SHOPS_RECHECK_SECONDS``, so a newly registered shop is accepted within seconds while a
flood of made-up names costs one small read per interval, whatever its size.

The item holds about 13,000 shops of 30 characters before it reaches DynamoDB's 400 KB item
limit, more than SSM's standard tier has parameters for. Shops are registered by
``shoprelay_tools.demo.seed_shop`` (and the CLI commands built on it).
"""

from __future__ import annotations

import os
import time
from typing import Any

from shoprelay.aws import SYNCHRONOUS_ATTEMPTS, aws_client, ssm_provider

KNOWN_SHOPS_ITEM = {"pk": {"S": "config#known-shops"}, "sk": {"S": "-"}}
_SHOPS_ATTRIBUTE = "shops"
_LIST_KEY = ("shoprelay:known-shops", "list")
_CHECKED_KEY = ("shoprelay:known-shops", "checked")


def _max_age() -> int:
    return int(os.environ.get("POWERTOOLS_PARAMETERS_MAX_AGE", "300"))


def _recheck_seconds() -> float:
    return float(os.environ.get("KNOWN_SHOPS_RECHECK_SECONDS", "10"))


def register_shop(client: Any, table: str, shop: str) -> None:
    """Add ``shop`` to the list (idempotent; concurrent registrations do not overwrite each other)."""
    client.update_item(
        TableName=table,
        Key=KNOWN_SHOPS_ITEM,
        UpdateExpression="ADD #shops :shop",
        ExpressionAttributeNames={"#shops": _SHOPS_ATTRIBUTE},
        ExpressionAttributeValues={":shop": {"SS": [shop]}},
    )


def unregister_shop(client: Any, table: str, shop: str) -> None:
    client.update_item(
        TableName=table,
        Key=KNOWN_SHOPS_ITEM,
        UpdateExpression="DELETE #shops :shop",
        ExpressionAttributeNames={"#shops": _SHOPS_ATTRIBUTE},
        ExpressionAttributeValues={":shop": {"SS": [shop]}},
    )


def read_known_shops(client: Any, table: str) -> frozenset[str]:
    item = client.get_item(TableName=table, Key=KNOWN_SHOPS_ITEM, ProjectionExpression=_SHOPS_ATTRIBUTE).get("Item")
    return frozenset((item or {}).get(_SHOPS_ATTRIBUTE, {}).get("SS", []))


class KnownShops:
    """The cached list. Its entries live in Powertools' SSM provider cache, beside the shops'
    parameters, so ``parameters.clear_caches()`` forgets both at once."""

    def __init__(self, client: Any = None, table: str | None = None) -> None:
        # A client of its own, built on first use: one made at import would keep the endpoint
        # of whatever environment first imported this module.
        self.client = client if client is not None else aws_client("dynamodb", SYNCHRONOUS_ATTEMPTS)
        self.table = table

    def may_exist(self, shop: str) -> bool:
        """False only when the shop is not registered: no SSM call can find it."""
        provider = ssm_provider()
        if provider.has_not_expired_in_cache(_LIST_KEY):
            if shop in provider.fetch_from_cache(_LIST_KEY):
                return True
            if provider.has_not_expired_in_cache(_CHECKED_KEY):
                return False
        return shop in self._refresh(provider)

    def _refresh(self, provider: Any) -> frozenset[str]:
        shops = read_known_shops(self.client, self.table or os.environ["STATE_TABLE"])
        provider.add_to_cache(_LIST_KEY, shops, _max_age())
        recheck = _recheck_seconds()
        if recheck > 0:
            provider.add_to_cache(_CHECKED_KEY, time.time(), max(1, round(recheck)))
        return shops


_KNOWN = KnownShops()


def known_shops() -> KnownShops:
    return _KNOWN
