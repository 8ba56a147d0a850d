"""Shopify webhook bodies bundled with the tools, for ``shoprelay local`` and its ``--demo``.

Copies of fixtures from ``tests/fixtures/shopify`` (Shopify's documented examples and a
test-store order), shipped inside the package so an installed ``shoprelay`` finds them.
They are posted in the order listed: the refund belongs to the cancelled order
(``order_id`` 820982911946154500), which is posted first so the ingress remembers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    label: str
    topic: str
    file: str

    def body(self) -> bytes:
        """The body byte for byte, as it is signed and posted."""
        return files(__package__).joinpath(self.file).read_bytes()

    def path(self) -> Path:
        """The file on disk (the package is installed as files, editable or not)."""
        with as_file(files(__package__).joinpath(self.file)) as path:
            return Path(path)


SAMPLES: tuple[Sample, ...] = (
    Sample("order AUD shop / USD buyer", "orders/create", "order-aud-usd.json"),
    Sample("same order paid", "orders/paid", "order-aud-usd.json"),
    Sample("order with 12 lines", "orders/create", "order-12-lines.json"),
    Sample("order cancelled", "orders/cancelled", "order-cancelled.json"),
    Sample("refund of cancelled order", "refunds/create", "refund.json"),
    Sample("checkout", "checkouts/create", "checkout.json"),
    Sample("customer", "customers/create", "customer.json"),
)
"""Every bundled sample, in posting order."""

CURL_SAMPLE = SAMPLES[0]
"""The sample the printed ``curl`` posts."""
