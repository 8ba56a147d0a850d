"""Per-effect idempotency: an effect already delivered, or superseded, is never sent again.

The state table is template.yaml's, on moto's server (no network); the vendor would be at a port
nothing listens on, so a request that slipped through would fail the delivery loudly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from support.vendor_events import AUD_USD, canonical_event
from support.webhooks import fixture_json

from shoprelay.canonical import CanonicalEvent
from shoprelay.delivery.errors import RetryableDeliveryError
from shoprelay.delivery.processor import HELD_RECHECK_SECONDS, VendorDelivery, subject_of
from shoprelay.state import StateTable
from shoprelay.state.table import ClaimOutcome
from shoprelay.vendors import load_vendor
from shoprelay.vendors.base import translate_for_shop

SHOP = "demo-shop.myshopify.com"
NOWHERE = "http://127.0.0.1:9"
"""The discard port: a request sent there is refused, which fails the test."""
SETTINGS: dict[str, dict[str, Any]] = {
    "mytracker": {"app_id": "123456", "api_token": "token", "endpoint": NOWHERE, "send_test_orders": True},
    "corvidae": {
        "app_id": "app",
        "tracking_host": "corvidae.example.com",
        "digital_property": "shop",
        "endpoint": NOWHERE,
        "send_test_orders": True,
    },
}
DAY = 24 * 3600


def delivery(vendor: str, table: StateTable) -> VendorDelivery:
    def load_settings(shop: str, name: str) -> Mapping[str, Any] | None:
        return SETTINGS[name]

    return VendorDelivery(
        vendor=load_vendor(vendor),
        table=table,
        load_settings=load_settings,
        session=requests.Session(),
        effect_ttl_seconds=DAY,
    )


def placed(financial_status: str = "paid") -> CanonicalEvent:
    body = {**fixture_json(AUD_USD), "financial_status": financial_status}
    return canonical_event(body, "orders/create", shop=SHOP, received_at=datetime.now(UTC))


def mark_done(table: StateTable, vendor: str, event: CanonicalEvent, key: str) -> None:
    subject = f"{event.shop}#{vendor}#{subject_of(event)}"
    assert table.claim_effect(subject, key, lease_seconds=60, ttl_seconds=DAY).outcome is ClaimOutcome.CLAIMED
    table.complete_effect(subject, key)


def test_an_effect_already_delivered_is_not_sent_again(state_table: StateTable) -> None:
    event = placed()
    vendor = delivery("corvidae", state_table)
    settings = vendor.vendor.settings_model.parse(SETTINGS["corvidae"])
    (request,) = translate_for_shop(vendor.vendor, event, settings).requests
    mark_done(state_table, "corvidae", event, f"{request.effect}#{request.part}")

    result = vendor.deliver(event)

    assert (result.outcome, result.reason) == ("skipped", f"{request.effect} already delivered")


def test_a_claim_alone_decides_requests_that_nothing_supersedes(state_table: StateTable) -> None:
    # GIVEN Corvidae's purchase (superseded by nothing, not repeatable) already delivered
    queries: list[str] = []
    state_table.client.meta.events.register("before-call.dynamodb.Query", lambda **_: queries.append("query"))
    event = placed()
    vendor = delivery("corvidae", state_table)
    settings = vendor.vendor.settings_model.parse(SETTINGS["corvidae"])
    (request,) = translate_for_shop(vendor.vendor, event, settings).requests
    assert not request.superseded_by
    assert not request.repeatable
    mark_done(state_table, "corvidae", event, f"{request.effect}#{request.part}")
    # WHEN it arrives again, THEN its claim finds it done: skipped, without reading the order's effects
    assert vendor.deliver(event).reason == f"{request.effect} already delivered"
    assert queries == []
    # AND MyTracker, whose ADD a PAY supersedes, reads them first
    mytracker = delivery("mytracker", state_table)
    pending = placed(financial_status="pending")
    mark_done(state_table, "mytracker", pending, "PAY#1")
    assert mytracker.deliver(pending).outcome == "skipped"
    assert queries == ["query"]


def test_an_effect_superseded_by_one_already_delivered_is_not_sent(state_table: StateTable) -> None:
    # GIVEN MyTracker already has the order's PAY (say orders/paid overtook orders/create)
    event = placed(financial_status="pending")
    vendor = delivery("mytracker", state_table)
    settings = vendor.vendor.settings_model.parse(SETTINGS["mytracker"])
    requests_ = translate_for_shop(vendor.vendor, event, settings).requests
    assert all("PAY" in request.superseded_by for request in requests_)
    mark_done(state_table, "mytracker", event, "PAY#1")

    # WHEN the placed order's ADD arrives
    result = vendor.deliver(event)

    # THEN it is skipped as superseded, not sent
    assert result.outcome == "skipped"
    assert result.reason is not None
    assert "superseded: PAY already delivered" in result.reason


def test_an_event_from_a_newer_ingress_waits_for_the_updated_function(state_table: StateTable) -> None:
    # GIVEN an event carrying a field this version's canonical model does not have (a deploy
    # updates the ingress before this function)
    from shoprelay.canonical import to_json
    from shoprelay.delivery.errors import PermanentDeliveryError, RetryableDeliveryError

    document = json.loads(to_json(placed()))
    document["order"]["lines"][0]["added_by_a_later_version"] = 1
    # THEN the record is retried later, not dead-lettered
    with pytest.raises(RetryableDeliveryError, match="does not know"):
        delivery("corvidae", state_table).parse(json.dumps(document))
    # AND a body that is not an event at all is still permanent
    with pytest.raises(PermanentDeliveryError):
        delivery("corvidae", state_table).parse(json.dumps({"order": "nonsense"}))


@pytest.mark.parametrize(
    ("lease_seconds", "looks_again_within"), [(10, (10, 12)), (170, (HELD_RECHECK_SECONDS, HELD_RECHECK_SECONDS))]
)
def test_an_effect_held_by_another_attempt_is_looked_at_again_when_it_is_likely_free(
    state_table: StateTable, lease_seconds: int, looks_again_within: tuple[int, int]
) -> None:
    # GIVEN another attempt holds MyTracker's purchase
    event = placed()
    subject = f"{event.shop}#mytracker#{subject_of(event)}"
    holder = state_table.claim_effect(subject, "PAY#1", lease_seconds=lease_seconds, ttl_seconds=DAY)
    assert holder.outcome is ClaimOutcome.CLAIMED
    # WHEN this event's attempt reaches it, THEN nothing is sent (the vendor is unreachable)
    with pytest.raises(RetryableDeliveryError, match="being delivered by another attempt") as held:
        delivery("mytracker", state_table).deliver(event)
    # AND the record comes back just after a short lease ends, or after a recheck interval
    # while a long one holds, never a whole lease later
    low, high = looks_again_within
    assert held.value.retry_after is not None
    assert low <= held.value.retry_after <= high
