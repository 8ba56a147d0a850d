"""Currency facts every vendor needs: how many decimals an amount has in a currency.

One implementation for every vendor, so a yen amount is never sent as "1500.00" to one
vendor and "1500" to another. Amounts stay ``Decimal`` all the way; floats would turn
0.1 + 0.2 into revenue nobody earned.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(),  # noqa: SIM905
        0,
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),  # noqa: SIM905
}
"""ISO 4217 currencies whose minor unit is not 2."""
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(4)}
"""``places`` → the smallest step (``Decimal("0.01")`` for 2)."""


def minor_units(currency: str) -> int:
    """Decimals in ``currency`` (ISO 4217): 0 for JPY or CLP, 3 for KWD, else 2."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def round_amount(value: Decimal, currency: str) -> Decimal:
    """``value`` rounded half-up to the currency's minor unit (none for JPY), never ``-0.00``."""
    return round_places(value, minor_units(currency))


def round_places(value: Decimal, places: int) -> Decimal:
    """``value`` rounded half-up to ``places`` decimals (0 to 3), never ``-0.00``.

    For callers that round many amounts of one currency and look its minor unit up once.
    """
    rounded = value.quantize(_QUANTA[places], ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)


def format_amount(value: Decimal, currency: str, decimal_separator: str = ".", *, max_places: int | None = None) -> str:
    """``value`` rounded half-up to the currency's decimals, as a plain string ("1234.50").

    ``max_places`` caps the decimals for vendors that accept fewer than the currency has
    (Tracify takes two at most). Never exponent form, never "-0.00".
    """
    places = minor_units(currency)
    if max_places is not None:
        places = min(places, max_places)
    text = amount_text(value, places)
    return text.replace(".", decimal_separator) if decimal_separator != "." else text


def amount_text(value: Decimal, places: int) -> str:
    """``value`` rounded half-up to ``places`` decimals (0 to 3) as plain digits ("1234.50").

    For callers that write many amounts of one currency. A value rounded to 0-3 places has an
    exponent of 0 to -3, which ``str`` always writes in plain digits, never in exponent form.
    """
    return str(round_places(value, places))
