"""What `shoprelay prove` says it injects on our side is what its rates are."""

from __future__ import annotations

from dataclasses import fields

from shoprelay_tools.prove.own_faults import OwnFaultRates


def test_the_description_states_every_rate_it_was_given() -> None:
    rates = OwnFaultRates(
        publish_killed=4,
        publish_hang=5,
        publish_lost_answer=6,
        publish_errors=7,
        vendor_killed=8,
        dynamodb_throttled=0.02,
        dynamodb_errors=0.03,
        dynamodb_late_answers=0.004,
        ssm_throttled=0.07,
    )
    text = rates.describe()
    assert "{" not in text
    for expected in (
        "4 trickling",
        "5 silent",
        "6 published with the answer lost",
        "7 answered 500",
        "8 vendor-function",
        "DynamoDB throttled 2 %",
        "500 3 %",
        "0.4 % of PutItem",
        "SSM throttled 7 %",
    ):
        assert expected in text, expected
    assert len(fields(rates)) == 9, "a new rate needs its place in the description and in this test"
