"""`shoprelay settings schema|check|docs`, run through the command line as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shoprelay.vendors import load_vendor, vendor_names
from shoprelay_tools import settings_reference
from shoprelay_tools.cli import main

TRACIFY = {"api_key": "tk_live_q7", "customer_site_id": "123e4567-e89b-42d3-a456-426614174000"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["settings", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def write(tmp_path: Path, document: Any, name: str = "settings.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return str(path)


def test_the_reference_page_is_what_the_models_say() -> None:
    """docs/settings.md is written from the models; change a model and this fails until it is rewritten."""
    assert settings_reference.REFERENCE.read_text(encoding="utf-8") == settings_reference.render(), (
        "docs/settings.md is out of date: run `.venv/bin/shoprelay settings docs`"
    )


def test_the_reference_names_every_field_of_every_vendor() -> None:
    page = settings_reference.render()
    for vendor in vendor_names():
        section = page.split(f"## {vendor}\n", 1)[1].split("\n## ", 1)[0]
        own = set(load_vendor(vendor).settings_model.model_fields) - set(settings_reference.VendorSettings.model_fields)
        assert all(f"| `{name}` |" in section for name in own), vendor


def test_docs_check_fails_on_a_stale_page_and_docs_rewrites_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "settings.md"
    page.write_text("# stale\n")
    assert run(capsys, "docs", "--check", "--output", str(page))[0] == 1
    assert run(capsys, "docs", "--output", str(page))[0] == 0
    assert page.read_text() == settings_reference.render()
    assert run(capsys, "docs", "--check", "--output", str(page))[0] == 0


@pytest.mark.parametrize("vendor", vendor_names())
def test_schema_prints_the_vendors_json_schema(vendor: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "schema", vendor)
    assert status == 0
    assert json.loads(out) == load_vendor(vendor).settings_model.model_json_schema()


def test_schema_without_a_vendor_describes_a_file_keyed_by_vendor(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "schema")
    schema = json.loads(out)
    assert status == 0
    assert set(schema["properties"]) == set(vendor_names())
    assert schema["additionalProperties"] is False


def test_check_accepts_valid_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "check", write(tmp_path, TRACIFY), "--vendor", "tracify")
    assert (status, err) == (0, "")
    assert "valid tracify settings" in out


def test_check_prints_one_line_per_problem_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = TRACIFY | {
        "customer_site_id": "YOUR-CSID-UUID",
        "timeout_seconds": "five",
        "endpoint": "http://169.254.169.254",
        "api_kye": "tk_live_q7",
    }
    path = write(tmp_path, document)
    status, out, err = run(capsys, "check", path, "--vendor", "tracify")
    lines = err.splitlines()
    assert (status, out) == (2, "")
    assert [line.split(": ")[1] for line in lines] == ["endpoint", "timeout_seconds", "customer_site_id", "api_kye"]
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert "8-4-4-4-12" in lines[2]
    assert "YOUR-CSID-UUID" not in err
    assert "tk_live_q7" not in err


def test_check_reads_a_file_keyed_by_vendor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, {"tracify": TRACIFY, "edrone": {"app_id": ""}})
    status, _, err = run(capsys, "check", path)
    assert status == 2
    assert err.splitlines() == [f"{path}: edrone: app_id: must not be empty"]
    assert run(capsys, "check", path, "--vendor", "tracify")[0] == 0


@pytest.mark.parametrize(
    ("document", "argv", "said"),
    [
        ('{"app_id": ', ["--vendor", "edrone"], "not valid JSON: Expecting value (line 1, column 12)"),
        ([], ["--vendor", "edrone"], "settings must be a JSON object"),
        ({"app_id": "a"}, [], "name the vendor with --vendor"),
        ({"edrone": {"app_id": "a"}}, ["--vendor", "tracify"], "no tracify settings in the file (it has: edrone)"),
    ],
)
def test_a_file_that_cannot_be_checked_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: Any, argv: list[str], said: str
) -> None:
    status, _, err = run(capsys, "check", write(tmp_path, document), *argv)
    assert status == 2
    assert len(err.splitlines()) == 1
    assert said in err


def test_a_missing_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "check", str(tmp_path / "nope.json"), "--vendor", "edrone")
    assert status == 2
    assert err.strip() == f"cannot read {tmp_path / 'nope.json'}: No such file or directory"


@pytest.mark.parametrize(
    ("stage", "shop", "said"),
    [
        ("Dev/../prod", "my-shop.myshopify.com", "is not a stage"),
        ("dev", "My Shop", "is not a shop"),
    ],
)
def test_put_refuses_a_bad_stage_or_shop_before_reaching_aws(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stage: str, shop: str, said: str
) -> None:
    argv = ["put", "--stage", stage, "--shop", shop, "--vendor", "tracify", write(tmp_path, TRACIFY)]
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert said in err
    assert len(err.splitlines()) == 1


def test_put_writes_nothing_for_invalid_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No AWS is configured here: reaching it would fail differently."""
    path = write(tmp_path, TRACIFY | {"api_key": ""})
    status, _, err = run(capsys, "put", "--stage", "dev", "--shop", "s.myshopify.com", "--vendor", "tracify", path)
    assert status == 2
    assert err.splitlines() == [f"{path}: api_key: must not be empty", "nothing written to SSM for s.myshopify.com"]
