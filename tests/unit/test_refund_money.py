"""A refund's money, each side in its own currency, from the fields that carry that currency.

Shopify pays a refund back in the buyer's currency; its transactions name only that one
currency, while the refund's lines and shipping state both sides. The canonical refund must
therefore never book the buyer's amount as shop money.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from support.vendor_events import REFUND, canonical_event
from support.webhooks import fixture_json

from shoprelay.canonical import Money, Refund

SHIPPING_REFUND = "refunds-create.shipping-only.AUD-shop-USD-buyer.json"
LINE_REFUND = "refunds-create.line-with-tax.AUD-shop-USD-buyer.json"


def refund_of(body: dict[str, Any]) -> Refund:
    event = canonical_event(body, "refunds/create", shop="example.myshopify.com", received_at=datetime.now(UTC))
    assert event.refund is not None
    return event.refund


def money(shop: str, buyer: str) -> Money:
    return Money(shop=Decimal(shop), buyer=Decimal(buyer))


def as_order_adjustment(body: dict[str, Any]) -> dict[str, Any]:
    """The shipping refund as API versions before 2024-04 report it: an order adjustment."""
    changed = copy.deepcopy(body)
    (line,) = changed.pop("refund_shipping_lines")
    negative = {side: {**value, "amount": f"-{value['amount']}"} for side, value in line["subtotal_amount_set"].items()}
    changed["order_adjustments"] = [
        {"id": 1, "kind": "shipping_refund", "amount": negative["shop_money"]["amount"], "amount_set": negative}
    ]
    return changed


def paid_in_shop_currency(body: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    changed["transactions"][0].update(amount="10.15", currency="AUD")
    return changed


@pytest.mark.parametrize(
    ("body", "amount", "shipping"),
    [
        (lambda: fixture_json(SHIPPING_REFUND), money("10.15", "7.71"), money("10.15", "7.71")),
        (lambda: fixture_json(LINE_REFUND), money("50.18", "38.14"), money("0", "0")),
        (lambda: as_order_adjustment(fixture_json(SHIPPING_REFUND)), money("10.15", "7.71"), money("0", "0")),
        (lambda: paid_in_shop_currency(fixture_json(SHIPPING_REFUND)), money("10.15", "7.71"), money("10.15", "7.71")),
    ],
    ids=["shipping only", "a line with tax", "shipping as an order adjustment", "paid back in shop currency"],
)
def test_refund_money_is_in_each_sides_own_currency(body: Any, amount: Money, shipping: Money) -> None:
    refund = refund_of(body())
    assert (refund.amount, refund.shipping) == (amount, shipping)


def test_part_of_a_line_paid_back_converts_at_the_refunds_own_rate() -> None:
    body = fixture_json(LINE_REFUND)
    body["transactions"][0]["amount"] = "19.07"  # half of 38.14 USD
    assert refund_of(body).amount == money("25.09", "19.07")


def test_a_single_currency_refund_keeps_the_transactions_total() -> None:
    # The documented body: USD on both sides, transactions without a currency, 75.00 + 10.00 paid back.
    assert refund_of(fixture_json(REFUND)).amount == money("85.00", "85.00")


def test_a_refund_without_transactions_returns_what_it_states_on_each_side() -> None:
    body = fixture_json(LINE_REFUND)
    body["transactions"] = []
    assert refund_of(body).amount == money("50.18", "38.14")
