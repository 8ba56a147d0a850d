"""A vendor function delivers a batch's records side by side, on moto and a vendor sandbox.

Each test posts webhooks through the ingress, receives one batch of ten from the vendor's queue
and hands it to the vendor function as the SQS event source mapping would, then reads what
the sandbox was asked, and when. The sandbox answers every request late, as a vendor does, so
records that run side by side overlap at the vendor and records that wait for each other do not.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from support.sandboxes import running_sandboxes, shop_settings
from support.stack import FAST_RETRIES, LocalAws
from support.webhooks import api_event, fixture_json

from shoprelay.delivery.deadline import invocation_seconds, record_seconds
from shoprelay_tools.demo import demo_account
from shoprelay_tools.sandboxes.server import Fault, SandboxServer
from shoprelay_tools.sandboxes.timing import Span, TimedSandbox, most_at_once
from shoprelay_tools.stack.lambda_runtime import FakeContext, sqs_event
from shoprelay_tools.stack.process_runtime import FunctionProcesses
from shoprelay_tools.stack.provision import REGION

ORDER = "orders-create.test-store-shop-AUD-buyer-USD.json"
RECORDS = 10
ANSWERS_AFTER = 0.5
VENDORS = ("corvidae", "mytracker")


@dataclass
class Vendors:
    server: SandboxServer
    timed: dict[str, TimedSandbox]

    def spans(self, vendor: str, event_id: str | None = None) -> list[Span]:
        return [s for s in self.timed[vendor].spans() if event_id is None or s.event_id == event_id]


@pytest.fixture
def vendors() -> Iterator[Vendors]:
    timed = {name: TimedSandbox(demo_account(name).sandbox(), ANSWERS_AFTER) for name in VENDORS}
    with running_sandboxes(**timed) as server:
        yield Vendors(server, timed)


def seed(local: LocalAws, vendors: Vendors, **overrides: Any) -> None:
    local.seed_shop({name: shop_settings(name, vendors.server, timeout_seconds=5, **overrides) for name in VENDORS})


def post(local: LocalAws, number: int, topic: str = "orders/create", financial_status: str = "paid") -> str:
    """One webhook for order ``number`` (a different order for each number); its event id."""
    order: dict[str, Any] = fixture_json(ORDER)
    order["id"] = int(order["id"]) + number
    order["name"] = f"#C{number}"
    order["financial_status"] = financial_status
    body = json.dumps(order).encode()
    hook = f"{topic.replace('/', '-')}-{number}"
    event = api_event(body, topic=topic, webhook_id=f"w-{hook}", event_id=hook)
    response = local.invoke("IngressFunction", event)
    for _ in range(3):  # a 503 asks for a retry, as Shopify would make (a loaded emulator can be slow)
        if response["statusCode"] != 503:
            break
        time.sleep(1)
        response = local.invoke("IngressFunction", event)
    assert response["statusCode"] == 202, response["body"]
    event_id: str = json.loads(response["body"])["id"]
    return event_id


def invoke(local: LocalAws, vendor: str, messages: list[dict[str, Any]]) -> set[str]:
    """Run the batch through the vendor function; the ids of the messages it failed."""
    queue_url = local.stack.queues[f"{vendor.capitalize()}Queue"]
    arn = f"arn:aws:sqs:{REGION}:123456789012:{queue_url.rsplit('/', 1)[-1]}"
    function = f"{vendor.capitalize()}Function"
    answer = local.handler(function)(sqs_event(messages, arn), FakeContext(function_name=function))
    return {item["itemIdentifier"] for item in answer["batchItemFailures"]}


def message_of(messages: list[dict[str, Any]], event_id: str) -> str:
    return next(m["MessageId"] for m in messages if json.loads(m["Body"])["id"] == event_id)


def test_records_of_different_orders_are_at_the_vendor_at_the_same_time(local: LocalAws, vendors: Vendors) -> None:
    seed(local, vendors)
    events = [post(local, number) for number in range(RECORDS)]
    batch = local.receive_batch("CorvidaeQueue")
    assert len(batch) == RECORDS
    started = time.monotonic()
    assert invoke(local, "corvidae", batch) == set()
    took = time.monotonic() - started
    spans = vendors.spans("corvidae")
    assert sorted(s.event_id or "" for s in spans) == sorted(events)
    assert {s.status for s in spans} == {200}
    assert most_at_once(spans) == RECORDS
    # one record after another would take ten answers
    assert took < RECORDS * ANSWERS_AFTER / 2


@pytest.mark.parametrize("bound", [1, 4])
def test_a_shop_never_has_more_records_at_the_vendor_than_its_bound(
    local: LocalAws, vendors: Vendors, bound: int
) -> None:
    seed(local, vendors, max_in_flight=bound)
    for number in range(RECORDS):
        post(local, number)
    assert invoke(local, "corvidae", local.receive_batch("CorvidaeQueue")) == set()
    spans = vendors.spans("corvidae")
    assert len(spans) == RECORDS
    assert most_at_once(spans) == bound


def test_two_records_of_one_order_reach_the_vendor_in_order(local: LocalAws, vendors: Vendors) -> None:
    # GIVEN an order placed unpaid and then paid (MyTracker ADD, then PAY), among eight other orders
    seed(local, vendors)
    placed = post(local, 0, financial_status="pending")
    others = [post(local, number) for number in range(1, RECORDS - 1)]
    paid = post(local, 0, topic="orders/paid")
    batch = local.receive_batch("MytrackerQueue")
    ids = [json.loads(m["Body"])["id"] for m in batch]
    assert ids.index(placed) < ids.index(paid)
    # WHEN the batch runs
    assert invoke(local, "mytracker", batch) == set()
    # THEN ADD was answered before PAY was sent, while the other orders ran beside them
    (add,) = vendors.spans("mytracker", placed)
    (pay,) = vendors.spans("mytracker", paid)
    assert b'"status":"ADD"' in add.body
    assert b'"status":"PAY"' in pay.body
    assert add.ended <= pay.started
    assert (add.status, pay.status) == (200, 200)
    assert sorted(s.event_id or "" for s in vendors.spans("mytracker") if s.event_id in others) == sorted(others)
    assert most_at_once(vendors.spans("mytracker")) == RECORDS - 1


def test_a_failing_record_holds_back_the_rest_of_its_order(
    local: LocalAws, vendors: Vendors, log_lines: list[str]
) -> None:
    # GIVEN ADD and PAY of one order in a batch of ten, and the vendor failing ADD once
    seed(local, vendors)
    placed = post(local, 0, financial_status="pending")
    others = [post(local, number) for number in range(1, RECORDS - 1)]
    paid = post(local, 0, topic="orders/paid")
    vendors.timed["mytracker"].fail(placed, 503)
    batch = local.receive_batch("MytrackerQueue")
    # WHEN the batch runs
    failed = invoke(local, "mytracker", batch)
    # THEN ADD is retried, PAY is handed back without reaching the vendor, the rest is delivered
    assert failed == {message_of(batch, placed), message_of(batch, paid)}
    assert [s.status for s in vendors.spans("mytracker", placed)] == [503]
    assert vendors.spans("mytracker", paid) == []
    assert {s.event_id for s in vendors.spans("mytracker") if s.status == 200} == set(others)
    handed_back = [json.loads(line) for line in log_lines if '"record handed back"' in line]
    assert [(h["message_id"], h["step"]) for h in handed_back] == [
        (message_of(batch, paid), "an earlier record of its order")
    ]
    # WHEN both come round again (ADD after its zero backoff, PAY made visible at once)
    delete_delivered(local, batch, failed)
    again = local.receive_batch("MytrackerQueue")
    assert {json.loads(m["Body"])["id"] for m in again} == {placed, paid}
    assert invoke(local, "mytracker", again) == set()
    # THEN ADD is delivered, then PAY, each once
    add, pay = vendors.spans("mytracker", placed)[-1], vendors.spans("mytracker", paid)
    assert (add.status, [s.status for s in pay]) == (200, [200])
    assert add.ended <= pay[0].started


def delete_delivered(local: LocalAws, batch: list[dict[str, Any]], failed: set[str]) -> None:
    """What the event source mapping does after the answer, with failed records made visible at once."""
    sqs, queue_url = local.clients["sqs"], local.stack.queues["MytrackerQueue"]
    for message in batch:
        if message["MessageId"] in failed:
            sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        else:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_a_429_with_retry_after_stops_the_rest_of_the_shops_records(local: LocalAws, vendors: Vendors) -> None:
    # GIVEN ten orders of a shop that may have two at the vendor at once, and a vendor that
    # answers the first request with 429 and Retry-After
    seed(local, vendors, max_in_flight=2)
    for number in range(RECORDS):
        post(local, number)
    vendors.server.add_faults("corvidae", Fault(status=429, retry_after="3"), times=1)
    batch = local.receive_batch("CorvidaeQueue")
    # WHEN the batch runs
    failed = invoke(local, "corvidae", batch)
    # THEN only the two records already started reached the vendor; the rest were not sent
    statuses = sorted(d.status or 0 for d in vendors.server.recorded("corvidae"))
    assert statuses == [200, 429]
    assert len(failed) == RECORDS - 1
    # AND the eight not started wait as long as the vendor asked, like the one it answered
    sqs, queue_url = local.clients["sqs"], local.stack.queues["CorvidaeQueue"]
    assert sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages") is None
    time.sleep(3.2)
    assert len(local.receive_batch("CorvidaeQueue")) == RECORDS - 1


SHOP_TIMEOUT_SECONDS = 7
FUNCTION_TIMEOUT = 51.0
SLOW_ANSWER = FUNCTION_TIMEOUT * 7 / 60
BOUND = 3


def test_records_side_by_side_still_start_only_with_time_for_their_worst_case(local: LocalAws) -> None:
    """The vendor_deadline scenario, with three records at a time instead of one.

    A record starts only when its worst case fits in what is left, so after two rounds of
    slow answers the rest of the batch is handed back, and the function answers in time.
    """
    slow = TimedSandbox(demo_account("corvidae").sandbox(), SLOW_ANSWER)
    with running_sandboxes(corvidae=slow) as server:
        settings = shop_settings("corvidae", server, timeout_seconds=SHOP_TIMEOUT_SECONDS, max_in_flight=BOUND)
        local.seed_shop({"corvidae": settings})
        for number in range(RECORDS):
            post(local, number)
        spec = local.stack.functions["CorvidaeFunction"]
        assert invocation_seconds(SHOP_TIMEOUT_SECONDS) <= FUNCTION_TIMEOUT <= spec.timeout
        batch = local.receive_batch("CorvidaeQueue")
        queue_url = local.stack.queues["CorvidaeQueue"]
        arn = f"arn:aws:sqs:{REGION}:123456789012:{queue_url.rsplit('/', 1)[-1]}"
        with FunctionProcesses(spec, extra_env=FAST_RETRIES, timeout=FUNCTION_TIMEOUT) as function:
            result = function.invoke(sqs_event(batch, arn))
            assert function.killed == 0
    assert result.status == "ok", f"{result.status}: {result.error}"
    assert result.duration < FUNCTION_TIMEOUT
    # a round of three takes one slow answer; a round starts only with a record's worst case left
    rounds = 1 + int((FUNCTION_TIMEOUT - record_seconds(SHOP_TIMEOUT_SECONDS) - 1) // SLOW_ANSWER)
    failed = result.payload["batchItemFailures"]
    assert len(failed) == RECORDS - BOUND * rounds
    assert len(slow.spans()) == BOUND * rounds
    assert most_at_once(slow.spans()) == BOUND
    logs = result.json_logs()
    assert sum(1 for line in logs if line.get("message") == "record handed back") == len(failed)
    outcomes = [line.get("outcome") for line in logs if line.get("message") == "delivery outcome"]
    assert outcomes == ["delivered"] * BOUND * rounds
