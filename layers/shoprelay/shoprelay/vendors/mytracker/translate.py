"""Canonical event → MyTracker S2S ``order`` (or opt-in ``orderBatch``) requests. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlencode

from shoprelay.canonical import CanonicalEvent, EventKind
from shoprelay.vendors.base import Builder, Translation, TranslationError, Translator, UnknownOrder, VendorRequest
from shoprelay.vendors.mytracker.actions import (
    OrderAction,
    Planner,
    Skip,
    plan_cancelled,
    plan_paid,
    plan_placed,
    plan_refunded,
)
from shoprelay.vendors.mytracker.body import (
    ARRAY_BRACKETS,
    MAX_BODY_BYTES,
    Body,
    order_body,
    order_parts,
)
from shoprelay.vendors.mytracker.identity import client_fields, identity_fields
from shoprelay.vendors.mytracker.settings import PRODUCTION_ENDPOINT, MyTrackerSettings

EARLIEST_TIMESTAMP = 946674000
LATEST_TIMESTAMP = 4294967295
"""The ``eventTimestamp`` range MyTracker accepts; anything outside fails the whole request."""

SKIP_REASONS: dict[EventKind, str] = {
    EventKind.ORDER_FULFILLED: "fulfilment does not change a MyTracker order (it knows ADD, PAY, CANCEL and REFUND)",
    EventKind.ORDER_UPDATED: "order edits are not sent: MyTracker hears of placement, payment, cancellation, refunds",
    EventKind.CHECKOUT_UPDATED: "a checkout is not an order yet; MyTracker gets the order when it is placed",
    EventKind.CUSTOMER_UPDATED: "customer changes carry no order for MyTracker",
}


def _sending(planner: Planner) -> Builder[MyTrackerSettings]:
    """A builder that sends the order action ``planner`` decides on, attributed to the buyer."""

    def build(event: CanonicalEvent, settings: MyTrackerSettings) -> Translation:
        plan = planner(event)
        if isinstance(plan, Skip):
            return Translation.skip(plan.reason)
        identity = identity_fields(plan.order, settings)
        if identity is None:
            return Translation.skip(
                f"no visitor to attribute the order to: no 32-character lvid in cart attribute "
                f"{settings.lvid_attribute!r} and no customer id"
            )
        envelope = {
            **identity,
            "eventTimestamp": _timestamp(plan.happened_at),
            **(client_fields(plan.order.client) if settings.send_client_context else {}),
        }
        return Translation.send(*_fitted_requests(plan, event.shop, envelope, settings))

    return build


BUILDERS: dict[EventKind, Builder[MyTrackerSettings]] = {
    EventKind.ORDER_PLACED: _sending(plan_placed),
    EventKind.ORDER_PAID: _sending(plan_paid),
    EventKind.ORDER_CANCELLED: _sending(plan_cancelled),
    EventKind.ORDER_REFUNDED: _sending(plan_refunded),
}

translate = Translator(
    vendor="MyTracker",
    builders=BUILDERS,
    skip_reasons=SKIP_REASONS,
    # Each action needs the buyer's lvid or customer id and the order's lines, all from the order.
    unknown_order=UnknownOrder.SKIP,
)


def _fitted_requests(
    plan: OrderAction, shop: str, envelope: dict[str, str], settings: MyTrackerSettings
) -> list[VendorRequest]:
    """The order in one request when it fits MyTracker's 10,000 bytes, else spread over parts that do."""
    requests = _requests(plan, [order_body(plan, shop, envelope, settings)], settings)
    if not _over_limit(requests):
        return requests
    limit = MAX_BODY_BYTES - ARRAY_BRACKETS if settings.use_batch else MAX_BODY_BYTES
    requests = _requests(plan, order_parts(plan, shop, envelope, settings, limit), settings)
    too_large = _over_limit(requests)
    if too_large:
        part, size = too_large[0].part, len(too_large[0].body_bytes() or b"")
        raise TranslationError(
            f"MyTracker request part {part} would be {size} bytes, over its {MAX_BODY_BYTES}-byte limit"
        )
    return requests


def _over_limit(requests: Sequence[VendorRequest]) -> list[VendorRequest]:
    """The requests whose bytes, encoded once and kept for sending, exceed MyTracker's limit."""
    return [request for request in requests if len(request.body_bytes() or b"") > MAX_BODY_BYTES]


def _timestamp(moment: datetime) -> str:
    seconds = int(moment.timestamp())
    if not EARLIEST_TIMESTAMP <= seconds <= LATEST_TIMESTAMP:
        raise TranslationError(f"event time {moment.isoformat()} is outside the range MyTracker accepts")
    return str(seconds)


def _url(settings: MyTrackerSettings, method: str) -> str:
    base = (settings.endpoint or PRODUCTION_ENDPOINT).rstrip("/")
    return f"{base}/v1/{method}/?{urlencode({'idApp': settings.app_id})}"


def _headers(settings: MyTrackerSettings) -> dict[str, str]:
    """The raw token, exactly as MyTracker's curl examples send it: no ``Bearer`` prefix."""
    return {"Authorization": settings.api_token.get_secret_value(), "Content-Type": "application/json"}


def _requests(action: OrderAction, bodies: list[Body], settings: MyTrackerSettings) -> list[VendorRequest]:
    """One POST per body to ``order``, or per one-element array to ``orderBatch``, numbered as parts."""
    method, payloads = ("orderBatch", [[body] for body in bodies]) if settings.use_batch else ("order", bodies)
    return [
        VendorRequest(
            method="POST",
            url=_url(settings, method),
            effect=action.effect,
            headers=_headers(settings),
            json_body=payload,
            part=part,
            superseded_by=action.superseded_by,
        )
        for part, payload in enumerate(payloads, start=1)
    ]
