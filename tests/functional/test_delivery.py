"""Vendor functions from template.yaml against vendor sandboxes on 127.0.0.1 and moto.

Each test posts signed webhooks through the ingress function, then polls the vendor
function like Lambda's SQS event source mapping does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from support.sandboxes import LOG_SCANNED_API_KEY, running_sandboxes, shop_settings
from support.stack import LocalAws
from support.webhooks import api_event, fixture_json

from shoprelay_tools.sandboxes.server import Fault, SandboxServer
from shoprelay_tools.sandboxes.tracify import TracifySandbox

SITE_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
ORDER = "orders-create.test-store-shop-AUD-buyer-USD.json"


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[SandboxServer]:
    tracify = TracifySandbox(api_key=LOG_SCANNED_API_KEY, customer_site_id=SITE_ID)
    with running_sandboxes("corvidae", "edrone", tracify=tracify) as server:
        yield server


@pytest.fixture
def shop(local: LocalAws, sandboxes: SandboxServer) -> LocalAws:
    sandboxes.clear()
    local.seed_shop(
        {
            "corvidae": shop_settings("corvidae", sandboxes, timeout_seconds=0.5),
            "tracify": shop_settings("tracify", sandboxes, api_key=LOG_SCANNED_API_KEY, customer_site_id=SITE_ID),
            "edrone": shop_settings("edrone", sandboxes),
        }
    )
    return local


def post(local: LocalAws, topic: str = "orders/create", order: dict[str, Any] | None = None, **kwargs: Any) -> str:
    body = json.dumps(order or fixture_json(ORDER)).encode()
    response = local.invoke("IngressFunction", api_event(body, topic=topic, **kwargs))
    assert response["statusCode"] == 202, response["body"]
    event_id: str = json.loads(response["body"])["id"]
    return event_id


def drain(local: LocalAws, function: str, rounds: int = 8) -> None:
    for _ in range(rounds):
        local.poll(function)


def test_order_is_delivered_and_acknowledged(shop: LocalAws, sandboxes: SandboxServer) -> None:
    event_id = post(shop)
    result = shop.poll("CorvidaeFunction")
    assert (result.received, result.deleted, result.failed) == (1, 1, 0)
    (hit,) = sandboxes.recorded("corvidae")
    assert hit.status == 200
    assert hit.event_id == event_id
    assert "event=tr" in hit.url
    assert shop.queue_depth("CorvidaeQueue") == 0


def test_placed_then_paid_sends_one_transaction(shop: LocalAws, sandboxes: SandboxServer) -> None:
    # GIVEN orders/create of a paid order, then orders/paid of the same order
    post(shop, "orders/create", webhook_id="w-create", event_id="e-create")
    post(shop, "orders/paid", webhook_id="w-paid", event_id="e-paid")
    drain(shop, "CorvidaeFunction", 3)
    drain(shop, "TracifyFunction", 3)
    # THEN each vendor got exactly one conversion
    assert len(sandboxes.recorded("corvidae")) == 1
    assert len(sandboxes.recorded("tracify")) == 1


def test_client_error_goes_to_the_dead_letter_queue_with_its_reason(shop: LocalAws, sandboxes: SandboxServer) -> None:
    sandboxes.add_faults("corvidae", Fault(status=400), times=1)
    event_id = post(shop)
    result = shop.poll("CorvidaeFunction")
    # THEN the record left the source queue (no pointless retries) and sits in the DLQ
    assert (result.received, result.deleted) == (1, 1)
    (message,) = shop.dead_letters("CorvidaeDeadLetterQueue")
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["status"] == "400"
    assert attributes["event_id"] == event_id
    assert attributes["shop"] == "demo-shop.myshopify.com"
    assert attributes["vendor"] == "corvidae"
    assert "injected fault 400" in attributes["vendor_error"]
    assert "HTTP 400" in attributes["reason"]
    assert json.loads(message["Body"])["id"] == event_id
    # AND the other vendor is unaffected
    shop.poll("TracifyFunction")
    assert [d.status for d in sandboxes.recorded("tracify")] == [200]


def test_server_errors_are_retried_until_delivered_once(shop: LocalAws, sandboxes: SandboxServer) -> None:
    sandboxes.add_faults("corvidae", Fault(status=503), times=2)
    post(shop)
    results = [shop.poll("CorvidaeFunction") for _ in range(4)]
    assert [r.failed for r in results[:2]] == [1, 1]
    assert [d.status for d in sandboxes.recorded("corvidae")] == [503, 503, 200]
    assert shop.queue_depth("CorvidaeQueue") == 0
    assert shop.dead_letters("CorvidaeDeadLetterQueue") == []


def test_retry_after_is_honoured(shop: LocalAws, sandboxes: SandboxServer) -> None:
    sandboxes.add_faults("corvidae", Fault(status=429, retry_after="2"), times=1)
    post(shop)
    assert shop.poll("CorvidaeFunction").failed == 1
    # WHEN polled again at once, the record is still hidden for the vendor's Retry-After
    assert shop.poll("CorvidaeFunction").received == 0
    time.sleep(2.2)
    assert shop.poll("CorvidaeFunction").deleted == 1
    assert [d.status for d in sandboxes.recorded("corvidae")] == [429, 200]


def test_timeout_is_retried(shop: LocalAws, sandboxes: SandboxServer) -> None:
    sandboxes.add_faults("corvidae", Fault(kind="timeout", delay_seconds=1.0), times=1)
    post(shop)
    assert shop.poll("CorvidaeFunction").failed == 1
    drain(shop, "CorvidaeFunction", 2)
    time.sleep(1.0)  # the sandbox records the hung request only when it finally answers
    assert sorted((d.fault or "", d.status or 0) for d in sandboxes.recorded("corvidae")) == [("", 200), ("timeout", 0)]


def test_connection_reset_is_retried(shop: LocalAws, sandboxes: SandboxServer) -> None:
    sandboxes.add_faults("corvidae", Fault(kind="reset"), times=1)
    post(shop)
    assert shop.poll("CorvidaeFunction").failed == 1
    drain(shop, "CorvidaeFunction", 2)
    assert [d.fault for d in sandboxes.recorded("corvidae")] == ["reset", None]


def test_retries_exhausted_dead_letter_with_the_last_reason(shop: LocalAws, sandboxes: SandboxServer) -> None:
    sandboxes.add_faults("corvidae", Fault(status=502), times=10)
    post(shop)
    drain(shop, "CorvidaeFunction", 6)
    # five attempts (the rest of the template's maxReceiveCount is kept in reserve)
    assert len(sandboxes.recorded("corvidae")) == 5
    (message,) = shop.dead_letters("CorvidaeDeadLetterQueue")
    reason = message["MessageAttributes"]["reason"]["StringValue"]
    assert reason.startswith("retries exhausted after 5 attempts")
    assert "HTTP 502" in reason


def test_record_whose_last_attempt_died_unanswered_still_reaches_the_dlq_with_its_reason(
    shop: LocalAws, sandboxes: SandboxServer
) -> None:
    """The receive kept in reserve: without it, SQS would move the message with no reason."""
    sandboxes.add_faults("corvidae", Fault(status=502), times=10)
    post(shop)
    for _ in range(5):  # five invocations that received the record and died before answering
        assert len(shop.receive_all("CorvidaeQueue")) == 1
    assert shop.poll("CorvidaeFunction").deleted == 1
    (message,) = shop.dead_letters("CorvidaeDeadLetterQueue")
    reason = message["MessageAttributes"]["reason"]["StringValue"]
    assert reason.startswith("retries exhausted after 6 attempts")
    assert "HTTP 502" in reason


def test_unexpected_failure_on_the_last_attempt_is_dead_lettered_with_its_type(shop: LocalAws) -> None:
    post(shop)
    table = next(iter(shop.stack.tables.values()))
    shop.clients["dynamodb"].delete_table(TableName=table)  # our own dependency gone: not a vendor error
    for _ in range(4):  # four earlier attempts, which failed the same way
        assert len(shop.receive_all("CorvidaeQueue")) == 1
    assert shop.poll("CorvidaeFunction").deleted == 1
    (message,) = shop.dead_letters("CorvidaeDeadLetterQueue")
    reason = message["MessageAttributes"]["reason"]["StringValue"]
    assert reason.startswith("unexpected ResourceNotFoundException on attempt 5 of 5")
    assert message["MessageAttributes"]["event_id"]["StringValue"]


def test_unexpected_failure_before_the_last_attempt_stays_on_the_queue(shop: LocalAws) -> None:
    post(shop)
    shop.clients["dynamodb"].delete_table(TableName=next(iter(shop.stack.tables.values())))
    assert shop.poll("CorvidaeFunction").failed == 1
    assert shop.dead_letters("CorvidaeDeadLetterQueue") == []
    # offered again after the backoff (zero here), not after the queue's whole visibility timeout
    assert len(shop.receive_all("CorvidaeQueue")) == 1


def test_our_queue_failing_mid_batch_fails_only_that_record(shop: LocalAws, sandboxes: SandboxServer) -> None:
    """SQS itself erroring (here: the queue is gone) must not escape and fail the batch."""
    sandboxes.add_faults("corvidae", Fault(status=502), times=10)
    post(shop)
    (message,) = shop.receive_all("CorvidaeQueue")
    shop.clients["sqs"].delete_queue(QueueUrl=shop.stack.queues["CorvidaeQueue"])
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {"ApproximateReceiveCount": "not a number"},
    }
    answer = shop.invoke("CorvidaeFunction", {"Records": [record]})
    assert answer == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}


def test_redelivered_record_is_not_sent_twice(shop: LocalAws, sandboxes: SandboxServer) -> None:
    # GIVEN a delivered order
    post(shop)
    shop.poll("CorvidaeFunction")
    # WHEN SNS/SQS delivers the same canonical event again (a new message, same event)
    body = json.dumps(fixture_json(ORDER)).encode()
    response = shop.invoke("IngressFunction", api_event(body, webhook_id="w-other-subscription"))
    assert response["statusCode"] == 202
    shop.poll("CorvidaeFunction")
    # THEN the vendor saw it once and the record was acknowledged as skipped
    assert len(sandboxes.recorded("corvidae")) == 1
    assert shop.queue_depth("CorvidaeQueue") == 0


def test_missing_settings_dead_letter_the_record(shop: LocalAws, sandboxes: SandboxServer) -> None:
    shop.seed_shop({"corvidae": {"app_id": "demo-app"}})  # tracking_host and digital_property missing
    post(shop)
    shop.poll("CorvidaeFunction")
    (message,) = shop.dead_letters("CorvidaeDeadLetterQueue")
    assert "invalid corvidae settings" in message["MessageAttributes"]["reason"]["StringValue"]
    assert sandboxes.recorded("corvidae") == []


def test_tracify_status_false_on_200_is_a_failure_not_a_delivery(local: LocalAws) -> None:
    # GIVEN Tracify refuses events for a site the key does not belong to, with HTTP 200
    tracify = TracifySandbox(api_key=LOG_SCANNED_API_KEY, customer_site_id=SITE_ID)
    with running_sandboxes(tracify=tracify) as server:
        other_site = "9b2f1c1e-0000-4000-8000-000000000000"
        local.seed_shop(
            {"tracify": shop_settings("tracify", server, api_key=LOG_SCANNED_API_KEY, customer_site_id=other_site)}
        )
        post(local)
        local.poll("TracifyFunction")
        # THEN the answer was 200, but the record is dead-lettered with Tracify's error
        assert [d.status for d in server.recorded("tracify")] == [200]
        (message,) = local.dead_letters("TracifyDeadLetterQueue")
        assert "customer_site_id" in message["MessageAttributes"]["reason"]["StringValue"]


def test_an_effect_the_vendor_took_is_not_sent_again_when_its_record_cannot_be_marked_done(
    shop: LocalAws, sandboxes: SandboxServer
) -> None:
    from shoprelay_tools.stack.aws_faults import AwsFaultProxy
    from shoprelay_tools.stack.lambda_runtime import sqs_event
    from shoprelay_tools.stack.process_runtime import FunctionProcesses

    # edrone's cancellation is claimed, then marked done (its orders, like Corvidae's and
    # Tracify's effects, are marked in one write, since the vendor ignores a repeat)
    post(shop, topic="orders/cancelled", order={**fixture_json(ORDER), "cancelled_at": "2024-01-16T10:00:00+01:00"})
    (message,) = shop.receive_all("EdroneQueue")
    queue = shop.stack.queues["EdroneQueue"].rsplit("/", 1)[-1]
    event = sqs_event([message], f"arn:aws:sqs:us-east-1:123456789012:{queue}")
    spec = shop.stack.functions["EdroneFunction"]
    with (
        AwsFaultProxy(shop.endpoint, seed=3) as proxy,
        FunctionProcesses(spec, extra_env={"AWS_ENDPOINT_URL": proxy.url}) as function,
    ):
        # GIVEN every write marking an effect done fails, after the vendor has answered 2xx
        proxy.fail("dynamodb", "UpdateItem", times=None)
        first = function.invoke(event)
        # THEN the record counts as delivered: nothing for a retry to send again
        assert first.status == "ok", first.error
        assert first.payload == {"batchItemFailures": []}
        assert any("could not be marked done" in line for line in first.logs)
        # AND the same message arriving again (SQS delivers at least once) is not sent twice
        proxy.clear()
        again = function.invoke(event)
        assert again.status == "ok", again.error
    assert [hit.status for hit in sandboxes.recorded("edrone")] == [200]
