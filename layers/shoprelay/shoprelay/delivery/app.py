"""A vendor Lambda: SQS batch in, partial batch response out.

Wiring only: the queue, dead-letter queue and table come from the environment that
template.yaml sets; the per-record logic is :class:`~shoprelay.delivery.processor.VendorDelivery`.

A batch's records run side by side, at most ``max_in_flight`` of a shop at once, with the
records of one order one after another (:mod:`shoprelay.delivery.batch`). A record starts only
when its worst case fits in the invocation's remaining time (:mod:`shoprelay.delivery.deadline`);
the rest of the batch goes back to the queue unstarted. A paused shop's records go back to the
queue as delayed copies (:mod:`shoprelay.state.pauses`); a retryable failure is retried for
the vendor's retry window (:class:`~shoprelay.delivery.backoff.RetryPolicy`).

The partial batch response is a plain loop rather than Powertools' batch utility: the
contract is one list of failed message ids, and the utility's imports (its typing and data
class machinery) would be paid on every cold start for that list.
"""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from shoprelay.aws import SYNCHRONOUS_ATTEMPTS, aws_client
from shoprelay.canonical import CanonicalEvent
from shoprelay.config import load_vendor_settings
from shoprelay.delivery.backoff import RetryPolicy, attempt_budget
from shoprelay.delivery.batch import HandBack, Pause, Schedule, out_of_time, pause_for
from shoprelay.delivery.deadline import (
    CLOSING_CALLS,
    MARGIN_SECONDS,
    Deadline,
    NotStartedError,
    aws_seconds,
    prepare_seconds,
)
from shoprelay.delivery.errors import REASON_CHARS, PermanentDeliveryError, RetryableDeliveryError
from shoprelay.delivery.processor import CallRecord, SessionPerThread, VendorDelivery, build_parsers, subject_of
from shoprelay.redaction import redact
from shoprelay.state import StateTable
from shoprelay.state.pacing import Pacer
from shoprelay.state.pauses import PauseStore, ShopPause
from shoprelay.state.payloads import PayloadStore
from shoprelay.vendors import load_vendor
from shoprelay.vendors.base import MAX_IN_FLIGHT

if TYPE_CHECKING:
    import requests
    from mypy_boto3_sqs.client import SQSClient

logger = Logger()
metrics = Metrics()
_METRICS_LOCK = threading.Lock()
"""Powertools adds a metric by reading, changing and storing its entry: one thread at a time."""

_DAY = 24 * 3600
PAUSE_RECHECK_SECONDS = 300
"""How long a paused shop's record waits before it is looked at again (``PAUSE_RECHECK_SECONDS``)."""
MAX_DELAY_SECONDS = 900
"""SQS's longest message delay."""
PAUSE_READ_ATTEMPTS = SYNCHRONOUS_ATTEMPTS
"""One try for the batch's pause read: its worst case stays below the settings read beside it."""
_DEFAULT_MAX_RECEIVE_COUNT = 10


def count(name: str, value: float = 1) -> None:
    """Add to a metric of this invocation, from whichever thread delivers the record.

    Powertools prints the metric set itself once a metric holds 100 values, in two writes (the
    JSON, then the newline): holding the log handler's lock keeps another thread's log line
    from landing between them, which would spoil both records in CloudWatch.
    """
    handler = logger.registered_handler
    with _METRICS_LOCK:
        handler.acquire()
        try:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        finally:
            handler.release()


@dataclass(frozen=True)
class Opened:
    """A record read before its delivery starts: its event, or what reading it raised."""

    record: Mapping[str, Any]
    event: CanonicalEvent | None
    error: Exception | None = None

    def parsed(self) -> CanonicalEvent:
        """The event, or what reading the record raised, raised again where it is settled."""
        if self.error is not None:
            raise self.error
        if self.event is None:
            raise ValueError("a record read without an event or an error")
        return self.event

    @property
    def shop(self) -> str:
        return self.event.shop if self.event is not None else ""

    def key(self) -> tuple[str, str]:
        """The shop whose bound the record counts against, and its lane (its order)."""
        if self.event is None:
            return "", f"message:{self.record.get('messageId')}"
        return self.event.shop, f"{self.event.shop}#{subject_of(self.event)}"


@dataclass(frozen=True)
class Attempt:
    """How one started record ended, as the batch's schedule needs to know it."""

    failed: bool = False
    """Reported as a batch item failure, to be retried."""
    pause: Pause | None = None
    not_started: NotStartedError | None = None


class DeliveryFunction:
    """One vendor's SQS consumer: outcomes, retries and dead-lettering around the delivery."""

    def __init__(
        self,
        delivery: VendorDelivery,
        *,
        sqs: SQSClient,
        queue_url: str,
        dead_letter_queue_url: str,
        retry: RetryPolicy | None = None,
        pauses: PauseStore | None = None,
        pause_recheck_seconds: int = PAUSE_RECHECK_SECONDS,
    ) -> None:
        self.delivery = delivery
        self.vendor = delivery.vendor.name
        self.sqs = sqs
        self.queue_url = queue_url
        self.dead_letter_queue_url = dead_letter_queue_url
        self.retry = retry or RetryPolicy()
        self.pauses = pauses
        self.pause_recheck_seconds = max(0, min(pause_recheck_seconds, MAX_DELAY_SECONDS))
        self._max_receive_count: int | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._pause_pool: ThreadPoolExecutor | None = None

    def open(self, record: Mapping[str, Any], deadline: Deadline) -> Opened:
        """Read the record when there is time to, keeping any failure for :meth:`handle_record`."""
        try:
            deadline.require_to_start("reading the record", prepare_seconds())
            return Opened(record, self.delivery.parse(record["body"]))
        except Exception as error:
            return Opened(record, None, error)

    def handle_record(
        self, record: Mapping[str, Any], deadline: Deadline | None = None, opened: Opened | None = None
    ) -> str:
        """Deliver one SQS record; raising means "leave it on the queue" (a batch item failure).

        :class:`NotStartedError` means the record was not touched, for want of time before
        ``deadline`` (none: no limit); it is handed back rather than retried. ``opened`` is
        the record as :meth:`open` read it, when that was done already.
        """
        deadline = deadline or Deadline.unlimited()
        opened = opened or self.open(record, deadline)
        event: CanonicalEvent | None = None
        try:
            event = opened.parsed()
            result = self.delivery.deliver(event, deadline)
        except RetryableDeliveryError as error:
            attempts = _receive_count(record)
            waited = _waited_seconds(record)
            if self.retry.exhausted(attempts, self.max_receive_count(), waited):
                reason = f"retries exhausted after {attempts} attempts in {_duration(waited)}: {error.reason}"
                return self._dead_letter(record, event, reason, status=error.status)
            delay = self._retry_later(record, attempts, error.retry_after)
            self._log_outcome(event, "retrying", error.reason, retry_in_seconds=delay, attempt=attempts)
            raise
        except PermanentDeliveryError as error:
            return self._dead_letter(record, event, error.reason, status=error.status, vendor_error=error.vendor_error)
        self._log_outcome(event, result.outcome, result.reason)
        return result.outcome

    def _hand_back(
        self, records: Sequence[Mapping[str, Any]], why: HandBack, deadline: Deadline
    ) -> list[dict[str, str]]:
        """Return untouched records to the queue: a batch item failure each, nothing else.

        No backoff and no dead-lettering: the vendor was not asked, so nothing failed. One
        exception is a record on the last receive SQS allows, which SQS would otherwise move
        to the dead-letter queue on its next receive with no reason; it is dead-lettered here
        with one, while time remains for that. The other is a record whose shop the vendor
        asked to wait: it stays hidden as long as the vendor asked, like the record it answered.
        """
        kept = [r for r in records if not (self._on_last_receive(r, deadline) and self._dead_letter_unstarted(r, why))]
        if why.pause is not None and kept:
            self._hide(kept, why.pause, deadline)
        for record in kept:
            logger.info(
                "record handed back",
                extra={
                    "vendor": self.vendor,
                    "message_id": record.get("messageId"),
                    "receive_count": _receive_count(record),
                    "step": why.step,
                    "needed_seconds": None if why.needed is None else round(why.needed, 1),
                    "left_seconds": round(max(deadline.left(), 0.0), 1),
                },
            )
        count("Delivery_handed_back", len(kept))
        return [{"itemIdentifier": str(record.get("messageId", ""))} for record in kept]

    def _hide(self, records: Sequence[Mapping[str, Any]], pause: Pause, deadline: Deadline) -> None:
        """Keep records hidden for the vendor's wait, in one call while time remains for it.

        Without it they reappear after the queue's visibility timeout, which is longer than
        the waits vendors usually ask for.
        """
        if not deadline.allows(aws_seconds(("sqs",)) + MARGIN_SECONDS):
            return
        entries = [
            {
                "Id": str(index),
                "ReceiptHandle": record["receiptHandle"],
                "VisibilityTimeout": self.retry.delay(_receive_count(record), pause.retry_after),
            }
            for index, record in enumerate(records)
        ]
        try:
            self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=entries)  # type: ignore[arg-type]
        except Exception as failure:  # the records still go back; they reappear later than asked
            logger.error("could not hide the records for the vendor's wait", extra={"error": type(failure).__name__})

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

    def _dead_letter_unstarted(self, record: Mapping[str, Any], why: HandBack) -> bool:
        reason = f"not started on its last receive: {why.reason}"
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
            if not self.retry.exhausted(attempts, self.max_receive_count(), _waited_seconds(record)):
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

    def _retry_later(self, record: Mapping[str, Any], attempts: int, retry_after: int | None = None) -> int:
        """Offer the record again after its backoff (the vendor's ``Retry-After`` when given), not
        after the queue's whole visibility timeout: a failure, whether the vendor's or our own
        table stalling for a moment, is worth the same patience. Returns the delay."""
        delay = self.retry.delay(attempts, retry_after)
        self.sqs.change_message_visibility(
            QueueUrl=self.queue_url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=delay
        )
        return delay

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
            "reason": redact(reason, REASON_CHARS),
            "vendor": self.vendor,
            "shop": event.shop if event else "",
            "event_id": event.id if event else "",
            "kind": event.kind.value if event else "",
            "status": str(status) if status is not None else "",
            "vendor_error": redact(vendor_error),
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
                "reason": redact(reason, REASON_CHARS) if reason else reason,
                "shop": event.shop if event else None,
                "event_id": event.id if event else None,
                "kind": event.kind.value if event else None,
                **extra,
            },
        )
        count(f"Delivery_{outcome}")

    def __call__(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        """The SQS partial batch response: every record that raised stays on the queue.

        A retryable failure has already set its own visibility timeout. Anything unexpected (a
        bug, our own table failing) is logged and left for SQS to redeliver; on the record's
        last attempt it is dead-lettered with the error's name, so that even then the DLQ
        message says why. Records are started only while the context's remaining time holds
        their worst case; once one does not fit, it and every record not yet started are
        handed back untouched, so the invocation answers before Lambda would end it.
        """
        metrics.add_dimension(name="vendor", value=self.vendor)
        deadline = Deadline.of(context)
        try:
            failures = self._deliver_batch(in_delivery_order(event.get("Records", ())), deadline)
        finally:
            metrics.flush_metrics()
        return {"batchItemFailures": failures}

    def _deliver_batch(self, records: Sequence[Mapping[str, Any]], deadline: Deadline) -> list[dict[str, str]]:
        """Read every record, then deliver them side by side as the batch's schedule allows.

        The reads run all at once, so a batch of stored events costs one S3 read's time, as a
        single record does; the shops' settings are read next, once a shop, for their bounds.
        """
        if not records:
            return []
        pool = self.pool()
        opened = list(pool.map(lambda record: self.open(record, deadline), records))
        stops = [(index, o.error) for index, o in enumerate(opened) if isinstance(o.error, NotStartedError)]
        bounds: dict[str, int] = {}
        parked: list[dict[str, str]] = []
        if not stops:
            bounds, held = self._shops(opened, pool)
            if held:
                parked = self._park([o for o in opened if o.shop in held], held, deadline, pool)
                opened = [o for o in opened if o.shop not in held]
                records = [o.record for o in opened]
        schedule = Schedule([o.key() for o in opened], bounds)
        for index, error in stops:
            schedule.stop(index, out_of_time(error))
        failures = self._run(schedule, opened, deadline, pool)
        by_reason: dict[HandBack, list[Mapping[str, Any]]] = {}
        for index, why in schedule.unstarted():
            by_reason.setdefault(why, []).append(records[index])
        for why, unstarted in by_reason.items():
            failures += self._hand_back(unstarted, why, deadline)
        return parked + failures

    def pool(self) -> ThreadPoolExecutor:
        """The container's delivery threads, kept between invocations with their HTTP sessions."""
        if self._pool is None:
            build_parsers()  # before any thread decodes
            self._pool = ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT, thread_name_prefix=f"{self.vendor}-delivery")
        return self._pool

    def _shops(self, opened: Sequence[Opened], pool: ThreadPoolExecutor) -> tuple[dict[str, int], dict[str, ShopPause]]:
        """Each shop's ``max_in_flight``, and the shops paused at this vendor; records that could
        not be read call no vendor.

        The pauses are one read for the whole batch, on a thread of its own while the settings
        are read, with a client whose worst case is below an SSM read's, so the reads before a
        record's deadline can be judged take no longer than they did without it.
        """
        shops = sorted({o.shop for o in opened if o.event is not None})
        held = self._pause_reader().submit(self._paused, shops)
        bounds = dict(zip(shops, pool.map(self._bound_for, shops), strict=True))
        bounds[""] = MAX_IN_FLIGHT
        return bounds, held.result()

    def _pause_reader(self) -> ThreadPoolExecutor:
        if self._pause_pool is None:
            self._pause_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{self.vendor}-pauses")
        return self._pause_pool

    def _paused(self, shops: Sequence[str]) -> dict[str, ShopPause]:
        """The paused shops among ``shops``. A failed read delivers as usual: a pause only ever
        delays, and delivering during one loses nothing, while holding every shop's records
        back whenever the table stumbles would."""
        if self.pauses is None or not shops:
            return {}
        try:
            return self.pauses.paused_shops(shops, self.vendor)
        except Exception as failure:
            logger.error("could not read whether shops are paused", extra={"error": type(failure).__name__})
            return {}

    def _park(
        self, opened: Sequence[Opened], held: Mapping[str, ShopPause], deadline: Deadline, pool: ThreadPoolExecutor
    ) -> list[dict[str, str]]:
        """Put a paused shop's records back on the queue, delayed, as new messages.

        Hiding them instead would spend a receive at every look, and a long pause would use up
        ``maxReceiveCount`` and let SQS's redrive dead-letter them for waiting. A new message
        starts at receive one, and its retry window only once it is delivered again. The
        record itself then counts as handled (deleted); when its copy could not be sent, it is
        a batch item failure and stays. A copy sent by an invocation that dies before answering
        leaves both on the queue, and the vendor's effects are still produced once.
        """
        sent = list(pool.map(lambda o: self._send_copy(o.record, deadline), opened))
        for o, ok in zip(opened, sent, strict=True):
            pause = held[o.shop]
            logger.info(
                "record held: the shop is paused",
                extra={
                    "vendor": self.vendor,
                    "shop": o.shop,
                    "event_id": o.event.id if o.event else None,
                    "message_id": o.record.get("messageId"),
                    "paused_for": pause.vendor,
                    "requeued": ok,
                    "next_look_seconds": self.pause_recheck_seconds if ok else None,
                },
            )
        count("Delivery_held_paused", len(opened))
        return [
            {"itemIdentifier": str(o.record.get("messageId", ""))} for o, ok in zip(opened, sent, strict=True) if not ok
        ]

    def _send_copy(self, record: Mapping[str, Any], deadline: Deadline) -> bool:
        if not deadline.allows(aws_seconds(("sqs",)) + MARGIN_SECONDS):
            return False
        copy: dict[str, Any] = {
            "QueueUrl": self.queue_url,
            "MessageBody": record["body"],
            "DelaySeconds": self.pause_recheck_seconds,
        }
        attributes = _message_attributes(record)
        if attributes:
            copy["MessageAttributes"] = attributes
        group = record.get("attributes", {}).get("MessageGroupId")
        if group:
            copy["MessageGroupId"] = group
        try:
            self.sqs.send_message(**copy)
        except Exception as failure:
            logger.error("could not put the paused shop's record back", extra={"error": type(failure).__name__})
            return False
        return True

    def _bound_for(self, shop: str) -> int:
        """One at a time when the settings cannot be read: the records then fail on their own,
        and say why, without the whole batch asking again at once."""
        try:
            settings = self.delivery.settings_for(shop)
        except Exception:
            return 1
        return settings.max_in_flight if settings is not None else 1

    def _run(
        self, schedule: Schedule, opened: Sequence[Opened], deadline: Deadline, pool: ThreadPoolExecutor
    ) -> list[dict[str, str]]:
        """Start what the schedule allows, and tell it how each record ended, until nothing runs."""
        failures: list[dict[str, str]] = []
        running: dict[Future[Attempt], int] = {}
        while True:
            for index in schedule.ready():
                running[pool.submit(self._attempt, opened[index], deadline)] = index
            if not running:
                return failures
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                index = running.pop(future)
                attempt = future.result()
                if attempt.not_started is not None:
                    schedule.stop(index, out_of_time(attempt.not_started))
                elif attempt.failed:
                    schedule.failed(index, attempt.pause)
                    failures.append({"itemIdentifier": str(opened[index].record.get("messageId", ""))})
                else:
                    schedule.done(index)

    def _attempt(self, opened: Opened, deadline: Deadline) -> Attempt:
        """One record on a delivery thread: its outcome, with every failure settled here."""
        record = opened.record
        try:
            self.handle_record(record, deadline, opened)
        except NotStartedError as error:
            return Attempt(not_started=error)
        except RetryableDeliveryError as error:
            return Attempt(failed=True, pause=pause_for(error))
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
            return Attempt(failed=not self._dead_letter_unexpected(record, error))
        return Attempt()


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


def _message_attributes(record: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """A record's string and number attributes, as SendMessage takes them."""
    found: dict[str, dict[str, str]] = {}
    for name, value in (record.get("messageAttributes") or {}).items():
        data_type, text = value.get("dataType", "String"), value.get("stringValue")
        if text is not None and not str(data_type).startswith("Binary"):
            found[name] = {"DataType": str(data_type), "StringValue": str(text)}
    return found


def _waited_seconds(record: Mapping[str, Any], now: float | None = None) -> float:
    """Seconds since the message entered the queue; unknown counts as forever, so a record
    without the attribute (a hand-made event) gets the fixed :func:`attempt_budget` and no more."""
    sent = str(record.get("attributes", {}).get("SentTimestamp") or "")
    if not sent.isdigit() or int(sent) == 0:
        return float("inf")
    return max(0.0, (time.time() if now is None else now) - int(sent) / 1000)


def _duration(seconds: float) -> str:
    if seconds == float("inf"):
        return "an unknown time"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


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
    session = cast("requests.Session", SessionPerThread())
    table = StateTable()
    delivery = VendorDelivery(
        vendor=vendor,
        table=table,
        load_settings=load_vendor_settings,
        session=session,
        effect_ttl_seconds=int(os.environ.get("ORDER_MEMORY_DAYS", "400")) * _DAY,
        on_call=log_call(vendor_name),
        payloads=PayloadStore(),
        pacer=Pacer(table.name, table.client),
    )
    return DeliveryFunction(
        delivery,
        sqs=aws_client("sqs"),
        queue_url=os.environ["QUEUE_URL"],
        dead_letter_queue_url=os.environ["DEAD_LETTER_QUEUE_URL"],
        retry=RetryPolicy.from_environment(os.environ),
        pauses=PauseStore(table.name, aws_client("dynamodb", PAUSE_READ_ATTEMPTS)),
        pause_recheck_seconds=int(os.environ.get("PAUSE_RECHECK_SECONDS", PAUSE_RECHECK_SECONDS)),
    )
