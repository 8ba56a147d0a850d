"""Amount strings as MyTracker's examples write them ("11.90"), per currency minor units."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_ZERO_DECIMAL = ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV")
_ZERO_DECIMAL_CFA = ("XAF", "XOF", "XPF")
_THREE_DECIMAL = ("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND")

MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(_ZERO_DECIMAL + _ZERO_DECIMAL_CFA, 0),
    **dict.fromkeys(_THREE_DECIMAL, 3),
}
"""ISO 4217 exponents that differ from the usual 2; a ¥1500 item must not become "1500.00"."""


def format_amount(amount: Decimal, currency: str) -> str:
    """``amount`` rounded to the currency's minor units, dot-separated, never in exponent form.

    Decimal all the way: a float would turn 0.1 + 0.2 into revenue nobody earned.
    """
    places = MINOR_UNITS.get(currency.upper(), 2)
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return format(rounded, "f")
