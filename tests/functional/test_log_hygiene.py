"""Logs never carry secrets or raw personal data, whatever happens to a webhook."""

from __future__ import annotations

import json
import re

import pytest
from support.stack import LocalAws
from support.webhooks import api_event, fixture_bytes, fixture_json

from shoprelay_tools.demo import DEMO_SECRET
from shoprelay_tools.sandboxes.corvidae import CorvidaeSandbox
from shoprelay_tools.sandboxes.server import Fault, SandboxServer

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")


def test_no_secret_email_phone_or_ip_in_any_log_line(local: LocalAws, capsys: pytest.CaptureFixture[str]) -> None:
    sandboxes = SandboxServer({"corvidae": CorvidaeSandbox(app_id="secret-app-id")}).start()
    try:
        local.seed_shop(
            {
                "corvidae": {
                    "app_id": "secret-app-id",
                    "tracking_host": "corvidae.shop.example",
                    "digital_property": "demo",
                    "endpoint": sandboxes.url_for("corvidae"),
                    "send_test_orders": True,
                }
            }
        )
        order = fixture_json("order-12-line-items.filled-2024-01.json")
        order["phone"] = "+4915112345678"
        body = json.dumps(order).encode()
        local.invoke("IngressFunction", api_event(body, webhook_id="w-ok"))
        local.invoke("IngressFunction", api_event(body, webhook_id="w-ok"))  # duplicate
        local.invoke("IngressFunction", api_event(body, webhook_id="w-bad", secret="wrong"))  # 401
        local.invoke("IngressFunction", api_event(b'{"id": 1}', webhook_id="w-invalid"))  # 400
        local.invoke(
            "IngressFunction",
            api_event(fixture_bytes("refunds-create.shopify-docs-2026-04.json"), topic="refunds/create"),
        )
        sandboxes.add_faults("corvidae", Fault(status=400), times=1)
        local.poll("CorvidaeFunction")
    finally:
        sandboxes.stop()
    logs = capsys.readouterr().out
    lines = [line for line in logs.splitlines() if line.startswith("{")]
    assert any('"vendor call"' in line for line in lines), "the flow should have produced delivery logs"
    for line in lines:
        assert DEMO_SECRET not in line
        assert "secret-app-id" not in line
        assert not EMAIL.search(line), line
        assert "+4915112345678" not in line
        assert not IPV4.search(line), line
