"""The edrone sandbox accepts everything the translator sends and refuses what edrone refuses."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from edrone_cases import (
    APP_ID,
    ENDPOINT,
    REFUND,
    consent_update,
    customer_with_consent,
    edited,
    event,
    fixture_event,
    guest_with_phone_only,
    in_currency,
    load,
    partial_refund,
    refund_event,
    settings,
    with_cart_attributes,
    with_line_titles,
    with_many_lines,
    without_client_details,
)
from support.vendor_events import AUD_USD, CHECKOUT, DOCS_ORDER, TWELVE_LINES

from shoprelay.canonical import CanonicalEvent
from shoprelay.vendors.base import VendorRequest
from shoprelay.vendors.edrone import translate
from shoprelay_tools.sandboxes.base import SandboxAnswer, SandboxRequest
from shoprelay_tools.sandboxes.edrone import EdroneSandbox

ORDER_TOPICS = ("orders/create", "orders/paid", "orders/fulfilled", "orders/cancelled", "orders/updated")
FORM = "application/x-www-form-urlencoded"

EVENTS: dict[str, Callable[[], CanonicalEvent]] = {
    **{
        f"{fixture} {topic}": partial(fixture_event, fixture, topic)
        for fixture in (TWELVE_LINES, AUD_USD, DOCS_ORDER)
        for topic in ORDER_TOPICS
    },
    "pending order": lambda: event(edited(TWELVE_LINES, financial_status="pending"), "orders/create"),
    "JPY order": lambda: event(in_currency(load(TWELVE_LINES), "JPY", 100), "orders/paid"),
    "KWD order": lambda: event(in_currency(load(AUD_USD), "KWD", 1), "orders/paid"),
    "no client details": lambda: event(without_client_details(AUD_USD), "orders/create"),
    "guest with a phone": lambda: event(guest_with_phone_only(TWELVE_LINES), "orders/create"),
    "40 lines": lambda: event(with_many_lines(TWELVE_LINES, 40), "orders/paid"),
    "400 lines": lambda: event(with_many_lines(TWELVE_LINES, 400), "orders/paid"),
    "40 long Cyrillic titles": lambda: event(
        with_many_lines(TWELVE_LINES, 40, title="Товар {n}: очень длинное название для проверки размера запроса"),
        "orders/paid",
    ),
    "separators in titles": lambda: event(
        with_line_titles(
            TWELVE_LINES,
            [("A | B", "X > Y | Z"), ("C ~ D", "P~Q > R"), ("E & \"F\" 'G'", None), ("Ж", "Ш"), ("手", "雑 > 布")],
        ),
        "orders/paid",
    ),
    "cancelled paid order": lambda: event(
        edited(TWELVE_LINES, cancelled_at="2024-01-16T10:00:00+01:00"), "orders/cancelled"
    ),
    "browser id": lambda: event(with_cart_attributes(TWELVE_LINES, _edrone_c_id="c-1"), "orders/paid"),
    "partial refund": lambda: refund_event(partial_refund(), remembered_order=load(DOCS_ORDER)),
    "refund, order not seen": lambda: refund_event(load(REFUND), remembered_order=None),
    "checkouts/create": lambda: fixture_event(CHECKOUT, "checkouts/create"),
    "checkouts/update": lambda: fixture_event(CHECKOUT, "checkouts/update"),
    "customers/create subscribed": lambda: event(
        customer_with_consent("subscribed", sms_marketing_consent={"state": "not_subscribed"}), "customers/create"
    ),
    "consent unsubscribed": lambda: event(consent_update("unsubscribed"), "customers_email_marketing_consent/update"),
}


def to_sandbox(request: VendorRequest, *, method: str | None = None, path: str | None = None) -> SandboxRequest:
    """What the sandbox's HTTP server would hand over for ``request`` (path below its prefix)."""
    assert request.url.startswith(ENDPOINT)
    url = urlsplit(request.url)
    translated = SandboxRequest(
        method=request.method,
        path=url.path.removeprefix(urlsplit(ENDPOINT).path),
        query=parse_qs(url.query),
        headers={name.lower(): value for name, value in request.wire_headers().items()},
        body=request.body_bytes() or b"",
    )
    return replace(translated, method=method or translated.method, path=path or translated.path)


def form(body: dict[str, str]) -> bytes:
    return urlencode(body).encode("ascii")


def order_body() -> dict[str, str]:
    (request,) = translate(fixture_event(TWELVE_LINES, "orders/paid"), settings()).requests
    return dict(request.form_body or {})


def error_of(answer: SandboxAnswer) -> tuple[int, object]:
    return answer.status, json.loads(answer.body)


@pytest.fixture
def sandbox() -> EdroneSandbox:
    return EdroneSandbox(app_id=APP_ID)


def test_every_translated_request_is_accepted(sandbox: EdroneSandbox) -> None:
    sent = 0
    for build in EVENTS.values():
        for request in translate(build(), settings()).requests:
            answer = sandbox.answer(to_sandbox(request))
            assert (answer.status, answer.body) == (200, b""), (request.effect, answer.body)
            assert answer.headers["x-edrone-event-id"]
            sent += 1

    assert sent == 24


def test_success_answers_carry_distinct_event_ids(sandbox: EdroneSandbox) -> None:
    request = to_sandbox(translate(fixture_event(AUD_USD, "orders/create"), settings()).requests[0])

    first, second = sandbox.answer(request), sandbox.answer(request)

    assert first.headers["x-edrone-event-id"] != second.headers["x-edrone-event-id"]


def test_a_repeated_order_is_answered_like_the_first_and_kept_once(sandbox: EdroneSandbox) -> None:
    # edrone: "Orders are automatically deduplicated based on order_id", a duplicate is ignored
    paid = translate(fixture_event(AUD_USD, "orders/paid"), settings()).requests[0]
    assert paid.vendor_ignores_repeats
    first, again = sandbox.answer(to_sandbox(paid)), sandbox.answer(to_sandbox(paid))
    assert (first.status, again.status) == (200, 200)
    assert list(sandbox.orders) == [paid.form_body["order_id"] if paid.form_body else None]


def _without(name: str) -> dict[str, str]:
    return {k: v for k, v in order_body().items() if k != name}


BROKEN_BODIES: dict[str, tuple[Callable[[], dict[str, str]], str]] = {
    "no app_id": (lambda: _without("app_id"), "Missing required field: app_id"),
    "no action_type": (lambda: _without("action_type"), "Missing required field: action_type"),
    "another shop's app_id": (lambda: {**order_body(), "app_id": "other-app"}, "Invalid app_id"),
    "no sender_type": (lambda: _without("sender_type"), "Missing required field: sender_type"),
    "browser sender_type": (
        lambda: {**order_body(), "sender_type": "browser"},
        "Invalid sender_type: server traces must send sender_type=server",
    ),
    "order without email": (lambda: _without("email"), "Missing required field: email"),
    "order without order_id": (lambda: _without("order_id"), "Missing required field: order_id"),
    "raw | inside a title": (
        lambda: {**order_body(), "product_titles": order_body()["product_titles"].replace("\u00a6", "|")},
        "Invalid product_titles: 13 entries for 12 products",
    ),
    "ISO date": (
        lambda: {**order_body(), "event_utc_date": "2024-01-15T09:20:30Z"},
        "Invalid event_utc_date: expected YYYY-MM-DD HH:MM:SS",
    ),
    "decimal comma": (
        lambda: {**order_body(), "order_payment_value": "566,50"},
        "Invalid order_payment_value: expected a decimal with a dot",
    ),
    "yen with decimals": (
        lambda: {**order_body(), "order_currency": "JPY", "order_payment_value": "56650.00"},
        "Invalid order_payment_value: JPY has 0 decimal places",
    ),
    "unknown order status": (
        lambda: {**order_body(), "order_status": "shipped"},
        "Invalid order_status: expected one of cancelled, delivered, paid, placed",
    ),
    "zero count": (
        lambda: {**order_body(), "product_counts": "0|2|3|1|2|3|1|2|3|1|2|3"},
        "Invalid product_counts: expected positive integers",
    ),
    "browser-only action": (
        lambda: {**order_body(), "action_type": "product_view"},
        "Unsupported action_type for server traces: product_view",
    ),
    "subscribe with a word for a status": (
        lambda: {
            "app_id": APP_ID,
            "sender_type": "server",
            "action_type": "subscribe",
            "email": "a@b.co",
            "subscriber_status": "yes",
        },
        "Invalid subscriber_status: expected 1 or 0",
    ),
    "cancel without email": (
        lambda: {"app_id": APP_ID, "sender_type": "server", "action_type": "order_cancel", "order_id": "1"},
        "Missing required field: email",
    ),
}


@pytest.mark.parametrize("name", BROKEN_BODIES)
def test_broken_traces_get_edrones_400(sandbox: EdroneSandbox, name: str) -> None:
    build, message = BROKEN_BODIES[name]
    request = SandboxRequest("POST", "/trace", {}, {"content-type": FORM}, form(build()))

    assert error_of(sandbox.answer(request)) == (400, {"error": message})


def test_the_documented_error_body_is_exact(sandbox: EdroneSandbox) -> None:
    request = SandboxRequest("POST", "/trace", {}, {"content-type": FORM}, form(_without("app_id")))

    answer = sandbox.answer(request)

    assert (answer.status, answer.body) == (400, b'{"error": "Missing required field: app_id"}')


def test_a_json_body_is_refused(sandbox: EdroneSandbox) -> None:
    body = json.dumps(order_body()).encode()
    request = SandboxRequest("POST", "/trace", {}, {"content-type": "application/json"}, body)

    assert error_of(sandbox.answer(request)) == (400, {"error": "Unsupported content type: application/json"})


def test_repeated_fields_are_refused(sandbox: EdroneSandbox) -> None:
    body = form(order_body()) + b"&email=other%40example.com"
    request = SandboxRequest("POST", "/trace", {}, {"content-type": FORM}, body)

    assert error_of(sandbox.answer(request)) == (400, {"error": "Duplicate field: email"})


def test_get_and_unknown_paths_are_refused(sandbox: EdroneSandbox) -> None:
    (valid,) = translate(fixture_event(AUD_USD, "orders/create"), settings()).requests

    assert error_of(sandbox.answer(to_sandbox(valid, method="GET"))) == (405, {"error": "Method not allowed"})
    assert error_of(sandbox.answer(to_sandbox(valid, path="/track"))) == (404, {"error": "Not found"})
    assert sandbox.answer(to_sandbox(valid, path="/trace.php")).status == 200


def test_oversized_body_is_refused(sandbox: EdroneSandbox) -> None:
    body = {**order_body(), "product_titles": "x" * 70_000}
    request = SandboxRequest("POST", "/trace", {}, {"content-type": FORM}, form(body))

    assert error_of(sandbox.answer(request)) == (413, {"error": "Request entity too large"})
