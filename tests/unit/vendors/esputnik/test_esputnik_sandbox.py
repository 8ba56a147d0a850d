"""eSputnik sandbox: it takes every request the translator makes, and refuses broken ones as documented."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from esputnik_cases import (
    API_KEY,
    DISCOUNT_FIXED_ACROSS_ORDER,
    DISCOUNT_PERCENT_ONE_LINE,
    DOCS_ORDER,
    LINE_REFUND,
    REFUND,
    SHIPPING_REFUND,
    as_guest,
    as_yen,
    aud_order,
    cancelled_paid_order,
    event,
    fulfilled_order,
    guest_with_phone_only,
    multi_currency_checkout,
    open_docs_order,
    order_of,
    partial_refund,
    payload,
    sandbox_request,
    settings,
    with_email,
    with_lines,
    without_client_details,
)
from support.vendor_events import AUD_USD, CHECKOUT, TWELVE_LINES

from shoprelay.canonical import CanonicalEvent
from shoprelay.vendors.base import VendorRequest, Verdict
from shoprelay.vendors.esputnik import read_response, translate
from shoprelay_tools.sandboxes.base import SandboxAnswer, SandboxRequest
from shoprelay_tools.sandboxes.esputnik import EsputnikSandbox

ALL_EVENTS: list[tuple[str, Callable[[], CanonicalEvent]]] = [
    ("12 lines placed", lambda: event(payload(TWELVE_LINES), "orders/create")),
    ("12 lines paid", lambda: event(payload(TWELVE_LINES), "orders/paid")),
    ("12 lines without client details", lambda: event(without_client_details(payload(TWELVE_LINES)), "orders/create")),
    ("docs order placed (cancelled, voided)", lambda: event(payload(DOCS_ORDER), "orders/create")),
    ("open order placed, pending", lambda: event(open_docs_order("pending"), "orders/create")),
    ("open order updated", lambda: event(open_docs_order("paid"), "orders/updated")),
    ("fulfilled", lambda: event(fulfilled_order(), "orders/fulfilled")),
    ("cancelled paid order", lambda: event(cancelled_paid_order(), "orders/cancelled")),
    ("shop AUD, buyer USD", lambda: event(payload(AUD_USD), "orders/create")),
    ("yen", lambda: event(as_yen(open_docs_order("paid")), "orders/paid")),
    ("guest with only a phone", lambda: event(guest_with_phone_only(open_docs_order("pending")), "orders/create")),
    ("email keyValue forbids", lambda: event(with_email(open_docs_order(), "o'brien@example.com"), "orders/create")),
    ("40 lines", lambda: event(with_lines(open_docs_order("pending"), 40), "orders/create")),
    (
        "300 lines, trimmed",
        lambda: event(with_lines(open_docs_order("pending"), 300, "Ручная работа"), "orders/create"),
    ),
    ("partial refund", lambda: event(partial_refund(), "refunds/create", order=order_of(open_docs_order("paid")))),
    ("full refund", lambda: event(payload(REFUND), "refunds/create", order=order_of(open_docs_order("paid")))),
    ("checkout", lambda: event(payload(CHECKOUT), "checkouts/create")),
    ("checkout priced in the buyer's currency", lambda: event(multi_currency_checkout(), "checkouts/create")),
    ("guest with an email", lambda: event(as_guest(aud_order()), "orders/create")),
    (
        "AUD/USD shipping refund",
        lambda: event(payload(SHIPPING_REFUND), "refunds/create", order=order_of(aud_order())),
    ),
    ("AUD/USD line refund", lambda: event(payload(LINE_REFUND), "refunds/create", order=order_of(aud_order()))),
    ("discount code on one line", lambda: event(payload(DISCOUNT_PERCENT_ONE_LINE), "orders/create")),
    ("fixed discount across the order", lambda: event(payload(DISCOUNT_FIXED_ACROSS_ORDER), "orders/create")),
]


def answer(sandbox: EsputnikSandbox, request: VendorRequest) -> SandboxAnswer:
    return sandbox.answer(sandbox_request(request))


def raw(
    path: str, body: Any, *, auth: str | None = "user:" + API_KEY, content_type: str = "application/json"
) -> SandboxRequest:
    headers = {"content-type": content_type}
    if auth is not None:
        headers["authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return SandboxRequest(method="POST", path=path, query={}, headers=headers, body=data)


def event_body(key_value: str = "customer@example.com", **extra: Any) -> dict[str, Any]:
    order_params = [
        {"name": "email", "value": "customer@example.com"},
        {"name": "externalOrderId", "value": "1001"},
        {"name": "externalCustomerId", "value": "2001"},
        {"name": "totalCost", "value": "10.00"},
        {"name": "status", "value": "INITIALIZED"},
        {"name": "date", "value": "2024-01-15T09:20:30+00:00"},
    ]
    return {"eventTypeKey": "orderCreated", "keyValue": key_value, "params": order_params, **extra}


@pytest.fixture
def sandbox() -> EsputnikSandbox:
    """A sandbox that already knows customer@example.com, as after a contact upsert."""
    fresh = EsputnikSandbox(api_key=API_KEY)
    contact = {"contacts": [{"channels": [{"type": "email", "value": "customer@example.com"}]}], "dedupeOn": "email"}
    assert fresh.answer(raw("/api/v1/contacts", contact)).status == 200
    return fresh


@pytest.mark.parametrize("mode", ["event", "orders"])
@pytest.mark.parametrize("build", [case[1] for case in ALL_EVENTS], ids=[case[0] for case in ALL_EVENTS])
def test_sandbox_takes_every_translated_request(build: Callable[[], CanonicalEvent], mode: str) -> None:
    sandbox = EsputnikSandbox(api_key=API_KEY)
    translation = translate(build(), settings(mode=mode))
    if translation.skipped:
        assert mode == "orders"  # only orders mode skips any of these (a partial refund)
        return
    for request in translation.requests:
        reply = answer(sandbox, request)
        assert 200 <= reply.status < 300, reply.body.decode()
        assert read_response(reply.status, reply.headers, reply.body).verdict is Verdict.DELIVERED, reply.body.decode()
    assert len(sandbox.events) + len(sandbox.orders) == 1


def test_sandbox_counts_the_event_against_the_upserted_contact() -> None:
    sandbox = EsputnikSandbox(api_key=API_KEY)
    contact, order_event = translate(
        event(guest_with_phone_only(open_docs_order()), "orders/create"), settings()
    ).requests
    assert answer(sandbox, order_event).status == 400
    assert answer(sandbox, contact).status == 200
    assert answer(sandbox, order_event).status == 200
    assert sandbox.knows("380501234567")
    assert sandbox.events[0]["keyValue"] == "380501234567"


@pytest.mark.parametrize(
    "auth",
    [None, "user:wrong-key", "user", "user:"],
    ids=["no auth", "wrong key", "no password", "empty password"],
)
def test_missing_or_wrong_basic_auth_is_401(sandbox: EsputnikSandbox, auth: str | None) -> None:
    reply = sandbox.answer(raw("/api/v1/event", event_body(), auth=auth))
    assert reply.status == 401
    assert read_response(reply.status, reply.headers, reply.body).verdict is Verdict.PERMANENT


def test_any_user_name_is_accepted_with_the_right_key(sandbox: EsputnikSandbox) -> None:
    assert sandbox.answer(raw("/api/v1/event", event_body(), auth="someone:" + API_KEY)).status == 200


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            event_body(params=[]),
            "orderCreated: missing required params: externalOrderId, externalCustomerId, totalCost, status, date",
        ),
        (
            {**event_body(), "params": [p for p in event_body()["params"] if p["name"] != "externalCustomerId"]},
            "orderCreated: missing required params: externalCustomerId",
        ),
        ({k: v for k, v in event_body().items() if k != "eventTypeKey"}, "eventTypeKey is required"),
        (event_body(key_value="o'brien@example.com"), "keyValue contains forbidden characters: '"),
        ({**event_body(), "eventTypeKey": "order|Created"}, "eventTypeKey contains forbidden characters: |"),
        (event_body(key_value="x" * 301), "keyValue is longer than 300 characters"),
        (
            {**event_body(), "params": [*event_body()["params"][:4], {"name": "status", "value": "PAID"}]},
            "orderCreated: missing required params: date",
        ),
        (
            {
                **event_body(),
                "params": [p if p["name"] != "status" else {**p, "value": "PAID"} for p in event_body()["params"]],
            },
            "status must be one of ABANDONED_SHOPPING_CART, CANCELLED, DELIVERED, INITIALIZED, IN_PROGRESS",
        ),
        (
            {
                "eventTypeKey": "orderCreated",
                "params": [p for p in event_body()["params"] if p["name"] not in {"email", "externalCustomerId"}],
            },
            "keyValue is missing and no contactId, externalCustomerId, email, phone or pushToken param",
        ),
        (
            {**event_body(), "params": [*event_body()["params"], {"name": "items", "value": '{"a":1}'}]},
            "items must be a JSON string holding an array",
        ),
        (
            {**event_body(), "params": [*event_body()["params"], {"name": "products", "value": "[]"}]},
            'products must be a JSON string holding {"array": [...]}',
        ),
        (
            {
                **event_body(),
                "params": [
                    *event_body()["params"],
                    {"name": "items", "value": '[{"externalItemId":"1","quantity":1,"cost":-1}]'},
                ],
            },
            "items[0]: cost must be a non-negative number (the price of one item)",
        ),
        (
            {"eventTypeKey": "cartUpdated", "keyValue": "customer@example.com", "params": []},
            "cartUpdated: missing required param recycleStateId",
        ),
        (
            event_body(key_value="stranger@example.com"),
            "Contact not found: create the contact first (v1/contacts or v1/orders)",
        ),
    ],
    ids=[
        "missing params",
        "no externalCustomerId",
        "no eventTypeKey",
        "forbidden keyValue",
        "forbidden eventTypeKey",
        "long keyValue",
        "missing date",
        "unknown status",
        "no contact locator",
        "items not an array",
        "products not an array object",
        "negative cost",
        "cart without recycleStateId",
        "contact never upserted",
    ],
)
def test_invalid_events_are_400_with_a_text(sandbox: EsputnikSandbox, body: dict[str, Any], error: str) -> None:
    reply = sandbox.answer(raw("/api/v1/event", body))
    assert (reply.status, reply.body.decode()) == (400, error)
    assert read_response(reply.status, reply.headers, reply.body).verdict is Verdict.PERMANENT


def test_event_over_20_kb_is_400(sandbox: EsputnikSandbox) -> None:
    padded = event_body()
    padded["params"] = [*padded["params"], {"name": "note", "value": "x" * 21_000}]
    reply = sandbox.answer(raw("/api/v1/event", padded))
    assert reply.status == 400
    assert reply.body.decode().endswith("the limit is 20 kB")


def test_translated_trimmed_event_would_not_fit_untrimmed() -> None:
    """The 300-line order needed trimming: sent whole, the sandbox refuses it as oversize."""
    sandbox = EsputnikSandbox(api_key=API_KEY)
    contact, trimmed = translate(
        event(with_lines(open_docs_order("pending"), 300, "Ручная работа"), "orders/create"), settings()
    ).requests
    assert answer(sandbox, contact).status == 200
    assert answer(sandbox, trimmed).status == 200
    body = trimmed.json_body
    items = [{"externalItemId": str(n), "name": f"Ручная работа {n}", "quantity": 1, "cost": n} for n in range(1, 301)]
    whole = {
        **body,
        "params": [*body["params"][:-3], {"name": "items", "value": json.dumps(items, ensure_ascii=False)}],
    }
    reply = sandbox.answer(raw("/api/v1/event", whole))
    assert reply.status == 400
    assert "20 kB" in reply.body.decode()


def test_the_same_orders_body_twice_in_a_row_is_a_duplicated_request() -> None:
    sandbox = EsputnikSandbox(api_key=API_KEY)
    (request,) = translate(event(open_docs_order(), "orders/paid"), settings(mode="orders")).requests
    first, second = answer(sandbox, request), answer(sandbox, request)
    assert first.status == 200
    assert (second.status, json.loads(second.body)) == (400, {"message": "Duplicated request"})
    assert read_response(second.status, second.headers, second.body).verdict is Verdict.DELIVERED


def test_orders_with_an_item_cost_that_is_no_price_come_back_in_failed_orders() -> None:
    sandbox = EsputnikSandbox(api_key=API_KEY)
    (request,) = translate(event(open_docs_order(), "orders/paid"), settings(mode="orders")).requests
    order = request.json_body["orders"][0]
    order = {**order, "items": [{**order["items"][0], "cost": "89.99"}, *order["items"][1:]]}
    reply = sandbox.answer(raw("/api/v1/orders", {"orders": [order]}))
    assert reply.status == 200
    assert json.loads(reply.body)["failedOrders"] == [
        {
            "externalOrderId": "820982911946154500",
            "index": 0,
            "error": "items[0]: cost must be a non-negative number (the price of one item)",
        }
    ]
    reading = read_response(reply.status, reply.headers, reply.body)
    assert reading.verdict is Verdict.PERMANENT
    assert reading.error is not None
    assert "cost must be a non-negative number" in reading.error


def test_an_order_without_external_customer_id_comes_back_in_failed_orders() -> None:
    sandbox = EsputnikSandbox(api_key=API_KEY)
    (request,) = translate(event(open_docs_order(), "orders/paid"), settings(mode="orders")).requests
    order = {k: v for k, v in request.json_body["orders"][0].items() if k != "externalCustomerId"}
    reply = sandbox.answer(raw("/api/v1/orders", {"orders": [order]}))
    assert json.loads(reply.body)["failedOrders"][0]["error"] == "missing required fields: externalCustomerId"


def test_orders_missing_a_required_field_come_back_in_failed_orders() -> None:
    sandbox = EsputnikSandbox(api_key=API_KEY)
    reply = sandbox.answer(raw("/api/v1/orders", {"orders": [{"externalOrderId": "1", "email": "a@example.com"}]}))
    assert (
        json.loads(reply.body)["failedOrders"][0]["error"]
        == "missing required fields: externalCustomerId, totalCost, status, date, currency"
    )
    assert sandbox.orders == {}


def test_add_orders_creates_the_contact_for_later_events() -> None:
    sandbox = EsputnikSandbox(api_key=API_KEY)
    (request,) = translate(event(open_docs_order(), "orders/paid"), settings(mode="orders")).requests
    assert answer(sandbox, request).status == 200
    assert sandbox.answer(raw("/api/v1/event", event_body())).status == 200


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        (raw("/api/v1/orders", {"orders": []}), 400),
        (raw("/api/v1/contacts", {"contacts": [{"channels": []}]}), 400),
        (raw("/api/v1/contacts", {"contacts": [{"channels": [{"type": "sms", "value": "call me"}]}]}), 400),
        (raw("/api/v1/event", b"{not json"), 400),
        (raw("/api/v1/event", event_body(), content_type="text/plain"), 415),
        (raw("/api/v2/nothing", event_body()), 404),
        (SandboxRequest(method="GET", path="/api/v1/event", query={}, headers={}, body=b""), 405),
    ],
    ids=[
        "no orders",
        "contact without channels",
        "bad phone",
        "not json",
        "not json content type",
        "unknown path",
        "GET",
    ],
)
def test_malformed_requests(sandbox: EsputnikSandbox, request_: SandboxRequest, status: int) -> None:
    assert sandbox.answer(request_).status == status
