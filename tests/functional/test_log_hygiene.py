"""Logs, metrics and DLQ attributes never carry secrets or raw personal data, whatever happens.

conftest.py also scans every line the whole suite logs (and every DLQ message's attributes a
test leaves behind) and fails the run on a finding; these tests make sure the scan has
material from every outcome, including a vendor that echoes personal data and credentials
in its error, and check it on the spot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from conftest import dead_letter_lines, log_problems
from support.sandboxes import running_sandboxes, shop_settings
from support.stack import LocalAws
from support.webhooks import api_event, fixture_bytes, fixture_json

from shoprelay_tools.sandboxes.corvidae import CorvidaeSandbox
from shoprelay_tools.sandboxes.server import Fault, SandboxServer

ECHO = (
    'contact {"email": "jane.doe@example.com", "phone": "+49 151 1234 5678"} from 198.51.100.23 '
    "rejected; x-api-key: secret-app-id, session 4f3c2a1b9d8e7f6a5b4c3d2e1f0a9b8c, card 4111111111111111"
)
"""A vendor's 400 that quotes what it was sent: personal data, a credential, a token, a card."""
ECHOED = (
    "jane.doe",
    "1234 5678",
    "198.51.100.23",
    "secret-app-id",
    "4f3c2a1b9d8e7f6a5b4c3d2e1f0a9b8c",
    "4111111111111111",
)
SECRET_APP_ID = "secret-app-id"
"""Corvidae's credential here: one of the values conftest.py's log scan looks for."""


@contextmanager
def corvidae_taking_a_secret_app_id(local: LocalAws) -> Iterator[SandboxServer]:
    """Corvidae's sandbox, and the shop sending to it with an app id the log scan looks for,
    so that every line the test makes is checked for the credential as well as personal data."""
    with running_sandboxes(corvidae=CorvidaeSandbox(app_id=SECRET_APP_ID)) as sandboxes:
        local.seed_shop({"corvidae": shop_settings("corvidae", sandboxes, app_id=SECRET_APP_ID)})
        yield sandboxes


def test_no_secret_email_phone_or_ip_in_any_log_line(local: LocalAws, log_lines: list[str]) -> None:
    with corvidae_taking_a_secret_app_id(local) as sandboxes:
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


def test_a_vendor_error_echoing_personal_data_is_redacted_everywhere(
    local: LocalAws, log_lines: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with corvidae_taking_a_secret_app_id(local) as sandboxes:
        body = fixture_bytes("order-12-line-items.filled-2024-01.json")
        answer = local.invoke("IngressFunction", api_event(body, webhook_id="w-echo"))
        assert answer["statusCode"] == 202
        sandboxes.add_faults("corvidae", Fault(status=400, error=ECHO), times=1)
        local.poll("CorvidaeFunction")
    dead = dead_letter_lines(local)
    assert len(dead) == 1, "the 400 dead-letters the record with its reason"
    assert "<email>" in dead[0], dead[0]
    assert "<phone>" in dead[0], dead[0]
    metrics = [line for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert metrics, "the functions' metrics (EMF lines on stdout) are part of the scan"
    scanned = [*log_lines, *dead, *metrics]
    assert log_problems(scanned) == []
    for text in ECHOED:
        assert not [line for line in scanned if text in line], text
