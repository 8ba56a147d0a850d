"""A stand-in for a Corvidae tracking subdomain's back-end ingress pixel (``GET /i``).

Written from Corvidae's "Sending offline events from your back-end services" page alone,
independently of shoprelay's translator. Corvidae documents NO status codes or error
bodies, so every answer below is our choice, picked to be plausible:

* 200 with a 1x1 transparent GIF for a hit it takes (what tracking pixels answer);
* 400 with a short text for a missing or malformed required parameter;
* 403 for an ``appId`` this account does not know;
* 404 for any path but ``/i``; 405 (with ``Allow: GET``) for any method but GET.

Repeated ``eventID`` values are answered 200, like the first: the docs say repeats are
deduplicated and ignored, not refused. ``transactions`` keeps the hits it counted once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from shoprelay_tools.sandboxes.base import DemoAccount, SandboxAnswer, SandboxRequest

PIXEL_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
    b"!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)

# Milliseconds since 1970 have 13 digits from 2001 to 2286; seconds have 10.
_MILLISECONDS = re.compile(r"^[1-9]\d{12}$")
_DOT_DECIMAL = re.compile(r"^-?\d+(?:\.\d+)?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")

# Fixed values the docs give for a server-side transaction hit.
_FIXED = {"event": "tr", "trackerVersion": "na", "platform": "server"}
_REQUIRED_TEXT = ("eventID", "digitalProperty", "conversionName")
_OPTIONAL_AMOUNTS = ("tax", "shipping")


class CorvidaeSandbox:
    """Judges hits for one Corvidae account, identified by its ``appId``."""

    name = "corvidae"

    def __init__(self, app_id: str, digital_property: str | None = None, conversion_name: str | None = None) -> None:
        self.app_id = app_id
        self.digital_property = digital_property
        """When set, hits for another property are refused, as an unconfigured property would be."""
        self.conversion_name = conversion_name
        self.transactions: dict[str, dict[str, str]] = {}
        """Hits taken, by ``eventID``; a repeated id does not replace the first."""

    def answer(self, request: SandboxRequest) -> SandboxAnswer:
        refusal = _shape_refusal(request)
        if refusal is not None:
            return refusal
        params, problem = _single_values(request.query)
        refusal = self._params_refusal(params, problem)
        if refusal is not None:
            return refusal
        self.transactions.setdefault(params["eventID"], params)
        return SandboxAnswer(200, PIXEL_GIF, {"Content-Type": "image/gif", "Cache-Control": "no-store"})

    def _params_refusal(self, params: Mapping[str, str], problem: str | None) -> SandboxAnswer | None:
        """The account is checked before the hit, so an unknown ``appId`` is a 403 whatever it carries."""
        if problem:
            return SandboxAnswer.text(400, problem)
        if not params.get("appId"):
            return SandboxAnswer.text(400, "missing parameter: appId")
        if params["appId"] != self.app_id:
            return SandboxAnswer.text(403, "unknown appId")
        problem = _first_problem(params) or self._account_problem(params)
        return SandboxAnswer.text(400, problem) if problem else None

    def _account_problem(self, params: Mapping[str, str]) -> str | None:
        if self.digital_property is not None and params["digitalProperty"] != self.digital_property:
            return "unknown digitalProperty"
        if self.conversion_name is not None and params["conversionName"] != self.conversion_name:
            return "unknown conversionName"
        return None


def _shape_refusal(request: SandboxRequest) -> SandboxAnswer | None:
    """Method, path and body are judged before any parameter, as a pixel endpoint would."""
    if request.method.upper() != "GET":
        return SandboxAnswer(405, b"method not allowed: use GET", {"Allow": "GET", "Content-Type": "text/plain"})
    if request.path != "/i":
        return SandboxAnswer.text(404, f"not found: {request.path}")
    if request.body:
        return SandboxAnswer.text(400, "a hit carries its data in the query string, not a body")
    return None


def _single_values(query: Mapping[str, list[str]]) -> tuple[dict[str, str], str | None]:
    params: dict[str, str] = {}
    for key, values in query.items():
        if len(values) != 1:
            return {}, f"parameter given more than once: {key}"
        params[key] = values[0]
    return params, None


def _first_problem(params: Mapping[str, str]) -> str | None:
    """The first thing wrong with a transaction hit, in the docs' parameter order."""
    return (
        _timestamp_problem(params)
        or _fixed_problem(params)
        or _character_set_problem(params)
        or _missing_text_problem(params)
        or _transaction_problem(params)
    )


def _timestamp_problem(params: Mapping[str, str]) -> str | None:
    timestamp = params.get("timestamp")
    if not timestamp:
        return "missing parameter: timestamp"
    if not _MILLISECONDS.fullmatch(timestamp):
        return "invalid timestamp: expected UTC epoch milliseconds"
    return None


def _fixed_problem(params: Mapping[str, str]) -> str | None:
    for key, expected in _FIXED.items():
        if key not in params:
            return f"missing parameter: {key}"
        if params[key] != expected:
            return f"invalid {key}: expected {expected}"
    return None


def _character_set_problem(params: Mapping[str, str]) -> str | None:
    if params.get("characterSet", "UTF-8").upper() not in {"UTF-8", "UTF8"}:
        return "invalid characterSet: expected UTF-8"
    return None


def _missing_text_problem(params: Mapping[str, str]) -> str | None:
    return next((f"missing parameter: {key}" for key in _REQUIRED_TEXT if not params.get(key)), None)


def _transaction_problem(params: Mapping[str, str]) -> str | None:
    return _transaction_id_problem(params) or _currency_problem(params) or _amount_problem(params)


def _transaction_id_problem(params: Mapping[str, str]) -> str | None:
    transaction_id, order_id = params.get("transactionId"), params.get("orderId")
    if not (transaction_id or order_id):
        return "missing parameter: transactionId"
    if transaction_id and order_id and transaction_id != order_id:
        return "transactionId and orderId differ"
    return None


def _currency_problem(params: Mapping[str, str]) -> str | None:
    if not params.get("currency"):
        return "missing parameter: currency"
    if not _CURRENCY.fullmatch(params["currency"]):
        return "invalid currency: expected an ISO 4217 code such as GBP"
    return None


def _amount_problem(params: Mapping[str, str]) -> str | None:
    if not params.get("revenue"):
        return "missing parameter: revenue"
    for key in ("revenue", *_OPTIONAL_AMOUNTS):
        if key in params and not _DOT_DECIMAL.fullmatch(params[key]):
            return f"invalid {key}: expected a decimal with a dot, such as 1000.99"
    return None


DEMO = DemoAccount(
    settings={
        "app_id": "demo-corvidae-app",
        "tracking_host": "corvidae.demo-shop.example",
        "digital_property": "demo-shop",
    },
    sandbox=lambda: CorvidaeSandbox(app_id="demo-corvidae-app", digital_property="demo-shop"),
)
"""The demo shop's corvidae account (local-only, made-up credentials)."""
