"""How to read Tracify's answer.

Tracify answers ``200 {"status": true}`` when it took the events and ``200 {"status": false,
"error": "…"}`` when it refused them, so the HTTP status alone would call a refusal delivered.
A refusal is permanent (the same body would be refused again) unless its text reads like a
passing server problem. A 2xx without a readable ``status`` is retried: Tracify ignores an
``order_id`` it has already recorded, so a retry can never count a purchase twice, while
calling it delivered could lose one without anybody noticing. For the same reason a refusal
that says the id is already recorded means the purchase is there: a retry after a lost answer
(or a second publish of the same event) must not end in the dead-letter queue.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from shoprelay.vendors.base import ResponseReading, Verdict, error_text, read_http_status

TRANSIENT_ERROR = re.compile(
    r"time(d)?[ -]?out|temporar|unavailable|try again|retry|rate.?limit|too many|overload|busy|"
    r"internal( server)? error|database|connection|maintenance",
    re.IGNORECASE,
)
"""Wording of refusals that another attempt later can fix (Tracify documents no error list)."""

ALREADY_RECORDED = re.compile(
    r"already (been )?(exists?|recorded|received|tracked|processed|seen)|duplicate|not unique|must be unique",
    re.IGNORECASE,
)
"""Wording of a refusal of an ``order_id`` or ``conversion_id`` Tracify has already taken."""


def read_response(status: int, headers: Mapping[str, str], body: bytes) -> ResponseReading:
    """Delivered only on 2xx with ``status: true``; other statuses as every vendor reads them."""
    if not 200 <= status < 300:
        return read_http_status(status, headers, body)
    answer = _json_object(body)
    accepted = answer.get("status") if answer is not None else None
    if accepted is True:
        return ResponseReading(Verdict.DELIVERED)
    if accepted is False:
        message = error_text(body) if answer and answer.get("error") else ""
        message = message or "Tracify answered status false without an error text"
        if ALREADY_RECORDED.search(message):
            return ResponseReading(Verdict.DELIVERED)
        verdict = Verdict.RETRYABLE if TRANSIENT_ERROR.search(message) else Verdict.PERMANENT
        return ResponseReading(verdict, message)
    shown = error_text(body) or "an empty body"
    return ResponseReading(Verdict.RETRYABLE, f"HTTP {status} without a Tracify status: {shown}")


def _json_object(body: bytes) -> dict[str, object] | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
