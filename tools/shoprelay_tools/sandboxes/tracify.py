"""Tracify sandbox: judges ``POST /api/v1/events`` the way Tracify's API does.

Written from Tracify's server-side events docs, its OpenAPI SDK models and public integrations,
independently of shoprelay's translator. Documented behaviour: ``200 {"status": true}`` for
accepted events and ``200 {"status": false, "error": "..."}`` for events Tracify refuses.
Tracify documents no status codes or bodies for a missing token, a wrong route or method, a
malformed or oversized body, so those answers (401, 404, 405, 415, 400, 413, each with a
``{"status": false, "error": ...}`` body) are this sandbox's plausible choice, and so are the
exact error texts. The size and batch limits are proposed defaults, not
Tracify's.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from shoprelay_tools.sandboxes.base import DemoAccount, SandboxAnswer, SandboxRequest

EVENTS_PATH = "/api/v1/events"
MAX_BODY_BYTES = 256 * 1024
MAX_EVENTS = 50
EVENT_TYPES = frozenset({"pageview", "productview", "addtocart", "purchase", "conversion", "postpurchasesurvey"})
IDENTITY_CLASSES = frozenset({1, 2, 3, 4})
REQUIRED_IDENTITY_CLASSES = frozenset({3, 4})
"""The docs call the IP (3) and user agent (4) hashes required; email (1) and session (2) optional."""

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_AMOUNT = re.compile(r"^\d+([.,]\d{1,2})?$")
"""Two decimals at most, comma or dot: the docs example sends "100.00" and "25", the plugin "100,00"."""
_QUANTITY = re.compile(r"^\d+$")
_ITEM_KEY = re.compile(r"^(ITEM|AMT|QTY)([1-9]\d*)$")
_ORIGIN = re.compile(r"^https?://[^/?#\s]+$")

_REQUIRED_DATA: dict[str, tuple[str, ...]] = {
    "purchase": ("order_id", "currency", "amount"),
    "conversion": ("conversion_id", "currency"),
    "postpurchasesurvey": ("order_id", "source"),
}


class EventRefusedError(ValueError):
    """One event breaks Tracify's rules; the message is the error Tracify would report."""


class TracifySandbox:
    """Stands in for ``https://api.tracify.ai`` below the sandbox prefix."""

    name = "tracify"

    def __init__(self, api_key: str, customer_site_id: str | None = None) -> None:
        self.api_key = api_key
        self.customer_site_id = customer_site_id
        """When given, events for any other site are refused (a key belongs to one account)."""

    def answer(self, request: SandboxRequest) -> SandboxAnswer:
        refusal = self._request_refusal(request)
        if refusal is not None:
            return refusal
        try:
            payload = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _refusal(400, "body is not valid JSON")
        try:
            self._check_payload(payload)
        except EventRefusedError as error:
            return SandboxAnswer.json(200, {"status": False, "error": str(error)})
        return SandboxAnswer.json(200, {"status": True})

    def _request_refusal(self, request: SandboxRequest) -> SandboxAnswer | None:
        """Everything refused before the body is read is an HTTP error, not a ``status: false``."""
        if request.path.rstrip("/") != EVENTS_PATH:
            return _refusal(404, f"no route {request.path}")
        if request.method != "POST":
            return _refusal(405, f"method {request.method} not allowed")
        if request.headers.get("tracify-token") != self.api_key:
            return _refusal(401, "missing or invalid tracify-token")
        if not request.headers.get("content-type", "").lower().startswith("application/json"):
            return _refusal(415, "content type must be application/json")
        if len(request.body) > MAX_BODY_BYTES:
            return _refusal(413, f"body larger than {MAX_BODY_BYTES} bytes")
        return None

    def _check_payload(self, payload: Any) -> None:
        if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
            raise EventRefusedError("body must be an object with an events list")
        events = payload["events"]
        if not events:
            raise EventRefusedError("events must not be empty")
        if len(events) > MAX_EVENTS:
            raise EventRefusedError(f"at most {MAX_EVENTS} events per request")
        for index, event in enumerate(events):
            self._check_event(event, f"events[{index}]")

    def _check_event(self, event: Any, where: str) -> None:
        if not isinstance(event, dict):
            raise EventRefusedError(f"{where} must be an object")
        url = event.get("url")
        if not isinstance(url, str) or len(url) < 7:
            raise EventRefusedError(f"{where}.url must be a string of at least 7 characters")
        site = event.get("customer_site_id")
        if not isinstance(site, str) or not _UUID.match(site):
            raise EventRefusedError(f"{where}.customer_site_id must be a UUID")
        if self.customer_site_id is not None and site != self.customer_site_id:
            raise EventRefusedError(f"{where}.customer_site_id does not belong to this API key")
        _check_identity(event.get("identity_data"), f"{where}.identity_data")
        if "datetime" in event:
            _check_datetime(event["datetime"], f"{where}.datetime")
        kind = event.get("type")
        if kind not in EVENT_TYPES:
            raise EventRefusedError(f"{where}.type must be one of {', '.join(sorted(EVENT_TYPES))}")
        _check_data(event.get("data"), kind, f"{where}.data")


def _check_identity(identity: Any, where: str) -> None:
    if not isinstance(identity, dict) or not identity:
        raise EventRefusedError(f"{where} must be a non-empty object")
    for key, value in identity.items():
        if not _SHA256_HEX.match(key):
            raise EventRefusedError(f"{where} keys must be lowercase SHA-256 hex digests")
        if type(value) is not int or value not in IDENTITY_CLASSES:
            raise EventRefusedError(f"{where} values must be 1, 2, 3 or 4")
    missing = REQUIRED_IDENTITY_CLASSES - set(identity.values())
    if missing:
        raise EventRefusedError(f"{where} lacks required classes {sorted(missing)}")


def _check_datetime(value: Any, where: str) -> None:
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise EventRefusedError(f"{where} must be formatted %Y-%m-%d %H:%M:%S")
    try:  # the shape is right; now the calendar (naive on purpose: Tracify's datetimes are UTC)
        datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise EventRefusedError(f"{where} is not a real date and time") from None


def _check_data(data: Any, kind: str, where: str) -> None:
    if not isinstance(data, dict):
        raise EventRefusedError(f"{where} must be an object")
    origin = data.get("origin")
    if not isinstance(origin, str) or not _ORIGIN.match(origin):
        raise EventRefusedError(f"{where}.origin is required (scheme and host of the website)")
    for field in _REQUIRED_DATA.get(kind, ()):
        if not data.get(field):
            raise EventRefusedError(f"{where}.{field} is required for {kind} events")
    _check_values(data, where)
    _check_items(data, where)


def _check_values(data: dict[str, Any], where: str) -> None:
    for key, value in data.items():
        if not isinstance(value, str):
            raise EventRefusedError(f"{where}.{key} must be a string")
    for key in ("currency", "cc"):
        if key in data and not _CURRENCY.match(data[key]):
            raise EventRefusedError(f"{where}.{key} must be an ISO 4217 code")
    for key in ("amount", "value"):
        if key in data and not _AMOUNT.match(data[key]):
            raise EventRefusedError(f"{where}.{key} must be an amount with at most 2 decimals")


def _check_items(data: dict[str, str], where: str) -> None:
    for key, value in data.items():
        match = _ITEM_KEY.match(key)
        if match is None:
            continue
        prefix = match.group(1)
        if prefix == "AMT" and not _AMOUNT.match(value):
            raise EventRefusedError(f"{where}.{key} must be an amount with at most 2 decimals")
        if prefix == "QTY" and not _QUANTITY.match(value):
            raise EventRefusedError(f"{where}.{key} must be a whole number")


def _refusal(status: int, error: str) -> SandboxAnswer:
    """An answer Tracify does not document; shaped like its documented refusal body."""
    return SandboxAnswer.json(status, {"status": False, "error": error})


DEMO = DemoAccount(
    settings={
        "api_key": "demo-tracify-api-key",
        "customer_site_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "storefront_origin": "https://demo-shop.example",
    },
    sandbox=lambda: TracifySandbox(
        api_key="demo-tracify-api-key", customer_site_id="0f8fad5b-d9cb-469f-a165-70867728950e"
    ),
)
"""The demo shop's tracify account (local-only, made-up credentials)."""
