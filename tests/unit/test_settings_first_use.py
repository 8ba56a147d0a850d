"""A vendor function validates a shop's settings at first use, and again only when they change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import requests

from shoprelay.delivery.errors import PermanentDeliveryError
from shoprelay.delivery.processor import VendorDelivery
from shoprelay.state import StateTable
from shoprelay.vendors import load_vendor

STORED: dict[str, dict[str, Any]] = {}


def load_settings(shop: str, vendor: str) -> Mapping[str, Any] | None:
    """What an SSM read returns: a fresh document every time, as the JSON is parsed per read."""
    found = STORED.get(shop)
    return dict(found) if found is not None else None


@pytest.fixture
def delivery() -> VendorDelivery:
    STORED.clear()
    return VendorDelivery(
        vendor=load_vendor("edrone"),
        table=StateTable("unused"),
        load_settings=load_settings,
        session=requests.Session(),
        effect_ttl_seconds=60,
    )


def test_the_same_settings_are_validated_once(delivery: VendorDelivery) -> None:
    STORED["a.myshopify.com"] = {"app_id": "app-a"}
    first = delivery.settings_for("a.myshopify.com")
    assert first is not None
    assert delivery.settings_for("a.myshopify.com") is first


def test_changed_settings_are_validated_again(delivery: VendorDelivery) -> None:
    STORED["a.myshopify.com"] = {"app_id": "app-a"}
    first = delivery.settings_for("a.myshopify.com")
    STORED["a.myshopify.com"] = {"app_id": "app-a", "send_user_id": "false"}
    changed = delivery.settings_for("a.myshopify.com")
    assert changed is not first
    assert changed is not None
    assert changed.send_user_id is False


def test_each_shop_has_its_own_settings(delivery: VendorDelivery) -> None:
    STORED["a.myshopify.com"] = {"app_id": "app-a"}
    STORED["b.myshopify.com"] = {"app_id": "app-b"}
    assert delivery.settings_for("a.myshopify.com").app_id == "app-a"
    assert delivery.settings_for("b.myshopify.com").app_id == "app-b"
    assert delivery.settings_for("c.myshopify.com") is None


def test_settings_made_invalid_are_refused_with_every_problem_named(delivery: VendorDelivery) -> None:
    STORED["a.myshopify.com"] = {"app_id": "app-a"}
    delivery.settings_for("a.myshopify.com")
    STORED["a.myshopify.com"] = {"app_id": "app-a", "endpoint": "http://169.254.169.254", "body_size_target": "big"}
    with pytest.raises(PermanentDeliveryError) as refused:
        delivery.settings_for("a.myshopify.com")
    said = str(refused.value)
    assert said.startswith("invalid edrone settings for a.myshopify.com: endpoint: ")
    assert "; body_size_target: must be a whole number" in said
    assert "169.254.169.254" not in said
