"""Read every message of a dead-letter queue without consuming it.

Receiving with a visibility timeout of 0 returns the same first messages again and again
(moto returns the oldest ten), so each message is hidden while the queue is read through,
then made visible again: the queue ends as it started.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_HIDE_SECONDS = 300


def message_attributes(message: Mapping[str, Any]) -> dict[str, str]:
    """A received message's string attributes by name (the function writes only strings)."""
    return {name: str(value.get("StringValue", "")) for name, value in message.get("MessageAttributes", {}).items()}


def dead_letter_write(attributes: Mapping[str, str | None], message_id: str) -> str:
    """What one dead-lettering wrote: the record it parked and when, attributes a repeated send
    carries unchanged, so the copies a client's retried send leaves share it. A message without
    them (SQS's own redrive) is a write of its own."""
    source, failed_at = attributes.get("source_message_id"), attributes.get("failed_at")
    return f"{source} {failed_at}" if source and failed_at else message_id


def read_all(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every message in the queue, with all attributes, left in the queue."""
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=10,
        VisibilityTimeout=_HIDE_SECONDS,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", []):
        messages.extend(batch)
    for start in range(0, len(messages), 10):
        sqs.change_message_visibility_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(messages[start : start + 10])
            ],
        )
    return messages
