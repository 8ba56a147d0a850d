"""A test order's refund stays out of vendor reports, through the whole stack.

A Shopify test order is posted as orders/create, then its refund as refunds/create (whose body
has no test flag). The ingress adds the remembered order to the refund; the vendor functions,
with ``send_test_orders`` off, must skip both, while the same pair for a real order reaches the
vendors that take refunds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from support.sandboxes import running_sandboxes, shop_settings
from support.stack import LocalAws
from support.webhooks import api_event, fixture_json

from shoprelay_tools.sandboxes.server import SandboxServer

ORDER = "orders-create.test-store-shop-AUD-buyer-USD.json"
VENDORS = ("mytracker", "edrone")
"""Vendors that relay a refund (mytracker as a REFUND status, edrone as an order_cancel)."""


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[SandboxServer]:
    with running_sandboxes(*VENDORS) as server:
        yield server


@pytest.fixture
def shop(local: LocalAws, sandboxes: SandboxServer) -> LocalAws:
    sandboxes.clear()
    # send_test_orders off, the default a shop runs with: skipping test orders is what is under test
    local.seed_shop({vendor: shop_settings(vendor, sandboxes, send_test_orders=False) for vendor in VENDORS})
    return local


def order(*, test: bool) -> dict[str, Any]:
    body = fixture_json(ORDER)
    body["test"] = test
    return body


def refund() -> dict[str, Any]:
    """The order's one line returned in full, paid back in the buyer's currency."""
    return {
        "id": 776543210987,
        "order_id": 2998548365461,
        "created_at": "2020-12-28T12:00:00+11:00",
        "refund_line_items": [
            {
                "line_item_id": 6456910643349,
                "quantity": 1,
                "subtotal": 45.62,
                "subtotal_set": {
                    "shop_money": {"amount": "45.62", "currency_code": "AUD"},
                    "presentment_money": {"amount": "34.67", "currency_code": "USD"},
                },
            }
        ],
        "transactions": [{"kind": "refund", "status": "success", "amount": "38.14", "currency": "USD"}],
    }


def post(local: LocalAws, topic: str, body: dict[str, Any], webhook_id: str) -> None:
    response = local.invoke("IngressFunction", api_event(json.dumps(body).encode(), topic=topic, webhook_id=webhook_id))
    assert response["statusCode"] == 202, response["body"]


def drain(local: LocalAws) -> None:
    for function in ("MytrackerFunction", "EdroneFunction"):
        for _ in range(3):
            local.poll(function)


def mytracker_statuses(sandboxes: SandboxServer) -> list[str]:
    deliveries = sandboxes.recorded("mytracker")
    assert all(d.status == 200 for d in deliveries)
    return [json.loads(d.body)["order"]["status"] for d in deliveries]


def edrone_actions(sandboxes: SandboxServer) -> list[str]:
    deliveries = sandboxes.recorded("edrone")
    assert all(d.status == 200 for d in deliveries)
    return [parse_qs(d.body)["action_type"][0] for d in deliveries]


def test_the_refund_of_a_test_order_is_skipped_like_the_order(shop: LocalAws, sandboxes: SandboxServer) -> None:
    post(shop, "orders/create", order(test=True), "w-test-create")
    post(shop, "refunds/create", refund(), "w-test-refund")
    drain(shop)

    assert sandboxes.recorded() == []
    assert shop.queue_depth("MytrackerQueue") == shop.queue_depth("EdroneQueue") == 0
    assert shop.receive_all("MytrackerDeadLetterQueue") == shop.receive_all("EdroneDeadLetterQueue") == []


def test_the_same_pair_for_a_real_order_is_relayed(shop: LocalAws, sandboxes: SandboxServer) -> None:
    post(shop, "orders/create", order(test=False), "w-real-create")
    post(shop, "refunds/create", refund(), "w-real-refund")
    drain(shop)

    assert mytracker_statuses(sandboxes) == ["PAY", "REFUND"]
    assert edrone_actions(sandboxes) == ["order", "order_cancel"]
