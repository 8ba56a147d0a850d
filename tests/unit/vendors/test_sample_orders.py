"""The samples in events/ are real orders: with ordinary settings each vendor acts on them.

``test_sample_events`` (functional) proves every sample is a well-formed event its function
processes; this proves what the vendor makes of it is the vendor's own decision, never the
test-order skip that a Shopify test order gets from every vendor.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from shoprelay.canonical import CanonicalEvent, from_json
from shoprelay.vendors import load_vendor, vendor_names
from shoprelay.vendors.base import translate_for_shop
from shoprelay_tools.sample_events import EVENTS, INGRESS_SAMPLES, file_stem

TEST_ORDER_SKIP = "test order (send_test_orders is off)"


def sample_event(path: Path) -> CanonicalEvent:
    (record,) = json.loads(path.read_text())["Records"]
    return from_json(CanonicalEvent, record["body"])


@pytest.mark.parametrize("topic", [t for t in INGRESS_SAMPLES if t.startswith("orders/")])
def test_ingress_order_samples_are_not_test_orders(topic: str) -> None:
    sample = json.loads((EVENTS / "ingress" / f"{file_stem(topic)}.json").read_text())
    body = json.loads(base64.b64decode(sample["body"]))

    assert body["test"] is False


@pytest.mark.parametrize("vendor_name", vendor_names())
def test_every_vendor_sample_gets_the_vendor_own_answer(vendor_name: str) -> None:
    vendor = load_vendor(vendor_name)
    settings = vendor.settings_model.parse(vendor.placeholder_settings)
    translations = {
        path.name: translate_for_shop(vendor, sample_event(path), settings)
        for path in sorted((EVENTS / vendor_name).glob("*.json"))
    }

    assert translations
    assert all(t.skipped != TEST_ORDER_SKIP for t in translations.values())
    # Every vendor relays at least the placed order of the samples.
    assert translations["order-placed.json"].requests, translations["order-placed.json"].skipped
