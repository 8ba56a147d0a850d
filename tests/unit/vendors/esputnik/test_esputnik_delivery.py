"""eSputnik's contact upsert goes out only with an event that will be sent.

The upsert is repeatable and keeps no record, so it must not be sent for an event that is
then skipped as superseded or as already delivered: that call would belong to no outcome.
The state table is template.yaml's, on moto's server; the vendor is at a port nothing listens on,
so any request that is sent fails the delivery loudly.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from esputnik_cases import aud_order
from support.vendor_events import canonical_event

from shoprelay.canonical import CanonicalEvent
from shoprelay.delivery.errors import RetryableDeliveryError
from shoprelay.delivery.processor import VendorDelivery, subject_of
from shoprelay.state import StateTable
from shoprelay.state.table import ClaimOutcome
from shoprelay.vendors import load_vendor

SHOP = "demo-shop.myshopify.com"
NOWHERE = "http://127.0.0.1:9"
SETTINGS: dict[str, Any] = {"api_key": "test-key", "endpoint": NOWHERE, "send_test_orders": True}
DAY = 24 * 3600


def delivery(table: StateTable) -> VendorDelivery:
    def load_settings(shop: str, name: str) -> Mapping[str, Any] | None:
        return SETTINGS

    return VendorDelivery(
        vendor=load_vendor("esputnik"),
        table=table,
        load_settings=load_settings,
        session=requests.Session(),
        effect_ttl_seconds=DAY,
    )


def paid() -> CanonicalEvent:
    return canonical_event(aud_order(), "orders/paid", shop=SHOP, received_at=datetime.now(UTC))


def mark_done(table: StateTable, event: CanonicalEvent, key: str) -> None:
    subject = f"{event.shop}#esputnik#{subject_of(event)}"
    assert table.claim_effect(subject, key, lease_seconds=60, ttl_seconds=DAY).outcome is ClaimOutcome.CLAIMED
    table.complete_effect(subject, key)


def test_a_superseded_event_sends_no_contact_upsert(state_table: StateTable) -> None:
    # GIVEN eSputnik already has the order's cancellation
    event = paid()
    mark_done(state_table, event, "orderCancelled#1")

    # WHEN the late orders/paid is delivered
    result = delivery(state_table).deliver(event)

    # THEN nothing is sent, the upsert included (it would have failed against NOWHERE)
    assert (result.outcome, result.reason) == (
        "skipped",
        "orderUpdated:paid superseded: orderCancelled already delivered for this order",
    )


def test_an_event_already_delivered_sends_no_contact_upsert(state_table: StateTable) -> None:
    event = paid()
    mark_done(state_table, event, "orderUpdated:paid#1")

    result = delivery(state_table).deliver(event)

    assert (result.outcome, result.reason) == ("skipped", "orderUpdated:paid already delivered")


def test_an_event_to_send_sends_its_contact_upsert_first(state_table: StateTable) -> None:
    # The control: with nothing recorded, the upsert is the first call, and NOWHERE fails it.
    with pytest.raises(RetryableDeliveryError, match="contact"):
        delivery(state_table).deliver(paid())
