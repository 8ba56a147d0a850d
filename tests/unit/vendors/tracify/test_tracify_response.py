"""Reading Tracify's answers: a 200 is delivered only when it says ``status: true``."""

from __future__ import annotations

import pytest

from shoprelay.vendors.base import ResponseReading, Verdict
from shoprelay.vendors.tracify import read_response


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, b'{"status": true}', ResponseReading(Verdict.DELIVERED)),
        (
            200,
            b'{"status": false, "error": "amount is required"}',
            ResponseReading(Verdict.PERMANENT, "amount is required"),
        ),
        (
            200,
            b'{"status": false, "error": "Service temporarily unavailable, try again"}',
            ResponseReading(Verdict.RETRYABLE, "Service temporarily unavailable, try again"),
        ),
        (
            200,
            b'{"status": false, "error": "database timeout"}',
            ResponseReading(Verdict.RETRYABLE, "database timeout"),
        ),
        (
            200,
            b'{"status": false}',
            ResponseReading(Verdict.PERMANENT, "Tracify answered status false without an error text"),
        ),
        # An id Tracify already holds: the purchase is recorded, whatever the status says.
        (200, b'{"status": false, "error": "order_id already exists"}', ResponseReading(Verdict.DELIVERED)),
        (200, b'{"status": false, "error": "Duplicate conversion_id"}', ResponseReading(Verdict.DELIVERED)),
        (200, b'{"status": false, "error": "order_id must be unique"}', ResponseReading(Verdict.DELIVERED)),
        (
            200,
            b'{"status": false, "error": "currency already set to an unknown code"}',
            ResponseReading(Verdict.PERMANENT, "currency already set to an unknown code"),
        ),
        (200, b"", ResponseReading(Verdict.RETRYABLE, "HTTP 200 without a Tracify status: an empty body")),
        (
            200,
            b"<html>proxy error</html>",
            ResponseReading(Verdict.RETRYABLE, "HTTP 200 without a Tracify status: <html>proxy error</html>"),
        ),
        (
            401,
            b'{"status": false, "error": "missing or invalid tracify-token"}',
            ResponseReading(Verdict.PERMANENT, "missing or invalid tracify-token"),
        ),
        (429, b"", ResponseReading(Verdict.RETRYABLE, "HTTP 429")),
        (503, b"Service Unavailable", ResponseReading(Verdict.RETRYABLE, "Service Unavailable")),
        (404, b"Not Found", ResponseReading(Verdict.PERMANENT, "Not Found")),
    ],
)
def test_reads_the_answer(status: int, body: bytes, expected: ResponseReading) -> None:
    assert read_response(status, {}, body) == expected
