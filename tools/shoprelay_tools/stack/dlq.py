"""Read every message of a dead-letter queue without consuming it.

Receiving with a visibility timeout of 0 returns the same first messages again and again
(moto returns the oldest ten), so each message is hidden while the queue is read through,
then made visible again: the queue ends as it started.
"""

from __future__ import annotations

from typing import Any

_HIDE_SECONDS = 300


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
