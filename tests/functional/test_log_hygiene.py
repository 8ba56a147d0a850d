"""Logs never carry secrets or raw personal data, whatever happens to a webhook.

conftest.py also scans every line the whole suite logs and fails the run on a finding; this
test makes sure the scan has material from every outcome and checks it on the spot.
"""

from __future__ import annotations

import json

from conftest import log_problems
from support.stack import LocalAws
from support.webhooks import api_event, fixture_bytes, fixture_json

from shoprelay_tools.sandboxes.corvidae import CorvidaeSandbox
from shoprelay_tools.sandboxes.server import Fault, SandboxServer


def test_no_secret_email_phone_or_ip_in_any_log_line(local: LocalAws, log_lines: list[str]) -> None:
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
    assert any('"vendor call"' in line for line in log_lines), "the flow should have produced delivery logs"
    assert any('"webhook answered"' in line and '"status":401' in line for line in log_lines)
    assert any('"dead_lettered"' in line for line in log_lines)
    assert log_problems(log_lines) == []


def test_the_scan_finds_what_it_must() -> None:
    leaked = [
        '{"message":"x","email":"jane@example.com"}',
        '{"message":"x","ip":"203.0.113.7"}',
        '{"message":"x","phone":"+4915112345678"}',
        '{"message":"secret is shoprelay-demo-secret"}',
    ]
    assert log_problems(leaked) == leaked
    assert log_problems(['{"message":"webhook answered","shop":"demo-shop.myshopify.com","status":202}']) == []
