"""Canonical event → MyTracker S2S ``order`` (or opt-in ``orderBatch``) requests. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shoprelay.canonical import CanonicalEvent
from shoprelay.vendors.base import Translation, TranslationError, VendorRequest
from shoprelay.vendors.mytracker.actions import NOT_AN_ORDER_ACTION, PLANNERS, OrderAction, Skip
from shoprelay.vendors.mytracker.body import (
    ARRAY_BRACKETS,
    MAX_BODY_BYTES,
    Body,
    batches,
    order_body,
    order_parts,
)
from shoprelay.vendors.mytracker.identity import client_fields, identity_fields
from shoprelay.vendors.mytracker.settings import PRODUCTION_ENDPOINT, MyTrackerSettings
from shoprelay.vendors.wire import form_value

EARLIEST_TIMESTAMP = 946674000
LATEST_TIMESTAMP = 4294967295
"""The ``eventTimestamp`` range MyTracker accepts; anything outside fails the whole request."""


def translate(event: CanonicalEvent, settings: MyTrackerSettings) -> Translation:
    planner = PLANNERS.get(event.kind)
    if planner is None:
        return Translation.skip(NOT_AN_ORDER_ACTION.get(event.kind, f"{event.kind} is not a MyTracker order action"))
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
    requests = _requests(plan, [order_body(plan, event.shop, envelope, settings)], settings)
    if _over_limit(requests):
        limit = MAX_BODY_BYTES - ARRAY_BRACKETS if settings.use_batch else MAX_BODY_BYTES
        requests = _requests(plan, order_parts(plan, event.shop, envelope, settings, limit), settings)
        too_large = _over_limit(requests)
        if too_large:
            part, size = too_large[0].part, len(too_large[0].body_bytes() or b"")
            raise TranslationError(f"MyTracker request part {part} would be {size} bytes, over its 10 KB limit")
    return Translation.send(*requests)


def _over_limit(requests: Sequence[VendorRequest]) -> list[VendorRequest]:
    """The requests whose bytes, encoded once and kept for sending, exceed MyTracker's 10 KB."""
    return [request for request in requests if len(request.body_bytes() or b"") > MAX_BODY_BYTES]


def _timestamp(moment: datetime) -> str:
    seconds = int(moment.timestamp())
    if not EARLIEST_TIMESTAMP <= seconds <= LATEST_TIMESTAMP:
        raise TranslationError(f"event time {moment.isoformat()} is outside the range MyTracker accepts")
    return str(seconds)


def _url(settings: MyTrackerSettings, method: str) -> str:
    base = (settings.endpoint or PRODUCTION_ENDPOINT).rstrip("/")
    return f"{base}/v1/{method}/?idApp={form_value(settings.app_id)}"


def _headers(settings: MyTrackerSettings) -> dict[str, str]:
    """The raw token, exactly as MyTracker's curl examples send it: no ``Bearer`` prefix."""
    return {"Authorization": settings.api_token.get_secret_value(), "Content-Type": "application/json"}


def _requests(action: OrderAction, bodies: list[Body], settings: MyTrackerSettings) -> list[VendorRequest]:
    """One POST per body to ``order``, or per batch of bodies to ``orderBatch``, numbered as parts."""
    method, payloads = ("orderBatch", batches(bodies)) if settings.use_batch else ("order", bodies)
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
