"""Currency facts every vendor needs: how many decimals an amount has in a currency."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_ZERO_DECIMAL = frozenset(
    [
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
    ]
)
_THREE_DECIMAL = frozenset(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"])


def minor_units(currency: str) -> int:
    """Decimals in ``currency`` (ISO 4217): 0 for JPY or CLP, 3 for KWD, else 2."""
    code = currency.upper()
    if code in _ZERO_DECIMAL:
        return 0
    if code in _THREE_DECIMAL:
        return 3
    return 2


def format_amount(value: Decimal, currency: str, decimal_separator: str = ".") -> str:
    """``value`` rounded half-up to the currency's decimals, as a plain string ("1234.50")."""
    exponent = Decimal(1).scaleb(-minor_units(currency))
    text = f"{value.quantize(exponent, rounding=ROUND_HALF_UP):f}"
    return text.replace(".", decimal_separator) if decimal_separator != "." else text
