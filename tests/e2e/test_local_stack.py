"""End to end through `shoprelay local`: HTTP in at the gateway, sandboxes and DLQs out.

One stack serves the whole module (moto's server, the real handlers, pollers, sandboxes);
each test uses its own order id and webhook id so the stack's memory does not leak between
tests. Retries are immediate (``RETRY_BASE_SECONDS=0``); batching windows are the template's.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from shoprelay.sources.shopify import sign
from shoprelay.vendors import vendor_names
from shoprelay_tools.demo import DEMO_SECRET, DEMO_SHOP
from shoprelay_tools.local.runner import LocalStack
from shoprelay_tools.local.samples import SAMPLES, WOO_SAMPLES
from shoprelay_tools.stack.template import load_template

ROOT = Path(__file__).resolve().parents[2]
SHOPRELAY = str(Path(sys.executable).with_name("shoprelay"))
VENDORS = sorted(vendor_names())
WAIT = 30.0
BASH = shutil.which("bash") or "/bin/bash"


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    log_file = tmp_path_factory.mktemp("local") / "functions.log"
    stack = LocalStack(ROOT, port=0, extra_env={"RETRY_BASE_SECONDS": "0"}, log_file=log_file).start()
    yield stack
    stack.stop()


def order_body(order_id: int) -> bytes:
    order = json.loads(SAMPLES[0].body())
    order.update(id=order_id, name=f"#{order_id}", order_number=order_id)
    return json.dumps(order).encode()


def post(
    local: LocalStack,
    body: bytes,
    *,
    webhook_id: str | None = None,
    secret: str | None = DEMO_SECRET,
    topic: str = "orders/create",
) -> requests.Response:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": DEMO_SHOP,
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
    }
    if secret is not None:
        headers["X-Shopify-Hmac-Sha256"] = sign(secret, body)
    return requests.post(local.webhook_url(), data=body, headers=headers, timeout=30)


def accepted(local: LocalStack, order_id: int, **kwargs: Any) -> str:
    response = post(local, order_body(order_id), **kwargs)
    assert response.status_code == 202, response.text
    assert sorted(response.json()["vendors"]) == VENDORS
    event_id: str = response.json()["id"]
    return event_id


def settle(local: LocalStack, event_id: str) -> dict[str, str]:
    """vendor → final outcome of the event."""
    final = local.outcomes.wait_final(event_id, VENDORS, WAIT)
    assert sorted(final) == VENDORS, f"no final state at {sorted(set(VENDORS) - set(final))}"
    return {vendor: outcome.outcome for vendor, outcome in final.items()}


def deliveries(local: LocalStack, event_id: str | None = None) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = requests.get(f"{local.base_url}/_local/deliveries", timeout=10).json()
    return [d for d in listed if event_id is None or d["event_id"] == event_id]


def fault(local: LocalStack, **payload: Any) -> requests.Response:
    return requests.post(f"{local.base_url}/_local/faults", json=payload, timeout=10)


def test_signed_order_reaches_all_five_sandboxes(local: LocalStack) -> None:
    event_id = accepted(local, 7000001)
    assert settle(local, event_id) == dict.fromkeys(VENDORS, "delivered")
    hits = deliveries(local, event_id)
    assert sorted({d["vendor"] for d in hits}) == VENDORS
    assert all(200 <= d["status"] < 300 for d in hits), [(d["vendor"], d["status"], d["body"]) for d in hits]


@pytest.mark.parametrize("secret", [None, "not-the-shop-secret"], ids=["unsigned", "wrong-secret"])
def test_unsigned_or_wrongly_signed_is_refused_and_goes_nowhere(local: LocalStack, secret: str | None) -> None:
    before = (len(deliveries(local)), len(local.outcomes.all()), len(local.dead_letters()))
    response = post(local, order_body(7000002), secret=secret)
    assert response.status_code == 401
    time.sleep(2.5)  # longer than the template's batching window
    assert (len(deliveries(local)), len(local.outcomes.all()), len(local.dead_letters())) == before


def test_same_webhook_twice_is_delivered_once_per_vendor(local: LocalStack) -> None:
    body = order_body(7000003)
    first = post(local, body, webhook_id="same-webhook")
    assert first.status_code == 202
    event_id = first.json()["id"]
    settle(local, event_id)
    sent = len(deliveries(local, event_id))
    second = post(local, body, webhook_id="same-webhook")
    assert (second.status_code, second.json()["status"]) == (200, "duplicate")
    time.sleep(2.5)
    assert len(deliveries(local, event_id)) == sent
    delivered = [o.vendor for o in local.outcomes.all() if o.event_id == event_id and o.outcome == "delivered"]
    assert sorted(delivered) == VENDORS


def test_vendor_answering_503_twice_gets_it_on_the_third_try(local: LocalStack) -> None:
    assert fault(local, vendor="mytracker", status=503, times=2).status_code == 200
    event_id = accepted(local, 7000004)
    assert settle(local, event_id)["mytracker"] == "delivered"
    assert [d["status"] for d in deliveries(local, event_id) if d["vendor"] == "mytracker"] == [503, 503, 200]
    assert not [m for m in local.dead_letters() if m["event_id"] == event_id]


def test_vendor_answering_400_dead_letters_with_the_reason(local: LocalStack) -> None:
    assert fault(local, vendor="tracify", status=400, times=1).status_code == 200
    event_id = accepted(local, 7000005)
    outcomes = settle(local, event_id)
    assert outcomes == {**dict.fromkeys(VENDORS, "delivered"), "tracify": "dead_lettered"}
    dlq = requests.get(f"{local.base_url}/_local/dlq", timeout=10).json()
    (message,) = [m for m in dlq if m["event_id"] == event_id]
    assert message["vendor"] == "tracify"
    assert message["queue"] == "TracifyDeadLetterQueue"
    assert "400" in message["reason"]
    assert message["attributes"]["status"] == "400"
    assert "injected fault 400" in message["attributes"]["vendor_error"]
    assert message["body"]["id"] == event_id


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        ({"vendor": "nobody", "status": 503}, "vendor must be one of"),
        ({"vendor": "edrone"}, "exactly one of"),
        ({"vendor": "edrone", "status": 503, "timeout": True}, "exactly one of"),
        ({"vendor": "edrone", "status": "503"}, "status must be"),
        ({"vendor": "edrone", "reset": True, "times": 0}, "times must be"),
        ({"vendor": "edrone", "timeout": True, "retry_after": "1"}, "retry_after only goes with status"),
        ({"vendor": "edrone", "status": 503, "colour": "red"}, "unknown field"),
    ],
)
def test_bad_fault_requests_are_refused_clearly(local: LocalStack, payload: dict[str, Any], complaint: str) -> None:
    response = fault(local, **payload)
    assert response.status_code == 400
    assert complaint in response.json()["error"]


def test_body_that_is_not_utf8_reaches_the_ingress_base64_encoded(local: LocalStack) -> None:
    # Signed correctly, so a 400 (not JSON) rather than 401 shows the bytes arrived intact.
    response = post(local, b"\xff\xfe not utf-8")
    assert response.status_code == 400, response.text


def test_unknown_route_is_404(local: LocalStack) -> None:
    assert requests.post(f"{local.base_url}/webhooks/other", data=b"{}", timeout=10).status_code == 404
    assert requests.get(local.webhook_url(), timeout=10).status_code == 404


def test_wiring_comes_from_template_yaml(local: LocalStack) -> None:
    template = load_template(ROOT / "template.yaml")
    resources = template["Resources"]
    parameters = local.stack.parameters
    expected_routes = sorted(
        (str(event["Properties"]["Method"]).upper(), event["Properties"]["Path"], name)
        for name, spec in resources.items()
        if spec["Type"] == "AWS::Serverless::Function"
        for event in spec["Properties"].get("Events", {}).values()
        if event["Type"] == "HttpApi"
    )
    assert sorted(local.routes()) == expected_routes
    queue_attributes = local.source_queue_attributes()
    polled = {p.spec.logical_id: p for p in local.pollers}
    sqs_functions = {
        name: event["Properties"]
        for name, spec in resources.items()
        if spec["Type"] == "AWS::Serverless::Function"
        for event in spec["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS"
    }
    assert sorted(polled) == sorted(sqs_functions)
    for name, props in sqs_functions.items():
        poller = polled[name]
        queue_id = props["Queue"]["Fn::GetAtt"][0]
        assert poller.source.queue_logical_id == queue_id
        assert poller.source.batch_size == props["BatchSize"]
        assert poller.source.batching_window_seconds == props["MaximumBatchingWindowInSeconds"]
        assert poller.source.report_batch_item_failures == ("ReportBatchItemFailures" in props["FunctionResponseTypes"])
        concurrency = props["ScalingConfig"]["MaximumConcurrency"]
        assert poller.concurrency == parameters[concurrency["Ref"]]
        redrive = json.loads(queue_attributes[queue_id]["RedrivePolicy"])
        assert redrive["maxReceiveCount"] == resources[queue_id]["Properties"]["RedrivePolicy"]["maxReceiveCount"]
        assert queue_attributes[queue_id]["VisibilityTimeout"] == str(
            resources[queue_id]["Properties"]["VisibilityTimeout"]
        )
        dlq_id = resources[queue_id]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        assert redrive["deadLetterTargetArn"].endswith(local.stack.queues[dlq_id].rsplit("/", 1)[-1])


# -- the command line, as a user runs it -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_demo_exits_zero_with_the_table() -> None:
    result = subprocess.run(  # noqa: S603 - our own command
        [SHOPRELAY, "local", "--demo"], capture_output=True, text=True, timeout=180, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if any(f"  {v}  " in line for v in VENDORS)]
    # The WooCommerce samples publish 9 events between them, each once: placed; paid and the
    # update; the refund and the update; the captured order placed, paid, fulfilled and updated.
    assert len(rows) == (len(SAMPLES) + 9) * len(VENDORS)
    assert "DLQ" not in result.stdout
    assert "delivered" in result.stdout
    assert "skipped: " in result.stdout
    assert f"OK: {len(SAMPLES) + len(WOO_SAMPLES)} samples" in result.stdout


def test_local_prints_a_working_curl_quickly_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = _free_port()
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - our own command
        [SHOPRELAY, "local", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,  # not the checkout: the command finds template.yaml by itself
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    try:
        lines: list[str] = []
        while not any("Ctrl-C" in line for line in lines):
            line = process.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        ready_after = time.monotonic() - started
        banner = "".join(lines)
        assert ready_after < 5.0 + 3.0, banner  # 5 s budget, plus interpreter start under a loaded CI
        assert f"http://127.0.0.1:{port}/webhooks/shopify" in banner
        assert DEMO_SECRET in banner
        assert f"http://127.0.0.1:{port}/_local/dlq" in banner
        curl = next(line.strip() for line in lines if line.strip().startswith("curl -sS"))
        pasted = subprocess.run([BASH, "-c", curl], capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
        assert "202" in pasted.stdout.splitlines()[0], pasted.stdout + pasted.stderr
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
