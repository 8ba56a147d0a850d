"""WooCommerce webhooks through the ingress function, loaded from template.yaml, on moto."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from support.stack import LocalAws
from support.woocommerce import (
    CAPTURED_ORDER,
    WOO_SHOP,
    ping_event,
    with_refund,
    woo_api_event,
    woo_body,
)

from shoprelay.vendors import vendor_names

ALL_VENDORS = {name: {"enabled": True} for name in vendor_names()}


def call(local: LocalAws, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = local.invoke("IngressFunction", event)
    return response["statusCode"], json.loads(response["body"])


def post(local: LocalAws, body: dict[str, Any], delivery_id: str, topic: str = "order.updated") -> tuple[int, Any]:
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return call(local, woo_api_event(raw, topic=topic, delivery_id=delivery_id))


def published(local: LocalAws, vendor: str = "esputnik") -> list[dict[str, Any]]:
    return [json.loads(message["Body"]) for message in local.receive_all(f"{vendor.capitalize()}Queue")]


def kinds(local: LocalAws, vendor: str = "esputnik") -> Counter[str]:
    return Counter(event["kind"] for event in published(local, vendor))


@pytest.fixture
def shop(local: LocalAws) -> LocalAws:
    local.seed_shop(ALL_VENDORS, shop=WOO_SHOP)
    return local


def test_a_paid_order_is_placed_paid_and_updated_for_every_vendor(shop: LocalAws) -> None:
    # GIVEN WooCommerce's documented order, paid ("processing"), sent as order.updated
    status, answer = post(shop, woo_body(), "delivery-1")
    # THEN the webhook is accepted as the placement, the payment and the update
    assert status == 202
    assert [event["kind"] for event in answer["events"]] == ["order_placed", "order_paid", "order_updated"]
    # AND every vendor gets each of them, but the update where it has no use for one (named with its reason)
    for event in answer["events"]:
        assert sorted([*event["vendors"], *event["skipped"]]) == sorted(ALL_VENDORS)
    assert sorted(answer["events"][2]["skipped"]) == ["corvidae", "edrone", "mytracker", "tracify"]
    for vendor in ALL_VENDORS:
        events = published(shop, vendor)
        routed = Counter(event["kind"] for event in answer["events"] if vendor in event["vendors"])
        assert Counter(event["kind"] for event in events) == routed
        assert {"order_placed", "order_paid"} <= set(routed)
        assert {event["source"] for event in events} == {"woocommerce"}
        assert {event["shop"] for event in events} == {WOO_SHOP}
        assert {event["order"]["amounts"]["total"]["shop"] for event in events} == {"29.35"}


def test_the_same_delivery_again_is_a_duplicate(shop: LocalAws) -> None:
    assert post(shop, woo_body(), "delivery-1")[0] == 202
    status, answer = post(shop, woo_body(), "delivery-1")
    assert (status, answer["status"]) == (200, "duplicate")
    assert sum(kinds(shop).values()) == 3


def test_a_later_update_repeats_no_effect_and_a_refund_is_relayed_once(shop: LocalAws) -> None:
    # GIVEN the paid order was relayed
    assert post(shop, woo_body(), "delivery-1")[0] == 202
    # WHEN WooCommerce sends updates: an edit, then a partial refund twice (two edits after it)
    edited = {**woo_body(), "customer_note": "leave at the door"}
    assert post(shop, edited, "delivery-2")[0] == 202
    refunded = with_refund(woo_body())
    assert post(shop, refunded, "delivery-3")[0] == 202
    assert post(shop, {**refunded, "customer_note": "refund noted"}, "delivery-4")[0] == 202
    # THEN placement and payment went out once, the refund once, and each update once
    assert kinds(shop) == {"order_placed": 1, "order_paid": 1, "order_refunded": 1, "order_updated": 4}
    refund = next(event for event in published(shop) if event["kind"] == "order_refunded")
    assert refund["refund"]["id"] == "731"
    assert refund["refund"]["amount"]["shop"] == "6.45"
    assert refund["refund"]["lines"][0]["line_id"] == "315"
    assert refund["order"]["id"] == "727"


def test_a_completed_order_seen_first_is_placed_paid_and_fulfilled(shop: LocalAws) -> None:
    status, _ = post(shop, woo_body(CAPTURED_ORDER), "capture-1")
    assert status == 202
    assert kinds(shop) == {"order_placed": 1, "order_paid": 1, "order_fulfilled": 1, "order_updated": 1}


def test_the_activation_ping_is_answered_and_relayed_nowhere(shop: LocalAws) -> None:
    status, answer = call(shop, ping_event())
    assert (status, answer["status"]) == (200, "ignored")
    assert published(shop) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param({"secret": "wrong-secret"}, 401, id="wrong signature"),
        pytest.param({"secret": None}, 401, id="missing signature"),
        pytest.param({"source": "https://unknown-site.example.org/"}, 401, id="unregistered site"),
        pytest.param({"source": "not a url at all"}, 401, id="source that is no site"),
        pytest.param({"delivery_id": ""}, 400, id="missing delivery id"),
    ],
)
def test_requests_that_are_not_the_sites_are_refused(shop: LocalAws, change: dict[str, Any], expected: int) -> None:
    raw = json.dumps(woo_body()).encode()
    status, _ = call(shop, woo_api_event(raw, **change))
    assert status == expected
    assert published(shop) == []


@pytest.mark.parametrize(
    ("body", "topic"),
    [
        pytest.param({"id": 9, "name": "Mug"}, "product.updated", id="product topic"),
        pytest.param({"id": 727}, "order.deleted", id="deleted order"),
        pytest.param({**woo_body(), "status": "checkout-draft"}, "order.updated", id="draft checkout"),
    ],
)
def test_what_is_not_relayed_is_answered_200_as_ignored(shop: LocalAws, body: dict[str, Any], topic: str) -> None:
    status, answer = post(shop, body, "d-ignored", topic)
    assert (status, answer["status"]) == (200, "ignored")
    assert published(shop) == []


def test_an_invalid_order_is_refused_with_the_field(shop: LocalAws) -> None:
    body = {**woo_body(), "total": "twelve"}
    status, answer = post(shop, body, "d-bad")
    assert (status, answer["field"]) == (400, "total")
    assert published(shop) == []
