"""Effects the vendor deduplicates itself: marked done in one write, by the event that sends them.

Corvidae drops a repeated ``eventID`` (and the translator derives it from the shop and the
order), so a second send is harmless and no lease is needed. These tests hold the rules that
replace the lease: one write per effect, other events leave the effect to the one that marked
it, that event's own retries send again, and a refusal for good gives the effect back. The
state table is template.yaml's on moto's server; Corvidae is its sandbox over HTTP.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from support.vendor_events import AUD_USD, canonical_event
from support.webhooks import fixture_json

from shoprelay.canonical import CanonicalEvent
from shoprelay.delivery.errors import PermanentDeliveryError, RetryableDeliveryError
from shoprelay.delivery.processor import VendorDelivery, subject_of
from shoprelay.state import StateTable
from shoprelay.state.table import ClaimOutcome
from shoprelay.vendors import load_vendor
from shoprelay_tools.sandboxes.corvidae import CorvidaeSandbox
from shoprelay_tools.sandboxes.server import Fault, SandboxServer

SHOP = "demo-shop.myshopify.com"
DAY = 24 * 3600


@pytest.fixture
def corvidae() -> Iterator[SandboxServer]:
    server = SandboxServer({"corvidae": CorvidaeSandbox(app_id="demo-app")}).start()
    yield server
    server.stop()


def delivery(table: StateTable, sandboxes: SandboxServer) -> VendorDelivery:
    settings: dict[str, Any] = {
        "app_id": "demo-app",
        "tracking_host": "corvidae.shop.example",
        "digital_property": "demo-shop",
        "endpoint": sandboxes.url_for("corvidae"),
        "send_test_orders": True,
    }

    def load_settings(shop: str, name: str) -> Mapping[str, Any] | None:
        return settings

    return VendorDelivery(
        vendor=load_vendor("corvidae"),
        table=table,
        load_settings=load_settings,
        session=requests.Session(),
        effect_ttl_seconds=DAY,
    )


def order_event(topic: str, webhook_id: str) -> CanonicalEvent:
    body = fixture_json(AUD_USD)
    return canonical_event(body, topic, shop=SHOP, received_at=datetime.now(UTC), webhook_id=webhook_id)


def count_writes(table: StateTable) -> Counter[str]:
    writes: Counter[str] = Counter()
    for operation in ("PutItem", "UpdateItem", "DeleteItem"):
        table.client.meta.events.register(
            f"before-call.dynamodb.{operation}", lambda operation=operation, **_: writes.update([operation])
        )
    return writes


def event_ids(sandboxes: SandboxServer) -> list[str]:
    return [hit.url.split("eventID=")[1].split("&")[0] for hit in sandboxes.recorded("corvidae")]


def test_one_write_marks_the_effect_and_other_events_leave_it_to_the_first(
    state_table: StateTable, corvidae: SandboxServer
) -> None:
    writes = count_writes(state_table)
    vendor = delivery(state_table, corvidae)
    assert vendor.deliver(order_event("orders/create", "w-1")).outcome == "delivered"
    assert writes == Counter({"PutItem": 1})  # no claim-then-complete pair
    # orders/paid of the same order means the same transaction: nothing goes out
    result = vendor.deliver(order_event("orders/paid", "w-2"))
    assert (result.outcome, result.reason) == ("skipped", "tr already delivered")
    assert len(corvidae.recorded("corvidae")) == 1


def test_the_same_event_again_is_sent_again_with_the_key_the_vendor_drops(
    state_table: StateTable, corvidae: SandboxServer
) -> None:
    # a redelivery after a crash between the mark and the answer cannot tell whether the
    # vendor got the first send, so it sends again; Corvidae counts the transaction once
    vendor = delivery(state_table, corvidae)
    event = order_event("orders/create", "w-1")
    assert vendor.deliver(event).outcome == "delivered"
    assert vendor.deliver(event).outcome == "delivered"
    first, second = event_ids(corvidae)
    assert first == second
    sandbox = corvidae.sandboxes["corvidae"]
    assert isinstance(sandbox, CorvidaeSandbox)
    assert list(sandbox.transactions) == [first]


def test_a_retryable_failure_keeps_the_effect_for_the_events_own_retry(
    state_table: StateTable, corvidae: SandboxServer
) -> None:
    vendor = delivery(state_table, corvidae)
    created, paid = order_event("orders/create", "w-1"), order_event("orders/paid", "w-2")
    corvidae.add_faults("corvidae", Fault(status=503), times=1)
    with pytest.raises(RetryableDeliveryError):
        vendor.deliver(created)
    assert vendor.deliver(paid).outcome == "skipped"  # left to orders/create's retry
    assert vendor.deliver(created).outcome == "delivered"
    assert [hit.status for hit in corvidae.recorded("corvidae")] == [503, 200]


def test_a_refusal_for_good_gives_the_effect_back_to_the_orders_other_events(
    state_table: StateTable, corvidae: SandboxServer
) -> None:
    vendor = delivery(state_table, corvidae)
    corvidae.add_faults("corvidae", Fault(status=400, error="bad hit"), times=1)
    with pytest.raises(PermanentDeliveryError):
        vendor.deliver(order_event("orders/create", "w-1"))
    assert vendor.deliver(order_event("orders/paid", "w-2")).outcome == "delivered"
    assert [hit.status for hit in corvidae.recorded("corvidae")] == [400, 200]


def test_a_mark_waits_for_a_live_claim_on_the_same_effect(state_table: StateTable, corvidae: SandboxServer) -> None:
    # a two-write claim in flight (from a function not yet updated) is not overruled
    event = order_event("orders/create", "w-1")
    subject = f"{SHOP}#corvidae#{subject_of(event)}"
    assert state_table.claim_effect(subject, "tr#1", lease_seconds=60, ttl_seconds=DAY).outcome is ClaimOutcome.CLAIMED
    with pytest.raises(RetryableDeliveryError, match="being delivered by another attempt"):
        delivery(state_table, corvidae).deliver(event)
    assert corvidae.recorded("corvidae") == []
