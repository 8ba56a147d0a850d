"""Pausing and resuming a shop through `shoprelay shops`, end to end on `shoprelay local`.

Webhooks go in over HTTP at the gateway while the shop is paused; nothing reaches a sandbox,
nothing is dead-lettered, and after the resume every vendor gets each event once. A paused
shop's records are looked at again every second here (``PAUSE_RECHECK_SECONDS=1``; deployed,
five minutes).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_local_stack import VENDORS, accepted, deliveries, settle

from shoprelay_tools.cli import main
from shoprelay_tools.local.runner import LocalStack

ROOT = Path(__file__).resolve().parents[2]
SHOP = "demo-shop.myshopify.com"


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    log_file = tmp_path_factory.mktemp("local") / "functions.log"
    env = {"RETRY_BASE_SECONDS": "0", "PAUSE_RECHECK_SECONDS": "1"}
    stack = LocalStack(ROOT, port=0, extra_env=env, log_file=log_file).start()
    yield stack
    stack.stop()


def shops(local: LocalStack, *args: str) -> int:
    return main(["shops", *args, "--shop", SHOP, "--endpoint-url", local.aws_endpoint, "--region", "us-east-1"])


def held(local: LocalStack) -> int:
    """Log lines of records held back because the shop is paused."""
    assert local.log_file is not None
    return Path(local.log_file).read_text(encoding="utf-8").count("record held: the shop is paused")


def test_a_paused_shop_keeps_its_events_and_gets_them_after_resume(local: LocalStack) -> None:
    assert shops(local, "pause") == 0
    event_ids = [accepted(local, order_id) for order_id in (7100001, 7100002)]
    time.sleep(8)  # several looks at the queues: every one puts the records back to wait
    assert held(local) >= len(VENDORS) * len(event_ids)
    assert [d for d in deliveries(local) if d["event_id"] in event_ids] == []
    assert [o for o in local.outcomes.all() if o.event_id in event_ids] == []
    assert [m for m in local.dead_letters() if m["event_id"] in event_ids] == []

    assert shops(local, "resume") == 0
    for event_id in event_ids:
        assert settle(local, event_id) == dict.fromkeys(VENDORS, "delivered")
        assert sorted({d["vendor"] for d in deliveries(local, event_id)}) == VENDORS
    assert [m for m in local.dead_letters() if m["event_id"] in event_ids] == []


def test_pausing_one_vendor_holds_only_that_vendor(local: LocalStack) -> None:
    assert shops(local, "pause", "--vendor", "tracify") == 0
    event_id = accepted(local, 7100003)
    others = [v for v in VENDORS if v != "tracify"]
    final = local.outcomes.wait_final(event_id, others, 30.0)
    assert {v: o.outcome for v, o in final.items()} == dict.fromkeys(others, "delivered")
    time.sleep(3)
    assert [d for d in deliveries(local, event_id) if d["vendor"] == "tracify"] == []

    assert shops(local, "resume", "--vendor", "tracify") == 0
    assert settle(local, event_id)["tracify"] == "delivered"


def test_a_shop_added_by_the_command_is_accepted_and_told_apart_from_an_unknown_one(
    local: LocalStack, tmp_path: Path
) -> None:
    import requests
    from test_local_stack import order_body

    from shoprelay.sources.shopify import sign

    new_shop, secret = "added-by-command.myshopify.com", "a-new-shops-secret"

    def post_as_new_shop() -> int:
        body = order_body(7100900)
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Shop-Domain": new_shop,
            "X-Shopify-Webhook-Id": f"added-{time.monotonic_ns()}",
            "X-Shopify-Hmac-Sha256": sign(secret, body),
        }
        return requests.post(local.webhook_url(), data=body, headers=headers, timeout=30).status_code

    # GIVEN a shop nobody registered: 401
    assert post_as_new_shop() == 401
    # WHEN it is added with its secret (read from a file, never the command line)
    secret_file = tmp_path / "secret"
    secret_file.write_text(secret + "\n", encoding="utf-8")
    target = ["--endpoint-url", local.aws_endpoint, "--region", "us-east-1"]
    added = main(["shops", "add", "--shop", new_shop, "--secret-file", str(secret_file), *target])
    assert added == 0
    # THEN its signed webhooks are accepted once the ingress looks at the list again (10 s at most);
    # it has no vendors yet, so nothing is relayed
    deadline = time.monotonic() + 30
    status = post_as_new_shop()
    while status == 401 and time.monotonic() < deadline:
        time.sleep(1)
        status = post_as_new_shop()
    assert status == 202


def test_adding_a_shop_without_a_secret_file_is_one_clear_line(
    local: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["shops", "add", "--shop", "x.myshopify.com", "--endpoint-url", local.aws_endpoint, "--region", "us-east-1"]
    )
    assert code == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "shoprelay shops: --secret-file is required (a file holding the secret, or - for standard input)"
    ]
