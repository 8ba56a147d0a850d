"""The process harness runs a function as Lambda does: its own process, killed at the timeout."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from support.stack import LocalAws
from support.webhooks import api_event, fixture_bytes

from shoprelay_tools.stack.process_runtime import FunctionProcesses, Invocation
from shoprelay_tools.stack.provision import FunctionSpec

ORDER = "orders-create.test-store-shop-AUD-buyer-USD.json"


SLEEPER = """
import time

def handler(event, context):
    time.sleep(event["seconds"])
    return {"slept": event["seconds"], "remaining_ms": context.get_remaining_time_in_millis()}
"""


@pytest.fixture
def sleeper(tmp_path: Path) -> FunctionSpec:
    """A function that sleeps as long as its event says: the harness, not our code, is under test."""
    (tmp_path / "app.py").write_text(SLEEPER)
    return FunctionSpec(
        logical_id="SleeperFunction", code_dir=tmp_path, handler="app.handler", environment={}, timeout=2
    )


def test_an_invocation_runs_in_a_process_and_answers_with_its_logs(local: LocalAws) -> None:
    local.seed_shop({"tracify": {"enabled": True}})
    with FunctionProcesses(local.stack.functions["IngressFunction"]) as ingress:
        first = ingress.invoke(api_event(fixture_bytes(ORDER)))
        second = ingress.invoke(api_event(fixture_bytes(ORDER), webhook_id="another-delivery"))
    assert first.status == "ok", first.error
    assert first.payload["statusCode"] == 202
    assert json.loads(first.payload["body"])["vendors"] == ["tracify"]
    assert [record["message"] for record in first.json_logs() if "message" in record] == ["webhook answered"]
    assert second.status == "ok"
    assert ingress.started == 1  # the warm environment served the second invocation
    assert len(local.receive_all("TracifyQueue")) == 2


def test_an_invocation_past_the_timeout_is_killed_and_the_next_one_starts_fresh(sleeper: FunctionSpec) -> None:
    with FunctionProcesses(sleeper) as function:
        quick = function.invoke({"seconds": 0.1})
        hung = function.invoke({"seconds": 30})
        after = function.invoke({"seconds": 0})
    assert quick.status == "ok"
    assert 1500 < quick.payload["remaining_ms"] <= 1900  # the context counts down to the 2 s timeout
    assert hung.status == "timeout"
    assert 2 <= hung.duration < 4
    assert after.status == "ok"
    assert (function.started, function.killed) == (2, 1)


def test_the_template_timeout_is_the_default(local: LocalAws) -> None:
    spec = local.stack.functions["IngressFunction"]
    with FunctionProcesses(spec) as ingress:
        assert ingress.timeout == spec.timeout == 10


def test_killing_every_environment_ends_the_invocation_in_flight_without_an_answer(sleeper: FunctionSpec) -> None:
    with FunctionProcesses(sleeper, timeout=30) as function:
        function.invoke({"seconds": 0})
        results: list[Invocation] = []
        worker = threading.Thread(target=lambda: results.append(function.invoke({"seconds": 20})))
        worker.start()
        time.sleep(1)
        assert function.kill_all() == 1
        worker.join(timeout=5)
        after = function.invoke({"seconds": 0})
    (killed,) = results
    assert killed.status == "error"
    assert killed.duration < 5
    assert "-9" in str(killed.error)
    assert after.status == "ok"
    assert function.started == 2


WORKER = """
import time

def handler(event, context):
    kept = bytearray(event["megabytes"] * 1024 * 1024)  # touched, so it is resident
    started = time.process_time()
    while time.process_time() - started < event["cpu_seconds"]:
        pass
    return len(kept)
"""


@pytest.fixture
def worker(tmp_path: Path) -> FunctionSpec:
    """A function that burns the CPU time and holds the memory its event asks for."""
    (tmp_path / "app.py").write_text(WORKER)
    return FunctionSpec(
        logical_id="WorkerFunction", code_dir=tmp_path, handler="app.handler", environment={}, timeout=10
    )


def test_each_invocation_reports_its_cpu_time_and_the_peak_memory_of_its_process(worker: FunctionSpec) -> None:
    with FunctionProcesses(worker) as function:
        cold = function.invoke({"megabytes": 0, "cpu_seconds": 0.05})
        light = function.invoke({"megabytes": 0, "cpu_seconds": 0.05})
        heavy = function.invoke({"megabytes": 96, "cpu_seconds": 0.4})
    assert cold.init_cpu_seconds is not None
    assert cold.init_cpu_seconds > 0
    assert light.init_cpu_seconds is None
    assert heavy.init_cpu_seconds is None
    assert light.cpu_seconds is not None
    assert heavy.cpu_seconds is not None
    assert 0.05 <= light.cpu_seconds < 0.3
    assert 0.4 <= heavy.cpu_seconds < 1.0
    assert light.peak_mb is not None
    assert heavy.peak_mb is not None
    # The peak is this process's own: a fresh interpreter, not the test process it was started from.
    assert light.peak_mb < 60
    assert heavy.peak_mb >= light.peak_mb + 90
