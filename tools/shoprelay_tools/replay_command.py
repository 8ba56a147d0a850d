"""`shoprelay replay`: send a vendor's dead-lettered events back for another attempt.

Use it after fixing the cause (settings, credentials, a vendor outage). Replayed events go
through the vendor function again, including its per-effect idempotency, so an event that
had in fact been delivered is skipped rather than sent twice.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3

from shoprelay.vendors import vendor_names

_RECEIVE_BATCH = 10
_HIDE_SECONDS = 120
"""How long a message being replayed is hidden from other readers of the DLQ."""
_REPLAY_ATTRIBUTES = ("shop", "kind", "event_id")


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    receipt_handle: str
    body: str
    attributes: dict[str, str]

    @property
    def shop(self) -> str:
        return self.attributes.get("shop") or _body_field(self.body, "shop")

    @property
    def event_id(self) -> str:
        return self.attributes.get("event_id") or _body_field(self.body, "id")

    @property
    def reason(self) -> str:
        if "reason" in self.attributes:
            return self.attributes["reason"]
        receives = self.attributes.get("ApproximateReceiveCount", "?")
        return f"moved by SQS after {receives} receives (no reason recorded)"


def _body_field(body: str, name: str) -> str:
    try:
        value = json.loads(body).get(name)
    except (ValueError, AttributeError):
        return ""
    return str(value) if value is not None else ""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vendor", required=True, choices=vendor_names())
    parser.add_argument("--shop", help="replay only this shop's events")
    parser.add_argument("--dry-run", action="store_true", help="list what would be replayed and why each failed")
    parser.add_argument("--stack-name", default="shoprelay-dev", help="the deployed stack (default: shoprelay-dev)")
    parser.add_argument(
        "--endpoint-url",
        help="an AWS emulator, e.g. the local stack's (its queues are named <stack-name>-<Vendor>Queue)",
    )
    parser.add_argument("--region", default=None)


def queue_urls(args: argparse.Namespace, sqs: Any) -> tuple[str, str]:
    """(source queue, dead-letter queue) of the vendor, from the stack outputs or by name."""
    logical = args.vendor.capitalize()
    if args.endpoint_url:
        return (
            sqs.get_queue_url(QueueName=f"{args.stack_name}-{logical}Queue")["QueueUrl"],
            sqs.get_queue_url(QueueName=f"{args.stack_name}-{logical}DeadLetterQueue")["QueueUrl"],
        )
    cloudformation = boto3.client("cloudformation", region_name=args.region)
    stack = cloudformation.describe_stacks(StackName=args.stack_name)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return outputs[f"{logical}QueueUrl"], outputs[f"{logical}DeadLetterQueueUrl"]


def dead_letters(sqs: Any, url: str, hide_seconds: int) -> Iterator[DeadLetter]:
    """Every message in the DLQ once: each is hidden for ``hide_seconds`` after it is read."""
    while True:
        messages = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=_RECEIVE_BATCH,
            VisibilityTimeout=hide_seconds,
            MessageAttributeNames=["All"],
            AttributeNames=["ApproximateReceiveCount"],
        ).get("Messages", [])
        if not messages:
            return
        for message in messages:
            attributes = {k: v.get("StringValue", "") for k, v in message.get("MessageAttributes", {}).items()}
            attributes.update(message.get("Attributes", {}))
            yield DeadLetter(message["MessageId"], message["ReceiptHandle"], message["Body"], attributes)


def _progress(done: int, total_hint: int) -> None:
    width = 30
    filled = min(width, int(width * done / total_hint)) if total_hint else width
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total_hint}")
    sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    sqs = boto3.client("sqs", endpoint_url=args.endpoint_url, region_name=args.region)
    try:
        source_url, dlq_url = queue_urls(args, sqs)
    except Exception as error:  # any lookup failure is reported, not raised
        print(f"shoprelay replay: cannot find the {args.vendor} queues: {error}", file=sys.stderr)
        return 2
    depth = int(
        sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"
        ]
    )
    replayed = skipped = 0
    seen: list[DeadLetter] = []
    # A dry run hides nothing for long: every message is visible again when it ends.
    for letter in dead_letters(sqs, dlq_url, 30 if args.dry_run else _HIDE_SECONDS):
        seen.append(letter)
        if args.shop and letter.shop != args.shop:
            skipped += 1
            continue
        if args.dry_run:
            print(json.dumps({"event_id": letter.event_id, "shop": letter.shop, "reason": letter.reason}))
            replayed += 1
            continue
        attributes: dict[str, Any] = {
            name: {"DataType": "String", "StringValue": letter.attributes[name]}
            for name in _REPLAY_ATTRIBUTES
            if letter.attributes.get(name)
        }
        sqs.send_message(QueueUrl=source_url, MessageBody=letter.body, MessageAttributes=attributes)
        sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=letter.receipt_handle)
        replayed += 1
        _progress(replayed + skipped, max(depth, replayed + skipped))
    for letter in seen:
        if args.dry_run or (args.shop and letter.shop != args.shop):
            sqs.change_message_visibility(QueueUrl=dlq_url, ReceiptHandle=letter.receipt_handle, VisibilityTimeout=0)
    if not args.dry_run and (replayed or skipped):
        sys.stderr.write("\n")
    verb = "would replay" if args.dry_run else "replayed"
    print(f"{verb} {replayed} {args.vendor} message(s); left {skipped} of other shops in the DLQ", file=sys.stderr)
    return 0
