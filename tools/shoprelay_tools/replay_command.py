"""`shoprelay replay`: send a vendor's dead-lettered events back for another attempt.

Use it after fixing the cause (settings, credentials, a vendor outage). Replayed events go
through the vendor function again, including its per-effect idempotency, so an event that
had in fact been delivered is skipped rather than sent twice.

A dead letter can stand in the DLQ twice: SQS keeps both copies when the function's client
sent the message again after losing SQS's answer to the first send. Copies of one write are
sent back once, and the others deleted, so the count printed is of dead letters, not copies.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from shoprelay.vendors import vendor_names
from shoprelay_tools.aws_access import AwsTarget, explain
from shoprelay_tools.stack.deployed import LOCAL_STACK_NAME, DeployedStack
from shoprelay_tools.stack.dlq import dead_letter_write, message_attributes

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
    def write(self) -> str:
        return dead_letter_write(self.attributes, self.message_id)

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
    parser.add_argument(
        "--stack-name",
        help=f"the deployed stack (default: shoprelay-dev; with --endpoint-url: {LOCAL_STACK_NAME})",
    )
    parser.add_argument(
        "--endpoint-url",
        help="an AWS emulator, e.g. the local stack's: its banner prints the whole replay command",
    )
    parser.add_argument("--region", default=None, help="AWS region (default: the environment's or profile's)")


def queue_urls(vendor: str, stack: DeployedStack) -> tuple[str, str]:
    """(source queue, dead-letter queue) of the vendor: the deployed stack's outputs, or by name."""
    logical = vendor.capitalize()
    if not stack.target.emulated:
        return stack.output(f"{logical}QueueUrl"), stack.output(f"{logical}DeadLetterQueueUrl")
    return (
        stack.physical_id(f"{logical}Queue", "AWS::SQS::Queue"),
        stack.physical_id(f"{logical}DeadLetterQueue", "AWS::SQS::Queue"),
    )


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
            attributes = message_attributes(message)
            attributes.update(message.get("Attributes", {}))
            yield DeadLetter(message["MessageId"], message["ReceiptHandle"], message["Body"], attributes)


def _progress(done: int, total_hint: int) -> None:
    width = 30
    filled = min(width, int(width * done / total_hint)) if total_hint else width
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total_hint}")
    sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    target = AwsTarget(endpoint_url=args.endpoint_url, region=args.region)
    default_name = LOCAL_STACK_NAME if target.emulated else "shoprelay-dev"
    stack = DeployedStack(args.stack_name or default_name, target)
    try:
        source_url, dlq_url = queue_urls(args.vendor, stack)
        return _replay(args, stack.client("sqs"), source_url, dlq_url)
    except Exception as error:
        problem = explain(error, target)
        if problem is None:
            raise
        print(f"shoprelay replay: {problem}", file=sys.stderr)
        return 2


@dataclass
class _Tally:
    replayed: int = 0
    skipped: int = 0
    """Messages of other shops, left in the DLQ."""
    copies: int = 0
    """Second copies of a dead letter already sent back (or listed)."""
    writes: set[str] = field(default_factory=set)

    def summary(self, vendor: str, dry_run: bool) -> str:
        verb = "would replay" if dry_run else "replayed"
        text = f"{verb} {self.replayed} {vendor} message(s); left {self.skipped} of other shops in the DLQ"
        if self.copies:
            deleted = "would be deleted" if dry_run else "deleted"
            text += f"; {self.copies} second copy(ies) of a dead letter {deleted}"
        return text


def _replay(args: argparse.Namespace, sqs: Any, source_url: str, dlq_url: str) -> int:
    depth = int(
        sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"
        ]
    )
    tally = _Tally()
    left: list[DeadLetter] = []
    # A dry run hides nothing for long: every message is visible again when it ends.
    for letter in dead_letters(sqs, dlq_url, 30 if args.dry_run else _HIDE_SECONDS):
        if args.shop and letter.shop != args.shop:
            tally.skipped += 1
            left.append(letter)
        elif letter.write in tally.writes:
            tally.copies += 1
            _drop_copy(args, sqs, dlq_url, letter, left)
        else:
            tally.writes.add(letter.write)
            tally.replayed += 1
            _send_back(args, sqs, (source_url, dlq_url), letter, left)
            if not args.dry_run:
                _progress(tally.replayed + tally.skipped, max(depth, tally.replayed + tally.skipped))
    for letter in left:
        sqs.change_message_visibility(QueueUrl=dlq_url, ReceiptHandle=letter.receipt_handle, VisibilityTimeout=0)
    if not args.dry_run and (tally.replayed or tally.skipped):
        sys.stderr.write("\n")
    print(tally.summary(args.vendor, args.dry_run), file=sys.stderr)
    return 0


def _send_back(
    args: argparse.Namespace, sqs: Any, urls: tuple[str, str], letter: DeadLetter, left: list[DeadLetter]
) -> None:
    """Back to the vendor's queue and out of the DLQ; a dry run only lists it and leaves it."""
    source_url, dlq_url = urls
    if args.dry_run:
        print(json.dumps({"event_id": letter.event_id, "shop": letter.shop, "reason": letter.reason}))
        left.append(letter)
        return
    attributes: dict[str, Any] = {
        name: {"DataType": "String", "StringValue": letter.attributes[name]}
        for name in _REPLAY_ATTRIBUTES
        if letter.attributes.get(name)
    }
    sqs.send_message(QueueUrl=source_url, MessageBody=letter.body, MessageAttributes=attributes)
    sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=letter.receipt_handle)


def _drop_copy(args: argparse.Namespace, sqs: Any, dlq_url: str, letter: DeadLetter, left: list[DeadLetter]) -> None:
    if args.dry_run:
        left.append(letter)
    else:
        sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=letter.receipt_handle)
