"""Shops' parameters as the functions read them: by name, per function, and only for real shops.

The ingress runs as Lambda runs it (one warm process) and reaches moto through the fault
proxy, which records every AWS call it makes, so the SSM calls a request costs are counted,
not assumed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from support.stack import LocalAws
from support.webhooks import api_event, fixture_bytes

from shoprelay.config.shops import ShopConfig, load_shop_config, load_vendor_settings
from shoprelay_tools.demo import DEMO_SHOP, put_vendor_settings, read_vendor_list
from shoprelay_tools.stack.aws_faults import AwsFaultProxy
from shoprelay_tools.stack.process_runtime import FunctionProcesses, Invocation

ORDER = "orders-create.test-store-shop-AUD-buyer-USD.json"
FLOOD = 200


@pytest.fixture
def shop(local: LocalAws) -> LocalAws:
    local.seed_shop({"edrone": {"enabled": True}, "tracify": {"enabled": False}})
    return local


@pytest.fixture
def proxy(shop: LocalAws) -> Iterator[AwsFaultProxy]:
    with AwsFaultProxy(shop.endpoint, seed=3) as running:
        yield running


def _ingress(shop: LocalAws, proxy: AwsFaultProxy, **env: str) -> FunctionProcesses:
    spec = shop.stack.functions["IngressFunction"]
    return FunctionProcesses(spec, extra_env={"AWS_ENDPOINT_URL": proxy.url, **env})


def _status(result: Invocation) -> int | str:
    return result.payload["statusCode"] if result.status == "ok" else result.status


def _webhook(shop_key: str, webhook_id: str, secret: str = "made-up-secret") -> dict[str, Any]:
    return api_event(fixture_bytes(ORDER), shop=shop_key, secret=secret, webhook_id=webhook_id)


def test_a_flood_of_unknown_shops_costs_ssm_nothing(shop: LocalAws, proxy: AwsFaultProxy) -> None:
    with _ingress(shop, proxy) as ingress:
        warm = ingress.invoke(api_event(fixture_bytes(ORDER), webhook_id="warm"))
        assert _status(warm) == 202, warm.error
        proxy.forget_calls()
        names = [f"made-up-{n}.myshopify.com" if n % 2 else f"shop{n}.example.com" for n in range(FLOOD)]
        answers = [_status(ingress.invoke(_webhook(name, f"flood-{n}"))) for n, name in enumerate(names)]
    assert answers == [401] * FLOOD
    assert proxy.calls_to("ssm") == []
    reads = proxy.calls_to("dynamodb", "GetItem")
    assert len(reads) <= 3, f"{len(reads)} reads of the shop list for {FLOOD} unknown shops"


def test_a_shop_registered_later_is_accepted_once_the_list_is_rechecked(shop: LocalAws, proxy: AwsFaultProxy) -> None:
    newcomer = "newcomer.myshopify.com"
    with _ingress(shop, proxy, KNOWN_SHOPS_RECHECK_SECONDS="1") as ingress:
        assert _status(ingress.invoke(_webhook(newcomer, "n-1", "newcomer-secret"))) == 401
        shop.seed_shop({"edrone": {"enabled": True}}, shop=newcomer, secret="newcomer-secret")
        time.sleep(1.2)
        result = ingress.invoke(_webhook(newcomer, "n-2", "newcomer-secret"))
    assert _status(result) == 202, result.error
    assert json.loads(result.payload["body"])["vendors"] == ["edrone"]


def test_a_known_shop_costs_one_ssm_call_per_cache_period(shop: LocalAws, proxy: AwsFaultProxy) -> None:
    with _ingress(shop, proxy) as ingress:
        for n in range(5):
            assert _status(ingress.invoke(api_event(fixture_bytes(ORDER), webhook_id=f"k-{n}"))) in (200, 202)
    operations = [call.operation for call in proxy.calls_to("ssm")]
    assert operations == ["GetParameters"], "one read by name, absent previous secret included"


def test_the_vendor_list_follows_the_settings(shop: LocalAws) -> None:
    ssm = shop.clients["ssm"]
    assert read_vendor_list(ssm, shop.prefix, DEMO_SHOP) == ("edrone",)
    put_vendor_settings(ssm, shop.prefix, DEMO_SHOP, "tracify", json.dumps({"enabled": True}))
    assert read_vendor_list(ssm, shop.prefix, DEMO_SHOP) == ("edrone", "tracify")
    put_vendor_settings(ssm, shop.prefix, DEMO_SHOP, "edrone", json.dumps({"enabled": False}))
    assert read_vendor_list(ssm, shop.prefix, DEMO_SHOP) == ("tracify",)
    put_vendor_settings(ssm, shop.prefix, DEMO_SHOP, "edrone", "{not json")
    assert read_vendor_list(ssm, shop.prefix, DEMO_SHOP) == ("edrone", "tracify"), "unreadable still routes"
    put_vendor_settings(ssm, shop.prefix, DEMO_SHOP, "edrone", json.dumps({"enabled": False}))
    put_vendor_settings(ssm, shop.prefix, DEMO_SHOP, "tracify", json.dumps({"enabled": False}))
    assert read_vendor_list(ssm, shop.prefix, DEMO_SHOP) == ()
    raw = ssm.get_parameter(Name=f"{shop.prefix}/shops/{DEMO_SHOP}/vendors")["Parameter"]
    assert (raw["Type"], raw["Value"]) == ("String", "-")


def test_shop_config_keeps_secrets_out_of_its_text(shop: LocalAws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSM_PREFIX", shop.prefix)
    monkeypatch.setenv("STATE_TABLE", shop.stack.tables["StateTable"])
    config = load_shop_config(DEMO_SHOP)
    assert config is not None
    assert config.vendors == ("edrone",)
    assert config.secrets == ("shoprelay-demo-secret",)
    for text in (repr(config), str(config), f"{config}", repr([config])):
        assert "shoprelay-demo-secret" not in text
        assert DEMO_SHOP in text
    rotated = ShopConfig(shop=DEMO_SHOP, secrets=("new-s3cret", "old-s3cret"), vendors=())
    assert "s3cret" not in repr(rotated)


def test_shop_keys_are_host_names(shop: LocalAws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSM_PREFIX", shop.prefix)
    monkeypatch.setenv("STATE_TABLE", shop.stack.tables["StateTable"])
    shop.seed_shop({"edrone": {"enabled": True}}, shop="shop.example.com", secret="woo-secret")
    config = load_shop_config("shop.example.com")
    assert config is not None
    assert config.secrets == ("woo-secret",)
    assert load_vendor_settings("shop.example.com", "edrone") == {"enabled": True}
    for bad in ("", "-shop.example.com", "shop..example.com", "a/b", "SHOP.example.com", "a" * 300, "x y"):
        assert load_shop_config(bad) is None, bad
        assert load_vendor_settings(bad, "edrone") is None, bad
    with pytest.raises(ValueError, match="shop key"):
        put_vendor_settings(shop.clients["ssm"], shop.prefix, "a/../b", "edrone", "{}")
