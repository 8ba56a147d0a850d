"""Every vendor has the same shape: a builder table, a skip table and an unknown-order policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shoprelay.canonical import CanonicalEvent, EventKind
from shoprelay.vendors import load_vendor, vendor_names
from shoprelay.vendors.base import (
    ORDER_KINDS,
    ORDER_NOT_SEEN,
    Translation,
    TranslationError,
    Translator,
    UnknownOrder,
    VendorSettings,
)

MOMENT = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)


def bare_event(kind: EventKind) -> CanonicalEvent:
    """An event that carries nothing: no order, refund, checkout or customer."""
    return CanonicalEvent(
        id="evt-1", kind=kind, shop="s.myshopify.com", topic="t", occurred_at=MOMENT, received_at=MOMENT
    )


def sent(event: CanonicalEvent, settings: VendorSettings) -> Translation:
    return Translation.send()


@pytest.mark.parametrize("name", vendor_names())
def test_every_kind_is_either_built_or_skipped_with_a_reason(name: str) -> None:
    translate = load_vendor(name).translate
    built, skipped = set(translate.builders), set(translate.skip_reasons)
    assert built | skipped == set(EventKind)
    assert not built & skipped
    assert all(reason.strip() for reason in translate.skip_reasons.values())


@pytest.mark.parametrize("name", vendor_names())
def test_an_order_event_without_its_order_follows_the_vendors_policy(name: str) -> None:
    vendor = load_vendor(name)
    settings = vendor.settings_model.parse(vendor.placeholder_settings)
    for kind in ORDER_KINDS & set(vendor.translate.builders):
        event = bare_event(kind)
        if vendor.translate.unknown_order is UnknownOrder.SKIP:
            assert vendor.translate(event, settings) == Translation.skip(ORDER_NOT_SEEN)
        else:
            with pytest.raises(TranslationError, match="carries no order"):
                vendor.translate(event, settings)


def test_the_skip_table_is_read_before_the_builders_and_the_order_check() -> None:
    translate = Translator[VendorSettings](
        vendor="Demo",
        builders={EventKind.ORDER_PLACED: sent},
        skip_reasons={EventKind.ORDER_REFUNDED: "Demo cannot express refunds"},
        unknown_order=UnknownOrder.DEAD_LETTER,
    )
    settings = VendorSettings()
    assert translate(bare_event(EventKind.ORDER_REFUNDED), settings) == Translation.skip("Demo cannot express refunds")
    assert translate(bare_event(EventKind.CHECKOUT_UPDATED), settings) == Translation.skip(
        "Demo has no equivalent of checkout_updated events"
    )
    with pytest.raises(TranslationError, match="order_placed event evt-1 carries no order"):
        translate(bare_event(EventKind.ORDER_PLACED), settings)


def test_a_kind_both_built_and_skipped_is_refused_when_declared() -> None:
    with pytest.raises(ValueError, match="both built and skipped"):
        Translator[VendorSettings](
            vendor="Demo",
            builders={EventKind.ORDER_PLACED: sent},
            skip_reasons={EventKind.ORDER_PLACED: "no"},
            unknown_order=UnknownOrder.SKIP,
        )
