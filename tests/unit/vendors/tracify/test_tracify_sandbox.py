"""The Tracify sandbox accepts what the translator sends and refuses what Tracify would."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from support.vendor_events import TWELVE_LINES
from tracify_cases import (
    API_KEY,
    AUD_SHOP_USD_BUYER,
    ENDPOINT,
    SITE_ID,
    Variant,
    fixture_event,
    forty_lines,
    guest_with_phone_only,
    in_yen,
    pending,
    settings,
    without_landing_site,
)

from shoprelay.vendors.base import VendorRequest, Verdict
from shoprelay.vendors.tracify import read_response, translate
from shoprelay_tools.sandboxes.base import SandboxAnswer, SandboxRequest
from shoprelay_tools.sandboxes.tracify import MAX_BODY_BYTES, TracifySandbox


def sandbox() -> TracifySandbox:
    return TracifySandbox(api_key=API_KEY, customer_site_id=SITE_ID)


def as_received(request: VendorRequest) -> SandboxRequest:
    """The request as the sandbox server hands it over: path below the prefix, headers lower-cased."""
    assert request.url.startswith(ENDPOINT)
    parts = urlsplit(request.url[len(ENDPOINT) :])
    return SandboxRequest(
        method=request.method,
        path=parts.path,
        query=parse_qs(parts.query),
        headers={name.lower(): value for name, value in request.wire_headers().items()},
        body=request.body_bytes() or b"",
    )


def translated(*variants: Variant, fixture: str = TWELVE_LINES, **overrides: Any) -> SandboxRequest:
    requests = translate(fixture_event(fixture, "orders/create", *variants), settings(**overrides)).requests
    assert len(requests) == 1
    return as_received(requests[0])


def with_body(request: SandboxRequest, edit: Any) -> SandboxRequest:
    payload = json.loads(request.body)
    edit(payload["events"][0])
    return SandboxRequest(request.method, request.path, request.query, request.headers, json.dumps(payload).encode())


def answer_json(answer: SandboxAnswer) -> Any:
    return json.loads(answer.body)


ACCEPTED: list[tuple[str, str, str, tuple[Variant, ...], dict[str, Any]]] = [
    ("12-lines-placed", TWELVE_LINES, "orders/create", (), {}),
    ("12-lines-paid", TWELVE_LINES, "orders/paid", (), {}),
    ("12-lines-pending", TWELVE_LINES, "orders/create", (pending,), {}),
    ("AUD-shop", AUD_SHOP_USD_BUYER, "orders/create", (), {}),
    ("USD-buyer", AUD_SHOP_USD_BUYER, "orders/paid", (), {"currency": "buyer"}),
    ("JPY", TWELVE_LINES, "orders/create", (in_yen,), {}),
    ("phone-only-guest", TWELVE_LINES, "orders/create", (guest_with_phone_only,), {}),
    ("40-lines", TWELVE_LINES, "orders/create", (forty_lines,), {}),
    ("no-landing-page", TWELVE_LINES, "orders/create", (without_landing_site,), {}),
    (
        "dot-no-cc-own-origin",
        TWELVE_LINES,
        "orders/create",
        (),
        {"decimal_separator": ".", "send_cc": False, "storefront_origin": "https://www.example-shop.de"},
    ),
]


@pytest.mark.parametrize(
    ("fixture", "topic", "variants", "overrides"),
    [pytest.param(*case[1:], id=case[0]) for case in ACCEPTED],
)
def test_accepts_every_translated_request(
    fixture: str, topic: str, variants: tuple[Variant, ...], overrides: dict[str, Any]
) -> None:
    translation = translate(fixture_event(fixture, topic, *variants), settings(**overrides))
    assert translation.requests, translation.skipped

    for request in translation.requests:
        answer = sandbox().answer(as_received(request))

        assert (answer.status, answer_json(answer)) == (200, {"status": True})
        assert read_response(answer.status, answer.headers, answer.body).verdict is Verdict.DELIVERED


def test_missing_token_is_401() -> None:
    request = translated()
    headers = {name: value for name, value in request.headers.items() if name != "tracify-token"}

    answer = sandbox().answer(SandboxRequest(request.method, request.path, request.query, headers, request.body))

    assert (answer.status, answer_json(answer)) == (401, {"status": False, "error": "missing or invalid tracify-token"})
    assert read_response(answer.status, answer.headers, answer.body).verdict is Verdict.PERMANENT


def test_wrong_token_is_401() -> None:
    answer = TracifySandbox(api_key="another-key").answer(translated())

    assert answer.status == 401


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (lambda e: e["data"].pop("order_id"), "events[0].data.order_id is required for purchase events"),
        (lambda e: e["data"].pop("currency"), "events[0].data.currency is required for purchase events"),
        (lambda e: e["data"].pop("amount"), "events[0].data.amount is required for purchase events"),
        (lambda e: e["data"].pop("origin"), "events[0].data.origin is required (scheme and host of the website)"),
        (lambda e: e.update(url="ab.de/"), "events[0].url must be a string of at least 7 characters"),
        (lambda e: e.update(datetime="2024-01-15T09:20:30Z"), "events[0].datetime must be formatted %Y-%m-%d %H:%M:%S"),
        (lambda e: e.update(datetime="2024-02-30 09:20:30"), "events[0].datetime is not a real date and time"),
        (
            lambda e: e["data"].update(amount="566,5000"),
            "events[0].data.amount must be an amount with at most 2 decimals",
        ),
        (lambda e: e["data"].update(AMT3=11.9), "events[0].data.AMT3 must be a string"),
        (lambda e: e["data"].update(QTY2="2.0"), "events[0].data.QTY2 must be a whole number"),
        (lambda e: e["data"].update(currency="eur"), "events[0].data.currency must be an ISO 4217 code"),
        (
            lambda e: e.update(identity_data={"abc": 3}),
            "events[0].identity_data keys must be lowercase SHA-256 hex digests",
        ),
        (
            lambda e: e.update(identity_data={k: v for k, v in e["identity_data"].items() if v != 4}),
            "events[0].identity_data lacks required classes [4]",
        ),
        (lambda e: e.update(customer_site_id="site-42"), "events[0].customer_site_id must be a UUID"),
        (
            lambda e: e.update(customer_site_id="00000000-0000-0000-0000-000000000000"),
            "events[0].customer_site_id does not belong to this API key",
        ),
        (lambda e: e.update(type="refund"), "events[0].type must be one of"),
    ],
)
def test_invalid_event_data_is_200_with_status_false(edit: Any, error: str) -> None:
    answer = sandbox().answer(with_body(translated(), edit))

    assert answer.status == 200
    assert answer_json(answer)["status"] is False
    assert answer_json(answer)["error"].startswith(error)
    reading = read_response(answer.status, answer.headers, answer.body)
    assert (reading.verdict, reading.error) == (Verdict.PERMANENT, answer_json(answer)["error"])


def test_oversize_body_is_413() -> None:
    request = translated()
    padded = with_body(request, lambda e: e["data"].update(ITEM1="x" * MAX_BODY_BYTES))

    answer = sandbox().answer(padded)

    assert answer.status == 413
    assert read_response(answer.status, answer.headers, answer.body).verdict is Verdict.PERMANENT


@pytest.mark.parametrize(
    ("method", "path", "content_type", "body", "status"),
    [
        ("GET", "/api/v1/events", "application/json", b"", 405),
        ("POST", "/api/v1/event", "application/json", b"{}", 404),
        ("POST", "/api/v1/events", "application/x-www-form-urlencoded", b"events=1", 415),
        ("POST", "/api/v1/events", "application/json", b"{not json", 400),
    ],
)
def test_wrong_shape_of_request(method: str, path: str, content_type: str, body: bytes, status: int) -> None:
    headers = {"tracify-token": API_KEY, "content-type": content_type}

    answer = sandbox().answer(SandboxRequest(method, path, {}, headers, body))

    assert answer.status == status
    assert answer_json(answer)["status"] is False


def test_empty_events_list_is_refused() -> None:
    headers = {"tracify-token": API_KEY, "content-type": "application/json"}

    answer = sandbox().answer(SandboxRequest("POST", "/api/v1/events", {}, headers, b'{"events": []}'))

    assert (answer.status, answer_json(answer)) == (200, {"status": False, "error": "events must not be empty"})
