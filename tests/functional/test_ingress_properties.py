"""Whatever a client sends, the ingress answers 2xx or 4xx, never 5xx (property-based)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.stack import LocalAws
from support.webhooks import api_event, fixture_json

from shoprelay.sources.shopify import sign
from shoprelay_tools.demo import DEMO_SECRET

TOPICS = st.sampled_from(
    [
        "orders/create",
        "orders/paid",
        "refunds/create",
        "checkouts/update",
        "customers/update",
        "carts/update",
        "",
        "customers_email_marketing_consent/update",
        "ORDERS/CREATE",
        "orders/../x",
    ]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
ORDER = fixture_json("orders-create.test-store-shop-AUD-buyer-USD.json")


def mutated_order(data: st.DataObject) -> bytes:
    """A real order with one field replaced by an arbitrary JSON value."""
    body: dict[str, Any] = dict(ORDER)
    key = data.draw(st.sampled_from(sorted(body)))
    body[key] = data.draw(JSON_VALUES)
    return json.dumps(body).encode()


BODIES = st.one_of(st.binary(max_size=300), JSON_VALUES.map(lambda v: json.dumps(v).encode()))
HEADERS = st.dictionaries(
    st.sampled_from(
        [
            "x-shopify-topic",
            "x-shopify-shop-domain",
            "x-shopify-webhook-id",
            "x-shopify-event-id",
            "x-shopify-hmac-sha256",
            "x-shopify-triggered-at",
            "content-type",
        ]
    ),
    st.text(max_size=40),
    max_size=7,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_request_gets_a_5xx(local: LocalAws, data: st.DataObject) -> None:
    local.seed_shop({"edrone": {"enabled": True}})
    signed = data.draw(st.booleans())
    body = data.draw(st.one_of(BODIES, st.builds(lambda: None).flatmap(lambda _: st.just(mutated_order(data)))))
    event = api_event(
        body,
        topic=data.draw(TOPICS),
        secret=DEMO_SECRET if signed else "wrong",
        base64_encoded=data.draw(st.booleans()),
        webhook_id=data.draw(st.uuids()).hex,
    )
    overrides = data.draw(HEADERS)
    event["headers"].update(overrides)
    if signed and "x-shopify-hmac-sha256" not in overrides:
        event["headers"]["x-shopify-hmac-sha256"] = sign(DEMO_SECRET, body)
    if data.draw(st.booleans()):
        event["body"] = data.draw(st.one_of(st.none(), st.text(max_size=50)))
    response = local.answer_after_retries("IngressFunction", event)
    assert 200 <= response["statusCode"] < 500, response
    answer = json.loads(response["body"])
    assert isinstance(answer, dict)
    assert ("error" in answer) == (response["statusCode"] >= 400)
