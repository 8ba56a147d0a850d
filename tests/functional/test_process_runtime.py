"""The process harness runs a function as Lambda does: its own process, killed at the timeout."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from support.stack import LocalAws
from support.webhooks import api_event, fixture_bytes

from shoprelay_tools.stack.process_runtime import FunctionProcesses

ORDER = "orders-create.test-store-shop-AUD-buyer-USD.json"


@pytest.fixture
def black_hole() -> Iterator[str]:
    """An endpoint that accepts connections and never answers (a hung AWS service)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    host, port = listener.getsockname()
    yield f"http://{host}:{port}"
    listener.close()


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


def test_an_invocation_past_the_timeout_is_killed_and_the_next_one_starts_fresh(
    local: LocalAws, black_hole: str
) -> None:
    local.seed_shop({"tracify": {"enabled": True}})
    spec = local.stack.functions["IngressFunction"]
    with FunctionProcesses(spec, extra_env={"AWS_ENDPOINT_URL": black_hole}, timeout=1.5) as ingress:
        hung = ingress.invoke(api_event(fixture_bytes(ORDER)))
        again = ingress.invoke(api_event(fixture_bytes(ORDER)))
    assert hung.status == "timeout"
    assert 1.5 <= hung.duration < 3
    assert again.status == "timeout"
    assert (ingress.started, ingress.killed) == (2, 2)


def test_the_template_timeout_is_the_default(local: LocalAws) -> None:
    spec = local.stack.functions["IngressFunction"]
    with FunctionProcesses(spec) as ingress:
        assert ingress.timeout == spec.timeout == 10
