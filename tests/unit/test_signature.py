"""Shopify's webhook signature, checked against Shopify's own published test vector."""

from __future__ import annotations

from shoprelay.sources.shopify import sign, signature_matches

VECTOR_SECRET = "test_secret_key"
VECTOR_BODY = b'{"foo": "bar"}'
VECTOR_SIGNATURE = "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="


def test_signs_like_shopify() -> None:
    assert sign(VECTOR_SECRET, VECTOR_BODY) == VECTOR_SIGNATURE


def test_accepts_current_or_previous_secret() -> None:
    assert signature_matches(VECTOR_BODY, VECTOR_SIGNATURE, [VECTOR_SECRET])
    assert signature_matches(VECTOR_BODY, VECTOR_SIGNATURE, ["rotated-secret", VECTOR_SECRET])


def test_rejects_changed_body_wrong_secret_and_missing_signature() -> None:
    assert not signature_matches(b'{"foo":"bar"}', VECTOR_SIGNATURE, [VECTOR_SECRET])
    assert not signature_matches(VECTOR_BODY, VECTOR_SIGNATURE, ["other"])
    assert not signature_matches(VECTOR_BODY, None, [VECTOR_SECRET])
    assert not signature_matches(VECTOR_BODY, "", [VECTOR_SECRET])
    assert not signature_matches(VECTOR_BODY, "ünicode", [VECTOR_SECRET])
