"""How to read eSputnik's answers.

Two answers mean something other than their HTTP status says:

* "Duplicated request": eSputnik refuses a body identical to the one just before it with a
  400 whose JSON ``message`` is exactly that text. The first one was taken, so this is
  delivered, not an error (Yespo's own apps treat it so). Only that answer counts: the words
  inside any other status, inside a page that is not JSON, or inside a longer message (a
  400 echoing a field value that happens to contain them) are read as what they are.
* Add orders answers 200 even when it rejects orders, listing them in ``failedOrders``.
  The same order would be rejected again, so that is a permanent failure with eSputnik's
  own words, never a silent success.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from shoprelay.vendors.base import ResponseReading, Verdict, read_http_status

DUPLICATED_REQUEST = "Duplicated request"
DUPLICATE_STATUS = 400
_ERROR_TEXT_LIMIT = 500


def read_response(status: int, headers: Mapping[str, str], body: bytes) -> ResponseReading:
    """Delivered on 2xx without failed orders, or on eSputnik's duplicate answer; else by status."""
    if status == DUPLICATE_STATUS and is_duplicate_answer(body):
        return ResponseReading(Verdict.DELIVERED)
    if 200 <= status < 300:
        failed = _failed_orders(body)
        if failed:
            shown = json.dumps(failed, ensure_ascii=False, separators=(",", ":"))
            return ResponseReading(Verdict.PERMANENT, f"failedOrders: {shown}"[:_ERROR_TEXT_LIMIT])
    return read_http_status(status, headers, body)


def is_duplicate_answer(body: bytes) -> bool:
    """Whether ``body`` is the JSON object eSputnik answers a repeated body with."""
    answer = _json(body)
    return isinstance(answer, dict) and answer.get("message") == DUPLICATED_REQUEST


def _failed_orders(body: bytes) -> list[object]:
    answer = _json(body)
    failed = answer.get("failedOrders") if isinstance(answer, dict) else None
    return failed if isinstance(failed, list) else []


def _json(body: bytes) -> object:
    if not body.lstrip().startswith(b"{"):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None
