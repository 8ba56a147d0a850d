"""A vendor Lambda: SQS batch in, partial batch response out.

Wiring only: the queue, dead-letter queue and table come from the environment that
template.yaml sets; the per-record logic is :class:`~shoprelay.delivery.processor.VendorDelivery`.

The partial batch response is a plain loop rather than Powertools' batch utility: the
contract is one list of failed message ids, and the utility's import (its typing and data
class machinery) cost about 20 ms of every cold start.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from shoprelay.canonical import CanonicalEvent
from shoprelay.config import load_vendor_settings
from shoprelay.delivery.backoff import attempt_budget, visibility_for
from shoprelay.delivery.errors import PermanentDeliveryError, RetryableDeliveryError
from shoprelay.delivery.processor import CallRecord, VendorDelivery, new_session
from shoprelay.lazy import Lazy, aws_client
from shoprelay.state import StateTable
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

    def handle_record(self, record: Mapping[str, Any]) -> str:
        """Deliver one SQS record; raising means "leave it on the queue" (a batch item failure)."""
        event: CanonicalEvent | None = None
        try:
            event = self.delivery.parse(record["body"])
            result = self.delivery.deliver(event)
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

    def _dead_letter_unexpected(self, record: Mapping[str, Any], error: Exception) -> bool:
        """On the last attempt, park a record that failed unexpectedly, naming the error type.

        Only the type: an exception's text may quote data. Returns whether it was parked.
        """
        try:
            attempts = _receive_count(record)
            budget = attempt_budget(self.max_receive_count())
            if attempts < budget:
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
        message says why.
        """
        metrics.add_dimension(name="vendor", value=self.vendor)
        failures: list[dict[str, str]] = []
        try:
            for record in event.get("Records", ()):
                try:
                    self.handle_record(record)
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
    )
    return DeliveryFunction(
        delivery,
        sqs=aws_client("sqs"),
        queue_url=os.environ["QUEUE_URL"],
        dead_letter_queue_url=os.environ["DEAD_LETTER_QUEUE_URL"],
        retry_base_seconds=int(os.environ.get("RETRY_BASE_SECONDS", "10")),
    )
