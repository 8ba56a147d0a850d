"""Every vendor's translator on WooCommerce orders: placed, on hold, paid, completed, cancelled,
partly refunded (with and without refunded lines), multi-line, guest, and a real capture.

The translators are source-agnostic: a WooCommerce order becomes the same canonical events a
Shopify shop's webhooks do, so each vendor gets the same effects it gets from Shopify (the
purchase once placed or paid, a cancellation, a refund by its id) and skips with the same
reasons. The only WooCommerce-specific setting is Tracify's ``storefront_origin``: a
WooCommerce order has no Shopify status page to take the origin from.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from support.woocommerce import CASES, woo_events

from shoprelay.canonical import CanonicalEvent
from shoprelay.vendors import load_vendor, vendor_names
from shoprelay.vendors.base import Translation, Vendor, translate_for_shop

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
EXTRA_SETTINGS: dict[str, dict[str, Any]] = {"tracify": {"storefront_origin": "https://demo-woo.example.com"}}
SKIP = "skip"

# What each vendor does with each event of each case: the effects of its requests, or SKIP.
PURCHASE = {"order_placed": ("tr",), "order_paid": ("tr",)}
EXPECTED: dict[str, dict[str, dict[str, tuple[str, ...] | str]]] = {
    "corvidae": {
        "placed": {"order_placed": ("tr",)},
        "on-hold": {"order_placed": ("tr",)},
        "paid": {**PURCHASE, "order_updated": SKIP},
        "completed": {**PURCHASE, "order_fulfilled": SKIP, "order_updated": SKIP},
        "cancelled": {"order_placed": SKIP, "order_cancelled": SKIP, "order_updated": SKIP},
        "partly refunded": {**PURCHASE, "order_refunded": SKIP, "order_updated": SKIP},
        "refunded without lines": {**PURCHASE, "order_refunded": SKIP, "order_updated": SKIP},
        "multi-line registered": {**PURCHASE, "order_updated": SKIP},
        "guest": {**PURCHASE, "order_updated": SKIP},
        "captured": {**PURCHASE, "order_fulfilled": SKIP, "order_updated": SKIP},
    },
    "edrone": {
        "placed": {"order_placed": ("order:placed",)},
        "on-hold": {"order_placed": ("order:placed",)},
        "paid": {"order_placed": ("order:paid",), "order_paid": ("order:paid",), "order_updated": SKIP},
        "completed": {
            "order_placed": ("order:paid",),
            "order_paid": ("order:paid",),
            "order_fulfilled": ("order:delivered",),
            "order_updated": SKIP,
        },
        "cancelled": {"order_placed": ("order:placed",), "order_cancelled": ("order_cancel",), "order_updated": SKIP},
        "partly refunded": {
            "order_placed": ("order:paid",),
            "order_paid": ("order:paid",),
            "order_refunded": SKIP,
            "order_updated": SKIP,
        },
        "refunded without lines": {
            "order_placed": ("order:paid",),
            "order_paid": ("order:paid",),
            "order_refunded": SKIP,
            "order_updated": SKIP,
        },
        "multi-line registered": {
            "order_placed": ("order:paid",),
            "order_paid": ("order:paid",),
            "order_updated": SKIP,
        },
        "guest": {"order_placed": ("order:paid",), "order_paid": ("order:paid",), "order_updated": SKIP},
        "captured": {
            "order_placed": ("order:paid",),
            "order_paid": ("order:paid",),
            "order_fulfilled": ("order:delivered",),
            "order_updated": SKIP,
        },
    },
    "esputnik": {
        "placed": {"order_placed": ("contact", "orderCreated")},
        "on-hold": {"order_placed": ("contact", "orderCreated")},
        "paid": {
            "order_placed": ("contact", "orderUpdated:paid"),
            "order_paid": ("contact", "orderUpdated:paid"),
            "order_updated": ("contact", "orderUpdated:*"),
        },
        "completed": {
            "order_placed": ("contact", "orderUpdated:paid"),
            "order_paid": ("contact", "orderUpdated:paid"),
            "order_fulfilled": ("contact", "orderDelivered"),
            "order_updated": ("contact", "orderUpdated:*"),
        },
        "cancelled": {
            "order_placed": ("contact", "orderCreated"),
            "order_cancelled": ("contact", "orderCancelled"),
            "order_updated": ("contact", "orderUpdated:*"),
        },
        "partly refunded": {
            "order_placed": ("contact", "orderUpdated:paid"),
            "order_paid": ("contact", "orderUpdated:paid"),
            "order_refunded": ("contact", "orderUpdated:refund:731"),
            "order_updated": ("contact", "orderUpdated:*"),
        },
        "refunded without lines": {
            "order_placed": ("contact", "orderUpdated:paid"),
            "order_paid": ("contact", "orderUpdated:paid"),
            "order_refunded": ("contact", "orderUpdated:refund:731"),
            "order_updated": ("contact", "orderUpdated:*"),
        },
        "multi-line registered": {
            "order_placed": ("contact", "orderUpdated:paid"),
            "order_paid": ("contact", "orderUpdated:paid"),
            "order_updated": ("contact", "orderUpdated:*"),
        },
        "guest": {
            "order_placed": ("contact", "orderUpdated:paid"),
            "order_paid": ("contact", "orderUpdated:paid"),
            "order_updated": ("contact", "orderUpdated:*"),
        },
        "captured": {
            "order_placed": ("contact", "orderUpdated:paid"),
            "order_paid": ("contact", "orderUpdated:paid"),
            "order_fulfilled": ("contact", "orderDelivered"),
            "order_updated": ("contact", "orderUpdated:*"),
        },
    },
    "mytracker": {
        "placed": {"order_placed": ("ADD",)},
        "on-hold": {"order_placed": ("ADD",)},
        "paid": {"order_placed": ("PAY",), "order_paid": ("PAY",), "order_updated": SKIP},
        "completed": {"order_placed": ("PAY",), "order_paid": ("PAY",), "order_fulfilled": SKIP, "order_updated": SKIP},
        "cancelled": {"order_placed": ("ADD",), "order_cancelled": ("CANCEL",), "order_updated": SKIP},
        "partly refunded": {
            "order_placed": ("PAY",),
            "order_paid": ("PAY",),
            "order_refunded": ("REFUND:731",),
            "order_updated": SKIP,
        },
        "refunded without lines": {
            "order_placed": ("PAY",),
            "order_paid": ("PAY",),
            "order_refunded": SKIP,
            "order_updated": SKIP,
        },
        "multi-line registered": {"order_placed": ("PAY",), "order_paid": ("PAY",), "order_updated": SKIP},
        "guest": {"order_placed": SKIP, "order_paid": SKIP, "order_updated": SKIP},
        "captured": {"order_placed": ("PAY",), "order_paid": ("PAY",), "order_fulfilled": SKIP, "order_updated": SKIP},
    },
    "tracify": {
        "placed": {"order_placed": ("purchase",)},
        "on-hold": {"order_placed": ("purchase",)},
        "paid": {"order_placed": ("purchase",), "order_paid": ("purchase",), "order_updated": SKIP},
        "completed": {
            "order_placed": ("purchase",),
            "order_paid": ("purchase",),
            "order_fulfilled": SKIP,
            "order_updated": SKIP,
        },
        "cancelled": {"order_placed": SKIP, "order_cancelled": SKIP, "order_updated": SKIP},
        "partly refunded": {
            "order_placed": ("purchase",),
            "order_paid": ("purchase",),
            "order_refunded": SKIP,
            "order_updated": SKIP,
        },
        "refunded without lines": {
            "order_placed": ("purchase",),
            "order_paid": ("purchase",),
            "order_refunded": SKIP,
            "order_updated": SKIP,
        },
        "multi-line registered": {"order_placed": ("purchase",), "order_paid": ("purchase",), "order_updated": SKIP},
        "guest": {"order_placed": SKIP, "order_paid": SKIP, "order_updated": SKIP},
        "captured": {
            "order_placed": ("purchase",),
            "order_paid": ("purchase",),
            "order_fulfilled": SKIP,
            "order_updated": SKIP,
        },
    },
}


def _vendor(name: str) -> tuple[Vendor, Any]:
    vendor = load_vendor(name)
    settings = {**vendor.placeholder_settings, "send_test_orders": True, **EXTRA_SETTINGS.get(name, {})}
    return vendor, vendor.settings_model.parse(settings)


def _effects(translation: Translation) -> tuple[str, ...] | str:
    if not translation.requests:
        assert translation.skipped, "a translation without requests must say why"
        return SKIP
    return tuple(_UUID.sub("*", request.effect) for request in translation.requests)


def _translated(name: str, case: str) -> dict[str, tuple[str, ...] | str]:
    vendor, settings = _vendor(name)
    build, topic = CASES[case]
    events: list[CanonicalEvent] = woo_events(build(), topic)
    return {event.kind.value: _effects(translate_for_shop(vendor, event, settings)) for event in events}


def test_every_vendor_and_case_has_an_expectation() -> None:
    assert set(EXPECTED) == set(vendor_names())
    for name, cases in EXPECTED.items():
        assert set(cases) == set(CASES), name


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("name", vendor_names())
def test_each_vendor_gets_the_effects_of_the_matching_shopify_events(name: str, case: str) -> None:
    assert _translated(name, case) == EXPECTED[name][case]


@pytest.mark.parametrize("name", ["corvidae", "edrone", "esputnik", "tracify"])
def test_the_purchase_carries_the_orders_total(name: str) -> None:
    # WooCommerce's documented order: 2 x 3.00 + 12.00, 1.35 tax, 10.00 shipping = 29.35 USD
    vendor, settings = _vendor(name)
    build, topic = CASES["paid"]
    paid = next(event for event in woo_events(build(), topic) if event.kind.value == "order_paid")
    sent = repr([request.describe() for request in translate_for_shop(vendor, paid, settings).requests])
    assert any(total in sent for total in ("29.35", "29,35", "2935"))
    assert "USD" in sent
