"""`shoprelay settings put` against the emulator: checked first, then stored as the vendor function reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.stack import LocalAws

from shoprelay.config import shops
from shoprelay_tools.cli import main
from shoprelay_tools.demo import read_vendor_list

SHOP = "settings-shop.myshopify.com"
TRACIFY = {"api_key": "tk_live_q7", "customer_site_id": "123e4567-e89b-42d3-a456-426614174000"}


def put(local: LocalAws, path: Path, vendor: str = "tracify") -> int:
    stage = str(local.stack.parameters["Stage"])
    status: int = main(
        [
            "settings",
            "put",
            "--stage",
            stage,
            "--shop",
            SHOP,
            "--vendor",
            vendor,
            "--endpoint-url",
            local.endpoint,
            str(path),
        ]
    )
    return status


def stored(local: LocalAws, vendor: str) -> str | None:
    name = shops.parameter_name(local.prefix, SHOP, shops.vendor_leaf(vendor))
    found = local.clients["ssm"].get_parameters(Names=[name], WithDecryption=True)["Parameters"]
    if not found:
        return None
    assert found[0]["Type"] == "SecureString"
    return str(found[0]["Value"])


def test_valid_settings_are_stored_as_a_secure_string_and_listed(
    local: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tracify.json"
    path.write_text(json.dumps(TRACIFY, indent=2))
    assert put(local, path) == 0
    assert json.loads(stored(local, "tracify") or "") == TRACIFY
    assert read_vendor_list(local.clients["ssm"], local.prefix, SHOP) == ("tracify",)
    out = capsys.readouterr().out
    assert "tracify is enabled" in out
    assert "tk_live_q7" not in out


def test_disabling_keeps_the_settings_and_takes_the_vendor_off_the_list(
    local: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tracify.json"
    path.write_text(json.dumps(TRACIFY))
    assert put(local, path) == 0
    path.write_text(json.dumps(TRACIFY | {"enabled": False}))
    assert put(local, path) == 0
    assert json.loads(stored(local, "tracify") or "")["enabled"] is False
    assert read_vendor_list(local.clients["ssm"], local.prefix, SHOP) == ()
    assert "tracify is disabled" in capsys.readouterr().out


def test_invalid_settings_write_nothing(local: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tracify.json"
    path.write_text(json.dumps(TRACIFY | {"endpoint": "http://10.0.0.8"}))
    assert put(local, path) == 2
    assert stored(local, "tracify") is None
    assert read_vendor_list(local.clients["ssm"], local.prefix, SHOP) == ()
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{path}: endpoint: the host is a private address; use a public host name"
    assert err[-1] == f"nothing written to SSM for {SHOP}"


def test_a_keyed_file_stores_only_the_named_vendor(local: LocalAws, tmp_path: Path) -> None:
    path = tmp_path / "all.json"
    path.write_text(json.dumps({"tracify": TRACIFY, "edrone": {"app_id": "e1"}}))
    assert put(local, path, vendor="edrone") == 0
    assert json.loads(stored(local, "edrone") or "") == {"app_id": "e1"}
    assert stored(local, "tracify") is None
