"""Retry-After as vendors send it, and the wait a failed record gets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoprelay.delivery.backoff import (
    MAX_VISIBILITY_SECONDS,
    RetryPolicy,
    attempt_budget,
    parse_retry_after,
    receive_ceiling,
    visibility_for,
)

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120),
        ("0", 0),
        (" 7 \t", 7),
        ("007", 7),
        # HTTP dates in all three forms HTTP allows, and offsets other than GMT
        ("Thu, 01 Jan 2026 12:01:00 GMT", 60),
        ("Thursday, 01-Jan-26 12:01:00 GMT", 60),
        ("Thu Jan  1 12:01:00 2026", 60),
        ("Thu, 01 Jan 2026 13:01:00 +0100", 60),
        ("Thu, 01 Jan 2026 12:00:30", 30),  # no zone: taken as UTC
        ("Thu, 01 Jan 2026 11:00:00 GMT", 0),  # in the past: retry now, not a negative wait
    ],
)
def test_retry_after_values(header: str, seconds: int) -> None:
    assert parse_retry_after(header, NOW) == seconds


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "   ",
        "-5",
        "1.5",
        "+5",
        "soon",
        "120 seconds",
        "120, 120",  # a header sent twice, joined
        "²",  # str.isdigit says yes, int() says no
        "١٢",  # Arabic-Indic digits: not HTTP's DIGIT
        "Wed, 31 Feb 2026 07:28:00 GMT",
        "Thu, 01 Jan 99999 00:01:00 GMT",
    ],
)
def test_retry_after_that_is_not_one_is_ignored(header: str | None) -> None:
    assert parse_retry_after(header, NOW) is None


@given(st.text(max_size=40))
def test_any_header_text_parses_or_is_ignored_without_raising(header: str) -> None:
    seconds = parse_retry_after(header, NOW)
    assert seconds is None or seconds >= 0


@given(st.integers(min_value=0, max_value=10**6))
def test_an_http_date_is_the_seconds_until_it(seconds: int) -> None:
    moment = NOW + timedelta(seconds=seconds)
    assert parse_retry_after(moment.strftime("%a, %d %b %Y %H:%M:%S GMT"), NOW) == seconds


def test_retry_after_wins_over_backoff_but_stays_within_sqs_bounds() -> None:
    assert visibility_for(3, 42) == 42
    assert visibility_for(1, 10**30) == MAX_VISIBILITY_SECONDS
    assert visibility_for(1, -3) == 0


def test_backoff_doubles_from_the_base_up_to_its_cap() -> None:
    assert [visibility_for(n, None, base_seconds=10, cap_seconds=900) for n in range(1, 9)] == [
        10,
        20,
        40,
        80,
        160,
        320,
        640,
        900,
    ]
    assert visibility_for(0, None, base_seconds=10) == 10


def test_the_attempt_budget_is_five_attempts_and_keeps_a_receive_in_reserve() -> None:
    assert [attempt_budget(n) for n in (1, 2, 6, 10, 100)] == [1, 1, 5, 5, 5]


def test_a_failing_record_is_retried_for_at_least_six_hours_by_default() -> None:
    policy = RetryPolicy()
    waited, attempts = 0, 1
    while not policy.exhausted(attempts, 100, waited):
        waited += policy.delay(attempts)
        attempts += 1
    assert waited >= 6 * 3600
    assert attempts == policy.attempts_to_cover() < receive_ceiling(100)
    assert max(policy.delay(n) for n in range(1, attempts)) <= MAX_VISIBILITY_SECONDS


def test_the_window_does_not_shorten_the_fixed_attempts() -> None:
    policy = RetryPolicy(window_seconds=0)
    assert [policy.exhausted(n, 100, 10**6) for n in range(1, 7)] == [False] * 4 + [True] * 2
    assert not RetryPolicy().exhausted(50, 100, 3600)


def test_short_retry_afters_stop_at_the_receive_ceiling_with_receives_in_reserve() -> None:
    policy = RetryPolicy()
    assert receive_ceiling(100) == 95
    assert not policy.exhausted(94, 100, 60)
    assert policy.exhausted(95, 100, 60)
    assert receive_ceiling(10) == 5
    assert receive_ceiling(2) == 1


def test_retry_after_is_honoured_within_sqs_bounds_and_unscaled() -> None:
    policy = RetryPolicy(scale=1 / 60)
    assert policy.delay(3, 42) == 42
    assert policy.delay(3, 10**9) == MAX_VISIBILITY_SECONDS


def test_scale_compresses_waits_and_window_alike() -> None:
    policy = RetryPolicy(scale=1 / 60)
    assert [policy.delay(n) for n in range(1, 11)] == [1, 1, 1, 2, 3, 6, 11, 22, 30, 30]
    assert policy.window() == 360
    assert not policy.exhausted(20, 100, 359)
    assert policy.exhausted(20, 100, 360)


def test_the_environment_configures_the_policy() -> None:
    policy = RetryPolicy.from_environment({"RETRY_HOURS": "8", "RETRY_TIME_SCALE": "0.5", "RETRY_BASE_SECONDS": "0"})
    assert (policy.window(), policy.delay(4)) == (4 * 3600, 0)
