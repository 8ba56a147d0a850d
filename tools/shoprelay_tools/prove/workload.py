"""What a prove run posts: five shops and thousands of signed webhooks built from real fixtures.

Every body starts from one of the bundled Shopify fixtures (``shoprelay_tools.local.samples``,
read from ``tests/fixtures/shopify``) and gets a fresh identity: a unique order id (or checkout
token, or customer id) per order, 1-40 line items, the shop's currency (a zero-decimal one
among them) and often a different buyer currency. Orders range from 1 to 1,000 lines; a few
are padded (with line properties, which Shopify carries and no vendor reads) to just under
the template's ``MaxBodyBytes``, and every plan holds at least one order of each extreme.
Webhooks about one order form a *chain*
posted in order (create, then paid, cancelled, and the refund after its order), so the
ingress has seen the order before its refund; chains run concurrently.
"""

from __future__ import annotations

import copy
import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shoprelay.canonical.currency import format_amount, minor_units
from shoprelay_tools.local.samples import SAMPLES

ORDER_FIXTURES = (
    "orders-create.test-store-shop-AUD-buyer-USD.json",
    "order-12-line-items.filled-2024-01.json",
    "orders-create.shopify-docs-2026-04.json",
)
REFUND_FIXTURE = "refunds-create.shopify-docs-2026-04.json"
CHECKOUT_FIXTURE = "checkouts-create.shopify-docs-2026-04.json"
CUSTOMER_FIXTURE = "customers-create.shopify-docs-2026-04.json"
MAX_LINES = 1000
COMMON_LINES = 40
LINE_BUCKETS: tuple[tuple[str, float], ...] = (("common", 0.9), ("large", 0.08), ("near max", 0.02))
"""Order sizes: 1-40 lines, 41-1,000 lines, or 1,000 lines padded to just under the body limit."""
NEAR_MAX_MARGIN = (4 * 1024, 64 * 1024)
"""How far below ``MaxBodyBytes`` a padded order ends (bytes, drawn in this range)."""

USD_RATES: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "EUR": Decimal("0.92"),
    "GBP": Decimal("0.79"),
    "AUD": Decimal("1.52"),
    "PLN": Decimal("4.02"),
    "JPY": Decimal("151"),
}
"""Units of each currency per US dollar (made up, stable): buyer prices derive from shop prices."""

# order chains: the topics after orders/create, and how often each shape occurs
ORDER_SHAPES: tuple[tuple[tuple[str, ...], float], ...] = (
    ((), 0.30),
    (("orders/paid",), 0.30),
    (("orders/paid", "refunds/create"), 0.15),
    (("orders/cancelled",), 0.10),
    (("orders/paid", "orders/cancelled", "refunds/create"), 0.10),
    (("refunds/create",), 0.05),
)
CHAIN_KINDS = (("order", 0.6), ("checkout", 0.2), ("customer", 0.2))
DUPLICATE_MODES = (("after", 0.5), ("racing", 0.25), ("late", 0.25))
"""How a duplicate is re-posted: right after its original, at the same moment, or at the end."""
TEST_ORDER_RATE = 0.08


@dataclass(frozen=True)
class ProveShop:
    domain: str
    secret: str
    currency: str
    vendors: dict[str, dict[str, Any] | None]
    """Overrides of the demo vendor settings; ``None``: the shop has no parameter for that vendor."""

    def settings(self, demo: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {vendor: {**demo[vendor], **extra} for vendor, extra in self.vendors.items() if extra is not None}

    def enabled_vendors(self, demo: dict[str, dict[str, Any]]) -> tuple[str, ...]:
        settings = self.settings(demo)
        return tuple(sorted(v for v, values in settings.items() if values.get("enabled", True) is not False))


PROVE_SHOPS: tuple[ProveShop, ...] = (
    ProveShop(
        "prove-alpha.myshopify.com",
        "prove-secret-alpha-3f9c",
        "EUR",
        {"edrone": {}, "mytracker": {}, "tracify": {}, "corvidae": {}, "esputnik": {}},
    ),
    ProveShop(
        "prove-bravo.myshopify.com",
        "prove-secret-bravo-81d2",
        "AUD",
        {"edrone": {}, "mytracker": {}, "tracify": {"currency": "buyer", "decimal_separator": "."}},
    ),
    ProveShop(
        "prove-charlie.myshopify.com",
        "prove-secret-charlie-5e07",
        "JPY",
        {"corvidae": {}, "esputnik": {"mode": "orders"}, "edrone": {"product_id_field": "variant"}},
    ),
    ProveShop(
        "prove-delta.myshopify.com",
        "prove-secret-delta-c4a1",
        "USD",
        {
            "edrone": {"send_test_orders": False},
            "mytracker": {"send_test_orders": False, "item_id_source": "sku"},
            "tracify": {"send_test_orders": False},
            "corvidae": {"send_test_orders": False, "order_id_field": "name"},
            "esputnik": {"send_test_orders": False, "paid_status": "IN_PROGRESS"},
        },
    ),
    ProveShop(
        "prove-echo.myshopify.com",
        "prove-secret-echo-9b6e",
        "PLN",
        {"mytracker": {}, "esputnik": {}, "corvidae": {}, "tracify": {"enabled": False}},
    ),
)
"""Different secrets, currencies (JPY has no decimals) and vendor mixes (one vendor disabled)."""


@dataclass(frozen=True)
class Webhook:
    shop: ProveShop
    topic: str
    webhook_id: str
    body: bytes
    subject: str
    """What the vendor effects are about, as delivery keys them: ``order:<id>`` and so on."""
    lines: int
    currencies: str
    """``"<shop>/<buyer>"``."""
    duplicate: str | None = None
    """How it is re-posted as a duplicate (see :data:`DUPLICATE_MODES`), or None."""


@dataclass
class Plan:
    chains: list[list[Webhook]]
    seed: int

    @property
    def webhooks(self) -> list[Webhook]:
        return [webhook for chain in self.chains for webhook in chain]

    def describe(self) -> dict[str, Any]:
        webhooks = self.webhooks
        lines = [w.lines for w in webhooks if w.lines]
        sizes = [len(w.body) for w in webhooks]
        return {
            "largest_body": max(sizes, default=0),
            "over_100_lines": sum(1 for w in webhooks if w.lines > 100),
            "webhooks": len(webhooks),
            "topics": dict(Counter(w.topic for w in webhooks).most_common()),
            "shops": dict(Counter(w.shop.domain for w in webhooks).most_common()),
            "lines": (min(lines), max(lines)) if lines else (0, 0),
            "currencies": dict(Counter(w.currencies for w in webhooks).most_common()),
            "duplicates": dict(Counter(w.duplicate for w in webhooks if w.duplicate).most_common()),
            "zero_decimal": sum(1 for w in webhooks if minor_units(w.currencies.split("/")[0]) == 0),
            "cross_currency": sum(1 for w in webhooks if len(set(w.currencies.split("/"))) == 2),
        }


def _fixture(name: str) -> dict[str, Any]:
    sample = next(s for s in SAMPLES if s.file == name)
    loaded: dict[str, Any] = json.loads(sample.body())
    return loaded


def _pick[T](rng: random.Random, weighted: tuple[tuple[T, float], ...]) -> T:
    draw = rng.random() * sum(weight for _, weight in weighted)
    for value, weight in weighted:
        draw -= weight
        if draw < 0:
            return value
    return weighted[-1][0]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class _Money:
    """Formats one amount on both sides (shop and buyer) the way Shopify sends it."""

    def __init__(self, shop_currency: str, buyer_currency: str) -> None:
        self.shop = shop_currency
        self.buyer = buyer_currency
        self.rate = USD_RATES[buyer_currency] / USD_RATES[shop_currency]

    def text(self, amount: Decimal) -> str:
        return str(format_amount(amount, self.shop))

    def buyer_amount(self, amount: Decimal) -> Decimal:
        places = Decimal(1).scaleb(-minor_units(self.buyer))
        return (amount * self.rate).quantize(places, rounding=ROUND_HALF_UP)

    def set(self, amount: Decimal) -> dict[str, Any]:
        return {
            "shop_money": {"amount": format_amount(amount, self.shop), "currency_code": self.shop},
            "presentment_money": {
                "amount": format_amount(self.buyer_amount(amount), self.buyer),
                "currency_code": self.buyer,
            },
        }

    def number(self, amount: Decimal) -> float | int:
        """Refund line subtotals are JSON numbers in Shopify's payloads."""
        return int(amount) if minor_units(self.shop) == 0 else float(format_amount(amount, self.shop))


class WorkloadBuilder:
    """Builds a :class:`Plan` from a seed; ids are unique within the run."""

    def __init__(
        self,
        seed: int,
        shops: tuple[ProveShop, ...] = PROVE_SHOPS,
        duplicate_rate: float = 0.05,
        max_body_bytes: int = 2 * 1024 * 1024,
    ) -> None:
        self.rng = random.Random(seed)
        self.max_body_bytes = max_body_bytes
        self._order_chains = 0
        self.seed = seed
        self.shops = shops
        self.duplicate_rate = duplicate_rate
        self._next = 0
        self._base_id = 7_000_000_000_000 + (seed % 100_000) * 10_000_000
        self._now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        self._orders = [_fixture(name) for name in ORDER_FIXTURES]
        self._refund = _fixture(REFUND_FIXTURE)
        self._checkout = _fixture(CHECKOUT_FIXTURE)
        self._customer = _fixture(CUSTOMER_FIXTURE)

    # -- identities --------------------------------------------------------------------------------

    def _id(self) -> int:
        self._next += 1
        return self._base_id + self._next

    def _token(self) -> str:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4).hex

    def _webhook_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _currencies(self, shop: ProveShop) -> _Money:
        buyer = shop.currency
        if self.rng.random() < 0.4:
            buyer = self.rng.choice([c for c in ("USD", "EUR", "JPY", "GBP") if c != shop.currency])
        return _Money(shop.currency, buyer)

    def _unit_price(self, money: _Money) -> Decimal:
        major = Decimal(self.rng.randint(1, 250)) * USD_RATES[money.shop]
        cents = Decimal(self.rng.randint(0, 99)) / 100
        return (major + cents).quantize(Decimal(1).scaleb(-minor_units(money.shop)), rounding=ROUND_HALF_UP)

    # -- bodies --------------------------------------------------------------------------------------

    def _lines(self, templates: list[dict[str, Any]], count: int, money: _Money) -> list[dict[str, Any]]:
        lines = []
        for index in range(count):
            line = copy.deepcopy(templates[index % len(templates)])
            line_id, product_id, variant_id = self._id(), self._id(), self._id()
            quantity = self.rng.randint(1, 3)
            price = self._unit_price(money)
            line.update(
                id=line_id,
                product_id=product_id,
                variant_id=variant_id,
                sku=f"PRV-{product_id % 1_000_000:06d}",
                quantity=quantity,
                price=money.text(price),
                price_set=money.set(price),
                total_discount=money.text(Decimal(0)),
                total_discount_set=money.set(Decimal(0)),
                discount_allocations=[],
                tax_lines=[],
                admin_graphql_api_id=f"gid://shopify/LineItem/{line_id}",
            )
            if "current_quantity" in line:
                line["current_quantity"] = quantity
            if "fulfillable_quantity" in line:
                line["fulfillable_quantity"] = quantity
            lines.append(line)
        return lines

    def _order(self, shop: ProveShop, money: _Money, lines: int) -> dict[str, Any]:
        order = copy.deepcopy(self.rng.choice(self._orders))
        for key in [k for k in order if k.startswith("current_") or k == "total_price_usd"]:
            del order[key]
        order_id = self._id()
        number = order_id % 100_000
        line_items = self._lines(order["line_items"], lines, money)
        subtotal = sum((Decimal(li["price"]) * li["quantity"] for li in line_items), Decimal(0))
        shipping = self._unit_price(money) / 4
        total = subtotal + shipping
        customer = copy.deepcopy(order.get("customer") or {})
        customer.update(id=self._id(), email=f"buyer{order_id}@example.com")
        customer.pop("admin_graphql_api_id", None)
        order.update(
            id=order_id,
            admin_graphql_api_id=f"gid://shopify/Order/{order_id}",
            name=f"#P{number}",
            number=number,
            order_number=1000 + number,
            token=self._token(),
            cart_token=self._token(),
            checkout_token=self._token(),
            currency=money.shop,
            presentment_currency=money.buyer,
            line_items=line_items,
            subtotal_price=money.text(subtotal),
            subtotal_price_set=money.set(subtotal),
            total_line_items_price=money.text(subtotal),
            total_line_items_price_set=money.set(subtotal),
            total_price=money.text(total),
            total_price_set=money.set(total),
            total_tax=money.text(Decimal(0)),
            total_tax_set=money.set(Decimal(0)),
            total_discounts=money.text(Decimal(0)),
            total_discounts_set=money.set(Decimal(0)),
            total_shipping_price_set=money.set(shipping),
            shipping_lines=[
                {"id": self._id(), "title": "Standard", "price": money.text(shipping), "price_set": money.set(shipping)}
            ],
            discount_codes=[],
            discount_applications=[],
            tax_lines=[],
            refunds=[],
            taxes_included=False,
            test=self.rng.random() < TEST_ORDER_RATE,
            email=customer["email"],
            customer=customer,
            cancelled_at=None,
            cancel_reason=None,
        )
        if "contact_email" in order:
            order["contact_email"] = customer["email"]
        return order

    def _order_size(self) -> tuple[int, int | None]:
        """(lines, body bytes to pad to or None); the first order chains cover both extremes."""
        self._order_chains += 1
        bucket = {2: "large", 3: "near max"}.get(self._order_chains) or _pick(self.rng, LINE_BUCKETS)
        if bucket == "common":
            return self.rng.randint(1, COMMON_LINES), None
        if bucket == "large":
            return (MAX_LINES if self._order_chains == 2 else self.rng.randint(COMMON_LINES + 1, MAX_LINES)), None
        return MAX_LINES, self.max_body_bytes - self.rng.randint(*NEAR_MAX_MARGIN)

    def _pad(self, order: dict[str, Any], size: int) -> None:
        """Give every line a gift message, sized so the order's JSON is about ``size`` bytes."""
        lines = order["line_items"]
        for line in lines:
            line["properties"] = [{"name": "Gift message", "value": ""}]
        room = size - len(json.dumps(order).encode("utf-8"))
        per_line, extra = divmod(max(room, 0), len(lines))
        words = "Happy birthday, with love from all of us. "
        for index, line in enumerate(lines):
            length = per_line + (1 if index < extra else 0)
            line["properties"][0]["value"] = (words * (length // len(words) + 1))[:length]

    def _order_chain(self, shop: ProveShop) -> list[tuple[str, dict[str, Any], str, int, str]]:
        money = self._currencies(shop)
        lines, padded_size = self._order_size()
        order = self._order(shop, money, lines)
        if padded_size is not None:
            self._pad(order, padded_size)
        after = _pick(self.rng, ORDER_SHAPES)
        created = self._now + timedelta(seconds=self.rng.randint(0, 3000))
        paid = "orders/paid" in after
        subject = f"order:{order['id']}"
        label = f"{money.shop}/{money.buyer}"
        steps: list[tuple[str, dict[str, Any], str, int, str]] = []
        create = copy.deepcopy(order)
        create.update(
            financial_status="pending" if paid else "paid",
            created_at=_iso(created),
            processed_at=_iso(created),
            updated_at=_iso(created),
        )
        steps.append(("orders/create", create, subject, lines, label))
        for offset, topic in enumerate(after, start=1):
            moment = _iso(created + timedelta(minutes=offset))
            if topic == "refunds/create":
                steps.append(
                    (topic, self._refund_for(order, money, created + timedelta(minutes=offset)), subject, 0, label)
                )
                continue
            body = copy.deepcopy(order)
            body.update(created_at=_iso(created), processed_at=_iso(created), updated_at=moment)
            if topic == "orders/paid":
                body["financial_status"] = "paid"
            else:  # orders/cancelled
                body.update(
                    financial_status="refunded" if paid else "voided",
                    cancelled_at=moment,
                    cancel_reason="customer",
                )
            steps.append((topic, body, subject, lines, label))
        return steps

    def _refund_for(self, order: dict[str, Any], money: _Money, when: datetime) -> dict[str, Any]:
        refund = copy.deepcopy(self._refund)
        refunded = order["line_items"][: self.rng.randint(1, min(3, len(order["line_items"])))]
        refund_lines = []
        total = Decimal(0)
        for line in refunded:
            amount = Decimal(line["price"])
            total += amount
            refund_lines.append(
                {
                    "id": self._id(),
                    "quantity": 1,
                    "line_item_id": line["id"],
                    "location_id": None,
                    "restock_type": "no_restock",
                    "subtotal": money.number(amount),
                    "total_tax": 0,
                    "subtotal_set": money.set(amount),
                    "total_tax_set": money.set(Decimal(0)),
                    "line_item": copy.deepcopy(line),
                }
            )
        refund_id = self._id()
        transaction = copy.deepcopy(refund["transactions"][0])
        transaction.update(
            id=self._id(), order_id=order["id"], amount=money.text(total), currency=money.shop, created_at=_iso(when)
        )
        refund.update(
            id=refund_id,
            order_id=order["id"],
            admin_graphql_api_id=f"gid://shopify/Refund/{refund_id}",
            created_at=_iso(when),
            processed_at=_iso(when),
            note="prove: item damaged",
            refund_line_items=refund_lines,
            transactions=[transaction],
            order_adjustments=[],
            refund_shipping_lines=[],
            total_duties_set=money.set(Decimal(0)),
        )
        return refund

    def _checkout_body(self, shop: ProveShop) -> tuple[dict[str, Any], str, int, str]:
        money = self._currencies(shop)
        count = self.rng.randint(1, COMMON_LINES)
        checkout = copy.deepcopy(self._checkout)
        token = self._token()
        lines = []
        for line in self._lines(checkout["line_items"], count, money):
            line["key"] = self._token()
            line["line_price"] = money.text(Decimal(line["price"]) * line["quantity"])
            line["variant_price"] = line["price"]
            line.pop("id", None)
            line.pop("price_set", None)
            line.pop("total_discount_set", None)
            lines.append(line)
        subtotal = sum((Decimal(li["line_price"]) for li in lines), Decimal(0))
        moment = _iso(self._now + timedelta(seconds=self.rng.randint(0, 3000)))
        customer = copy.deepcopy(checkout.get("customer") or {})
        email = f"shopper{self._id()}@example.com"
        customer.update(id=self._id(), email=email)
        checkout.update(
            token=token,
            cart_token=self._token(),
            currency=money.shop,
            presentment_currency=money.buyer,
            line_items=lines,
            subtotal_price=money.text(subtotal),
            total_line_items_price=money.text(subtotal),
            total_price=money.text(subtotal),
            total_tax=money.text(Decimal(0)),
            total_discounts=money.text(Decimal(0)),
            tax_lines=[],
            discount_codes=[],
            shipping_lines=[],
            email=email,
            customer=customer,
            created_at=moment,
            updated_at=moment,
            completed_at=None,
            abandoned_checkout_url=f"https://{shop.domain}/checkouts/{token}/recover",
        )
        return checkout, f"checkout:{token}", count, f"{money.shop}/{money.buyer}"

    def _customer_body(self, shop: ProveShop) -> tuple[dict[str, Any], str]:
        customer = copy.deepcopy(self._customer)
        customer_id = self._id()
        moment = _iso(self._now + timedelta(seconds=self.rng.randint(0, 3000)))
        customer.update(
            id=customer_id,
            email=f"member{customer_id}@example.com",
            admin_graphql_api_id=f"gid://shopify/Customer/{customer_id}",
            created_at=moment,
            updated_at=moment,
            currency=shop.currency,
        )
        if isinstance(customer.get("default_address"), dict):
            customer["default_address"].update(id=self._id(), customer_id=customer_id)
        return customer, f"customer:{customer_id}"

    def body_for(self, shop: ProveShop, topic: str) -> dict[str, Any]:
        """A fresh, valid body for ``topic`` (orders/*, refunds/create, checkouts/*, customers/*)."""
        if topic.startswith("checkouts/"):
            return self._checkout_body(shop)[0]
        if topic.startswith("customers/"):
            return self._customer_body(shop)[0]
        money = self._currencies(shop)
        order = self._order(shop, money, self.rng.randint(1, 5))
        moment = _iso(self._now)
        order.update(financial_status="paid", created_at=moment, processed_at=moment, updated_at=moment)
        if topic == "refunds/create":
            return self._refund_for(order, money, self._now)
        return order

    # -- the plan --------------------------------------------------------------------------------------

    def _webhook(
        self, shop: ProveShop, topic: str, body: dict[str, Any], subject: str, *, lines: int, label: str
    ) -> Webhook:
        duplicate = _pick(self.rng, DUPLICATE_MODES) if self.rng.random() < self.duplicate_rate else None
        return Webhook(
            shop=shop,
            topic=topic,
            webhook_id=self._webhook_id(),
            body=json.dumps(body).encode("utf-8"),
            subject=subject,
            lines=lines,
            currencies=label,
            duplicate=duplicate,
        )

    def chain(self) -> list[Webhook]:
        shop = self.rng.choice(self.shops)
        kind = _pick(self.rng, CHAIN_KINDS)
        if kind == "order":
            return [self._webhook(shop, t, b, s, lines=n, label=c) for t, b, s, n, c in self._order_chain(shop)]
        if kind == "checkout":
            body, subject, lines, label = self._checkout_body(shop)
            return [self._webhook(shop, "checkouts/create", body, subject, lines=lines, label=label)]
        body, subject = self._customer_body(shop)
        return [
            self._webhook(shop, "customers/update", body, subject, lines=0, label=f"{shop.currency}/{shop.currency}")
        ]

    def plan(self, webhooks: int) -> Plan:
        chains: list[list[Webhook]] = []
        left = webhooks
        while left > 0:
            chain = self.chain()[:left]
            chains.append(chain)
            left -= len(chain)
        return Plan(chains=chains, seed=self.seed)
