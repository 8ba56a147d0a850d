"""Amount strings as Tracify reads them.

Tracify asks for two decimals; the separator is a per-shop setting because its own plugin
sends a comma while its docs example shows a dot. Currencies without minor units (JPY, CLP…)
get no decimals at all, so a yen amount is never invented a fraction. Amounts are formatted
from the ``Decimal`` and never pass through float.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "UYI",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
"""ISO 4217 currencies whose minor unit is 0."""

_TWO_PLACES = Decimal("0.01")
_NO_PLACES = Decimal(1)


def format_amount(amount: Decimal, currency: str, separator: str) -> str:
    """``amount`` rounded half-up to the currency's places (at most 2), without grouping."""
    places = _NO_PLACES if currency.upper() in ZERO_DECIMAL_CURRENCIES else _TWO_PLACES
    text = f"{amount.quantize(places, rounding=ROUND_HALF_UP):f}"
    return text.replace(".", separator)
