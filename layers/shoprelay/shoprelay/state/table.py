"""Conditional-write primitives over the state table.

Every claim is a conditional write, so two Lambda containers racing on the same webhook or
the same vendor effect cannot both win; that is what makes "exactly once per vendor" hold
under SNS and SQS at-least-once delivery.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shoprelay.lazy import aws_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

_CONDITION_FAILED = "ConditionalCheckFailedException"
_TRANSACTION_CANCELLED = "TransactionCanceledException"
PENDING = "pending"
DONE = "done"


def _now() -> int:
    return int(time.time())


def _delivery_key(key: str) -> str:
    """A fixed-size key for a delivery: header values are the sender's, of any length, while
    DynamoDB refuses partition keys over 2 KB (which would read as an outage and a 503)."""
    return "delivery#" + hashlib.sha256(key.encode("utf-8", errors="surrogateescape")).hexdigest()


class StateTable:
    """Thin, typed access to the table; one instance per container."""

    def __init__(self, name: str | None = None, client: DynamoDBClient | None = None) -> None:
        self.name = name or os.environ["STATE_TABLE"]
        self.client: DynamoDBClient = client or aws_client("dynamodb")

    # -- deliveries (ingress idempotency) ------------------------------------------------

    def claim_deliveries(self, keys: Iterable[str], ttl_seconds: int) -> bool:
        """Record the webhook's delivery keys at once; False when any was seen already."""
        expires = str(_now() + ttl_seconds)
        items: list[Any] = [
            {
                "Put": {
                    "TableName": self.name,
                    "Item": {"pk": {"S": _delivery_key(key)}, "sk": {"S": "-"}, "expires_at": {"N": expires}},
                    "ConditionExpression": "attribute_not_exists(pk) OR expires_at < :now",
                    "ExpressionAttributeValues": {":now": {"N": str(_now())}},
                }
            }
            for key in dict.fromkeys(keys)
        ]
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] in {_TRANSACTION_CANCELLED, _CONDITION_FAILED}:
                reasons = error.response.get("CancellationReasons", [])
                if not reasons or any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
                    return False
            raise
        return True

    def release_deliveries(self, keys: Iterable[str]) -> None:
        """Forget a claim whose webhook could not be published, so Shopify's retry works."""
        for key in dict.fromkeys(keys):
            self.client.delete_item(TableName=self.name, Key={"pk": {"S": _delivery_key(key)}, "sk": {"S": "-"}})

    # -- order memory ----------------------------------------------------------------------

    def put_order(self, shop: str, order_id: str, document: str, updated_at: int, ttl_seconds: int) -> None:
        """Keep the newest description of an order; a late, older webhook never overwrites it."""
        try:
            self.client.put_item(
                TableName=self.name,
                Item={
                    "pk": {"S": f"order#{shop}#{order_id}"},
                    "sk": {"S": "memory"},
                    "order": {"S": document},
                    "updated_at": {"N": str(updated_at)},
                    "expires_at": {"N": str(_now() + ttl_seconds)},
                },
                ConditionExpression="attribute_not_exists(pk) OR updated_at <= :updated",
                ExpressionAttributeValues={":updated": {"N": str(updated_at)}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != _CONDITION_FAILED:
                raise

    def get_order(self, shop: str, order_id: str) -> str | None:
        item = self.client.get_item(
            TableName=self.name,
            Key={"pk": {"S": f"order#{shop}#{order_id}"}, "sk": {"S": "memory"}},
            ConsistentRead=True,
        ).get("Item")
        if not item or int(item.get("expires_at", {}).get("N", "0")) < _now():
            return None
        return item["order"]["S"]

    # -- vendor effects (delivery idempotency) --------------------------------------------

    def effects(self, subject: str) -> dict[str, str]:
        """Every effect record for one (shop, vendor, order): ``effect#part`` → status."""
        found: dict[str, str] = {}
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"effect#{subject}"}},
            "ConsistentRead": True,
        }
        while True:
            page = self.client.query(**kwargs)
            for item in page.get("Items", []):
                found[item["sk"]["S"]] = item["status"]["S"]
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def claim_effect(self, subject: str, key: str, lease_seconds: int, ttl_seconds: int) -> bool:
        """Take the right to cause one effect; False when done, or held by a live attempt.

        A claim whose holder died (a crashed or timed-out container) expires after
        ``lease_seconds`` and can be taken again, so a crash never blocks an effect forever.
        """
        now = _now()
        try:
            self.client.put_item(
                TableName=self.name,
                Item={
                    "pk": {"S": f"effect#{subject}"},
                    "sk": {"S": key},
                    "status": {"S": PENDING},
                    "lease_until": {"N": str(now + lease_seconds)},
                    "expires_at": {"N": str(now + ttl_seconds)},
                },
                ConditionExpression="attribute_not_exists(pk) OR (#status = :pending AND lease_until < :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":pending": {"S": PENDING}, ":now": {"N": str(now)}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == _CONDITION_FAILED:
                return False
            raise
        return True

    def complete_effect(self, subject: str, key: str) -> None:
        self.client.update_item(
            TableName=self.name,
            Key={"pk": {"S": f"effect#{subject}"}, "sk": {"S": key}},
            UpdateExpression="SET #status = :done REMOVE lease_until",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":done": {"S": DONE}},
        )

    def release_effect(self, subject: str, key: str) -> None:
        """Give a claim back after a failed attempt so the retry can take it at once."""
        try:
            self.client.delete_item(
                TableName=self.name,
                Key={"pk": {"S": f"effect#{subject}"}, "sk": {"S": key}},
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":pending": {"S": PENDING}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != _CONDITION_FAILED:
                raise
