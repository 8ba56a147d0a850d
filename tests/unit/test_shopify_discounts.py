"""Discounts, taxes and shipping as the Shopify adapter reads them, in both currencies.

The four discount fixtures are the AUD-shop / USD-buyer order with a pen and three ink
cartridges, each with one kind of discount. Their lines' deprecated ``total_discount`` is
``0.00``: only ``discount_allocations`` says what each line was reduced by.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from support.vendor_events import (
    AUD_USD,
    DISCOUNT_AUTOMATIC,
    DISCOUNT_FIXED_ACROSS,
    DISCOUNT_FREE_SHIPPING,
    DISCOUNT_PERCENT_ONE_LINE,
    order_in,
)
from support.webhooks import fixture_json

from shoprelay.canonical import Money, Order

SHOP = "discounts.myshopify.com"
RECEIVED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
NONE = Money(shop=Decimal("0"), buyer=Decimal("0"))


def money(shop: str, buyer: str) -> Money:
    return Money(shop=Decimal(shop), buyer=Decimal(buyer))


def order(body: dict[str, Any]) -> Order:
    return order_in(body, shop=SHOP, received_at=RECEIVED_AT)


@pytest.mark.parametrize(
    ("fixture", "pen", "ink", "shipping", "discounts"),
    [
        (DISCOUNT_PERCENT_ONE_LINE, money("9.12", "6.93"), NONE, money("10.15", "7.71"), money("9.12", "6.93")),
        (
            DISCOUNT_FIXED_ACROSS,
            money("6.55", "4.98"),
            money("3.45", "2.62"),
            money("10.15", "7.71"),
            money("10.00", "7.60"),
        ),
        (DISCOUNT_AUTOMATIC, NONE, money("3.60", "2.74"), money("10.15", "7.71"), money("3.60", "2.74")),
        (DISCOUNT_FREE_SHIPPING, NONE, NONE, money("0.00", "0.00"), money("10.15", "7.71")),
    ],
)
def test_line_discounts_come_from_the_allocations_in_both_currencies(
    fixture: str, pen: Money, ink: Money, shipping: Money, discounts: Money
) -> None:
    mapped = order(fixture_json(fixture))

    assert [line.discount for line in mapped.lines] == [pen, ink]
    assert mapped.amounts.shipping == shipping
    assert mapped.amounts.discounts == discounts


def test_allocations_of_several_discounts_on_one_line_add_up() -> None:
    body = fixture_json(DISCOUNT_PERCENT_ONE_LINE)
    first = body["line_items"][0]["discount_allocations"][0]
    body["line_items"][0]["discount_allocations"] = [first, {**first, "discount_application_index": 1}]

    assert order(body).lines[0].discount == money("18.24", "13.86")


def test_the_deprecated_total_discount_is_read_only_when_allocations_are_absent() -> None:
    with_both = fixture_json(AUD_USD)
    line = with_both["line_items"][0]
    line["total_discount"] = "5.00"
    line["total_discount_set"] = {
        "shop_money": {"amount": "5.00", "currency_code": "AUD"},
        "presentment_money": {"amount": "3.80", "currency_code": "USD"},
    }
    legacy = fixture_json(AUD_USD)
    legacy["line_items"] = [{k: v for k, v in line.items() if k != "discount_allocations"}]

    assert order(with_both).lines[0].discount == NONE  # allocations present (empty): no discount
    assert order(legacy).lines[0].discount == money("5.00", "3.80")


def test_tax_rate_is_the_sum_of_the_line_tax_rates() -> None:
    body = fixture_json(AUD_USD)
    line = body["line_items"][0]
    untaxed = {**line, "id": 2, "tax_lines": []}
    two_taxes = {**line, "id": 3, "tax_lines": [{"rate": 0.05}, {"rate": 0.07}]}
    body["line_items"] = [line, untaxed, two_taxes]

    assert [line.tax_rate for line in order(body).lines] == [Decimal("0.1"), None, Decimal("0.12")]


def test_shipping_after_edits_wins_when_the_body_has_it() -> None:
    body = fixture_json(DISCOUNT_FREE_SHIPPING)
    body["current_shipping_price_set"] = {
        "shop_money": {"amount": "0.00", "currency_code": "AUD"},
        "presentment_money": {"amount": "0.00", "currency_code": "USD"},
    }
    body["shipping_lines"][0]["discount_allocations"] = []

    assert order(body).amounts.shipping == money("0.00", "0.00")
