"""Every file in events/ works with its function, the way `sam local invoke -e` runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.stack import LocalAws

from shoprelay.vendors import vendor_names
from shoprelay_tools.demo import DEMO_SECRET
from shoprelay_tools.sample_events import EVENTS, INGRESS_SAMPLES, LOCAL_INVOKE_ENVIRONMENT, file_stem, write_events

ROOT = Path(__file__).resolve().parents[2]


def test_events_directory_matches_the_generator(tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in EVENTS.rglob("*.json")}
    written = write_events()
    assert {p: p.read_bytes() for p in written} == before, "run: python -m shoprelay_tools.sample_events"


def test_env_file_sets_what_the_local_stack_sets(local: LocalAws) -> None:
    # every function the stack deploys by default, each with the variables it gets there;
    # the EventBridge ingress is there too, though it deploys only with ShopifyEventSourceName
    env = json.loads((EVENTS / "env.json").read_text())
    assert set(local.stack.functions) < set(env)
    for name, spec in local.stack.functions.items():
        assert set(env[name]) == set(spec.environment), name
        unfilled = {key for key, value in env[name].items() if value.startswith("REPLACE-with-")}
        same = {key for key in set(env[name]) - unfilled if env[name][key] == spec.environment[key]}
        assert set(env[name]) - unfilled - same <= set(LOCAL_INVOKE_ENVIRONMENT), name


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
