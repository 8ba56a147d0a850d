"""Every file in events/ works with its function, the way `sam local invoke -e` runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.stack import LocalAws

from shoprelay.vendors import vendor_names
from shoprelay_tools.demo import DEMO_SECRET
from shoprelay_tools.sample_events import EVENTS, INGRESS_SAMPLES, file_stem, write_events

ROOT = Path(__file__).resolve().parents[2]


def test_events_directory_matches_the_generator(tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in EVENTS.rglob("*.json") if p.name != "env.json"}
    written = write_events()
    assert {p: p.read_bytes() for p in written} == before, "run: python -m shoprelay_tools.sample_events"


def test_env_file_names_every_template_function(local: LocalAws) -> None:
    env = json.loads((EVENTS / "env.json").read_text())
    assert set(env) == set(local.stack.functions)
    for name, spec in local.stack.functions.items():
        assert set(env[name]) <= set(spec.environment), f"{name}: env.json sets variables the template does not"


def test_every_ingress_sample_is_accepted(local: LocalAws) -> None:
    local.seed_shop({"edrone": {"enabled": True}}, secret=DEMO_SECRET)
    for topic in INGRESS_SAMPLES:
        event = json.loads((EVENTS / "ingress" / f"{file_stem(topic)}.json").read_text())
        response = local.invoke("IngressFunction", event)
        assert response["statusCode"] == 202, (topic, response["body"])


@pytest.mark.parametrize("vendor", vendor_names())
def test_vendor_samples_are_acknowledged_or_dead_lettered_never_lost(local: LocalAws, vendor: str) -> None:
    # No settings for the demo shop: every record must be dead-lettered with that reason,
    # proving the sample is a well-formed SQS event the handler fully processes.
    function = f"{vendor.capitalize()}Function"
    for path in sorted((EVENTS / vendor).glob("*.json")):
        response = local.invoke(function, json.loads(path.read_text()))
        assert response == {"batchItemFailures": []}, path.name
    parked = local.receive_all(f"{vendor.capitalize()}DeadLetterQueue")
    assert parked
    assert all("not configured" in m["MessageAttributes"]["reason"]["StringValue"] for m in parked)
