"""What each function loads, in fresh processes with the template's environment.

The ingress answers Shopify within its deadline on every cold start, so it must never load
pydantic: vendor settings are validated only by the vendor functions, and the webhook path
stays on msgspec. Its imports are lazy, so importing the handler is not enough to know: the
check also follows the ingress through real invocations, watching every import the process
makes from its first line on.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.stack import LocalAws
from support.webhooks import api_event, fixture_bytes

from shoprelay.vendors import load_vendor
from shoprelay_tools.bench.coldstart import functions, imported_modules
from shoprelay_tools.stack.process_runtime import FunctionProcesses
from shoprelay_tools.stack.provision import FunctionSpec

SPECS = functions()
INGRESS = sorted(name for name, spec in SPECS.items() if "VENDOR" not in spec["environment"])
VENDORS = sorted(name for name, spec in SPECS.items() if "VENDOR" in spec["environment"])
ORDER = "orders-create.test-store-shop-AUD-buyer-USD.json"
WATCHED = ("pydantic", "pydantic_core")

IMPORT_WATCH = """
import os, sys

class _Watch:
    def find_spec(self, name, path=None, target=None):
        if name in os.environ["WATCHED_MODULES"].split(","):
            with open(os.environ["IMPORT_LOG"], "a") as log:
                log.write(name + "\\n")
        return None

sys.meta_path.insert(0, _Watch())
"""
"""Installed as ``sitecustomize``, which Python imports before anything else in the process."""

USES_PYDANTIC = """
def handler(event, context):
    import pydantic
    return pydantic.VERSION
"""


@pytest.fixture
def watched(tmp_path: Path) -> tuple[dict[str, str], Path]:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(IMPORT_WATCH)
    log = tmp_path / "imports.log"
    env = {"PYTHONPATH": str(tmp_path / "site"), "IMPORT_LOG": str(log), "WATCHED_MODULES": ",".join(WATCHED)}
    return env, log


def loaded(log: Path) -> set[str]:
    return set(log.read_text().split()) if log.exists() else set()


def test_the_template_has_both_kinds_of_function() -> None:
    assert "IngressFunction" in INGRESS
    assert VENDORS


@pytest.mark.parametrize("logical_id", INGRESS)
def test_importing_an_ingress_handler_never_loads_pydantic(logical_id: str) -> None:
    modules = imported_modules(logical_id)
    assert "shoprelay" in modules
    assert set(WATCHED).isdisjoint(modules)


def test_the_ingress_never_loads_pydantic_while_answering(
    local: LocalAws, watched: tuple[dict[str, str], Path]
) -> None:
    env, log = watched
    local.seed_shop({"tracify": dict(load_vendor("tracify").placeholder_settings)})
    with FunctionProcesses(local.stack.functions["IngressFunction"], extra_env=env) as ingress:
        accepted = ingress.invoke(api_event(fixture_bytes(ORDER)))
        invalid = ingress.invoke(api_event(b'{"id": "not a number"}', webhook_id="w-invalid"))
        unknown = ingress.invoke(api_event(fixture_bytes(ORDER), shop="nobody.myshopify.com", webhook_id="w-x"))
    assert [r.payload["statusCode"] for r in (accepted, invalid, unknown)] == [202, 400, 401]
    assert len(local.receive_all("TracifyQueue")) == 1
    assert loaded(log) == set()


def test_the_watch_sees_pydantic_when_a_function_loads_it(tmp_path: Path, watched: tuple[dict[str, str], Path]) -> None:
    """The check above cannot pass by not looking."""
    env, log = watched
    (tmp_path / "app.py").write_text(USES_PYDANTIC)
    spec = FunctionSpec(logical_id="UsesPydantic", code_dir=tmp_path, handler="app.handler", environment={}, timeout=10)
    with FunctionProcesses(spec, extra_env=env) as function:
        assert function.invoke({}).status == "ok"
    assert loaded(log) >= {"pydantic"}


@pytest.mark.parametrize("logical_id", VENDORS[:1])
def test_a_vendor_function_holds_its_settings_model(logical_id: str) -> None:
    assert "pydantic" in imported_modules(logical_id)
