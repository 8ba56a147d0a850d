"""Canonical events to Acme's orders API: placed orders only."""

from __future__ import annotations

from shoprelay.canonical import CanonicalEvent, EventKind
from shoprelay.vendors.acme.settings import AcmeSettings
from shoprelay.vendors.base import Builder, Translation, Translator, UnknownOrder, VendorRequest, order_of

PRODUCTION = "https://api.acme.example"


def _order(event: CanonicalEvent, settings: AcmeSettings) -> Translation:
    order = order_of(event)
    base = (settings.endpoint or PRODUCTION).rstrip("/")
    body = {"order_id": order.id_for(settings.order_id_field), "currency": order.currency}
    body["total"] = str(order.amounts.total.shop)
    return Translation.send(
        VendorRequest(
            method="POST",
            url=f"{base}/orders",
            effect="ORDER",
            headers={"X-Api-Key": settings.api_key.get_secret_value()},
            json_body=body,
        )
    )


BUILDERS: dict[EventKind, Builder[AcmeSettings]] = {EventKind.ORDER_PLACED: _order}
SKIP_REASONS: dict[EventKind, str] = {EventKind.ORDER_REFUNDED: "Acme takes no refunds"}

translate = Translator(vendor="Acme", builders=BUILDERS, skip_reasons=SKIP_REASONS, unknown_order=UnknownOrder.SKIP)
