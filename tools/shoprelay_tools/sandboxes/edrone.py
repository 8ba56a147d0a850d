"""A local edrone Trace API that judges server-side traces the way edrone documents them.

Documented (docs.edrone.me, Trace API): ``POST /trace`` with form fields; ``app_id`` and
``action_type`` always required, ``sender_type=server`` for backend traces; success is HTTP 200
with an ``x-edrone-event-id`` header; errors are HTTP 400 with ``{"error": "<message>"}``, e.g.
``{"error": "Missing required field: app_id"}``. Products travel as ``|``-separated lists in
one order, category levels as ``~``-joined paths, ``event_utc_date`` as ``YYYY-MM-DD HH:MM:SS``.

Orders are deduplicated by ``order_id``: a repeat is answered 200 like the first and ignored,
as the docs' "No duplicates" note says. ``orders`` keeps the first ``order`` trace of each.

Not documented, chosen here and marked where used: the per-action required fields (what an
order, a cancellation or a subscription cannot do without), the answer to an unknown App ID,
wrong methods, paths and content types, and the body size limit. This module is a second,
independent reading of the docs: it deliberately shares no code with shoprelay's translator.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import parse_qs

from shoprelay_tools.sandboxes.base import DemoAccount, SandboxAnswer, SandboxRequest

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
TRACE_PATHS = frozenset({"/trace", "/trace.php"})
"""``/trace.php`` is the older path that edrone's platform modules still post to."""
MAX_BODY_BYTES = 64 * 1024
"""Undocumented: a common form-body limit for web front ends, answered with 413 below."""

_ACTIONS_REQUIRING: dict[str, tuple[str, ...]] = {
    # Undocumented ("Required Fields" page unavailable): the fields each action cannot do without.
    "order": (
        "order_id",
        "email",
        "order_currency",
        "order_payment_value",
        "product_ids",
        "product_titles",
        "product_counts",
    ),
    "order_cancel": ("order_id", "email"),
    "subscribe": ("email", "subscriber_status"),
}
_PRODUCT_LISTS = (
    "product_ids",
    "product_skus",
    "product_titles",
    "product_images",
    "product_urls",
    "product_counts",
    "product_availability",
    "product_category_ids",
    "product_category_names",
)
_ORDER_STATUSES = frozenset({"placed", "paid", "delivered", "cancelled"})
_ZERO_DECIMAL = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "UYI",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
_THREE_DECIMAL = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
_CURRENCY = re.compile(r"[A-Z]{3}")
_AMOUNT = re.compile(r"\d+(?:\.(\d+))?")
_COUNT = re.compile(r"[1-9]\d*")
_FLAG = re.compile(r"[01]")
_COUNTRY = re.compile(r"[A-Z]{2}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_UTC_DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_UTC_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


class TraceRejectedError(ValueError):
    """A trace edrone would refuse; the message is the ``error`` text of its 400 answer."""


class EdroneSandbox:
    """Accepts traces for one App ID; construct it with the App ID the shop's settings hold."""

    name = "edrone"

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self._serial = itertools.count(1)
        self.orders: dict[str, dict[str, str]] = {}

    def answer(self, request: SandboxRequest) -> SandboxAnswer:
        if request.path not in TRACE_PATHS:
            return SandboxAnswer.json(404, {"error": "Not found"})  # undocumented
        if request.method != "POST":
            return SandboxAnswer.json(405, {"error": "Method not allowed"})  # undocumented
        if len(request.body) > MAX_BODY_BYTES:
            return SandboxAnswer.json(413, {"error": "Request entity too large"})  # undocumented
        try:
            fields = _form_fields(request)
            _check_trace(fields, self.app_id)
        except TraceRejectedError as error:
            return SandboxAnswer.json(400, {"error": str(error)})
        if fields["action_type"] == "order":
            self.orders.setdefault(fields["order_id"], fields)
        event_id = f"{next(self._serial):06d}-{uuid.uuid4()}"
        return SandboxAnswer(200, b"", {"x-edrone-event-id": event_id})


def _form_fields(request: SandboxRequest) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_CONTENT_TYPE:
        # Undocumented: edrone only documents 400, so a non-form body gets one.
        raise TraceRejectedError(f"Unsupported content type: {content_type or 'none'}")
    try:
        text = request.body.decode("ascii")
        parsed = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise TraceRejectedError("Malformed form body") from None
    repeated = sorted(name for name, values in parsed.items() if len(values) > 1)
    if repeated:
        raise TraceRejectedError(f"Duplicate field: {repeated[0]}")
    return {name: values[0] for name, values in parsed.items()}


def _check_trace(fields: Mapping[str, str], app_id: str) -> None:
    for name in ("app_id", "action_type"):
        _require(fields, name)
    if fields["app_id"] != app_id:
        raise TraceRejectedError("Invalid app_id")  # undocumented wording
    action = fields["action_type"]
    required = _ACTIONS_REQUIRING.get(action)
    if required is None:
        raise TraceRejectedError(f"Unsupported action_type for server traces: {action}")
    _require(fields, "sender_type")
    if fields["sender_type"] != "server":
        raise TraceRejectedError("Invalid sender_type: server traces must send sender_type=server")
    for name in required:
        _require(fields, name)
    for name, check in _FIELD_CHECKS.items():
        if name in fields:
            check(fields, name)
    if action == "order":
        _check_products(fields)


def _require(fields: Mapping[str, str], name: str) -> None:
    if not fields.get(name, "").strip():
        raise TraceRejectedError(f"Missing required field: {name}")


def _matching(pattern: re.Pattern[str], what: str) -> Callable[[Mapping[str, str], str], None]:
    def check(fields: Mapping[str, str], name: str) -> None:
        if not pattern.fullmatch(fields[name]):
            raise TraceRejectedError(f"Invalid {name}: expected {what}")

    return check


def _utc_date(fields: Mapping[str, str], name: str) -> None:
    """Zero-padded and a real calendar moment; the value is UTC by definition, so no zone."""
    value = fields[name]
    try:
        valid = bool(_UTC_DATE.fullmatch(value)) and bool(datetime.strptime(value, _UTC_DATE_FORMAT))
    except ValueError:
        valid = False
    if not valid:
        raise TraceRejectedError(f"Invalid {name}: expected YYYY-MM-DD HH:MM:SS")


def _order_status(fields: Mapping[str, str], name: str) -> None:
    if fields[name] not in _ORDER_STATUSES:
        raise TraceRejectedError(f"Invalid {name}: expected one of {', '.join(sorted(_ORDER_STATUSES))}")


def _amount_for(currency_field: str) -> Callable[[Mapping[str, str], str], None]:
    """A dot-decimal amount with no more decimals than its currency has."""

    def check(fields: Mapping[str, str], name: str) -> None:
        match = _AMOUNT.fullmatch(fields[name])
        if match is None:
            raise TraceRejectedError(f"Invalid {name}: expected a decimal with a dot")
        currency = fields.get(currency_field, "")
        places = 0 if currency in _ZERO_DECIMAL else 3 if currency in _THREE_DECIMAL else 2
        if len(match.group(1) or "") > places:
            raise TraceRejectedError(f"Invalid {name}: {currency} has {places} decimal places")

    return check


_FIELD_CHECKS: dict[str, Callable[[Mapping[str, str], str], None]] = {
    "email": _matching(_EMAIL, "an email address"),
    "country": _matching(_COUNTRY, "an ISO 3166-1 alpha-2 code"),
    "subscriber_status": _matching(_FLAG, "1 or 0"),
    "sms_subscriber_status": _matching(_FLAG, "1 or 0"),
    "base_currency": _matching(_CURRENCY, "an ISO 4217 code"),
    "order_currency": _matching(_CURRENCY, "an ISO 4217 code"),
    "base_payment_value": _amount_for("base_currency"),
    "order_payment_value": _amount_for("order_currency"),
    "order_status": _order_status,
    "event_utc_date": _utc_date,
}


def _check_products(fields: Mapping[str, str]) -> None:
    """Every product list has one entry per product id, so entries line up across lists."""
    if ("base_currency" in fields) != ("base_payment_value" in fields):
        raise TraceRejectedError("Missing required field: base_currency and base_payment_value go together")
    expected = len(fields["product_ids"].split("|"))
    lists = {name: fields[name].split("|") for name in _PRODUCT_LISTS if name in fields}
    for name, entries in lists.items():
        if len(entries) != expected:
            raise TraceRejectedError(f"Invalid {name}: {len(entries)} entries for {expected} products")
    # An empty id is a custom item (no product in the shop's catalogue): edrone documents no
    # rule against it, and the title, SKU and count beside it still describe the product.
    if not all(_COUNT.fullmatch(count) for count in lists["product_counts"]):
        raise TraceRejectedError("Invalid product_counts: expected positive integers")
    if not all(_FLAG.fullmatch(flag) for flag in lists.get("product_availability", ())):
        raise TraceRejectedError("Invalid product_availability: expected 1 or 0")
    ids, names = lists.get("product_category_ids"), lists.get("product_category_names")
    if ids is not None and names is not None:
        for category_ids, category_names in zip(ids, names, strict=True):
            if len(category_ids.split("~")) != len(category_names.split("~")):
                raise TraceRejectedError("Invalid product_category_names: levels differ from product_category_ids")


DEMO = DemoAccount(
    settings={"app_id": "demo-edrone-app"},
    sandbox=lambda: EdroneSandbox(app_id="demo-edrone-app"),
)
"""The demo shop's edrone account (local-only, made-up credentials)."""
