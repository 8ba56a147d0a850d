"""The sample Lambda events in events/, generated from the test fixtures.

``python -m shoprelay_tools.sample_events`` rewrites events/ so the samples always match
what the current code accepts; a test invokes every file the way `sam local invoke` would.

Several fixtures are Shopify test orders (a test store's order, Shopify's documented
example), which every vendor skips unless a shop sets ``send_test_orders``. The samples are
made real orders (``"test": false``), so with ordinary settings each vendor sample does what
that vendor does with the event, rather than only showing the test-order skip.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from shoprelay.canonical import to_json_text
from shoprelay.sources.shopify import WebhookMeta, parse_webhook, sign
from shoprelay.vendors import vendor_names
from shoprelay_tools.demo import DEMO_SECRET, DEMO_SHOP
from shoprelay_tools.stack.template import Resolver, TemplateError, load_template, parameter_defaults

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "shopify"
EVENTS = ROOT / "events"

# topic → fixture body it is built from (Shopify sends the same order shape for every order topic)
INGRESS_SAMPLES: dict[str, str] = {
    "orders/create": "orders-create.test-store-shop-AUD-buyer-USD.json",
    "orders/paid": "orders-create.test-store-shop-AUD-buyer-USD.json",
    "orders/fulfilled": "order-12-line-items.filled-2024-01.json",
    "orders/cancelled": "orders-create.shopify-docs-2026-04.json",
    "orders/updated": "order-12-line-items.filled-2024-01.json",
    "refunds/create": "refunds-create.shopify-docs-2026-04.json",
    "checkouts/create": "checkouts-create.shopify-docs-2026-04.json",
    "checkouts/update": "checkouts-create.shopify-docs-2026-04.json",
    "customers/create": "customers-create.shopify-docs-2026-04.json",
    "customers/update": "customers-create.shopify-docs-2026-04.json",
    "customers_email_marketing_consent/update": "customers-email-marketing-consent-update.example.json",
}
TRIGGERED_AT = "2026-11-20T10:00:00.000000000Z"
LOCAL_INVOKE_ENVIRONMENT = {"POWERTOOLS_LOG_LEVEL": "DEBUG", "POWERTOOLS_PARAMETERS_MAX_AGE": "5"}
"""Where events/env.json differs from a deployment's defaults: a local invoke logs every line and
reads settings again after 5 s, so a settings change shows at the next invoke."""
_PLACEHOLDER_PSEUDO = {
    "AWS::Region": "REPLACE-with-your-region",
    "AWS::AccountId": "REPLACE-with-your-account-id",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "shoprelay-dev",
}


def _fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_bytes())
    return loaded


def _topic_facts(topic: str) -> dict[str, Any]:
    """What a topic's body must show that its fixture does not, since the ingress checks it.

    The cancelled sample is the order the refund sample belongs to, so it is a paid order that
    was cancelled and refunded, carrying that refund: each vendor then gets one coherent story
    (MyTracker, for one, returns the items once, with the refund).
    """
    if topic == "orders/fulfilled":
        return {"fulfillment_status": "fulfilled"}
    if topic == "orders/cancelled":
        return {"financial_status": "refunded", "refunds": [_fixture(INGRESS_SAMPLES["refunds/create"])]}
    return {}


def sample_body(topic: str, fixture: str) -> bytes:
    """The fixture's body for ``topic`` as a real order: its ``test`` flag, where it has one, cleared."""
    body = _fixture(fixture)
    if body.get("test"):
        body["test"] = False
    body.update(_topic_facts(topic))
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def file_stem(topic: str) -> str:
    return topic.replace("/", "-").replace("_", "-")


def api_gateway_event(topic: str, body: bytes, webhook_id: str) -> dict[str, Any]:
    """What API Gateway (HTTP API, payload 2.0) hands the ingress function for a delivery."""
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/shopify",
        "rawPath": "/webhooks/shopify",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/json",
            "user-agent": "Shopify-Captain-Hook",
            "x-shopify-topic": topic,
            "x-shopify-shop-domain": DEMO_SHOP,
            "x-shopify-webhook-id": webhook_id,
            "x-shopify-event-id": f"event-{webhook_id}",
            "x-shopify-api-version": "2026-04",
            "x-shopify-triggered-at": TRIGGERED_AT,
            "x-shopify-hmac-sha256": sign(DEMO_SECRET, body),
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "local",
            "http": {
                "method": "POST",
                "path": "/webhooks/shopify",
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.10",
                "userAgent": "Shopify-Captain-Hook",
            },
            "requestId": f"request-{webhook_id}",
            "routeKey": "POST /webhooks/shopify",
            "stage": "$default",
            "time": "20/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795168800000,
        },
        "body": base64.b64encode(body).decode("ascii"),
        "isBase64Encoded": True,
    }


def sqs_event(vendor: str, message: str, kind: str, index: int) -> dict[str, Any]:
    """What the SNS→SQS raw subscription and the event source mapping give a vendor function."""
    queue = f"arn:aws:sqs:us-east-1:123456789012:shoprelay-dev-{vendor.capitalize()}Queue"
    return {
        "Records": [
            {
                "messageId": f"00000000-0000-4000-8000-{index:012d}",
                "receiptHandle": f"sample-receipt-handle-{vendor}-{kind}",
                "body": message,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1795168800000",
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": "1795168800100",
                },
                "messageAttributes": {
                    "vendors": {
                        "stringValue": json.dumps(list(vendor_names())),
                        "dataType": "String.Array",
                        "stringListValues": [],
                        "binaryListValues": [],
                    },
                    "kind": {"stringValue": kind, "dataType": "String", "stringListValues": [], "binaryListValues": []},
                },
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": queue,
                "awsRegion": "us-east-1",
            }
        ]
    }


def canonical_messages() -> dict[str, str]:
    """One canonical event per kind, as the ingress would publish it (refund with its order)."""
    received = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    messages: dict[str, str] = {}
    remembered = None
    for index, (topic, fixture) in enumerate(INGRESS_SAMPLES.items()):
        meta = WebhookMeta(shop=DEMO_SHOP, topic=topic, webhook_id=f"sample-{index}", event_id=f"sample-event-{index}")
        event = parse_webhook(meta, sample_body(topic, fixture), received)
        if topic == "orders/cancelled":
            remembered = event.order
        if topic == "refunds/create" and remembered is not None:
            event = msgspec.structs.replace(event, order=remembered, order_remembered=True)
        messages.setdefault(event.kind.value, to_json_text(event))
    return messages


def invoke_environment(template_path: Path = ROOT / "template.yaml") -> dict[str, dict[str, str]]:
    """events/env.json: every function's environment from the template, at the parameters'
    defaults, with each resource it names left as ``REPLACE-with-<output>-output`` for
    ``shoprelay invoke`` (or you) to fill in from the stack's outputs."""
    template = load_template(template_path)
    outputs = {
        output["Value"]["Ref"]: name
        for name, output in template.get("Outputs", {}).items()
        if isinstance(output.get("Value"), dict) and "Ref" in output["Value"]
    }

    def placeholder(logical: str, attribute: str | None) -> str:
        if attribute is not None or logical not in outputs:
            raise TemplateError(f"a function's environment names {logical}, which no stack output gives")
        return f"REPLACE-with-{outputs[logical]}-output"

    resolver = Resolver(template, parameter_defaults(template), _PLACEHOLDER_PSEUDO, placeholder)
    shared = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    environments: dict[str, dict[str, str]] = {}
    for logical, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        own = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        resolved = {name: str(resolver.value(value)) for name, value in {**shared, **own}.items()}
        environments[logical] = {**resolved, **LOCAL_INVOKE_ENVIRONMENT}
    return environments


def write_events() -> list[Path]:
    written: list[Path] = []
    env_file = EVENTS / "env.json"
    env_file.write_text(json.dumps(invoke_environment(), indent=2) + "\n", encoding="utf-8")
    written.append(env_file)
    ingress_dir = EVENTS / "ingress"
    ingress_dir.mkdir(parents=True, exist_ok=True)
    for index, (topic, fixture) in enumerate(INGRESS_SAMPLES.items()):
        event = api_gateway_event(topic, sample_body(topic, fixture), f"sample-{index:04d}")
        path = ingress_dir / f"{file_stem(topic)}.json"
        path.write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    for vendor in vendor_names():
        vendor_dir = EVENTS / vendor
        vendor_dir.mkdir(parents=True, exist_ok=True)
        for index, (kind, message) in enumerate(canonical_messages().items()):
            path = vendor_dir / f"{kind.replace('_', '-')}.json"
            path.write_text(json.dumps(sqs_event(vendor, message, kind, index), indent=2) + "\n", encoding="utf-8")
            written.append(path)
    from shoprelay_tools.source_samples import write_source_events

    written += write_source_events(EVENTS)
    return written


if __name__ == "__main__":
    for path in write_events():
        print(path.relative_to(ROOT))
