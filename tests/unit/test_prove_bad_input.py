"""The bad-input suite's security classes send what they claim to send."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from shoprelay.sources import PayloadError
from shoprelay.sources.shopify import WebhookMeta, parse_webhook, signature_matches
from shoprelay.sources.shopify.topic_rules import check_topic
from shoprelay_tools.prove.bad_input import ECHO, ECHOED, FLOOD, TWIN, BadInputBuilder, BadRequest, echo_findings
from shoprelay_tools.prove.workload import PROVE_SHOPS

RECEIVED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def _requests(kind: str, count: int = 60) -> list[BadRequest]:
    builder = BadInputBuilder(7, PROVE_SHOPS, 2 * 1024 * 1024)
    return [r for r in builder.build(count * 15) if r.kind == kind][:count]


def _header(request: BadRequest, name: str) -> str:
    return dict(request.headers)[name].decode()


def _refuse(meta: WebhookMeta, body: bytes) -> None:
    """What the Shopify front does with a verified body: the topic rules, then the adapter."""
    check_topic(meta, body)
    parse_webhook(meta, body, RECEIVED)


def test_cross_topic_replays_are_signed_bodies_the_ingress_refuses() -> None:
    requests = _requests("cross-topic replay")
    assert len({r.variant for r in requests}) >= 5
    for request in requests:
        shop = next(s for s in PROVE_SHOPS if s.domain == _header(request, "X-Shopify-Shop-Domain"))
        body = request.body
        assert signature_matches(body, _header(request, "X-Shopify-Hmac-Sha256"), (shop.secret,))
        meta = WebhookMeta(shop=shop.domain, topic=_header(request, "X-Shopify-Topic"))
        with pytest.raises(PayloadError):
            _refuse(meta, body)


def test_the_shared_secret_class_verifies_for_the_twin() -> None:
    for request in _requests("shop A body as shop B, shared secret", 10):
        assert _header(request, "X-Shopify-Shop-Domain") == TWIN
        signature = _header(request, "X-Shopify-Hmac-Sha256")
        assert signature_matches(request.body, signature, (PROVE_SHOPS[0].secret,))


def test_the_flood_names_a_new_shop_each_time() -> None:
    builder = BadInputBuilder(7, PROVE_SHOPS, 2 * 1024 * 1024)
    shops = [_header(r, "X-Shopify-Shop-Domain") for r in builder.flood(200)]
    assert len(set(shops)) == 200
    assert all(r.kind == FLOOD for r in builder.flood(3))


def test_echo_findings_see_a_leak_and_nothing_else() -> None:
    assert echo_findings(['{"reason": "HTTP 400: <email>"}'], [{"reason": "<phone>"}]) == []
    leaked = echo_findings([json.dumps({"reason": ECHO})], [{"vendor_error": ECHO}])
    assert len(leaked) == 2 * len(ECHOED)
