"""Adding a vendor is adding its folder (and a sandbox): nothing else is edited by hand.

In a copy of the repository, the made-up vendor in ``new_vendor/`` (a translator, its
settings and a sandbox; docs/adding-a-vendor.md walks through it) is added. Then, with only
``make wiring``'s command run, the template wires it, ``shoprelay translate`` knows it, and
the local stack delivers the bundled samples to its sandbox.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shoprelay_tools.stack.template import load_template

ROOT = Path(__file__).resolve().parents[2]
NEW_VENDOR = Path(__file__).resolve().parent / "new_vendor"
COPIED = ("template.yaml", "template-vendor.yaml", "layers", "functions", "tools", "tests/fixtures")


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository with the new vendor's files added, and nothing else changed."""
    copy = tmp_path_factory.mktemp("checkout")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, copy / name)
    shutil.copytree(NEW_VENDOR, copy, dirs_exist_ok=True)
    return copy


def shoprelay(checkout: Path, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The copy's own ``shoprelay`` command: its packages come first on the path."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(checkout / "layers" / "shoprelay"), str(checkout / "tools")]),
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "shoprelay_tools.cli", *arguments],
        cwd=checkout,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def wired(checkout: Path) -> Path:
    result = shoprelay(checkout, "wiring", "--root", str(checkout))
    assert result.returncode == 0, result.stderr
    assert "acme" in result.stdout
    return checkout


def test_the_template_wires_the_new_vendor_like_every_other(wired: Path) -> None:
    resources = load_template(wired / "template.yaml")["Resources"]
    for kind in ("Queue", "DeadLetterQueue", "Subscription", "DeadLetterAlarm", "Function"):
        assert f"Acme{kind}" in resources
    function = resources["AcmeFunction"]["Properties"]
    assert function["Environment"]["Variables"]["VENDOR"] == "acme"
    assert resources["AcmeSubscription"]["Properties"]["FilterPolicy"] == {"vendors": ["acme"]}
    # and the repository's own template is untouched
    assert "AcmeQueue" not in load_template(ROOT / "template.yaml")["Resources"]


def test_translate_knows_the_new_vendor(wired: Path, tmp_path: Path) -> None:
    order = wired / "tests" / "fixtures" / "shopify" / "orders-create.test-store-shop-AUD-buyer-USD.json"
    settings = tmp_path / "acme.json"
    settings.write_text(json.dumps({"api_key": "k", "send_test_orders": True}))  # the fixture is a test order
    result = shoprelay(
        wired, "translate", "--vendor", "acme", "--topic", "orders/create", "--settings", str(settings), str(order)
    )
    assert result.returncode == 0, result.stderr
    (request,) = json.loads(result.stdout)["requests"]
    assert request["url"] == "https://api.acme.example/orders"
    assert request["body"]["currency"] == "AUD"


def test_the_local_stack_delivers_to_the_new_vendor_s_sandbox(wired: Path) -> None:
    result = shoprelay(wired, "local", "--demo", "--root", str(wired), timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    acme_rows = [line.split() for line in result.stdout.splitlines() if "  acme  " in line]
    assert acme_rows, result.stdout
    assert any("delivered" in row for row in acme_rows), result.stdout
