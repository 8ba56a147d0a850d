"""Every field of a real body, given a value of another JSON type, is answered 2xx or 4xx.

The property test draws such bodies at random, a few per run; this sweeps every top-level
field of one body per topic family with every JSON type, so a field that the topic rules or
the adapter read without checking its type fails every run, not only the run that draws it.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from support.stack import LocalAws
from support.webhooks import api_event, fixture_json

from shoprelay_tools.demo import DEMO_SECRET

BODIES = {
    "orders/paid": "orders-create.test-store-shop-AUD-buyer-USD.json",
    "refunds/create": "refunds-create.shopify-docs-2026-04.json",
    "checkouts/update": "checkouts-create.shopify-docs-2026-04.json",
    "customers/update": "customers-create.shopify-docs-2026-04.json",
    "customers_email_marketing_consent/update": "customers-email-marketing-consent-update.example.json",
}
"""One real body per topic family, under a topic whose rules read the most fields."""
OTHER_TYPES: tuple[Any, ...] = (None, True, 7, -1.5, "", "x", [], ["x"], {}, {"k": "v"})
"""A value of every JSON type, empty and not."""


@pytest.mark.parametrize("topic", sorted(BODIES))
def test_no_field_of_another_type_gets_a_5xx(local: LocalAws, topic: str) -> None:
    local.seed_shop({"edrone": {"enabled": True}, "esputnik": {"enabled": True}})
    body = fixture_json(BODIES[topic])
    answers: dict[int, int] = {}
    server_errors = []
    for field in sorted(body):
        for value in OTHER_TYPES:
            raw = json.dumps({**body, field: value}).encode()
            event = api_event(raw, topic=topic, secret=DEMO_SECRET, webhook_id=uuid.uuid4().hex)
            status = local.answer_after_retries("IngressFunction", event)["statusCode"]
            answers[status] = answers.get(status, 0) + 1
            if status >= 500:
                server_errors.append(f"{field}={value!r}: {status}")
    assert not server_errors, server_errors
    # Both kinds of answer occur: the sweep reaches the rules that refuse and the path that accepts.
    assert any(status < 300 for status in answers), answers
    assert any(400 <= status < 500 for status in answers), answers
