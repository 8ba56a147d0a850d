"""Valid Shopify orders and refunds of any line count, built from a real fixture.

Every line is the fixture's own line with its ids renumbered and the long title real
catalogues have, so the adapter reads it as it reads any order; totals are recomputed so the
order adds up. ``pad_to`` grows the lines' ``properties`` (Shopify's line item properties:
engraving texts, gift notes) until the body is just under a byte count, the shape of a real
order near the size limit.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

from support.webhooks import fixture_json

ORDER_FIXTURE = "orders-create.test-store-shop-AUD-buyer-USD.json"
REFUND_FIXTURE = "refunds-create.shopify-docs-2026-04.json"
_LINE_ID_BASE = 7_000_000_000_000


def _money(shop: Decimal, buyer: Decimal, order: dict[str, Any]) -> dict[str, Any]:
    return {
        "shop_money": {"amount": str(shop), "currency_code": order["currency"]},
        "presentment_money": {"amount": str(buyer), "currency_code": order["presentment_currency"]},
    }


def order_body(lines: int, *, order_id: int = 820_982_911_946_154_508, pad_to: int | None = None) -> dict[str, Any]:
    """A paid order of ``lines`` lines; with ``pad_to``, its JSON is at most that many bytes."""
    order = fixture_json(ORDER_FIXTURE)
    template = order["line_items"][0]
    price = Decimal(template["price"])
    buyer_price = Decimal(template["price_set"]["presentment_money"]["amount"])
    items = []
    for number in range(lines):
        line = copy.deepcopy(template)
        line_id = _LINE_ID_BASE + number
        line.update(
            id=line_id,
            admin_graphql_api_id=f"gid://shopify/LineItem/{line_id}",
            variant_id=template["variant_id"] + number,
            sku=f"PEN-{number:05d}",
            title=_long_text(f"{template['title']} #{number}: ", 200),
            product_type="Fountain pens",
            quantity=1,
            current_quantity=1,
            fulfillable_quantity=1,
        )
        items.append(line)
    subtotal, buyer_subtotal = price * lines, buyer_price * lines
    order.update(
        id=order_id,
        admin_graphql_api_id=f"gid://shopify/Order/{order_id}",
        line_items=items,
        refunds=[],
        subtotal_price=str(subtotal),
        subtotal_price_set=_money(subtotal, buyer_subtotal, order),
        total_line_items_price=str(subtotal),
        total_line_items_price_set=_money(subtotal, buyer_subtotal, order),
        total_price=str(subtotal),
        total_price_set=_money(subtotal, buyer_subtotal, order),
        total_discounts="0.00",
        total_discounts_set=_money(Decimal("0.00"), Decimal("0.00"), order),
        total_tax="0.00",
        total_tax_set=_money(Decimal("0.00"), Decimal("0.00"), order),
        total_shipping_price_set=_money(Decimal("0.00"), Decimal("0.00"), order),
        shipping_lines=[],
        tax_lines=[],
        discount_codes=[],
        discount_applications=[],
    )
    for key in [k for k in order if k.startswith("current_")]:
        del order[key]
    if pad_to is not None:
        _pad(order, pad_to)
    return order


def _long_text(start: str, length: int) -> str:
    """A catalogue's long product wording (Shopify allows 255 characters per title)."""
    return (start + "Piston filler, gold nib, resin body, gift box and converter included. " * 4)[:length]


def _pad(order: dict[str, Any], limit: int) -> None:
    """Give every line an engraving text, as long as keeps the body within ``limit`` bytes."""
    lines = order["line_items"]
    for line in lines:
        line["properties"] = [{"name": "Engraving", "value": ""}]
    spare = limit - len(encode(order))
    each, rest = divmod(spare, len(lines))
    for index, line in enumerate(lines):
        length = each + (1 if index < rest else 0)
        line["properties"][0]["value"] = ("For the best of writers, with love. " * (length // 36 + 1))[:length]
    assert len(encode(order)) <= limit


def refund_body(order: dict[str, Any], lines: int, *, refund_id: int = 890_088_186_047_892_319) -> dict[str, Any]:
    """A refund of one unit of each of the first ``lines`` lines of ``order``."""
    refund = fixture_json(REFUND_FIXTURE)
    refunded = []
    total = Decimal(0)
    buyer_total = Decimal(0)
    for line in order["line_items"][:lines]:
        price = Decimal(line["price"])
        buyer_price = Decimal(line["price_set"]["presentment_money"]["amount"])
        total += price
        buyer_total += buyer_price
        refunded.append(
            {
                "id": line["id"] + 1,
                "quantity": 1,
                "line_item_id": line["id"],
                "location_id": None,
                "restock_type": "no_restock",
                "subtotal": float(price),
                "total_tax": 0,
                "subtotal_set": _money(price, buyer_price, order),
                "total_tax_set": _money(Decimal("0.00"), Decimal("0.00"), order),
                "line_item": copy.deepcopy(line),
            }
        )
    transaction = copy.deepcopy(refund["transactions"][0])
    transaction.update(order_id=order["id"], amount=str(total), currency=order["currency"])
    refund.update(
        id=refund_id,
        order_id=order["id"],
        admin_graphql_api_id=f"gid://shopify/Refund/{refund_id}",
        refund_line_items=refunded,
        transactions=[transaction],
        order_adjustments=[],
        refund_shipping_lines=[],
    )
    return refund


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()
