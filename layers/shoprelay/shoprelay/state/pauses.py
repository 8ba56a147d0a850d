"""Which shops, or which of a shop's vendors, are paused: kept in the state table.

A pause holds a shop's events back without deciding anything about them: the ingress still
accepts and publishes every webhook, and a vendor function puts a paused shop's records back
on its queue to wait (:class:`~shoprelay.delivery.app.DeliveryFunction`), until the pause is
lifted. ``enabled: false`` in a shop's settings is different: the vendor is not used, and
its events are skipped with that reason.

One item per pause: ``pk`` ``pause#<shop>``, ``sk`` the vendor, or ``*`` for the whole shop.
A pause has no expiry; only a resume ends it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

EVERY_VENDOR = "*"
_BATCH_KEYS = 100
"""BatchGetItem's most keys per call."""


def _pk(shop: str) -> str:
    return f"pause#{shop}"


@dataclass(frozen=True)
class ShopPause:
    shop: str
    vendor: str
    """A vendor's name, or :data:`EVERY_VENDOR`."""
    since: float
    """Epoch seconds the pause began."""

    def covers(self, vendor: str) -> bool:
        return self.vendor in (vendor, EVERY_VENDOR)


class PauseStore:
    """Pausing and resuming, and the question a vendor function asks before delivering."""

    def __init__(self, table: str, client: DynamoDBClient) -> None:
        self.table = table
        self.client = client

    def pause(self, shop: str, vendor: str | None = None) -> None:
        """Pause the shop at one vendor, or at every vendor; pausing again keeps the first start."""
        self.client.update_item(
            TableName=self.table,
            Key={"pk": {"S": _pk(shop)}, "sk": {"S": vendor or EVERY_VENDOR}},
            UpdateExpression="SET since = if_not_exists(since, :now)",
            ExpressionAttributeValues={":now": {"N": f"{time.time():.3f}"}},
        )

    def resume(self, shop: str, vendor: str | None = None) -> bool:
        """Lift the pause; whether there was one. Resuming the whole shop lifts its vendors' too."""
        if vendor is not None:
            return self._delete(shop, vendor)
        lifted = [self._delete(shop, pause.vendor) for pause in self.pauses(shop)]
        return any(lifted)

    def _delete(self, shop: str, vendor: str) -> bool:
        answer = self.client.delete_item(
            TableName=self.table,
            Key={"pk": {"S": _pk(shop)}, "sk": {"S": vendor}},
            ReturnValues="ALL_OLD",
        )
        return bool(answer.get("Attributes"))

    def pauses(self, shop: str) -> list[ShopPause]:
        """The shop's pauses, read consistently, so a resume counts from the next batch on."""
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": _pk(shop)}},
            "ConsistentRead": True,
        }
        while True:
            page = self.client.query(**query)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                break
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [
            ShopPause(shop=shop, vendor=item["sk"]["S"], since=float(item.get("since", {}).get("N", "0")))
            for item in items
        ]

    def paused(self, shop: str, vendor: str) -> ShopPause | None:
        """The pause that holds the shop's events for ``vendor``, if any."""
        return next((pause for pause in self.pauses(shop) if pause.covers(vendor)), None)

    def paused_shops(self, shops: Iterable[str], vendor: str) -> dict[str, ShopPause]:
        """Which of ``shops`` are paused at ``vendor`` (whole shop or that vendor): one consistent
        read of at most 100 keys, so a vendor function asks once per batch."""
        keys = [
            {"pk": {"S": _pk(shop)}, "sk": {"S": sk}} for shop in sorted(set(shops)) for sk in (EVERY_VENDOR, vendor)
        ]
        found: dict[str, ShopPause] = {}
        for start in range(0, len(keys), _BATCH_KEYS):
            request: dict[str, Any] = {self.table: {"Keys": keys[start : start + _BATCH_KEYS], "ConsistentRead": True}}
            while request:
                answer = self.client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self.table, []):
                    shop = item["pk"]["S"].removeprefix("pause#")
                    since = float(item.get("since", {}).get("N", "0"))
                    found.setdefault(shop, ShopPause(shop=shop, vendor=item["sk"]["S"], since=since))
                request = dict(answer.get("UnprocessedKeys") or {})
        return found
