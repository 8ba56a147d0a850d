"""Vendor text is masked by shape and shortened before a log line or a DLQ attribute gets it."""

from __future__ import annotations

import pytest

from shoprelay.delivery.errors import PermanentDeliveryError, RetryableDeliveryError
from shoprelay.redaction import MAX_CHARS, redact


@pytest.mark.parametrize(
    ("text", "gone", "mask"),
    [
        ('{"message": "jane.doe+x@mail.example.co.uk is taken"}', "jane.doe", "<email>"),
        ("call +49 151 1234 5678 please", "1234", "<phone>"),
        ("phone (030) 123-4567", "123-4567", "<phone>"),
        ("from 203.0.113.7 at noon", "203.0.113.7", "<ip>"),
        ("from 2001:db8::8a2e:370:7334", "2001:db8", "<ip>"),
        ("card 4111111111111111 declined", "4111111111111111", "<digits>"),
        ("Authorization: Bearer eyJhbGciOi.payload.sig", "eyJhbGciOi", "<redacted>"),
        ('{"api_key": "k-123", "x": 1}', "k-123", "<redacted>"),
        ("x-api-key=abc secret:def password = ghi", "abc", "<redacted>"),
        ("ref 4f3c2a1b9d8e7f6a5b4c3d2e1f0a9b8c expired", "4f3c2a1b", "<token>"),
        ("see https://user:hunter2@vendor.example/x", "hunter2", "<credentials>"),
    ],
)
def test_personal_data_and_credentials_are_masked(text: str, gone: str, mask: str) -> None:
    redacted = redact(text)
    assert gone not in redacted
    assert mask in redacted


@pytest.mark.parametrize(
    "text",
    [
        "HTTP 400: Duplicated request",
        "order_paid: HTTP 503: no error text",
        "retries exhausted after 5 attempts in 2.5 min",
        "at 2026-11-20T10:00:00 on attempt 3 of 5",
        "invalid field line_items[0].price",
    ],
)
def test_our_own_words_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_text_is_one_line_and_bounded() -> None:
    assert redact("a\nb\r\n\x00c\td") == "a b c d"
    long = redact("word " * 1000)
    assert len(long) <= MAX_CHARS
    assert long.endswith("…")
    assert redact("") == ""
    assert redact(None) == ""


def test_delivery_errors_carry_only_redacted_text() -> None:
    permanent = PermanentDeliveryError("HTTP 400: jane@example.com", vendor_error="jane@example.com " * 100)
    assert "jane@" not in permanent.reason
    assert "jane@" not in str(permanent)
    assert permanent.vendor_error is not None
    assert len(permanent.vendor_error) <= MAX_CHARS
    assert "jane@" not in permanent.vendor_error
    retryable = RetryableDeliveryError("HTTP 503 from 203.0.113.7")
    assert "203.0.113.7" not in retryable.reason
