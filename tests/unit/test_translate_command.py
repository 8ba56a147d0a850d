"""`shoprelay translate`: real fixtures in every accepted shape → the exact JSON it prints."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace

from shoprelay.sources.shopify import WebhookMeta, parse_webhook
from shoprelay.vendors import load_vendor, vendor_names
from shoprelay.vendors.base import TranslationError
from shoprelay.vendors.corvidae.translate import transaction_event_id
from shoprelay_tools import translate_command
from shoprelay_tools.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHOPIFY = ROOT / "tests" / "fixtures" / "shopify"
FILLED = SHOPIFY / "order-12-line-items.filled-2024-01.json"
DOCS_ORDER = SHOPIFY / "orders-create.shopify-docs-2026-04.json"
REFUND = SHOPIFY / "refunds-create.shopify-docs-2026-04.json"
ENVELOPE = SHOPIFY / "eventbridge-envelope.products-update.json"
SHOP = "demo-shop.myshopify.com"
NOW = datetime(2024, 1, 15, 9, 30, 0, 250000, tzinfo=UTC)
NOW_MS = "1705311000250"

FILLED_ORDER_ID = "5551234567890"
FILLED_VISITOR = "5f0c7a52-3e0b-4d36-9a1e-6f2b8c1d4e77"
PLACEHOLDER_HOST = "corvidae.example.com"
DOCS_ORDER_ID = "820982911946154500"
AUD_TEST_ORDER = SHOPIFY / "orders-create.test-store-shop-AUD-buyer-USD.json"
AUD_ID = "2998548365461"
OWN_SETTINGS = {"app_id": "shop-app", "tracking_host": "T.Shop.Example", "digital_property": "shop-site"}


def corvidae_url(
    *,
    timestamp: str,
    shop: str = SHOP,
    host: str = PLACEHOLDER_HOST,
    app_id: str = "PLACEHOLDER-APP-ID",
    prop: str = "PLACEHOLDER-PROPERTY",
) -> str:
    """The hit for the filled fixture (EUR, a visitor id and a customer), as Corvidae gets it."""
    event_id = transaction_event_id(shop, FILLED_ORDER_ID)
    return (
        f"https://{host}/i?timestamp={timestamp}&event=tr&trackerVersion=na&appId={app_id}"
        f"&platform=server&digitalProperty={prop}&timezone=UTC&characterSet=UTF-8"
        f"&eventID={event_id}&visitorId={FILLED_VISITOR}&userId=7770001&conversionName=Sale"
        f"&transactionId={FILLED_ORDER_ID}&orderId={FILLED_ORDER_ID}&currency=EUR"
        "&revenue=566.50&tax=89.67&shipping=4.90"
    )


def corvidae_output(url: str, kind: str = "order_placed") -> dict[str, Any]:
    return {
        "vendor": "corvidae",
        "kind": kind,
        "requests": [{"method": "GET", "url": url, "headers": {}, "body": None}],
        "skipped": None,
    }


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A raw body carries no arrival time, so the command's "now" is pinned."""
    monkeypatch.setattr(translate_command, "_now", lambda: NOW)


Run = Callable[..., tuple[int, Any, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Runs `shoprelay translate ARGS`: exit code, parsed stdout (or None), stderr."""

    def invoke(*argv: str | Path) -> tuple[int, Any, str]:
        code = main(["translate", *(str(a) for a in argv)])
        out, err = capsys.readouterr()
        if code == 0:
            assert err == ""
            return code, json.loads(out), err
        assert out == ""
        return code, None, err

    return invoke


def one_line(err: str) -> str:
    """Bad input is reported as exactly one line, never a traceback."""
    assert err.endswith("\n")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err.rstrip("\n")


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def api_gateway_event(body: bytes, headers: dict[str, str], *, base64_body: bool = False) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event as the ingress function receives it."""
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/shopify",
        "rawPath": "/webhooks/shopify",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", **headers},
        "requestContext": {"http": {"method": "POST", "path": "/webhooks/shopify"}, "stage": "$default"},
        "body": base64.b64encode(body).decode("ascii") if base64_body else body.decode("utf-8"),
        "isBase64Encoded": base64_body,
    }


# --- the three input shapes ------------------------------------------------------------


def test_raw_body_with_topic_prints_the_corvidae_hit(run: Run) -> None:
    code, out, _ = run("--vendor", "corvidae", "--topic", "orders/create", FILLED)

    assert code == 0
    assert out == corvidae_output(corvidae_url(timestamp=NOW_MS))


def test_raw_body_from_stdin(monkeypatch: pytest.MonkeyPatch, run: Run) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(FILLED.read_bytes())))

    code, out, _ = run("--vendor", "corvidae", "--topic", "orders/paid", "-")

    assert code == 0
    assert out == corvidae_output(corvidae_url(timestamp=NOW_MS), kind="order_paid")


def test_shop_option_changes_the_shop(run: Run) -> None:
    code, out, _ = run("--vendor", "corvidae", "--topic", "orders/create", "--shop", "Other.myshopify.com", FILLED)

    assert code == 0
    assert out == corvidae_output(corvidae_url(timestamp=NOW_MS, shop="other.myshopify.com"))


def test_test_orders_are_skipped_as_delivery_skips_them(run: Run, tmp_path: Path) -> None:
    code, out, _ = run("--vendor", "corvidae", "--topic", "orders/create", AUD_TEST_ORDER)

    assert code == 0
    assert out == {
        "vendor": "corvidae",
        "kind": "order_placed",
        "requests": [],
        "skipped": "test order (send_test_orders is off)",
    }

    settings = write_json(tmp_path / "settings.json", {**OWN_SETTINGS, "send_test_orders": True})
    code, out, _ = run("--vendor", "corvidae", "--topic", "orders/create", "--settings", settings, AUD_TEST_ORDER)

    assert code == 0
    assert out == corvidae_output(
        f"https://t.shop.example/i?timestamp={NOW_MS}&event=tr&trackerVersion=na&appId=shop-app&platform=server"
        f"&digitalProperty=shop-site&timezone=UTC&characterSet=UTF-8&eventID={transaction_event_id(SHOP, AUD_ID)}"
        f"&userId=4206822293653&conversionName=Sale&transactionId={AUD_ID}&orderId={AUD_ID}&currency=AUD"
        "&revenue=60.33&tax=4.56&shipping=10.15"
    )


@pytest.mark.parametrize("base64_body", [False, True], ids=["text", "base64"])
def test_api_gateway_event_takes_topic_shop_and_time_from_its_headers(
    run: Run, tmp_path: Path, base64_body: bool
) -> None:
    event = api_gateway_event(
        FILLED.read_bytes(),
        {
            "x-shopify-topic": "orders/paid",
            "x-shopify-shop-domain": "gateway-shop.myshopify.com",
            "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            "x-shopify-triggered-at": "2024-01-15T09:21:00.123Z",
            "x-shopify-hmac-sha256": "not checked by a dry run",
        },
        base64_body=base64_body,
    )

    code, out, _ = run("--vendor", "corvidae", write_json(tmp_path / "event.json", event))

    assert code == 0
    assert out == corvidae_output(
        corvidae_url(timestamp="1705310460123", shop="gateway-shop.myshopify.com"), kind="order_paid"
    )


def test_topic_and_shop_options_override_the_event_headers(run: Run, tmp_path: Path) -> None:
    event = api_gateway_event(
        FILLED.read_bytes(),
        {"x-shopify-topic": "orders/fulfilled", "x-shopify-shop-domain": "gateway-shop.myshopify.com"},
    )
    path = write_json(tmp_path / "event.json", event)

    code, out, _ = run("--vendor", "corvidae", path)
    assert code == 0
    assert out == {
        "vendor": "corvidae",
        "kind": "order_fulfilled",
        "requests": [],
        "skipped": "fulfilment is not a transaction; Corvidae got the sale when it was placed",
    }

    code, out, _ = run("--vendor", "corvidae", "--topic", "orders/create", "--shop", SHOP, path)
    assert code == 0
    assert out == corvidae_output(corvidae_url(timestamp=NOW_MS))


def test_eventbridge_envelope_with_an_unrelayed_topic_exits_2(run: Run) -> None:
    code, _, err = run("--vendor", "corvidae", ENVELOPE)

    assert code == 2
    line = one_line(err)
    assert line.startswith(f"shoprelay translate: {ENVELOPE}: topic 'products/update' is not relayed (relayed topics: ")
    assert "orders/create" in line


def test_eventbridge_envelope_with_an_order(run: Run, tmp_path: Path) -> None:
    envelope = json.loads(ENVELOPE.read_text(encoding="utf-8"))
    envelope["time"] = "2024-01-15T09:21:00Z"
    envelope["detail"]["metadata"]["X-Shopify-Topic"] = "orders/create"
    envelope["detail"]["metadata"]["X-Shopify-Shop-Domain"] = "bridge-shop.myshopify.com"
    envelope["detail"]["payload"] = json.loads(FILLED.read_text(encoding="utf-8"))

    code, out, _ = run("--vendor", "corvidae", write_json(tmp_path / "envelope.json", envelope))

    assert code == 0
    assert out == corvidae_output(corvidae_url(timestamp="1705310460000", shop="bridge-shop.myshopify.com"))


# --- refunds and order memory ------------------------------------------------------------


def test_refund_with_order_gets_the_remembered_order(run: Run, tmp_path: Path) -> None:
    # The documented order is a test order, whose refunds are skipped like it: this one is real.
    real_order = write_json(
        tmp_path / "order.json", {**json.loads(DOCS_ORDER.read_text(encoding="utf-8")), "test": False}
    )
    code, out, _ = run("--vendor", "mytracker", "--topic", "refunds/create", "--order", real_order, REFUND)

    # Exactly what the translator makes of the refund once order memory has supplied the order.
    refund = parse_webhook(WebhookMeta(shop=SHOP, topic="refunds/create"), REFUND.read_bytes(), NOW)
    order = parse_webhook(WebhookMeta(shop=SHOP, topic="orders/updated"), real_order.read_bytes(), NOW).order
    enriched = replace(refund, order=order, order_remembered=True)
    vendor = load_vendor("mytracker")
    translation = vendor.translate(enriched, vendor.settings_model.parse(vendor.placeholder_settings))
    assert code == 0
    assert out == {
        "vendor": "mytracker",
        "kind": "order_refunded",
        "requests": [json.loads(json.dumps(request.describe())) for request in translation.requests],
        "skipped": None,
    }
    # …and that is a REFUND for the right order, with the buyer only the order knew.
    assert out["requests"], out
    first = out["requests"][0]
    assert first["method"] == "POST"
    assert first["url"] == "https://tracker-s2s.my.com/v1/order/?idApp=PLACEHOLDER-APP-ID"
    assert first["headers"]["Authorization"] == "PLACEHOLDER-S2S-TOKEN"
    assert first["body"]["order"]["order_id"] == DOCS_ORDER_ID
    assert first["body"]["order"]["status"] == "REFUND"
    assert first["body"]["customUserId"] == "115310627314723950"


def test_refund_without_order_is_skipped_as_not_seen(run: Run) -> None:
    code, out, _ = run("--vendor", "mytracker", "--topic", "refunds/create", REFUND)

    assert code == 0
    assert out == {"vendor": "mytracker", "kind": "order_refunded", "requests": [], "skipped": "order not seen"}


def test_refund_with_order_for_corvidae_is_a_skip(run: Run, tmp_path: Path) -> None:
    real_order = write_json(
        tmp_path / "order.json", {**json.loads(DOCS_ORDER.read_text(encoding="utf-8")), "test": False}
    )
    code, out, _ = run("--vendor", "corvidae", "--topic", "refunds/create", "--order", real_order, REFUND)

    assert code == 0
    assert out == {
        "vendor": "corvidae",
        "kind": "order_refunded",
        "requests": [],
        "skipped": "Corvidae's ingress pixel has no way to record a refund",
    }


def test_order_that_is_not_the_refunds_exits_2(run: Run) -> None:
    code, _, err = run("--vendor", "mytracker", "--topic", "refunds/create", "--order", FILLED, REFUND)

    assert code == 2
    assert one_line(err) == (
        f"shoprelay translate: {FILLED}: order {FILLED_ORDER_ID} is not the order of refund 890088186047892400 "
        f"in {REFUND}, which belongs to order {DOCS_ORDER_ID}"
    )


def test_order_option_for_an_order_topic_exits_2(run: Run) -> None:
    code, _, err = run("--vendor", "mytracker", "--topic", "orders/create", "--order", DOCS_ORDER, FILLED)

    assert code == 2
    assert one_line(err) == f"shoprelay translate: --order applies to refunds only, and {FILLED} is orders/create"


def test_invalid_order_file_exits_2_with_the_field(run: Run, tmp_path: Path) -> None:
    order = json.loads(DOCS_ORDER.read_text(encoding="utf-8"))
    order["line_items"][0]["quantity"] = "two"
    path = write_json(tmp_path / "order.json", order)

    code, _, err = run("--vendor", "mytracker", "--topic", "refunds/create", "--order", path, REFUND)

    assert code == 2
    assert one_line(err) == (f"shoprelay translate: {path}: line_items.0.quantity: Expected `int`, got `str`")


# --- settings files ----------------------------------------------------------------------

OWN_URL = corvidae_url(timestamp=NOW_MS, host="t.shop.example", app_id="shop-app", prop="shop-site")


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(OWN_SETTINGS, id="vendor-object"),
        pytest.param({"edrone": {"app_id": "other"}, "corvidae": OWN_SETTINGS}, id="keyed-by-vendor"),
    ],
)
def test_settings_file_in_both_shapes(run: Run, tmp_path: Path, document: dict[str, Any]) -> None:
    path = write_json(tmp_path / "settings.json", document)

    code, out, _ = run("--vendor", "corvidae", "--topic", "orders/create", "--settings", path, FILLED)

    assert code == 0
    assert out == corvidae_output(OWN_URL)


def test_disabled_vendor_is_skipped(run: Run, tmp_path: Path) -> None:
    path = write_json(tmp_path / "settings.json", {"corvidae": {**OWN_SETTINGS, "enabled": False}})

    code, out, _ = run("--vendor", "corvidae", "--topic", "orders/create", "--settings", path, FILLED)

    assert code == 0
    assert out == {
        "vendor": "corvidae",
        "kind": "order_placed",
        "requests": [],
        "skipped": f"corvidae is disabled for {SHOP}",
    }


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        pytest.param(
            {"app_id": "a", "tracking_host": "https://t.shop.example/", "digital_property": "p"},
            "tracking_host: must be a bare host name such as corvidae.example.com (no scheme, port or path)",
            id="bad-host",
        ),
        pytest.param(
            {"corvidae": {"app_id": "a", "tracking_host": "t.shop.example"}},
            "corvidae.digital_property: Field required",
            id="keyed-missing-field",
        ),
        pytest.param({**OWN_SETTINGS, "apikey": "x"}, "apikey: not a known field", id="typo"),
        pytest.param({"edrone": {"app_id": "x"}}, "no 'corvidae' settings in the file (it has: edrone)", id="absent"),
        pytest.param({"corvidae": ["a"]}, "corvidae: settings must be a JSON object", id="keyed-not-object"),
        pytest.param(["a"], "settings must be a JSON object", id="not-object"),
    ],
)
def test_invalid_settings_exit_2_with_the_field(run: Run, tmp_path: Path, document: Any, problem: str) -> None:
    path = write_json(tmp_path / "settings.json", document)

    code, _, err = run("--vendor", "corvidae", "--topic", "orders/create", "--settings", path, FILLED)

    assert code == 2
    assert one_line(err) == f"shoprelay translate: {path}: {problem}"


# --- other bad input ---------------------------------------------------------------------


def test_raw_body_without_topic_exits_2(run: Run) -> None:
    code, _, err = run("--vendor", "corvidae", FILLED)

    assert code == 2
    assert one_line(err) == f"shoprelay translate: {FILLED}: --topic is required for a raw webhook body"


def test_event_without_topic_header_exits_2(run: Run, tmp_path: Path) -> None:
    path = write_json(tmp_path / "event.json", api_gateway_event(FILLED.read_bytes(), {}))

    code, _, err = run("--vendor", "corvidae", path)

    assert code == 2
    assert one_line(err) == f"shoprelay translate: {path}: no X-Shopify-Topic header; pass --topic"


def test_invalid_json_exits_2(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"id": 1,\n  "line_items": [}\n', encoding="utf-8")

    code, _, err = run("--vendor", "corvidae", "--topic", "orders/create", path)

    assert code == 2
    assert one_line(err) == f"shoprelay translate: {path}: not valid JSON: Expecting value (line 2, column 18)"


def test_invalid_settings_json_exits_2(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("app_id = 1\n", encoding="utf-8")

    code, _, err = run("--vendor", "corvidae", "--topic", "orders/create", "--settings", path, FILLED)

    assert code == 2
    assert one_line(err) == f"shoprelay translate: {path}: not valid JSON: Expecting value (line 1, column 1)"


def test_body_invalid_for_its_topic_exits_2_with_the_field(run: Run, tmp_path: Path) -> None:
    order = json.loads(FILLED.read_text(encoding="utf-8"))
    order["line_items"][0]["quantity"] = "two"
    raw = write_json(tmp_path / "orders.json", order)
    event = write_json(
        tmp_path / "event.json",
        api_gateway_event(raw.read_bytes(), {"x-shopify-topic": "orders/create"}),
    )
    message = "line_items.0.quantity: Expected `int`, got `str`"

    code, _, err = run("--vendor", "corvidae", "--topic", "orders/create", raw)
    assert code == 2
    assert one_line(err) == f"shoprelay translate: {raw}: {message}"

    code, _, err = run("--vendor", "corvidae", event)
    assert code == 2
    assert one_line(err) == f"shoprelay translate: {event}: body: {message}"


def test_body_of_the_wrong_kind_for_its_topic_exits_2(run: Run) -> None:
    code, _, err = run("--vendor", "corvidae", "--topic", "refunds/create", FILLED)

    assert code == 2
    assert one_line(err).startswith(f"shoprelay translate: {FILLED}: ")


def test_unsupported_topic_option_exits_2(run: Run) -> None:
    code, _, err = run("--vendor", "corvidae", "--topic", "products/create", FILLED)

    assert code == 2
    assert one_line(err).startswith(f"shoprelay translate: {FILLED}: topic 'products/create' is not relayed")


def test_unknown_vendor_exits_2(run: Run) -> None:
    code, _, err = run("--vendor", "klaviyo", "--topic", "orders/create", FILLED)

    assert code == 2
    assert one_line(err) == f"shoprelay translate: unknown vendor 'klaviyo'; known: {', '.join(vendor_names())}"


def test_unreadable_file_exits_2(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"

    code, _, err = run("--vendor", "corvidae", "--topic", "orders/create", missing)

    assert code == 2
    assert one_line(err) == f"shoprelay translate: cannot read {missing}: No such file or directory"


def test_translation_error_exits_2(monkeypatch: pytest.MonkeyPatch, run: Run) -> None:
    def refuse(event: Any, settings: Any) -> Any:
        raise TranslationError("Corvidae URL would be 9000 bytes, over the 8192-byte limit")

    broken = dataclasses.replace(load_vendor("corvidae"), translate=refuse)
    monkeypatch.setattr(translate_command, "load_vendor", lambda name: broken)

    code, _, err = run("--vendor", "corvidae", "--topic", "orders/create", FILLED)

    assert code == 2
    assert one_line(err) == (
        f"shoprelay translate: {FILLED}: corvidae cannot translate this event: "
        "Corvidae URL would be 9000 bytes, over the 8192-byte limit"
    )


# --- the installed entry point -----------------------------------------------------------


def test_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "shoprelay"
    event = api_gateway_event(
        FILLED.read_bytes(),
        {"x-shopify-topic": "orders/create", "x-shopify-triggered-at": "2024-01-15T09:21:00.123Z"},
    )
    path = write_json(tmp_path / "event.json", event)

    done = subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(script), "translate", "--vendor", "corvidae", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert json.loads(done.stdout) == corvidae_output(corvidae_url(timestamp="1705310460123"))

    failed = subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(script), "translate", "--vendor", "corvidae", str(ENVELOPE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert "topic 'products/update' is not relayed" in one_line(failed.stderr)
