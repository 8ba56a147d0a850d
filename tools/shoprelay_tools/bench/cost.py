"""AWS cost per million orders with all five vendors enabled, from measured figures.

Memory sizes come from template.yaml; CPU time per webhook and per vendor message from the
ingress and translate benchmarks (scaled to the CPU share Lambda gives the memory size);
AWS call and vendor latencies, which no local run can measure, are stated assumptions.
Every assumption is returned with the figures, so the printed table says what it rests on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from shoprelay.vendors import vendor_names
from shoprelay_tools.bench.coldstart import functions

PRICES = {
    "api_gateway_http_per_million": 1.00,
    "lambda_arm64_per_gb_second": 0.0000133334,
    "lambda_per_million_requests": 0.20,
    "sns_per_million_publishes": 0.50,
    "sqs_per_million_requests": 0.40,
    "dynamodb_per_million_wru": 1.25,
    "dynamodb_per_million_rru": 0.25,
}
"""Published list prices (us-east-1)."""

ASSUMPTIONS: dict[str, Any] = {
    "webhooks_per_order": 1,
    "webhook_mix": "the translate fixture set: 2 orders/create, 1 orders/paid, 1 refunds/create",
    "messages_per_vendor_invocation": 1,
    "vcpu_at_mb": 1769,
    "dynamodb_call_ms": 6,
    "dynamodb_transaction_ms": 10,
    "sns_publish_ms": 15,
    "vendor_http_ms": 150,
    "delivery_claim_items": 2,
    "sqs_requests_per_message": 3,
}

NOTES = (
    "one webhook per order, the fixture set's mix of topics; each extra topic per order costs about the same again",
    "Lambda CPU in proportion to memory: 1 vCPU at 1,769 MB, so local CPU time x 1769/MemorySize below that",
    "each vendor function gets one message per invocation (low traffic; SQS batches up to 10 under load)",
    "AWS calls: DynamoDB 6 ms, transaction 10 ms, SNS publish 15 ms; vendor HTTP call 150 ms (the vendor's time)",
    "SSM reads are cached per container (POWERTOOLS_PARAMETERS_MAX_AGE=300 s): none per webhook",
    "DynamoDB: delivery claim = transaction of 2 items (4 WRU); order memory put = 1 WRU per KB of order JSON; "
    "a refund reads its order (strongly consistent, 1 RRU per 4 KB); per vendor: effect query 1 RRU when it "
    "sends, claim + complete 1 WRU each per recorded request",
    "SQS: send + receive + delete per message per vendor (64 KB chunks each); SNS to SQS delivery is free",
    "not included: CloudWatch Logs ingestion and EMF metrics, SQS event-source idle polling, KMS, data transfer, "
    "cold starts (rare at volume), free tiers",
    "DynamoDB on-demand list prices were halved in Nov 2024 ($0.625/M WRU, $0.125/M RRU): verify before quoting",
)


def _cpu_factor(memory_mb: int) -> float:
    return max(1.0, float(ASSUMPTIONS["vcpu_at_mb"]) / memory_mb)


def _billed_ms(duration_ms: float) -> int:
    return max(1, math.ceil(duration_ms))


def _chunks(size_bytes: int) -> int:
    return max(1, math.ceil(size_bytes / (64 * 1024)))


@dataclass
class _Ledger:
    """Cost lines for one order; Lambda's also keep the billed time the report prints."""

    specs: dict[str, dict[str, Any]]
    lines: list[dict[str, Any]] = field(default_factory=list)

    def add(self, service: str, item: str, quantity_per_order: float, unit_price_per_million: float) -> None:
        self.lines.append(
            {
                "service": service,
                "item": item,
                "per_order": quantity_per_order,
                "usd_per_million_orders": quantity_per_order * unit_price_per_million,
            }
        )

    def add_lambda(self, name: str, invocations: float, duration_ms: float) -> None:
        memory_mb = self.specs[name]["memory_mb"]
        billed = _billed_ms(duration_ms)
        self.add("Lambda", f"{name} requests", invocations, PRICES["lambda_per_million_requests"])
        self.add(
            "Lambda",
            f"{name} {billed} ms x {memory_mb} MB",
            invocations * billed / 1000 * (memory_mb / 1024),
            PRICES["lambda_arm64_per_gb_second"] * 1e6,
        )
        self.lines[-1].update(function=name, billed_ms=billed, memory_mb=memory_mb)


def run(translate: dict[str, Any], ingress: dict[str, Any]) -> dict[str, Any]:
    specs = functions()
    ledger = _Ledger(specs)
    _ingress_lines(ledger, translate, ingress)
    _vendor_lines(ledger, translate, ingress)
    total = sum(entry["usd_per_million_orders"] for entry in ledger.lines)
    return {
        "prices": PRICES,
        "assumptions": ASSUMPTIONS,
        "notes": list(NOTES),
        "lines": ledger.lines,
        "total_usd_per_million_orders": total,
    }


def _ingress_lines(ledger: _Ledger, translate: dict[str, Any], ingress: dict[str, Any]) -> None:
    """One API call, one invocation and one publish per webhook."""
    a = ASSUMPTIONS
    ingress_id = next(name for name, spec in ledger.specs.items() if spec["is_ingress"])
    webhooks = len(translate["fixtures"])
    order_topics = [f for f in translate["fixtures"] if "(orders/" in f]
    refunds = webhooks - len(order_topics)
    documents = translate["order_document_bytes"] or [0]
    ingress_ms = (
        ingress["p50_ms"] * _cpu_factor(ledger.specs[ingress_id]["memory_mb"])
        + a["dynamodb_transaction_ms"]
        + a["dynamodb_call_ms"]
        + a["sns_publish_ms"]
    )
    ledger.add("API Gateway", "HTTP API requests", 1, PRICES["api_gateway_http_per_million"])
    ledger.add_lambda(ingress_id, 1, ingress_ms)
    ledger.add("SNS", "publishes", _chunks(ingress["largest_message_bytes"]), PRICES["sns_per_million_publishes"])
    # Write units round each item up to 1 KB, strongly consistent reads to 4 KB.
    memory_wru = sum(math.ceil(size / 1024) for size in documents) / len(documents) * len(order_topics) / webhooks
    memory_rru = sum(math.ceil(size / 4096) for size in documents) / len(documents) * refunds / webhooks
    claim_wru = 2 * a["delivery_claim_items"]  # transactional writes cost twice
    ledger.add(
        "DynamoDB", "ingress writes (claim + order memory)", claim_wru + memory_wru, PRICES["dynamodb_per_million_wru"]
    )
    ledger.add("DynamoDB", "ingress reads (refund's order)", memory_rru, PRICES["dynamodb_per_million_rru"])


def _vendor_lines(ledger: _Ledger, translate: dict[str, Any], ingress: dict[str, Any]) -> None:
    """One message and one invocation per webhook for each vendor, whether it sends or skips."""
    a = ASSUMPTIONS
    specs = ledger.specs
    vendor_ids = {spec["environment"].get("VENDOR"): name for name, spec in specs.items() if not spec["is_ingress"]}
    webhooks = len(translate["fixtures"])
    sqs_requests = 0.0
    vendor_wru = vendor_rru = 0.0
    for vendor in vendor_names():
        figures = translate["vendors"].get(vendor)
        name = vendor_ids.get(vendor)
        if figures is None or name is None:
            continue
        sending = (webhooks - figures["skipped"]) / webhooks
        recorded = figures["non_repeatable_requests"] / webhooks
        requests = figures["requests"] / webhooks
        duration = (
            figures["delivery_us_per_message"] / 1000 * _cpu_factor(specs[name]["memory_mb"])
            + sending * a["dynamodb_call_ms"]
            + recorded * 2 * a["dynamodb_call_ms"]
            + requests * a["vendor_http_ms"]
        )
        ledger.add_lambda(name, a["messages_per_vendor_invocation"], duration)
        sqs_requests += a["sqs_requests_per_message"] * _chunks(ingress["largest_message_bytes"])
        vendor_rru += sending
        vendor_wru += 2 * recorded
    ledger.add("SQS", "send + receive + delete, 5 queues", sqs_requests, PRICES["sqs_per_million_requests"])
    ledger.add("DynamoDB", "vendor effect writes (claim + complete)", vendor_wru, PRICES["dynamodb_per_million_wru"])
    ledger.add("DynamoDB", "vendor effect queries", vendor_rru, PRICES["dynamodb_per_million_rru"])
