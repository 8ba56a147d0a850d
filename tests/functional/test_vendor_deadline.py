"""A vendor function whose batch would outrun its timeout, run the way Lambda runs it.

The vendor function runs in a process of its own, killed at its timeout, and is fed from the
queue on moto like the SQS event source mapping feeds it. The scenario keeps the proportions
of a vendor that answers each request after 7 s of a 60 s function (7/60 of the timeout),
at a timeout a little over the least that holds one record at the shop's ``timeout_seconds``,
so that ten records need about 1.2 times what the function has. The shop's records go one at a
time (``max_in_flight`` 1), which is what makes ten answers outlast the function; records
delivered side by side under the same deadline are tests/functional/test_vendor_concurrency.py's.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from support.sandboxes import running_sandboxes, shop_settings
from support.stack import FAST_RETRIES, LocalAws
from support.webhooks import api_event, fixture_json

from shoprelay.delivery.deadline import (
    CLOSING_CALLS,
    MARGIN_SECONDS,
    aws_seconds,
    invocation_seconds,
    prepare_seconds,
    record_seconds,
)
from shoprelay_tools.demo import demo_account
from shoprelay_tools.sandboxes.server import SandboxServer
from shoprelay_tools.sandboxes.timing import TimedSandbox
from shoprelay_tools.stack.lambda_runtime import FakeContext, poll_once, sqs_event
from shoprelay_tools.stack.process_runtime import FunctionProcesses, Invocation
from shoprelay_tools.stack.provision import REGION

FUNCTION = "CorvidaeFunction"
QUEUE = "CorvidaeQueue"
SHOP_TIMEOUT_SECONDS = 7
FUNCTION_TIMEOUT = 51.0
VENDOR_ANSWERS_AFTER = FUNCTION_TIMEOUT * 7 / 60
RECORDS = 10
ORDER = "orders-create.test-store-shop-AUD-buyer-USD.json"


@pytest.fixture
def slow_vendor() -> Iterator[SandboxServer]:
    """Corvidae's sandbox behind a vendor that takes its time: every answer comes late but right."""
    slow = TimedSandbox(demo_account("corvidae").sandbox(), VENDOR_ANSWERS_AFTER)
    with running_sandboxes(corvidae=slow) as server:
        yield server


@pytest.fixture
def queued(local: LocalAws, slow_vendor: SandboxServer) -> list[str]:
    """Ten different orders accepted by the ingress, waiting on the vendor's queue."""
    return queue_orders(local, slow_vendor, RECORDS)


def queue_orders(local: LocalAws, vendor: SandboxServer, count: int, max_in_flight: int = 1) -> list[str]:
    settings = shop_settings("corvidae", vendor, timeout_seconds=SHOP_TIMEOUT_SECONDS, max_in_flight=max_in_flight)
    local.seed_shop({"corvidae": settings})
    event_ids = []
    for number in range(count):
        order: dict[str, Any] = fixture_json(ORDER)
        order["id"] = int(order["id"]) + number
        order["name"] = f"#D{number}"
        body = json.dumps(order).encode()
        event = api_event(body, webhook_id=f"w-deadline-{number}", event_id=f"e-deadline-{number}")
        response = local.invoke("IngressFunction", event)
        assert response["statusCode"] == 202, response["body"]
        event_ids.append(json.loads(response["body"])["id"])
    assert local.queue_depth(QUEUE) == count
    return event_ids


def run_batch(local: LocalAws, function: FunctionProcesses, messages: list[dict[str, Any]]) -> Invocation:
    """One invocation; then delete what it acknowledged and let the rest reappear at once.

    A failed record would reappear when the queue's visibility timeout ends; the test makes
    it visible again straight away instead of waiting.
    """
    sqs = local.clients["sqs"]
    queue_url = local.stack.queues[QUEUE]
    arn = f"arn:aws:sqs:{REGION}:123456789012:{queue_url.rsplit('/', 1)[-1]}"
    result = function.invoke(sqs_event(messages, arn))
    failed = set()
    if result.status == "ok":
        failed = {item["itemIdentifier"] for item in result.payload["batchItemFailures"]}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
    for message in messages:
        if result.status != "ok" or message["MessageId"] in failed:
            sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
    return result


def outcomes(result: Invocation) -> Counter[str]:
    return Counter(str(line.get("outcome")) for line in result.json_logs() if line.get("message") == "delivery outcome")


def test_a_batch_longer_than_the_function_is_handed_back_in_time_and_delivered_once(
    local: LocalAws, slow_vendor: SandboxServer, queued: list[str]
) -> None:
    spec = local.stack.functions[FUNCTION]
    # the scenario is a shortened template: the function can still hold one record at worst
    assert invocation_seconds(SHOP_TIMEOUT_SECONDS) <= FUNCTION_TIMEOUT <= spec.timeout
    # the vendor is slow, not failing: it answers within the shop's timeout, yet ten answers
    # take longer than the function has
    assert VENDOR_ANSWERS_AFTER < SHOP_TIMEOUT_SECONDS
    assert RECORDS * VENDOR_ANSWERS_AFTER > FUNCTION_TIMEOUT
    with FunctionProcesses(spec, extra_env=FAST_RETRIES, timeout=FUNCTION_TIMEOUT) as function:
        # WHEN the first batch of ten runs
        first_batch = local.receive_batch(QUEUE)
        assert len(first_batch) == RECORDS
        first = run_batch(local, function, first_batch)
        # THEN it answers before its timeout instead of being killed mid-batch
        assert first.status == "ok", f"{first.status}: {first.error}"
        assert first.duration < FUNCTION_TIMEOUT
        failed = {item["itemIdentifier"] for item in first.payload["batchItemFailures"]}
        # AND every record it finished is delivered, every other one is handed back
        assert outcomes(first)["delivered"] == RECORDS - len(failed)
        assert 0 < len(failed) < RECORDS
        assert sum(1 for line in first.json_logs() if line.get("message") == "record handed back") == len(failed)
        assert len(slow_vendor.recorded("corvidae")) == RECORDS - len(failed)
        # WHEN the handed-back records come round again, as often as it takes
        for _ in range(RECORDS):
            batch = local.receive_batch(QUEUE)
            if not batch:
                break
            again = run_batch(local, function, batch)
            assert again.status == "ok", f"{again.status}: {again.error}"
            assert again.duration < FUNCTION_TIMEOUT
        assert function.killed == 0
    # THEN every order reached the vendor exactly once, nothing is left, nothing dead-lettered
    hits = Counter(d.event_id for d in slow_vendor.recorded("corvidae"))
    assert hits == Counter(queued)
    assert {d.status for d in slow_vendor.recorded("corvidae")} == {200}
    assert local.queue_depth(QUEUE) == 0
    assert local.receive_all("CorvidaeDeadLetterQueue") == []


def test_a_batch_with_no_time_to_start_is_handed_back_untouched(
    local: LocalAws, slow_vendor: SandboxServer, queued: list[str]
) -> None:
    spec = local.stack.functions[FUNCTION]
    short = FakeContext(function_name=FUNCTION, timeout_seconds=int(prepare_seconds()) - 1)
    result = poll_once(local.clients["sqs"], spec.sqs_sources[0], local.handler(FUNCTION), short)
    assert (result.received, result.deleted, result.failed) == (RECORDS, 0, RECORDS)
    assert slow_vendor.recorded() == []
    assert local.receive_all("CorvidaeDeadLetterQueue") == []
    table = next(iter(local.stack.tables.values()))
    effects = local.clients["dynamodb"].scan(
        TableName=table, FilterExpression="begins_with(pk, :p)", ExpressionAttributeValues={":p": {"S": "effect#"}}
    )["Items"]
    assert effects == []


def test_a_record_handed_back_on_its_last_receive_is_dead_lettered_with_the_reason(
    local: LocalAws, slow_vendor: SandboxServer
) -> None:
    """SQS would move it on its next receive with no reason at all."""
    (event_id,) = queue_orders(local, slow_vendor, 1)
    redrive = local.clients["sqs"].get_queue_attributes(
        QueueUrl=local.stack.queues[QUEUE], AttributeNames=["RedrivePolicy"]
    )["Attributes"]["RedrivePolicy"]
    for _ in range(int(json.loads(redrive)["maxReceiveCount"]) - 1):  # earlier receives that came to nothing
        assert len(local.receive_all(QUEUE)) == 1
    spec = local.stack.functions[FUNCTION]
    # time to read the record and its settings, and to dead-letter it, but not to deliver it
    left = int(prepare_seconds() + aws_seconds(CLOSING_CALLS) + MARGIN_SECONDS) + 1
    assert left < record_seconds(SHOP_TIMEOUT_SECONDS)
    short = FakeContext(function_name=FUNCTION, timeout_seconds=left)
    result = poll_once(local.clients["sqs"], spec.sqs_sources[0], local.handler(FUNCTION), short)
    assert (result.received, result.deleted) == (1, 1)
    (message,) = local.receive_all("CorvidaeDeadLetterQueue")
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["reason"].startswith("not started on its last receive: the record needs up to")
    assert json.loads(message["Body"])["id"] == event_id
    assert slow_vendor.recorded() == []
