"""Claims on vendor effects: a claim whose answer was lost, a live holder, and a takeover.

The table is template.yaml's on moto's server. Where an answer is lost, calls go through
the AWS fault proxy with the vendor functions' own client (its timeouts and retries), as
a DynamoDB write that is applied but answered too late would on AWS.
"""

from __future__ import annotations

import pytest

from shoprelay.state import StateTable
from shoprelay.state.table import ClaimOutcome
from shoprelay_tools.stack.aws_faults import AwsFaultProxy

SUBJECT = "demo-shop.myshopify.com#mytracker#order:1001"
DAY = 24 * 3600
RAN_OUT = -1
"""A lease that ended a second ago: what a crashed holder leaves behind."""


def test_a_claim_whose_answer_was_lost_is_ours_when_the_client_retries_it(
    state_table: StateTable, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with AwsFaultProxy(aws) as proxy:
        # GIVEN the table writes the claim, but its answer outlives the client's read timeout
        proxy.hang("dynamodb", "PutItem", seconds=2.0, forward_first=True)
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        claim = StateTable(state_table.name).claim_effect(SUBJECT, "PAY#1", lease_seconds=60, ttl_seconds=DAY)
        # THEN the client's retry finds the item this claim wrote, and knows it for its own
        assert len(proxy.calls_to("dynamodb", "PutItem")) == 2
    assert claim.outcome is ClaimOutcome.CLAIMED
    # AND any other attempt is held off by it
    assert state_table.claim_effect(SUBJECT, "PAY#1", lease_seconds=60, ttl_seconds=DAY).outcome is ClaimOutcome.HELD


def test_a_failed_attempt_gives_back_only_its_own_claim(state_table: StateTable) -> None:
    # GIVEN a holder whose lease ran out, and a second attempt that took the effect over
    stale = state_table.claim_effect(SUBJECT, "PAY#1", lease_seconds=RAN_OUT, ttl_seconds=DAY)
    current = state_table.claim_effect(SUBJECT, "PAY#1", lease_seconds=60, ttl_seconds=DAY)
    assert (stale.outcome, current.outcome) == (ClaimOutcome.CLAIMED, ClaimOutcome.CLAIMED)
    assert stale.owner is not None
    assert current.owner is not None
    # WHEN the first attempt fails late and gives its claim back
    state_table.release_effect(SUBJECT, "PAY#1", stale.owner)
    # THEN the second attempt's claim stands
    assert state_table.claim_effect(SUBJECT, "PAY#1", lease_seconds=60, ttl_seconds=DAY).outcome is ClaimOutcome.HELD
    # AND its own release frees the effect for the retry
    state_table.release_effect(SUBJECT, "PAY#1", current.owner)
    assert state_table.claim_effect(SUBJECT, "PAY#1", lease_seconds=60, ttl_seconds=DAY).outcome is ClaimOutcome.CLAIMED


def test_a_delivered_effect_is_not_given_back(state_table: StateTable) -> None:
    claim = state_table.claim_effect(SUBJECT, "PAY#1", lease_seconds=60, ttl_seconds=DAY)
    assert claim.owner is not None
    state_table.complete_effect(SUBJECT, "PAY#1")
    # the record kept for months holds only what says "done" (the cost model sizes it so)
    stored = state_table.client.get_item(
        TableName=state_table.name, Key={"pk": {"S": f"effect#{SUBJECT}"}, "sk": {"S": "PAY#1"}}
    )["Item"]
    assert sorted(stored) == ["expires_at", "pk", "sk", "status"]
    state_table.release_effect(SUBJECT, "PAY#1", claim.owner)
    assert state_table.claim_effect(SUBJECT, "PAY#1", lease_seconds=60, ttl_seconds=DAY).outcome is ClaimOutcome.DONE
