"""API Gateway HTTP API (payload 2.0) events in, JSON answers out."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class RequestError(ValueError):
    """A request we answer with a 4xx; ``status`` and ``payload`` are what the client sees."""

    def __init__(self, status: int, error: str, **details: str) -> None:
        super().__init__(error)
        self.status = status
        self.payload: dict[str, str] = {"error": error, **details}


@dataclass(frozen=True)
class WebhookRequest:
    headers: Mapping[str, str]
    """Header names lower-cased, as API Gateway v2 delivers them and Shopify allows."""
    body: bytes


def read_request(event: Mapping[str, Any], max_body_bytes: int) -> WebhookRequest:
    """The raw body bytes exactly as Shopify signed them, and the headers."""
    raw_headers = event.get("headers") or {}
    if not isinstance(raw_headers, Mapping):
        raise RequestError(400, "headers are malformed")
    headers = {str(k).lower(): str(v) for k, v in raw_headers.items()}
    body_text = event.get("body") or ""
    if not isinstance(body_text, str):
        raise RequestError(400, "body is malformed")
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body_text, validate=True)
        except (binascii.Error, ValueError):
            raise RequestError(400, "body is not valid base64 although isBase64Encoded is set") from None
    else:
        body = body_text.encode("utf-8", errors="surrogateescape")
    if len(body) > max_body_bytes:
        raise RequestError(400, f"body is larger than the limit of {max_body_bytes} bytes", field="")
    return WebhookRequest(headers=headers, body=body)


def answer(status: int, payload: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(payload, separators=(",", ":")),
    }
