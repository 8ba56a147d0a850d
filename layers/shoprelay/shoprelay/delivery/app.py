"""A vendor Lambda: SQS batch in, partial batch response out.

Wiring only: the queue, dead-letter queue and table come from the environment that
template.yaml sets; the per-record logic is :class:`~shoprelay.delivery.processor.VendorDelivery`.

A record starts only when its worst case fits in the invocation's remaining time
(:mod:`shoprelay.delivery.deadline`); the rest of the batch goes back to the queue unstarted.

The partial batch response is a plain loop rather than Powertools' batch utility: the
contract is one list of failed message ids, and the utility's imports (its typing and data
class machinery) would be paid on every cold start for that list.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from shoprelay.aws import aws_client
from shoprelay.canonical import CanonicalEvent
from shoprelay.config import load_vendor_settings
from shoprelay.delivery.backoff import attempt_budget, visibility_for
from shoprelay.delivery.deadline import (
    CLOSING_CALLS,
    MARGIN_SECONDS,
    Deadline,
    NotStartedError,
    aws_seconds,
    prepare_seconds,
)
from shoprelay.delivery.errors import PermanentDeliveryError, RetryableDeliveryError
from shoprelay.delivery.processor import CallRecord, VendorDelivery, new_session
from shoprelay.lazy import Lazy
from shoprelay.state import StateTable
from shoprelay.state.payloads import PayloadStore
from shoprelay.vendors import load_vendor

if TYPE_CHECKING:
    import requests
    from mypy_boto3_sqs.client import SQSClient

logger = Logger()
metrics = Metrics()

_DAY = 24 * 3600
_DEFAULT_MAX_RECEIVE_COUNT = 6


class DeliveryFunction:
    """One vendor's SQS consumer: outcomes, retries and dead-lettering around the delivery."""

    def __init__(
        self,
        delivery: VendorDelivery,
        *,
        sqs: SQSClient,
        queue_url: str,
        dead_letter_queue_url: str,
        retry_base_seconds: int = 10,
    ) -> None:
        self.delivery = delivery
        self.vendor = delivery.vendor.name
        self.sqs = sqs
        self.queue_url = queue_url
        self.dead_letter_queue_url = dead_letter_queue_url
        self.retry_base_seconds = retry_base_seconds
        self._max_receive_count: int | None = None

    def handle_record(self, record: Mapping[str, Any], deadline: Deadline | None = None) -> str:
        """Deliver one SQS record; raising means "leave it on the queue" (a batch item failure).

        :class:`NotStartedError` means the record was not touched, for want of time before
        ``deadline`` (none: no limit); it is handed back rather than retried.
        """
        deadline = deadline or Deadline.unlimited()
        deadline.require_to_start("reading the record", prepare_seconds())
        event: CanonicalEvent | None = None
        try:
            event = self.delivery.parse(record["body"])
            result = self.delivery.deliver(event, deadline)
        except RetryableDeliveryError as error:
            attempts = _receive_count(record)
            if attempts >= attempt_budget(self.max_receive_count()):
                return self._dead_letter(
                    record, event, f"retries exhausted after {attempts} attempts: {error.reason}", status=error.status
                )
            delay = visibility_for(attempts, error.retry_after, base_seconds=self.retry_base_seconds)
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=delay
            )
            self._log_outcome(event, "retrying", error.reason, retry_in_seconds=delay, attempt=attempts)
            raise
        except PermanentDeliveryError as error:
            return self._dead_letter(record, event, error.reason, status=error.status, vendor_error=error.vendor_error)
        self._log_outcome(event, result.outcome, result.reason)
        return result.outcome

    def _hand_back(
        self, records: Sequence[Mapping[str, Any]], error: NotStartedError, deadline: Deadline
    ) -> list[dict[str, str]]:
        """Return untouched records to the queue: a batch item failure each, nothing else.

        No backoff and no dead-lettering: the vendor was not asked, so nothing failed. The
        exception is a record on the last receive SQS allows, which SQS would otherwise move
        to the dead-letter queue on its next receive with no reason; it is dead-lettered here
        with one, while time remains for that.
        """
        failures: list[dict[str, str]] = []
        for record in records:
            if self._on_last_receive(record, deadline) and self._dead_letter_unstarted(record, error):
                continue
            logger.info(
                "record handed back",
                extra={
                    "vendor": self.vendor,
                    "message_id": record.get("messageId"),
                    "receive_count": _receive_count(record),
                    "step": error.step,
                    "needed_seconds": round(error.needed, 1),
                    "left_seconds": round(max(deadline.left(), 0.0), 1),
                },
            )
            failures.append({"itemIdentifier": str(record.get("messageId", ""))})
        metrics.add_metric(name="Delivery_handed_back", unit=MetricUnit.Count, value=len(failures))
        return failures

    def _on_last_receive(self, record: Mapping[str, Any], deadline: Deadline) -> bool:
        """Whether the record is on its last receive and there is time to dead-letter it."""
        calls = CLOSING_CALLS if self._max_receive_count is None else CLOSING_CALLS[1:]
        if not deadline.allows(aws_seconds(calls) + MARGIN_SECONDS):
            return False
        try:
            return _receive_count(record) >= self.max_receive_count()
        except Exception as failure:  # SQS failing: the record stays on the queue regardless
            logger.error("could not read the queue's redrive policy", extra={"error": type(failure).__name__})
            return False

    def _dead_letter_unstarted(self, record: Mapping[str, Any], error: NotStartedError) -> bool:
        reason = f"not started on its last receive: {error}"
        try:
            self._dead_letter(record, None, reason)
        except Exception as failure:
            logger.error(
                "could not dead-letter the record",
                extra={"message_id": record.get("messageId"), "error": type(failure).__name__},
            )
            return False
        return True

    def _dead_letter_unexpected(self, record: Mapping[str, Any], error: Exception) -> bool:
        """On the last attempt, park a record that failed unexpectedly, naming the error type.

        Only the type: an exception's text may quote data. Returns whether it was parked.
        """
        try:
            attempts = _receive_count(record)
            budget = attempt_budget(self.max_receive_count())
            if attempts < budget:
                self._retry_later(record, attempts)
                return False
            try:
                event: CanonicalEvent | None = self.delivery.parse(record["body"])
            except PermanentDeliveryError:
                event = None
            reason = f"unexpected {type(error).__name__} on attempt {attempts} of {budget}; see the function's log"
            self._dead_letter(record, event, reason)
        except Exception as failure:  # SQS itself failing: leave the record to SQS's own redrive
            logger.error(
                "could not dead-letter the record",
                extra={"message_id": record.get("messageId"), "error": type(failure).__name__},
            )
            return False
        return True

    def _retry_later(self, record: Mapping[str, Any], attempts: int) -> None:
        """Offer the record again after the usual backoff, not after the queue's whole visibility
        timeout (several minutes): an unexpected failure is most often our own table or queue
        stalling for a moment, and worth the same patience as a vendor's."""
        delay = visibility_for(attempts, None, base_seconds=self.retry_base_seconds)
        self.sqs.change_message_visibility(
            QueueUrl=self.queue_url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=delay
        )

    def max_receive_count(self) -> int:
        """The queue's own ``maxReceiveCount``, read once, so the template stays the one source."""
        if self._max_receive_count is None:
            attributes = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["RedrivePolicy"])
            policy = json.loads(attributes.get("Attributes", {}).get("RedrivePolicy", "{}"))
            self._max_receive_count = int(policy.get("maxReceiveCount", _DEFAULT_MAX_RECEIVE_COUNT))
        return self._max_receive_count

    def _dead_letter(
        self,
        record: Mapping[str, Any],
        event: CanonicalEvent | None,
        reason: str,
        *,
        status: int | None = None,
        vendor_error: str | None = None,
    ) -> str:
        """Park the record in the DLQ with why; only then does the source queue forget it."""
        attributes = {
            "reason": reason[:1000],
            "vendor": self.vendor,
            "shop": event.shop if event else "",
            "event_id": event.id if event else "",
            "kind": event.kind.value if event else "",
            "status": str(status) if status is not None else "",
            "vendor_error": (vendor_error or "")[:1000],
            "failed_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "source_message_id": record["messageId"],
        }
        self.sqs.send_message(
            QueueUrl=self.dead_letter_queue_url,
            MessageBody=record["body"],
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value} for name, value in attributes.items() if value
            },
        )
        self._log_outcome(event, "dead_lettered", reason, status=status)
        return "dead_lettered"

    def _log_outcome(self, event: CanonicalEvent | None, outcome: str, reason: str | None, **extra: Any) -> None:
        logger.info(
            "delivery outcome",
            extra={
                "vendor": self.vendor,
                "outcome": outcome,
                "reason": reason,
                "shop": event.shop if event else None,
                "event_id": event.id if event else None,
                "kind": event.kind.value if event else None,
                **extra,
            },
        )
        metrics.add_metric(name=f"Delivery_{outcome}", unit=MetricUnit.Count, value=1)

    def __call__(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        """The SQS partial batch response: every record that raised stays on the queue.

        A retryable failure has already set its own visibility timeout. Anything unexpected (a
        bug, our own table failing) is logged and left for SQS to redeliver; on the record's
        last attempt it is dead-lettered with the error's name, so that even then the DLQ
        message says why. Records are started only while the context's remaining time holds
        their worst case; the first that does not fit, and every one after it, is handed back
        untouched, so the invocation answers before Lambda would end it.
        """
        metrics.add_dimension(name="vendor", value=self.vendor)
        deadline = Deadline.of(context)
        failures: list[dict[str, str]] = []
        try:
            records = in_delivery_order(event.get("Records", ()))
            for index, record in enumerate(records):
                try:
                    self.handle_record(record, deadline)
                except NotStartedError as error:
                    failures += self._hand_back(records[index:], error, deadline)
                    break
                except RetryableDeliveryError:
                    failures.append({"itemIdentifier": str(record.get("messageId", ""))})
                except Exception as error:
                    # The type and the stack, not the message: an exception's text may quote data.
                    logger.error(
                        "record failed unexpectedly",
                        extra={
                            "vendor": self.vendor,
                            "message_id": record.get("messageId"),
                            "error": type(error).__name__,
                            "stack": "".join(traceback.format_tb(error.__traceback__)),
                        },
                    )
                    if not self._dead_letter_unexpected(record, error):
                        failures.append({"itemIdentifier": str(record.get("messageId", ""))})
        finally:
            metrics.flush_metrics()
        return {"batchItemFailures": failures}


def in_delivery_order(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The batch, most-received records first (otherwise in the order SQS gave them).

    A record handed back for want of time still cost a receive: SQS counts receives, not
    attempts, and its redrive to the dead-letter queue (without a reason) follows the count.
    A function cannot give the receive back, and keeping a count of its own per message would
    mean a state-table write for every record of every batch, in the invocations that are
    already short of time. Instead, what was handed back goes first next time: the first record
    of an invocation always has time to start (the template's timeout holds one record's worst
    case, which tests/unit/test_template_budgets.py checks), so a record is handed back again
    only when the batch holds more such records than one invocation can start. Its attempts
    keep being counted as receives by :func:`~shoprelay.delivery.backoff.attempt_budget`, which
    can only dead-letter a record sooner, with its reason, never let SQS do it without one.
    """
    return sorted(records, key=_receive_count, reverse=True)


def _receive_count(record: Mapping[str, Any]) -> int:
    count = str(record.get("attributes", {}).get("ApproximateReceiveCount") or "1")
    return int(count) if count.isdigit() else 1


def log_call(vendor: str) -> Callable[[CanonicalEvent, CallRecord], None]:
    """One log line per vendor call: who, what, how it went, how long; no payload, no PII."""

    def report(event: CanonicalEvent, call: CallRecord) -> None:
        logger.info(
            "vendor call",
            extra={
                "vendor": vendor,
                "shop": event.shop,
                "event_id": event.id,
                "effect": call.effect,
                "part": call.part,
                "status": call.status,
                "latency_ms": call.latency_ms,
                "verdict": call.verdict,
            },
        )

    return report


def make_handler(vendor_name: str) -> DeliveryFunction:
    """The Lambda handler for ``vendor_name``, configured from the environment."""
    vendor = load_vendor(vendor_name)
    session = cast("requests.Session", Lazy(new_session))
    delivery = VendorDelivery(
        vendor=vendor,
        table=StateTable(),
        load_settings=load_vendor_settings,
        session=session,
        effect_ttl_seconds=int(os.environ.get("ORDER_MEMORY_DAYS", "400")) * _DAY,
        on_call=log_call(vendor_name),
        payloads=PayloadStore(),
    )
    return DeliveryFunction(
        delivery,
        sqs=aws_client("sqs"),
        queue_url=os.environ["QUEUE_URL"],
        dead_letter_queue_url=os.environ["DEAD_LETTER_QUEUE_URL"],
        retry_base_seconds=int(os.environ.get("RETRY_BASE_SECONDS", "10")),
    )
