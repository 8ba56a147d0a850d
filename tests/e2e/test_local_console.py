"""What `shoprelay local` prints, started from a shell with no AWS variables at all.

The console is the user's: the banner says where each vendor's deliveries go and prints a
replay command that works as printed; rejected webhooks add nothing to it (no metrics JSON,
no warnings).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from shoprelay.sources.shopify import sign
from shoprelay_tools.demo import DEMO_SECRET, DEMO_SHOP
from shoprelay_tools.local.samples import SAMPLES

ROOT = Path(__file__).resolve().parents[2]
SHOPRELAY = str(Path(sys.executable).with_name("shoprelay"))
BASH = shutil.which("bash") or "/bin/bash"


class Console:
    """A running `shoprelay local` and everything it has printed."""

    def __init__(self, home: Path, *arguments: str) -> None:
        environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            [SHOPRELAY, "local", "--port", "0", *arguments],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
            env=environment,
        )
        assert self.process.stdout is not None
        self.banner: list[str] = []
        while not any("Ctrl-C" in line for line in self.banner):
            line = self.process.stdout.readline()
            assert line, "".join(self.banner)
            self.banner.append(line.rstrip("\n"))

    def field(self, label: str) -> str:
        return next(line.split(label, 1)[1].strip() for line in self.banner if line.startswith(f"  {label}"))

    def stop(self) -> str:
        """Ctrl-C, then what was printed after the banner."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        rest, _ = self.process.communicate(timeout=30)
        return rest


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    running = Console(tmp_path)
    yield running
    running.stop()


def post(url: str, headers: dict[str, str], body: bytes = b"{}") -> requests.Response:
    return requests.post(url, data=body, headers=headers, timeout=30)


def test_rejected_webhooks_leave_the_console_quiet(console: Console) -> None:
    url = console.field("webhook URL")
    # WHEN webhooks are refused: a header missing, a wrong signature, a body that is not JSON
    assert post(url, {"X-Shopify-Topic": "orders/create"}).status_code == 400
    shopify = {"X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": DEMO_SHOP, "X-Shopify-Webhook-Id": "r-1"}
    assert post(url, {**shopify, "X-Shopify-Hmac-Sha256": "bad"}).status_code == 401
    assert post(url, {**shopify, "X-Shopify-Hmac-Sha256": sign(DEMO_SECRET, b"{")}, b"{").status_code == 400
    # AND one is accepted, so the console has had something to say
    body = SAMPLES[0].body()
    accepted = post(
        url, {**shopify, "X-Shopify-Webhook-Id": "a-1", "X-Shopify-Hmac-Sha256": sign(DEMO_SECRET, body)}, body
    )
    assert accepted.status_code == 202
    time.sleep(1.0)
    # THEN nothing but the stop message follows the banner
    printed = console.stop()
    assert '"_aws"' not in printed
    assert "Warning" not in printed
    assert "Traceback" not in printed
    assert "shoprelay local: stopping" in printed


def test_the_replay_command_in_the_banner_works_as_printed(console: Console, tmp_path: Path) -> None:
    command = console.field("replay DLQ")
    assert "--endpoint-url http://127.0.0.1:" in command
    assert "--stack-name shoprelay-local" in command
    # run from a shell with no AWS variables, exactly as printed, in the checkout
    shell = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    result = subprocess.run(  # noqa: S603 - the command our banner printed
        [BASH, "-c", command], cwd=ROOT, env=shell, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "replayed 0 mytracker message(s)" in result.stderr


def test_outcomes_give_each_vendors_final_word_once(console: Console) -> None:
    url = console.field("webhook URL")
    body = SAMPLES[0].body()
    headers = {
        "X-Shopify-Topic": SAMPLES[0].topic,
        "X-Shopify-Shop-Domain": DEMO_SHOP,
        "X-Shopify-Webhook-Id": "o-1",
        "X-Shopify-Hmac-Sha256": sign(DEMO_SECRET, body),
    }
    event_id = post(url, headers, body).json()["id"]
    outcomes_url = console.field("outcomes").split()[-1]
    deadline = time.monotonic() + 30
    words: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        words = [w for w in requests.get(outcomes_url, timeout=10).json() if w["event_id"] == event_id]
        if len(words) == 5 and all(w["final"] for w in words):
            break
        time.sleep(0.3)
    assert sorted(str(w["vendor"]) for w in words) == ["corvidae", "edrone", "esputnik", "mytracker", "tracify"]
    assert all(w["final"] and w["outcome"] in {"delivered", "skipped"} for w in words), json.dumps(words)


def test_the_banner_says_where_settings_sent_each_vendor(tmp_path: Path) -> None:
    settings = tmp_path / "real.json"
    settings.write_text(json.dumps({"tracify": {"endpoint": None}, "edrone": None}), encoding="utf-8")
    running = Console(tmp_path, "--settings", str(settings))
    try:
        vendors = [line.strip() for line in running.banner if line.startswith(("  vendors", "        "))]
    finally:
        running.stop()
    assert vendors[0].startswith("vendors       corvidae, esputnik, mytracker: on sandboxes at http://127.0.0.1:")
    assert "edrone: disabled by --settings" in vendors
    assert "tracify: on its real API (--settings)" in vendors
