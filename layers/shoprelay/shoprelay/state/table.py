"""Conditional-write primitives over the state table.

Every claim is a conditional write, so two Lambda containers racing on the same webhook or
the same vendor effect cannot both win; that is what makes "exactly once per vendor" hold
under SNS and SQS at-least-once delivery.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shoprelay.aws import aws_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

    from shoprelay.canonical import Order

_CONDITION_FAILED = "ConditionalCheckFailedException"
PENDING = "pending"
DONE = "done"
_CLAIMABLE = "attribute_not_exists(pk) OR expires_at < :now OR (#status = :pending AND lease_until < :now)"
"""A delivery key nobody holds: new, past its expiry, or leased by an attempt that ran out of time."""


def _now() -> int:
    return int(time.time())


def _seconds(value: float) -> str:
    """Epoch seconds to the millisecond, as a DynamoDB number."""
    return f"{value:.3f}"


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"
    """The lease is ours: act (publish, or call the vendor), then complete or release it."""
    DONE = "done"
    """Done already: the webhook was published, or the effect delivered."""
    HELD = "held"
    """Another attempt holds a live lease and may still act."""


@dataclass(frozen=True)
class Claim:
    """The answer to a claim on a webhook's delivery key or on a vendor effect."""

    outcome: ClaimOutcome
    owner: str | None = None
    """The token that proves the lease is ours (when claimed)."""
    lease_until: float | None = None
    """Epoch seconds at which the lease (ours, or the holder's) runs out."""


def _claim_refused(item: dict[str, Any] | None, now: float, token: str) -> Claim:
    """Why a key could not be taken: done already, or leased by a live attempt.

    A refusal by an item carrying our own ``token`` is our claim: the write went through,
    its answer was lost, and the client's retry found it. Taking it for another attempt's
    would hold the work back until our own lease ran out.

    An item without a pending status predates leases, which recorded only published webhooks.
    A key that vanished between the write and the read (its lease released) is held for now:
    the sender's retry takes it.
    """
    lease_until = float(item.get("lease_until", {}).get("N", "0")) if item is not None else now
    if item is not None and item.get("owner", {}).get("S") == token:
        return Claim(ClaimOutcome.CLAIMED, owner=token, lease_until=lease_until)
    if item is not None and item.get("status", {}).get("S") != PENDING:
        return Claim(ClaimOutcome.DONE)
    return Claim(ClaimOutcome.HELD, lease_until=max(lease_until, now))


def _delivery_key(key: str) -> str:
    """A fixed-size key for a delivery: header values are the sender's, of any length, while
    DynamoDB refuses partition keys over 2 KB (which would read as an outage and a 503)."""
    return "delivery#" + hashlib.sha256(key.encode("utf-8", errors="surrogateescape")).hexdigest()


def _delivery_item(key: str) -> dict[str, Any]:
    return {"pk": {"S": _delivery_key(key)}, "sk": {"S": "-"}}


def _effect_key(subject: str, key: str) -> dict[str, Any]:
    """An effect's item: its order's subject (shop, vendor, order) and the effect with its part."""
    return {"pk": {"S": f"effect#{subject}"}, "sk": {"S": key}}


class StateTable:
    """Thin, typed access to the table; one instance per container."""

    def __init__(self, name: str | None = None, client: DynamoDBClient | None = None) -> None:
        self.name = name or os.environ["STATE_TABLE"]
        self.client: DynamoDBClient = client or aws_client("dynamodb")

    # -- deliveries (ingress idempotency) ------------------------------------------------

    def claim_delivery(self, key: str, ttl_seconds: int, lease_seconds: float, owner: str | None = None) -> Claim:
        """Lease the webhook's delivery key for ``lease_seconds``: one conditional write.

        The key can be taken when it is new, past its ``expires_at``, or pending with a lease
        that ran out (its holder died before publishing). A done key, or a live lease, keeps
        the claim from being taken; the answer says which, from the item the failed condition
        returns (or, failing that, a consistent read).
        """
        token = owner or uuid.uuid4().hex
        now = time.time()
        lease_until = now + lease_seconds
        item_key = _delivery_item(key)
        try:
            self.client.put_item(
                TableName=self.name,
                Item={
                    **item_key,
                    "status": {"S": PENDING},
                    "owner": {"S": token},
                    "lease_until": {"N": _seconds(lease_until)},
                    "expires_at": {"N": str(int(now) + ttl_seconds)},
                },
                ConditionExpression=_CLAIMABLE,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":now": {"N": _seconds(now)}, ":pending": {"S": PENDING}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            return _claim_refused(self._refusing_item(error, item_key), now, token)
        return Claim(ClaimOutcome.CLAIMED, owner=token, lease_until=lease_until)

    def _refusing_item(self, error: ClientError, key: dict[str, Any]) -> dict[str, Any] | None:
        """The item whose state refused a conditional write, or None when there is none.

        The refusal carries the item when DynamoDB returns it; otherwise it is read, consistently.
        """
        if error.response["Error"]["Code"] != _CONDITION_FAILED:
            raise error
        found: Any = error.response.get("Item") or self.client.get_item(
            TableName=self.name, Key=key, ConsistentRead=True
        ).get("Item")
        return dict(found) if found else None

    def complete_delivery(self, key: str) -> None:
        """Mark the key done: the webhook was published, and every later delivery is a duplicate.

        Unconditional on purpose: the publish happened, whoever holds the lease now.
        """
        self.client.update_item(
            TableName=self.name,
            Key=_delivery_item(key),
            UpdateExpression="SET #status = :done REMOVE lease_until",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":done": {"S": DONE}},
        )

    def release_delivery(self, key: str, owner: str) -> None:
        """Give back a lease whose webhook was not published, so Shopify's retry can take it at once.

        Only ``owner``'s pending lease is deleted: after a takeover the key belongs to
        another attempt, and a done key must stay done.
        """
        try:
            self.client.delete_item(
                TableName=self.name,
                Key=_delivery_item(key),
                ConditionExpression="#owner = :owner AND #status = :pending",
                ExpressionAttributeNames={"#owner": "owner", "#status": "status"},
                ExpressionAttributeValues={":owner": {"S": owner}, ":pending": {"S": PENDING}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != _CONDITION_FAILED:
                raise

    # -- order memory ----------------------------------------------------------------------

    def put_order(self, shop: str, order: Order, updated_at: int, ttl_seconds: int) -> None:
        """Keep the newest description of an order; a late, older webhook never overwrites it.

        Stored compressed and trimmed to what refunds read (:mod:`shoprelay.state.order_memory`),
        so the item stays under DynamoDB's size limit whatever the order's line count.
        """
        from shoprelay.state.order_memory import pack

        document = pack(order)
        if document is None:
            return
        try:
            self.client.put_item(
                TableName=self.name,
                Item={
                    "pk": {"S": f"order#{shop}#{order.id}"},
                    "sk": {"S": "memory"},
                    "order_z": {"B": document},
                    "updated_at": {"N": str(updated_at)},
                    "expires_at": {"N": str(_now() + ttl_seconds)},
                },
                ConditionExpression="attribute_not_exists(pk) OR updated_at <= :updated",
                ExpressionAttributeValues={":updated": {"N": str(updated_at)}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != _CONDITION_FAILED:
                raise

    def get_order(self, shop: str, order_id: str) -> Order | None:
        """The remembered order; records written before compression (``order``, JSON text) too."""
        from shoprelay.state.order_memory import unpack

        item = self.client.get_item(
            TableName=self.name,
            Key={"pk": {"S": f"order#{shop}#{order_id}"}, "sk": {"S": "memory"}},
            ConsistentRead=True,
        ).get("Item")
        if not item or int(item.get("expires_at", {}).get("N", "0")) < _now():
            return None
        return unpack(item["order_z"]["B"] if "order_z" in item else item["order"]["S"])

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

    def claim_effect(self, subject: str, key: str, lease_seconds: int, ttl_seconds: int) -> Claim:
        """Take the right to cause one effect, or learn that it is done or held by a live attempt.

        A claim whose holder died (a crashed or timed-out container) expires after
        ``lease_seconds`` and can be taken again, so a crash never blocks an effect forever.
        The refusal says which it is, so a caller that did not read the order's effects first
        learns from this one write that the effect is already delivered.
        """
        now = _now()
        token = uuid.uuid4().hex
        lease_until = now + lease_seconds
        refusing = self._put_effect(
            subject,
            key,
            {"status": {"S": PENDING}, "owner": {"S": token}, "lease_until": {"N": str(lease_until)}},
            now,
            ttl_seconds,
        )
        if refusing is None:
            return Claim(ClaimOutcome.CLAIMED, owner=token, lease_until=lease_until)
        return _claim_refused(refusing or None, now, token)

    def mark_effect(self, subject: str, key: str, sender: str, ttl_seconds: int) -> Claim:
        """Mark an effect the vendor deduplicates itself as done, before sending it: one write.

        For a request the vendor ignores when it is repeated, a second send does no harm, so
        no lease is needed: ``sender`` (the event's id) marks the effect done at once, and a
        later attempt of the same event (a retry, a redelivery after a crash) gets CLAIMED
        again and sends again, which the vendor ignores. Another event finds it DONE and sends
        nothing. A two-write claim still pending on the key (a live attempt) is HELD.
        """
        now = _now()
        refusing = self._put_effect(subject, key, {"status": {"S": DONE}, "sender": {"S": sender}}, now, ttl_seconds)
        if refusing is None or refusing.get("sender", {}).get("S") == sender:
            return Claim(ClaimOutcome.CLAIMED, owner=sender)
        return _claim_refused(refusing or None, now, sender)

    def _put_effect(
        self, subject: str, key: str, fields: dict[str, Any], now: int, ttl_seconds: int
    ) -> dict[str, Any] | None:
        """Write an effect's item unless a live one is there: None when written, else that item
        (empty when it vanished before it could be read). A pending claim whose lease ran out
        counts as not there."""
        item_key = _effect_key(subject, key)
        try:
            self.client.put_item(
                TableName=self.name,
                Item={**item_key, **fields, "expires_at": {"N": str(now + ttl_seconds)}},
                ConditionExpression="attribute_not_exists(pk) OR (#status = :pending AND lease_until < :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":pending": {"S": PENDING}, ":now": {"N": str(now)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            return self._refusing_item(error, item_key) or {}
        return None

    def unmark_effect(self, subject: str, key: str, sender: str) -> None:
        """Take back ``sender``'s mark after the vendor refused the request for good, so that
        another event of the order may still deliver the effect."""
        try:
            self.client.delete_item(
                TableName=self.name,
                Key=_effect_key(subject, key),
                ConditionExpression="sender = :sender",
                ExpressionAttributeValues={":sender": {"S": sender}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != _CONDITION_FAILED:
                raise

    def complete_effect(self, subject: str, key: str) -> None:
        """Mark the effect delivered; the claim's lease and owner go, since only a pending
        claim needs them, and the item is kept for months."""
        self.client.update_item(
            TableName=self.name,
            Key=_effect_key(subject, key),
            UpdateExpression="SET #status = :done REMOVE lease_until, #owner",
            ExpressionAttributeNames={"#status": "status", "#owner": "owner"},
            ExpressionAttributeValues={":done": {"S": DONE}},
        )

    def release_effect(self, subject: str, key: str, owner: str) -> None:
        """Give a claim back after a failed attempt so the retry can take it at once.

        Only ``owner``'s pending claim is deleted: once its lease ran out, another attempt
        may hold the key, and a done effect must stay done.
        """
        try:
            self.client.delete_item(
                TableName=self.name,
                Key=_effect_key(subject, key),
                ConditionExpression="#owner = :owner AND #status = :pending",
                ExpressionAttributeNames={"#owner": "owner", "#status": "status"},
                ExpressionAttributeValues={":owner": {"S": owner}, ":pending": {"S": PENDING}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != _CONDITION_FAILED:
                raise
