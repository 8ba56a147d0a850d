"""Times as vendors write them: to the second, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from shoprelay.canonical import utc_text

MOMENTS = st.datetimes(
    min_value=datetime(1000, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5, minutes=30))]),
)


@given(MOMENTS)
def test_utc_text_is_the_strftime_pattern_in_utc(moment: datetime) -> None:
    assert utc_text(moment) == moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


@given(MOMENTS)
def test_utc_text_with_a_t_and_an_offset_is_isoformat_in_utc(moment: datetime) -> None:
    assert f"{utc_text(moment, 'T')}+00:00" == moment.astimezone(UTC).isoformat(timespec="seconds")


def test_a_naive_time_is_taken_as_utc() -> None:
    assert utc_text(datetime(2024, 1, 15, 9, 20, 30, 999_999)) == "2024-01-15 09:20:30"


def test_a_year_before_1000_keeps_four_digits() -> None:
    assert utc_text(datetime(999, 5, 1, 0, 0, 1, tzinfo=UTC)) == "0999-05-01 00:00:01"
