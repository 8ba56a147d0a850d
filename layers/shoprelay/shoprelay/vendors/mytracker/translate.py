"""Canonical event → MyTracker S2S ``order`` (or opt-in ``orderBatch``) requests. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shoprelay.canonical import CanonicalEvent
from shoprelay.vendors.base import Translation, TranslationError, VendorRequest
from shoprelay.vendors.mytracker.actions import NOT_AN_ORDER_ACTION, PLANNERS, OrderAction, Skip
from shoprelay.vendors.mytracker.body import (
    ARRAY_BRACKETS,
    MAX_BODY_BYTES,
    batches,
    order_bodies,
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
    limit = MAX_BODY_BYTES - ARRAY_BRACKETS if settings.use_batch else MAX_BODY_BYTES
    bodies = order_bodies(plan, event.shop, envelope, settings, limit)
    requests = (
        _requests(plan, "orderBatch", batches(bodies), settings)
        if settings.use_batch
        else _requests(plan, "order", bodies, settings)
    )
    for request in requests:
        size = len(request.body_bytes() or b"")
        if size > MAX_BODY_BYTES:
            raise TranslationError(f"MyTracker request part {request.part} would be {size} bytes, over its 10 KB limit")
    return Translation.send(*requests)


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


def _requests(
    action: OrderAction, method: str, payloads: Sequence[Any], settings: MyTrackerSettings
) -> list[VendorRequest]:
    """One POST per payload to ``method`` (``order`` or ``orderBatch``), numbered as parts."""
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
