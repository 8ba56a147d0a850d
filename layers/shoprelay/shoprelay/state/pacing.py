"""Pacing a shop's calls to a vendor to the vendor's rate limit, across every invocation.

Every invocation of a vendor's queue may be calling the vendor for the same shop at once, so
the count is kept in the state table: one item per shop, vendor and window of time (``pk``
``pace#<shop>#<vendor>``, ``sk`` the window's number), whose ``calls`` attribute each call
raises by one with an atomic addition. Callers therefore never collide, however many race.
A window holds ``per_second`` times its length in calls (windows last a second, or one call's
share of time when the limit is under one a second), which is how vendors state their limits.
A call that finds its window full takes a later one and waits for it to begin; one whose window
is further off than the invocation can wait is told how long, so the limit costs waiting and
never a request the vendor would refuse.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

MAX_PROBES = 32
"""Windows a call tries at most before it is told to wait in the queue instead."""
KEPT_SECONDS = 3600
"""A window's item outlives the window by an hour, then DynamoDB's TTL removes it."""


class PaceTooFarError(Exception):
    """The next window with room is further off than the caller can wait."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"the next call within the rate limit is {wait:.1f} s away")
        self.wait = wait


class Pacer:
    """Turns for calls per key (a shop at a vendor), counted in the state table."""

    def __init__(self, table: str, client: DynamoDBClient, *, clock: Callable[[], float] = time.time) -> None:
        self.table = table
        self.client = client
        self.clock = clock

    def reserve(self, key: str, per_second: float, max_wait: float) -> float:
        """Take a turn for ``key`` at ``per_second``; the seconds to wait before calling.

        Raises :class:`PaceTooFarError` when no window within ``max_wait`` (and the next
        :data:`MAX_PROBES` windows) has room. A full window keeps the call in its count, which
        changes nothing: it was full already.
        """
        length = max(1.0, 1 / per_second)
        capacity = max(1, math.floor(per_second * length))
        now = self.clock()
        window = math.floor(now / length)
        for _ in range(min(MAX_PROBES, math.ceil(max_wait / length) + 1)):
            wait = max(0.0, window * length - now)
            if wait > max_wait:
                raise PaceTooFarError(wait)
            calls = self._count(key, window, length)
            if calls <= capacity:
                return wait
            window += 1
        raise PaceTooFarError(max(0.0, window * length - now))

    def _count(self, key: str, window: int, length: float) -> int:
        """Add this call to the window's count; the count with it."""
        answer = self.client.update_item(
            TableName=self.table,
            Key={"pk": {"S": f"pace#{key}"}, "sk": {"S": str(window)}},
            UpdateExpression="ADD calls :one SET expires_at = if_not_exists(expires_at, :expires)",
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":expires": {"N": str(math.ceil((window + 1) * length + KEPT_SECONDS))},
            },
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["calls"]["N"])
