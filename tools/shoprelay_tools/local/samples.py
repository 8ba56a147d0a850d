"""The Shopify webhook bodies ``shoprelay local``, its ``--demo`` and ``prove`` post.

They are the test fixtures themselves (``tests/fixtures/shopify``: Shopify's documented
examples and a test-store order), read from the checkout the tools run from. They are
posted in the order listed: the refund belongs to the cancelled order (``order_id``
820982911946154500), which is posted first so the ingress remembers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shoprelay_tools.stack.template import find_root


@dataclass(frozen=True)
class Sample:
    label: str
    topic: str
    file: str

    def body(self) -> bytes:
        """The body byte for byte, as it is signed and posted."""
        return self.path().read_bytes()

    def path(self) -> Path:
        return find_root() / "tests" / "fixtures" / "shopify" / self.file


SAMPLES: tuple[Sample, ...] = (
    Sample("order AUD shop / USD buyer", "orders/create", "orders-create.test-store-shop-AUD-buyer-USD.json"),
    Sample("same order paid", "orders/paid", "orders-create.test-store-shop-AUD-buyer-USD.json"),
    Sample("order with 12 lines", "orders/create", "order-12-line-items.filled-2024-01.json"),
    Sample("order cancelled", "orders/cancelled", "orders-create.shopify-docs-2026-04.json"),
    Sample("refund of cancelled order", "refunds/create", "refunds-create.shopify-docs-2026-04.json"),
    Sample("checkout", "checkouts/create", "checkouts-create.shopify-docs-2026-04.json"),
    Sample("customer", "customers/create", "customers-create.shopify-docs-2026-04.json"),
)
"""Every bundled sample, in posting order."""


@dataclass(frozen=True)
class WooSample:
    """A WooCommerce delivery of the demo site: one of the bundled bodies of
    :data:`shoprelay_tools.source_samples.WOOCOMMERCE_SAMPLES` (WooCommerce's documented order
    and a real capture, in the states an order goes through)."""

    label: str
    topic: str
    stem: str

    def body(self) -> bytes:
        from shoprelay_tools.source_samples import WOOCOMMERCE_SAMPLES, woocommerce_body

        return woocommerce_body(WOOCOMMERCE_SAMPLES[self.stem][1])


WOO_SAMPLES: tuple[WooSample, ...] = (
    WooSample("woo order awaiting payment", "order.created", "order-created-pending"),
    WooSample("woo same order paid", "order.updated", "order-updated-processing"),
    WooSample("woo same order partly refunded", "order.updated", "order-updated-refunded-partly"),
    WooSample("woo captured order completed", "order.updated", "order-updated-completed"),
)
"""The WooCommerce samples, in posting order (each later state of order 727 after the one before)."""

CURL_SAMPLE = SAMPLES[0]
"""The sample the printed ``curl`` posts."""
