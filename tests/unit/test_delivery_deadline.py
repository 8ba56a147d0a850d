"""The arithmetic that decides whether a vendor function may start a record."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoprelay import aws
from shoprelay.delivery.deadline import (
    CLOSING_CALLS,
    CONNECT_TIMEOUT_SECONDS,
    EFFECT_CALLS,
    MARGIN_SECONDS,
    MIN_READ_TIMEOUT_SECONDS,
    PREPARE_CALLS,
    SUBJECT_CALLS,
    Deadline,
    NotStartedError,
    OutOfTimeError,
    aws_seconds,
    call_seconds,
    invocation_seconds,
    prepare_seconds,
    record_seconds,
)

READ_TIMEOUTS = st.floats(min_value=0.01, max_value=30)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Context:
    remaining_ms: int

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_an_aws_call_costs_its_clients_worst_case() -> None:
    dynamodb = aws.budget("dynamodb", aws.QUEUED_ATTEMPTS)
    assert aws_seconds(("dynamodb",)) == dynamodb.worst_case_seconds()
    assert aws_seconds(("dynamodb", "dynamodb")) == 2 * dynamodb.worst_case_seconds()
    # SSM is read through the shared Powertools provider, which makes a single attempt
    assert aws_seconds(("ssm",)) == aws.budget("ssm", aws.SSM_ATTEMPTS).worst_case_seconds()
    assert aws_seconds(()) == 0


@given(READ_TIMEOUTS)
def test_a_record_is_its_reads_calls_and_outcome(read_timeout: float) -> None:
    one_call = CONNECT_TIMEOUT_SECONDS + read_timeout + aws_seconds(EFFECT_CALLS)
    assert call_seconds(read_timeout) == pytest.approx(one_call)
    expected = aws_seconds(SUBJECT_CALLS) + one_call + aws_seconds(CLOSING_CALLS) + MARGIN_SECONDS
    assert record_seconds(read_timeout) == pytest.approx(expected)
    assert record_seconds(read_timeout, 3) == pytest.approx(expected + 2 * one_call)
    assert record_seconds(read_timeout, 0) == record_seconds(read_timeout)  # a record is never free
    assert prepare_seconds() == pytest.approx(aws_seconds(PREPARE_CALLS) + MARGIN_SECONDS)
    assert invocation_seconds(read_timeout) == pytest.approx(prepare_seconds() + expected)


@given(READ_TIMEOUTS, READ_TIMEOUTS)
def test_a_longer_vendor_timeout_never_needs_less(shorter: float, longer: float) -> None:
    shorter, longer = sorted((shorter, longer))
    assert record_seconds(shorter) <= record_seconds(longer)


def test_the_deadline_counts_down_from_the_context() -> None:
    clock = Clock()
    deadline = Deadline.of(Context(remaining_ms=60_000), clock)
    assert (deadline.total, deadline.left()) == (60.0, 60.0)
    clock.now += 45.5
    assert deadline.left() == pytest.approx(14.5)
    assert deadline.allows(14.5)
    assert not deadline.allows(14.6)


def test_without_a_context_time_never_runs_out() -> None:
    for deadline in (Deadline.of(object()), Deadline.unlimited()):
        assert deadline.allows(10**9)
        deadline.require_to_start("anything", 10**9)
        assert deadline.read_timeout(30) == 30


def test_require_says_what_was_needed_and_what_was_left() -> None:
    clock = Clock()
    deadline = Deadline.of(Context(remaining_ms=10_000), clock)
    deadline.require("a step", 10.0)
    clock.now += 2
    with pytest.raises(OutOfTimeError) as raised:
        deadline.require("a step", 8.5)
    assert not isinstance(raised.value, NotStartedError)
    assert (raised.value.step, raised.value.needed, raised.value.left) == ("a step", 8.5, 8.0)
    with pytest.raises(NotStartedError, match=r"the record needs up to 8\.5 s, 8\.0 s left"):
        deadline.require_to_start("the record", 8.5)


def test_a_record_needs_all_its_calls_when_an_invocation_could_ever_hold_them() -> None:
    deadline = Deadline.of(Context(remaining_ms=int((prepare_seconds() + record_seconds(5, 2)) * 1000) + 1))
    assert deadline.record_need(5, 2) == record_seconds(5, 2)
    assert deadline.record_need(5, 1) == record_seconds(5)


def test_a_record_too_long_for_any_invocation_needs_one_call_so_it_still_advances() -> None:
    deadline = Deadline.of(Context(remaining_ms=int((prepare_seconds() + record_seconds(5, 2)) * 1000) - 1))
    assert deadline.record_need(5, 2) == record_seconds(5)


def test_a_vendor_read_timeout_is_cut_to_what_the_invocation_has_left() -> None:
    clock = Clock()
    after = aws_seconds(EFFECT_CALLS[1:] + CLOSING_CALLS) + MARGIN_SECONDS
    deadline = Deadline.of(Context(remaining_ms=int((CONNECT_TIMEOUT_SECONDS + 20 + after) * 1000)), clock)
    assert deadline.read_timeout(30) == pytest.approx(20, abs=0.01)
    assert deadline.read_timeout(5) == 5
    clock.now += 19
    assert deadline.read_timeout(30) == pytest.approx(1, abs=0.01)
    clock.now += 100  # already past the end: still a valid (tiny) timeout, never zero or negative
    assert deadline.read_timeout(30) == MIN_READ_TIMEOUT_SECONDS
