"""How to read eSputnik's answers.

Two answers mean something other than their HTTP status says:

* "Duplicated request": eSputnik refuses a body identical to the one just before it. The
  first one was taken, so this is delivered, not an error (Yespo's own apps treat it so).
* Add orders answers 200 even when it rejects orders, listing them in ``failedOrders``.
  The same order would be rejected again, so that is a permanent failure with eSputnik's
  own words, never a silent success.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from shoprelay.vendors.base import ResponseReading, Verdict, read_http_status

DUPLICATED_REQUEST = "Duplicated request"
_ERROR_TEXT_LIMIT = 500


def read_response(status: int, headers: Mapping[str, str], body: bytes) -> ResponseReading:
    """Delivered on 2xx without failed orders, or on "Duplicated request"; else by status."""
    text = body.decode("utf-8", errors="replace")
    if DUPLICATED_REQUEST.lower() in text.lower():
        return ResponseReading(Verdict.DELIVERED)
    if 200 <= status < 300:
        failed = _failed_orders(text)
        if failed:
            shown = json.dumps(failed, ensure_ascii=False, separators=(",", ":"))
            return ResponseReading(Verdict.PERMANENT, f"failedOrders: {shown}"[:_ERROR_TEXT_LIMIT])
    return read_http_status(status, headers, body)


def _failed_orders(text: str) -> list[object]:
    try:
        answer = json.loads(text)
    except ValueError:
        return []
    failed = answer.get("failedOrders") if isinstance(answer, dict) else None
    return failed if isinstance(failed, list) else []
