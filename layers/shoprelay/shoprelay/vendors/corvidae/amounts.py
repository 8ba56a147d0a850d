"""Amounts as Corvidae reads them: a plain dot decimal with the currency's own precision."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units that are not 2. Sending "1500.00" for yen would claim a precision the
# currency does not have, and reports would show cents that never existed.
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        (
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
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def minor_units(currency: str) -> int:
    """Decimal places of ``currency``; 2 for every currency not listed as different."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def format_amount(amount: Decimal, currency: str) -> str:
    """``amount`` rounded to the currency's places, dot-separated, never in exponent form."""
    places = minor_units(currency)
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = abs(rounded)  # no "-0.00" from a refunded-to-zero order
    return f"{rounded:f}"
