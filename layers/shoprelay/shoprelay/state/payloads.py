"""Canonical events too big for SNS, kept in S3 for the vendor functions to read.

The ingress writes each such event once under ``events/`` and publishes a reference; every
vendor function reads it back. The bucket's lifecycle rule deletes an object once no queue
can still hold a message naming it, so nothing here ever deletes.
"""

from __future__ import annotations

import os
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shoprelay.aws import aws_client

EVENTS_PREFIX = "events/"
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
_DENIED = frozenset({"AccessDenied", "403"})


class StoredEventMissingError(Exception):
    """The object a reference names does not exist (expired, or deleted by hand)."""


class StoredEventUnreadableError(Exception):
    """S3 could not be read just now (throttling, an outage, a timeout): a retry can succeed."""


class PayloadStore:
    """Write and read stored events; one instance per container."""

    def __init__(self, bucket: str | None = None, client: Any = None) -> None:
        self.bucket = bucket if bucket is not None else os.environ.get("PAYLOAD_BUCKET", "")
        """Where :meth:`put` writes; readers take the bucket from the reference they hold."""
        self.client: Any = client or aws_client("s3")

    @staticmethod
    def key_for(event_id: str) -> str:
        """One key per event: a retried webhook overwrites its own object with the same bytes."""
        return f"{EVENTS_PREFIX}{event_id}.json"

    def put(self, key: str, body: bytes) -> None:
        if not self.bucket:
            raise RuntimeError("PAYLOAD_BUCKET is not set: events over the SNS limit cannot be stored")
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")

    def get(self, bucket: str, key: str) -> bytes:
        """The stored bytes; raises one of the two errors above, never a botocore one."""
        try:
            response = self.client.get_object(Bucket=bucket, Key=key)
            body: bytes = response["Body"].read()
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in _MISSING:
                raise StoredEventMissingError(f"stored event s3://{bucket}/{key} does not exist") from None
            if code in _DENIED:
                raise StoredEventMissingError(
                    f"stored event s3://{bucket}/{key} does not exist or may not be read"
                    " (without s3:ListBucket, S3 answers AccessDenied for both)"
                ) from None
            raise StoredEventUnreadableError(f"stored event s3://{bucket}/{key} could not be read ({code})") from None
        except BotoCoreError as error:
            raise StoredEventUnreadableError(
                f"stored event s3://{bucket}/{key} could not be read ({type(error).__name__})"
            ) from None
        return body
