"""Corvidae sandbox: it takes every hit the translator makes and refuses broken ones."""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from corvidae_cases import (
    FILLED,
    SANDBOX_ENDPOINT,
    Body,
    cancelled,
    event,
    fixture,
    guest_with_phone_only,
    in_zero_decimal_currency,
    not_cancelled,
    partial_refund,
    pending,
    sandbox_request,
    settings,
    unchanged,
    with_awkward_titles,
    with_forty_lines,
    with_session_id,
    without_client_details,
)
from support.vendor_events import AUD_USD, CHECKOUT, CUSTOMER, DOCS_ORDER, REFUND

from shoprelay.vendors.corvidae import translate
from shoprelay_tools.sandboxes.base import SandboxRequest
from shoprelay_tools.sandboxes.corvidae import PIXEL_GIF, CorvidaeSandbox

ORDER_TOPICS = ("orders/create", "orders/paid", "orders/fulfilled", "orders/cancelled", "orders/updated")
ORDER_BODIES: dict[str, Callable[[], Body]] = {
    "eur-12-lines": lambda: fixture(FILLED),
    "shop-aud-buyer-usd": lambda: fixture(AUD_USD),
    "shopify-docs": lambda: not_cancelled(fixture(DOCS_ORDER)),
}
VARIANTS: tuple[Callable[[Body], Body], ...] = (
    unchanged,
    in_zero_decimal_currency,
    guest_with_phone_only,
    without_client_details,
    with_forty_lines,
    with_awkward_titles,
    pending,
    cancelled,
    with_session_id,
)
SETTINGS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "buyer-currency": {"currency": "buyer"},
    "order-name": {"order_id_field": "name", "send_user_id": False},
    "awkward-names": {
        "digital_property": "Demo Shop & Co",
        "conversion_name": "Online Sale",
        "timezone": "Europe/London",
    },
}


def _sandbox() -> CorvidaeSandbox:
    return CorvidaeSandbox(app_id="demo-app")


@pytest.mark.parametrize("settings_name", SETTINGS)
@pytest.mark.parametrize("body_name", ORDER_BODIES)
def test_every_hit_the_translator_makes_is_taken(body_name: str, settings_name: str) -> None:
    sandbox = _sandbox()
    shop_settings = settings(endpoint=SANDBOX_ENDPOINT, **SETTINGS[settings_name])
    sent = 0
    for topic in ORDER_TOPICS:
        for variant in VARIANTS:
            for request in translate(event(topic, variant(ORDER_BODIES[body_name]())), shop_settings).requests:
                answer = sandbox.answer(sandbox_request(request.url, request.method, request.body_bytes() or b""))
                assert (answer.status, answer.body) == (200, PIXEL_GIF), (topic, variant.__name__, answer.body)
                sent += 1
    # orders/create and orders/paid send for every variant but the cancelled one.
    assert sent == 2 * (len(VARIANTS) - 1)
    # …and both land on the same eventID, which Corvidae counts once.
    assert len(sandbox.transactions) == 1


@pytest.mark.parametrize(
    ("topic", "body"),
    [
        ("refunds/create", lambda: partial_refund(fixture(REFUND))),
        ("checkouts/create", lambda: fixture(CHECKOUT)),
        ("customers/create", lambda: fixture(CUSTOMER)),
    ],
    ids=["refund", "checkout", "customer"],
)
def test_other_fixtures_send_nothing(topic: str, body: Callable[[], Body]) -> None:
    translation = translate(event(topic, body()), settings(endpoint=SANDBOX_ENDPOINT))
    assert translation.requests == ()
    assert translation.skipped


# --- broken hits --------------------------------------------------------------------------


def _valid_request() -> SandboxRequest:
    (request,) = translate(event("orders/create", fixture(FILLED)), settings(endpoint=SANDBOX_ENDPOINT)).requests
    return sandbox_request(request.url)


def _with_query(**changes: str | None) -> SandboxRequest:
    """The valid hit with parameters replaced (a string) or removed (None)."""
    request = _valid_request()
    query = {key: list(values) for key, values in request.query.items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = [value]
    return replace(request, query=query)


def test_valid_hit_gets_a_one_pixel_gif() -> None:
    answer = _sandbox().answer(_valid_request())
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "image/gif"
    assert answer.body[:6] == b"GIF89a"
    assert struct.unpack("<HH", answer.body[6:10]) == (1, 1)
    assert answer.body.endswith(b";")


@pytest.mark.parametrize(
    "missing",
    [
        "appId",
        "timestamp",
        "event",
        "trackerVersion",
        "platform",
        "eventID",
        "digitalProperty",
        "conversionName",
        "currency",
        "revenue",
    ],
)
def test_missing_required_parameter_is_a_400(missing: str) -> None:
    answer = _sandbox().answer(_with_query(**{missing: None}))
    assert (answer.status, answer.body) == (400, f"missing parameter: {missing}".encode())


def test_order_id_may_come_as_either_name_but_not_be_missing() -> None:
    assert _sandbox().answer(_with_query(orderId=None)).status == 200
    assert _sandbox().answer(_with_query(transactionId=None)).status == 200
    answer = _sandbox().answer(_with_query(transactionId=None, orderId=None))
    assert (answer.status, answer.body) == (400, b"missing parameter: transactionId")


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"timestamp": "1705310460"}, "invalid timestamp: expected UTC epoch milliseconds"),
        ({"timestamp": "2024-01-15T09:21:00Z"}, "invalid timestamp: expected UTC epoch milliseconds"),
        ({"event": "pv"}, "invalid event: expected tr"),
        ({"trackerVersion": "js-3.0.0"}, "invalid trackerVersion: expected na"),
        ({"platform": "web"}, "invalid platform: expected server"),
        ({"characterSet": "ISO-8859-1"}, "invalid characterSet: expected UTF-8"),
        ({"currency": "eur"}, "invalid currency: expected an ISO 4217 code such as GBP"),
        ({"revenue": "566,50"}, "invalid revenue: expected a decimal with a dot, such as 1000.99"),
        ({"revenue": "5.665e2"}, "invalid revenue: expected a decimal with a dot, such as 1000.99"),
        ({"tax": "89,67"}, "invalid tax: expected a decimal with a dot, such as 1000.99"),
        ({"orderId": "other"}, "transactionId and orderId differ"),
    ],
)
def test_malformed_parameter_is_a_400(changes: dict[str, str], error: str) -> None:
    answer = _sandbox().answer(_with_query(**changes))
    assert (answer.status, answer.body.decode()) == (400, error)


def test_repeated_parameter_is_a_400() -> None:
    request = _valid_request()
    answer = _sandbox().answer(replace(request, query={**request.query, "revenue": ["1.00", "2.00"]}))
    assert (answer.status, answer.body) == (400, b"parameter given more than once: revenue")


def test_unknown_app_id_is_a_403() -> None:
    answer = _sandbox().answer(_with_query(appId="someone-else"))
    assert (answer.status, answer.body) == (403, b"unknown appId")


def test_configured_property_and_conversion_are_enforced() -> None:
    strict = CorvidaeSandbox(app_id="demo-app", digital_property="demo-shop", conversion_name="Sale")
    assert strict.answer(_valid_request()).status == 200
    assert strict.answer(_with_query(digitalProperty="other")).body == b"unknown digitalProperty"
    assert strict.answer(_with_query(conversionName="Lead")).body == b"unknown conversionName"


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_anything_but_get_is_a_405(method: str) -> None:
    answer = _sandbox().answer(replace(_valid_request(), method=method))
    assert answer.status == 405
    assert answer.headers["Allow"] == "GET"


def test_wrong_path_is_a_404_and_a_body_is_a_400() -> None:
    assert _sandbox().answer(replace(_valid_request(), path="/track")).status == 404
    with_body = _sandbox().answer(replace(_valid_request(), body=b"revenue=1"))
    assert (with_body.status, with_body.body) == (400, b"a hit carries its data in the query string, not a body")


def test_a_repeated_event_id_is_taken_but_counted_once() -> None:
    sandbox = _sandbox()
    first = sandbox.answer(_with_query(revenue="566.50"))
    again = sandbox.answer(_with_query(revenue="999.00"))
    assert (first.status, again.status) == (200, 200)
    assert list(sandbox.transactions) == ["58de267e-7ca2-5693-8b5c-7ebcb6da6e7c"]
    assert sandbox.transactions["58de267e-7ca2-5693-8b5c-7ebcb6da6e7c"]["revenue"] == "566.50"
