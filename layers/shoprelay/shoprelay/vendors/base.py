"""The contract between vendor translators, delivery and the dry-run command.

A vendor is a small declarative bundle (see :class:`Vendor`): a settings model, a
:class:`Translator` and a ``read_response`` function. Translators do no I/O: they turn a
canonical event and one shop's settings into the exact HTTP requests to send, or a skip
with a reason, so the Lambda, ``shoprelay translate`` and the tests all share them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal, Self

import msgspec
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)

from shoprelay.canonical import CanonicalEvent, EventKind, Order
from shoprelay.problems import SettingsError, settings_problems
from shoprelay.vendors.addresses import check_endpoint
from shoprelay.vendors.wire import form_bytes, json_bytes


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only spaces")
    return value


def _credential_not_blank(value: SecretStr) -> SecretStr:
    _not_blank(value.get_secret_value())
    return value


NonEmpty = Annotated[str, StringConstraints(min_length=1), AfterValidator(_not_blank)]
"""Text that must say something: an id or a name the vendor matches on."""

Credential = Annotated[SecretStr, Field(min_length=1), AfterValidator(_credential_not_blank)]
"""A key or token: kept out of every repr, str, log line and traceback, shown only where it is
sent (``get_secret_value()``), and described as write-only in the JSON Schema."""

Endpoint = Annotated[str, AfterValidator(check_endpoint), WithJsonSchema({"type": "string", "format": "uri"})]
"""A base URL vendor calls may go to: see :mod:`shoprelay.vendors.addresses`."""

MAX_IN_FLIGHT = 10
"""The most records one vendor invocation delivers at once: the queues' ``BatchSize`` in
template.yaml, so a full batch can run side by side and more could never be in flight."""


class VendorSettings(BaseModel):
    """Settings every vendor shares; each vendor extends it with its own fields.

    Stored per shop as JSON in SSM (``/shoprelay/<stage>/shops/<shop>/vendors/<vendor>``) and
    written by people, so they are checked as a whole and every problem is named: unknown
    keys are refused (a typo is an error, not a silent default), numbers and flags may be
    written as text (``"5"``, ``"true"``), and no message repeats the rejected value, which
    could be a key pasted into the wrong setting. Build them with :meth:`parse`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    enabled: bool = Field(True, description="`false` keeps the settings but relays nothing to this vendor.")
    endpoint: Endpoint | None = Field(
        None,
        description=(
            "Base URL that replaces the vendor's production host (a sandbox, a proxy, a staging API). "
            "It must use https and name a public host; plain http is accepted only for loopback "
            "(`127.0.0.1`, `::1`, `localhost`), where the local sandboxes listen. Private, link-local "
            "and metadata addresses are refused. Host names are not resolved when settings are "
            "checked, so only addresses written literally are judged."
        ),
    )
    order_id_field: Literal["id", "name", "number"] = Field(
        "id",
        description=(
            "Which shop order id the vendor receives: the numeric `id`, the `name` (`#1001`) or the "
            "`number`. It must match what the storefront tag sends, or web and server events never meet."
        ),
    )
    currency: Literal["shop", "buyer"] = Field(
        "shop",
        description=(
            "For vendors that take one currency per event: send amounts in the shop's currency, or "
            "`buyer` for what the buyer paid (the presentment currency)."
        ),
    )
    timeout_seconds: float = Field(
        5.0, gt=0, le=30, description="Read timeout of each vendor call, in seconds (the connect timeout is 3 s)."
    )
    send_test_orders: bool = Field(
        False,
        description=(
            "Relay events of orders the shop marks as tests (bogus gateway, test mode). Off, so test "
            "orders never reach a vendor's production reports."
        ),
    )
    # A vendor call mostly waits on the vendor, so a batch delivered one record after another
    # lasts about ten answers, and Lambda bills all of it; by default the whole batch goes at
    # once. A batch with several shops bounds each shop by its own value, since each has its
    # own account and limits at the vendor.
    max_in_flight: int = Field(
        MAX_IN_FLIGHT,
        ge=1,
        le=MAX_IN_FLIGHT,
        description=(
            "How many of the shop's records one invocation may have at the vendor at once (a full "
            "batch is 10). Records of one order never overlap, whatever the value. Each running "
            "invocation of the vendor's queue can have this many requests open, so a vendor that "
            "limits concurrent requests per account wants a lower value; 1 sends one record after "
            "another."
        ),
    )
    requests_per_second: float | None = Field(
        None,
        gt=0,
        le=10_000,
        description=(
            "The most requests per second this shop's account takes at the vendor, across every "
            "invocation: calls wait for their turn instead of being refused with a 429. Unset: no "
            "pacing, for vendors that publish no limit."
        ),
    )

    @classmethod
    def parse(cls, raw: Any) -> Self:
        """Check ``raw`` (the parsed SSM JSON) field by field.

        Raises :class:`~shoprelay.problems.SettingsError` naming every problem.
        """
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            raise SettingsError(settings_problems(error)) from None


class VendorRequest(msgspec.Struct, frozen=True, kw_only=True, dict=True):
    """One HTTP request to a vendor, and the vendor effect it produces.

    ``effect`` names the side effect at the vendor (``PAY``, ``purchase``,
    ``REFUND:<refund id>``…). Delivery records each (effect, part) once per order so that
    redeliveries and overlapping topics never repeat it. ``superseded_by`` lists effects
    that, once done, make this request wrong (an ``ADD`` after the order's ``PAY``).
    ``repeatable`` marks requests that are safe to send again and need no record, such as
    a contact upsert that raises no events. ``vendor_ignores_repeats`` marks requests whose
    effect the vendor records once by a key the request always carries (Corvidae's
    ``eventID``, Tracify's and edrone's ``order_id``): delivery then marks the effect in one write instead
    of a claim and a completion, since a second send after a crash is ignored by the vendor.

    A struct rather than a dataclass because translators build one or more per event, and a
    struct is much cheaper to construct; ``dict=True`` gives the body cache its place.
    """

    method: Literal["GET", "POST"]
    url: str
    effect: str
    headers: Mapping[str, str] = msgspec.field(default_factory=dict)
    json_body: Any = None
    form_body: Mapping[str, str] | None = None
    part: int = 1
    superseded_by: tuple[str, ...] = ()
    repeatable: bool = False
    vendor_ignores_repeats: bool = False

    @property
    def body_kind(self) -> Literal["json", "form"] | None:
        if self.form_body is not None:
            return "form"
        if self.json_body is not None:
            return "json"
        return None

    def body_bytes(self) -> bytes | None:
        """The body exactly as it goes on the wire (compact UTF-8 JSON or form encoding).

        Encoded once per request: translators that check a vendor's size limit ask for the
        same bytes that are then sent.
        """
        return self._encoded_body

    @cached_property
    def _encoded_body(self) -> bytes | None:
        if self.form_body is not None:
            return form_bytes(self.form_body)
        if self.json_body is not None:
            return json_bytes(self.json_body)
        return None

    def wire_headers(self) -> dict[str, str]:
        """Headers including the content type the body needs."""
        headers = dict(self.headers)
        kind = self.body_kind
        if kind == "json":
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        elif kind == "form":
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return headers

    def describe(self) -> dict[str, Any]:
        """The request as the dry run prints it: body parsed, not encoded."""
        body: Any = dict(self.form_body) if self.form_body is not None else self.json_body
        return {"method": self.method, "url": self.url, "headers": self.wire_headers(), "body": body}


class Translation(msgspec.Struct, frozen=True, kw_only=True):
    """What a translator decided: requests to send, or a skip with the reason."""

    requests: tuple[VendorRequest, ...] = ()
    skipped: str | None = None

    @classmethod
    def send(cls, *requests: VendorRequest) -> Translation:
        return cls(requests=tuple(requests))

    @classmethod
    def skip(cls, reason: str) -> Translation:
        return cls(skipped=reason)


class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRYABLE = "retryable"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class ResponseReading:
    """How delivery should treat one vendor answer; ``error`` is the vendor's own words."""

    verdict: Verdict
    error: str | None = None


_RETRYABLE_STATUSES = frozenset({408, 425, 429})


def error_text(body: bytes, limit: int = 500) -> str:
    """The vendor's error message, kept short and printable for logs and DLQ attributes."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        for key in ("error", "message", "errors", "detail"):
            if parsed.get(key):
                value = parsed[key]
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                break
    return " ".join(text.split())[:limit]


def read_http_status(status: int, headers: Mapping[str, str], body: bytes) -> ResponseReading:
    """The reading most vendors need: 2xx delivered, 408/429/5xx retryable, other 4xx final."""
    if 200 <= status < 300:
        return ResponseReading(Verdict.DELIVERED)
    verdict = Verdict.RETRYABLE if status >= 500 or status in _RETRYABLE_STATUSES else Verdict.PERMANENT
    return ResponseReading(verdict, error_text(body) or f"HTTP {status}")


ResponseReader = Callable[[int, Mapping[str, str], bytes], ResponseReading]


class TranslationError(ValueError):
    """The event cannot be expressed for this vendor because the data or settings are invalid.

    Delivery sends such records to the dead-letter queue at once: retrying cannot help.
    """


type Builder[S: VendorSettings] = Callable[[CanonicalEvent, S], Translation]
"""Turns one kind of event into a vendor's requests (or a skip that depends on the data)."""

ORDER_KINDS = frozenset(
    {
        EventKind.ORDER_PLACED,
        EventKind.ORDER_PAID,
        EventKind.ORDER_FULFILLED,
        EventKind.ORDER_CANCELLED,
        EventKind.ORDER_UPDATED,
        EventKind.ORDER_REFUNDED,
    }
)
"""Kinds that are about an order. Only a refund can lack it: its order comes from order
memory, which has nothing when the order's own webhooks were never received."""

ORDER_NOT_SEEN = "order not seen"


class UnknownOrder(StrEnum):
    """What a vendor does with an order event whose order is not known.

    A vendor hears of an order only through its order events, so when shoprelay never saw
    the order, the vendor never got it either. ``SKIP`` suits a vendor whose follow-up
    events only amend what it already got, and need the order's facts (buyer identity,
    currency, lines) to do so: there is nothing to amend, and a retry of the same message
    cannot bring the order back. ``DEAD_LETTER`` suits a vendor that must hear of every such
    event, so an operator settles it by hand from the dead-letter queue.
    """

    SKIP = "skip"
    DEAD_LETTER = "dead_letter"


@dataclass(frozen=True)
class Translator[S: VendorSettings]:
    """A vendor's translation, declared as tables: the base decides everything around them.

    Every kind of event is either in ``builders`` or in ``skip_reasons``; a kind in neither
    (one added to the canonical model later) is skipped with a generic reason until the
    vendor decides. An order event without its order never reaches a builder: the vendor's
    ``unknown_order`` policy answers it, so builders may rely on :func:`order_of`.
    """

    vendor: str
    """The vendor's display name, for skip reasons."""
    builders: Mapping[EventKind, Builder[S]]
    skip_reasons: Mapping[EventKind, str]
    unknown_order: UnknownOrder

    def __post_init__(self) -> None:
        both = self.builders.keys() & self.skip_reasons.keys()
        if both:
            raise ValueError(f"{self.vendor}: {sorted(both)} both built and skipped")

    def reason_to_skip_kind(self, kind: EventKind) -> str | None:
        """Why every event of ``kind`` is skipped whatever it holds, or None when it is built.

        Such a kind never needs the vendor function: the ingress does not route it there
        (:mod:`shoprelay.vendors.routes` is rendered from this).
        """
        if kind in self.builders:
            return None
        return self.skip_reasons.get(kind) or f"{self.vendor} has no equivalent of {kind.value} events"

    def __call__(self, event: CanonicalEvent, settings: S) -> Translation:
        """The requests for ``event``, or the reason there are none."""
        reason = self.reason_to_skip_kind(event.kind)
        if reason is not None:
            return Translation.skip(reason)
        build = self.builders[event.kind]
        if event.order is None and event.kind in ORDER_KINDS:
            return self._without_order(event)
        return build(event, settings)

    def _without_order(self, event: CanonicalEvent) -> Translation:
        if self.unknown_order is UnknownOrder.SKIP:
            return Translation.skip(ORDER_NOT_SEEN)
        raise _no_order(event)


def order_of(event: CanonicalEvent) -> Order:
    """The event's order, for builders of order kinds (:class:`Translator` checked it is there)."""
    if event.order is None:
        raise _no_order(event)
    return event.order


def _no_order(event: CanonicalEvent) -> TranslationError:
    return TranslationError(f"{event.kind.value} event {event.id} carries no order")


@dataclass(frozen=True)
class Vendor[S: VendorSettings = VendorSettings]:
    """Everything shoprelay knows about one vendor, declared in its package ``__init__``."""

    name: str
    settings_model: type[S]
    translate: Translator[S]
    read_response: ResponseReader = read_http_status
    placeholder_settings: Mapping[str, Any] = field(default_factory=dict)
    """Clearly fake credentials so anyone can dry-run the vendor without an account."""


def translate_for_shop[S: VendorSettings](vendor: Vendor[S], event: CanonicalEvent, settings: S) -> Translation:
    """The vendor's translation after the shop-level gates every vendor shares.

    Delivery and the dry run both call this, so ``shoprelay translate`` shows exactly what
    the vendor function would do with the same settings.
    """
    if not settings.enabled:
        return Translation.skip(f"{vendor.name} is disabled for {event.shop}")
    if is_test_event(event) and not settings.send_test_orders:
        return Translation.skip("test order (send_test_orders is off)")
    return vendor.translate(event, settings)


def is_test_event(event: CanonicalEvent) -> bool:
    """Whether the event belongs to a test order, whichever way it says so.

    A refund body carries no test flag of its own: only the order it belongs to does, which
    the ingress adds from order memory. Asking both keeps a test order's refunds, cancellations
    and updates out of vendor reports just like the test order itself.
    """
    return event.test or (event.order is not None and event.order.test)
