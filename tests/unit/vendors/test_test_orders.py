"""Test orders stay out of every vendor's reports, and so does everything that follows them.

A refunds/create body has no test flag: only the order it belongs to has one, which the
ingress adds from order memory. Each vendor is asked the way delivery asks it
(``translate_for_shop``), with its placeholder settings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from support.vendor_events import DOCS_ORDER, REFUND, canonical_event, order_in
from support.webhooks import fixture_json

from shoprelay.canonical import CanonicalEvent
from shoprelay.vendors import load_vendor, vendor_names
from shoprelay.vendors.base import is_test_event, translate_for_shop

SHOP = "test-orders.myshopify.com"
RECEIVED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
TEST_ORDER_SKIP = "test order (send_test_orders is off)"


def order_body(*, test: bool) -> dict[str, Any]:
    """The documented order (paid, not cancelled), as a test order or a real one."""
    body = fixture_json(DOCS_ORDER)
    body.update(test=test, cancelled_at=None, cancel_reason=None, financial_status="paid")
    return body


def refund_of(order: dict[str, Any]) -> CanonicalEvent:
    """The documented refund of the order, enriched from order memory as the ingress does it."""
    remembered = order_in(order, shop=SHOP, received_at=RECEIVED_AT)
    return canonical_event(
        fixture_json(REFUND), "refunds/create", shop=SHOP, received_at=RECEIVED_AT, remembered=remembered
    )


def order_event(topic: str, *, test: bool) -> CanonicalEvent:
    return canonical_event(order_body(test=test), topic, shop=SHOP, received_at=RECEIVED_AT)


def shop_settings(vendor_name: str, **overrides: Any) -> Any:
    vendor = load_vendor(vendor_name)
    return vendor.settings_model.parse({**vendor.placeholder_settings, **overrides})


def test_a_refund_body_has_no_test_flag_of_its_own_but_its_remembered_order_does() -> None:
    refund = refund_of(order_body(test=True))

    assert refund.test is False
    assert is_test_event(refund)
    assert not is_test_event(refund_of(order_body(test=False)))


@pytest.mark.parametrize("vendor_name", vendor_names())
def test_the_refund_of_a_test_order_is_skipped_like_the_order(vendor_name: str) -> None:
    translation = translate_for_shop(
        load_vendor(vendor_name), refund_of(order_body(test=True)), shop_settings(vendor_name)
    )

    assert translation.requests == ()
    assert translation.skipped == TEST_ORDER_SKIP


@pytest.mark.parametrize("vendor_name", vendor_names())
@pytest.mark.parametrize(
    "topic", ["orders/create", "orders/paid", "orders/cancelled", "orders/updated", "orders/fulfilled"]
)
def test_every_order_topic_of_a_test_order_is_skipped(vendor_name: str, topic: str) -> None:
    translation = translate_for_shop(
        load_vendor(vendor_name), order_event(topic, test=True), shop_settings(vendor_name)
    )

    assert translation.skipped == TEST_ORDER_SKIP


@pytest.mark.parametrize("vendor_name", vendor_names())
def test_with_send_test_orders_on_the_refund_gets_the_vendor_own_answer(vendor_name: str) -> None:
    """Whatever the vendor does with the refund, it is no longer the test-order skip."""
    vendor = load_vendor(vendor_name)
    refund = refund_of(order_body(test=True))

    relayed = translate_for_shop(vendor, refund, shop_settings(vendor_name, send_test_orders=True))
    real = translate_for_shop(vendor, refund_of(order_body(test=False)), shop_settings(vendor_name))

    assert relayed.skipped != TEST_ORDER_SKIP
    assert relayed == real


def test_a_refund_of_a_real_order_still_reaches_the_vendors_that_take_refunds() -> None:
    refund = refund_of(order_body(test=False))

    assert translate_for_shop(load_vendor("mytracker"), refund, shop_settings("mytracker")).requests
    assert translate_for_shop(load_vendor("edrone"), refund, shop_settings("edrone")).requests
