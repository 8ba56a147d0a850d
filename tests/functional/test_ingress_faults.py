"""The ingress under faults on our own side: AWS slow, failing or throttling.

The function runs as Lambda runs it (its own process, killed at the template's Timeout) and
reaches moto's server through the fault proxy. Shopify is played by retrying a webhook until
it gets a 2xx. What must hold: a webhook is answered 2xx only once it is published, it is
published exactly once whatever failed on the way, and a retry is never told "duplicate"
for an order that was not published.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from support.stack import LocalAws
from support.webhooks import api_event, fixture_bytes

from shoprelay_tools.stack.aws_faults import AwsFaultProxy
from shoprelay_tools.stack.process_runtime import FunctionProcesses, Invocation

ORDER = "orders-create.test-store-shop-AUD-buyer-USD.json"
VENDORS = ("edrone", "tracify")
RETRY_FOR_SECONDS = 25.0
"""How long a test plays Shopify retrying; longer than one lease (the 10 s Timeout)."""


@pytest.fixture
def shop(local: LocalAws) -> LocalAws:
    local.seed_shop({vendor: {"enabled": True} for vendor in VENDORS})
    return local


@pytest.fixture
def proxy(shop: LocalAws) -> Iterator[AwsFaultProxy]:
    with AwsFaultProxy(shop.endpoint, seed=12) as running:
        yield running


@pytest.fixture
def ingress(shop: LocalAws, proxy: AwsFaultProxy) -> Iterator[FunctionProcesses]:
    spec = shop.stack.functions["IngressFunction"]
    with FunctionProcesses(spec, extra_env={"AWS_ENDPOINT_URL": proxy.url}) as processes:
        yield processes


def webhook(webhook_id: str = "w-fault", body: bytes | None = None) -> dict[str, Any]:
    return api_event(fixture_bytes(ORDER) if body is None else body, webhook_id=webhook_id, event_id=f"e-{webhook_id}")


def answer(result: Invocation) -> tuple[int | str, dict[str, Any]]:
    """The status Shopify sees (or how the invocation ended) and the body."""
    if result.status != "ok":
        return result.status, {}
    return result.payload["statusCode"], json.loads(result.payload["body"])


def is_duplicate(result: Invocation) -> bool:
    return answer(result)[1].get("status") == "duplicate"


def retry_until_accepted(ingress: FunctionProcesses, event: dict[str, Any]) -> list[Invocation]:
    """Shopify's retries: the same webhook again until it gets a 2xx, or the test gives up."""
    tries: list[Invocation] = []
    deadline = time.monotonic() + RETRY_FOR_SECONDS
    while time.monotonic() < deadline:
        tries.append(ingress.invoke(event))
        status = answer(tries[-1])[0]
        if isinstance(status, int) and 200 <= status < 300:
            return tries
        time.sleep(0.5)
    return tries


def published(shop: LocalAws) -> dict[str, list[str]]:
    """Event ids on each enabled vendor's queue."""
    return {
        vendor: [json.loads(m["Body"])["id"] for m in shop.receive_all(f"{vendor.capitalize()}Queue")]
        for vendor in VENDORS
    }


def assert_published_once(shop: LocalAws, tries: list[Invocation]) -> None:
    final, body = answer(tries[-1])
    assert final == 202, [answer(t) for t in tries]
    assert not any(is_duplicate(t) for t in tries), [answer(t) for t in tries]
    assert published(shop) == {vendor: [body["id"]] for vendor in VENDORS}


def logged(result: Invocation, text: str) -> bool:
    return any(text in line for line in result.logs)


# -- (a) a publish that hangs ------------------------------------------------------------------


def test_a_publish_hanging_until_the_kill_is_published_by_a_later_retry(
    shop: LocalAws, proxy: AwsFaultProxy, ingress: FunctionProcesses
) -> None:
    # GIVEN SNS accepts the publish and then answers so slowly that no read timeout ends it
    proxy.hang("sns", "Publish", trickle=True)
    # WHEN the first attempt is killed at the Timeout, mid-publish
    first = ingress.invoke(webhook())
    assert first.status == "timeout"
    assert published(shop) == {vendor: [] for vendor in VENDORS}
    # THEN Shopify's retries are not told "duplicate", and once the lease has run out one publishes
    tries = retry_until_accepted(ingress, webhook())
    assert_published_once(shop, tries)
    assert all(answer(t)[0] in {202, 503} for t in tries)


def test_a_silent_publish_hang_is_answered_503_before_the_timeout(
    shop: LocalAws, proxy: AwsFaultProxy, ingress: FunctionProcesses
) -> None:
    # GIVEN SNS never answers the publish
    proxy.hang("sns", "Publish", seconds=60)
    # WHEN the webhook arrives
    first = ingress.invoke(webhook())
    # THEN the client's own timeout ends the call: a 503, well before Lambda would kill it
    assert answer(first)[0] == 503, (first.status, first.error)
    assert first.duration < ingress.timeout - 1
    # AND the lease was given back: the next retry publishes at once
    again = ingress.invoke(webhook())
    assert_published_once(shop, [first, again])


# -- (b) a retry while the first attempt still hangs -------------------------------------------


def test_a_retry_while_the_first_attempt_hangs_is_not_answered_duplicate(
    shop: LocalAws, proxy: AwsFaultProxy, ingress: FunctionProcesses
) -> None:
    # GIVEN the first attempt hangs in its publish
    proxy.hang("sns", "Publish", trickle=True)
    results: list[Invocation] = []
    first = threading.Thread(target=lambda: results.append(ingress.invoke(webhook())))
    first.start()
    proxy.wait_for("sns", "Publish", timeout=20)
    # WHEN Shopify, tired of waiting, delivers the same webhook again
    retry = ingress.invoke(webhook())
    # THEN the retry gets a 5xx that asks to come back later, not "duplicate"
    status, body = answer(retry)
    assert status == 503, (status, body)
    assert int(retry.payload["headers"]["Retry-After"]) >= 1
    assert logged(retry, "WebhookInProgress")
    first.join(timeout=30)
    assert results[0].status == "timeout"
    # AND a later retry publishes it, exactly once
    tries = retry_until_accepted(ingress, webhook())
    assert_published_once(shop, [retry, *tries])


# -- (c) AWS errors and throttling ---------------------------------------------------------------


# An orders/create writes the order memory (PutItem), then takes the lease (PutItem), then marks
# it done (UpdateItem): ``skip=1`` on PutItem lets the order memory through and hits the lease.
FAULTS = {
    "sns publish 500": lambda p: p.fail("sns", "Publish", times=None),
    "sns publish 503": lambda p: p.fail("sns", "Publish", status=503, times=None),
    "sns throttling": lambda p: p.throttle("sns", "Publish", times=None),
    "dynamodb throttling": lambda p: p.throttle("dynamodb", times=None),
    "dynamodb provisioned throughput exceeded on the lease": lambda p: p.throttle(
        "dynamodb", "PutItem", code="ProvisionedThroughputExceededException", times=None, skip=1
    ),
    "dynamodb 500 on order memory": lambda p: p.fail("dynamodb", "PutItem", times=None),
    "dynamodb 500 on the lease": lambda p: p.fail("dynamodb", "PutItem", times=None, skip=1),
    "ssm throttling": lambda p: p.throttle("ssm", times=None),
    "ssm 500": lambda p: p.fail("ssm", times=None),
}


@pytest.mark.parametrize("inject", FAULTS.values(), ids=FAULTS.keys())
def test_an_aws_fault_is_a_timely_5xx_and_a_later_retry_publishes_once(
    shop: LocalAws, proxy: AwsFaultProxy, ingress: FunctionProcesses, inject: Any
) -> None:
    # GIVEN the dependency fails on every call
    inject(proxy)
    # WHEN the webhook arrives
    first = ingress.invoke(webhook())
    # THEN it is answered 5xx, by the function itself and not by its timeout
    status, body = answer(first)
    assert first.status == "ok", (first.status, first.error)
    assert isinstance(status, int)
    assert 500 <= status < 600, (status, body)
    assert published(shop) == {vendor: [] for vendor in VENDORS}
    # AND once the dependency is back, Shopify's retry publishes it, exactly once
    proxy.clear()
    tries = retry_until_accepted(ingress, webhook())
    assert_published_once(shop, [first, *tries])


@pytest.mark.parametrize(
    "inject",
    [
        lambda p: p.throttle("dynamodb", "PutItem", skip=1),
        lambda p: p.fail("sns", "Publish"),
        lambda p: p.throttle("ssm"),
    ],
    ids=["dynamodb lease throttled once", "sns publish fails once", "ssm throttled once"],
)
def test_a_passing_fault_costs_at_most_a_retry(
    shop: LocalAws, proxy: AwsFaultProxy, ingress: FunctionProcesses, inject: Any
) -> None:
    inject(proxy)
    tries = retry_until_accepted(ingress, webhook())
    assert_published_once(shop, tries)
    assert all(t.status == "ok" for t in tries)


def test_a_publish_whose_completion_fails_once_is_marked_done_by_a_second_try(
    shop: LocalAws, proxy: AwsFaultProxy, ingress: FunctionProcesses
) -> None:
    # GIVEN the lease is taken, but the first write marking it done fails
    proxy.fail("dynamodb", "UpdateItem")
    result = ingress.invoke(webhook())
    # THEN it is accepted and done: Shopify sending the webhook again gets "duplicate"
    assert answer(result)[0] == 202
    assert not logged(result, "DeliveryNotMarkedDone")
    assert is_duplicate(ingress.invoke(webhook()))
    assert published(shop) == {vendor: [answer(result)[1]["id"]] for vendor in VENDORS}


def test_a_publish_whose_completion_keeps_failing_is_still_accepted_and_counted(
    shop: LocalAws, proxy: AwsFaultProxy, ingress: FunctionProcesses
) -> None:
    # GIVEN the lease is taken, but every write marking it done fails
    proxy.fail("dynamodb", "UpdateItem", times=None)
    result = ingress.invoke(webhook())
    # THEN the published webhook is answered 2xx (a 5xx would make Shopify send it again)
    assert answer(result)[0] == 202
    assert_published_once(shop, [result])
    # AND an operator sees it
    assert logged(result, "DeliveryNotMarkedDone")


# -- the pieces the fixes rely on ----------------------------------------------------------------


def test_an_attempt_without_time_to_publish_gives_the_lease_back(
    shop: LocalAws, proxy: AwsFaultProxy, ingress: FunctionProcesses
) -> None:
    # GIVEN an invocation with less time left than a publish needs at worst
    spec = shop.stack.functions["IngressFunction"]
    with FunctionProcesses(spec, extra_env={"AWS_ENDPOINT_URL": proxy.url}, timeout=3) as hurried:
        short = hurried.invoke(webhook())
    # THEN it does not start publishing: 503, nothing published
    assert answer(short)[0] == 503, (short.status, short.error)
    assert logged(short, "WebhookOutOfTime")
    assert proxy.calls_to("sns") == []
    # AND its lease was released, so a retry with enough time publishes at once
    assert_published_once(shop, [short, ingress.invoke(webhook())])


def test_an_accepted_webhook_makes_no_more_aws_calls_than_its_budget_counts(
    shop: LocalAws, proxy: AwsFaultProxy, ingress: FunctionProcesses
) -> None:
    from shoprelay.ingress.app import AWS_CALLS

    result = ingress.invoke(webhook())
    assert answer(result)[0] == 202
    made = Counter(call.service for call in proxy.calls)
    budgeted = Counter(AWS_CALLS)
    assert made <= budgeted, (made, budgeted)


def test_a_done_delivery_is_a_duplicate(shop: LocalAws, ingress: FunctionProcesses) -> None:
    first = ingress.invoke(webhook())
    again = ingress.invoke(webhook())
    assert answer(again) == (200, {"status": "duplicate", "id": answer(first)[1]["id"]})
    assert_published_once(shop, [first])


# -- (d) deeply nested JSON ------------------------------------------------------------------


@pytest.mark.parametrize("depth", [100_000, 1_000_000])
def test_deeply_nested_json_is_a_400(shop: LocalAws, ingress: FunctionProcesses, depth: int) -> None:
    # GIVEN a correctly signed order with a deeply nested value in a field nobody reads
    order = fixture_bytes(ORDER).rstrip()
    body = order[:-1] + b', "unread": ' + b"[" * depth + b"]" * depth + b"}"
    result = ingress.invoke(webhook("w-deep", body))
    # THEN the request itself is wrong: 400, never a 503 that Shopify would retry for ever
    status, payload = answer(result)
    assert status == 400, (status, result.error)
    assert payload["field"] == ""
    assert published(shop) == {vendor: [] for vendor in VENDORS}


# -- the lease itself ------------------------------------------------------------------------


@pytest.fixture
def table(local: LocalAws) -> Any:
    from shoprelay.state import StateTable

    return StateTable(local.stack.tables["StateTable"], local.clients["dynamodb"])


KEY = "shop#event#e"


def test_a_live_lease_is_held_and_an_expired_one_is_taken_over(table: Any) -> None:
    from shoprelay.state.table import ClaimOutcome

    first = table.claim_delivery(KEY, 3600, lease_seconds=1.0)
    held = table.claim_delivery(KEY, 3600, lease_seconds=5.0)
    assert (first.outcome, held.outcome) == (ClaimOutcome.CLAIMED, ClaimOutcome.HELD)
    assert held.lease_until == pytest.approx(first.lease_until, abs=0.01)
    time.sleep(1.2)
    taken = table.claim_delivery(KEY, 3600, lease_seconds=5.0)
    assert taken.outcome is ClaimOutcome.CLAIMED
    # the first holder, waking up, can no longer give back what is now someone else's
    table.release_delivery(KEY, first.owner)
    assert table.claim_delivery(KEY, 3600, lease_seconds=5.0).outcome is ClaimOutcome.HELD
    table.release_delivery(KEY, taken.owner)
    assert table.claim_delivery(KEY, 3600, lease_seconds=5.0).outcome is ClaimOutcome.CLAIMED


def test_a_done_key_stays_done(table: Any) -> None:
    from shoprelay.state.table import ClaimOutcome

    # GIVEN an event published by one delivery
    first = table.claim_delivery(KEY, 3600, lease_seconds=5.0)
    table.complete_delivery(KEY)
    # THEN every later delivery of it is a duplicate, and a late release does not undo that
    assert table.claim_delivery(KEY, 3600, lease_seconds=5.0).outcome is ClaimOutcome.DONE
    table.release_delivery(KEY, first.owner)
    assert table.claim_delivery(KEY, 3600, lease_seconds=5.0).outcome is ClaimOutcome.DONE


def test_a_record_from_before_leases_counts_as_done(table: Any) -> None:
    from shoprelay.state.table import ClaimOutcome, _delivery_key

    table.client.put_item(
        TableName=table.name,
        Item={"pk": {"S": _delivery_key(KEY)}, "sk": {"S": "-"}, "expires_at": {"N": str(int(time.time()) + 60)}},
    )
    assert table.claim_delivery(KEY, 3600, lease_seconds=5.0).outcome is ClaimOutcome.DONE
