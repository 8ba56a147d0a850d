"""The ingress function, loaded from template.yaml, against moto's server over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.stack import LocalAws
from support.webhooks import api_event, fixture_bytes

from shoprelay.canonical import EventKind
from shoprelay.vendors import load_vendor, vendor_names
from shoprelay_tools.demo import DEMO_SHOP

ALL_VENDORS = {name: {"enabled": True} for name in vendor_names()}
ORDER = "orders-create.test-store-shop-AUD-buyer-USD.json"


def call(local: LocalAws, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = local.invoke("IngressFunction", event)
    return response["statusCode"], json.loads(response["body"])


def queued(local: LocalAws, vendor: str) -> list[dict[str, Any]]:
    return local.receive_all(f"{vendor.capitalize()}Queue")


@pytest.fixture
def shop(local: LocalAws) -> LocalAws:
    local.seed_shop(ALL_VENDORS)
    return local


def test_signed_order_is_published_once_to_every_enabled_vendor(shop: LocalAws) -> None:
    # GIVEN a signed orders/create for a shop with all five vendors
    status, body = call(shop, api_event(fixture_bytes(ORDER)))
    # THEN it is accepted and each vendor queue holds exactly that canonical event
    assert status == 202
    assert body["status"] == "accepted"
    assert body["vendors"] == sorted(ALL_VENDORS)
    for vendor in ALL_VENDORS:
        messages = queued(shop, vendor)
        assert len(messages) == 1
        event = json.loads(messages[0]["Body"])
        assert event["id"] == body["id"]
        assert event["kind"] == "order_placed"
        assert event["order"]["currency"] == "AUD"
        assert event["order"]["buyer_currency"] == "USD"
        assert event["order"]["amounts"]["total"] == {"shop": "60.33", "buyer": "45.85"}


def test_only_enabled_vendors_receive_the_event(local: LocalAws) -> None:
    local.seed_shop({"tracify": {"enabled": True}, "edrone": {"enabled": False}})
    status, body = call(local, api_event(fixture_bytes(ORDER)))
    assert (status, body["vendors"]) == (202, ["tracify"])
    assert len(queued(local, "tracify")) == 1
    assert queued(local, "edrone") == []
    assert queued(local, "mytracker") == []


def test_an_event_goes_only_to_the_vendors_that_can_use_its_kind(shop: LocalAws) -> None:
    # GIVEN a cancellation, which Corvidae and Tracify have no way to express
    cancelled = fixture_bytes("orders-create.shopify-docs-2026-04.json")
    status, body = call(shop, api_event(cancelled, topic="orders/cancelled", webhook_id="w-cancel"))
    # THEN the answer names each vendor left out with its translator's own reason
    kind = EventKind.ORDER_CANCELLED
    reasons = {name: load_vendor(name).translate.reason_to_skip_kind(kind) for name in vendor_names()}
    assert status == 202
    assert body["skipped"] == {name: reason for name, reason in reasons.items() if reason is not None}
    assert set(body["skipped"]) == {"corvidae", "tracify"}
    assert body["vendors"] == ["edrone", "esputnik", "mytracker"]
    # AND only the vendors that can use it get a message
    for vendor in vendor_names():
        messages = queued(shop, vendor)
        assert len(messages) == (vendor in body["vendors"]), vendor
        if messages:
            assert json.loads(messages[0]["Body"])["kind"] == kind.value


def test_an_event_no_enabled_vendor_can_use_is_accepted_without_a_message(local: LocalAws) -> None:
    local.seed_shop({"tracify": {"enabled": True}, "corvidae": {"enabled": True}})
    refund = fixture_bytes("refunds-create.shopify-docs-2026-04.json")
    status, body = call(local, api_event(refund, topic="refunds/create", webhook_id="w-refund"))
    assert (status, body["status"], body["vendors"]) == (202, "accepted", [])
    assert sorted(body["skipped"]) == ["corvidae", "tracify"]
    assert queued(local, "tracify") == queued(local, "corvidae") == []


def test_base64_encoded_body_is_verified_after_decoding(shop: LocalAws) -> None:
    status, _ = call(shop, api_event(fixture_bytes(ORDER), base64_encoded=True))
    assert status == 202


def test_previous_secret_is_accepted_during_rotation(local: LocalAws) -> None:
    local.seed_shop(ALL_VENDORS, secret="new-secret", previous_secret="old-secret")
    assert call(local, api_event(fixture_bytes(ORDER), secret="old-secret", webhook_id="w-old"))[0] == 202
    assert call(local, api_event(fixture_bytes(ORDER), secret="new-secret", webhook_id="w-new"))[0] == 202
    assert call(local, api_event(fixture_bytes(ORDER), secret="other-secret", webhook_id="w-x"))[0] == 401


@pytest.mark.parametrize(
    ("secret", "shop_domain"),
    [
        pytest.param("wrong-secret", DEMO_SHOP, id="wrong signature"),
        pytest.param(None, DEMO_SHOP, id="missing signature"),
        pytest.param("shoprelay-demo-secret", "unknown-shop.myshopify.com", id="unconfigured shop"),
        pytest.param("shoprelay-demo-secret", "../../etc.myshopify.com", id="not a shop domain"),
    ],
)
def test_unauthenticated_requests_get_the_same_401_and_publish_nothing(
    shop: LocalAws, secret: str | None, shop_domain: str
) -> None:
    status, body = call(shop, api_event(fixture_bytes(ORDER), secret=secret, shop=shop_domain))
    assert (status, body) == (401, {"error": "unauthorized"})
    assert queued(shop, "edrone") == []


def test_body_signed_for_one_shop_is_refused_with_another_shops_domain(shop: LocalAws) -> None:
    # GIVEN a second shop with its own secret
    shop.seed_shop(ALL_VENDORS, shop="other-shop.myshopify.com", secret="other-shop-secret")
    # WHEN a body validly signed with the demo shop's secret claims to be from the other shop
    status, _ = call(shop, api_event(fixture_bytes(ORDER), shop="other-shop.myshopify.com"))
    # THEN it is refused
    assert status == 401
    assert queued(shop, "edrone") == []


@pytest.mark.parametrize("header", ["x-shopify-topic", "x-shopify-shop-domain", "x-shopify-webhook-id"])
def test_missing_required_header_is_named(shop: LocalAws, header: str) -> None:
    event = api_event(fixture_bytes(ORDER))
    del event["headers"][header]
    status, body = call(shop, event)
    assert status == 400
    assert body["field"].lower() == header


@pytest.mark.parametrize(
    ("body", "field", "message_part"),
    [
        pytest.param(b"{not json", "", "not valid JSON", id="not json"),
        pytest.param(b"[1, 2]", "", "JSON object", id="array"),
        pytest.param(b'{"id": 1}', "created_at", "Field required", id="missing created_at"),
        pytest.param(
            b'{"id": true, "created_at": "2024-01-01T00:00:00Z", "currency": "EUR"}', "id", "got `bool`", id="bool id"
        ),
        pytest.param(
            b'{"id": 1, "created_at": "2024-01-01T00:00:00Z", "currency": "EUR", "line_items": [{"quantity": "x"}]}',
            "line_items.0.quantity",
            "Expected `int`",
            id="wrong type deep",
        ),
    ],
)
def test_invalid_body_gets_400_with_the_first_problem(
    shop: LocalAws, body: bytes, field: str, message_part: str
) -> None:
    status, answer = call(shop, api_event(body))
    assert status == 400
    assert answer["field"] == field
    assert message_part in answer["error"]
    assert queued(shop, "edrone") == []


def test_non_utf8_body_gets_400(shop: LocalAws) -> None:
    body = b'{"id": 1, "note": "\xff\xfe"}'
    status, answer = call(shop, api_event(body, base64_encoded=True))
    assert status == 400
    assert "UTF-8" in answer["error"]


def test_oversized_body_gets_400_before_anything_else(shop: LocalAws) -> None:
    body = b'{"pad": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    status, answer = call(shop, api_event(body))
    assert status == 400
    assert "larger than" in answer["error"]


def test_unhandled_topic_is_ignored_with_200(shop: LocalAws) -> None:
    status, answer = call(
        shop, api_event(fixture_bytes("carts-update.shopify-docs-2026-04.json"), topic="carts/update")
    )
    assert (status, answer["status"]) == (200, "ignored")
    assert "carts/update" in answer["reason"]
    assert queued(shop, "esputnik") == []


def test_redelivery_and_same_event_id_are_duplicates(shop: LocalAws) -> None:
    body = fixture_bytes(ORDER)
    first = call(shop, api_event(body, webhook_id="w-1", event_id="e-1"))
    again = call(shop, api_event(body, webhook_id="w-1", event_id="e-1"))
    other_subscription = call(shop, api_event(body, webhook_id="w-2", event_id="e-1"))
    assert first[0] == 202
    assert again == (200, {"status": "duplicate", "id": first[1]["id"]})
    assert other_subscription[0] == 200
    assert other_subscription[1]["status"] == "duplicate"
    assert len(queued(shop, "mytracker")) == 1


def test_refund_is_enriched_from_order_memory(shop: LocalAws) -> None:
    # GIVEN the order was seen earlier
    order = json.loads(fixture_bytes("orders-create.shopify-docs-2026-04.json"))
    call(shop, api_event(json.dumps(order).encode(), webhook_id="w-order"))
    # WHEN its refund arrives
    status, _ = call(
        shop,
        api_event(
            fixture_bytes("refunds-create.shopify-docs-2026-04.json"), topic="refunds/create", webhook_id="w-refund"
        ),
    )
    assert status == 202
    events = [json.loads(m["Body"]) for m in queued(shop, "mytracker")]
    refund = next(e for e in events if e["kind"] == "order_refunded")
    # THEN it carries the remembered order and its customer
    assert refund["order_remembered"] is True
    assert refund["order"]["id"] == str(order["id"])
    assert refund["order"]["customer"]["email"] == order["email"]


def test_refund_for_unseen_order_is_relayed_without_order(shop: LocalAws) -> None:
    status, _ = call(shop, api_event(fixture_bytes("refunds-create.shopify-docs-2026-04.json"), topic="refunds/create"))
    assert status == 202
    (message,) = queued(shop, "esputnik")
    event = json.loads(message["Body"])
    assert event["order"] is None
    assert event["order_remembered"] is False


def test_publish_failure_answers_503_and_lets_the_retry_through(shop: LocalAws) -> None:
    # GIVEN the topic is gone (SNS unavailable)
    shop.clients["sns"].delete_topic(TopicArn=shop.stack.topics["EventsTopic"])
    status, _ = call(shop, api_event(fixture_bytes(ORDER), webhook_id="w-retry"))
    assert status == 503
    # WHEN SNS is back and Shopify retries the same delivery
    shop.clients["sns"].create_topic(Name=shop.stack.topics["EventsTopic"].rsplit(":", 1)[-1])
    status, body = call(shop, api_event(fixture_bytes(ORDER), webhook_id="w-retry"))
    # THEN it is accepted, not answered as a duplicate
    assert (status, body["status"]) == (202, "accepted")


def test_any_length_of_webhook_id_is_deduplicated_not_an_outage(shop: LocalAws) -> None:
    # A 3 KB delivery id exceeds DynamoDB's key size unless it is hashed: must not become a 503.
    long_id = "w" * 3000
    first = call(shop, api_event(fixture_bytes(ORDER), webhook_id=long_id))
    again = call(shop, api_event(fixture_bytes(ORDER), webhook_id=long_id))
    assert (first[0], again[0], again[1]["status"]) == (202, 200, "duplicate")
