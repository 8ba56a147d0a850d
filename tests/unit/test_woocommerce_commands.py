"""`shoprelay translate --source woocommerce` and `shoprelay sign --source woocommerce`."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from support.woocommerce import with_refund, woo_body

from shoprelay_tools.cli import main
from shoprelay_tools.demo import DEMO_SECRET

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "events" / "woocommerce-ingress" / "order-updated-processing.json"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_raw_body_is_translated_into_each_of_its_events(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = tmp_path / "order.json"
    body.write_text(json.dumps(with_refund(woo_body())))
    status, out, _ = run(
        ["translate", "--source", "woocommerce", "--vendor", "mytracker", "--topic", "order.updated", str(body)], capsys
    )
    assert status == 0
    result = json.loads(out)
    assert (result["vendor"], result["source"]) == ("mytracker", "woocommerce")
    kinds = [event["kind"] for event in result["events"]]
    assert kinds == ["order_placed", "order_paid", "order_refunded", "order_updated"]


def test_an_api_gateway_sample_names_its_topic_and_site(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["translate", "--source", "woocommerce", "--vendor", "edrone", str(SAMPLE)], capsys)
    assert status == 0
    events = json.loads(out)["events"]
    assert [event["kind"] for event in events] == ["order_placed", "order_paid", "order_updated"]
    assert events[1]["requests"], "edrone is sent the paid order"


def test_a_raw_body_without_a_topic_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = tmp_path / "order.json"
    body.write_text(json.dumps(woo_body()))
    status, _, err = run(["translate", "--source", "woocommerce", "--vendor", "edrone", str(body)], capsys)
    assert status == 2
    assert err.strip() == f"shoprelay translate: {body}: --topic is required for a raw webhook body"


def test_sign_gives_the_signature_woocommerce_sends(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event = json.loads(SAMPLE.read_text())
    body = tmp_path / "body.json"
    body.write_bytes(base64.b64decode(event["body"]))
    status, out, _ = run(["sign", "--source", "woocommerce", "--secret", DEMO_SECRET, str(body)], capsys)
    assert status == 0
    assert out.strip() == event["headers"]["x-wc-webhook-signature"]
