"""Rounding and formatting amounts to a currency's minor unit, the same for every vendor."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoprelay.canonical import amount_text, format_amount, minor_units, round_amount, round_places


@pytest.mark.parametrize(
    ("currency", "places"), [("EUR", 2), ("usd", 2), ("JPY", 0), ("CLP", 0), ("KWD", 3), ("XXX", 2)]
)
def test_minor_units(currency: str, places: int) -> None:
    assert minor_units(currency) == places


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("1.005", "EUR", "1.01"),
        ("1.004", "EUR", "1.00"),
        ("1500.5", "JPY", "1501"),
        ("1.0005", "KWD", "1.001"),
        ("-0.004", "EUR", "0.00"),
        ("-0.001", "JPY", "0"),
        ("-1.005", "EUR", "-1.01"),
    ],
)
def test_round_amount_is_half_up_and_never_negative_zero(value: str, currency: str, expected: str) -> None:
    rounded = round_amount(Decimal(value), currency)
    assert str(rounded) == expected
    assert f"{rounded:f}" == format_amount(Decimal(value), currency)


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False, places=6),
    st.sampled_from([0, 1, 2, 3]),
)
def test_round_places_agrees_with_quantize_except_for_the_sign_of_zero(value: Decimal, places: int) -> None:
    expected = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    rounded = round_places(value, places)
    assert rounded == expected
    assert rounded.as_tuple().exponent == -places
    assert not (rounded.is_zero() and rounded.is_signed())


@given(
    st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False),
    st.sampled_from(["EUR", "JPY", "KWD"]),
)
def test_format_amount_writes_plain_digits_whatever_the_exponent(value: Decimal, currency: str) -> None:
    text = format_amount(value, currency)
    places = minor_units(currency)
    assert text == f"{round_places(value, places):f}"
    assert "E" not in text
    assert len(text.partition(".")[2]) == places


@given(
    st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False),
    st.sampled_from(["EUR", "JPY", "KWD"]),
)
def test_amount_text_is_format_amount_for_the_currencys_places(value: Decimal, currency: str) -> None:
    assert amount_text(value, minor_units(currency)) == format_amount(value, currency)
