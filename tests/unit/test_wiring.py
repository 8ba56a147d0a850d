"""template.yaml's per-vendor wiring is the rendering of template-vendor.yaml for the registry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shoprelay.canonical import CanonicalEvent, EventKind
from shoprelay.vendors import load_vendor, vendor_names
from shoprelay.vendors.base import Translation
from shoprelay.vendors.routes import SKIPPED_KINDS
from shoprelay_tools.stack.template import load_template
from shoprelay_tools.stack.wiring import (
    BEGIN,
    END,
    FRAGMENT,
    ROUTES,
    TEMPLATE,
    WiringError,
    logical_name,
    render,
    rendered_routes,
)

ROOT = Path(__file__).resolve().parents[2]
RECEIVED_AT = datetime(2026, 12, 4, tzinfo=UTC)
PER_VENDOR = ("DeadLetterQueue", "Queue", "QueuePolicy", "Subscription", "DeadLetterAlarm", "Function")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(ROOT / TEMPLATE)


def test_template_is_the_rendering_of_the_vendor_fragment() -> None:
    current = (ROOT / TEMPLATE).read_text(encoding="utf-8")
    rendered = render(current, (ROOT / FRAGMENT).read_text(encoding="utf-8"), vendor_names())
    assert rendered == current, "template.yaml is out of date: run `make wiring`"


def test_the_ingress_routes_table_is_the_rendering_of_the_translators() -> None:
    current = (ROOT / ROUTES).read_text(encoding="utf-8")
    assert current == rendered_routes(), f"{ROUTES} is out of date: run `make wiring`"


@pytest.mark.parametrize("vendor", vendor_names())
def test_a_kind_left_out_of_routing_is_one_the_vendor_skips_whatever_it_holds(vendor: str) -> None:
    translate = load_vendor(vendor).translate
    for kind in EventKind:
        reason = SKIPPED_KINDS[vendor].get(kind.value)
        assert (reason is None) == (kind in translate.builders), (vendor, kind)
        if reason is not None:
            event = CanonicalEvent(
                id="e-1", shop="s.myshopify.com", kind=kind, topic="t", occurred_at=RECEIVED_AT, received_at=RECEIVED_AT
            )
            translation = translate(event, load_vendor(vendor).settings_model.model_construct())
            assert translation == Translation.skip(reason)


@pytest.mark.parametrize("vendor", vendor_names())
def test_every_vendor_is_wired_to_its_own_queue_and_function(template: dict[str, Any], vendor: str) -> None:
    prefix = logical_name(vendor)
    resources = template["Resources"]
    assert {f"{prefix}{kind}" for kind in PER_VENDOR} <= set(resources)
    function = resources[f"{prefix}Function"]["Properties"]
    assert function["Environment"]["Variables"]["VENDOR"] == vendor
    assert function["CodeUri"] == "functions/vendor/"
    subscription = resources[f"{prefix}Subscription"]["Properties"]
    assert subscription["FilterPolicy"] == {"vendors": [vendor]}
    assert f"{prefix}MaxConcurrency" in template["Parameters"]
    assert {f"{prefix}QueueUrl", f"{prefix}DeadLetterQueueUrl"} <= set(template["Outputs"])


def test_no_function_serves_a_vendor_the_registry_does_not_know(template: dict[str, Any]) -> None:
    served = {
        spec["Properties"]["Environment"]["Variables"]["VENDOR"]
        for spec in template["Resources"].values()
        if spec["Type"] == "AWS::Serverless::Function"
        and "VENDOR" in spec["Properties"].get("Environment", {}).get("Variables", {})
    }
    assert served == set(vendor_names())


def test_rendering_repeats_the_fragment_per_vendor_in_each_marked_block() -> None:
    template = f"Parameters:\n  Stage:\n    Type: String\n{BEGIN}\n  stale\n{END}\nResources:\n{BEGIN}\n{END}\n"
    fragment = (
        "# note\nParameters:\n  __Vendor__Limit:\n    Type: Number\n"
        "Resources:\n  __Vendor__Queue:\n    Name: __vendor__\n"
    )
    rendered = render(template, fragment, ["acme", "zeta"])
    assert rendered == (
        f"Parameters:\n  Stage:\n    Type: String\n{BEGIN}\n"
        "  AcmeLimit:\n    Type: Number\n\n  ZetaLimit:\n    Type: Number\n"
        f"{END}\nResources:\n{BEGIN}\n"
        "  AcmeQueue:\n    Name: acme\n\n  ZetaQueue:\n    Name: zeta\n"
        f"{END}\n"
    )


def test_a_template_without_the_fragment_s_blocks_is_refused() -> None:
    with pytest.raises(WiringError, match="wiring blocks"):
        render("Resources:\n  Table: {}\n", "Resources:\n  __Vendor__Queue: {}\n", ["acme"])
