"""Pausing a shop, and pacing its calls to a vendor's rate limit, on moto and a vendor sandbox.

Events are put on the vendor's queue as the ingress publishes them (the shop as message
group), and the vendor function from template.yaml is polled as Lambda's event source does.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from support.sandboxes import LOG_SCANNED_API_KEY, running_sandboxes, shop_settings
from support.stack import FAST_RETRIES, LocalAws
from support.vendor_events import AUD_USD, canonical_event
from support.webhooks import api_event, fixture_json

from shoprelay.canonical import to_json_text
from shoprelay.state.pacing import Pacer, PaceTooFarError
from shoprelay.state.pauses import PauseStore
from shoprelay_tools.sandboxes.server import Fault, SandboxServer
from shoprelay_tools.sandboxes.tracify import TracifySandbox

SHOP = "demo-shop.myshopify.com"
SITE_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
RECHECK = {**FAST_RETRIES, "PAUSE_RECHECK_SECONDS": "1"}


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[SandboxServer]:
    tracify = TracifySandbox(api_key=LOG_SCANNED_API_KEY, customer_site_id=SITE_ID)
    with running_sandboxes("corvidae", tracify=tracify) as server:
        yield server


def seed(local: LocalAws, sandboxes: SandboxServer, **corvidae: Any) -> None:
    sandboxes.clear()
    local.extra_env = dict(RECHECK)
    local.seed_shop(
        {
            "corvidae": shop_settings("corvidae", sandboxes, **corvidae),
            "tracify": shop_settings("tracify", sandboxes, api_key=LOG_SCANNED_API_KEY, customer_site_id=SITE_ID),
        }
    )


def enqueue(local: LocalAws, queue: str, order_id: int) -> str:
    body = fixture_json(AUD_USD)
    body["id"] = order_id
    event = canonical_event(body, "orders/create", shop=SHOP, received_at=datetime.now(UTC), webhook_id=f"w-{order_id}")
    local.clients["sqs"].send_message(
        QueueUrl=local.stack.queues[queue], MessageBody=to_json_text(event), MessageGroupId=SHOP
    )
    return event.id


def pauses(local: LocalAws) -> PauseStore:
    return PauseStore(next(iter(local.stack.tables.values())), local.clients["dynamodb"])


def pacer(local: LocalAws) -> Pacer:
    return Pacer(next(iter(local.stack.tables.values())), local.clients["dynamodb"])


def test_a_paused_shop_waits_in_its_queue_without_spending_receives_and_is_delivered_after_resume(
    local: LocalAws, sandboxes: SandboxServer
) -> None:
    seed(local, sandboxes)
    pauses(local).pause(SHOP)
    event_id = enqueue(local, "CorvidaeQueue", 1001)
    looks = 0
    for _ in range(24):  # more looks than the fixed attempts: none of them may count as one
        result = local.poll("CorvidaeFunction")
        assert (result.failed, len(sandboxes.recorded("corvidae"))) == (0, 0)
        looks += result.received
        time.sleep(0.25)
    assert looks >= 6
    time.sleep(1.2)
    (waiting,) = local.receive_all("CorvidaeQueue")
    assert waiting["Attributes"]["ApproximateReceiveCount"] == "1"
    assert waiting["Attributes"].get("MessageGroupId") == SHOP
    assert local.receive_all("CorvidaeDeadLetterQueue") == []

    assert pauses(local).resume(SHOP)
    deadline = time.monotonic() + 10
    while not sandboxes.recorded("corvidae") and time.monotonic() < deadline:
        local.poll("CorvidaeFunction")
        time.sleep(0.3)
    (delivered,) = sandboxes.recorded("corvidae")
    assert (delivered.status, delivered.event_id) == (200, event_id)
    assert local.queue_depth("CorvidaeQueue") == 0


def test_pausing_one_vendor_holds_only_that_vendor(local: LocalAws, sandboxes: SandboxServer) -> None:
    seed(local, sandboxes)
    pauses(local).pause(SHOP, "corvidae")
    enqueue(local, "CorvidaeQueue", 1002)
    enqueue(local, "TracifyQueue", 1002)
    local.poll("CorvidaeFunction")
    local.poll("TracifyFunction")
    assert sandboxes.recorded("corvidae") == []
    assert [d.status for d in sandboxes.recorded("tracify")] == [200]
    assert [(p.vendor) for p in pauses(local).pauses(SHOP)] == ["corvidae"]
    assert not pauses(local).resume(SHOP, "tracify")  # was never paused there


def test_calls_keep_to_the_shops_rate_across_a_batch(local: LocalAws, sandboxes: SandboxServer) -> None:
    seed(local, sandboxes, requests_per_second=1, max_in_flight=2)
    for order in range(2001, 2009):
        enqueue(local, "CorvidaeQueue", order)
    started = time.time()
    deadline = time.monotonic() + 30
    while len(sandboxes.recorded("corvidae")) < 8 and time.monotonic() < deadline:
        local.poll("CorvidaeFunction")
    times = sorted(d.received_at for d in sandboxes.recorded("corvidae"))
    assert len(times) == 8
    # one call per one-second window, so the eighth call starts at least six whole windows
    # after the one the batch began in (unpaced, the batch's calls all go within about a second)
    assert times[-1] - started >= 6 - 0.05
    assert all(d.status == 200 for d in sandboxes.recorded("corvidae"))
    assert local.receive_all("CorvidaeDeadLetterQueue") == []


def test_a_turn_too_far_off_waits_in_the_queue_without_a_request(local: LocalAws, sandboxes: SandboxServer) -> None:
    seed(local, sandboxes, requests_per_second=1 / window_just_begun(), max_in_flight=1)
    enqueue(local, "CorvidaeQueue", 3001)
    enqueue(local, "CorvidaeQueue", 3002)
    result = local.poll("CorvidaeFunction")
    assert (result.received, result.deleted, result.failed) == (2, 1, 1)
    assert len(sandboxes.recorded("corvidae")) == 1  # the second was never sent, so never refused
    assert local.receive_all("CorvidaeDeadLetterQueue") == []
    assert local.poll("CorvidaeFunction").received == 0  # hidden for its turn, many minutes


def window_just_begun(about: float = 1000.0, into: float = 5.0) -> float:
    """A window length, near ``about`` seconds, whose current window began ``into`` seconds ago.

    Windows are aligned to multiples of their length, so with a fixed length the first call
    could fall at the end of its window and the second one's window begin moments later.
    """
    now = time.time()
    windows = math.floor(now / about)
    return (now - into) / windows


def test_reservations_from_many_invocations_never_exceed_the_rate(local: LocalAws) -> None:
    """Six invocations' pacers taking turns on one key. They run one after another here:
    moto does not serialise concurrent updates of one item as DynamoDB does, so racing them
    would test the emulator."""
    seen: dict[str, float] = {}

    def clock() -> float:
        seen["now"] = time.time()
        return seen["now"]

    table, dynamodb = next(iter(local.stack.tables.values())), local.clients["dynamodb"]
    pacers = [Pacer(table, dynamodb, clock=clock) for _ in range(6)]
    turns = []
    for _ in range(8):
        for paced in pacers:
            wait = paced.reserve("shop#vendor", 10, max_wait=30)
            turns.append(seen["now"] + wait)
    per_second = Counter(math.floor(turn + 1e-6) for turn in turns)
    assert sum(per_second.values()) == 48
    assert max(per_second.values()) <= 10
    assert len(per_second) >= 5


def test_a_turn_further_than_the_caller_can_wait_is_not_taken(local: LocalAws) -> None:
    paced = pacer(local)
    assert paced.reserve("shop#slow", 0.1, max_wait=0) == 0  # one call per 10 s window
    with pytest.raises(PaceTooFarError) as refused:
        paced.reserve("shop#slow", 0.1, max_wait=0)
    assert 0 < refused.value.wait <= 10
    assert 0 < paced.reserve("shop#slow", 0.1, max_wait=10) <= 10  # the refusal took no turn


def test_an_outage_longer_than_five_attempts_is_ridden_out_and_delivered(
    local: LocalAws, sandboxes: SandboxServer
) -> None:
    """The vendor answers 503 for 15 s: five attempts, which used to be the end of the record.

    Retry waits 1, 2, 4 and 8 s and an 18 s window: the template's 10 s base and a 3 h window
    (``RetryHours`` 0.05 at a 60-fold scale), compressed tenfold through ``RETRY_TIME_SCALE``.
    """
    seed(local, sandboxes)
    local.extra_env = {"RETRY_TIME_SCALE": "0.1", "RETRY_HOURS": "0.05"}
    sandboxes.add_faults("corvidae", Fault(status=503), times=5)
    event_id = enqueue(local, "CorvidaeQueue", 4001)
    deadline = time.monotonic() + 60
    while not any(d.status == 200 for d in sandboxes.recorded("corvidae")) and time.monotonic() < deadline:
        local.poll("CorvidaeFunction")
        time.sleep(0.5)
    assert [d.status for d in sandboxes.recorded("corvidae")] == [503] * 5 + [200]
    assert sandboxes.recorded("corvidae")[-1].event_id == event_id
    assert local.receive_all("CorvidaeDeadLetterQueue") == []
    assert local.queue_depth("CorvidaeQueue") == 0


def test_a_record_failing_past_its_window_is_dead_lettered_with_the_reason(
    local: LocalAws, sandboxes: SandboxServer
) -> None:
    seed(local, sandboxes)
    local.extra_env = {"RETRY_TIME_SCALE": "0.1", "RETRY_HOURS": "0.02"}  # 7.2 s window
    sandboxes.add_faults("corvidae", Fault(status=503), times=20)
    enqueue(local, "CorvidaeQueue", 4002)
    deadline = time.monotonic() + 60
    while not local.receive_all("CorvidaeDeadLetterQueue") and time.monotonic() < deadline:
        local.poll("CorvidaeFunction")
        time.sleep(0.5)
    (letter,) = local.dead_letters("CorvidaeDeadLetterQueue")
    reason = letter["MessageAttributes"]["reason"]["StringValue"]
    # at least the five fixed attempts, and not before the window has passed
    found = re.match(r"retries exhausted after (\d+) attempts in (\d+) s: .*HTTP 503", reason)
    assert found is not None, reason
    attempts, waited = int(found[1]), int(found[2])
    assert attempts >= 5
    assert waited >= 7
    assert len(sandboxes.recorded("corvidae")) == attempts


def test_the_ingress_publishes_with_the_shop_as_message_group(local: LocalAws, sandboxes: SandboxServer) -> None:
    """What makes the vendor queues fair queues on AWS: each message names its shop's group."""
    seed(local, sandboxes)
    body = json.dumps(fixture_json(AUD_USD)).encode()
    answer = local.invoke("IngressFunction", api_event(body, webhook_id="w-group"))
    assert answer["statusCode"] == 202, answer["body"]
    for queue in ("CorvidaeQueue", "TracifyQueue"):
        (message,) = local.receive_all(queue)
        assert message["Attributes"].get("MessageGroupId") == SHOP
