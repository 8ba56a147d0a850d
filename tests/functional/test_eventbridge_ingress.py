"""Shopify webhooks through EventBridge: the optional function, loaded from template.yaml with the
partner event source set, on moto; and the WooCommerce samples through the HTTP ingress."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from support.stack import LocalAws
from support.webhooks import api_event

from shoprelay.vendors import vendor_names
from shoprelay_tools.sample_events import EVENTS
from shoprelay_tools.source_samples import (
    DEMO_EVENT_SOURCE,
    DEMO_WOO_SHOP,
    EVENTBRIDGE_SAMPLES,
    WOOCOMMERCE_SAMPLES,
)
from shoprelay_tools.stack.provision import aws_clients, provision

ROOT = Path(__file__).resolve().parents[2]
ALL_VENDORS = {name: {"enabled": True} for name in vendor_names()}
FUNCTION = "EventBridgeIngressFunction"


@pytest.fixture
def bridged(aws: str) -> LocalAws:
    """The stack with ShopifyEventSourceName set, and the demo shop with every vendor."""
    clients = aws_clients(aws)
    stack = provision(ROOT, clients, parameters={"ShopifyEventSourceName": DEMO_EVENT_SOURCE})
    local = LocalAws(endpoint=aws, stack=stack, clients=clients)
    local.seed_shop(ALL_VENDORS)
    return local


def sample(topic: str) -> dict[str, Any]:
    envelope: dict[str, Any] = json.loads(
        (EVENTS / "ingress-eventbridge" / f"{topic.replace('/', '-')}.json").read_text()
    )
    return envelope


def published(local: LocalAws, vendor: str = "esputnik") -> list[dict[str, Any]]:
    return [json.loads(message["Body"]) for message in local.receive_all(f"{vendor.capitalize()}Queue")]


def dead_letters(local: LocalAws) -> list[dict[str, Any]]:
    return local.receive_all("EventBridgeDeadLetterQueue")


def test_without_a_partner_event_source_there_is_no_eventbridge_function(local: LocalAws) -> None:
    assert FUNCTION not in local.stack.functions
    assert "EventBridgeDeadLetterQueue" not in local.stack.queues


def test_with_a_partner_event_source_the_function_and_its_queue_exist(bridged: LocalAws) -> None:
    assert FUNCTION in bridged.stack.functions
    assert "EventBridgeDeadLetterQueue" in bridged.stack.queues


def test_every_sample_envelope_is_relayed_once(bridged: LocalAws) -> None:
    # GIVEN the bundled envelopes
    for topic in EVENTBRIDGE_SAMPLES:
        result = bridged.invoke(FUNCTION, sample(topic))
        assert result["status"] == "accepted", (topic, result)
    # WHEN EventBridge delivers each of them again
    for topic in EVENTBRIDGE_SAMPLES:
        assert bridged.invoke(FUNCTION, sample(topic))["status"] == "duplicate"
    # THEN each vendor got each event once, as the HTTPS ingress would have published it
    events = published(bridged)
    assert [event["topic"] for event in events] == list(EVENTBRIDGE_SAMPLES)
    assert [event["kind"] for event in events] == ["order_placed", "order_paid", "order_updated", "order_refunded"]
    assert {event["source"] for event in events} == {"shopify"}
    assert dead_letters(bridged) == []


def test_an_event_delivered_on_both_channels_is_relayed_once(bridged: LocalAws) -> None:
    envelope = sample("orders/create")
    assert bridged.invoke(FUNCTION, envelope)["status"] == "accepted"
    body = json.dumps(envelope["detail"]["payload"]).encode()
    metadata = envelope["detail"]["metadata"]
    http = api_event(
        body, topic="orders/create", webhook_id="another-delivery", event_id=metadata["X-Shopify-Event-Id"]
    )
    response = bridged.invoke("IngressFunction", http)
    assert (response["statusCode"], json.loads(response["body"])["status"]) == (200, "duplicate")
    assert len(published(bridged)) == 1


def _without_payload(envelope: dict[str, Any]) -> dict[str, Any]:
    envelope["detail"]["payload"] = {"id": envelope["detail"]["payload"]["id"]}
    return envelope


def _unknown_shop(envelope: dict[str, Any]) -> dict[str, Any]:
    envelope["detail"]["metadata"]["X-Shopify-Shop-Domain"] = "nobody.myshopify.com"
    return envelope


def _bad_quantity(envelope: dict[str, Any]) -> dict[str, Any]:
    envelope["detail"]["payload"]["line_items"][0]["quantity"] = -1
    return envelope


def _no_topic(envelope: dict[str, Any]) -> dict[str, Any]:
    del envelope["detail"]["metadata"]["X-Shopify-Topic"]
    return envelope


def _other_source(envelope: dict[str, Any]) -> dict[str, Any]:
    envelope["source"] = "aws.partner/example.com/1/other"
    return envelope


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        pytest.param(_without_payload, "only the resource id", id="id-only body over the size limit"),
        pytest.param(_unknown_shop, "unauthorized", id="shop not registered"),
        pytest.param(_bad_quantity, "line_items.0.quantity", id="invalid body"),
        pytest.param(_no_topic, "X-Shopify-Topic", id="no topic in metadata"),
        pytest.param(_other_source, "not come from a Shopify partner event source", id="not Shopify's"),
    ],
)
def test_an_event_that_cannot_be_relayed_is_dead_lettered_with_its_reason(
    bridged: LocalAws, spoil: Any, reason: str
) -> None:
    envelope = spoil(copy.deepcopy(sample("orders/create")))
    result = bridged.invoke(FUNCTION, envelope)
    assert result["status"] == "dead-lettered"
    assert reason in result["reason"]
    (message,) = dead_letters(bridged)
    assert reason in message["MessageAttributes"]["reason"]["StringValue"]
    assert json.loads(message["Body"])["id"] == envelope["id"]
    assert published(bridged) == []


def test_an_ignored_topic_is_neither_relayed_nor_dead_lettered(bridged: LocalAws) -> None:
    envelope = json.loads(
        (ROOT / "tests" / "fixtures" / "shopify" / "eventbridge-envelope.products-update.json").read_text()
    )
    envelope["detail"]["metadata"]["X-Shopify-Shop-Domain"] = "demo-shop.myshopify.com"
    envelope["detail"]["metadata"].setdefault("X-Shopify-Webhook-Id", "products-1")
    assert bridged.invoke(FUNCTION, envelope)["status"] == "ignored"
    assert dead_letters(bridged) == []
    assert published(bridged) == []


def test_a_failing_dependency_is_raised_for_lambda_to_retry(bridged: LocalAws) -> None:
    # GIVEN the events topic is gone (the publish fails)
    bridged.clients["sns"].delete_topic(TopicArn=bridged.stack.topics["EventsTopic"])
    # THEN the invocation fails, so Lambda retries it (and, once its retries are spent, puts it
    # in the dead-letter queue with the error itself: template.yaml's DeadLetterQueue)
    with pytest.raises(Exception, match="NotFound"):
        bridged.invoke(FUNCTION, sample("orders/create"))
    assert dead_letters(bridged) == []


def test_every_woocommerce_sample_is_answered(local: LocalAws) -> None:
    local.seed_shop(ALL_VENDORS, shop=DEMO_WOO_SHOP)
    for stem in [*WOOCOMMERCE_SAMPLES, "ping"]:
        event = json.loads((EVENTS / "woocommerce-ingress" / f"{stem}.json").read_text())
        response = local.invoke("IngressFunction", event)
        expected = 200 if stem == "ping" else 202
        assert response["statusCode"] == expected, (stem, response["body"])
    effects = [(event["order"]["id"], event["kind"]) for event in published(local) if event["kind"] != "order_updated"]
    assert sorted(effects) == [
        ("3080", "order_fulfilled"),
        ("3080", "order_paid"),
        ("3080", "order_placed"),
        ("727", "order_paid"),
        ("727", "order_placed"),
        ("727", "order_refunded"),
    ]
