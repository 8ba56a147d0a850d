"""template.yaml's numbers for the vendor functions fit together and fit the code.

A vendor function starts a record only when the record's worst case fits in the time left,
so its timeout must hold at least one record at the largest ``timeout_seconds`` a shop may
set; the queue must keep a message hidden for as long as a batch holding it may still run;
and an effect's lease must outlast a live attempt but run out before SQS offers the record
again. Every number is read from where it is defined: the template, the vendors' settings
models and the delivery code.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from shoprelay.delivery.backoff import CAP_SECONDS, MAX_VISIBILITY_SECONDS, RetryPolicy, receive_ceiling
from shoprelay.delivery.deadline import invocation_seconds, prepare_seconds, record_seconds
from shoprelay.delivery.processor import EFFECT_LEASE_SECONDS
from shoprelay.vendors import load_vendor, vendor_names
from shoprelay_tools.stack.template import load_template, parameter_defaults

TEMPLATE = load_template(Path(__file__).resolve().parents[2] / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
PARAMETERS = parameter_defaults(TEMPLATE)
GLOBAL_TIMEOUT = TEMPLATE.get("Globals", {}).get("Function", {}).get("Timeout", 3)

VISIBILITY_PER_TIMEOUT = 6
"""AWS's guidance for SQS event sources: a queue's visibility timeout of six function timeouts."""
LARGEST_BATCH = 10
"""The records one invocation is built for (and a standard queue's limit without a batching window)."""
LONGEST_BATCHING_WINDOW = 300
"""The event source mapping's own limit, in seconds."""


def number(value: Any) -> float:
    """A literal, or a parameter's default (the values a plain deploy gets)."""
    if isinstance(value, Mapping) and set(value) == {"Ref"}:
        value = PARAMETERS[value["Ref"]]
    return float(value)


def vendor_functions() -> dict[str, dict[str, Any]]:
    """Every function fed by an SQS queue, by vendor."""
    found = {}
    for resource in RESOURCES.values():
        properties = resource.get("Properties", {})
        events = properties.get("Events", {}).values()
        if resource["Type"] == "AWS::Serverless::Function" and any(e["Type"] == "SQS" for e in events):
            found[properties["Environment"]["Variables"]["VENDOR"]] = properties
    return found


FUNCTIONS = vendor_functions()


def sqs_source(function: Mapping[str, Any]) -> dict[str, Any]:
    (source,) = (e["Properties"] for e in function["Events"].values() if e["Type"] == "SQS")
    return dict(source)


def queue_of(function: Mapping[str, Any]) -> dict[str, Any]:
    logical_id, attribute = sqs_source(function)["Queue"]["Fn::GetAtt"]
    assert attribute == "Arn"
    return dict(RESOURCES[logical_id]["Properties"])


def largest_timeout_seconds(vendor: str) -> float:
    """The upper bound the vendor's settings model puts on ``timeout_seconds``."""
    schema = load_vendor(vendor).settings_model.model_json_schema()
    bound = schema["properties"]["timeout_seconds"].get("maximum")
    assert bound is not None, f"{vendor}: timeout_seconds has no upper bound, so no timeout can hold a record"
    return float(bound)


def test_every_vendor_has_its_function() -> None:
    assert set(FUNCTIONS) == set(vendor_names())


@pytest.mark.parametrize("vendor", sorted(FUNCTIONS))
def test_the_function_timeout_holds_one_record_at_the_largest_vendor_timeout(vendor: str) -> None:
    timeout = number(FUNCTIONS[vendor].get("Timeout", GLOBAL_TIMEOUT))
    largest = largest_timeout_seconds(vendor)
    needed = invocation_seconds(largest)
    assert needed <= timeout, (
        f"{vendor}: one record at timeout_seconds={largest:g} needs up to {needed:.1f} s "
        f"({prepare_seconds():.1f} s of reads, then {record_seconds(largest):.1f} s), "
        f"more than the function's Timeout of {timeout:g} s: no such record could ever start"
    )


@pytest.mark.parametrize("vendor", sorted(FUNCTIONS))
def test_the_queue_hides_a_message_for_six_function_timeouts(vendor: str) -> None:
    timeout = number(FUNCTIONS[vendor].get("Timeout", GLOBAL_TIMEOUT))
    visibility = number(queue_of(FUNCTIONS[vendor])["VisibilityTimeout"])
    assert visibility >= VISIBILITY_PER_TIMEOUT * timeout


@pytest.mark.parametrize("vendor", sorted(FUNCTIONS))
def test_an_effect_lease_outlasts_an_attempt_and_ends_before_redelivery(vendor: str) -> None:
    timeout = number(FUNCTIONS[vendor].get("Timeout", GLOBAL_TIMEOUT))
    visibility = number(queue_of(FUNCTIONS[vendor])["VisibilityTimeout"])
    assert timeout <= EFFECT_LEASE_SECONDS < visibility


@pytest.mark.parametrize("vendor", sorted(FUNCTIONS))
def test_batch_size_and_window_are_in_range(vendor: str) -> None:
    source = sqs_source(FUNCTIONS[vendor])
    assert 1 <= number(source.get("BatchSize", LARGEST_BATCH)) <= LARGEST_BATCH
    assert 0 <= number(source.get("MaximumBatchingWindowInSeconds", 0)) <= LONGEST_BATCHING_WINDOW
    assert "ReportBatchItemFailures" in source.get("FunctionResponseTypes", [])


def test_the_vendor_blocks_agree() -> None:
    """The five blocks are copies; a number changed in one only would be a slip."""
    shapes = {
        (
            number(f.get("Timeout", GLOBAL_TIMEOUT)),
            number(queue_of(f)["VisibilityTimeout"]),
            number(sqs_source(f).get("BatchSize", LARGEST_BATCH)),
            number(sqs_source(f).get("MaximumBatchingWindowInSeconds", 0)),
        )
        for f in FUNCTIONS.values()
    }
    assert len(shapes) == 1, shapes


def retry_parameter(function: Mapping[str, Any]) -> dict[str, Any]:
    reference = function["Environment"]["Variables"]["RETRY_HOURS"]
    assert set(reference) == {"Ref"}, "RETRY_HOURS must come from the vendor's parameter"
    return dict(TEMPLATE["Parameters"][reference["Ref"]])


@pytest.mark.parametrize("vendor", sorted(FUNCTIONS))
def test_a_retryable_failure_is_retried_for_six_hours_by_default(vendor: str) -> None:
    parameter = retry_parameter(FUNCTIONS[vendor])
    assert float(parameter["Default"]) >= 6


@pytest.mark.parametrize("vendor", sorted(FUNCTIONS))
def test_the_longest_retry_window_fits_in_the_queues_receives(vendor: str) -> None:
    """The backoff's attempts over the largest RetryHours allowed, below the receive ceiling,
    so the function, not SQS's reasonless redrive, ends a record that keeps failing."""
    parameter = retry_parameter(FUNCTIONS[vendor])
    longest = RetryPolicy(window_seconds=float(parameter["MaxValue"]) * 3600)
    receives = int(number(queue_of(FUNCTIONS[vendor])["RedrivePolicy"]["maxReceiveCount"]))
    assert longest.attempts_to_cover() < receive_ceiling(receives)
    assert longest.cap_seconds <= MAX_VISIBILITY_SECONDS


@pytest.mark.parametrize("vendor", sorted(FUNCTIONS))
def test_the_retry_window_fits_in_the_queues_retention(vendor: str) -> None:
    parameter = retry_parameter(FUNCTIONS[vendor])
    retention = number(queue_of(FUNCTIONS[vendor])["MessageRetentionPeriod"])
    assert float(parameter["MaxValue"]) * 3600 + CAP_SECONDS < retention


def test_the_route_takes_at_least_a_thousand_webhooks_a_second_by_default() -> None:
    settings = RESOURCES["HttpApi"]["Properties"]["DefaultRouteSettings"]
    assert number(settings["ThrottlingRateLimit"]) >= 1000
    assert number(settings["ThrottlingBurstLimit"]) >= number(settings["ThrottlingRateLimit"])
    # within the account's API Gateway quota (10,000 requests/s, burst 5,000 per Region)
    rate, burst = (TEMPLATE["Parameters"][settings[k]["Ref"]] for k in ("ThrottlingRateLimit", "ThrottlingBurstLimit"))
    assert (rate["MaxValue"], burst["MaxValue"]) == (10_000, 5_000)


FAIR_QUEUE_IN_FLIGHT = 30
"""SQS fair queues take a message group for a noisy neighbour only with at least this many of
its messages in flight (and over 10 % of the queue's)."""


@pytest.mark.parametrize("vendor", sorted(FUNCTIONS))
def test_a_queue_can_have_enough_of_one_shop_in_flight_for_fair_queues_to_act(vendor: str) -> None:
    source = sqs_source(FUNCTIONS[vendor])
    concurrency = number(source["ScalingConfig"]["MaximumConcurrency"])
    assert concurrency * number(source.get("BatchSize", LARGEST_BATCH)) >= FAIR_QUEUE_IN_FLIGHT


def test_the_pause_read_takes_no_longer_than_the_settings_read_beside_it() -> None:
    """Read side by side with the shops' settings, it adds nothing to a record's worst case."""
    from shoprelay import aws
    from shoprelay.delivery.app import PAUSE_READ_ATTEMPTS
    from shoprelay.delivery.deadline import PREPARE_CALLS, aws_seconds

    pause_read = aws.budget("dynamodb", PAUSE_READ_ATTEMPTS).worst_case_seconds()
    assert pause_read <= aws_seconds(("ssm",))
    assert "dynamodb" not in PREPARE_CALLS
