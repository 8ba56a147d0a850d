"""Deliver one canonical event to one vendor, exactly once per vendor effect.

The record's fate is always one of four, and never silent:

* delivered: every request the translator produced was accepted (or had been already);
* skipped: the translator, or the order's history, says there is nothing to send;
* retryable: the record is reported failed and hidden for a backoff (``Retry-After`` when
  the vendor sent one); once its retry window has passed
  (:class:`~shoprelay.delivery.backoff.RetryPolicy`: hours, by default six) we dead-letter it
  ourselves so the reason travels with it, and SQS's redrive at
  ``maxReceiveCount`` only catches a record whose receives ran out without a word from us;
* permanent: sent to the vendor's dead-letter queue at once, with the reason attached.
"""

from __future__ import annotations

import importlib
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec

from shoprelay.canonical import CanonicalEvent, EventReference, from_json
from shoprelay.delivery.backoff import parse_retry_after
from shoprelay.delivery.deadline import (
    CLOSING_CALLS,
    CONNECT_TIMEOUT_SECONDS,
    MARGIN_SECONDS,
    Deadline,
    OutOfTimeError,
    aws_seconds,
    call_seconds,
)
from shoprelay.delivery.errors import PermanentDeliveryError, RetryableDeliveryError
from shoprelay.lazy import eager_init
from shoprelay.problems import SettingsError, first_problem
from shoprelay.redaction import redact
from shoprelay.state import StateTable
from shoprelay.state.pacing import Pacer, PaceTooFarError
from shoprelay.state.payloads import PayloadStore, StoredEventMissingError, StoredEventUnreadableError
from shoprelay.state.table import Claim, ClaimOutcome
from shoprelay.vendors.base import (
    Translation,
    TranslationError,
    Vendor,
    VendorRequest,
    VendorSettings,
    Verdict,
    translate_for_shop,
)

if TYPE_CHECKING:
    import requests

EVENT_ID_HEADER = "X-Shoprelay-Event-Id"
"""Sent with every vendor call so a request can be traced back to its webhook."""
EFFECT_LEASE_SECONDS = 180
"""How long a claimed effect stays reserved for a crashed attempt: at least the function's
timeout, so a live attempt keeps its claim, and below the queue's visibility timeout, so the
redelivery of a killed attempt finds it free (tests/unit/test_template_budgets.py checks both)."""
HELD_RECHECK_SECONDS = 30
"""How soon a record that met another attempt's live claim looks again: a live holder is
done within one vendor call and its retries, while a crashed one holds the claim for the
whole lease, so checking this often costs a few receives and saves minutes."""
MAX_PACE_WAIT_SECONDS = 20.0
"""The longest a record waits in an invocation for its turn; longer, and it waits in the queue."""
PACE_CALLS = ("dynamodb", "dynamodb")
"""Reading a shop's pacing item, and reserving its next turn."""
REFERENCE_MAX_CHARS = 4096
"""A reference is a few hundred characters; a longer message is an event and is not tried as one."""


@dataclass(frozen=True)
class CallRecord:
    """One vendor call, as the delivery log line reports it."""

    effect: str
    part: int
    status: int | None
    latency_ms: float
    verdict: str


@dataclass(frozen=True)
class DeliveryResult:
    outcome: str
    """``delivered`` or ``skipped``."""
    reason: str | None = None


def new_session() -> requests.Session:
    """The one HTTP session a container keeps (connection reuse across records)."""
    import requests

    session = requests.Session()
    session.headers["User-Agent"] = "shoprelay/0.1"
    return session


class SessionPerThread:
    """Stands in for a :class:`requests.Session`, giving each thread a session of its own.

    requests does not promise that a session is safe to share between threads (its cookie jar
    and connection pools are shared state), and a vendor function delivers a batch's records
    from a pool of threads. The pool lives as long as the container, so each of its threads
    keeps its connections from one invocation to the next.
    """

    def __init__(self, factory: Callable[[], requests.Session] = new_session) -> None:
        self._factory = factory
        self._local = threading.local()
        if eager_init():
            importlib.import_module("requests")  # into the snapshot, like every other import

    def session(self) -> requests.Session:
        """The calling thread's session, made on its first call."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = self._factory()
        return session

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session(), name)


def build_parsers() -> None:
    """Have msgspec build its parsers for the types a delivery reads, on the calling thread.

    msgspec builds what it knows of a struct type on the type's first use and caches it on the
    class, and two threads doing that at once for the same type can crash the interpreter. A
    vendor function therefore calls this on its main thread before its delivery threads decode.
    Settings models are pydantic's, complete when their class is defined.
    """
    for model in (CanonicalEvent, EventReference):
        msgspec.json.Decoder(model)


def subject_of(event: CanonicalEvent) -> str:
    """What the vendor's effects are about: the order, else the checkout or the customer."""
    if event.order is not None:
        return f"order:{event.order.id}"
    if event.refund is not None and event.refund.order_id:
        return f"order:{event.refund.order_id}"
    if event.checkout is not None:
        return f"checkout:{event.checkout.token}"
    if event.customer is not None and event.customer.id:
        return f"customer:{event.customer.id}"
    return f"event:{event.id}"


def _reference_in(body: str) -> EventReference | None:
    """The reference the message is, or None when the message is the event itself."""
    if len(body) > REFERENCE_MAX_CHARS:
        return None
    try:
        return from_json(EventReference, body)
    except msgspec.DecodeError:
        return None


def _is_done_by(done: set[str], effect: str) -> bool:
    """``REFUND`` in ``superseded_by`` matches ``REFUND`` and every ``REFUND:<id>``."""
    return any(name == effect or name.startswith(f"{effect}:") for name in done)


def _not_needed(request: VendorRequest, records: Mapping[str, str], done: set[str]) -> str | None:
    """Why the request must not be sent (already delivered, or superseded); None to send it."""
    blocker = next((name for name in request.superseded_by if _is_done_by(done, name)), None)
    if blocker is not None:
        return f"{request.effect} superseded: {blocker} already delivered for this order"
    if records.get(f"{request.effect}#{request.part}") == "done":
        return f"{request.effect} already delivered"
    return None


_COMPLETE_PAUSES = (0.2,)
"""Waits between tries at recording a delivered effect (each try has the client's own retries)."""
_log = logging.getLogger("shoprelay.delivery")


def _needs_history(requests: Sequence[VendorRequest]) -> bool:
    """Whether deciding the requests needs the order's effect records read first.

    A request another effect supersedes must know what is done, and a repeatable request
    must not be sent for an event whose recorded requests turn out to be done. Otherwise
    each claim says for itself whether its effect is done, and the read is saved.
    """
    return any(request.repeatable or request.superseded_by for request in requests)


def _serves_nothing(decided: list[tuple[VendorRequest, str | None]]) -> bool:
    """Whether every recorded request is already delivered or superseded.

    A repeatable request only prepares the recorded ones (eSputnik's contact upsert before
    its event), so it is sent only when one of them will be: otherwise it would be a call
    that no outcome accounts for.
    """
    recorded = [reason for request, reason in decided if not request.repeatable]
    return bool(recorded) and all(reason is not None for reason in recorded)


def _taken(claim: Claim, request: VendorRequest) -> bool:
    """Whether this attempt may send the request: False when its effect is done already."""
    if claim.outcome is ClaimOutcome.HELD:
        # Come back when the holder has most likely finished (the effect is then done, and
        # skipped), or the second after its lease runs out, whichever is sooner.
        held_for = (claim.lease_until or 0.0) - time.time()
        raise RetryableDeliveryError(
            f"{request.effect} is being delivered by another attempt",
            retry_after=min(HELD_RECHECK_SECONDS, max(1, math.ceil(held_for) + 1)),
        )
    return claim.outcome is ClaimOutcome.CLAIMED


def _require_call(deadline: Deadline, request: VendorRequest, timeout: float) -> None:
    """Before a record's next vendor call: room for it and for the record's outcome after it."""
    try:
        deadline.require("the next vendor call", call_seconds(timeout) + aws_seconds(CLOSING_CALLS) + MARGIN_SECONDS)
    except OutOfTimeError as error:
        raise RetryableDeliveryError(
            f"{request.effect}: {error}; the record's remaining calls wait for its next receive"
        ) from None


class VendorDelivery:
    """Translate and send one event for one vendor, with per-effect idempotency."""

    def __init__(
        self,
        *,
        vendor: Vendor,
        table: StateTable,
        load_settings: Callable[[str, str], Mapping[str, Any] | None],
        session: requests.Session,
        effect_ttl_seconds: int,
        on_call: Callable[[CanonicalEvent, CallRecord], None] = lambda event, call: None,
        payloads: PayloadStore | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.vendor = vendor
        self.pacer = pacer
        self.table = table
        self.load_settings = load_settings
        self.session = session
        self.effect_ttl_seconds = effect_ttl_seconds
        self.on_call = on_call
        self.payloads = payloads
        self._checked: dict[str, tuple[Mapping[str, Any], VendorSettings]] = {}
        """Each shop's settings as last read and as validated: checked again only when they change."""

    def parse(self, body: str) -> CanonicalEvent:
        """The message's event, read from S3 when the message is a reference to it.

        A stored event that is gone cannot come back, so that is permanent; S3 failing to
        answer is retryable.
        """
        reference = _reference_in(body)
        document: str | bytes = body if reference is None else self._stored(reference)
        try:
            event = from_json(CanonicalEvent, document)
        except msgspec.DecodeError as error:
            if "unknown field" in str(error):
                # Written by a newer ingress while a deploy is still updating this function: the
                # function's next version reads it, so the record waits instead of dead-lettering.
                raise RetryableDeliveryError(
                    f"message has a field this version does not know: {first_problem(error)}"
                ) from None
            raise PermanentDeliveryError(f"message is not a canonical event: {first_problem(error)}") from None
        if reference is not None and event.id != reference.id:
            key = reference.stored_event.key
            raise PermanentDeliveryError(f"stored event {key} holds event {event.id}, not {reference.id}")
        return event

    def _stored(self, reference: EventReference) -> bytes:
        stored = reference.stored_event
        if self.payloads is None:
            raise PermanentDeliveryError(f"message refers to stored event {stored.key}, and no store is configured")
        try:
            return self.payloads.get(stored.bucket, stored.key)
        except StoredEventMissingError as error:
            raise PermanentDeliveryError(f"{error} (deleted, or expired by the bucket's lifecycle rule)") from None
        except StoredEventUnreadableError as error:
            raise RetryableDeliveryError(str(error)) from None

    def settings_for(self, shop: str) -> VendorSettings | None:
        try:
            raw = self.load_settings(shop, self.vendor.name)
        except ValueError as error:
            raise PermanentDeliveryError(f"invalid settings: {error}") from None
        if raw is None:
            return None
        known = self._checked.get(shop)
        if known is not None and known[0] == raw:
            return known[1]
        try:
            settings = self.vendor.settings_model.parse(raw)
        except SettingsError as error:
            raise PermanentDeliveryError(f"invalid {self.vendor.name} settings for {shop}: {error}") from None
        self._checked[shop] = (raw, settings)
        return settings

    def deliver(self, event: CanonicalEvent, deadline: Deadline | None = None) -> DeliveryResult:
        """Send what the event means to the vendor, within ``deadline`` (none: no limit).

        Raises :class:`~shoprelay.delivery.deadline.NotStartedError` before touching anything
        when the record's worst case does not fit in the time left; a record that runs short
        between two of its calls is a :class:`RetryableDeliveryError`, its done effects kept.
        """
        deadline = deadline or Deadline.unlimited()
        settings, translation = self._translation(event)
        if translation.skipped is not None:
            return DeliveryResult("skipped", translation.skipped)
        timeout = settings.timeout_seconds
        deadline.require_to_start("the record", deadline.record_need(timeout, len(translation.requests)))
        subject = f"{event.shop}#{self.vendor.name}#{subject_of(event)}"
        records = self.table.effects(subject) if _needs_history(translation.requests) else {}
        done = {key.rsplit("#", 1)[0] for key, status in records.items() if status == "done"}
        decided = [(request, _not_needed(request, records, done)) for request in translation.requests]
        reasons = [reason for _, reason in decided if reason is not None]
        if _serves_nothing(decided):
            return DeliveryResult("skipped", "; ".join(dict.fromkeys(reasons)))
        sent = calls = 0
        for request, reason in decided:
            if reason is not None:
                continue
            if calls:
                _require_call(deadline, request, timeout)
            calls += 1
            self._pace(event, settings, deadline)
            sent_now = self._send_effect(event, subject, request, lambda: deadline.read_timeout(timeout))
            if sent_now is None:
                reasons.append(f"{request.effect} already delivered")
            else:
                sent += sent_now
        if sent or not reasons:
            return DeliveryResult("delivered")
        return DeliveryResult("skipped", "; ".join(dict.fromkeys(reasons)))

    def _pace(self, event: CanonicalEvent, settings: VendorSettings, deadline: Deadline) -> None:
        """Wait for the call's turn within the shop's ``requests_per_second`` at this vendor.

        A turn further off than this invocation can wait (or than :data:`MAX_PACE_WAIT_SECONDS`)
        is not taken: the record goes back to the queue for that long, with the shop's other
        records of the batch, as after a 429 with ``Retry-After``, but before any request was
        made. The pacing store failing lets the call go: the vendor's own 429 still guards.
        """
        rate = settings.requests_per_second
        if self.pacer is None or rate is None:
            return
        after = call_seconds(settings.timeout_seconds) + aws_seconds(CLOSING_CALLS) + MARGIN_SECONDS
        room = min(deadline.left() - after - aws_seconds(PACE_CALLS), MAX_PACE_WAIT_SECONDS)
        key = f"{event.shop}#{self.vendor.name}"
        try:
            wait = self.pacer.reserve(key, rate, max(room, 0.0))
        except PaceTooFarError as error:
            raise RetryableDeliveryError(
                f"paced: {rate:g} requests/s for the shop, the next turn is {error.wait:.1f} s away",
                retry_after=max(1, math.ceil(error.wait)),
            ) from None
        except Exception:  # the table stumbling: go without pacing this once
            return
        if wait > 0:
            time.sleep(wait)

    def _translation(self, event: CanonicalEvent) -> tuple[VendorSettings, Translation]:
        """The shop's settings and what they make of the event; both failures are permanent."""
        settings = self.settings_for(event.shop)
        if settings is None:
            raise PermanentDeliveryError(f"{self.vendor.name} is not configured for {event.shop}")
        try:
            return settings, translate_for_shop(self.vendor, event, settings)
        except TranslationError as error:
            raise PermanentDeliveryError(f"cannot translate: {error}") from None

    def _send_effect(
        self, event: CanonicalEvent, subject: str, request: VendorRequest, read_timeout: Callable[[], float]
    ) -> int | None:
        """Send one request, claiming its effect first and completing it after; 1 when an effect
        was recorded, 0 for a repeatable request, which needs no record, None when the claim
        found the effect delivered already.

        ``read_timeout`` is asked just before the call, so the time the claim took is not
        given to the vendor.
        """
        if request.repeatable:
            self._send(event, request, read_timeout())
            return 0
        key = f"{request.effect}#{request.part}"
        if request.vendor_ignores_repeats:
            return self._send_marked(event, subject, key, request, read_timeout)
        claim = self.table.claim_effect(subject, key, EFFECT_LEASE_SECONDS, self.effect_ttl_seconds)
        if not _taken(claim, request):
            return None
        try:
            self._send(event, request, read_timeout())
        except BaseException:
            self.table.release_effect(subject, key, claim.owner or "")
            raise
        self._complete(subject, key)
        return 1

    def _send_marked(
        self, event: CanonicalEvent, subject: str, key: str, request: VendorRequest, read_timeout: Callable[[], float]
    ) -> int | None:
        """Send an effect the vendor deduplicates, marked done by this event before it goes.

        A retryable failure keeps the mark: this event's retry sends again, and other events
        of the order leave the effect to it (or to its dead letter, if it never succeeds). A
        refusal for good takes the mark back, so a later event of the order may deliver it.
        """
        if not _taken(self.table.mark_effect(subject, key, event.id, self.effect_ttl_seconds), request):
            return None
        try:
            self._send(event, request, read_timeout())
        except PermanentDeliveryError:
            try:
                self.table.unmark_effect(subject, key, event.id)
            except Exception as error:  # the dead letter carries the refusal; the mark stays
                _log.warning(
                    "effect refused, and its mark could not be taken back",
                    extra={"effect": key, "error": type(error).__name__},
                )
            raise
        return 1

    def _complete(self, subject: str, key: str) -> None:
        """Record the delivered effect, trying again while the table stumbles.

        The vendor has it already, so a failure here must not fail the record: its retry would
        send the effect a second time once the claim's lease ran out. Left pending, the claim
        only keeps another event from sending the same effect for the lease's length.
        """
        for pause in (*_COMPLETE_PAUSES, None):
            try:
                self.table.complete_effect(subject, key)
            except Exception as error:
                if pause is None:
                    _log.warning(
                        "effect delivered, but its record could not be marked done",
                        extra={"effect": key, "error": type(error).__name__},
                    )
                    return
                time.sleep(pause)
            else:
                return

    def _send(self, event: CanonicalEvent, request: VendorRequest, read_timeout: float) -> None:
        import requests  # only records that reach a vendor need HTTP; imported once, then cached

        started = time.perf_counter()
        try:
            response = self.session.request(
                request.method,
                request.url,
                headers={**request.wire_headers(), EVENT_ID_HEADER: event.id},
                data=request.body_bytes(),
                timeout=(CONNECT_TIMEOUT_SECONDS, read_timeout),
                allow_redirects=False,
            )
        except requests.Timeout:
            self._report(event, request, None, started, "retryable")
            raise RetryableDeliveryError(f"{request.effect}: vendor timed out") from None
        except requests.RequestException as error:
            self._report(event, request, None, started, "retryable")
            raise RetryableDeliveryError(f"{request.effect}: network error ({type(error).__name__})") from None
        status = response.status_code
        reading = self.vendor.read_response(status, response.headers, response.content)
        self._report(event, request, status, started, reading.verdict.value)
        if reading.verdict is Verdict.DELIVERED:
            return
        reason = f"{request.effect}: HTTP {status}: {redact(reading.error) or 'no error text'}"
        if reading.verdict is Verdict.RETRYABLE:
            retry_after = parse_retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
            raise RetryableDeliveryError(reason, status=status, retry_after=retry_after)
        raise PermanentDeliveryError(reason, status=status, vendor_error=reading.error)

    def _report(
        self, event: CanonicalEvent, request: VendorRequest, status: int | None, started: float, verdict: str
    ) -> None:
        latency = round((time.perf_counter() - started) * 1000, 1)
        self.on_call(event, CallRecord(request.effect, request.part, status, latency, verdict))
