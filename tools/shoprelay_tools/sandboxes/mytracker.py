"""A local MyTracker S2S API (``/v1/order/`` and ``/v1/orderBatch/``) that judges like the docs.

Written from MyTracker's "Import Ecomm events" page, not from shoprelay's translator, so that
the two readings check each other. Answers use the documented codes and bodies only:
200 ``{"message": "OK"}``; 400 ``Bad Request`` / ``Empty post data`` / ``Bad json`` /
``Bad api version``; 403 ``Forbidden``; 404 ``Method not found``. Each refusal also says
why in an ``X-Sandbox-Reason`` header (the real API does not), so a failing test explains
itself.

Where the docs are silent this sandbox picks, and says so:
* over 10 KB (the documented import limit, read as 10,000 bytes): 400 ``Bad Request``,
  the documented validation error, since no size error is documented;
* ``orderBatch`` elements are flat, as the documented batch example is: the order's fields
  beside the identity and context fields, no ``order`` object; each still needs an identity,
  which the ``order`` method requires;
* a method other than POST: 404 ``Method not found``;
* a content type other than JSON: 400 ``Bad Request``;
* unknown fields: 400 ``Bad Request``. Stricter than MyTracker is likely to be, to catch
  misspelt fields; the docs' own example spelling ``affilation`` is accepted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shoprelay_tools.sandboxes.base import DemoAccount, SandboxAnswer, SandboxRequest

MAX_BODY_BYTES = 10_000
MAX_BATCH = 20
STATUSES = frozenset({"ADD", "PAY", "CANCEL", "REFUND"})

_PATH = re.compile(r"^/v(?P<version>[^/]+)/(?P<method>[^/]+)/?$")
_DIGITS = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class RefusedError(Exception):
    """A request the sandbox answers with a documented error body."""

    def __init__(self, status: int, error: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.error = error
        self.reason = reason


def _bad(reason: str) -> RefusedError:
    return RefusedError(400, "Bad Request", reason)


# Field checks: each takes the value and returns a problem, or None when it is acceptable.
type Check = Callable[[Any], str | None]


def _string(max_length: int | None = None, exact: int | None = None, required: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return "must be a string"
        if required and not value.strip():
            return "must not be empty"
        if exact is not None and len(value) != exact:
            return f"must have exactly {exact} characters"
        if max_length is not None and len(value) > max_length:
            return f"must have at most {max_length} characters"
        return None

    return check


def _number(low: int | None = None, high: int | None = None, integer: bool = False) -> Check:
    """Numbers may come as JSON numbers or as numeric strings, as every doc example sends them."""

    def check(value: Any) -> str | None:
        try:
            number = _numeric(value, integer)
        except NotANumberError as error:
            return str(error)
        if low is not None and number < low:
            return f"must be at least {low}"
        if high is not None and number > high:
            return f"must be at most {high}"
        return None

    return check


class NotANumberError(ValueError):
    """A field that should hold a number does not; the message is the problem to report."""


def _numeric(value: Any, integer: bool) -> float:
    if isinstance(value, bool):
        raise NotANumberError("must be a number")
    if isinstance(value, str):
        if not (_DIGITS if integer else _DECIMAL).match(value):
            raise NotANumberError("must be a number" + (" without decimals" if integer else ""))
        return float(value)
    if isinstance(value, int | float):
        if integer and not float(value).is_integer():
            raise NotANumberError("must be an integer")
        return float(value)
    raise NotANumberError("must be a number")


def _one_of(*values: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in values else f"must be one of {', '.join(values)}"

    return check


def _currency(value: Any) -> str | None:
    return None if isinstance(value, str) and _CURRENCY.match(value) else "must be a three-letter ISO 4217 code"


_IDENTITY_FIELDS: dict[str, Check] = {
    "customUserId": _string(max_length=1024, required=True),
    "lvid": _string(exact=32),
    "instanceId": _string(exact=36),
    "gaid": _string(exact=36),
    "appSetId": _string(exact=36),
    "idfa": _string(exact=36),
    "iosVendorId": _string(exact=36),
    "androidId": _string(exact=16),
}
_CONTEXT_FIELDS: dict[str, Check] = {
    "eventTimestamp": _number(946674000, 4294967295, integer=True),
    "ipv4": _string(max_length=15),
    "ipv6": _string(max_length=45),
    "idGender": _number(0, 2, integer=True),
    "age": _number(0, 128, integer=True),
    "connectionType": _number(0, 2, integer=True),
    "bluetoothEnabled": _number(0, 2, integer=True),
    "adTrackingEnabled": _number(0, 1, integer=True),
    "adBlocker": _number(0, 1, integer=True),
    "userAgent": _string(max_length=2048),
}
_ORDER_FIELDS: dict[str, Check] = {
    "order_id": _string(required=True),
    "status": _one_of(*sorted(STATUSES)),
    "currency_code": _currency,
    "action_id": _string(),
    "action_ts": _number(0, 4294967295, integer=True),
    "coupon": _string(),
}
_ITEM_FIELDS: dict[str, Check] = {
    "item_id": _string(required=True),
    "item_name": _string(required=True),
    "affiliation": _string(),
    "affilation": _string(),
    "price": _number(),
    "discount": _number(),
    "coupon": _string(),
    "tax": _number(1, 100),
    "index": _number(integer=True),
    "item_brand": _string(),
    "item_variant": _string(),
    "item_list_id": _string(),
    "item_list_name": _string(),
    "item_category1": _string(),
    "item_category2": _string(),
    "item_category3": _string(),
    "item_category4": _string(),
    "location_id": _string(),
    "quantity": _number(0, integer=True),
}
_REQUIRED_ORDER = ("order_id", "items")
_REQUIRED_ITEM = ("item_id", "item_name")


def _check_fields(where: str, given: Mapping[str, Any], checks: Mapping[str, Check]) -> None:
    for name, value in given.items():
        check = checks.get(name)
        if check is None:
            raise _bad(f"{where}{name}: unknown field")
        problem = check(value)
        if problem:
            raise _bad(f"{where}{name}: {problem}")


def _check_items(items: Any) -> None:
    if not isinstance(items, list) or not items:
        raise _bad("order.items: must be a non-empty array")
    for index, item in enumerate(items):
        where = f"order.items[{index}]."
        if not isinstance(item, dict):
            raise _bad(f"{where[:-1]}: must be an object")
        for name in _REQUIRED_ITEM:
            if name not in item:
                raise _bad(f"{where}{name}: required")
        _check_fields(where, item, _ITEM_FIELDS)


def check_order_parameters(params: Any, where: str = "") -> None:
    """One parameter set of the ``order`` method: identity, context and the ``order`` object."""
    if not isinstance(params, dict):
        raise _bad(f"{where.rstrip('.') or 'body'}: must be a JSON object")
    order = params.get("order")
    top = {name: value for name, value in params.items() if name != "order"}
    _check_fields(where, top, {**_IDENTITY_FIELDS, **_CONTEXT_FIELDS})
    if not any(name in params for name in _IDENTITY_FIELDS):
        raise _bad(f"{where.rstrip('.') or 'body'}: needs customUserId and/or lvid (or a mobile device id)")
    if not isinstance(order, dict):
        raise _bad(f"{where}order: required object")
    for name in _REQUIRED_ORDER:
        if name not in order:
            raise _bad(f"{where}order.{name}: required")
    _check_fields(f"{where}order.", {k: v for k, v in order.items() if k != "items"}, _ORDER_FIELDS)
    _check_items(order["items"])


def _check_batch(params: Any) -> None:
    if not isinstance(params, list) or not params:
        raise _bad("body: orderBatch takes a non-empty JSON array")
    if len(params) > MAX_BATCH:
        raise _bad(f"body: orderBatch takes at most {MAX_BATCH} elements, got {len(params)}")
    for index, element in enumerate(params):
        check_batch_element(element, f"[{index}].")


def check_batch_element(params: Any, where: str) -> None:
    """One ``orderBatch`` element: identity, context and the order's fields, all at the top."""
    if not isinstance(params, dict):
        raise _bad(f"{where.rstrip('.')}: must be a JSON object")
    if "order" in params:
        raise _bad(f"{where}order: unknown field (batch elements are flat)")
    for name in _REQUIRED_ORDER:
        if name not in params:
            raise _bad(f"{where}{name}: required")
    top = {name: value for name, value in params.items() if name != "items"}
    _check_fields(where, top, {**_IDENTITY_FIELDS, **_CONTEXT_FIELDS, **_ORDER_FIELDS})
    if not any(name in params for name in _IDENTITY_FIELDS):
        raise _bad(f"{where.rstrip('.')}: needs customUserId and/or lvid (or a mobile device id)")
    _check_items(params["items"])


_METHODS: dict[str, Callable[[Any], None]] = {"order": check_order_parameters, "orderBatch": _check_batch}


@dataclass
class MyTrackerSandbox:
    """MyTracker for one project: requests must carry this ``idApp`` and this S2S token."""

    app_id: str
    token: str
    name: str = "mytracker"

    def answer(self, request: SandboxRequest) -> SandboxAnswer:
        try:
            self._judge(request)
        except RefusedError as refused:
            return SandboxAnswer.json(refused.status, {"error": refused.error}, {"X-Sandbox-Reason": refused.reason})
        # The docs print the message with a Cyrillic capital O (U+041E); clients compare a Latin "OK".
        return SandboxAnswer.json(200, {"message": "OK"})

    def _judge(self, request: SandboxRequest) -> None:
        match = _PATH.match(request.path)
        if match is None:
            raise RefusedError(404, "Method not found", f"no API method at {request.path}")
        if match["version"] != "1":
            raise RefusedError(400, "Bad api version", f"API version {match['version']!r} is not supported")
        check = _METHODS.get(match["method"])
        if check is None or request.method.upper() != "POST":
            raise RefusedError(404, "Method not found", f"{request.method} {match['method']} is not an API method")
        if request.query.get("idApp", [""])[0] != self.app_id:
            raise RefusedError(403, "Forbidden", "idApp is missing or is not this project")
        if request.headers.get("authorization") != self.token:
            raise RefusedError(403, "Forbidden", "Authorization is not this project's raw S2S token")
        if not request.body.strip():
            raise RefusedError(400, "Empty post data", "the body is empty")
        if len(request.body) > MAX_BODY_BYTES:
            raise _bad(f"the body is {len(request.body)} bytes, over the {MAX_BODY_BYTES}-byte import limit")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise _bad(f"content type {content_type or 'missing'!r} is not application/json")
        try:
            params = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise RefusedError(400, "Bad json", "the body is not valid UTF-8 JSON") from None
        check(params)


DEMO = DemoAccount(
    settings={"app_id": "123456", "api_token": "demo-mytracker-s2s-token"},
    sandbox=lambda: MyTrackerSandbox(app_id="123456", token="demo-mytracker-s2s-token"),  # noqa: S106 - local demo
)
"""The demo shop's mytracker account (local-only, made-up credentials)."""
