"""MyTracker sandbox: accepts everything the translator sends, refuses what MyTracker refuses."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from mytracker_builders import (
    APP_ID,
    SCENARIOS,
    TOKEN,
    TWELVE_LINES,
    fixture_event,
    sandbox_request,
    settings,
)

from shoprelay.vendors.mytracker import translate
from shoprelay_tools.sandboxes.base import SandboxAnswer, SandboxRequest
from shoprelay_tools.sandboxes.mytracker import MyTrackerSandbox

SANDBOX = MyTrackerSandbox(app_id=APP_ID, token=TOKEN)


def answer_json(answer: SandboxAnswer) -> Any:
    return json.loads(answer.body)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_translated_request_is_accepted(name: str) -> None:
    build, shop_settings = SCENARIOS[name]
    requests = translate(build(), shop_settings).requests
    assert requests
    for request in requests:
        answer = SANDBOX.answer(sandbox_request(request))
        assert (answer.status, answer_json(answer), answer.headers.get("X-Sandbox-Reason")) == (
            200,
            {"message": "OK"},
            None,
        )


def valid_request() -> SandboxRequest:
    request = translate(fixture_event(TWELVE_LINES, "orders/create"), settings()).requests[0]
    return sandbox_request(request)


def with_body(request: SandboxRequest, body: Any) -> SandboxRequest:
    encoded = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return replace(request, body=encoded)


def edited(change: Any) -> SandboxRequest:
    """The valid request with its parsed body changed by ``change(body)``."""
    request = valid_request()
    body = json.loads(request.body)
    change(body)
    return with_body(request, body)


def refused(request: SandboxRequest) -> tuple[int, Any]:
    answer = SANDBOX.answer(request)
    return answer.status, answer_json(answer)


BAD_REQUEST = (400, {"error": "Bad Request"})
FORBIDDEN = (403, {"error": "Forbidden"})


def test_missing_token_is_forbidden() -> None:
    request = valid_request()
    headers = {k: v for k, v in request.headers.items() if k != "authorization"}
    assert refused(replace(request, headers=headers)) == FORBIDDEN


def test_bearer_token_is_forbidden() -> None:
    request = valid_request()
    assert refused(replace(request, headers={**request.headers, "authorization": f"Bearer {TOKEN}"})) == FORBIDDEN


def test_token_of_another_app_is_forbidden() -> None:
    assert refused(replace(valid_request(), query={"idApp": ["9999"]})) == FORBIDDEN


def test_empty_body() -> None:
    assert refused(with_body(valid_request(), b"")) == (400, {"error": "Empty post data"})


def test_invalid_json() -> None:
    assert refused(with_body(valid_request(), b'{"order": ')) == (400, {"error": "Bad json"})


def test_unknown_method_and_version() -> None:
    request = valid_request()
    assert refused(replace(request, path="/v1/orders/")) == (404, {"error": "Method not found"})
    assert refused(replace(request, path="/v2/order/")) == (400, {"error": "Bad api version"})


def test_oversize_body_is_a_bad_request() -> None:
    def pad(body: dict[str, Any]) -> None:
        body["order"]["items"][0]["item_name"] = "x" * (10 * 1024)

    request = edited(pad)
    assert len(request.body) > 10 * 1024
    assert refused(request) == BAD_REQUEST


def _drop_order_id(body: dict[str, Any]) -> None:
    del body["order"]["order_id"]


def _drop_items(body: dict[str, Any]) -> None:
    del body["order"]["items"]


def _empty_items(body: dict[str, Any]) -> None:
    body["order"]["items"] = []


def _drop_item_id(body: dict[str, Any]) -> None:
    del body["order"]["items"][3]["item_id"]


def _drop_item_name(body: dict[str, Any]) -> None:
    del body["order"]["items"][0]["item_name"]


def _short_lvid(body: dict[str, Any]) -> None:
    body["lvid"] = body["lvid"][:31]


def _no_identity(body: dict[str, Any]) -> None:
    del body["lvid"]


def _unknown_status(body: dict[str, Any]) -> None:
    body["order"]["status"] = "PAID"


def _float_quantity(body: dict[str, Any]) -> None:
    body["order"]["items"][0]["quantity"] = "1.5"


def _comma_price(body: dict[str, Any]) -> None:
    body["order"]["items"][0]["price"] = "5,90"


def _timestamp_before_2000(body: dict[str, Any]) -> None:
    body["eventTimestamp"] = "946673999"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_drop_order_id, "order.order_id: required"),
        (_drop_items, "order.items: required"),
        (_empty_items, "order.items: must be a non-empty array"),
        (_drop_item_id, "order.items[3].item_id: required"),
        (_drop_item_name, "order.items[0].item_name: required"),
        (_short_lvid, "lvid: must have exactly 32 characters"),
        (_no_identity, "needs customUserId and/or lvid"),
        (_unknown_status, "order.status: must be one of"),
        (_float_quantity, "order.items[0].quantity: must be a number without decimals"),
        (_comma_price, "order.items[0].price: must be a number"),
        (_timestamp_before_2000, "eventTimestamp: must be at least 946674000"),
    ],
)
def test_validation_errors_are_bad_requests(change: Any, reason: str) -> None:
    answer = SANDBOX.answer(edited(change))
    assert (answer.status, answer_json(answer)) == BAD_REQUEST
    assert reason in answer.headers["X-Sandbox-Reason"]


def flat_element() -> dict[str, Any]:
    """A valid ``order`` body written flat, the way the docs' ``orderBatch`` example is."""
    body = json.loads(valid_request().body)
    order = body.pop("order")
    order["items"] = order["items"][:1]
    return {**body, **order}


def test_batch_of_more_than_20_is_refused_and_20_accepted() -> None:
    batch = replace(valid_request(), path="/v1/orderBatch/")
    assert SANDBOX.answer(with_body(batch, [flat_element()] * 20)).status == 200
    assert refused(with_body(batch, [flat_element()] * 21)) == BAD_REQUEST


def test_one_bad_batch_element_fails_the_whole_batch() -> None:
    body = flat_element()
    broken = {k: v for k, v in body.items() if k != "order_id"}
    batch = replace(valid_request(), path="/v1/orderBatch/")
    answer = SANDBOX.answer(with_body(batch, [body, broken]))
    assert (answer.status, answer.headers["X-Sandbox-Reason"]) == (400, "[1].order_id: required")


def test_a_nested_order_in_a_batch_is_refused() -> None:
    body = json.loads(valid_request().body)
    batch = replace(valid_request(), path="/v1/orderBatch/")
    answer = SANDBOX.answer(with_body(batch, [body]))
    assert (answer.status, answer.headers["X-Sandbox-Reason"]) == (
        400,
        "[0].order: unknown field (batch elements are flat)",
    )


def test_docs_example_body_is_accepted() -> None:
    """The ADD example from MyTracker's page, as its curl sends it."""
    example = {
        "lvid": "00000000000000000000000000000000",
        "order": {
            "order_id": "000919", "currency_code": "USD", "status": "ADD", "action_ts": "1709317326",
            "coupon": "two-for-one",
            "items": [{
                "item_id": "00912", "item_name": "Apple", "affilation": "Gardens", "item_list_id": "5",
                "item_list_name": "Fruits", "price": "11.90", "discount": "2", "coupon": " two-for-one",
                "tax": "20", "index": "1", "item_brand": "Honey Crisp", "item_variant": "Green",
                "item_category1": "Foodstuffs", "item_category2": "Fruits", "item_category3": "Apples",
                "item_category4": "Sweet", "location_id": "Oregon", "quantity": "5",
            }],
        },
    }  # fmt: skip
    request = SandboxRequest(
        method="POST",
        path="/v1/order/",
        query={"idApp": [APP_ID]},
        headers={"content-type": "application/json", "authorization": TOKEN},
        body=json.dumps(example).encode(),
    )
    assert SANDBOX.answer(request).status == 200
